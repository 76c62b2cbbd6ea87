"""The ``send:`` step: a packet given field by field, its fate checked like a connection.

Expected fates from the Kubernetes rules: under the default calico profile
web-allow-80 (ingress to app=web on TCP 80 only) admits a SYN to 80 and drops
one to 81; GRE has no port, so calico (filter_icmp) judges it against the
policy's only rule, which names ports: dropped; ICMP to the unisolated client
is answered; a spoofed source is dropped at the sender's interface (calico's
drop_spoofed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from netsim.errors import ScenarioError
from netsim.scenario.runner import run_scenario
from netsim.scenario.schema import scenario_from_dict
from netsim.scenario.transcript import ScenarioResult

POLICY = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "web-allow-80", "namespace": "default"},
    "spec": {
        "podSelector": {"matchLabels": {"app": "web"}},
        "ingress": [{"ports": [{"port": 80}]}],
    },
}
SETUP: list[dict[str, Any]] = [
    {"kubectl": "run web --image=nginx --labels app=web --restart=Never --port 80"},
    {"kubectl": "run client --image=busybox --restart=Never"},
    {"create": [POLICY]},
]


def run(steps: list[dict[str, Any]]) -> ScenarioResult:
    doc = {"title": "send", "steps": [*SETUP, *steps]}
    return run_scenario(scenario_from_dict(doc, "t.yaml", Path(".")))


def test_send_steps_report_fates() -> None:
    result = run(
        [
            {
                "send": {"to": "web", "protocol": "TCP", "port": 80},
                "pod": "client",
                "expect": {"allowed": True, "contains": "delivered to default/web"},
            },
            {
                "send": {"to": "web", "port": 81},
                "pod": "client",
                "expect": {
                    "allowed": False,
                    "output": "dropped by default/web-allow-80 (policy-ingress: no-rule-matched)",
                },
            },
            {
                "send": {"to": "default/web", "protocol": "GRE", "payload": "tunnel"},
                "pod": "client",
                "expect": {"allowed": False, "contains": "dropped by default/web-allow-80"},
            },
            {
                "send": {"to": "client", "protocol": "ICMP"},
                "pod": "web",
                "expect": {"allowed": True, "contains": "echo-reply"},
            },
        ]
    )
    failed = [c for s in result.steps for c in s.checks if not c.ok]
    assert not failed, failed
    syn = result.steps[3]
    assert syn.command.startswith("[default/client] send TCP ") and syn.command.endswith(
        ":80 flags=S"
    )
    assert "reply: Ether / IP / TCP" in syn.output and syn.output.endswith(" SA")


def test_spoofed_source_placeholder_is_a_field_error() -> None:
    # source takes an IP literal: placeholders are for "to" only
    with pytest.raises(ScenarioError, match=r"steps\[3\]\.send\.source"):
        run(
            [{"send": {"to": "web", "port": 80, "source": "{pod_ip:default/web}"}, "pod": "client"}]
        )


def test_spoofed_source_is_dropped_under_calico() -> None:
    result = run(
        [
            {
                "send": {"to": "web", "port": 80, "source": "192.0.2.9"},
                "pod": "client",
                "expect": {"allowed": False, "output": "dropped (spoofed-source)"},
            }
        ]
    )
    assert result.passed


@pytest.mark.parametrize(
    ("send", "field", "message"),
    [
        ({"to": "web"}, "send.port", "Required value"),
        ({"to": "web", "protocol": "ICMP", "port": 80}, "send.port", "has no ports"),
        ({"to": "web", "port": 80, "flags": "SX"}, "send.flags", "TCP flags"),
        ({"to": "web", "protocol": "UDP", "port": 53, "flags": "S"}, "send.flags", "TCP's"),
        ({"to": "web", "protocol": "IGMPX"}, "send.protocol", "Unsupported value"),
        ({"to": "web", "port": 80, "ttl": 0}, "send.ttl", "between 1 and 255"),
        ({"to": "web", "port": 80, "code": "x"}, "send.code", "Unsupported field"),
        ({"protocol": "ICMP"}, "send.to", "Required value"),
    ],
)
def test_send_fields_are_validated(send: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        run([{"send": send, "pod": "client"}])
    text = str(info.value)
    assert f"steps[3].{field}" in text and message in text


def test_unknown_destination_names_the_step() -> None:
    with pytest.raises(ScenarioError, match=r"steps\[3\]\.send: pods \"default/nope\" not found"):
        run([{"send": {"to": "nope", "port": 80}, "pod": "client"}])
