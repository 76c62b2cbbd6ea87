"""A session exports as a scenario that ``netsim run`` replays with the same output."""

from __future__ import annotations

from pathlib import Path

from netsim.scenario.load import load_scenario
from netsim.scenario.runner import run_scenario
from netsim.shell.export import export_scenario
from netsim.shell.session import ShellSession

from .helpers import WALKTHROUGH


def test_exported_walkthrough_replays_and_holds(shell: ShellSession, workdir: Path) -> None:
    for line in WALKTHROUGH.splitlines():
        shell.run_line(line)
    shell.run_line("cat default-deny.yaml")
    shell.run_line("netsim reach")
    target = workdir / "out" / "session.yaml"
    target.parent.mkdir()
    target.write_text(export_scenario(shell, target), encoding="utf-8")
    scenario = load_scenario(target)
    actions = [s.action for s in scenario.steps]
    assert actions.count("shell") == 4
    assert "cat" in actions
    result = run_scenario(scenario)
    assert result.passed, [str(f) for f in result.failures]
    # every typed output is an expectation of the replay
    assert len(result.checks) >= 2 * 4 + 2 * 4
    assert "wget: download timed out" in result.transcript()


def test_open_pod_session_is_exported_when_input_ends(shell: ShellSession, workdir: Path) -> None:
    shell.run_line("kubectl run box --rm -ti --image=busybox -- /bin/sh")
    shell.run_line("hostname")
    shell.finish()
    target = workdir / "s.yaml"
    target.write_text(export_scenario(shell, target), encoding="utf-8")
    assert run_scenario(load_scenario(target)).passed
