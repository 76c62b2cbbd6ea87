"""PolicyEngine API behaviour (docs/CONTRACTS.md); equality with the reference: test_properties."""

from __future__ import annotations

import numpy as np
import pytest

from netsim.errors import LookupFailed
from netsim.model import LabelSelector, NetworkPolicy, Pod, PolicyPeer, PolicyPort, PolicyRule
from netsim.policy.engine import PolicyEngine
from netsim.policy.reference import ReferenceEvaluator
from netsim.policy.verdict import RuleRef

from .helpers import OUTSIDE, YA, A, B, sel, small_cluster


def test_decide_reports_the_rule_and_isolating_policies() -> None:
    cluster = small_cluster()
    rule = PolicyRule(
        (PolicyPeer(pod_selector=sel(app="z")), PolicyPeer(pod_selector=sel(app="a"))),
        (PolicyPort("UDP", 53), PolicyPort("TCP", "http")),
    )
    cluster.add(NetworkPolicy("allow", "x", sel(app="b"), ("Ingress",), (rule,)))
    engine = PolicyEngine(cluster)
    d = engine.decide(A, B, "TCP", 8080)
    assert d.allowed and d.ingress.rule == RuleRef("x/allow", "ingress", 0, 1, 1)
    assert str(d.ingress.rule) == "x/allow spec.ingress[0].from[1] ports[1]"
    assert d.ingress.isolating_policies == ("x/allow",)
    assert engine.egress(A, B, "TCP", 8080).reason == "not-isolated"
    assert not engine.ingress(A, B, "TCP", 80).allowed


def test_follows_cluster_changes() -> None:
    cluster = small_cluster()
    engine = PolicyEngine(cluster)
    assert engine.allowed(YA, A, "TCP", 80)
    deny = NetworkPolicy("deny", "x", LabelSelector(), ("Ingress",))
    cluster.add(deny)
    assert not engine.allowed(YA, A, "TCP", 80)
    cluster.delete("NetworkPolicy", "x/deny")
    assert engine.allowed(YA, A, "TCP", 80)
    engine.close()
    cluster.add(deny)
    assert ReferenceEvaluator(cluster).allowed(YA, A, "TCP", 80) is False


def test_matrix_and_batch_verdicts_agree_with_single_verdicts() -> None:
    cluster = small_cluster()
    cluster.add(Pod("agent", "x", node="node-2", host_network=True))
    rule = PolicyRule((PolicyPeer(pod_selector=sel(app="a")),), (PolicyPort("TCP", "http"),))
    cluster.add(NetworkPolicy("p", "x", LabelSelector(), ("Ingress",), (rule,)))
    engine = PolicyEngine(cluster)
    ports = [("TCP", 80), ("TCP", 8080), ("UDP", 53)]
    m = engine.matrix(ports)
    assert [p.key for p in engine.pods()] == [p.key for p in cluster.sorted_pods()]
    assert (m == ReferenceEvaluator(cluster).matrix(ports)).all()
    n = len(engine.pods())
    src, dst = np.divmod(np.arange(n * n), n)
    for k, (protocol, port) in enumerate(ports):
        assert (engine.allowed_pods(src, dst, protocol, port) == m[k].reshape(-1)).all()


def test_unknown_address_is_a_lookup_error() -> None:
    with pytest.raises(LookupFailed):
        PolicyEngine(small_cluster()).allowed("not-an-ip", A, "TCP", 80)


def test_external_and_ipv6_peers() -> None:
    engine = PolicyEngine(small_cluster())
    assert engine.allowed(OUTSIDE, A, "TCP", 80)
    assert engine.allowed("2001:db8::1", A, "TCP", 80)
