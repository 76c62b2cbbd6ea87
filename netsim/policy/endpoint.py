"""The two ends of a connection as NetworkPolicy sees them: a pod, a node or an external host.

Resolution is shared by the reference evaluator, the compiled engine and
explain, so all three agree on what an address *is*:

- an IP that is a (non-hostNetwork) pod's IP is that pod;
- an IP that is a node's IP is that node ("node traffic", SEMANTICS.md §26);
- any other IP is a cluster-external host (§15).

A hostNetwork pod shares its node's IP, so by IP it is always node traffic. By
name (``ns/pod``) it is node traffic under the ``host_network: node`` profile
(the docs' "ignored: treated as node traffic" case, §27) and a pod under
``host_network: pod``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from netsim.addr import int_to_ip, is_ip, parse_ip
from netsim.errors import LookupFailed
from netsim.model.cluster import Cluster
from netsim.model.kubeproxyrules import port_endpoints
from netsim.model.objects import Pod, Service
from netsim.policy.profile import Profile

EndpointKind = Literal["pod", "node", "external"]

L4_PROTOCOLS: frozenset[str] = frozenset({"TCP", "UDP", "SCTP"})
"""The protocols NetworkPolicy is defined for; others (ICMP) follow ``Profile.filter_icmp``."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One end of a connection: ``kind`` says whether policy sees a pod, a node or an outsider.

    ``version``/``value`` are the IP as ints; ``pod`` is set for pods, ``node``
    names the pod's node (for pods) or the node itself (for node endpoints).
    """

    kind: EndpointKind
    ip: str
    version: int
    value: int
    pod: Pod | None = None
    node: str = ""

    @property
    def is_pod(self) -> bool:
        """True when policy treats this end as a pod (selectable, may be isolated)."""
        return self.kind == "pod"

    def __str__(self) -> str:
        if self.pod is not None and self.kind == "pod":
            return self.pod.key
        if self.kind == "node":
            return f"node:{self.node}"
        return self.ip


def selectable(pod: Pod, profile: Profile) -> bool:
    """Tell whether policy sees ``pod`` as a pod (hostNetwork pods only in ``pod`` mode)."""
    return not pod.host_network or profile.host_network == "pod"


def pod_endpoint(cluster: Cluster, pod: Pod, profile: Profile) -> Endpoint:
    """The endpoint of a pod given by name (a hostNetwork pod may be node traffic)."""
    if not pod.ip:
        raise LookupFailed(f'pod "{pod.key}" has no IP address')
    version, value = parse_ip(pod.ip)
    if not selectable(pod, profile):
        return Endpoint("node", pod.ip, version, value, None, pod.node)
    return Endpoint("pod", pod.ip, version, value, pod, pod.node)


def ip_endpoint(cluster: Cluster, ip: str) -> Endpoint:
    """The endpoint of a bare IP: the pod that has it, else the node, else external."""
    try:
        version, value = parse_ip(ip)
    except ValueError:
        raise LookupFailed(f'"{ip}" is not an IP address') from None
    ip = int_to_ip(value, version)  # canonical: ::ffff:10.0.0.5 is 10.0.0.5 (addr.unmap)
    pod = cluster.pod_by_ip(ip)
    if pod is not None:
        return Endpoint("pod", ip, version, value, pod, pod.node)
    for node in cluster.nodes.values():
        if node.ip == ip:
            return Endpoint("node", ip, version, value, None, node.name)
    return Endpoint("external", ip, version, value)


def node_endpoint(cluster: Cluster, name: str) -> Endpoint:
    """The endpoint of node ``name`` (traffic from the node's own IP)."""
    node = cluster.nodes.get(name)
    if node is None:
        raise LookupFailed(f'nodes "{name}" not found')
    version, value = parse_ip(node.ip)
    return Endpoint("node", node.ip, version, value, None, node.name)


def resolve(cluster: Cluster, text: str, profile: Profile) -> Endpoint:
    """Resolve ``ns/pod``, ``node:NAME`` or an IP address; raise LookupFailed otherwise."""
    text = text.strip()
    if text.startswith("node:"):
        return node_endpoint(cluster, text[len("node:") :])
    if is_ip(text):
        return ip_endpoint(cluster, text)
    if text.count("/") == 1 and all(text.split("/")):
        return pod_endpoint(cluster, cluster.pod(text), profile)
    raise LookupFailed(f'"{text}" is neither "namespace/pod", "node:NAME" nor an IP address')


@dataclass(frozen=True, slots=True)
class ServiceTarget:
    """A ``svc:ns/name`` destination after DNAT: the backend pod and its target port."""

    service: Service
    backend: Pod
    port: int
    protocol: str


def service_targets(cluster: Cluster, key: str, port: int, protocol: str) -> list[ServiceTarget]:
    """DNAT ``svc:ns/name`` port ``port``: every backend pod with its resolved targetPort.

    Policy ports are pod (target) ports, not Service ports (SEMANTICS.md §21,
    §29); a named targetPort is resolved per backend pod, and a backend without
    that named port is no endpoint of this Service port (as the EndpointSlice
    controller leaves it out).
    """
    service = cluster.service(key)
    matches = [sp for sp in service.ports if sp.port == port and sp.protocol == protocol]
    if not matches:
        have = ", ".join(f"{sp.port}/{sp.protocol}" for sp in service.ports) or "none"
        raise LookupFailed(f'service "{key}" has no port {port}/{protocol} (ports: {have})')
    targets = [
        ServiceTarget(service, pod, number, protocol)
        for pod, number in port_endpoints(cluster, service, matches[0])
    ]
    if not targets:
        raise LookupFailed(f'service "{key}" has no ready endpoints for port {port}/{protocol}')
    return targets
