"""What every node stack shares: the hosts by address, the nodes, kube-proxy, the policy hook.

One :class:`World` per network, filled by the network as pods, nodes and
external hosts come and go. Node stacks see each other through the small
:class:`NodeLike` protocol (a stack hands a routed frame to the next node's
:meth:`NodeLike.receive`), so this module imports no stack.
"""

from __future__ import annotations

import random
from typing import Protocol

import simpy

from netsim.sim.bridge import Bridge
from netsim.sim.flow import Frame
from netsim.sim.hook import PolicyHook
from netsim.sim.kubeproxy import KubeProxy
from netsim.sim.link import Links, wire_delay
from netsim.sim.recorder import Recorder
from netsim.sim.topology import Host


class NodeLike(Protocol):
    """What a node stack needs of another node: its addresses and its receiving end."""

    @property
    def name(self) -> str:
        """The node's name."""
        ...

    @property
    def mac(self) -> int:
        """The MAC of the node's eth0."""
        ...

    @property
    def iface(self) -> str:
        """The capture name of the node's eth0 (``node-1 eth0``)."""
        ...

    @property
    def cidr(self) -> tuple[int, int]:
        """The node's pod CIDR as (first, last) address."""
        ...

    @property
    def bridge(self) -> Bridge:
        """The node's ``cni0``."""
        ...

    @property
    def host(self) -> Host:
        """The node's root network namespace."""
        ...

    def receive(self, frame: Frame, origin: Host | None, delay: float) -> None:
        """``frame`` enters the node (from a pod's veth, its own stack, or eth0)."""
        ...


class World:
    """The network-wide tables node stacks look up (filled by the network)."""

    def __init__(
        self,
        env: simpy.Environment,
        rng: random.Random,
        links: Links,
        recorder: Recorder,
        kube_proxy: KubeProxy,
        hook: PolicyHook,
    ) -> None:
        self.env = env
        self.rng = rng
        self.links = links
        self.recorder = recorder
        self.kube_proxy = kube_proxy
        self.hook = hook
        self.by_ip: dict[int, Host] = {}
        self.nodes: dict[str, NodeLike] = {}
        self.node_by_ip: dict[int, NodeLike] = {}
        self.external: dict[int, Host] = {}

    def in_pod_cidr(self, ip: int) -> bool:
        """Whether ``ip`` lies in some node's pod CIDR."""
        return any(lo <= ip <= hi for lo, hi in (n.cidr for n in self.nodes.values()))

    def routable(self, dst: int) -> bool:
        """Whether some host or node owns ``dst``."""
        return dst in self.by_ip or dst in self.node_by_ip or dst in self.external

    def wire_delay(self, frame: Frame, latency: float) -> float:
        """Delay of ``frame`` over a node or internet link; -1 when it is lost."""
        links = self.links
        if not links.loss and not links.bandwidth:
            return latency
        return wire_delay(links, self.rng, frame, latency)
