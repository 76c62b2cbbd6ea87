"""Property tests: with AdminNetworkPolicy, BaselineAdminNetworkPolicy and
ClusterNetworkPolicy mixed into random NetworkPolicy clusters, the compiled engine agrees
with the tiered reference evaluator (decisions with their deciding tier, policy, rule and
Pass chain; ``allowed``; the matrix), from scratch and after change sequences.

Sized like ``test_properties`` (fixed seed; ``NETSIM_HYPOTHESIS_EXAMPLES`` for more).
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st
from strategies import NODES, World, build_cluster, namespace_labels, pod_labels, worlds

from netsim.model import Cluster, Namespace, Pod
from netsim.model.adminpolicy import ClusterPolicy
from netsim.policy.engine import PolicyEngine
from netsim.policy.profile import Profile
from netsim.policy.tiers import TieredReferenceEvaluator

from .test_properties import PROFILES, assert_agree, examples, port_subsets
from .tier_strategies import cluster_policies, cluster_policy_lists


def with_tiers(world: World, policies: list[ClusterPolicy]) -> Cluster:
    """The world's cluster plus the cluster-wide policies."""
    cluster = build_cluster(world)
    for policy in policies:
        cluster.add(policy)
    return cluster


@examples(1000)
@given(worlds(), cluster_policy_lists, st.sampled_from(PROFILES), port_subsets)
def test_compiled_tiers_equal_reference(
    world: World,
    policies: list[ClusterPolicy],
    profile: Profile,
    ports: tuple[tuple[str, int], ...],
) -> None:
    cluster = with_tiers(world, policies)
    engine = PolicyEngine(cluster, profile)
    assert_agree(engine, TieredReferenceEvaluator(cluster, profile), cluster, ports)


@st.composite
def operations(draw: st.DrawFn, world: World, policies: list[ClusterPolicy]) -> list[object]:
    """Changes: add/replace/delete cluster policies, relabel/add pods, relabel namespaces."""
    namespaces = tuple(sorted(ns.name for ns in world.namespaces))
    ops: list[object] = []
    for i in range(draw(st.integers(1, 6))):
        kind = draw(
            st.sampled_from(("add-cp", "delete-cp", "relabel-pod", "add-pod", "relabel-ns"))
        )
        if kind == "add-cp":
            ops.append(draw(cluster_policies(f"cp{draw(st.integers(0, 4))}")))
        elif kind == "delete-cp" and policies:
            ops.append(("delete", draw(st.sampled_from(policies))))
        elif kind == "relabel-pod" and world.pods:
            ops.append(("relabel", draw(st.sampled_from(world.pods)).key, draw(pod_labels)))
        elif kind == "add-pod":
            ns = draw(st.sampled_from(namespaces))
            ops.append(Pod(f"new{i}", ns, draw(pod_labels), node="node-2"))
        elif kind == "relabel-ns":
            ops.append(Namespace(draw(st.sampled_from(namespaces)), draw(namespace_labels)))
    return ops


def apply(cluster: Cluster, op: object) -> None:
    if isinstance(op, tuple) and op[0] == "delete":
        policy = op[1]
        if policy.key in cluster.cluster_policies:
            cluster.delete(policy.kind, policy.key)
    elif isinstance(op, tuple):
        _, key, labels = op
        if key in cluster.pods:
            cluster.apply(replace(cluster.pods[key], labels=labels))
    else:
        cluster.apply(op)  # type: ignore[arg-type]


@examples(300)
@given(st.data(), worlds(), cluster_policy_lists, st.sampled_from(PROFILES), port_subsets)
def test_incremental_tiers_equal_from_scratch(
    data: st.DataObject,
    world: World,
    policies: list[ClusterPolicy],
    profile: Profile,
    ports: tuple[tuple[str, int], ...],
) -> None:
    cluster = Cluster()
    for node in NODES:
        cluster.add(node)
    engine = PolicyEngine(cluster, profile)  # follows every add below, then the changes
    for obj in (*world.namespaces, *world.pods, *world.policies, *policies):
        cluster.add(obj)
    engine.matrix(ports)  # fill the caches so that stale entries would show
    for op in data.draw(operations(world, policies)):
        apply(cluster, op)
        pods = sorted(p.ip for p in cluster.pods.values())
        for ip in pods[:3]:
            engine.allowed(ip, pods[0], "TCP", 80)
        engine.matrix(ports[:1])
    fresh = PolicyEngine(cluster, profile)
    assert (engine.matrix(ports) == fresh.matrix(ports)).all()
    assert_agree(engine, TieredReferenceEvaluator(cluster, profile), cluster, ports)
