"""A seeded generator of synthetic clusters with realistic shapes, for benchmarks.

The cluster looks like a multi-team production cluster: namespaces named
``<team>-<env>`` labelled ``team``/``env``; in each, workloads (Deployments)
labelled ``app``/``tier``/``version`` with the container ports their tier
would have (named ``http``, ``grpc``, ``metrics``, ``postgres``, ...), plus a
``kube-system`` namespace with kube-dns and a ``monitoring`` namespace with
Prometheus. Every namespace that gets policies gets a default-deny (ingress and
egress) first, then egress allows for DNS and for its own namespace, then
allow rules by app, tier and namespace, ipBlock rules with ``except``, named
ports and port ranges.

Pods with the same namespace and label set share an identity, so the number of
identities is the number of workloads: :class:`ClusterShape.identities` sets it
exactly. The same shape and seed always give the same cluster.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from netsim.addr import Prefix, int_to_ip
from netsim.errors import NetsimError
from netsim.model import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    ContainerPort,
    IPBlock,
    Labels,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Node,
    Pod,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
    Requirement,
)
from netsim.model.netpol import Protocol

TEAMS: tuple[str, ...] = (
    "payments",
    "checkout",
    "search",
    "identity",
    "growth",
    "data",
    "platform",
    "catalog",
    "logistics",
    "media",
    "support",
    "risk",
)
ENVS: tuple[str, ...] = ("prod", "staging", "dev", "qa")
VERSIONS: tuple[str, ...] = ("v1", "v1", "v2", "v2", "v3", "canary")
APPS: tuple[tuple[str, str], ...] = (
    ("frontend", "frontend"),
    ("web", "frontend"),
    ("gateway", "frontend"),
    ("nginx", "frontend"),
    ("api", "backend"),
    ("auth", "backend"),
    ("cart", "backend"),
    ("checkout", "backend"),
    ("catalog", "backend"),
    ("payments", "backend"),
    ("orders", "backend"),
    ("inventory", "backend"),
    ("search", "backend"),
    ("recommendations", "backend"),
    ("notifications", "backend"),
    ("shipping", "backend"),
    ("billing", "backend"),
    ("users", "backend"),
    ("reviews", "backend"),
    ("ads", "backend"),
    ("redis", "cache"),
    ("memcached", "cache"),
    ("postgres", "db"),
    ("mysql", "db"),
    ("mongodb", "db"),
    ("elasticsearch", "db"),
    ("kafka", "queue"),
    ("rabbitmq", "queue"),
    ("worker", "batch"),
    ("scheduler", "batch"),
    ("etl", "batch"),
    ("ingest", "batch"),
)
"""(app name, tier): the tier decides the container ports and the policies a workload gets."""

TIER_PORTS: dict[str, tuple[ContainerPort, ...]] = {
    "frontend": (ContainerPort(8080, "TCP", "http"), ContainerPort(9090, "TCP", "metrics")),
    "backend": (
        ContainerPort(8080, "TCP", "http"),
        ContainerPort(9000, "TCP", "grpc"),
        ContainerPort(9090, "TCP", "metrics"),
    ),
    "cache": (ContainerPort(6379, "TCP", "redis"), ContainerPort(9121, "TCP", "metrics")),
    "db": (ContainerPort(5432, "TCP", "postgres"), ContainerPort(9187, "TCP", "metrics")),
    "queue": (ContainerPort(9092, "TCP", "kafka"), ContainerPort(9308, "TCP", "metrics")),
    "batch": (ContainerPort(9090, "TCP", "metrics"),),
}
APP_PORTS: dict[str, tuple[ContainerPort, ...]] = {
    "nginx": (ContainerPort(80, "TCP", "http"), ContainerPort(9113, "TCP", "metrics")),
    "memcached": (ContainerPort(11211, "TCP", "memcache"),),
    "mysql": (ContainerPort(3306, "TCP", "mysql"), ContainerPort(9104, "TCP", "metrics")),
    "mongodb": (ContainerPort(27017, "TCP", "mongodb"),),
    "elasticsearch": (
        ContainerPort(9200, "TCP", "http"),
        ContainerPort(9300, "TCP", "transport"),
    ),
    "rabbitmq": (ContainerPort(5672, "TCP", "amqp"), ContainerPort(15692, "TCP", "metrics")),
}
"""Apps whose ports differ from their tier's, so one named port maps to different numbers."""

