"""The synthetic cluster generator: sizes, identities, determinism, apiserver-valid objects."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from netsim.addr import Prefix
from netsim.bench.generate import (
    ClusterShape,
    ShapeError,
    extra_policy,
    generate,
    prefix_workload,
    relabelled_pod,
    sample_external_flows,
    sample_flows,
    warm_flows,
)
from netsim.errors import NetsimError
from netsim.model import LabelSelector, NetworkPolicy, PolicyPeer, PolicyPort
from netsim.model.load import object_from_dict


def _identities(cluster: Any) -> int:
    return len({(p.namespace, p.labels) for p in cluster.pods.values()})


@pytest.mark.parametrize(
    "shape",
    [
        ClusterShape(100, 10),
        ClusterShape(1_000, 100, identities=700),
        ClusterShape(2_000, 37, namespaces=50, identities=60),
        ClusterShape(500, 0),
    ],
)
def test_sizes_are_exact(shape: ClusterShape) -> None:
    s = generate(shape)
    assert len(s.cluster.pods) == shape.pods
    assert len(s.cluster.policies) == shape.policies
    assert _identities(s.cluster) == shape.resolved_identities == s.identities
    assert len(s.namespaces) == shape.resolved_namespaces
    assert set(s.cluster.namespaces) == {*s.namespaces, "kube-system", "monitoring"}


def test_identity_target_at_scale_is_hit_exactly() -> None:
    # The 150k/65k headline shape, scaled down 10x to keep the test fast.
    s = generate(ClusterShape(15_000, 1_000, identities=6_500))
    assert _identities(s.cluster) == 6_500


def test_same_seed_same_cluster_other_seed_other_cluster() -> None:
    a = generate(ClusterShape(300, 30, seed=7)).cluster
    b = generate(ClusterShape(300, 30, seed=7)).cluster
    c = generate(ClusterShape(300, 30, seed=8)).cluster
    assert a.sorted_pods() == b.sorted_pods()
    assert a.policies == b.policies and a.namespaces == b.namespaces
    assert a.policies != c.policies or a.sorted_pods() != c.sorted_pods()


def test_every_pod_has_a_unique_ip_on_a_node_that_owns_it() -> None:
    s = generate(ClusterShape(1_000, 10, pods_per_node=30))
    cluster = s.cluster
    ips = [p.ip for p in cluster.pods.values()]
    assert len(set(ips)) == len(ips)
    for pod in cluster.pods.values():
        node = cluster.nodes[pod.node]
        version, value = 4, int(Prefix.parse(pod.ip + "/32").network)
        assert node.pod_cidr.contains_ip(version, value)
    per_node = Counter(p.node for p in cluster.pods.values())
    assert max(per_node.values()) <= 30


def test_each_policy_namespace_starts_with_default_deny_and_dns() -> None:
    s = generate(ClusterShape(3_000, 200))
    for ns in s.namespaces:
        deny = s.cluster.policies[f"{ns}/default-deny"]
        assert deny.pod_selector.is_empty
        assert deny.policy_types == ("Ingress", "Egress")
        assert deny.ingress == () and deny.egress == ()
        dns = s.cluster.policies[f"{ns}/allow-dns"]
        ports = {(p.protocol, p.port) for p in dns.egress[0].ports}
        assert ports == {("UDP", 53), ("TCP", 53)}


def _features(policies: list[NetworkPolicy]) -> set[str]:
    found: set[str] = set()
    for policy in policies:
        for rule in (*policy.ingress, *policy.egress):
            for peer in rule.peers:
                if peer.ip_block is not None and peer.ip_block.except_:
                    found.add("ipblock-except")
                if peer.namespace_selector is not None and peer.pod_selector is not None:
                    found.add("peer-and")
                if peer.namespace_selector is not None and peer.pod_selector is None:
                    found.add("namespace-selector")
            for port in rule.ports:
                if isinstance(port.port, str):
                    found.add("named-port")
                if port.end_port is not None:
                    found.add("port-range")
                if port.protocol == "UDP":
                    found.add("udp")
        if policy.pod_selector.match_expressions:
            found.add("match-expressions")
    return found


def test_policies_use_the_realistic_features() -> None:
    s = generate(ClusterShape(10_000, 1_000))
    assert _features(list(s.cluster.policies.values())) == {
        "ipblock-except",
        "peer-and",
        "namespace-selector",
        "named-port",
        "port-range",
        "udp",
        "match-expressions",
    }


def _selector_doc(sel: LabelSelector) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    if sel.match_labels:
        doc["matchLabels"] = dict(sel.match_labels)
    if sel.match_expressions:
        doc["matchExpressions"] = [
            {
                "key": r.key,
                "operator": r.operator,
                **({"values": list(r.values)} if r.values else {}),
            }
            for r in sel.match_expressions
        ]
    return doc


def _peer_doc(peer: PolicyPeer) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    if peer.ip_block is not None:
        doc["ipBlock"] = {"cidr": str(peer.ip_block.cidr)}
        if peer.ip_block.except_:
            doc["ipBlock"]["except"] = [str(e) for e in peer.ip_block.except_]
    if peer.pod_selector is not None:
        doc["podSelector"] = _selector_doc(peer.pod_selector)
    if peer.namespace_selector is not None:
        doc["namespaceSelector"] = _selector_doc(peer.namespace_selector)
    return doc


def _port_doc(port: PolicyPort) -> dict[str, Any]:
    doc: dict[str, Any] = {"protocol": port.protocol}
    if port.port is not None:
        doc["port"] = port.port
    if port.end_port is not None:
        doc["endPort"] = port.end_port
    return doc


def _manifest(policy: NetworkPolicy) -> dict[str, object]:
    """The NetworkPolicy manifest a user would write for ``policy`` (test-only renderer)."""

    def rules(direction: str) -> list[dict[str, Any]]:
        out = []
        for rule in policy.rules(direction):  # type: ignore[arg-type]
            doc: dict[str, Any] = {}
            if rule.peers:
                doc["from" if direction == "ingress" else "to"] = [_peer_doc(p) for p in rule.peers]
            if rule.ports:
                doc["ports"] = [_port_doc(p) for p in rule.ports]
            out.append(doc)
        return out

    spec: dict[str, Any] = {
        "podSelector": _selector_doc(policy.pod_selector),
        "policyTypes": list(policy.policy_types),
    }
    if policy.ingress:
        spec["ingress"] = rules("ingress")
    if policy.egress:
        spec["egress"] = rules("egress")
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": policy.name, "namespace": policy.namespace},
        "spec": spec,
    }


def test_generated_policies_are_what_the_apiserver_accepts() -> None:
    """Every generated policy, written as a manifest, passes validation and loads back equal."""
    s = generate(ClusterShape(5_000, 600, seed=3))
    policies = [*s.cluster.policies.values(), extra_policy(s)]
    for policy in policies:
        (loaded,) = object_from_dict(_manifest(policy))
        assert loaded == policy, policy.key


@pytest.mark.parametrize(
    ("shape", "field"),
    [
        (ClusterShape(3, 1), "pods"),
        (ClusterShape(100, 10, identities=200), "identities"),
        (ClusterShape(100, 10, namespaces=20, identities=10), "identities"),
        (ClusterShape(100, -1), "policies"),
        (ClusterShape(100_000, 10, pods_per_node=1), "pods_per_node"),
    ],
)
def test_impossible_shapes_are_user_errors(shape: ClusterShape, field: str) -> None:
    with pytest.raises(ShapeError, match=f"{field}: ") as info:
        generate(shape)
    assert isinstance(info.value, NetsimError)


def test_flows_go_between_pods_to_ports_they_serve() -> None:
    s = generate(ClusterShape(500, 50))
    by_ip = {p.ip: p for p in s.cluster.pods.values()}
    flows = sample_flows(s, 500)
    assert all(f.src_ip in by_ip and f.dst_ip in by_ip for f in flows)
    served = sum(
        any(
            cp.port == f.dst_port and cp.protocol == f.protocol
            for cp in by_ip[f.dst_ip].container_ports
        )
        for f in flows
    )
    assert served > 0.8 * len(flows)
    external = sample_external_flows(s, 200)
    nodes = {n.ip for n in s.cluster.nodes.values()}
    assert all(f.src_ip not in by_ip and f.src_ip not in nodes for f in external)
    assert all(f.dst_ip in by_ip for f in external)


def test_extra_policy_is_new_and_relabelled_pod_changes_only_labels() -> None:
    s = generate(ClusterShape(500, 50))
    assert extra_policy(s).key not in s.cluster.policies
    for want in (True, False):
        policy = extra_policy(s, seed=99, ip_block=want)
        peers = [peer for rule in (*policy.ingress, *policy.egress) for peer in rule.peers]
        assert any(peer.ip_block is not None for peer in peers) == want
    changed = relabelled_pod(s)
    original = s.cluster.pods[changed.key]
    assert changed.labels != original.labels
    assert changed.ip == original.ip and changed.container_ports == original.container_ports


def test_prefix_workload_is_distinct_canonical_and_half_covered() -> None:
    table, addresses = prefix_workload(2_000, 1_000, seed=5)
    assert len(set(table)) == len(table) == 2_000
    assert all(p.network & ((1 << (32 - p.length)) - 1) == 0 for p in table)
    nested = sum(any(q != p and q.contains(p) for q in table) for p in table[:300])
    assert nested > 0
    covered = sum(any(p.contains_ip(4, a) for p in table) for a in addresses[::10])
    assert covered >= len(addresses[::10]) // 2
    assert prefix_workload(2_000, 1_000, seed=5) == (table, addresses)


def test_warm_flows_meet_every_address_on_a_port_no_sample_uses() -> None:
    s = generate(ClusterShape(300, 30))
    warm = warm_flows(s)
    pod_ips = {p.ip for p in s.cluster.pods.values()}
    assert {f.src_ip for f in warm} == pod_ips | set(s.external_ips)
    assert {f.dst_ip for f in warm} == pod_ips
    sampled = sample_flows(s, 2_000) + sample_external_flows(s, 500)
    assert {f.dst_port for f in warm} == {1}
    assert all(f.dst_port != 1 for f in sampled)
