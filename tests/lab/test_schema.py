"""lab.yaml validation: every problem at once, each with its field path."""

from __future__ import annotations

from pathlib import Path

import pytest

from netsim.lab.checkspec import ExecSpec, ForbidSpec, MatrixSpec, PortRange, ReachSpec
from netsim.lab.schema import LabError, lab_from_dict

from .helpers import FIXTURE, lab_doc, mini


def errors_of(doc: object, base: Path = FIXTURE) -> str:
    with pytest.raises(LabError) as info:
        lab_from_dict(doc, "lab.yaml", base)
    return str(info.value)


def test_fixture_loads_every_check_kind() -> None:
    lab = mini()
    assert lab.name == "mini"
    assert lab.max_score == 10
    kinds = [c.kind for c in lab.checks]
    assert kinds == ["reach", "reach", "reach", "forbid", "forbid", "matrix", "exec", "unchanged"]
    assert isinstance(lab.check("via-service").spec, ReachSpec)
    forbid = lab.check("nothing-else").spec
    assert isinstance(forbid, ForbidSpec)
    assert forbid.protocols == ("TCP", "UDP", "SCTP") and forbid.ports is None
    assert forbid.except_[0].port == PortRange(80, 80)
    assert isinstance(lab.check("matrix-80").spec, MatrixSpec)
    assert isinstance(lab.check("wget").spec, ExecSpec)
    assert lab.wrong[1].misconception == "service-vs-pod-port"
    assert [s.action for s in lab.setup] == ["create", "create"]


def test_every_error_is_reported_at_once_with_its_path() -> None:
    doc = lab_doc()
    doc["metadata"]["name"] = "other-name"
    doc["metadata"]["difficulty"] = 99
    doc["checks"][0]["reach"]["port"] = 70000
    doc["checks"][1]["id"] = "client-allowed"
    doc["checks"][2]["expect"] = "maybe"
    doc["checks"][3]["forbid"]["protocols"] = ["ICMP"]
    doc["submission"]["type"] = "essay"
    doc["wrong"][0]["fails"] = ["no-such-check"]
    doc["solution"] = "missing.yaml"
    doc["extra"] = 1
    text = errors_of(doc)
    for expected in (
        'lab.yaml: metadata.name: Invalid value: "other-name": must equal the lab\'s folder name',
        "lab.yaml: metadata.difficulty: Invalid value: 99: must be between 1 and 20",
        "lab.yaml: checks[0].reach.port: Invalid value: 70000",
        'lab.yaml: checks[1].id: Duplicate value: "client-allowed"',
        'lab.yaml: checks[2].expect: Unsupported value: "maybe"',
        'lab.yaml: checks[3].forbid.protocols[0]: Unsupported value: "ICMP"',
        'lab.yaml: submission.type: Unsupported value: "essay"',
        'lab.yaml: wrong[0].fails[0]: Not found: "no-such-check"',
        'lab.yaml: solution: Not found: "missing.yaml"',
        "lab.yaml: extra: Unsupported field",
    ):
        assert expected in text, (expected, text)


@pytest.mark.parametrize(
    ("check", "message"),
    [
        ({"id": "a"}, "checks[0]: Required value: one of"),
        (
            {"id": "a", "reach": {"from": "x", "to": "default/web", "port": 80}, "expect": "allow"},
            'checks[0].reach.from: Invalid value: "x": must be namespace/pod, an IP address',
        ),
        (
            {"id": "a", "reach": {"to": "default/web", "port": 80}, "expect": "allow"},
            "checks[0].reach.from: Required value",
        ),
        ({"id": "A", "unchanged": ["Pod"]}, 'checks[0].id: Invalid value: "A"'),
        (
            {"id": "a", "unchanged": ["Secret"]},
            'checks[0].unchanged[0]: Unsupported value: "Secret"',
        ),
        (
            {"id": "a", "matrix": {"port": 80, "expect": "not a table"}},
            "checks[0].matrix.expect: Invalid value: must be a truth table",
        ),
        (
            {"id": "a", "exec": {"pod": "default/client", "command": "wget x"}},
            "checks[0].expect: Required value",
        ),
        (
            {"id": "a", "forbid": {"from": "*", "to": "default/web", "ports": [0]}},
            "checks[0].forbid.ports[0]: Invalid value: 0",
        ),
        (
            {"id": "a", "forbid": {"from": "*", "to": "default/web", "except": [{}]}},
            "checks[0].forbid.except[0]: Required value",
        ),
        (
            {
                "id": "a",
                "reach": {"from": "default/a", "to": "default/b", "port": 1},
                "forbid": {"from": "*", "to": "*"},
                "expect": "allow",
            },
            "checks[0]: Invalid value: {...}: only one of",
        ),
    ],
)
def test_check_errors(check: dict[str, object], message: str) -> None:
    doc = lab_doc()
    doc["checks"] = [check]
    doc["wrong"] = []
    assert message in errors_of(doc)


def test_setup_uses_the_scenario_step_schema() -> None:
    doc = lab_doc()
    doc["setup"] = [{"kubectl": "get pods", "create": "x.yaml"}, {"sleep": -1}]
    text = errors_of(doc)
    assert "lab.yaml: setup[0]: Invalid value: {...}: only one of" in text
    assert "lab.yaml: setup[1].sleep: Invalid value: -1" in text


def test_cluster_uses_the_scenario_cluster_schema() -> None:
    doc = lab_doc()
    doc["cluster"] = {"cni": "weave"}
    assert 'lab.yaml: cluster.cni: Unsupported value: "weave"' in errors_of(doc)


def test_not_a_mapping() -> None:
    assert "a lab must be a mapping" in errors_of(["x"])


def test_misconception_ids_come_from_the_catalogue() -> None:
    doc = lab_doc()
    doc["metadata"]["misconceptions"] = ["made-up"]
    assert 'metadata.misconceptions[0]: Unsupported value: "made-up"' in errors_of(doc)
