"""Scenario validation: every problem reported, each with its field path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netsim.errors import ScenarioError
from netsim.policy.profile import CILIUM, FLANNEL
from netsim.scenario.load import load_scenario
from netsim.scenario.schema import scenario_from_dict


def errors_of(doc: Any) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(doc, "x.yaml")
    return str(info.value).splitlines()


def test_minimal_scenario_gets_defaults() -> None:
    scenario = scenario_from_dict({"title": "t", "steps": [{"kubectl": "get pods"}]}, "s/x.yaml")
    assert scenario.name == "x"
    assert scenario.base_dir == Path("s")
    assert scenario.cluster.cni == "calico"
    assert scenario.cluster.nodes == 2
    assert scenario.steps[0].action == "kubectl"
    assert scenario.steps[0].argument == "get pods"


def test_leading_kubectl_word_is_optional() -> None:
    scenario = scenario_from_dict({"title": "t", "steps": [{"kubectl": "kubectl get ns"}]}, "x")
    assert scenario.steps[0].argument == "get ns"


def test_expect_field_path_names_the_step() -> None:
    doc = {
        "title": "t",
        "steps": [{"kubectl": "get pods"}] * 3
        + [{"kubectl": "get ns", "expect": {"exit_code": "zero"}}],
    }
    assert errors_of(doc) == [
        'x.yaml: steps[3].expect.exit_code: Invalid value: "zero": must be an integer'
    ]


def test_every_error_is_reported() -> None:
    doc = {
        "seed": -1,
        "cluster": {"cni": "weave", "nodes": 0, "pod_cidr": "nonsense", "switches": {"x": True}},
        "steps": [
            {"kubectl": "get pods", "exec": "wget x"},
            {"sleep": "long"},
            {"shell": "kubectl run b --rm -ti --image=busybox sh"},
            {"exec": "wget web", "expect": {"allowed": "yes", "bogus": 1}},
            {"create": 5},
            "get pods",
        ],
    }
    errors = errors_of(doc)
    wanted = [
        "title: Required value",
        "seed: Invalid value: -1",
        'cluster.cni: Unsupported value: "weave"',
        "cluster.nodes: Invalid value: 0",
        'cluster.pod_cidr: Invalid value: "nonsense"',
        "cluster.switches.x: Unsupported field",
        "steps[0]: Invalid value: {...}: only one of",
        'steps[1].sleep: Invalid value: "long"',
        "steps[2].commands: Required value",
        "steps[3].pod: Required value",
        "steps[3].expect.bogus: Unsupported field",
        'steps[3].expect.allowed: Invalid value: "yes"',
        "steps[4].create: Invalid value: 5: must be a mapping",
        'steps[5]: Invalid value: "get pods": must be a mapping',
    ]
    for want in wanted:
        assert any(want in e for e in errors), (want, errors)
    assert all(e.startswith("x.yaml: ") for e in errors)


def test_standalone_expect_checks_the_previous_step() -> None:
    doc = {
        "title": "t",
        "steps": [
            {"kubectl": "get pods"},
            {"expect": {"exit_code": 0}},
            {"expect": {"contains": "x"}},
        ],
    }
    scenario = scenario_from_dict(doc, "x.yaml")
    assert len(scenario.steps) == 1
    assert [e.path for e in scenario.steps[0].expect] == ["steps[1].expect", "steps[2].expect"]


def test_expect_before_any_step_is_an_error() -> None:
    errors = errors_of({"title": "t", "steps": [{"expect": {"exit_code": 0}}]})
    assert errors == [
        "x.yaml: steps[0].expect: Invalid value: {...}: there is no previous step to check"
    ]


def test_empty_expect_is_an_error() -> None:
    errors = errors_of({"title": "t", "steps": [{"kubectl": "get ns", "expect": {}}]})
    assert any("steps[0].expect: Required value" in e for e in errors)


def test_shell_commands_accept_strings_and_mappings() -> None:
    doc = {
        "title": "t",
        "steps": [
            {
                "shell": "kubectl run b --rm -ti --image=busybox /bin/sh",
                "commands": ["wget a", {"run": "wget b", "expect": {"allowed": False}}],
            }
        ],
    }
    step = scenario_from_dict(doc, "x.yaml").steps[0]
    assert [c.command for c in step.commands] == ["wget a", "wget b"]
    assert step.commands[1].expect[0].allowed is False
    assert step.commands[1].expect[0].path == "steps[0].commands[1].expect"


def test_exec_pod_gets_its_namespace() -> None:
    doc = {
        "title": "t",
        "steps": [
            {"exec": "wget a", "pod": "client"},
            {"exec": "wget a", "pod": "client", "namespace": "other"},
            {"exec": "wget a", "pod": "deployment/web"},
            {"exec": "wget a", "pod": "external/client"},
        ],
    }
    pods = [s.argument for s in scenario_from_dict(doc, "x.yaml").steps]
    assert pods == ["default/client", "other/client", "default/deployment/web", "external/client"]


def test_profile_and_switches() -> None:
    doc = {
        "title": "t",
        "cluster": {"cni": "cilium", "switches": {"filter_icmp": True}},
        "steps": [{"kubectl": "get ns"}],
    }
    cluster = scenario_from_dict(doc, "x.yaml").cluster
    profile = cluster.profile()
    assert profile.ipblock_matches_pod_ips is CILIUM.ipblock_matches_pod_ips
    assert profile.filter_icmp is True
    assert cluster.profile("flannel").enforce is FLANNEL.enforce


def test_switch_types_are_checked() -> None:
    errors = errors_of(
        {
            "title": "t",
            "cluster": {"switches": {"enforce": "no", "host_network": "both"}},
            "steps": [{"kubectl": "get ns"}],
        }
    )
    assert any('cluster.switches.enforce: Invalid value: "no"' in e for e in errors)
    assert any('cluster.switches.host_network: Unsupported value: "both"' in e for e in errors)


def test_inline_manifests_are_kept() -> None:
    manifest = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}
    doc = {
        "title": "t",
        "steps": [
            {"apply": manifest},
            {"create": [manifest, manifest]},
            {"delete": "policies/x.yaml"},
        ],
    }
    steps = scenario_from_dict(doc, "x.yaml").steps
    assert steps[0].documents == (manifest,)
    assert len(steps[1].documents) == 2
    assert steps[2].argument == "policies/x.yaml" and not steps[2].documents


def test_cluster_ips_and_external_hosts() -> None:
    doc = {
        "title": "t",
        "cluster": {
            "cluster_ips": {"default/nginx": "10.100.0.16", "bad": "1.2.3.4", "default/x": "nope"},
            "external": {"client": "203.0.113.1", "a/b": "1.1.1.1"},
        },
        "steps": [{"kubectl": "get ns"}],
    }
    errors = errors_of(doc)
    assert any(
        "cluster.cluster_ips.bad: Invalid value: must be keyed by namespace/name" in e
        for e in errors
    )
    assert any('cluster.cluster_ips.default/x: Invalid value: "nope"' in e for e in errors)
    assert any("cluster.external.a/b" in e for e in errors)


def test_load_scenario_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: [unclosed\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad\.yaml"):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "missing.yaml")
    two = tmp_path / "two.yaml"
    two.write_text("title: a\n---\ntitle: b\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="exactly one YAML document"):
        load_scenario(two)
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ScenarioError, match=r"bin\.yaml"):
        load_scenario(binary)


def test_a_list_is_not_a_scenario() -> None:
    assert errors_of([1, 2]) == ["x.yaml: Invalid value: [...]: a scenario must be a mapping"]


KEYS = st.sampled_from(
    [
        "title",
        "seed",
        "cluster",
        "steps",
        "kubectl",
        "expect",
        "exec",
        "pod",
        "shell",
        "commands",
        "run",
        "sleep",
        "create",
        "nodes",
        "cni",
        "switches",
        "allowed",
        "contains",
        "exit_code",
        "note",
        "x",
    ]
)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_any_document_is_a_scenario_or_a_scenario_error(doc: Any) -> None:
    try:
        scenario_from_dict(doc, "fuzz.yaml")
    except ScenarioError as exc:
        assert all(line.startswith("fuzz.yaml: ") for line in str(exc).splitlines())
