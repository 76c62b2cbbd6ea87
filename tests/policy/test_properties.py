"""Property tests: the compiled engine agrees with the reference evaluator on random clusters.

The default run is derandomized (a fixed seed) and sized to about a minute;
set ``NETSIM_HYPOTHESIS_EXAMPLES`` (e.g. 20000) for a longer run.
"""

from __future__ import annotations

import os
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import (
    NODES,
    PROBE_PORTS,
    World,
    build_cluster,
    namespace_labels,
    pod_labels,
    policies,
    probe_addresses,
    worlds,
)

from netsim.model import Cluster, Labels, Namespace, Pod
from netsim.policy.engine import PolicyEngine
from netsim.policy.profile import CILIUM, FLANNEL, UPSTREAM, Profile
from netsim.policy.reference import ReferenceEvaluator

SCALE = int(os.environ.get("NETSIM_HYPOTHESIS_EXAMPLES", "0"))
PROFILES = (
    UPSTREAM,
    CILIUM,
    FLANNEL,
    Profile("odd", end_port=False, filter_icmp=True, host_network="pod", node_local_allowed=False),
)
PORTS = (*PROBE_PORTS, ("ICMP", 0))


def examples(default: int) -> settings:
    """Fixed-seed settings with ``default`` examples (or NETSIM_HYPOTHESIS_EXAMPLES)."""
    return settings(
        max_examples=SCALE or default,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


port_subsets = st.lists(st.sampled_from(PORTS), min_size=1, max_size=3, unique=True).map(tuple)


def assert_agree(
    engine: PolicyEngine,
    reference: ReferenceEvaluator,
    cluster: Cluster,
    ports: tuple[tuple[str, int], ...] = PORTS,
) -> None:
    """Every probe (all addresses x all addresses x ``ports``) and the matrices agree."""
    ips = probe_addresses(cluster)
    for src in ips:
        for dst in ips:
            for protocol, port in ports:
                expected = reference.decide(src, dst, protocol, port)
                assert engine.decide(src, dst, protocol, port) == expected, (
                    src,
                    dst,
                    protocol,
                    port,
                )
                assert engine.allowed(src, dst, protocol, port) is expected.allowed
    assert (engine.matrix(ports) == reference.matrix(ports)).all()


@examples(2000)
@given(worlds(), st.sampled_from(PROFILES), port_subsets)
def test_compiled_equals_reference(
    world: World, profile: Profile, ports: tuple[tuple[str, int], ...]
) -> None:
    cluster = build_cluster(world)
    engine, reference = PolicyEngine(cluster, profile), ReferenceEvaluator(cluster, profile)
    assert_agree(engine, reference, cluster, ports)


@st.composite
def operations(draw: st.DrawFn, world: World) -> list[tuple[str, object]]:
    """A sequence of cluster changes: relabel/delete/add pods, policies and namespaces."""
    ops: list[tuple[str, object]] = []
    namespaces = tuple(sorted(ns.name for ns in world.namespaces))
    for i in range(draw(st.integers(1, 6))):
        kind = draw(
            st.sampled_from(
                (
                    "relabel-pod",
                    "delete-pod",
                    "add-pod",
                    "add-policy",
                    "delete-policy",
                    "relabel-ns",
                )
            )
        )
        if kind in ("relabel-pod", "delete-pod") and world.pods:
            pod = draw(st.sampled_from(world.pods))
            ops.append((kind, (pod.key, draw(pod_labels))))
        elif kind == "add-pod":
            ns = draw(st.sampled_from(namespaces))
            pod = Pod(f"new{i}", ns, draw(pod_labels), node="node-2")
            ops.append((kind, pod))
        elif kind == "add-policy":
            ops.append((kind, draw(policies(namespaces, f"np{draw(st.integers(0, 5))}"))))
        elif kind == "delete-policy" and world.policies:
            ops.append((kind, draw(st.sampled_from(world.policies)).key))
        elif kind == "relabel-ns":
            ns = draw(st.sampled_from(namespaces))
            ops.append((kind, Namespace(ns, draw(namespace_labels))))
    return ops


def apply(cluster: Cluster, op: tuple[str, object]) -> None:
    kind, arg = op
    if kind == "relabel-pod":
        key, new_labels = arg  # type: ignore[misc]
        if key in cluster.pods:
            cluster.apply(replace(cluster.pods[key], labels=new_labels))
    elif kind == "delete-pod":
        key, _ = arg  # type: ignore[misc]
        if key in cluster.pods:
            cluster.delete("Pod", key)
    elif kind == "delete-policy":
        if arg in cluster.policies:
            cluster.delete("NetworkPolicy", str(arg))
    else:
        cluster.apply(arg)  # type: ignore[arg-type]


@examples(600)
@given(st.data(), worlds(), st.sampled_from(PROFILES), port_subsets)
def test_incremental_equals_from_scratch(
    data: st.DataObject, world: World, profile: Profile, ports: tuple[tuple[str, int], ...]
) -> None:
    cluster = Cluster()
    for node in NODES:
        cluster.add(node)
    engine = PolicyEngine(cluster, profile)  # follows every add below, then the changes
    for obj in (*world.namespaces, *world.pods, *world.policies):
        cluster.add(obj)
        engine.matrix(PORTS[:2])  # fill the caches so that stale entries would show
    for op in data.draw(operations(world)):
        apply(cluster, op)
        probes = probe_addresses(cluster)[:3]
        for ip in probes:
            engine.allowed(ip, probes[0], "TCP", 80)
    fresh = PolicyEngine(cluster, profile)
    ips = probe_addresses(cluster)
    for src in ips:
        for dst in ips:
            for protocol, port in ports:
                assert engine.decide(src, dst, protocol, port) == fresh.decide(
                    src, dst, protocol, port
                )
    assert (engine.matrix(ports) == fresh.matrix(ports)).all()
    assert_agree(engine, ReferenceEvaluator(cluster, profile), cluster, ports)


def test_a_relabelled_pod_is_reselected() -> None:
    """SEMANTICS §25 as an event: a label change makes a deny policy select the pod."""
    from netsim.model import LabelSelector, NetworkPolicy

    cluster = Cluster()
    cluster.add(Namespace("x"))
    a = cluster.add(Pod("a", "x", Labels.of(app="a")))
    b = cluster.add(Pod("b", "x", Labels.of(app="b")))
    deny = NetworkPolicy("deny-web", "x", LabelSelector((("app", "web"),)))
    cluster.add(deny)
    engine = PolicyEngine(cluster)
    assert engine.allowed(a.ip, b.ip, "TCP", 80)  # type: ignore[union-attr]
    cluster.apply(replace(b, labels=Labels.of(app="web")))  # type: ignore[type-var]
    assert not engine.allowed(a.ip, b.ip, "TCP", 80)  # type: ignore[union-attr]
