"""A host's eth0: a pod's end of its veth pair (into the node's bridge), or an external uplink.

:func:`host_send` is what a pod's or an external host's socket stack calls
to put a frame on the wire. A pod's frame to its own address stays on
``lo``; otherwise the pod addresses the next hop (a pod of its subnet, else
the bridge's gateway), resolving it first (:mod:`netsim.sim.arp`). At the
host end of the veth, the profile's spoofed-source check (Calico and
Cilium admit from a workload interface only the workload's own addresses),
the bridge learns the pod's MAC, and the node stack takes the frame.
"""

from __future__ import annotations

from netsim.sim.arp import neighbour_mac, resolve
from netsim.sim.flow import Frame
from netsim.sim.internet import from_internet
from netsim.sim.topology import Host
from netsim.sim.world import World


def host_send(world: World, host: Host, frame: Frame) -> None:
    """Pod or external ``host`` puts ``frame`` on its eth0."""
    if not host.alive:
        return
    recorder = world.recorder
    recorder.counters.packets += 1
    frame.src_mac = host.mac
    if host.kind == "external":
        from_internet(world, host, frame)
        return
    if frame.dst == host.ip:  # the pod's own address goes over lo, never eth0
        recorder.deliver(host, frame, 0.0)
        return
    node = world.nodes[host.node]
    bridge = node.bridge
    lo, hi = host.on_link
    hop = frame.dst if lo <= frame.dst <= hi else host.gateway
    mac = host.neigh.get(hop)
    if mac is None:
        if host.version == 6:
            mac = neighbour_mac(world, bridge, host, hop)
            if mac is None:
                return
            host.neigh[hop] = mac
        else:
            resolve(world, bridge, host, hop, frame, lambda h, f: host_send(world, h, f))
            return
    frame.dst_mac = mac
    recorder.cap(host.iface, frame, 0.0)
    if frame.src != host.ip and world.hook.profile.drop_spoofed:
        recorder.drop(host.iface, frame, "spoofed-source", world.links.veth_latency)
        return
    bridge.learn(host.mac, host.key)
    node.receive(frame, host, world.links.veth_latency)
