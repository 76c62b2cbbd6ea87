"""A session exports as a scenario that ``netsim run`` replays with the same output."""

from __future__ import annotations

from pathlib import Path

from netsim.scenario.load import load_scenario
from netsim.scenario.runner import run_scenario
from netsim.scenario.schema import scenario_from_dict
from netsim.shell.export import cluster_dict, export_scenario
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


def test_external_hosts_keep_their_dns_names() -> None:
    external = {"site": {"ip": "93.184.216.34", "dns": "example.com"}, "client": "203.0.113.10"}
    doc = {"title": "t", "cluster": {"external": external}, "steps": [{"kubectl": "get pods"}]}
    spec = scenario_from_dict(doc, "t.yaml").cluster
    assert cluster_dict(spec)["external"] == external
    again = scenario_from_dict({**doc, "cluster": cluster_dict(spec)}, "again.yaml").cluster
    assert (again.external, again.external_dns) == (spec.external, spec.external_dns)
