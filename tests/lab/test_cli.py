"""``netsim lab``: exit codes and output of list, grade, test, new, start."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netsim.cli import main

from .helpers import FIXTURE


def test_list_shows_shipped_labs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["ID", "DIFFICULTY", "MINUTES", "TITLE"]
    assert main(["lab", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    keys = [(r["difficulty"], r["id"]) for r in rows]
    assert keys == sorted(keys)


def test_grade_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    lab = str(FIXTURE)
    assert main(["lab", "grade", lab, "--answer", str(FIXTURE / "solution.yaml")]) == 0
    assert "score 10/10: all checks passed" in capsys.readouterr().out
    wrong = str(FIXTURE / "wrong/all-pods.yaml")
    assert main(["lab", "grade", lab, "--answer", wrong, "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["score"] == 6
    assert main(["lab", "grade", lab, "--answer", wrong, "--format", "junit"]) == 1
    assert "<testsuite" in capsys.readouterr().out
    assert main(["lab", "grade", "no-such-lab", "--answer", wrong]) == 2
    assert 'lab "no-such-lab" not found' in capsys.readouterr().err


def test_test_and_new(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "test", str(FIXTURE)]) == 0
    assert "PASS mini" in capsys.readouterr().out
    assert main(["lab", "new", "my-lab", "--dir", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["lab", "test", str(tmp_path / "my-lab")]) == 0
    assert main(["lab", "new", "my-lab", "--dir", str(tmp_path)]) == 2
    assert main(["lab", "new", "Bad_Id", "--dir", str(tmp_path)]) == 2


def test_new_from_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).parents[2]
    found = [root / d / "api-allow.yaml" for d in ("scenarios", "netsim/scenarios")]
    scenario = next(p for p in found if p.is_file())
    assert main(["lab", "new", "from-sc", "--dir", str(tmp_path), "--from", str(scenario)]) == 0
    text = (tmp_path / "from-sc" / "lab.yaml").read_text()
    assert "create -f setup/12-api-allow.yaml" in text
    assert (tmp_path / "from-sc" / "setup" / "12-api-allow.yaml").is_file()
    capsys.readouterr()
    assert main(["lab", "test", str(tmp_path / "from-sc")]) == 1
    assert "checks: Required value" in capsys.readouterr().out


def test_start_copies_the_starter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = tmp_path / "work"
    assert main(["lab", "start", str(FIXTURE), "--dir", str(work), "--no-shell"]) == 0
    out = capsys.readouterr().out
    assert "Let default/client reach web" in out
    assert (work / "answer.yaml").read_text() == (FIXTURE / "starter/answer.yaml").read_text()
    (work / "answer.yaml").write_text("mine\n")
    assert main(["lab", "start", str(FIXTURE), "--dir", str(work), "--no-shell"]) == 0
    assert "exists: kept" in capsys.readouterr().out
    assert (work / "answer.yaml").read_text() == "mine\n"
