"""The policy seam (netsim.sim.hook): what the network asks, in ints, one side per call.

A pod-to-pod connection across nodes passes two enforcement points (the
source's egress on the source's node, the destination's ingress on the
destination's node: SEMANTICS.md, "both sides must allow"); each is asked
once, for the first packet only (later packets follow conntrack), on the
post-DNAT address and target port.
"""

from __future__ import annotations

from scapy.layers.inet import IP
from scapy.layers.l2 import GRE

from netsim.addr import parse_ip
from netsim.policy.profile import UPSTREAM, Profile
from netsim.policy.verdict import SideDecision
from netsim.sim.hook import EngineHook, FlowKey
from netsim.sim.network import Network

from .clusters import NGINX_IP, walkthrough_cluster

NGINX = "default/nginx-701339712-e0qfq"
CLIENT = "default/busybox"


class RecordingHook:
    """A PolicyHook that allows (or denies egress) and records every question."""

    def __init__(self, deny_egress: bool = False) -> None:
        self.calls: list[tuple[str, FlowKey]] = []
        self.deny_egress = deny_egress

    @property
    def profile(self) -> Profile:
        """Upstream Kubernetes."""
        return UPSTREAM

    def egress(self, flow: FlowKey) -> SideDecision:
        """Record; allow unless told to deny."""
        self.calls.append(("egress", flow))
        return SideDecision(
            not self.deny_egress, "no-rule-matched" if self.deny_egress else "not-isolated"
        )

    def ingress(self, flow: FlowKey) -> SideDecision:
        """Record; allow."""
        self.calls.append(("ingress", flow))
        return SideDecision(True, "not-isolated")


def _int(ip: str) -> int:
    return parse_ip(ip)[1]


def test_a_cross_node_connection_asks_each_side_once_in_ints() -> None:
    cluster = walkthrough_cluster(same_node=False)
    hook = RecordingHook()
    net = Network(cluster, seed=1, hook=hook, dns=False)
    server, client = cluster.pods[NGINX], cluster.pods[CLIENT]
    assert server.node != client.node
    assert net.exec(CLIENT, f"nc -z -w 1 {server.ip} 80").exit_code == 0
    flow = FlowKey(4, _int(client.ip), _int(server.ip), 6, 80)
    assert hook.calls == [("egress", flow), ("ingress", flow)]


def test_a_service_flow_is_asked_on_the_endpoint_and_target_port() -> None:
    cluster = walkthrough_cluster(same_node=True)
    hook = RecordingHook()
    net = Network(cluster, seed=1, hook=hook, dns=False)
    assert net.exec(CLIENT, f"nc -z -w 1 {NGINX_IP} 80").exit_code == 0
    (side_a, asked_egress), (side_b, asked_ingress) = hook.calls
    assert (side_a, side_b) == ("egress", "ingress")
    assert asked_egress == asked_ingress
    endpoints = {_int(p.ip) for p in cluster.pods.values() if p.labels.get("run") == "nginx"}
    assert asked_egress.dst in endpoints
    assert (asked_egress.src, asked_egress.protocol, asked_egress.dst_port) == (
        _int(cluster.pods[CLIENT].ip),
        6,
        80,
    )


def test_an_egress_denial_never_asks_the_ingress_side() -> None:
    cluster = walkthrough_cluster(same_node=False)
    hook = RecordingHook(deny_egress=True)
    net = Network(cluster, seed=1, hook=hook, dns=False)
    server = cluster.pods[NGINX]
    assert net.exec(CLIENT, f"nc -z -w 1 {server.ip} 80").exit_code == 1
    assert {side for side, _ in hook.calls} == {"egress"}


def test_another_ip_protocol_is_asked_with_its_number_and_no_port() -> None:
    cluster = walkthrough_cluster(same_node=False)
    hook = RecordingHook()
    net = Network(cluster, seed=1, hook=hook, dns=False)
    server, client = cluster.pods[NGINX], cluster.pods[CLIENT]
    fate = net.send(IP(dst=server.ip) / GRE() / b"x", CLIENT)
    assert fate.delivered_to == NGINX
    flow = FlowKey(4, _int(client.ip), _int(server.ip), 47, 0)
    assert hook.calls == [("egress", flow), ("ingress", flow)]


class TextEngine:
    """A string-typed engine (the shape of PolicyEngine) that records its arguments."""

    profile = UPSTREAM

    def __init__(self) -> None:
        self.asked: list[tuple[str, str, str, str, int]] = []

    def egress(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> SideDecision:
        """Record; allow."""
        self.asked.append(("egress", src_ip, dst_ip, protocol, dst_port))
        return SideDecision(True, "not-isolated")

    def ingress(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> SideDecision:
        """Record; allow."""
        self.asked.append(("ingress", src_ip, dst_ip, protocol, dst_port))
        return SideDecision(True, "not-isolated")


def test_engine_hook_spells_addresses_and_protocols_as_the_policy_api() -> None:
    engine = TextEngine()
    hook = EngineHook(engine)
    hook.egress(FlowKey(4, _int("10.244.1.2"), _int("10.244.2.3"), 47, 0))
    hook.ingress(FlowKey(6, _int("fd00::a"), _int("fd00::b"), 58, 0))
    hook.egress(FlowKey(4, _int("10.244.1.2"), _int("10.244.2.3"), 132, 5000))
    assert engine.asked == [
        ("egress", "10.244.1.2", "10.244.2.3", "GRE", 0),
        ("ingress", "fd00::a", "fd00::b", "ICMP", 0),
        ("egress", "10.244.1.2", "10.244.2.3", "SCTP", 5000),
    ]
    assert hook.profile is UPSTREAM
