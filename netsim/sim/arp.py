"""Neighbour resolution on a pod's eth0: ARP for IPv4, known neighbours for IPv6.

A pod resolves the next hop of a frame (a pod of its own subnet, else the
bridge's gateway address) before it can address it. For IPv4 it broadcasts
an ARP request, which the bridge floods to every other port; the owner (or
the bridge's own ARP responder for the gateway) answers with a unicast
reply. Meanwhile at most ``unres_qlen`` = 3 frames wait per unresolved
neighbour (Linux's default); more are dropped, and when nobody answers the
queued frames are dropped too. IPv6 neighbours are known without NDP frames.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from netsim.sim.bridge import Bridge
from netsim.sim.flow import BROADCAST_MAC, Frame
from netsim.sim.topology import Host
from netsim.sim.world import World

ARP_QUEUE: Final = 3
"""Linux's ``unres_qlen``: frames kept per unresolved neighbour."""


def neighbour_mac(world: World, bridge: Bridge, host: Host, ip: int) -> int | None:
    """The MAC that answers for ``ip`` on ``host``'s subnet, or None (nobody)."""
    if ip == bridge.gateway:
        return bridge.mac
    peer = world.by_ip.get(ip)
    if peer is not None and peer.node == host.node:
        return peer.mac
    return None


def resolve(
    world: World,
    bridge: Bridge,
    host: Host,
    hop: int,
    frame: Frame,
    resend: Callable[[Host, Frame], None],
) -> None:
    """Queue ``frame`` until ``hop`` is resolved over ARP, then ``resend`` it (and the others)."""
    recorder = world.recorder
    queue = host.pending.setdefault(hop, [])
    if len(queue) >= ARP_QUEUE:
        recorder.drop(host.iface, frame, "neighbour-queue-full", 0.0)
        return
    queue.append(frame)
    if len(queue) > 1:
        return
    veth = world.links.veth_latency
    request = Frame(4, 0, host.ip, 0, hop, 0, 1, src_mac=host.mac, dst_mac=BROADCAST_MAC)
    recorder.cap(host.iface, request, 0.0)
    bridge.learn(host.mac, host.key)
    bridge.flood(request, (host.key,), veth * 2)
    mac = neighbour_mac(world, bridge, host, hop)
    if mac is None:  # nobody answers: the kernel gives up on the queued packets
        for queued in host.pending.pop(hop, []):
            recorder.drop(host.iface, queued, "neighbour-unreachable", 0.0)
        return
    if mac != bridge.mac:
        bridge.learn(mac, world.by_ip[hop].key)
    reply = Frame(4, 0, hop, 0, host.ip, 0, 2, src_mac=mac, dst_mac=host.mac)
    rtt = veth * (2 if mac == bridge.mac else 4)
    recorder.cap(host.iface, reply, rtt)

    def resolved(_event: object) -> None:
        host.neigh[hop] = mac
        for queued in host.pending.pop(hop, []):
            recorder.counters.packets -= 1
            resend(host, queued)

    timeout = world.env.timeout(rtt)
    timeout.callbacks.append(resolved)
