"""Seeded random cluster-wide policies on top of :func:`generate.random_cluster`.

One to three AdminNetworkPolicies (priorities drawn from a small set, so ties happen),
maybe the BaselineAdminNetworkPolicy and maybe a ClusterNetworkPolicy of either tier;
subjects by namespace or by namespace and pod; rules of every action with
``namespaces``, ``pods``, ``networks`` (the strategies' CIDRs and pod /32s) and, on egress,
``nodes`` peers; ports by number, range and name. Values are built as the decoder would
build them (v1alpha1 actions for v1alpha1 kinds, ``Accept`` for ClusterNetworkPolicy).
"""

from __future__ import annotations

import random

from strategies import CIDRS, NODES

from netsim.addr import Prefix
from netsim.model import Cluster, LabelSelector
from netsim.model.adminpolicy import (
    NODE_HOSTNAME_LABEL,
    Action,
    AdminPeer,
    AdminPort,
    AdminRule,
    AdminSubject,
    ClusterPolicy,
    ClusterPolicyKind,
    NamespacedPods,
    Tier,
)

from .generate import _ns_selector, _pod_selector


def _subject(rng: random.Random) -> AdminSubject:
    if rng.random() < 0.5:
        return AdminSubject(namespaces=_ns_selector(rng))
    return AdminSubject(pods=NamespacedPods(_ns_selector(rng), _pod_selector(rng)))


def _peer(rng: random.Random, egress: bool, pod_ips: list[str]) -> AdminPeer:
    form = rng.randrange(4 if egress else 3)
    if form == 0:
        return AdminPeer(namespaces=_ns_selector(rng))
    if form == 1:
        return AdminPeer(pods=NamespacedPods(_ns_selector(rng), _pod_selector(rng)))
    if form == 2:
        choices = list(CIDRS) + [f"{ip}/32" for ip in pod_ips[:3]]
        texts = sorted(set(rng.sample(choices, rng.randint(1, 2))))
        return AdminPeer(networks=tuple(Prefix.parse(t) for t in texts))
    node = rng.choice(NODES).name
    return AdminPeer(nodes=LabelSelector(((NODE_HOSTNAME_LABEL, node),)))


def _port(rng: random.Random, named: bool) -> AdminPort:
    form = rng.randrange(3 if named else 2)
    protocol = rng.choice(("TCP", "UDP", "SCTP"))
    if form == 0:
        return AdminPort(protocol, rng.choice((53, 80, 81, 90, 8080)))  # type: ignore[arg-type]
    if form == 1:
        low = rng.choice((53, 80))
        return AdminPort(protocol, low, rng.choice((81, 90, 8080)))  # type: ignore[arg-type]
    return AdminPort(None, named_port=rng.choice(("http", "dns", "web", "nope")))


def _rules(
    rng: random.Random, kind: ClusterPolicyKind, egress: bool, pod_ips: list[str]
) -> tuple[AdminRule, ...]:
    actions: tuple[Action, ...] = {
        "AdminNetworkPolicy": ("Allow", "Deny", "Pass"),
        "BaselineAdminNetworkPolicy": ("Allow", "Deny"),
        "ClusterNetworkPolicy": ("Accept", "Deny", "Pass"),
    }[kind]
    rules = []
    for _ in range(rng.randint(0, 3)):
        peers = tuple(_peer(rng, egress, pod_ips) for _ in range(rng.randint(1, 2)))
        # CEL: networks/nodes peers cannot be used with named ports.
        named = all(p.networks == () and p.nodes is None for p in peers)
        ports = tuple(_port(rng, named) for _ in range(rng.choice((0, 0, 1, 2))))
        rules.append(AdminRule(rng.choice(actions), peers, ports))
    return tuple(rules)


def add_cluster_policies(cluster: Cluster, seed: int) -> None:
    """Add random cluster-wide policies (the same ones for the same seed)."""
    rng = random.Random(seed + 7_000_001)
    pod_ips = sorted(p.ip for p in cluster.pods.values() if not p.host_network and p.ip)
    made: list[tuple[ClusterPolicyKind, Tier, int | None]] = [
        ("AdminNetworkPolicy", "Admin", rng.choice((1, 5, 5, 20))) for _ in range(rng.randint(1, 3))
    ]
    if rng.random() < 0.6:
        made.append(("BaselineAdminNetworkPolicy", "Baseline", None))
    if rng.random() < 0.5:
        made.append(("ClusterNetworkPolicy", rng.choice(("Admin", "Baseline")), rng.choice((5, 9))))
    for index, (kind, tier, priority) in enumerate(made):
        name = "default" if kind == "BaselineAdminNetworkPolicy" else f"cw{index}"
        cluster.add(
            ClusterPolicy(
                kind,
                name,
                tier,
                _subject(rng),
                priority,
                _rules(rng, kind, False, pod_ips),
                _rules(rng, kind, True, pod_ips),
            )
        )
