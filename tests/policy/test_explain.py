"""explain(): selecting/isolating policies, the allowing rule, near misses, Services."""

from __future__ import annotations

from netsim.model import LabelSelector, NetworkPolicy, PolicyPeer, PolicyPort, PolicyRule
from netsim.policy.engine import PolicyEngine
from netsim.policy.explain import explain, explain_all
from netsim.policy.profile import Profile

from .helpers import sel, small_cluster


def cluster_with_policies():  # type: ignore[no-untyped-def]
    cluster = small_cluster()
    rules = (
        PolicyRule((PolicyPeer(pod_selector=sel(app="a")),), (PolicyPort("TCP", 9999),)),
        PolicyRule((PolicyPeer(pod_selector=sel(app="zzz")),), (PolicyPort("TCP", 8080),)),
    )
    cluster.add(NetworkPolicy("web", "x", sel(app="b"), ("Ingress",), rules))
    cluster.add(NetworkPolicy("egress-only", "x", sel(app="b"), ("Egress",), (), (PolicyRule(),)))
    return cluster


def test_denial_lists_isolation_and_near_misses() -> None:
    e = explain(cluster_with_policies(), "x/a", "x/b", "TCP", 8080)
    assert not e.allowed and e.egress.decision.allowed
    assert e.ingress.selecting == ("x/egress-only", "x/web")
    assert e.ingress.isolating == ("x/web",)
    misses = [(str(m.rule), m.kind) for m in e.ingress.near_misses]
    assert misses == [
        ("x/web spec.ingress[0].from[0]", "wrong-port"),
        ("x/web spec.ingress[1] ports[0]", "wrong-peer"),
    ]
    data = e.to_dict()
    assert data["allowed"] is False and data["ingress"]["isolated"] is True
    text = e.render()
    assert (
        "DENIED" in text
        and "near miss: x/web spec.ingress[0].from[0]: right peer, wrong port" in text
    )


def test_allowed_names_the_rule() -> None:
    e = explain(cluster_with_policies(), "x/a", "x/b", "TCP", 9999)
    assert e.allowed and str(e.ingress.decision.rule) == "x/web spec.ingress[0].from[0] ports[0]"
    assert e.ingress.near_misses == ()


def test_service_is_dnatted_to_the_backend_target_port() -> None:
    cluster = cluster_with_policies()
    e = explain(PolicyEngine(cluster), "x/a", "svc:x/web", "TCP", 8000)
    assert e.dst == "x/b" and e.port == 8080 and e.service_port == 8000 and not e.allowed
    assert e.to_dict()["service"] == "svc:x/web"


def test_hairpin_is_a_profile_switch() -> None:
    cluster = small_cluster()
    assert explain(cluster, "x/b", "svc:x/web", "TCP", 8000).allowed
    strict = Profile("no-hairpin", hairpin_allowed=False)
    [e] = explain_all(cluster, "x/b", "svc:x/web", "TCP", 8000, strict)
    assert not e.allowed and e.egress.decision.reason == "hairpin"


def test_node_and_external_sources() -> None:
    cluster = small_cluster()
    cluster.add(NetworkPolicy("deny", "x", LabelSelector(), ("Ingress",)))
    assert explain(cluster, "node:node-1", "x/a", "TCP", 80).ingress.decision.reason == "node-local"
    e = explain(cluster, "192.0.2.1", "x/a", "TCP", 80)
    assert e.egress.decision.reason == "not-a-pod" and not e.allowed
