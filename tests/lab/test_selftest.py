"""``lab test``: declared wrong answers, starters and the mutation audit."""

from __future__ import annotations

from pathlib import Path

from netsim.lab.catalog import load_lab
from netsim.lab.selftest import selftest_lab

from .helpers import copy_lab, lab_doc, mini


def test_fixture_passes_with_every_mutant_killed_or_equivalent() -> None:
    result = selftest_lab(mini())
    assert result.passed, result.render()
    audit = next(f for f in result.findings if f.subject == "mutation audit")
    assert "0 surviving" in audit.message


def test_wrong_answer_failing_other_checks_is_reported(tmp_path: Path) -> None:
    doc = lab_doc()
    doc["wrong"][0]["fails"] = ["other-denied"]
    result = selftest_lab(load_lab(copy_lab(tmp_path, doc)))
    assert not result.passed
    bad = next(f for f in result.findings if f.subject == "wrong/all-pods.yaml")
    assert bad.status == "fail"
    assert "declared other-denied" in bad.message


def test_undetected_misconception_is_reported(tmp_path: Path) -> None:
    doc = lab_doc()
    doc["wrong"][0]["misconception"] = "ns-by-name"
    result = selftest_lab(load_lab(copy_lab(tmp_path, doc)))
    bad = next(f for f in result.findings if f.subject == "wrong/all-pods.yaml")
    assert "misconception ns-by-name not reported" in bad.message


def test_weak_checks_let_a_mutant_survive(tmp_path: Path) -> None:
    doc = lab_doc()
    keep = {"client-allowed", "via-service", "wget", "pods-untouched"}
    doc["checks"] = [c for c in doc["checks"] if c["id"] in keep]
    doc["wrong"] = []
    result = selftest_lab(load_lab(copy_lab(tmp_path, doc)))
    assert not result.passed
    surviving = [
        f for f in result.findings if f.subject.startswith("mutant") and f.status == "fail"
    ]
    assert surviving, result.render()
    assert "which the solution denies" in surviving[0].message


def test_starter_that_already_passes_fails(tmp_path: Path) -> None:
    folder = copy_lab(tmp_path)
    (folder / "starter" / "answer.yaml").write_text((folder / "solution.yaml").read_text())
    result = selftest_lab(load_lab(folder), mutation=False)
    bad = next(f for f in result.findings if f.subject == "starter/answer.yaml")
    assert bad.status == "fail" and "already scores the maximum" in bad.message
