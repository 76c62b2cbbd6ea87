"""The reference evaluator, rule by rule of SEMANTICS.md (hand-checked expectations)."""

from __future__ import annotations

from netsim.addr import Prefix
from netsim.model import (
    IPBlock,
    LabelSelector,
    NetworkPolicy,
    Pod,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
)
from netsim.policy.profile import CILIUM, FLANNEL, UPSTREAM, Profile
from netsim.policy.reference import ReferenceEvaluator
from netsim.policy.verdict import RuleRef

from .helpers import NODE1, NODE2, OUTSIDE, YA, A, B, sel, small_cluster


def test_no_policy_allows_everything() -> None:
    ref = ReferenceEvaluator(small_cluster())
    d = ref.decide(A, YA, "TCP", 80)
    assert d.allowed and d.egress.reason == "not-isolated" and d.ingress.reason == "not-isolated"


def test_empty_ingress_isolates_and_empty_rule_allows_all_including_external() -> None:
    cluster = small_cluster()
    cluster.add(NetworkPolicy("deny", "x", LabelSelector(), ("Ingress",)))
    ref = ReferenceEvaluator(cluster)
    d = ref.decide(YA, A, "TCP", 80)
    assert not d.allowed and d.ingress.isolating_policies == ("x/deny",)
    assert ref.allowed(A, YA, "TCP", 80)  # egress of x/a is not isolated; y/a not selected
    cluster.add(NetworkPolicy("all", "x", LabelSelector(), ("Ingress",), (PolicyRule(),)))
    assert ref.allowed(OUTSIDE, A, "SCTP", 9)
    assert ref.ingress(OUTSIDE, A, "SCTP", 9).rule == RuleRef("x/all", "ingress", 0)


def test_egress_rules_without_egress_type_do_not_isolate() -> None:
    cluster = small_cluster()
    rule = PolicyRule((PolicyPeer(ip_block=IPBlock(Prefix.parse("192.0.2.0/24"))),))
    cluster.add(NetworkPolicy("e", "x", sel(app="a"), ("Ingress",), (), (rule,)))
    ref = ReferenceEvaluator(cluster)
    assert ref.egress(A, YA, "TCP", 80).reason == "not-isolated"


def test_both_sides_must_allow() -> None:
    cluster = small_cluster()
    cluster.add(NetworkPolicy("no-egress", "x", sel(app="a"), ("Egress",)))
    allow_in = PolicyRule((PolicyPeer(namespace_selector=LabelSelector()),))
    cluster.add(NetworkPolicy("open", "y", LabelSelector(), ("Ingress",), (allow_in,)))
    d = ReferenceEvaluator(cluster).decide(A, YA, "TCP", 80)
    assert d.ingress.allowed and not d.egress.allowed and not d.allowed


def test_pod_selector_alone_is_own_namespace_and_namespace_selector_matches_labels() -> None:
    cluster = small_cluster()
    same_ns = PolicyRule((PolicyPeer(pod_selector=sel(app="a")),))
    cluster.add(NetworkPolicy("p", "x", sel(app="b"), ("Ingress",), (same_ns,)))
    ref = ReferenceEvaluator(cluster)
    assert ref.allowed(A, B, "TCP", 8080)
    assert not ref.allowed(YA, B, "TCP", 8080)  # same labels, other namespace
    red = PolicyRule((PolicyPeer(namespace_selector=sel(team="red"), pod_selector=sel(app="a")),))
    cluster.apply(NetworkPolicy("p", "x", sel(app="b"), ("Ingress",), (red,)))
    assert ref.allowed(A, B, "TCP", 8080) and not ref.allowed(YA, B, "TCP", 8080)


def test_ipblock_matches_pod_ips_upstream_but_not_cilium() -> None:
    cluster = small_cluster()
    block = PolicyRule((PolicyPeer(ip_block=IPBlock(Prefix.parse("10.244.2.0/24"))),))
    cluster.add(NetworkPolicy("cidr", "x", sel(app="a"), ("Ingress",), (block,)))
    assert ReferenceEvaluator(cluster, UPSTREAM).allowed(YA, A, "TCP", 80)
    assert not ReferenceEvaluator(cluster, CILIUM).allowed(YA, A, "TCP", 80)
    everything = PolicyRule((PolicyPeer(ip_block=IPBlock(Prefix.parse("0.0.0.0/0"))),))
    cluster.apply(NetworkPolicy("cidr", "x", sel(app="a"), ("Ingress",), (everything,)))
    assert ReferenceEvaluator(cluster, CILIUM).allowed(OUTSIDE, A, "TCP", 80)
    assert not ReferenceEvaluator(cluster, CILIUM).allowed(NODE2, A, "TCP", 80)  # a node


