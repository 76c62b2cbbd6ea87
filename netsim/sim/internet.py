"""The internet: external hosts behind one router, reaching node IPs and load-balancer IPs.

Frames from an external host cross the internet's last router (one TTL
decrement, its MAC as the source) to the node that owns the destination
address, or for a load-balancer IP to the first node (by name) that may
serve it (with ``externalTrafficPolicy: Local``, only nodes with a local
endpoint). Frames to an external host leave a node's eth0 for the router.
"""

from __future__ import annotations

from netsim.sim.flow import Frame
from netsim.sim.link import EXTERNAL_GATEWAY_MAC
from netsim.sim.topology import Host
from netsim.sim.world import NodeLike, World


def from_internet(world: World, host: Host, frame: Frame) -> None:
    """External ``host`` puts ``frame`` on its interface (towards the router)."""
    recorder = world.recorder
    external = world.links.external_latency
    frame.dst_mac = EXTERNAL_GATEWAY_MAC
    recorder.cap(host.iface, frame, 0.0)
    node = world.node_by_ip.get(frame.dst)
    if node is None:
        node = lb_node(world, frame)
    if node is None:
        recorder.drop("internet", frame, "no-route", external)
        return
    # The internet's last router routed it: one hop, and its MAC as the source.
    frame.ttl -= 1
    if frame.ttl <= 0:
        recorder.drop("internet", frame, "ttl-exceeded", external)
        return
    frame.src_mac, frame.dst_mac = EXTERNAL_GATEWAY_MAC, node.mac
    delay = world.wire_delay(frame, external)
    if delay < 0:
        recorder.drop("internet", frame, "link-loss", external)
        return
    recorder.cap(node.iface, frame, delay)
    node.receive(frame, None, delay)


def lb_node(world: World, frame: Frame) -> NodeLike | None:
    """The node the load balancer sends ``frame`` to (None: not a load-balancer frontend)."""
    frontend = world.kube_proxy.lb_ips.get((frame.proto, frame.dst, frame.dport))
    if frontend is None:
        return None
    names = sorted(world.nodes)
    if frontend.external_traffic_policy == "Local":
        local = sorted({e.node for e in frontend.endpoints})
        names = [n for n in names if n in local]
    return world.nodes[names[0]] if names else None


def to_internet(
    world: World, node: str, node_mac: int, node_iface: str, frame: Frame, ext: Host, delay: float
) -> None:
    """Node ``node`` sends ``frame`` out of its eth0 to external host ``ext``."""
    recorder = world.recorder
    frame.src_mac, frame.dst_mac = node_mac, EXTERNAL_GATEWAY_MAC
    recorder.cap(node_iface, frame, delay)
    wire = world.wire_delay(frame, world.links.external_latency)
    if wire < 0:
        recorder.drop(node, frame, "link-loss", delay)
        return
    delay += wire
    frame.src_mac, frame.dst_mac = EXTERNAL_GATEWAY_MAC, ext.mac
    recorder.cap(ext.iface, frame, delay)
    recorder.deliver(ext, frame, delay)
