"""The port space cut where verdicts can change, and port sets written compactly.

A verdict depends on the destination port only through the policies' port terms,
NetworkPolicy and cluster-wide (:mod:`netsim.policy.portcuts`, read with the engine's
profile): cutting 1..65535 there gives elementary intervals in which every port
decides alike. Intervals that every term treats the same (contained in the same
ranges, the same named-port resolutions) are merged into one :class:`PortClass`, so
e.g. all ports no policy mentions form a single "any other port" class: one
``class_matrix`` call per class covers every port.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from netsim.policy.engine import PolicyEngine
from netsim.policy.portcuts import MAX_PORT, Interval, merge_intervals, port_edges

PROTOCOLS: tuple[str, ...] = ("TCP", "UDP", "SCTP")
"""The protocols NetworkPolicy filters (ICMP is not, under every shipped profile but one)."""


@dataclass(frozen=True, slots=True)
class PortClass:
    """Ports of one protocol that every policy term treats alike.

    ``intervals`` are disjoint, sorted inclusive ranges; ``representative`` is the
    port the engine is asked about (the first port of the first interval).
    """

    protocol: str
    intervals: tuple[Interval, ...]

    @property
    def representative(self) -> int:
        """The port whose verdicts stand for the whole class."""
        return self.intervals[0][0]


def port_classes(engine: PolicyEngine, protocol: str) -> list[PortClass]:
    """Partition 1..65535 of ``protocol`` into classes of ports that decide alike.

    Classes come in the order of their first port; together they cover every port.
    """
    edges = port_edges([engine.cluster], protocol, engine.profile.end_port)
    cuts = [*edges.cuts(), MAX_PORT + 1]
    by_key: dict[tuple[object, ...], list[Interval]] = {}
    for first, nxt in itertools.pairwise(cuts):
        key = (
            tuple(a <= first <= b for a, b in edges.ranges),
            tuple(sorted((name, tuple(sorted(on))) for name, n, on in edges.named if n == first)),
        )
        by_key.setdefault(key, []).append((first, nxt - 1))
    classes = [PortClass(protocol, merge_intervals(found)) for found in by_key.values()]
    return sorted(classes, key=lambda c: c.intervals[0])


def all_port_classes(engine: PolicyEngine) -> list[PortClass]:
    """Port classes of every filtered protocol (TCP, UDP, SCTP, in that order)."""
    return [c for protocol in PROTOCOLS for c in port_classes(engine, protocol)]


def single_port_classes(ports: Sequence[tuple[str, int]]) -> list[PortClass]:
    """One class per given (protocol, port): the graph restricted to those ports."""
    return [PortClass(protocol, ((port, port),)) for protocol, port in dict.fromkeys(ports)]


def union(classes: Iterable[PortClass]) -> dict[str, list[Interval]]:
    """The ports of several classes, per protocol, merged."""
    found: dict[str, list[Interval]] = {}
    for cls in classes:
        found.setdefault(cls.protocol, []).extend(cls.intervals)
    return {p: list(merge_intervals(found[p])) for p in PROTOCOLS if p in found}


def format_ports(ports: Mapping[str, Sequence[Interval]]) -> str:
    """``TCP 80,443,8000-8999; UDP 53``; ``TCP all`` for a whole protocol; ``all`` for all
    ports of TCP, UDP and SCTP; ``none`` for nothing."""
    full = [(1, MAX_PORT)]
    if all(list(ports.get(p, ())) == full for p in PROTOCOLS):
        return "all"
    parts = []
    for protocol in PROTOCOLS:
        intervals = list(ports.get(protocol, ()))
        if not intervals:
            continue
        if intervals == full:
            parts.append(f"{protocol} all")
            continue
        text = ",".join(str(a) if a == b else f"{a}-{b}" for a, b in intervals)
        parts.append(f"{protocol} {text}")
    return "; ".join(parts) or "none"