DNS_PORTS: tuple[ContainerPort, ...] = (
    ContainerPort(53, "UDP", "dns"),
    ContainerPort(53, "TCP", "dns-tcp"),
    ContainerPort(9153, "TCP", "metrics"),
)
PRIVATE_RANGES: tuple[Prefix, ...] = tuple(
    Prefix.parse(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
LOAD_BALANCER_RANGE = Prefix.parse("203.0.113.0/24")
"""Where external clients come from in ``allow-lb`` ingress rules (TEST-NET-3)."""

POD_SUPERNET = Prefix.parse("10.128.0.0/9")
NODE_NETWORK = Prefix.parse("172.16.0.0/12")
NODE_POD_PREFIX_LENGTH = 24
MAX_NODES = 1 << (NODE_POD_PREFIX_LENGTH - POD_SUPERNET.length)
SYSTEM_NAMESPACES: tuple[str, ...] = ("kube-system", "monitoring")
SYSTEM_PODS = 3
"""kube-dns x2 in kube-system and one Prometheus in monitoring."""
SYSTEM_IDENTITIES = 2

POLICY_KINDS: tuple[str, ...] = (
    "allow-app",
    "allow-tier",
    "allow-namespace",
    "allow-monitoring",
    "allow-lb",
    "egress-internet",
    "egress-partner",
    "egress-db",
    "allow-nodeport-range",
    "allow-expressions",
)
"""Allow-policy shapes, drawn after each namespace's default-deny and DNS allow."""


class ShapeError(NetsimError):
    """A requested cluster shape that cannot be built (for example more identities than pods)."""


@dataclass(frozen=True, slots=True)
class ClusterShape:
    """The size of a synthetic cluster.

    ``pods`` counts every pod, the three system pods included; ``identities``
    (distinct namespace + label set pairs) defaults to about a third of the
    pods, ``namespaces`` (application namespaces, besides ``kube-system`` and
    ``monitoring``) to one per 150 pods. ``policies`` are spread evenly over
    the application namespaces; if there are fewer policies than namespaces,
    only the first namespaces get one (their default-deny).
    """

    pods: int
    policies: int
    identities: int | None = None
    namespaces: int | None = None
    pods_per_node: int = 100
    seed: int = 0

    @property
    def resolved_identities(self) -> int:
        """The identity count the generator will produce."""
        if self.identities is not None:
            return self.identities
        return max(SYSTEM_IDENTITIES + self.resolved_namespaces, self.pods // 3)

    @property
    def resolved_namespaces(self) -> int:
        """The number of application namespaces the generator will produce."""
        if self.namespaces is not None:
            return self.namespaces
        return max(1, min(round(self.pods / 150), self.pods - SYSTEM_PODS))

    def check(self) -> None:
        """Raise :class:`ShapeError` if this shape cannot be built."""
        ns = self.resolved_namespaces
        ids = self.resolved_identities
        problems = []
        if self.pods < SYSTEM_PODS + 1:
            problems.append(f"pods: must be at least {SYSTEM_PODS + 1}, got {self.pods}")
        if self.policies < 0:
            problems.append(f"policies: must be non-negative, got {self.policies}")
        if ns < 1:
            problems.append(f"namespaces: must be at least 1, got {ns}")
        if ids < SYSTEM_IDENTITIES + ns:
            problems.append(
                f"identities: must be at least {SYSTEM_IDENTITIES + ns} "
                f"(one per namespace plus {SYSTEM_IDENTITIES} system), got {ids}"
            )
        if ids - SYSTEM_IDENTITIES > self.pods - SYSTEM_PODS:
            problems.append(
                f"identities: {ids} needs at least "
                f"{ids - SYSTEM_IDENTITIES + SYSTEM_PODS} pods, got {self.pods}"
            )
        if self.pods_per_node < 1 or self.pods_per_node > 250:
            problems.append(f"pods_per_node: must be in 1..250, got {self.pods_per_node}")
        elif -(-self.pods // self.pods_per_node) > MAX_NODES:
            problems.append(
                f"pods_per_node: {self.pods} pods at {self.pods_per_node} per node "
                f"need more than {MAX_NODES} nodes"
            )
        if problems:
            raise ShapeError("invalid cluster shape: " + "; ".join(problems))


@dataclass(frozen=True, slots=True)
class Workload:
    """One Deployment of the synthetic cluster: its pods share one identity."""

    namespace: str
    app: str
    tier: str
    labels: Labels
    ports: tuple[ContainerPort, ...]
    replicas: int


@dataclass(frozen=True, slots=True)
class Synthetic:
    """A generated cluster and what the benchmarks need to know about it.

    ``cluster`` is the live (mutable) :class:`Cluster`; ``workloads`` are in
    creation order; ``external_ips`` are addresses that belong to no pod or
    node, some inside the ipBlock ranges the policies use, some outside.
    """

    shape: ClusterShape
    cluster: Cluster
    workloads: tuple[Workload, ...]
    namespaces: tuple[str, ...]
    external_ips: tuple[str, ...]

    @property
    def identities(self) -> int:
        """Distinct (namespace, labels) pairs among the pods."""
        return len(self.workloads)


def generate(shape: ClusterShape) -> Synthetic:
    """Build the synthetic cluster of ``shape`` (deterministic for a given seed)."""
    shape.check()
    rng = random.Random(shape.seed)
    cluster = Cluster()
    namespaces = _add_namespaces(cluster, shape.resolved_namespaces, rng)
    _add_nodes(cluster, shape)
    workloads = _plan_workloads(shape, namespaces, rng)
    _add_pods(cluster, workloads)
    _add_policies(cluster, namespaces, workloads, shape.policies, rng)
    return Synthetic(shape, cluster, tuple(workloads), tuple(namespaces), _external_ips(rng))


def _add_namespaces(cluster: Cluster, count: int, rng: random.Random) -> list[str]:
    cluster.add(Namespace("kube-system"))
    cluster.add(Namespace("monitoring", Labels.of(team="platform")))
    names: list[str] = []
    seen: dict[str, int] = {}
    for _ in range(count):
        team, env = rng.choice(TEAMS), rng.choice(ENVS)
        base = f"{team}-{env}"
        seen[base] = seen.get(base, 0) + 1
        name = base if seen[base] == 1 else f"{base}-{seen[base]}"
        labels = {"team": team, "env": env}
        if rng.random() < 0.3:
            labels["istio-injection"] = "enabled"
        cluster.add(Namespace(name, Labels.of(labels)))
        names.append(name)
    return names


def _add_nodes(cluster: Cluster, shape: ClusterShape) -> None:
    count = -(-shape.pods // shape.pods_per_node)
    block = 1 << (32 - NODE_POD_PREFIX_LENGTH)
    for i in range(count):
        cidr = Prefix(4, POD_SUPERNET.address(i * block), NODE_POD_PREFIX_LENGTH)
        ip = int_to_ip(NODE_NETWORK.address(i + 1))
        cluster.add(Node(f"node-{i + 1:05d}", ip, cidr))


def _plan_workloads(
    shape: ClusterShape, namespaces: list[str], rng: random.Random
) -> list[Workload]:
    app_ids = shape.resolved_identities - SYSTEM_IDENTITIES
    per_ns = [app_ids // len(namespaces)] * len(namespaces)
    for i in range(app_ids % len(namespaces)):
        per_ns[i] += 1
    planned: list[tuple[str, str, str, Labels, tuple[ContainerPort, ...]]] = []
    for ns, count in zip(namespaces, per_ns, strict=True):
        env = ns.split("-")[1]
        for j in range(count):
            base, tier = APPS[j % len(APPS)]
            app = base if j < len(APPS) else f"{base}-{j // len(APPS)}"
            values = {
                "app": app,
                "app.kubernetes.io/name": base,
                "tier": tier,
                "version": rng.choice(VERSIONS),
                "env": env,
            }
            ports = APP_PORTS.get(base, TIER_PORTS[tier])
            planned.append((ns, app, tier, Labels.of(values), ports))
    extra = shape.pods - SYSTEM_PODS - app_ids
    replicas = [1] * app_ids
    if extra:
        # Replica counts are skewed, as in real clusters: a few big Deployments.
        weights = [1.0 / (1 + (i % 50)) for i in range(app_ids)]
        rng.shuffle(weights)
        for index in rng.choices(range(app_ids), weights=weights, k=extra):
            replicas[index] += 1
    workloads = [
        Workload(
            "kube-system", "kube-dns", "system", Labels.of({"k8s-app": "kube-dns"}), DNS_PORTS, 2
        ),
        Workload(
            "monitoring",
            "prometheus",
            "system",
            Labels.of({"app": "prometheus", "app.kubernetes.io/name": "prometheus"}),
            (ContainerPort(9090, "TCP", "web"),),
            1,
        ),
    ]
    for (ns, app, tier, labels, ports), n in zip(planned, replicas, strict=True):
        workloads.append(Workload(ns, app, tier, labels, ports, n))
    return workloads


def _add_pods(cluster: Cluster, workloads: list[Workload]) -> None:
    nodes = sorted(cluster.nodes)
    placed = 0
    for w in workloads:
        for r in range(w.replicas):
            cluster.add(
                Pod(
                    name=f"{w.app}-{r}",
                    namespace=w.namespace,
                    labels=w.labels,
                    node=nodes[placed % len(nodes)],
                    container_ports=w.ports,
                    owner=f"Deployment/{w.app}",
                )
            )
            placed += 1


def _selector(**labels: str) -> LabelSelector:
    return LabelSelector(tuple(labels.items()))


def _ports(*specs: tuple[Protocol, int | str | None, int | None]) -> tuple[PolicyPort, ...]:
    return tuple(PolicyPort(protocol, port, end) for protocol, port, end in specs)


def _random_public_prefix(rng: random.Random, length: int) -> Prefix:
    while True:
        value = rng.randrange(1 << 24, 224 << 24)
        prefix = Prefix(4, value & ~((1 << (32 - length)) - 1) & 0xFFFFFFFF, length)
        if not any(p.contains(prefix) or prefix.contains(p) for p in PRIVATE_RANGES):
            return prefix


def _sub_prefix(rng: random.Random, outer: Prefix, length: int) -> Prefix:
    offset = rng.randrange(0, 1 << (length - outer.length)) << (32 - length)
    return Prefix(4, outer.network + offset, length)


def _add_policies(
    cluster: Cluster,
    namespaces: list[str],
    workloads: list[Workload],
    total: int,
    rng: random.Random,
) -> None:
    by_ns: dict[str, list[Workload]] = {}
    for w in workloads:
        by_ns.setdefault(w.namespace, []).append(w)
    budget = [total // len(namespaces)] * len(namespaces)
    for i in range(total % len(namespaces)):
        budget[i] += 1
    for ns, count in zip(namespaces, budget, strict=True):
        for k in range(count):
            cluster.add(_policy(ns, k, by_ns[ns], namespaces, rng))


def _policy(
    ns: str, k: int, local: list[Workload], namespaces: list[str], rng: random.Random
) -> NetworkPolicy:
    """The k-th policy of ``ns``: default-deny, DNS and same-namespace egress, random allows."""
    everything = LabelSelector()
    if k == 0:
        return NetworkPolicy("default-deny", ns, everything, ("Ingress", "Egress"))
    if k == 1:
        dns = PolicyPeer(
            pod_selector=_selector(**{"k8s-app": "kube-dns"}),
            namespace_selector=_selector(**{NAMESPACE_NAME_LABEL: "kube-system"}),
        )
        rule = PolicyRule((dns,), _ports(("UDP", 53, None), ("TCP", 53, None)))
        return NetworkPolicy("allow-dns", ns, everything, ("Egress",), egress=(rule,))
    if k == 2:
        rule = PolicyRule((PolicyPeer(pod_selector=everything),))
        return NetworkPolicy("egress-same-namespace", ns, everything, ("Egress",), egress=(rule,))
    kind = rng.choice(POLICY_KINDS)
    name = f"{kind}-{k}"
    target = rng.choice(local)
    to_app = _selector(app=target.app)
    if kind == "allow-app":
        peer = PolicyPeer(pod_selector=_selector(app=rng.choice(local).app))
        choices: list[int | str] = ["http", 8080, "grpc"]
        port = rng.choice(choices)
        ports = _ports(("TCP", port, None))
        return NetworkPolicy(name, ns, to_app, ingress=(PolicyRule((peer,), ports),))
    if kind == "allow-tier":
        rule = PolicyRule(
            (PolicyPeer(pod_selector=_selector(tier="frontend")),),
            _ports(("TCP", "http", None), ("TCP", "grpc", None)),
        )
        return NetworkPolicy(name, ns, _selector(tier="backend"), ingress=(rule,))
    if kind == "allow-namespace":
        peer = PolicyPeer(
            pod_selector=_selector(tier=rng.choice(["frontend", "backend"])),
            namespace_selector=_selector(team=rng.choice(TEAMS)),
        )
        other = PolicyPeer(
            namespace_selector=_selector(**{NAMESPACE_NAME_LABEL: rng.choice(namespaces)})
        )
        rule = PolicyRule((peer, other), _ports(("TCP", "http", None)))
        return NetworkPolicy(name, ns, to_app, ingress=(rule,))
    if kind == "allow-monitoring":
        peer = PolicyPeer(
            pod_selector=_selector(app="prometheus"),
            namespace_selector=_selector(**{NAMESPACE_NAME_LABEL: "monitoring"}),
        )
        rule = PolicyRule((peer,), _ports(("TCP", "metrics", None)))
        return NetworkPolicy(name, ns, everything, ingress=(rule,))
    if kind == "allow-lb":
        block = IPBlock(LOAD_BALANCER_RANGE, (_sub_prefix(rng, LOAD_BALANCER_RANGE, 28),))
        rule = PolicyRule((PolicyPeer(ip_block=block),), _ports(("TCP", 8080, None)))
        return NetworkPolicy(name, ns, _selector(tier="frontend"), ingress=(rule,))
    if kind == "egress-internet":
        block = IPBlock(Prefix.parse("0.0.0.0/0"), PRIVATE_RANGES)
        rule = PolicyRule((PolicyPeer(ip_block=block),), _ports(("TCP", 443, None)))
        return NetworkPolicy(name, ns, to_app, ("Egress",), egress=(rule,))
    if kind == "egress-partner":
        outer = _random_public_prefix(rng, rng.choice([16, 20, 22, 24]))
        block = IPBlock(outer, (_sub_prefix(rng, outer, outer.length + 4),))
        rule = PolicyRule((PolicyPeer(ip_block=block),), _ports(("TCP", 8000, 8999)))
        return NetworkPolicy(name, ns, to_app, ("Egress",), egress=(rule,))
    if kind == "egress-db":
        peer = PolicyPeer(
            pod_selector=LabelSelector(
                match_expressions=(Requirement("tier", "In", ("db", "cache")),)
            )
        )
        ports = _ports(("TCP", "postgres", None), ("TCP", "redis", None), ("TCP", 3306, None))
        rule = PolicyRule((peer,), ports)
        return NetworkPolicy(name, ns, _selector(tier="backend"), ("Egress",), egress=(rule,))
    if kind == "allow-nodeport-range":
        block = IPBlock(Prefix.parse("0.0.0.0/0"), (PRIVATE_RANGES[0],))
        rule = PolicyRule((PolicyPeer(ip_block=block),), _ports(("TCP", 30000, 32767)))
        return NetworkPolicy(name, ns, _selector(tier="frontend"), ingress=(rule,))
    # allow-expressions
    selector = LabelSelector(
        match_expressions=(
            Requirement("tier", "In", ("backend", "cache")),
            Requirement("version", "NotIn", ("canary",)),
        )
    )
    peer = PolicyPeer(
        pod_selector=LabelSelector(match_expressions=(Requirement("app", "Exists"),)),
        namespace_selector=LabelSelector(
            match_expressions=(Requirement("env", "NotIn", ("dev", "qa")),)
        ),
    )
    ports = _ports(("TCP", 8000, 8100), ("UDP", None, None))
    return NetworkPolicy(name, ns, selector, ingress=(PolicyRule((peer,), ports),))


def _external_ips(rng: random.Random, count: int = 64) -> tuple[str, ...]:
    """External addresses: half in the load-balancer range, half random public."""
    ips = []
    for i in range(count):
        if i % 2 == 0:
            value = LOAD_BALANCER_RANGE.address(rng.randrange(1, 255))
        else:
            value = _random_public_prefix(rng, 32).network
        ips.append(int_to_ip(value))
    return tuple(ips)


@dataclass(frozen=True, slots=True)
class Flow:
    """A new connection to decide: the arguments of ``PolicyEngine.allowed``."""

    src_ip: str
    dst_ip: str
    protocol: str
    dst_port: int


def sample_flows(synthetic: Synthetic, count: int, seed: int = 1) -> tuple[Flow, ...]:
    """Seeded pod->pod flows to ports the destination serves (mostly same namespace)."""
    rng = random.Random(seed)
    pods = synthetic.cluster.sorted_pods()
    by_ns: dict[str, list[Pod]] = {}
    for p in pods:
        by_ns.setdefault(p.namespace, []).append(p)
    flows = []
    for _ in range(count):
        src = rng.choice(pods)
        local = by_ns[src.namespace]
        dst = rng.choice(local) if rng.random() < 0.7 else rng.choice(pods)
        flows.append(_flow_to(src.ip, dst, rng))
    return tuple(flows)


def sample_external_flows(synthetic: Synthetic, count: int, seed: int = 2) -> tuple[Flow, ...]:
    """Seeded external IP -> pod flows (the ingress of the destination decides)."""
    rng = random.Random(seed)
    pods = synthetic.cluster.sorted_pods()
    return tuple(
        _flow_to(rng.choice(synthetic.external_ips), rng.choice(pods), rng) for _ in range(count)
    )


WARM_PORT = 1
"""The port of :func:`warm_flows` (tcpmux): no sampled flow uses it."""


def warm_flows(synthetic: Synthetic) -> tuple[Flow, ...]:
    """One flow from every pod to the next and from every external IP, to TCP port 1.

    Asking these first makes an engine meet every address (and build whatever
    it keeps per address) without deciding any flow the benchmarks then time.
    """
    pods = synthetic.cluster.sorted_pods()
    flows = [
        Flow(pod.ip, pods[(i + 1) % len(pods)].ip, "TCP", WARM_PORT) for i, pod in enumerate(pods)
    ]
    flows += [
        Flow(ip, pods[i % len(pods)].ip, "TCP", WARM_PORT)
        for i, ip in enumerate(synthetic.external_ips)
    ]
    return tuple(flows)


def _flow_to(src_ip: str, dst: Pod, rng: random.Random) -> Flow:
    if dst.container_ports and rng.random() < 0.9:
        cp = rng.choice(dst.container_ports)
        return Flow(src_ip, dst.ip, cp.protocol, cp.port)
    return Flow(src_ip, dst.ip, "TCP", rng.choice([80, 443, 8080, 30080]))


def extra_policy(
    synthetic: Synthetic, seed: int = 3, *, ip_block: bool | None = None
) -> NetworkPolicy:
    """A new allow policy for an incremental-update benchmark (not yet in the cluster).

    With ``ip_block`` True (False) it is the first policy drawn from ``seed``
    on that has (has no) ``ipBlock`` peer: an engine may treat the two kinds of
    change very differently.
    """
    while True:
        rng = random.Random(seed)
        ns = rng.choice(synthetic.namespaces)
        local = [w for w in synthetic.workloads if w.namespace == ns]
        drawn = _policy(ns, 3, local, list(synthetic.namespaces), rng)
        has_block = any(
            peer.ip_block is not None
            for rule in (*drawn.ingress, *drawn.egress)
            for peer in rule.peers
        )
        if ip_block is None or has_block == ip_block:
            return NetworkPolicy(
                f"bench-extra-{seed}",
                ns,
                drawn.pod_selector,
                drawn.policy_types,
                drawn.ingress,
                drawn.egress,
            )
        seed += 1


def relabelled_pod(synthetic: Synthetic, seed: int = 4) -> Pod:
    """A pod of the cluster with a changed ``tier`` label, for a relabel benchmark."""
    rng = random.Random(seed)
    pod = rng.choice(synthetic.cluster.sorted_pods())
    tier = "backend" if pod.labels.get("tier") != "backend" else "frontend"
    return pod.relabelled(pod.labels.with_label("tier", tier))


def prefix_workload(
    prefixes: int, addresses: int, seed: int = 0
) -> tuple[tuple[Prefix, ...], tuple[int, ...]]:
    """IPv4 prefixes shaped like a routing table, and addresses to look up.

    Lengths follow a BGP table's rough mix (most /24, some /16-/23, a few
    longer), a fifth of them nested inside earlier ones (as ``except`` blocks
    sit inside their ``cidr``); half the addresses fall inside some prefix.
    """
    rng = random.Random(seed)
    lengths = [8, 12, 16, 18, 20, 22, 23, 24, 24, 24, 24, 24, 26, 28, 32]
    chosen: dict[Prefix, None] = {}
    order: list[Prefix] = []
    while len(chosen) < prefixes:
        outer = rng.choice(order[-64:]) if order and rng.random() < 0.2 else None
        if outer is not None and outer.length < 32:
            prefix = _sub_prefix(rng, outer, rng.randint(outer.length + 1, 32))
        else:
            length = rng.choice(lengths)
            value = rng.getrandbits(32)
            prefix = Prefix(4, value & ~((1 << (32 - length)) - 1) & 0xFFFFFFFF, length)
        if prefix not in chosen:
            chosen[prefix] = None
            order.append(prefix)
    table = tuple(order)
    lookups = []
    for i in range(addresses):
        if i % 2 == 0:
            p = rng.choice(table)
            lookups.append(p.network + rng.randrange(0, 1 << (32 - p.length)))
        else:
            lookups.append(rng.getrandbits(32))
    return table, tuple(lookups)
