"""Links: veth pairs, the node network and the internet uplink; latency, loss, bandwidth.

A veth pair is a fixed one-way latency (no loss). The node network and the
internet uplink add an optional random loss (drawn from the network's
seeded generator, so a run is repeatable) and serialisation delay at a
bandwidth, with no queueing. MACs are ints derived from the IP as the bridge
CNI plugin does (``0a:58:<ip>`` for pods).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from netsim.sim.flow import Frame

EXTERNAL_GATEWAY_MAC: Final = 0x02_00_00_00_00_FE
"""The MAC of the internet's last router (the source of every frame from the internet)."""


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


DEFAULT_LINKS: Final = Links()


def mac_for(ip: int, prefix: int) -> int:
    """A MAC as int: a 16-bit ``prefix`` and the low 32 bits of ``ip``."""
    return (prefix << 32) | (ip & 0xFFFFFFFF)


def wire_delay(links: Links, rng: random.Random, frame: Frame, latency: float) -> float:
    """Latency plus serialisation on a node or internet link; -1 when the frame is lost."""
    if links.loss and rng.random() < links.loss:
        return -1.0
    if links.bandwidth:
        latency += (54 + len(frame.payload)) * 8 / links.bandwidth
    return latency