def test_named_port_resolves_on_the_destination_for_egress() -> None:
    cluster = small_cluster()
    rule = PolicyRule((), (PolicyPort("TCP", "http"),))
    cluster.add(NetworkPolicy("out", "x", sel(app="a"), ("Egress",), (), (rule,)))
    ref = ReferenceEvaluator(cluster)
    assert ref.allowed(A, B, "TCP", 8080)  # http is 8080 on x/b
    assert not ref.allowed(A, B, "TCP", 80)  # ... not 80, although it is 80 on the source
    assert ref.allowed(A, YA, "TCP", 80)
    assert not ref.allowed(A, OUTSIDE, "TCP", 80)  # external hosts have no named ports


def test_protocol_default_and_port_range_profiles() -> None:
    cluster = small_cluster()
    rule = PolicyRule((), (PolicyPort("TCP", 8000, 8100),))
    cluster.add(NetworkPolicy("range", "x", sel(app="b"), ("Ingress",), (rule,)))
    assert ReferenceEvaluator(cluster).allowed(A, B, "TCP", 8080)
    assert not ReferenceEvaluator(cluster).allowed(A, B, "UDP", 8080)
    no_end_port = Profile("old", end_port=False)
    assert not ReferenceEvaluator(cluster, no_end_port).allowed(A, B, "TCP", 8080)
    assert ReferenceEvaluator(cluster, no_end_port).allowed(A, B, "TCP", 8000)


def test_flannel_enforces_nothing_and_icmp_is_a_switch() -> None:
    cluster = small_cluster()
    cluster.add(NetworkPolicy("deny", "x", LabelSelector(), ("Ingress", "Egress")))
    assert (
        ReferenceEvaluator(cluster, FLANNEL).decide(A, B, "TCP", 80).egress.reason == "not-enforced"
    )
    assert ReferenceEvaluator(cluster).allowed(YA, A, "ICMP", 0)
    assert not ReferenceEvaluator(cluster, Profile("icmp", filter_icmp=True)).allowed(
        YA, A, "ICMP", 0
    )


def test_node_local_traffic_and_loopback() -> None:
    cluster = small_cluster()
    cluster.add(NetworkPolicy("deny", "x", LabelSelector(), ("Ingress", "Egress")))
    ref = ReferenceEvaluator(cluster)
    assert ref.ingress(NODE1, A, "TCP", 80).reason == "node-local"
    assert ref.egress(A, NODE1, "TCP", 10250).reason == "node-local"
    assert not ref.allowed(NODE2, A, "TCP", 80)
    assert not ReferenceEvaluator(cluster, Profile("strict", node_local_allowed=False)).allowed(
        NODE1, A, "TCP", 80
    )
    assert ref.decide(A, A, "TCP", 80).egress.reason == "loopback"


def test_host_network_pods_are_node_traffic_by_default() -> None:
    cluster = small_cluster()
    cluster.add(Pod("agent", "x", node="node-1", host_network=True))
    cluster.add(NetworkPolicy("deny", "y", LabelSelector(), ("Ingress",)))
    ref = ReferenceEvaluator(cluster)
    assert cluster.pods["x/agent"].ip == NODE1
    assert ref.decide(NODE1, YA, "TCP", 80).egress.reason == "not-a-pod"
    assert not ref.allowed(NODE1, YA, "TCP", 80)  # another node's traffic to y/a


def test_matrix_is_in_sorted_pod_order_with_a_true_diagonal() -> None:
    cluster = small_cluster()
    cluster.add(NetworkPolicy("deny", "x", LabelSelector(), ("Ingress",)))
    m = ReferenceEvaluator(cluster).matrix([("TCP", 80)])
    keys = [p.key for p in cluster.sorted_pods()]
    assert keys == ["x/a", "x/b", "y/a"]
    assert m.shape == (1, 3, 3) and m[0].diagonal().all()
    assert not m[0, 0, 1] and not m[0, 2, 0] and m[0, 0, 2]
