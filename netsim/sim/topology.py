"""The pieces of the live network: hosts (pod, node, external) and captured frames.

Mutable state with one owner: a :class:`Host` is one network namespace with
its stack and neighbour cache (a node's root namespace is a Host too; its
bridge, conntrack and netfilter stages are :mod:`netsim.sim.nodestack`).
Addresses are ints; MACs are ints derived from the IP as the bridge CNI
plugin does (``0a:58:<ip>`` for pods); links in :mod:`netsim.sim.link`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from netsim.addr import parse_ip
from netsim.model import Pod
from netsim.sim.flow import Frame
from netsim.sim.link import DEFAULT_LINKS as DEFAULT_LINKS
from netsim.sim.link import Links as Links
from netsim.sim.link import mac_for as mac_for
from netsim.sim.sockets import Stack

HostKind = Literal["pod", "node", "external"]


class Host:
    """One network endpoint with a stack: a pod's netns, a node's root netns, an external client."""

    def __init__(self, key: str, kind: HostKind, ip: str, node: str, mac: int) -> None:
        self.key = key
        self.kind = kind
        self.ip_text = ip
        self.version, self.ip = parse_ip(ip)
        self.node = node
        self.mac = mac
        self.iface = f"{key} eth0"
        self.pod: Pod | None = None
        self.neigh: dict[int, int] = {}
        self.pending: dict[int, list[Frame]] = {}
        self.search: tuple[str, ...] = ()
        self.stack: Stack
        self.on_link: tuple[int, int] = (0, -1)
        self.gateway = 0
        self.alive = True


@dataclass(frozen=True, slots=True)
class Capture:
    """One captured frame: simulated time, interface, and the frame's fields."""

    time: float
    order: int
    interface: str
    frame: Frame
