"""A node's Linux bridge ``cni0``: ports (the host ends of pod veths), MAC learning, flooding.

The bridge holds the first address of the node's pod CIDR (the pods' gateway)
with MAC ``0a:58:<gateway>``. Its forwarding database maps a MAC to the port
(pod key) it was last seen on, learnt from the source MAC of each frame a pod
sends. A frame for a MAC the database does not know goes out of every other
port (unknown unicast), as does a broadcast (an ARP request); the other
pods' stacks discard it, their captures see it.
"""

from __future__ import annotations

from netsim.sim.flow import Frame
from netsim.sim.link import mac_for
from netsim.sim.recorder import Recorder
from netsim.sim.topology import Host


class Bridge:
    """``cni0`` of one node: gateway address and MAC, ports, forwarding database."""

    def __init__(self, gateway: int, recorder: Recorder) -> None:
        self.gateway = gateway
        self.mac = mac_for(gateway, 0x0A58)
        self.fdb: dict[int, str] = {}
        self.ports: dict[str, Host] = {}
        self._recorder = recorder
        self._order: list[tuple[str, str]] | None = None

    def attach(self, host: Host) -> None:
        """Plug a pod's veth into the bridge."""
        self.ports[host.key] = host
        self._order = None

    def detach(self, host: Host) -> None:
        """Unplug a pod's veth and forget its MAC."""
        if self.ports.pop(host.key, None) is not None:
            self._order = None
        self.fdb.pop(host.mac, None)

    def learn(self, mac: int, key: str) -> None:
        """``mac`` was seen on the port of ``key``."""
        self.fdb[mac] = key

    def knows(self, host: Host) -> bool:
        """Whether the database sends ``host``'s MAC to its port (else the frame floods)."""
        return self.fdb.get(host.mac) == host.key

    def flood(self, frame: Frame, skip: tuple[str | None, ...], delay: float) -> None:
        """Copy ``frame`` out of every port but those of ``skip`` (in port name order)."""
        order = self._order
        if order is None:
            order = self._order = [(key, self.ports[key].iface) for key in sorted(self.ports)]
        self._recorder.cap_each([iface for key, iface in order if key not in skip], frame, delay)
