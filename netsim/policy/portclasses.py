"""Port classes: the destination ports that every compiled rule treats alike.

A rule's ports decide on the port line only at term edges (SEMANTICS.md
§16-§20; :mod:`netsim.policy.portcuts` cuts a *cluster's* line the same way):
a number or ``port``..``endPort`` range starts a segment at its first port and
after its last; a named port matches one number per destination, so every
number a registered named-port signature declares is a one-port segment of its
own. Inside one segment every :class:`~netsim.match.ports.PortSet` answers
alike, for every destination, so the engine keeps its side entries per
*class* (one segment of one protocol) instead of per port.

Class ids are stable: edges are only ever added (a removed policy's edges
stay: a finer cut is still exact), and adding one splits a class in two, the
part from the new edge on taking the next free id. Every answer a class's
entries give holds for both parts (what is cut at the new edge is new), so
the owner extends its per-class lists by copying the old column
(:attr:`PortClasses.splits`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping

from netsim.match.ports import PortSet

PORT_LIMIT = 65536
"""Ports 0..65535 have a class; anything else is decided off the class tables."""
CLASS_PROTOCOLS = ("TCP", "UDP", "SCTP")
"""The protocols with port classes (NetworkPolicy's L4 protocols), in class-number order."""


class PortClasses:
    """Per protocol, port -> class id; per class id, its protocol and first port."""

    def __init__(self) -> None:
        self.tables: dict[str, list[int]] = {}
        """protocol -> a list of :data:`PORT_LIMIT` class ids (a live dict: fast paths read it)."""
        self.firsts: list[tuple[str, int]] = []
        """class id -> (protocol, first port): the port that speaks for the whole class."""
        self.splits: list[tuple[int, int]] = []
        """(old class, new class) for every split so far, in order."""
        self._starts: dict[str, list[int]] = {}
        for protocol in CLASS_PROTOCOLS:
            self.tables[protocol] = [len(self.firsts)] + [len(self.firsts) + 1] * (PORT_LIMIT - 1)
            self.firsts += [(protocol, 0), (protocol, 1)]
            self._starts[protocol] = [0, 1]

    def __len__(self) -> int:
        return len(self.firsts)

    def add_ports(self, ports: PortSet) -> None:
        """Cut at the numeric terms of ``ports`` (named terms are cut by :meth:`add_named`)."""
        for term in ports.terms:
            if term.first is not None and term.name is None:
                last = term.first if term.last is None else term.last
                self._cut(term.protocol, term.first)
                self._cut(term.protocol, last + 1)

    def add_named(self, named: Mapping[tuple[str, str], int]) -> None:
        """Make every number of one named-port signature a class of its own."""
        for (_, protocol), number in named.items():
            self._cut(protocol, number)
            self._cut(protocol, number + 1)

    def _cut(self, protocol: str, edge: int) -> None:
        """Start a class at ``edge`` (split the class holding it), unless one starts there."""
        starts = self._starts.get(protocol)
        if starts is None or not 0 < edge < PORT_LIMIT:
            return
        at = bisect_right(starts, edge)
        if starts[at - 1] == edge:
            return
        end = starts[at] if at < len(starts) else PORT_LIMIT
        starts.insert(at, edge)
        table = self.tables[protocol]
        old, new = table[edge], len(self.firsts)
        table[edge:end] = [new] * (end - edge)
        self.firsts.append((protocol, edge))
        self.splits.append((old, new))

    def class_of(self, protocol: str, port: int) -> int | None:
        """The class of (protocol, port), or None when it has none (another protocol, a
        port off 0..65535)."""
        table = self.tables.get(protocol)
        if table is None or not 0 <= port < PORT_LIMIT:
            return None
        return table[port]


def port_vector(
    classes: PortClasses, ports: PortSet, named: Mapping[tuple[str, str], int]
) -> tuple[int | None, ...]:
    """Per class, ``ports.first_match`` at the class's first port (None: no term matches).

    Exact for every port of the class as long as the classes were cut at
    ``ports`` and at ``named`` (the destination's named ports). An empty
    ``ports`` (every port) gives None everywhere too: the caller tells it by
    ``ports.any``.
    """
    return tuple(ports.first_match(protocol, first, named) for protocol, first in classes.firsts)


def classes_matched(vector: Iterable[int | None]) -> tuple[tuple[int, int], ...]:
    """The (class, first matching term) pairs of a :func:`port_vector` that match."""
    return tuple((c, term) for c, term in enumerate(vector) if term is not None)
