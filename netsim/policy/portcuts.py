"""Where verdicts can change on the port line: the one computation of port cuts.

A verdict depends on the destination port only through the policies' port terms
(SEMANTICS.md §16-§20): a number, a ``port``..``endPort`` range, a whole protocol, or
a named port resolved on the destination pod. That holds for NetworkPolicy and for the
cluster-wide policies alike (AdminNetworkPolicy ``portNumber``/``portRange``/``namedPort``,
ClusterNetworkPolicy ``protocols``; a cluster-wide named port matches in whatever
protocol the pod declares it). Cutting 1..65535 at each range's first port and after
its last, and at each number a used name resolves to on some pod (and after it),
gives segments in which every port decides alike, in every cluster given.

:func:`port_edges` collects those terms of one protocol; :func:`port_cuts` is the first
port of every segment. ``netsim diff`` and ``lint`` (insight), ``netsim graph`` and the
lab's representative flows all cut here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from netsim.model.cluster import Cluster
from netsim.model.objects import Pod
from netsim.policy.portlist import port_terms

MIN_PORT = 1
MAX_PORT = 65535

Interval = tuple[int, int]


def merge_intervals(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Sort inclusive intervals and merge those that overlap or touch."""
    out: list[Interval] = []
    for first, last in sorted(intervals):
        if out and first <= out[-1][1] + 1:
            if last > out[-1][1]:
                out[-1] = (out[-1][0], last)
        else:
            out.append((first, last))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class PortEdges:
    """What the policies of some clusters say about one protocol's ports.

    ``ranges``: the distinct inclusive number ranges of the port terms, sorted (a single
    port is ``(n, n)``). ``named``: per (port name, number) the pod kinds on which the
    name resolves to that number, a kind being an index of a distinct ``container_ports``
    declaration (so two ports resolved by the same pods compare equal), sorted.
    """

    protocol: str
    ranges: tuple[Interval, ...] = ()
    named: tuple[tuple[str, int, frozenset[int]], ...] = ()

    def cuts(self) -> tuple[int, ...]:
        """The first port of every segment, sorted: 1 always first."""
        found = {MIN_PORT}
        for first, last in self.ranges:
            found |= {first, last + 1}
        for _, number, _ in self.named:
            found |= {number, number + 1}
        return tuple(sorted(c for c in found if MIN_PORT <= c <= MAX_PORT))


def port_edges(
    clusters: Iterable[Cluster], protocol: str, end_port: bool | None = None
) -> PortEdges:
    """The port terms of ``protocol`` in every NetworkPolicy and cluster-wide policy of
    ``clusters``, with used names resolved on every pod of those clusters.

    ``end_port`` is how a NetworkPolicy ``endPort`` is read: True as a range, False as its
    ``port`` alone (a plugin without endPort support, ``Profile.end_port``), None both
    ways (cuts that are right under every profile). Cluster-wide ranges are always ranges.
    """
    ranges: set[Interval] = set()
    names: set[str] = set()
    pods: list[Pod] = []
    for cluster in clusters:
        pods += cluster.pods.values()
        for term in port_terms(cluster):
            if term.protocol is not None and term.protocol != protocol:
                continue
            if isinstance(term.port, str):
                names.add(term.port)
            elif term.port is not None and term.protocol is not None:
                if term.end_port is None:
                    ranges.add((term.port, term.port))
                    continue
                if term.cluster_wide or end_port is not False:
                    ranges.add((term.port, term.end_port))
                if not term.cluster_wide and end_port is not True:
                    ranges.add((term.port, term.port))
    found: dict[tuple[str, int], set[int]] = {}
    kinds: dict[tuple[object, ...], int] = {}
    for pod in pods if names else ():
        if pod.container_ports in kinds:
            continue
        kind = kinds[pod.container_ports] = len(kinds)
        for name in sorted(names):
            number = pod.named_port(name, protocol)  # type: ignore[arg-type]
            if number is not None:
                found.setdefault((name, number), set()).add(kind)
    return PortEdges(
        protocol,
        tuple(sorted(ranges)),
        tuple((name, n, frozenset(on)) for (name, n), on in sorted(found.items())),
    )


def port_cuts(
    clusters: Iterable[Cluster], protocol: str, end_port: bool | None = None
) -> tuple[int, ...]:
    """The first port of every segment of ``protocol``'s port line cut by ``clusters``
    (1 always first; see :func:`port_edges` for ``end_port``)."""
    return port_edges(clusters, protocol, end_port).cuts()
