"""A step that fails to carry out fails the scenario; no expectation passes by accident.

What each step should have done is worked out from kubectl and busybox, not from netsim:
``kubectl create -f missing.yaml`` prints ``error: the path "missing.yaml" does not
exist`` and exits 1; ``kubectl label pod ghost ...`` and ``kubectl exec ghost`` answer
``Error from server (NotFound): pods "ghost" not found``; busybox ash answers
``sh: wgte: not found`` with exit code 127 (POSIX: a command not found is 127). None of
them is a policy denial, so ``allowed: false`` must not hold for them, and a step that
failed without an ``expect`` saying so is a failure of the scenario.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from netsim.scenario.runner import run_scenario
from netsim.scenario.schema import scenario_from_dict
from netsim.scenario.transcript import ScenarioResult

DENY = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "deny-all"},
    "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
}
WEB = [
    {"kubectl": "run web --image=nginx --restart=Never --labels=app=web --port=80"},
    {"kubectl": "expose pod web --port=80"},
    {"kubectl": "run client --image=busybox --restart=Never"},
]


def run(steps: list[dict[str, Any]], tmp_path: Path) -> ScenarioResult:
    doc = {"title": "t", "steps": steps}
    return run_scenario(scenario_from_dict(doc, str(tmp_path / "t.yaml"), tmp_path))


def failed(result: ScenarioResult) -> list[tuple[str, str]]:
    return [(c.path, c.actual.splitlines()[0]) for c in result.failures]


def test_a_missing_manifest_fails_the_scenario(tmp_path: Path) -> None:
    result = run([*WEB, {"create": "deny.yaml"}], tmp_path)
    assert failed(result) == [("steps[3].create", "kubectl failed (exit code 1)")]
    assert result.failures[0].actual.splitlines()[1] == 'error: the path "deny.yaml" does not exist'


def test_a_policy_that_was_never_created_denies_nothing_by_accident(tmp_path: Path) -> None:
    """The deny policy's file is missing: wget gets through, and the step's failure says why."""
    result = run(
        [
            *WEB,
            {"create": "deny.yaml"},
            {"exec": "wget -q -T 1 -O - web", "pod": "client", "expect": {"allowed": False}},
        ],
        tmp_path,
    )
    assert [path for path, _ in failed(result)] == ["steps[3].create", "steps[4].expect.allowed"]


def test_an_expected_failure_says_its_exit_code(tmp_path: Path) -> None:
    result = run(
        [*WEB, {"create": "deny.yaml", "expect": {"exit_code": 1, "contains": "does not exist"}}],
        tmp_path,
    )
    assert result.passed, result.summary()
    # An expect without exit_code does not excuse the failure.
    result = run([*WEB, {"create": "deny.yaml", "expect": {"contains": "error"}}], tmp_path)
    assert failed(result) == [("steps[3].create", "kubectl failed (exit code 1)")]


def test_labelling_or_deleting_an_unknown_object_fails(tmp_path: Path) -> None:
    result = run(
        [
            *WEB,
            {"kubectl": "label pod ghost role=db"},
            {"kubectl": "delete networkpolicy ghost"},
        ],
        tmp_path,
    )
    assert failed(result) == [
        ("steps[3].kubectl", "kubectl failed (exit code 1)"),
        ("steps[4].kubectl", "kubectl failed (exit code 1)"),
    ]
    assert 'pods "ghost" not found' in result.failures[0].actual


def test_exec_in_an_unknown_pod_is_not_a_denied_connection(tmp_path: Path) -> None:
    result = run(
        [
            *WEB,
            {"create": DENY},
            {"exec": "wget -q -T 1 -O - web", "pod": "ghost", "expect": {"allowed": False}},
        ],
        tmp_path,
    )
    assert failed(result) == [
        (
            "steps[4].expect.allowed",
            "failed without a policy drop (exit code 1): not a policy denial",
        ),
        ("steps[4].exec", "kubectl exec failed (exit code 1)"),
    ]


def test_a_mistyped_command_fails_the_scenario(tmp_path: Path) -> None:
    result = run(
        [
            *WEB,
            {"exec": "wgte -q -T 1 -O - web", "pod": "client"},
            {
                "shell": "kubectl run probe --rm -ti --image=busybox --restart=Never /bin/sh",
                "commands": ["wgte web"],
            },
        ],
        tmp_path,
    )
    assert failed(result) == [
        ("steps[3].exec", "the command was not found (exit code 1)"),
        ("steps[4].commands[0]", "the command was not found (exit code 127)"),
    ]


def test_a_mistyped_service_name_is_not_a_denial(tmp_path: Path) -> None:
    """``bad address`` with no policy drop: the name does not exist (NXDOMAIN)."""
    result = run(
        [
            *WEB,
            {"create": DENY},
            {"exec": "wget -q -T 1 -O - wbe", "pod": "client", "expect": {"allowed": False}},
            {"exec": "wget -q -T 1 -O - web", "pod": "client", "expect": {"allowed": False}},
        ],
        tmp_path,
    )
    assert [path for path, _ in failed(result)] == ["steps[4].expect.allowed"]
    assert "wget: bad address 'wbe'" in result.failures[0].actual


def test_connection_refused_is_not_a_denial(tmp_path: Path) -> None:
    """Nothing listens on 81 and no policy applies: the pod answers RST (refused)."""
    result = run(
        [
            *WEB,
            {
                "exec": "nc -z -w 1 {pod_ip:default/web} 81",
                "pod": "client",
                "expect": {"allowed": False},
            },
        ],
        tmp_path,
    )
    assert [path for path, _ in failed(result)] == ["steps[3].expect.allowed"]


def test_a_refused_shell_session_fails_unless_expected(tmp_path: Path) -> None:
    shell = "kubectl exec -ti ghost -- /bin/sh"
    result = run([{"shell": shell, "commands": ["true"]}], tmp_path)
    assert failed(result) == [("steps[0].shell", "kubectl failed (exit code 1)")]
    expected = {"shell": shell, "commands": ["true"], "expect": {"exit_code": 1}}
    assert run([expected], tmp_path).passed
