"""kube-proxy's PREROUTING stage on one node: which Service frontend a new flow hits, and where to.

:func:`service_dnat` reads the kube-proxy tables (:mod:`netsim.sim.kubeproxy`)
for the first packet of a flow and says what iptables would do with it:

- ``pass``: no frontend; the packet goes on unchanged;
- ``no-route``: a Service IP with no frontend on that protocol and port;
- ``no-local-endpoints``: ``externalTrafficPolicy: Local`` from outside with
  endpoints only on other nodes (kube-proxy's ``-j DROP``);
- ``reject``: no endpoint at all (kube-proxy's ``-j REJECT``);
- ``dnat``: to the chosen endpoint (one of the usable ones, chosen with the
  network's seeded generator), marked for masquerade when it came through an
  external frontend (NodePort, LoadBalancer) of an ``externalTrafficPolicy:
  Cluster`` Service; the MASQUERADE itself runs in POSTROUTING.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from netsim.model.kubeproxyrules import choose_endpoint
from netsim.sim.flow import Frame
from netsim.sim.kubeproxy import Endpoint, Frontend, KubeProxy

DnatKind = Literal["pass", "no-route", "no-local-endpoints", "reject", "dnat"]


@dataclass(frozen=True, slots=True)
class Dnat:
    """What kube-proxy does with a new flow (see the module docstring)."""

    kind: DnatKind
    frontend: Frontend | None = None
    endpoint: Endpoint | None = None
    masquerade: bool = False


PASS = Dnat("pass")


def service_dnat(
    kube_proxy: KubeProxy,
    node_ip: int,
    node_name: str,
    frame: Frame,
    from_pod: bool,
    rng: random.Random,
) -> Dnat:
    """kube-proxy's decision for the first packet of a flow entering ``node_name``.

    ``from_pod``: the packet comes from a pod of this node (pods reaching an
    external frontend short-circuit to every endpoint: kube-proxy's
    ``-s <clusterCIDR> -j KUBE-SVC-...`` in ``KUBE-EXT-...``).
    """
    dst = frame.dst
    if dst not in kube_proxy.vips and dst != node_ip:
        return PASS
    tables_key = (frame.proto, dst, frame.dport)
    frontend = kube_proxy.cluster_ips.get(tables_key)
    external = False
    if frontend is None:
        frontend = kube_proxy.lb_ips.get(tables_key)
        if frontend is None and dst == node_ip:
            # NodePort rules match local addresses only (-m addrtype --dst-type LOCAL)
            frontend = kube_proxy.node_ports.get((frame.proto, frame.dport))
        external = frontend is not None
    if frontend is None:
        return Dnat("no-route") if dst in kube_proxy.vips else PASS
    endpoints = frontend.endpoints
    local_only = external and frontend.external_traffic_policy == "Local" and not from_pod
    if local_only:
        endpoints = tuple(e for e in endpoints if e.node == node_name)
    if not endpoints:
        if local_only and frontend.endpoints:
            return Dnat("no-local-endpoints", frontend)
        return Dnat("reject", frontend)
    ep = choose_endpoint(endpoints, rng)
    # externalTrafficPolicy: Cluster: kube-proxy marks every packet to an external
    # frontend (KUBE-EXT-...: "masquerade traffic for ... external destinations",
    # pods' too). With Local, pods short-circuit and outsiders keep their address.
    masquerade = external and frontend.external_traffic_policy != "Local"
    return Dnat("dnat", frontend, ep, masquerade)
