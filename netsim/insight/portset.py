"""Port-interval sets per protocol, and their compact text (``TCP 80,443,8000-8999``, ``all``).

A :class:`PortIntervals` is a set of (protocol, port) pairs kept as sorted,
merged, inclusive intervals per protocol, so a set covering every port of every
protocol is a handful of tuples and prints as ``all``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from netsim.model.netpol import PROTOCOLS
from netsim.policy.portcuts import MAX_PORT, MIN_PORT, merge_intervals

__all__ = [
    "MAX_PORT",
    "MIN_PORT",
    "PortIntervals",
    "intervals_text",
    "merge_intervals",
]


def intervals_text(intervals: Iterable[tuple[int, int]]) -> str:
    """``80,443,8000-8999`` (``all`` for 1-65535)."""
    merged = merge_intervals(intervals)
    if merged == ((MIN_PORT, MAX_PORT),):
        return "all"
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in merged)


@dataclass(frozen=True, slots=True)
class PortIntervals:
    """A set of (protocol, port) pairs: ``items`` maps each protocol to merged intervals.

    ``items`` is sorted in ``PROTOCOLS`` order and holds no empty protocol.
    """

    items: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = ()

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, int, int]]) -> PortIntervals:
        """Build from (protocol, first, last) triples (any order, may overlap)."""
        by_protocol: dict[str, list[tuple[int, int]]] = {}
        for protocol, first, last in pairs:
            by_protocol.setdefault(protocol, []).append((first, last))
        order: dict[str, int] = {p: i for i, p in enumerate(PROTOCOLS)}
        return cls(
            tuple(
                (p, merge_intervals(by_protocol[p]))
                for p in sorted(by_protocol, key=lambda p: (order.get(p, len(order)), p))
            )
        )

    @classmethod
    def everything(cls) -> PortIntervals:
        """Every port of every protocol NetworkPolicy knows."""
        return cls.of((p, MIN_PORT, MAX_PORT) for p in PROTOCOLS)

    def triples(self) -> list[tuple[str, int, int]]:
        """The set as (protocol, first, last) triples."""
        return [(p, a, b) for p, intervals in self.items for a, b in intervals]

    def ports(self, protocol: str) -> tuple[tuple[int, int], ...]:
        """The intervals of one protocol (empty when none)."""
        return dict(self.items).get(protocol, ())

    def __bool__(self) -> bool:
        return bool(self.items)

    def union(self, other: PortIntervals) -> PortIntervals:
        """Every pair in either set."""
        return PortIntervals.of([*self.triples(), *other.triples()])

    def contains(self, protocol: str, port: int) -> bool:
        """Tell whether (protocol, port) is in the set."""
        return any(a <= port <= b for a, b in self.ports(protocol))

    @property
    def is_everything(self) -> bool:
        """True when every port of every protocol is in the set."""
        return self == PortIntervals.everything()

    def __str__(self) -> str:
        """``TCP 80,443,8000-8999; UDP 53``, ``TCP all``, or ``all`` (everything)."""
        if self.is_everything:
            return "all"
        return "; ".join(f"{p} {intervals_text(iv)}" for p, iv in self.items)
