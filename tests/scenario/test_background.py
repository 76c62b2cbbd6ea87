"""Background steps and ``wait``: a command runs while later steps change the cluster.

Expected values come from the semantics, not from netsim's output:

- Calico enforces policy on a connection's first packet and lets conntrack carry the
  rest, so a policy change affects new connections only ("Policies are applied
  immediately to any new connections; existing connections are affected only once
  re-established", https://docs.tigera.io/calico/latest/network-policy/get-started/calico-policy/calico-network-policy;
  docs/BEHAVIOUR.md ``cut_established_on_change``). busybox ping sends every echo
  request of one run with the same identifier, which conntrack keys ICMP echo on, so a
  running ping is one established flow: it keeps its replies under a new default-deny,
  while a new ping (a new identifier) gets none.
- With ``cut_established_on_change: true`` the established flow is re-checked: the
  requests sent after the policy (one a second, ``ping -c 5``: seq 2, 3, 4 after a policy
  at t=1.5 s) go unanswered, and busybox's statistics say ``5 packets transmitted,
  2 packets received, 60% packet loss`` (exit 0: some reply came, ``ping.c``).
- bash prints ``[N]+  Done                    COMMAND`` (status padded to 24 columns)
  when a job it waits for ends, ``Exit N`` instead of ``Done`` when it failed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from netsim.errors import ScenarioError
from netsim.scenario.load import load_scenario
from netsim.scenario.runner import run_scenario
from netsim.scenario.schema import scenario_from_dict
from netsim.scenario.transcript import ScenarioResult

DENY_INGRESS = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "deny-all"},
    "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
}
PODS = [
    {"kubectl": "run web --image=nginx --restart=Never --labels=app=web"},
    {"kubectl": "run client --image=busybox --restart=Never"},
]
PING_WEB = "ping -c 5 {pod_ip:default/web}"


def run(steps: list[dict[str, Any]], **cluster: Any) -> ScenarioResult:
    doc: dict[str, Any] = {"title": "t", "steps": steps}
    if cluster:
        doc["cluster"] = cluster
    return run_scenario(scenario_from_dict(doc, "t.yaml"))


def ping_under_new_policy(**cluster: Any) -> ScenarioResult:
    return run(
        [
            *PODS,
            {"exec": PING_WEB, "pod": "client", "background": "ping-web"},
            {"sleep": 1.5},
            {"create": DENY_INGRESS},
            {
                "exec": "ping -c 2 {pod_ip:default/web}",
                "pod": "client",
                "expect": {"allowed": False},
            },
            {"wait": "ping-web"},
        ],
        **cluster,
    )


def test_an_established_ping_survives_a_new_deny_policy_under_calico() -> None:
    result = ping_under_new_policy()
    assert result.passed, result.summary()
    wait = result.steps[-1]
    assert wait.command == "wait %1"
    assert wait.exit_code == 0 and wait.verdict == "allowed"
    assert "5 packets transmitted, 5 packets received, 0% packet loss" in wait.output
    web = result.steps[2]
    assert web.lines[-2:] == (
        "$ kubectl exec client -- ping -c 5 10.244.2.2 &",
        "[1] ping-web",
    )
    assert wait.lines[0] == "$ wait %1"
    assert (
        wait.lines[-1]
        == "[1]+  Done                    kubectl exec client -- ping -c 5 10.244.2.2"
    )


def test_cut_established_on_change_ends_the_running_ping() -> None:
    result = ping_under_new_policy(switches={"cut_established_on_change": True})
    wait = result.steps[-1]
    assert "5 packets transmitted, 2 packets received, 60% packet loss" in wait.output
    assert wait.exit_code == 0


def test_the_background_steps_expectations_are_checked_at_the_wait() -> None:
    result = run(
        [
            *PODS,
            {
                "exec": PING_WEB,
                "pod": "client",
                "background": "ping-web",
                "expect": {"contains": "5 packets received"},
            },
            {"sleep": 1.5},
            {"create": DENY_INGRESS},
            {"wait": "ping-web", "expect": {"allowed": False}},
        ],
        switches={"cut_established_on_change": True},
    )
    assert [(c.path, c.ok) for c in result.checks] == [
        ("steps[2].expect.contains[0]", False),
        ("steps[5].expect.allowed", False),
    ]
    assert not result.steps[2].checks  # nothing is known when it starts


def test_a_failed_job_says_exit_and_its_code() -> None:
    result = run(
        [
            *PODS,
            {"create": DENY_INGRESS},
            {"exec": "ping -c 2 {pod_ip:default/web}", "pod": "client", "background": "p"},
            {"wait": "p", "expect": {"allowed": False, "exit_code": 1}},
        ]
    )
    assert result.passed, result.summary()
    assert result.steps[-1].lines[-1].startswith("[1]+  Exit 1                  kubectl exec")


def test_kubectl_refusing_the_exec_is_the_jobs_result() -> None:
    result = run(
        [
            {"exec": "ping -c 1 10.0.0.1", "pod": "ghost", "background": "p"},
            {"wait": "p", "expect": {"exit_code": 1}},
        ]
    )
    assert result.passed, result.summary()
    assert result.steps[-1].output == 'Error from server (NotFound): pods "ghost" not found'


def test_jobs_are_numbered_and_marked_as_bash_does() -> None:
    result = run(
        [
            *PODS,
            {"exec": PING_WEB, "pod": "client", "background": "a"},
            {"exec": PING_WEB, "pod": "client", "background": "b"},
            {"wait": "a"},
            {"exec": PING_WEB, "pod": "client", "background": "c"},
            {"wait": "c"},
            {"wait": "b"},
        ]
    )
    starts = [s.lines[-1] for s in result.steps if s.command.endswith("&")]
    assert starts == ["[1] a", "[2] b", "[3] c"]
    done = [s.lines[-1][:6] for s in result.steps if s.action == "wait"]
    assert done == ["[1]-  ", "[3]+  ", "[2]+  "]


def test_an_external_host_can_run_a_job() -> None:
    result = run(
        [
            {"exec": "ping -c 2 {node_ip:node-1}", "pod": "external/client", "background": "p"},
            {"wait": "p"},
        ],
        external={"client": "203.0.113.10"},
    )
    assert result.steps[0].lines[-2:] == ("[external/client] $ ping -c 2 172.18.0.2 &", "[1] p")
    assert result.steps[1].lines[-1] == "[1]+  Done                    ping -c 2 172.18.0.2"


def test_an_unknown_external_host_names_the_step() -> None:
    with pytest.raises(ScenarioError, match=r"t.yaml: steps\[0\].exec: .*nowhere"):
        run([{"exec": "true", "pod": "external/nowhere", "background": "p"}, {"wait": "p"}])


# ----------------------------------------------------------------------- schema
def errors_of(steps: list[Any]) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict({"title": "t", "steps": steps}, "x.yaml")
    return str(info.value).splitlines()


def test_wait_must_name_a_running_job() -> None:
    assert errors_of([{"wait": "p"}]) == [
        'x.yaml: steps[0].wait: Not found: "p": no background step with this id is running here'
    ]
    steps = [{"exec": "true", "pod": "a", "background": "p"}, {"wait": "p"}, {"wait": "p"}]
    assert errors_of(steps) == [
        'x.yaml: steps[2].wait: Not found: "p": no background step with this id is running here'
    ]


def test_a_job_id_is_used_once_at_a_time_and_always_waited_for() -> None:
    steps = [
        {"exec": "true", "pod": "a", "background": "p"},
        {"exec": "true", "pod": "a", "background": "p"},
        {"wait": "p"},
    ]
    assert errors_of(steps) == [
        'x.yaml: steps[1].background: Duplicate value: "p": the job started at steps[0] '
        "is still running (wait for it first)"
    ]
    assert errors_of([{"exec": "true", "pod": "a", "background": "p"}]) == [
        'x.yaml: steps[0].background: Invalid value: "p": never waited for (add a step `wait: p`)'
    ]
    again = [
        {"exec": "true", "pod": "a", "background": "p"},
        {"wait": "p"},
        {"exec": "true", "pod": "a", "background": "p"},
        {"wait": "p"},
    ]
    assert len(scenario_from_dict({"title": "t", "steps": again}, "x").steps) == 4


def test_only_exec_steps_run_in_the_background_and_ids_are_dns_labels() -> None:
    errors = errors_of(
        [
            {"kubectl": "get pods", "background": "p"},
            {"exec": "true", "pod": "a", "background": "Not_OK"},
            {"wait": 3},
        ]
    )
    assert errors[0] == (
        'x.yaml: steps[0].background: Unsupported field: supported fields: "kubectl", '
        '"note", "expect"'
    )
    assert errors[1].startswith(
        'x.yaml: steps[1].background: Invalid value: "Not_OK": a lowercase RFC 1123 label'
    )
    assert errors[2] == "x.yaml: steps[2].wait: Invalid value: 3: must be a string"


def test_a_scenario_file_names_the_line_of_each_problem(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "title: t\n"
        "steps:\n"
        "  - exec: ping -c 1 x\n"
        "    pod: a\n"
        "    background: p\n"
        "  - wait: q\n"
        "  - sleep: -1\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value).splitlines() == [
        f"{path}:7: steps[2].sleep: Invalid value: -1: must be between 0 and 86400",
        f'{path}:6: steps[1].wait: Not found: "q": no background step with this id is running here',
        f'{path}:5: steps[0].background: Invalid value: "p": never waited for '
        "(add a step `wait: p`)",
    ]


def test_deleting_the_pod_of_a_running_job_is_an_error_at_its_wait() -> None:
    with pytest.raises(ScenarioError, match=r"steps\[2\]\.exec: pod default/client was deleted"):
        run(
            [
                *PODS,
                {"exec": PING_WEB, "pod": "client", "background": "p"},
                {"sleep": 1.5},
                {"kubectl": "delete pod client"},
                {"wait": "p"},
            ]
        )


def test_a_job_that_ended_before_its_pod_was_deleted_keeps_its_result() -> None:
    result = run(
        [
            *PODS,
            {"exec": "ping -c 1 {pod_ip:default/web}", "pod": "client", "background": "p"},
            {"sleep": 2},
            {"kubectl": "delete pod client"},
            {"wait": "p", "expect": {"contains": "1 packets received", "exit_code": 0}},
        ]
    )
    assert result.passed, result.summary()


def test_deleting_the_target_loses_the_replies_after_it() -> None:
    """web is gone at t=1.5: echo requests seq 2..4 reach no one (no policy drop)."""
    result = run(
        [
            *PODS,
            {"exec": PING_WEB, "pod": "client", "background": "p"},
            {"sleep": 1.5},
            {"kubectl": "delete pod web"},
            {"wait": "p"},
        ]
    )
    assert "5 packets transmitted, 2 packets received, 60% packet loss" in result.steps[-1].output
