"""``netsim lint``: exit codes per --fail-on, formats, enable/disable, input errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netsim.cli import main

ROOT = Path(__file__).parents[2]
BASE = str(ROOT / "tests" / "insight" / "fixtures" / "lint" / "base.yaml")
POLICIES = str(ROOT / "netsim" / "scenarios" / "policies")

DENY_EGRESS = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress, namespace: shop}
spec: {podSelector: {}, policyTypes: [Egress]}
"""
CONTAINED = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: db}}}]
  - from: [{podSelector: {matchLabels: {app: db}}}]
    ports: [{port: 8080}]
"""


def lint(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["lint", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_error_finding_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(DENY_EGRESS)
    code, out, _ = lint(capsys, BASE, str(path))
    assert code == 1
    assert "shop/deny-egress" in out and "NP001" in out
    assert lint(capsys, BASE, str(path), "--disable", "NP001")[0] == 0


@pytest.mark.parametrize(("fail_on", "code"), [("error", 0), ("warning", 0), ("info", 1)])
def test_fail_on_levels(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fail_on: str, code: int
) -> None:
    # only NP015 (info): rule 1 is contained in rule 0
    path = tmp_path / "p.yaml"
    path.write_text(CONTAINED)
    result = lint(capsys, BASE, str(path), "--fail-on", fail_on, "-o", "json")
    assert {f["id"] for f in json.loads(result[1])["findings"]} == {"NP015"}
    assert result[0] == code


def test_skipped_checks_without_pods(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = lint(capsys, POLICIES, "-o", "json", "--disable", "NP019")
    body = json.loads(out)
    assert code == 0  # only warnings (NP017) once duplicates are disabled
    assert {s["id"] for s in body["skipped"]} >= {"NP001", "NP003", "NP016"}


def test_sarif(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(DENY_EGRESS)
    _, out, _ = lint(capsys, BASE, str(path), "-o", "sarif")
    log = json.loads(out)
    assert log["version"] == "2.1.0" and log["runs"][0]["results"][0]["ruleId"] == "NP001"


def test_input_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = lint(capsys, str(tmp_path / "nope.yaml"))
    assert code == 2 and "no such file" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: x}\n"
        "spec: {podSelector: {matchLabels: {a: [1]}}}\n"
    )
    code, _, err = lint(capsys, str(bad))
    assert code == 2 and "spec.podSelector.matchLabels" in err and "Traceback" not in err
    code, _, err = lint(capsys, BASE, "--disable", "NP999")
    assert code == 2 and "NP999" in err
