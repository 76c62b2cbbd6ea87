"""What the host programs (busybox applets, servers, nslookup, replay) need of the network.

The applets in :mod:`netsim.sim.apps`, :mod:`netsim.sim.shellutils` and
:mod:`netsim.sim.nslookup` run inside a :class:`netsim.sim.network.Network`,
which builds and calls them; they see it through :class:`SimNet` only, so
they never import the network module (no import circle).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

import simpy

from netsim.model import Cluster
from netsim.sim.dns import ClusterDns
from netsim.sim.fate import PacketFate
from netsim.sim.topology import Host
from netsim.sim.trace import Counters

if TYPE_CHECKING:
    from netsim.sim.packet import Packet


class NodeView(Protocol):
    """A node's addresses as ``ip addr`` shows them."""

    @property
    def version(self) -> int:
        """4 or 6."""
        ...

    @property
    def cidr(self) -> tuple[int, int]:
        """The node's pod CIDR as (first, last) address."""
        ...

    @property
    def gateway(self) -> int:
        """The bridge's address (the pods' gateway)."""
        ...

    @property
    def bridge_mac(self) -> int:
        """The MAC of ``cni0``."""
        ...


class SimNet(Protocol):
    """The network as the programs running in its hosts see it."""

    @property
    def cluster(self) -> Cluster:
        """The cluster the network simulates."""
        ...

    @property
    def env(self) -> simpy.Environment:
        """The simulation's clock and event queue."""
        ...

    @property
    def rng(self) -> random.Random:
        """The network's seeded generator."""
        ...

    @property
    def dns(self) -> ClusterDns:
        """The cluster DNS (and the names of external hosts)."""
        ...

    @property
    def nodes(self) -> Mapping[str, NodeView]:
        """The nodes by name."""
        ...

    @property
    def now(self) -> float:
        """Simulated seconds since the network started."""
        ...

    def host(self, key: str) -> Host:
        """The host of a pod, node or external client."""
        ...

    def counters(self) -> Counters:
        """The network's packet counters."""
        ...

    def send(self, packet: Packet | bytes, at: str, wait: float = ...) -> PacketFate:
        """Put one packet on the interface of ``at``; its fate."""
        ...
