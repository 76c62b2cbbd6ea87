"""The compiled engine with cluster-wide policies: matrix against the tiered reference on a
small cluster, and cached decisions forgotten on every change that can alter them.

Expected verdicts are worked out from the network-policy-api order (admin tier by
priority, NetworkPolicy for the pods it isolates, baseline tier, default allow).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from netsim.addr import Prefix
from netsim.model import Labels, LabelSelector, Namespace, NetworkPolicy, Pod
from netsim.model.adminpolicy import (
    NODE_HOSTNAME_LABEL,
    AdminPeer,
    AdminPort,
    AdminRule,
    AdminSubject,
    ClusterPolicy,
    NamespacedPods,
)
from netsim.policy.engine import PolicyEngine
from netsim.policy.portlist import policy_ports
from netsim.policy.profile import UPSTREAM, Profile
from netsim.policy.tiers import TieredReferenceEvaluator

from .helpers import NODE1, NODE2, OUTSIDE, YA, A, B, sel, small_cluster

X_SUBJECT = AdminSubject(namespaces=sel(team="red"))
FROM_Y = AdminPeer(namespaces=sel(**{"kubernetes.io/metadata.name": "y"}))


def anp(
    name: str, priority: int, subject: AdminSubject, **rules: tuple[AdminRule, ...]
) -> ClusterPolicy:
    return ClusterPolicy("AdminNetworkPolicy", name, "Admin", subject, priority, **rules)  # type: ignore[arg-type]


DENY_FROM_Y = anp("deny-from-y", 5, X_SUBJECT, ingress=(AdminRule("Deny", (FROM_Y,)),))
BASELINE = ClusterPolicy(
    "BaselineAdminNetworkPolicy",
    "default",
    "Baseline",
    AdminSubject(namespaces=LabelSelector()),
    egress=(
        AdminRule("Deny", (AdminPeer(networks=(Prefix.parse("10.244.2.0/24"),)),)),
        AdminRule("Deny", (AdminPeer(nodes=sel(**{NODE_HOSTNAME_LABEL: "node-2"})),)),
    ),
)
PASS_HTTP = anp(
    "pass-http",
    1,
    AdminSubject(pods=NamespacedPods(LabelSelector(), sel(app="a"))),
    egress=(
        AdminRule(
            "Pass", (AdminPeer(namespaces=LabelSelector()),), (AdminPort(None, named_port="http"),)
        ),
    ),
)
HOST_POD = Pod("host", "x", Labels.of(app="a"), "node-1", host_network=True)
POD_MODE = Profile("pod-mode", host_network="pod")


def test_matrix_agrees_with_the_tiered_reference() -> None:
    cluster = small_cluster()
    cluster.add(HOST_POD)
    for policy in (DENY_FROM_Y, BASELINE, PASS_HTTP):
        cluster.add(policy)
    cluster.add(NetworkPolicy("deny-egress", "x", sel(app="b"), ("Egress",)))
    ports = [("TCP", 80), ("TCP", 8080), ("UDP", 53), ("SCTP", 90)]
    for profile in (UPSTREAM, POD_MODE):
        engine = PolicyEngine(cluster, profile)
        expected = TieredReferenceEvaluator(cluster, profile).matrix(ports)
        assert (engine.matrix(ports) == expected).all(), profile.name
        pods = [p.key for p in engine.pods()]
        src, dst = np.meshgrid(np.arange(len(pods)), np.arange(len(pods)), indexing="ij")
        batch = engine.allowed_pods(src.ravel(), dst.ravel(), "TCP", 80).reshape(src.shape)
        assert (batch == expected[0]).all(), profile.name
    engine = PolicyEngine(cluster)
    table = engine.matrix([("TCP", 80)])[0]
    at = {p.key: i for i, p in enumerate(engine.pods())}
    assert not table[at["y/a"], at["x/a"]]  # deny-from-y
    assert table[at["x/b"], at["x/a"]] is np.False_  # x/b: egress isolated, no rules
    assert not table[at["x/a"], at["y/a"]]  # baseline: 10.244.2.0/24 denied (pass-http passed)
    assert table[at["y/a"], at["y/a"]]  # a pod reaches itself


def test_decisions_follow_policy_pod_and_namespace_changes() -> None:
    cluster = small_cluster()
    engine = PolicyEngine(cluster)
    assert engine.allowed(YA, A, "TCP", 80)
    assert engine.matrix([("TCP", 80)])[0].all()
    cluster.add(DENY_FROM_Y)
    assert not engine.allowed(YA, A, "TCP", 80)
    assert engine.decide(YA, A, "TCP", 80).ingress.reason == "admin-deny"
    assert not engine.matrix([("TCP", 80)])[0].all()
    # x no longer matches the subject's team=red: deny-from-y selects nothing
    cluster.apply(Namespace("x", Labels.of(team="blue")))
    assert engine.allowed(YA, A, "TCP", 80)
    cluster.apply(Namespace("x", Labels.of(team="red")))
    assert not engine.allowed(YA, A, "TCP", 80)
    # y relabelled to another name label is impossible; relabel the pod under a pods subject
    only_a = replace(
        DENY_FROM_Y, subject=AdminSubject(pods=NamespacedPods(sel(team="red"), sel(app="a")))
    )
    cluster.apply(only_a)
    assert not engine.allowed(YA, A, "TCP", 80)
    assert engine.allowed(YA, B, "TCP", 80)  # x/b is app=b
    cluster.apply(replace(cluster.pods["x/a"], labels=Labels.of(app="z")))
    assert engine.allowed(YA, A, "TCP", 80)
    cluster.delete("AdminNetworkPolicy", DENY_FROM_Y.key)
    assert engine.allowed(YA, B, "TCP", 80)
    assert engine.matrix([("TCP", 80)])[0].all()


def test_networks_and_nodes_peers_in_the_engine() -> None:
    cluster = small_cluster()
    cluster.add(BASELINE)
    engine = PolicyEngine(cluster)
    d = engine.decide(A, YA, "TCP", 80).egress
    assert (d.allowed, d.reason, str(d.rule)) == (
        False,
        "baseline-deny",
        "BaselineAdminNetworkPolicy/default spec.egress[0].to[0]",
    )
    assert engine.egress(A, NODE2, "TCP", 10250).reason == "baseline-deny"
    assert engine.allowed(A, NODE1, "TCP", 10250)  # node-local anyway, and not node-2
    assert engine.allowed(A, OUTSIDE, "TCP", 443)


def test_matrix_without_ports_probes_the_cluster_policies_ports() -> None:
    cluster = small_cluster()
    ranged = anp(
        "ranged",
        3,
        X_SUBJECT,
        ingress=(AdminRule("Deny", (FROM_Y,), (AdminPort("UDP", 8000, 8100),)),),
    )
    cluster.add(ranged)
    cluster.add(PASS_HTTP)
    # the range's ends, and "http" on every pod declaring it with any protocol:
    # x/a and y/a declare http 80/TCP, x/b http 8080/TCP; sorted by number
    assert policy_ports(cluster) == [("TCP", 80), ("UDP", 8000), ("TCP", 8080), ("UDP", 8100)]
