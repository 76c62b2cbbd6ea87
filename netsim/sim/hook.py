"""The seam between the simulated network and the policy engine, typed on ints.

A node stack asks the policy hook one enforcement point per call: the
source's egress when the source pod lives on that node, the destination's
ingress when the destination pod does. It describes the new flow with a
:class:`FlowKey` of ints (as the frame carries them) and reads the hook's
:class:`~netsim.policy.profile.Profile` for the switches that are not
decisions (spoofed sources, hairpin, cutting established flows).

:class:`EngineHook` adapts an engine with the string-typed entry points of
:class:`netsim.policy.engine.PolicyEngine` (``egress(src_ip, dst_ip,
protocol, dst_port)``) to :class:`PolicyHook`; the address text of each int
is computed once and kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from netsim.addr import int_to_ip
from netsim.policy.profile import Profile
from netsim.policy.verdict import SideDecision
from netsim.sim.flow import policy_protocol


@dataclass(frozen=True, slots=True)
class FlowKey:
    """A new flow as the policy hook sees it, after DNAT and before SNAT.

    ``version`` 4 or 6, ``src``/``dst`` addresses as ints, ``protocol`` the IP
    protocol number (6 TCP, 17 UDP, 132 SCTP, 1/58 ICMP, 47 GRE...),
    ``dst_port`` the destination port (0 for protocols without ports).
    """

    version: int
    src: int
    dst: int
    protocol: int
    dst_port: int


class PolicyHook(Protocol):
    """Everything the network asks of the policy engine."""

    @property
    def profile(self) -> Profile:
        """The CNI profile in force (it may change between two calls)."""
        ...

    def egress(self, flow: FlowKey) -> SideDecision:
        """The source pod's egress decision for a new flow."""
        ...

    def ingress(self, flow: FlowKey) -> SideDecision:
        """The destination pod's ingress decision for a new flow."""
        ...


class TextPolicy(Protocol):
    """An engine with string-typed entry points (PolicyEngine, the naive evaluator)."""

    @property
    def profile(self) -> Profile:
        """The CNI profile the engine judges with."""
        ...

    def egress(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> SideDecision:
        """The source's egress decision."""
        ...

    def ingress(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> SideDecision:
        """The destination's ingress decision."""
        ...


class EngineHook:
    """A :class:`PolicyHook` over a :class:`TextPolicy` engine (ints to address text)."""

    def __init__(self, engine: TextPolicy) -> None:
        self.engine = engine
        self._text: dict[tuple[int, int], str] = {}

    @property
    def profile(self) -> Profile:
        """The engine's profile."""
        return self.engine.profile

    def name(self, version: int, ip: int, text: str) -> None:
        """Spell ``ip`` as ``text`` towards the engine (a pod's address as its manifest has it)."""
        self._text[(version, ip)] = text

    def text(self, version: int, ip: int) -> str:
        """The address text of ``ip`` (cached)."""
        found = self._text.get((version, ip))
        if found is None:
            found = self._text[(version, ip)] = int_to_ip(ip, version)
        return found

    def _args(self, flow: FlowKey) -> tuple[str, str, str, int]:
        """``flow`` as the string-typed engine takes it."""
        text = self.text
        protocol = policy_protocol(flow.protocol)
        return text(flow.version, flow.src), text(flow.version, flow.dst), protocol, flow.dst_port

    def egress(self, flow: FlowKey) -> SideDecision:
        """The engine's egress decision for ``flow``."""
        return self.engine.egress(*self._args(flow))

    def ingress(self, flow: FlowKey) -> SideDecision:
        """The engine's ingress decision for ``flow``."""
        return self.engine.ingress(*self._args(flow))
