"""The naive per-packet baseline: right by Kubernetes' rules, and equal to the reference."""

from __future__ import annotations

import pytest

from netsim.addr import Prefix
from netsim.bench.generate import ClusterShape, generate, sample_external_flows, sample_flows
from netsim.bench.naive import NaiveEvaluator
from netsim.model import (
    Cluster,
    ContainerPort,
    IPBlock,
    Labels,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Pod,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
)
from netsim.policy.reference import ReferenceEvaluator


@pytest.fixture
def small() -> Cluster:
    """Two namespaces; a server with a named port and default-deny ingress plus one allow."""
    cluster = Cluster()
    cluster.add(Namespace("web"))
    cluster.add(Namespace("other"))
    cluster.add(
        Pod(
            "server",
            "web",
            Labels.of(app="server"),
            container_ports=(ContainerPort(8080, "TCP", "http"),),
        )
    )
    cluster.add(Pod("client", "web", Labels.of(app="client")))
    cluster.add(Pod("stranger", "other", Labels.of(app="client")))
    cluster.add(NetworkPolicy("deny", "web", LabelSelector(), ("Ingress",)))
    allow = PolicyRule(
        (
            PolicyPeer(pod_selector=LabelSelector((("app", "client"),))),
            PolicyPeer(
                ip_block=IPBlock(Prefix.parse("203.0.113.0/24"), (Prefix.parse("203.0.113.0/28"),))
            ),
        ),
        (PolicyPort("TCP", "http"),),
    )
    cluster.add(
        NetworkPolicy("allow", "web", LabelSelector((("app", "server"),)), ingress=(allow,))
    )
    return cluster


def _ip(cluster: Cluster, key: str) -> str:
    return cluster.pods[key].ip


def test_rules_as_kubernetes_defines_them(small: Cluster) -> None:
    naive = NaiveEvaluator(small)
    server = _ip(small, "web/server")
    # podSelector alone matches the policy's own namespace only (SEMANTICS §10).
    assert naive.allowed(_ip(small, "web/client"), server, "TCP", 8080)
    assert not naive.allowed(_ip(small, "other/stranger"), server, "TCP", 8080)
    # The named port resolves on the destination to 8080, TCP only (§17, §19).
    assert not naive.allowed(_ip(small, "web/client"), server, "TCP", 80)
    assert not naive.allowed(_ip(small, "web/client"), server, "UDP", 8080)
    # ipBlock with except (§13); the client pod itself is not isolated for egress (§2).
    assert naive.allowed("203.0.113.77", server, "TCP", 8080)
    assert not naive.allowed("203.0.113.7", server, "TCP", 8080)
    assert not naive.allowed("198.51.100.1", server, "TCP", 8080)
    assert naive.allowed(server, "198.51.100.1", "TCP", 443)


def test_follows_new_pods(small: Cluster) -> None:
    naive = NaiveEvaluator(small)
    pod = small.add(Pod("late", "web", Labels.of(app="client")))
    assert isinstance(pod, Pod)
    assert naive.allowed(pod.ip, _ip(small, "web/server"), "TCP", 8080)
    naive.close()


def test_agrees_with_the_reference_on_a_generated_cluster() -> None:
    synthetic = generate(ClusterShape(400, 60, seed=11))
    naive = NaiveEvaluator(synthetic.cluster)
    reference = ReferenceEvaluator(synthetic.cluster)
    flows = sample_flows(synthetic, 300) + sample_external_flows(synthetic, 100)
    allowed = 0
    for f in flows:
        args = (f.src_ip, f.dst_ip, f.protocol, f.dst_port)
        assert naive.egress(*args) == reference.egress(*args), f
        assert naive.ingress(*args) == reference.ingress(*args), f
        allowed += naive.allowed(*args)
    assert 0 < allowed < len(flows)
