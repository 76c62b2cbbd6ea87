"""Replay a real capture into the simulated cluster: each frame's fate, in order.

``replay(net, path, at)`` reads a pcap or pcapng file (scapy reads both) and
hands every frame to ``Network.send`` at one endpoint, as if that endpoint had
put it on its interface. The frames keep their addresses: a capture taken on
another cluster carries that cluster's addresses, and a source address that is
not the endpoint's own is what ``drop_spoofed`` profiles drop. Frames that are
not IP (ARP, LLDP...) or of an IP version the endpoint lacks are reported as
skipped, with why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netsim.errors import UnsupportedError
from netsim.sim.fate import PacketFate

if TYPE_CHECKING:
    from netsim.sim.contracts import SimNet

REPLAY_WAIT = 0.1
"""Simulated seconds each replayed frame is given to land and be answered."""


@dataclass(frozen=True, slots=True)
class Replayed:
    """One frame of the capture: its number (from 1), scapy's one-line summary, and its
    fate, or why it was not sent (``skipped``)."""

    number: int
    summary: str
    fate: PacketFate | None
    skipped: str = ""

    def line(self) -> str:
        """``N  SUMMARY  ->  FATE`` as ``netsim replay`` prints it."""
        outcome = f"skipped: {self.skipped}" if self.fate is None else str(self.fate)
        return f"{self.number:>5}  {self.summary}  ->  {outcome}"

    def as_json(self) -> dict[str, Any]:
        """The record ``netsim replay --json`` prints for this frame."""
        record: dict[str, Any] = {"frame": self.number, "summary": self.summary}
        if self.fate is None:
            record["skipped"] = self.skipped
            return record
        fate = self.fate
        record.update(
            delivered=fate.delivered,
            delivered_to=fate.delivered_to,
            dropped_by=list(fate.dropped_by),
            reason=fate.reason,
            reply=fate.reply.summary() if fate.reply is not None else None,
        )
        return record


def replay(net: SimNet, path: str | Path, at: str, wait: float = REPLAY_WAIT) -> list[Replayed]:
    """Send every frame of the capture at ``path`` from endpoint ``at``; their fates."""
    from netsim.sim.packet import is_ip_packet, read_capture

    net.host(at)  # an unknown endpoint fails before anything is read
    results = []
    for number, packet in enumerate(read_capture(path), start=1):
        summary = packet.summary()
        if not is_ip_packet(packet):
            results.append(Replayed(number, summary, None, "not an IP packet"))
            continue
        try:
            fate = net.send(packet, at, wait)
        except UnsupportedError as exc:
            results.append(Replayed(number, summary, None, str(exc)))
            continue
        results.append(Replayed(number, summary, fate))
    return results


def replay_json(results: list[Replayed]) -> str:
    """The ``--json`` document: one record per frame."""
    return json.dumps([r.as_json() for r in results], indent=2)
