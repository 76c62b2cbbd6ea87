"""Output that cannot be written and runs that are interrupted end cleanly (issue 13).

A full device (``> /dev/full``) is an error on stderr with exit 2; a reader that went
away (``| head``) is a normal end, exit 0; Ctrl-C during ``netsim run`` prints what
completed, then exits 130 (128 + SIGINT, as a shell reports it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import netsim.scenario.runner as runner
from netsim.cli import main

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = [str(REPO / "scenarios" / f"{n}.yaml") for n in ("web-deny-all", "api-allow")]
POLICY = str(REPO / "scenarios" / "policies" / "01-default-deny-ingress.yaml")


def netsim(*args: str, stdout: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "netsim", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        timeout=120,
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize(
    "args",
    [
        ["matrix", POLICY, "--port", "80"],
        ["validate", POLICY],
        ["run", "-q", SCENARIOS[0]],
        ["--help"],
        ["validate", "--help"],
        ["--version"],
    ],
)
def test_a_full_device_on_stdout_is_an_error_not_a_traceback(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        done = netsim(*args, stdout=full)
    assert done.returncode == 2
    assert "error: cannot write standard output: No space left on device" in done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_a_reader_that_goes_away_is_a_normal_end() -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "netsim", "run", *SCENARIOS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.read(10)
    child.stdout.close()  # as `| head -c 10` does
    err = child.stderr.read().decode()
    assert child.wait(timeout=120) == 0
    assert "Traceback" not in err and "Exception ignored" not in err


@pytest.fixture
def ctrl_c_during_second(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C arrives while the second scenario runs."""
    real = runner.run_scenario
    calls: list[object] = []

    def run_scenario(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "run_scenario", run_scenario)


@pytest.mark.usefixtures("ctrl_c_during_second")
def test_ctrl_c_prints_the_scenarios_that_completed_then_exits_130(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", "-q", *SCENARIOS]) == 130
    out, err = capsys.readouterr()
    # web-deny-all's summary (6 steps; 7 checks: one expect holds allowed and contains)
    # and a total over what completed; nothing of api-allow.
    assert out == (
        "PASS web-deny-all: 6 steps, 7 expectations hold\n"
        "1 of 1 scenarios passed (7 of 7 expectations hold)\n"
    )
    assert err == "interrupted: 1 of 2 scenarios completed\n"


@pytest.mark.usefixtures("ctrl_c_during_second")
def test_ctrl_c_with_json_still_prints_a_whole_record(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--json", *SCENARIOS]) == 130
    record = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in record["scenarios"]] == ["web-deny-all"]
    assert record["interrupted"] == {"completed": 1, "of": 2}
