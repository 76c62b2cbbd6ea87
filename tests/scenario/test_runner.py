"""The runner: steps drive the cluster and the network; expectations become checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from netsim.errors import ScenarioError
from netsim.scenario.checks import check_expect
from netsim.scenario.runner import build_cluster, run_scenario
from netsim.scenario.schema import Expect, scenario_from_dict
from netsim.scenario.transcript import ScenarioResult, verdict_of

from .fakes import FakeNetwork, fake_factory

NGINX = [
    {"kubectl": "run nginx --image=nginx --replicas=2"},
    {"kubectl": "expose deployment nginx --port=80"},
]
DENY = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "default-deny"},
    "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
}
SHELL = "kubectl run busybox --rm -ti --image=busybox /bin/sh"


def run(doc: dict[str, Any], tmp_path: Path | None = None) -> ScenarioResult:
    doc = {"title": "test", **doc}
    base = tmp_path or Path(".")
    return run_scenario(
        scenario_from_dict(doc, str(base / "t.yaml"), base), network_factory=fake_factory
    )


def test_build_cluster_is_a_fresh_kubeadm_cluster() -> None:
    scenario = scenario_from_dict(
        {
            "title": "t",
            "cluster": {"nodes": 3, "pod_cidr": "172.17.0.0/16"},
            "steps": [{"comment": "x"}],
        },
        "x.yaml",
    )
    cluster = build_cluster(scenario)
    assert sorted(cluster.namespaces) == ["default", "kube-public", "kube-system"]
    assert [str(n.pod_cidr) for n in cluster.nodes.values()] == [
        "172.17.1.0/24",
        "172.17.2.0/24",
        "172.17.3.0/24",
    ]
    assert cluster.service("default/kubernetes").cluster_ip == "10.100.0.1"


def test_walkthrough_in_miniature() -> None:
    result = run(
        {
            "steps": [
                *NGINX,
                {
                    "shell": SHELL,
                    "commands": [
                        {"run": "wget --spider --timeout=1 nginx", "expect": {"allowed": True}}
                    ],
                },
                {"create": DENY, "expect": {"output": 'networkpolicy "default-deny" created'}},
                {
                    "shell": SHELL,
                    "commands": [
                        {"run": "wget --spider --timeout=1 nginx", "expect": {"allowed": False}}
                    ],
                },
            ]
        }
    )
    assert result.passed, result.summary()
    text = result.transcript()
    assert '$ kubectl run nginx --image=nginx --replicas=2\ndeployment "nginx" created\n' in text
    assert "/ # wget --spider --timeout=1 nginx\nConnecting to nginx (" in text
    assert "wget: download timed out\n/ # exit\n" in text
    assert "$ kubectl create -f - <<EOF\napiVersion: networking.k8s.io/v1\n" in text
    assert result.summary() == "PASS t: 5 steps, 3 expectations hold\n"


def test_failed_expectation_shows_step_expected_and_actual() -> None:
    result = run(
        {
            "steps": [
                *NGINX,
                {"create": DENY},
                {
                    "shell": SHELL,
                    "commands": [
                        {"run": "wget --spider --timeout=1 nginx", "expect": {"allowed": True}}
                    ],
                },
            ]
        }
    )
    assert not result.passed
    (failure,) = result.failures
    assert failure.path == "steps[3].commands[0].expect.allowed"
    assert failure.expected == "allowed (exit code 0)"
    assert failure.actual.startswith("denied (exit code 1)\nConnecting to nginx")
    assert failure.actual.splitlines()[-1].startswith("dropped: drop default/busybox-")
    summary = result.summary().splitlines()
    assert summary[0] == "FAIL t: 1 of 1 expectations failed"
    assert summary[1].endswith("t.yaml: steps[3].commands[0].expect.allowed:")
    assert summary[2] == "    expected: allowed (exit code 0)"
    assert summary[3] == "    actual:   denied (exit code 1)"


def test_kubectl_refusal_is_a_result_not_an_error() -> None:
    result = run(
        {"steps": [{"kubectl": "expose deployment nope --port=80", "expect": {"exit_code": 1}}]}
    )
    assert result.passed
    assert (
        result.steps[0].output
        == 'Error from server (NotFound): deployments.extensions "nope" not found'
    )


def test_unsupported_kubectl_is_a_scenario_error_naming_the_step() -> None:
    with pytest.raises(
        ScenarioError, match=r"t\.yaml: steps\[1\]\.kubectl: unsupported kubectl command: scale"
    ):
        run({"steps": [{"comment": "hi"}, {"kubectl": "scale deployment nginx --replicas=3"}]})


def test_check_expect_each_condition() -> None:
    expect = Expect(
        "e", output="a\nb", contains=("a", "z"), not_contains=("b",), exit_code=0, allowed=True
    )
    checks = check_expect(expect, "a\nb\n", 0, "allowed")
    assert [(c.path, c.ok) for c in checks] == [
        ("e.output", True),
        ("e.contains[0]", True),
        ("e.contains[1]", False),
        ("e.not_contains[0]", False),
        ("e.exit_code", True),
        ("e.allowed", True),
    ]


def test_allowed_needs_a_connection_verdict() -> None:
    (check,) = check_expect(Expect("e", allowed=False), "", 1, None)
    assert not check.ok
    assert check.actual == "no connection verdict (exit code 1)"


def test_verdict_of_connection_tools_only() -> None:
    assert verdict_of("wget --spider web", 0) == "allowed"
    assert verdict_of("nc -zv -w 1 db 6379", 1) == "denied"
    assert verdict_of("/bin/ping -c 1 x", 0) == "allowed"
    assert verdict_of("ls /", 1) is None


def test_sleep_advances_simulated_time_and_ages() -> None:
    result = run(
        {
            "steps": [
                *NGINX,
                {"sleep": 125},
                {"kubectl": "get svc nginx", "expect": {"contains": "2m"}},
            ]
        }
    )
    assert result.passed, result.summary()
    assert "$ sleep 125" in result.transcript()


def test_notes_and_comments_render_as_hash_lines() -> None:
    result = run({"steps": [{"comment": "first\nsecond"}, {"kubectl": "get ns", "note": "why"}]})
    assert result.transcript().splitlines()[2:7] == [
        "# first",
        "# second",
        "",
        "# why",
        "$ kubectl get ns",
    ]


def test_exec_step_through_kubectl_exec() -> None:
    result = run(
        {
            "steps": [
                *NGINX,
                {"kubectl": "run client --image=busybox --restart=Never"},
                {
                    "exec": "wget --spider --timeout=1 nginx",
                    "pod": "client",
                    "expect": {"allowed": True},
                },
                {"exec": "wget --spider --timeout=1 {cluster_ip:default/nginx}", "pod": "client"},
            ]
        }
    )
    assert result.passed
    assert result.steps[3].command == "kubectl exec client -- wget --spider --timeout=1 nginx"
    assert result.steps[4].command.endswith("wget --spider --timeout=1 10.100.0.2")


def test_unknown_placeholder_target_is_a_scenario_error() -> None:
    with pytest.raises(
        ScenarioError, match=r"steps\[1\]\.exec: cannot resolve \{cluster_ip:default/nope\}"
    ):
        run(
            {
                "steps": [
                    {"kubectl": "run client --image=busybox --restart=Never"},
                    {"exec": "wget {cluster_ip:default/nope}", "pod": "client"},
                ]
            }
        )


def test_calico_install_turns_enforcement_on() -> None:
    url = "https://docs.projectcalico.org/v3.0/getting-started/kubernetes/installation/hosted/kubeadm/1.7/calico.yaml"
    probe = {"shell": SHELL, "commands": ["wget --spider --timeout=1 nginx"]}
    result = run(
        {
            "cluster": {"cni": "flannel"},
            "steps": [*NGINX, {"create": DENY}, probe, {"kubectl": f"apply -f {url}"}, probe],
        }
    )
    shells = [s for s in result.steps if s.action == "shell"]
    assert [s.verdict for s in shells] == ["allowed", "denied"]


def test_pcap_is_written(tmp_path: Path) -> None:
    doc = {"title": "t", "steps": [{"comment": "x"}]}
    networks: list[FakeNetwork] = []

    def factory(*args: Any) -> FakeNetwork:
        networks.append(fake_factory(*args))
        return networks[-1]

    result = run_scenario(
        scenario_from_dict(doc, "t.yaml"), pcap=tmp_path / "out" / "t.pcap", network_factory=factory
    )
    assert result.pcap == str(tmp_path / "out" / "t.pcap")
    assert networks[0].pcaps == [result.pcap]


def test_json_record_is_plain_data() -> None:
    import json

    result = run(
        {"steps": [*NGINX, {"shell": SHELL, "commands": ["wget --spider --timeout=1 nginx"]}]}
    )
    record = json.loads(json.dumps(result.as_dict()))
    assert record["passed"] is True
    shell = record["steps"][2]
    assert shell["commands"][0]["verdict"] == "allowed"
    assert shell["commands"][0]["command"] == "wget --spider --timeout=1 nginx"
    assert record["steps"][0]["output"] == 'deployment "nginx" created'


def test_cat_shows_a_file(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("kind: NetworkPolicy\n", encoding="utf-8")
    result = run({"steps": [{"cat": "p.yaml"}]}, tmp_path)
    assert result.steps[0].lines == ("$ cat p.yaml", "kind: NetworkPolicy")
    with pytest.raises(ScenarioError, match=r"cannot read nope\.yaml"):
        run({"steps": [{"cat": "nope.yaml"}]}, tmp_path)


def test_exec_on_a_host_that_does_not_exist_names_the_step() -> None:
    with pytest.raises(ScenarioError, match=r"t\.yaml: steps\[0\]\.exec: "):
        run({"steps": [{"exec": "wget x", "pod": "external/nobody"}]})
