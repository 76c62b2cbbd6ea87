"""What became of one injected packet: :class:`PacketFate`, and the watcher that learns it.

``Network.send`` hands the network a frame and a :class:`FateWatch`; the
network reports to the watch where that very frame (the same object, which NAT
rewrites in place) was dropped, which enforcement points let it pass and on
which host it arrived, and which frame came back the other way. The watch
knows nothing of the network, so this module imports nothing of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from netsim.policy.verdict import SideDecision
from netsim.sim.flow import PROTO_ICMP, PROTO_ICMPV6, Frame

if TYPE_CHECKING:
    from netsim.sim.packet import Packet


@dataclass(frozen=True, slots=True)
class PacketFate:
    """The fate of one packet sent with ``Network.send``.

    ``delivered``: it reached a host's stack (``delivered_to``: ``ns/pod``,
    ``node/NAME`` or ``external/NAME``). ``dropped_by``: the policies that
    isolated the enforcement point that dropped it (``ns/name``), or the
    cluster-wide policy whose Deny rule decided (``AdminNetworkPolicy/name``);
    empty when it was not a policy drop. ``reason``: for a drop, the drop reason as the
    trace words it (``policy-ingress: no-rule-matched``, ``spoofed-source``,
    ``no-route``...); for a delivery, the allowing rule of each enforcement
    point it passed (``;``-separated), or the engine's reason when no rule was
    needed (``not-isolated``), or ``""`` when no enforcement point judged it
    (bridged, or a later packet of a tracked flow). ``reply``: the first
    packet sent back to its source (SYN-ACK, RST, ICMP echo reply, DNS
    answer), as scapy renders it from the wire bytes, or None.
    """

    delivered: bool
    delivered_to: str | None
    dropped_by: tuple[str, ...]
    reason: str
    reply: Packet | None

    def __str__(self) -> str:
        if self.delivered:
            text = f"delivered to {self.delivered_to}"
        else:
            text = "dropped"
            if self.dropped_by:
                text += f" by {', '.join(self.dropped_by)}"
        if self.reason:
            text += f" ({self.reason})"
        if self.reply is not None:
            text += f", reply: {self.reply.summary()}"
        return text


def _is_reply(sent: tuple[int, int, int, int, int], frame: Frame) -> bool:
    """Whether ``frame`` answers a frame whose key was ``sent`` (before any NAT)."""
    proto, src, sport, dst, dport = sent
    if frame.proto != proto or frame.src != dst or frame.dst != src:
        return False
    if proto in (PROTO_ICMP, PROTO_ICMPV6):
        return frame.sport == sport  # the echo identifier
    return frame.sport == dport and frame.dport == sport


class FateWatch:
    """Collects what the network reports about one frame (mutable, one per ``send``)."""

    def __init__(self, frame: Frame) -> None:
        self.frame = frame
        self.sent = frame.key
        self.delivered_to: str | None = None
        self.drop_reason: str | None = None
        self.isolating: tuple[str, ...] = ()
        self.allows: list[str] = []
        self.reply: Frame | None = None

    def dropped(self, frame: Frame, reason: str, d: SideDecision | None) -> None:
        """The network dropped (or rejected) ``frame`` for ``reason``."""
        if frame is not self.frame or self.drop_reason is not None:
            return
        self.drop_reason = reason if d is None else f"{reason}: {d.reason}"
        if d is not None:
            self.isolating = d.denied_by

    def allowed(self, frame: Frame, d: SideDecision) -> None:
        """An enforcement point let ``frame`` pass with decision ``d``."""
        if frame is self.frame:
            self.allows.append(str(d.rule) if d.rule is not None else d.reason)

    def arrived(self, host_key: str, frame: Frame) -> None:
        """``frame`` reached the stack of ``host_key``."""
        if frame is self.frame:
            if self.delivered_to is None:
                self.delivered_to = host_key
        elif self.reply is None and _is_reply(self.sent, frame):
            self.reply = frame.copy()

    def fate(self, render: Callable[[Frame], Any]) -> PacketFate:
        """The fate learnt so far; ``render`` turns the reply frame into a scapy packet."""
        delivered = self.delivered_to is not None and self.drop_reason is None
        reply = render(self.reply) if self.reply is not None else None
        if delivered:
            return PacketFate(True, self.delivered_to, (), "; ".join(self.allows), reply)
        reason = self.drop_reason or "lost"
        return PacketFate(False, None, self.isolating, reason, reply)
