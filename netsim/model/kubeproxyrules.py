"""kube-proxy's rules about Services, decided once: endpoints per port, NodePorts, LB IPs.

Every part of netsim that turns a Service into backends or frontends (the
simulator's kube-proxy, the policy engine's Service resolution, the kubectl
emulation, the dataplane renderer) should ask here:

- :func:`target_port`: a Service port's ``targetPort`` on one endpoint pod. A
  number is used as is; a name is looked up in the pod's container ports
  for the Service port's protocol, and a pod without it is no endpoint of
  that Service port (the EndpointSlice controller leaves it out:
  https://kubernetes.io/docs/concepts/services-networking/service/#field-spec-ports).
- :func:`port_endpoints`: the endpoints of one Service port, in pod order.
- :func:`choose_endpoint`: one endpoint of several, uniformly at random as
  kube-proxy's iptables ``statistic --mode random`` rules do, from a seeded
  generator.
- :func:`allocate_node_ports` and :func:`allocate_lb_ips`: the NodePorts and
  load-balancer IPs a manifest leaves unset, allocated deterministically
  (NodePorts from 30000 upward, LB IPs from 198.51.100.0/24, TEST-NET-2; the
  lowest free one, Services in key order), an earlier allocation kept while
  its Service (port) exists and no explicit value takes it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Final, TypeVar

from netsim.addr import int_to_ip, ip_to_int
from netsim.model.cluster import Cluster
from netsim.model.objects import Pod, Service, ServicePort

NODE_PORT_BASE: Final = 30000
"""The first NodePort allocated (the default ``--service-node-port-range`` starts here)."""
LB_POOL: Final = "198.51.100.0"
"""The network load-balancer IPs are allocated from (its .1 first)."""
EXTERNAL_TYPES: Final = frozenset(("NodePort", "LoadBalancer"))
"""Service types that open a NodePort on every node."""

T = TypeVar("T")


def target_port(pod: Pod, port: ServicePort) -> int | None:
    """The port ``pod`` receives Service port ``port`` on, or None (not an endpoint of it)."""
    if isinstance(port.target_port, int):
        return port.target_port
    return pod.named_port(port.target_port, port.protocol)


def port_endpoints(cluster: Cluster, service: Service, port: ServicePort) -> list[tuple[Pod, int]]:
    """The endpoints of one Service port: (pod, resolved target port), in pod order."""
    found = []
    for pod in cluster.endpoints(service):
        number = target_port(pod, port)
        if number is not None and pod.ip:
            found.append((pod, number))
    return found


def choose_endpoint(endpoints: Sequence[T], rng: random.Random) -> T:
    """One of ``endpoints`` (not empty), uniformly at random; a single one draws nothing."""
    if len(endpoints) == 1:
        return endpoints[0]
    return endpoints[rng.randrange(len(endpoints))]


def allocate_node_ports(
    services: Mapping[str, Service], previous: Mapping[tuple[str, int], int]
) -> dict[tuple[str, int], int]:
    """The NodePort of every (Service key, port) of NodePort and LoadBalancer Services.

    An explicit ``nodePort`` wins; else the one ``previous`` gave the same
    Service port (unless an explicit one now takes it); else the lowest free
    port from :data:`NODE_PORT_BASE` up, Services in key order.
    """
    explicit = {
        sp.node_port
        for svc in services.values()
        if svc.type in EXTERNAL_TYPES
        for sp in svc.ports
        if sp.node_port
    }
    auto = {
        (key, sp.port)
        for key, svc in services.items()
        if svc.type in EXTERNAL_TYPES
        for sp in svc.ports
        if not sp.node_port
    }
    kept = {k: v for k, v in previous.items() if k in auto and v not in explicit}
    used = explicit | set(kept.values())
    found = dict(kept)
    following = NODE_PORT_BASE
    for key in sorted(services):
        svc = services[key]
        if svc.type not in EXTERNAL_TYPES:
            continue
        for sp in svc.ports:
            number = sp.node_port or found.get((key, sp.port))
            if number is None:
                while following in used:
                    following += 1
                number = following
                used.add(number)
            found[(key, sp.port)] = number
    return found


def allocate_lb_ips(services: Mapping[str, Service], previous: Mapping[str, str]) -> dict[str, str]:
    """The load-balancer IP of every LoadBalancer Service (by key).

    An explicit ``loadBalancerIP`` wins; else the one ``previous`` gave the
    Service (unless an explicit one now takes it); else the lowest free address
    of :data:`LB_POOL` from .1 up, Services in key order.
    """
    balancers = {k: s for k, s in services.items() if s.type == "LoadBalancer"}
    explicit = {s.load_balancer_ip for s in balancers.values() if s.load_balancer_ip}
    kept = {
        k: v
        for k, v in previous.items()
        if k in balancers and not balancers[k].load_balancer_ip and v not in explicit
    }
    used = explicit | set(kept.values())
    found = dict(kept)
    base = ip_to_int(LB_POOL)
    index = 0
    for key in sorted(balancers):
        ip = balancers[key].load_balancer_ip or found.get(key, "")
        while not ip:
            index += 1
            candidate = int_to_ip(base + index, 4)
            if candidate not in used:
                ip = candidate
                used.add(ip)
        found[key] = ip
    return found
