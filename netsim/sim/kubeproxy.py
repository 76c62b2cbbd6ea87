"""kube-proxy in iptables mode: Service VIPs -> endpoint pods, chosen with the network's seed.

The table is rebuilt from the Cluster whenever a Service or a pod changes (after a pod
change, lazily: when a table is next read).
An endpoint is a pod the Service selects that has an IP; a named
``targetPort`` is resolved per endpoint pod (a pod without that container
port is not an endpoint of that Service port, as the EndpointSlice
controller does). ClusterIP, NodePort (on every node's IP) and LoadBalancer
(on the Service's load-balancer IP) frontends are kept apart because their
NAT differs: with ``externalTrafficPolicy: Cluster`` external traffic is
SNATed to the receiving node's IP in POSTROUTING, after that node's policy
checks (an endpoint pod on the receiving node is checked against the client
IP; one on another node sees the receiving node's IP: the client IP is
lost); with ``Local`` only endpoints on the receiving node are used and the
client IP is kept. netsim.sim.network applies the NAT in that order.

The ``default/kubernetes`` Service has no selector; its endpoint is the
apiserver on the first node (the control plane, hostNetwork, port 6443), as
the apiserver itself maintains it.

The rules themselves (a named ``targetPort`` per endpoint pod, NodePort and
load-balancer IP allocation, the random endpoint choice) are
:mod:`netsim.model.kubeproxyrules`; this module keeps the tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from netsim.addr import parse_ip
from netsim.model import Cluster, Service, ServicePort
from netsim.model.kubeproxyrules import (
    EXTERNAL_TYPES,
    allocate_lb_ips,
    allocate_node_ports,
    port_endpoints,
)
from netsim.sim.flow import PROTO_NUMBERS

APISERVER_SERVICE: Final = "default/kubernetes"
APISERVER_PORT: Final = 6443


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One backend of one Service port: the pod, its IP as int, the resolved target port."""

    pod: str
    node: str
    ip: int
    port: int


@dataclass(frozen=True, slots=True)
class Frontend:
    """One Service port as kube-proxy programs it."""

    service: str
    port: ServicePort
    endpoints: tuple[Endpoint, ...]
    external_traffic_policy: str


class KubeProxy:
    """The NAT tables of kube-proxy for the whole cluster (every node has the same rules).

    Reading a table (``cluster_ips``, ``node_ports``, ``lb_ips``, ``vips``,
    ``assigned_node_ports``, ``assigned_lb_ips``) always sees the cluster as of the
    last :meth:`rebuild` call.
    """

    def __init__(self) -> None:
        self._cluster_ips: dict[tuple[int, int, int], Frontend] = {}
        self._node_ports: dict[tuple[int, int], Frontend] = {}
        self._lb_ips: dict[tuple[int, int, int], Frontend] = {}
        self._vips: set[int] = set()
        self._assigned_node_ports: dict[tuple[str, int], int] = {}
        self._assigned_lb_ips: dict[str, str] = {}
        self._services_built: dict[str, Service] = {}
        self._stale: Cluster | None = None

    def rebuild(self, cluster: Cluster) -> None:
        """Recompute every frontend from the cluster's Services and pods.

        When the Services are the ones of the last build (a pod was added, changed or
        deleted), only endpoints can differ and no allocation moves, so the tables are
        recomputed when one is next read: creating N pods costs one rebuild before the
        next packet instead of N rebuilds of every Service's endpoints (quadratic in pods).
        A Service change rebuilds at once, so allocations follow creation order.
        """
        if self._same_services(cluster):
            self._stale = cluster
            return
        self._stale = None
        self._build(cluster)

    def _same_services(self, cluster: Cluster) -> bool:
        built, services = self._services_built, cluster.services
        return len(built) == len(services) and all(
            services.get(key) is svc for key, svc in built.items()
        )

    def _fresh(self) -> None:
        if self._stale is not None:
            cluster, self._stale = self._stale, None
            self._build(cluster)

    @property
    def cluster_ips(self) -> dict[tuple[int, int, int], Frontend]:
        """ClusterIP frontends by (protocol, VIP, port)."""
        self._fresh()
        return self._cluster_ips

    @property
    def node_ports(self) -> dict[tuple[int, int], Frontend]:
        """NodePort frontends by (protocol, node port), the same on every node."""
        self._fresh()
        return self._node_ports

    @property
    def lb_ips(self) -> dict[tuple[int, int, int], Frontend]:
        """LoadBalancer frontends by (protocol, load-balancer IP, port)."""
        self._fresh()
        return self._lb_ips

    @property
    def vips(self) -> set[int]:
        """Every ClusterIP and load-balancer IP, as ints."""
        self._fresh()
        return self._vips

    @property
    def assigned_node_ports(self) -> dict[tuple[str, int], int]:
        """The NodePort of each (Service key, port), explicit or allocated."""
        self._fresh()
        return self._assigned_node_ports

    @property
    def assigned_lb_ips(self) -> dict[str, str]:
        """The load-balancer IP of each LoadBalancer Service, explicit or allocated."""
        self._fresh()
        return self._assigned_lb_ips

    def _build(self, cluster: Cluster) -> None:
        self._services_built = dict(cluster.services)
        self._cluster_ips.clear()
        self._node_ports.clear()
        self._lb_ips.clear()
        self._vips.clear()
        self._assigned_node_ports = allocate_node_ports(cluster.services, self._assigned_node_ports)
        self._assigned_lb_ips = allocate_lb_ips(cluster.services, self._assigned_lb_ips)
        apiserver = _apiserver(cluster)
        for key in sorted(cluster.services):
            svc = cluster.services[key]
            lb_ip = self._assigned_lb_ips.get(key, "")
            for sp in svc.ports:
                proto = PROTO_NUMBERS[sp.protocol]
                endpoints = tuple(
                    Endpoint(pod.key, pod.node, parse_ip(pod.ip)[1], port)
                    for pod, port in port_endpoints(cluster, svc, sp)
                )
                if key == APISERVER_SERVICE and svc.selector is None and apiserver:
                    node_name, node_ip = apiserver
                    port = sp.target_port if isinstance(sp.target_port, int) else sp.port
                    endpoints = (Endpoint("kube-apiserver", node_name, node_ip, port),)
                frontend = Frontend(key, sp, endpoints, svc.external_traffic_policy)
                if svc.cluster_ip and svc.cluster_ip != "None":
                    _, vip = parse_ip(svc.cluster_ip)
                    self._vips.add(vip)
                    self._cluster_ips[(proto, vip, sp.port)] = frontend
                if svc.type in EXTERNAL_TYPES:
                    node_port = self._assigned_node_ports[(key, sp.port)]
                    self._node_ports[(proto, node_port)] = frontend
                if lb_ip:
                    _, lb = parse_ip(lb_ip)
                    self._vips.add(lb)
                    self._lb_ips[(proto, lb, sp.port)] = frontend


def _apiserver(cluster: Cluster) -> tuple[str, int] | None:
    """The control-plane node (the first by name) that serves the apiserver, as (name, ip)."""
    if not cluster.nodes:
        return None
    node = cluster.nodes[sorted(cluster.nodes)[0]]
    return node.name, parse_ip(node.ip)[1]
