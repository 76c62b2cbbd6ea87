"""Representative flows: check "no flow of this kind is allowed" exactly, not by sampling.

A verdict depends on the port only through the port boundaries of the policies,
NetworkPolicy and cluster-wide (:mod:`netsim.policy.portcuts`): between two
consecutive boundaries every port gets the same verdict. Likewise an
address outside the pods and nodes is judged only by which ipBlock ``cidr`` and
``except`` ranges hold it. So one port per port interval and one address per address
interval (plus every pod and node address) stand for all 65535 ports and all
addresses. Boundaries are taken from every cluster given, so two clusters (a
solution and a mutant) are compared on a common partition.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from netsim.addr import Prefix, int_to_ip, is_ip, parse_ip
from netsim.insight.space import cidr_prefixes
from netsim.lab.checkspec import PROTOCOLS, FlowPattern, ForbidSpec, PortRange
from netsim.model.cluster import Cluster
from netsim.policy.engine import PolicyEngine
from netsim.policy.portcuts import port_cuts as cluster_port_cuts

MAX_PORT = 65535


@dataclass(frozen=True, slots=True, order=True)
class Point:
    """One end of a representative flow: ``label`` is ``ns/pod`` for a pod, else the IP."""

    label: str
    ip: str
    is_pod: bool = False


@dataclass(frozen=True, slots=True, order=True)
class Flow:
    """A representative flow (``src``/``dst`` labels as :class:`Point` gives them)."""

    src: str
    dst: str
    protocol: str
    port: int
    src_ip: str = ""
    dst_ip: str = ""


# ---------------------------------------------------------------------- ports
def port_cuts(
    clusters: Iterable[Cluster], protocol: str, extra: Iterable[PortRange] = ()
) -> tuple[int, ...]:
    """Every port where the verdict may change for ``protocol``, sorted (1 and 65535 included).

    ``extra`` adds ranges whose edges matter too (a check's own ``except`` ports).
    """
    cuts = {1, MAX_PORT, *cluster_port_cuts(clusters, protocol)}
    for r in extra:
        cuts |= {r.first, r.last + 1}
    return tuple(sorted(c for c in cuts if 1 <= c <= MAX_PORT))


def ports_in(cuts: Sequence[int], ranges: Sequence[PortRange] | None) -> tuple[int, ...]:
    """Representative ports inside ``ranges`` (None: every port): each range's first port
    and every cut inside it."""
    if ranges is None:
        return tuple(cuts)
    out = set()
    for r in ranges:
        out.add(r.first)
        out |= {c for c in cuts if r.first < c <= r.last}
    return tuple(sorted(out))


# ------------------------------------------------------------------ addresses
def address_points(
    clusters: Sequence[Cluster], within: Prefix, extra: Iterable[Prefix] = ()
) -> list[Point]:
    """Representative addresses of ``within``: one per interval between ipBlock edges,
    every pod and node address (pods as pods), each followed by its next address."""
    cuts = {within.network}
    for prefix in (*cidr_prefixes(clusters), *extra):
        if prefix.version == within.version:
            cuts |= {prefix.network, prefix.last + 1}
    pods: dict[str, str] = {}
    for cluster in clusters[:1]:
        for pod in cluster.pods.values():
            if pod.ip and not pod.host_network:
                pods[pod.ip] = pod.key
        hosts = [pod.ip for pod in cluster.pods.values() if pod.ip]
        hosts += [node.ip for node in cluster.nodes.values()]
        for ip in hosts:
            version, value = parse_ip(ip)
            if version == within.version:
                cuts |= {value, value + 1}
    out = []
    for value in sorted(c for c in cuts if within.network <= c <= within.last):
        ip = int_to_ip(value, within.version)
        out.append(Point(pods[ip], ip, True) if ip in pods else Point(ip, ip))
    return out


def pod_points(cluster: Cluster, namespace: str | None = None) -> list[Point]:
    """Every pod with an IP (of one namespace if given), in name order."""
    return [
        Point(p.key, p.ip, True)
        for p in cluster.sorted_pods()
        if p.ip and (namespace is None or p.namespace == namespace)
    ]


def outside_points(cluster: Cluster, found: Iterable[Point]) -> list[Point]:
    """The points that are neither pods nor nodes (hosts outside the cluster)."""
    inside = {p.ip for p in cluster.pods.values()} | {n.ip for n in cluster.nodes.values()}
    return [p for p in found if not p.is_pod and p.ip not in inside]


def points(
    text: str, cluster: Cluster, clusters: Sequence[Cluster], extra: Iterable[Prefix] = ()
) -> list[Point]:
    """The representatives of an endpoint pattern: ``*``, ``ns/*``, ``ns/pod``, IP, CIDR.

    A CIDR stands for the hosts outside the cluster in it (pods are named by ``*`` and
    ``ns/*``; a pod's own node is always allowed to reach it).
    """
    if text == "*":
        return pod_points(cluster)
    if text.endswith("/*"):
        return pod_points(cluster, text[:-2])
    if is_ip(text):
        pod = cluster.pod_by_ip(text)
        return [Point(pod.key, text, True) if pod is not None else Point(text, text)]
    if "/" in text and is_ip(text.split("/", 1)[0]):
        return outside_points(cluster, address_points(clusters, Prefix.parse(text), extra))
    pod = cluster.pods.get(text)
    return [Point(pod.key, pod.ip, True)] if pod is not None and pod.ip else []


# ------------------------------------------------------------------- matching
def endpoint_matches(pattern: str, point: Point) -> bool:
    """Tell whether an endpoint pattern covers a representative point."""
    if pattern == "*":
        return point.is_pod
    if pattern.endswith("/*"):
        return point.is_pod and point.label.split("/", 1)[0] == pattern[:-2]
    if is_ip(pattern):
        return point.ip == pattern
    if "/" in pattern and is_ip(pattern.split("/", 1)[0]):
        version, value = parse_ip(point.ip)
        return Prefix.parse(pattern).contains_ip(version, value)
    return point.is_pod and point.label == pattern


def excepted(
    patterns: Sequence[FlowPattern], src: Point, dst: Point, proto: str, port: int
) -> bool:
    """Tell whether an ``except`` entry covers the flow."""
    return any(
        (p.src is None or endpoint_matches(p.src, src))
        and (p.dst is None or endpoint_matches(p.dst, dst))
        and (p.protocol is None or p.protocol == proto)
        and (p.port is None or port in p.port)
        for p in patterns
    )


def _pattern_prefixes(patterns: Sequence[FlowPattern]) -> list[Prefix]:
    out = []
    for p in patterns:
        for text in (p.src, p.dst):
            if text and "/" in text and is_ip(text.split("/", 1)[0]):
                out.append(Prefix.parse(text))
            elif text and is_ip(text):
                version, value = parse_ip(text)
                out.append(Prefix.host(version, value))
    return out


def forbid_flows(spec: ForbidSpec, cluster: Cluster) -> Iterator[Flow]:
    """Every representative flow a forbid check covers, in a fixed order, minus ``except``."""
    extra = _pattern_prefixes(spec.except_)
    sources = points(spec.src, cluster, [cluster], extra)
    destinations = points(spec.dst, cluster, [cluster], extra)
    except_ports = [p.port for p in spec.except_ if p.port is not None]
    for protocol in spec.protocols:
        cuts = port_cuts([cluster], protocol, except_ports)
        ports = ports_in(cuts, spec.ports)
        for src in sources:
            for dst in destinations:
                if src.ip == dst.ip:
                    continue
                for port in ports:
                    if not excepted(spec.except_, src, dst, protocol, port):
                        yield Flow(src.label, dst.label, protocol, port, src.ip, dst.ip)


def allowed_flows(engine: PolicyEngine, flows: Iterable[Flow]) -> list[Flow]:
    """The flows the engine allows, in the order given."""
    return [f for f in flows if engine.allowed(f.src_ip, f.dst_ip, f.protocol, f.port)]


# ---------------------------------------------------------------- equivalence
def verdict_table(engine: PolicyEngine, clusters: Sequence[Cluster]) -> dict[Flow, bool]:
    """The verdict of every representative flow between pods, and between pods and the
    representative outside addresses, on the ports cut by every cluster in ``clusters``.

    Two answers whose tables are equal allow exactly the same traffic (labels, not IPs,
    name the flows, so tables from two runs of one lab compare).
    """
    cluster = engine.cluster
    pods = pod_points(cluster)
    outside = outside_points(cluster, address_points(clusters, Prefix.parse("0.0.0.0/0")))
    out: dict[Flow, bool] = {}
    for protocol in PROTOCOLS:
        ports = port_cuts(clusters, protocol)
        pairs = [(a, b) for a in pods for b in pods if a.ip != b.ip]
        pairs += [(a, b) for a in pods for b in outside] + [(b, a) for a in pods for b in outside]
        for src, dst in pairs:
            for port in ports:
                flow = Flow(src.label, dst.label, protocol, port)
                out[flow] = engine.allowed(src.ip, dst.ip, protocol, port)
    return out
