"""A seeded generator of random clusters for the dataplane cross-check.

Hypothesis' derandomized runs draw many tiny clusters; this draws 50 clusters
of 5 to 30 pods with every selector form (empty, matchLabels, each
matchExpressions operator), namespace and pod peers alone and ANDed, ipBlock
with except (pod /32s and subnets), literal, named, protocol-only and endPort
ports, and every policyTypes form, for both directions; plus up to two
ClusterIP or NodePort Services (numeric or named targetPort, either
externalTrafficPolicy) and one or two external hosts. It reuses the
vocabularies of ``tests/strategies.py`` so both generators speak the same language.
"""

from __future__ import annotations

import random

from strategies import (
    CIDRS,
    CONTAINER_PORTS,
    EXTERNAL_IPS,
    NAMESPACES,
    NODES,
    NS_LABEL_KEYS,
    NS_LABEL_VALUES,
    POD_LABEL_KEYS,
    POD_LABEL_VALUES,
)

from netsim.addr import Prefix
from netsim.model import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    IPBlock,
    Labels,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Pod,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
    Requirement,
    Service,
    ServicePort,
)
from netsim.model.netpol import PROTOCOLS


def _labels(rng: random.Random, keys: tuple[str, ...], values: tuple[str, ...]) -> Labels:
    return Labels.of({k: rng.choice(values) for k in keys if rng.random() < 0.6})


def _selector(rng: random.Random, keys: tuple[str, ...], values: tuple[str, ...]) -> LabelSelector:
    form = rng.randrange(4)
    match_labels: tuple[tuple[str, str], ...] = ()
    expressions: list[Requirement] = []
    if form in (1, 3):
        match_labels = ((rng.choice(keys), rng.choice(values)),)
    if form in (2, 3):
        for _ in range(rng.randint(1, 2)):
            op = rng.choice(("In", "NotIn", "Exists", "DoesNotExist"))
            vals = (
                tuple(sorted(set(rng.sample(values, rng.randint(1, 2)))))
                if op
                in (
                    "In",
                    "NotIn",
                )
                else ()
            )
            expressions.append(Requirement(rng.choice(keys), op, vals))  # type: ignore[arg-type]
    return LabelSelector(match_labels, tuple(expressions))


def _pod_selector(rng: random.Random) -> LabelSelector:
    return _selector(rng, POD_LABEL_KEYS, POD_LABEL_VALUES)


def _ns_selector(rng: random.Random) -> LabelSelector:
    return _selector(rng, (*NS_LABEL_KEYS, NAMESPACE_NAME_LABEL), (*NS_LABEL_VALUES, *NAMESPACES))


def _ip_block(rng: random.Random, pod_ips: list[str]) -> IPBlock:
    choices = list(CIDRS) + [f"{ip}/32" for ip in rng.sample(pod_ips, min(2, len(pod_ips)))]
    cidr = Prefix.parse(rng.choice(choices))
    inside = sorted(
        {Prefix.parse(c) for c in choices} | {Prefix.parse(f"{ip}/32") for ip in pod_ips},
    )
    inside = [p for p in inside if cidr.contains(p) and p != cidr]
    excepts = rng.sample(inside, min(len(inside), rng.randint(0, 2)))
    return IPBlock(cidr, tuple(sorted(set(excepts))))


def _peer(rng: random.Random, pod_ips: list[str]) -> PolicyPeer:
    form = rng.randrange(4)
    if form == 0:
        return PolicyPeer(pod_selector=_pod_selector(rng))
    if form == 1:
        return PolicyPeer(namespace_selector=_ns_selector(rng))
    if form == 2:
        return PolicyPeer(pod_selector=_pod_selector(rng), namespace_selector=_ns_selector(rng))
    return PolicyPeer(ip_block=_ip_block(rng, pod_ips))


def _port(rng: random.Random) -> PolicyPort:
    protocol = rng.choice(PROTOCOLS)
    form = rng.randrange(4)
    if form == 0:
        return PolicyPort(protocol)
    if form == 1:
        return PolicyPort(protocol, rng.choice((53, 80, 81, 90, 8080)))
    if form == 2:
        return PolicyPort(protocol, rng.choice(("http", "dns", "web", "sc", "nope")))
    return PolicyPort(protocol, rng.choice((53, 80)), rng.choice((81, 90, 8080)))


def _rule(rng: random.Random, pod_ips: list[str]) -> PolicyRule:
    peers = tuple(_peer(rng, pod_ips) for _ in range(rng.choice((0, 1, 1, 2, 3))))
    ports = tuple(_port(rng) for _ in range(rng.choice((0, 1, 1, 2, 3))))
    return PolicyRule(peers, ports)


def random_cluster(seed: int, min_pods: int = 5, max_pods: int = 30) -> Cluster:
    """A random, valid cluster (every pod's namespace exists, as the apiserver requires)."""
    rng = random.Random(seed)
    cluster = Cluster()
    for node in NODES:
        cluster.add(node)
    for name in NAMESPACES:
        cluster.add(Namespace(name, _labels(rng, NS_LABEL_KEYS, NS_LABEL_VALUES)))
    for index in range(rng.randint(min_pods, max_pods)):
        ports = rng.sample(CONTAINER_PORTS, rng.randint(0, 3))
        unique = {(p.port, p.protocol): p for p in ports}
        cluster.add(
            Pod(
                f"p{index}",
                rng.choice(NAMESPACES),
                _labels(rng, POD_LABEL_KEYS, POD_LABEL_VALUES),
                node=rng.choice(NODES).name,
                container_ports=tuple(unique.values()),
                host_network=rng.random() < 0.05,
            )
        )
    pod_ips = sorted(p.ip for p in cluster.pods.values() if not p.host_network)
    for index in range(rng.randint(1, 6)):
        ingress = tuple(_rule(rng, pod_ips) for _ in range(rng.randint(0, 3)))
        egress = tuple(_rule(rng, pod_ips) for _ in range(rng.randint(0, 3)))
        types = rng.choice((None, ("Ingress",), ("Egress",), ("Ingress", "Egress")))
        if types is None:  # SEMANTICS §1.6: defaulting
            types = ("Ingress", "Egress") if egress else ("Ingress",)
        cluster.add(
            NetworkPolicy(
                f"np{index}",
                rng.choice(NAMESPACES),
                _pod_selector(rng),
                types,  # type: ignore[arg-type]
                ingress,
                egress,
            )
        )
    for index in range(rng.randint(0, 2)):
        protocol = rng.choice(("TCP", "UDP"))
        target: int | str = rng.choice((80, 53, 8080, "http", "dns", "web"))
        cluster.add(
            Service(
                f"svc{index}",
                rng.choice(NAMESPACES),
                (ServicePort(rng.choice((8000, 8053)), target, protocol),),
                selector=Labels.of(app=rng.choice(POD_LABEL_VALUES)),
                type=rng.choice(("ClusterIP", "NodePort")),
                external_traffic_policy=rng.choice(("Cluster", "Local")),
            )
        )
    return cluster


def random_externals(seed: int) -> list[str]:
    """One or two of the strategies' external IPs, for the same seed as the cluster."""
    rng = random.Random(seed + 1_000_003)
    return sorted(rng.sample(EXTERNAL_IPS, rng.randint(1, 2)))
