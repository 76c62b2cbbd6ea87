"""netsim diff against the reference evaluator on random small clusters and policy sets.

For every pair of ends and every probe port: a port the diff reports as removed is
allowed before and denied after by ``netsim.policy.reference``; added the other way
round; and where the diff reports nothing, the reference gives the same verdict on
both sides. Probe ports are every policy port edge of both sides (and their
neighbours), so every segment of the port line is probed.
"""

from __future__ import annotations

import ipaddress

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import EXTERNAL_IPS, World, build_cluster, policies, worlds

from netsim.insight.diff import diff_clusters
from netsim.model.cluster import Cluster
from netsim.policy.endpoint import Endpoint, pod_endpoint, selectable
from netsim.policy.profile import UPSTREAM
from netsim.policy.reference import ReferenceEvaluator

OUTSIDE = (*EXTERNAL_IPS, "8.8.8.8", "10.0.0.1")


def probe_ports(clusters: list[Cluster], protocol: str) -> list[int]:
    ports = {1, 65535}
    for cluster in clusters:
        for policy in cluster.policies.values():
            for rule in (*policy.ingress, *policy.egress):
                for p in rule.ports:
                    if p.protocol == protocol and isinstance(p.port, int):
                        ports |= {p.port - 1, p.port, p.port + 1}
                        if p.end_port:
                            ports |= {p.end_port, p.end_port + 1}
        for pod in cluster.pods.values():
            for cp in pod.container_ports:
                if cp.protocol == protocol:
                    ports |= {cp.port - 1, cp.port, cp.port + 1}
    return sorted(p for p in ports if 1 <= p <= 65535)


def in_label(ip: str, label: str) -> bool:
    address = ipaddress.ip_address(ip)
    return any(address in ipaddress.ip_network(c) for c in label.split(","))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds(max_pods=4, max_policies=3), data=st.data())
def test_diff_agrees_with_the_reference(world: World, data: st.DataObject) -> None:
    declared = tuple(ns.name for ns in world.namespaces)
    n_new = data.draw(st.integers(0, 3))
    new_policies = tuple(data.draw(policies(declared, f"np{i}")) for i in range(n_new))
    old = build_cluster(world)
    new = build_cluster(World(world.namespaces, world.pods, new_policies))
    diff = diff_clusters(old, new, UPSTREAM, group_by="pod")
    reported: dict[tuple[str, str, str], list[tuple[str, int, int]]] = {}
    for c in diff.changes:
        assert c.change in ("removed", "added")  # the same pods on both sides
        for a, b in c.ports:
            reported.setdefault((c.src, c.dst, c.protocol), []).append((c.change, a, b))

    pods = [p for p in old.sorted_pods() if p.ip and selectable(p, UPSTREAM)]
    ends: list[tuple[str, Endpoint, Endpoint]] = [
        (p.key, pod_endpoint(old, p, UPSTREAM), pod_endpoint(new, new.pods[p.key], UPSTREAM))
        for p in pods
    ]
    used = {p.ip for p in old.pods.values()} | {n.ip for n in old.nodes.values()}
    outside = []
    for ip in OUTSIDE:
        if ip in used:
            continue
        version, value = ipaddress.ip_address(ip).version, int(ipaddress.ip_address(ip))
        e = Endpoint("external", ip, version, value)
        outside.append((ip, e, e))
    ref_old, ref_new = ReferenceEvaluator(old), ReferenceEvaluator(new)

    keys = {p.key for p in old.pods.values()}

    def label_of(name: str, row_end: str) -> bool:
        if name in keys or row_end in keys:
            return row_end == name
        return in_label(name, row_end)

    pairs = [(a, b) for a in ends for b in ends if a[0] != b[0]]
    pairs += [(a, o) for a in ends for o in outside] + [(o, a) for a in ends for o in outside]
    for protocol in ("TCP", "UDP", "SCTP"):
        for port in probe_ports([old, new], protocol):
            for (s_name, s_old, s_new), (d_name, d_old, d_new) in pairs:
                before = ref_old.decide_endpoints(s_old, d_old, protocol, port).allowed
                after = ref_new.decide_endpoints(s_new, d_new, protocol, port).allowed
                kinds = {
                    kind
                    for (src, dst, proto), spans in reported.items()
                    if proto == protocol and label_of(s_name, src) and label_of(d_name, dst)
                    for kind, a, b in spans
                    if a <= port <= b
                }
                if before and not after:
                    assert kinds == {"removed"}, (s_name, d_name, protocol, port)
                elif after and not before:
                    assert kinds == {"added"}, (s_name, d_name, protocol, port)
                else:
                    assert not kinds, (s_name, d_name, protocol, port, kinds)
