"""``netsim demo``: the nginx walkthrough, from any working directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from netsim.cli import main
from netsim.cli.demo import demo_scenario_path


def test_demo_scenario_is_the_walkthrough() -> None:
    path = demo_scenario_path()
    assert path.name == "nginx-walkthrough.yaml"
    assert path.parent.name == "scenarios"
    assert path.parent.parent.name == "netsim"  # package data, installed with the package


def test_demo_prints_the_walkthrough(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    golden = demo_scenario_path().with_suffix(".out").read_text(encoding="utf-8")
    assert out == golden
    assert 'networkpolicy "access-nginx" created' in out
    assert "Connecting to nginx (10.100.0.16:80)\nwget: download timed out" in out


def test_demo_runs_from_another_directory(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "netsim", "demo", "--quiet"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("PASS nginx-walkthrough: ")
