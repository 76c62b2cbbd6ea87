"""The pieces of the live network: hosts (pod, node, external), nodes, links, captures.

Mutable state with one owner each: a :class:`Host` is one network namespace
with its stack and neighbour cache; a :class:`NodeState` is a node's root
namespace with its bridge forwarding database and conntrack table. Addresses
are ints; MACs are ints derived from the IP as the bridge CNI plugin does
(``0a:58:<ip>`` for pods).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from netsim.addr import parse_ip
from netsim.model import Pod
from netsim.sim.conntrack import Conntrack
from netsim.sim.flow import Frame

if TYPE_CHECKING:
    from netsim.sim.sockets import Stack

HostKind = Literal["pod", "node", "external"]


@dataclass(frozen=True, slots=True)
class Links:
    """Link properties: one-way latencies (seconds), and for the node and internet links
    an optional random loss rate (drawn from the network's seeded generator) and a
    bandwidth in bits per second (serialisation delay, no queueing)."""

    veth_latency: float = 20e-6
    node_latency: float = 100e-6
    external_latency: float = 500e-6
    loss: float = 0.0
    bandwidth: float | None = None


DEFAULT_LINKS = Links()


def mac_for(ip: int, prefix: int) -> int:
    """A MAC as int: a 16-bit ``prefix`` and the low 32 bits of ``ip``."""
    return (prefix << 32) | (ip & 0xFFFFFFFF)


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


class NodeState:
    """A node's root namespace: bridge, fdb, conntrack, routes."""

    def __init__(self, name: str, ip: str, cidr_lo: int, cidr_hi: int, version: int) -> None:
        self.name = name
        self.ip_text = ip
        self.ip = parse_ip(ip)[1]
        self.version = version
        self.cidr = (cidr_lo, cidr_hi)
        self.gateway = cidr_lo + 1
        self.mac = mac_for(self.ip, 0x0242)
        self.bridge_mac = mac_for(self.gateway, 0x0A58)
        self.fdb: dict[int, str] = {}
        self.ports: dict[str, Host] = {}
        self.conntrack = Conntrack()
        self.host: Host
        self.iface = f"{name} eth0"


@dataclass(frozen=True, slots=True)
class Capture:
    """One captured frame: simulated time, interface, and the frame's fields."""

    time: float
    order: int
    interface: str
    frame: Frame
