"""The port space cut where verdicts can change, and port sets written compactly.

A verdict depends on the destination port only through the policies' port terms
(SEMANTICS.md §16-§20): a number or ``port``..``endPort`` range, a whole protocol,
or a named port resolved on the destination pod. Cutting 1..65535 at every range
edge and at every number a used named port resolves to on some pod gives elementary
intervals in which every port decides alike. Intervals that every term treats the
same (contained in the same ranges, the same named-port resolutions) are merged into
one :class:`PortClass`, so e.g. all ports no policy mentions form a single
"any other port" class: one ``class_matrix`` call per class covers every port.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from netsim.match.ports import PortMatcher
from netsim.model.objects import Pod
from netsim.policy.engine import PolicyEngine

PROTOCOLS: tuple[str, ...] = ("TCP", "UDP", "SCTP")
"""The protocols NetworkPolicy filters (ICMP is not, under every shipped profile but one)."""
MAX_PORT = 65535

Interval = tuple[int, int]


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


def _terms(engine: PolicyEngine, protocol: str) -> list[PortMatcher]:
    out: dict[PortMatcher, None] = {}
    for policy in engine.tables.policies.values():
        for rule in (*policy.ingress, *policy.egress):
            for term in rule.ports.terms:
                if term.protocol == protocol and (term.first is not None or term.is_named):
                    out[term] = None
    return list(out)


def _named_numbers(
    pods: Iterable[Pod], names: set[str], protocol: str
) -> dict[tuple[str, int], frozenset[int]]:
    """For each (used port name, number): the pods' port declarations (as indices of the
    distinct ``container_ports`` tuples) on which the name resolves to that number."""
    found: dict[tuple[str, int], set[int]] = {}
    kinds: dict[tuple[object, ...], int] = {}
    for pod in pods:
        if pod.container_ports in kinds:
            continue
        kind = kinds[pod.container_ports] = len(kinds)
        for name in names:
            number = pod.named_port(name, protocol)  # type: ignore[arg-type]
            if number is not None:
                found.setdefault((name, number), set()).add(kind)
    return {key: frozenset(value) for key, value in found.items()}


def port_classes(engine: PolicyEngine, protocol: str) -> list[PortClass]:
    """Partition 1..65535 of ``protocol`` into classes of ports that decide alike.

    Classes come in the order of their first port; together they cover every port.
    """
    terms = _terms(engine, protocol)
    ranges = sorted(
        {(t.first, t.first if t.last is None else t.last) for t in terms if t.first is not None}
    )
    names = {t.name for t in terms if t.name is not None}
    numbers = _named_numbers(engine.cluster.pods.values(), names, protocol)
    cuts = {1, MAX_PORT + 1}
    for first, last in ranges:
        cuts |= {first, last + 1}
    for _, n in numbers:
        cuts |= {n, n + 1}
    edges = sorted(c for c in cuts if 1 <= c <= MAX_PORT + 1)
    by_key: dict[tuple[object, ...], list[Interval]] = {}
    for first, nxt in itertools.pairwise(edges):
        key = (
            tuple(a <= first <= b for a, b in ranges),
            tuple(
                sorted((name, tuple(sorted(on))) for (name, n), on in numbers.items() if n == first)
            ),
        )
        by_key.setdefault(key, []).append((first, nxt - 1))
    classes = [PortClass(protocol, tuple(merge(found))) for found in by_key.values()]
    return sorted(classes, key=lambda c: c.intervals[0])


def all_port_classes(engine: PolicyEngine) -> list[PortClass]:
    """Port classes of every filtered protocol (TCP, UDP, SCTP, in that order)."""
    return [c for protocol in PROTOCOLS for c in port_classes(engine, protocol)]


def single_port_classes(ports: Sequence[tuple[str, int]]) -> list[PortClass]:
    """One class per given (protocol, port): the graph restricted to those ports."""
    return [PortClass(protocol, ((port, port),)) for protocol, port in dict.fromkeys(ports)]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, disjoint union of inclusive intervals (adjacent ones joined)."""
    out: list[Interval] = []
    for first, last in sorted(intervals):
        if out and first <= out[-1][1] + 1:
            if last > out[-1][1]:
                out[-1] = (out[-1][0], last)
        else:
            out.append((first, last))
    return out


def union(classes: Iterable[PortClass]) -> dict[str, list[Interval]]:
    """The ports of several classes, per protocol, merged."""
    found: dict[str, list[Interval]] = {}
    for cls in classes:
        found.setdefault(cls.protocol, []).extend(cls.intervals)
    return {protocol: merge(found[protocol]) for protocol in PROTOCOLS if protocol in found}


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
