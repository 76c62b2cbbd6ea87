"""The picture's model: frames (namespaces), nodes, edges with compressed port labels.

From a :class:`~netsim.graph.reach.Reach`:

- groups of one namespace that all reach each other on the same ports, and that
  the rest of the graph sees alike (same edges in and out), collapse into one
  *clique* node (IBM NCA's "cliques as one node");
- an edge between a group whose egress no policy isolates and a group whose ingress
  no policy isolates is "all" by definition: it is not drawn, the nodes carry an
  ``open`` badge instead (no n² edges among unselected pods);
- a node's connections among its own pods are its ``self_ports``, shown inside it;
- every group is a node, connected or not.

``focus`` keeps the nodes that hold a matching namespace, group or pod and their
neighbours along ``direction`` (``in``: who reaches them, ``out``: whom they reach).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from netsim.errors import LookupFailed, NetsimError
from netsim.graph.groups import Group
from netsim.graph.ports import format_ports, union
from netsim.graph.reach import Reach

DIRECTIONS: tuple[str, ...] = ("both", "in", "out")
LabelIds = npt.NDArray[np.int32]
"""Edge label ids per group pair (0: no edge)."""
CLIQUE_NAMES = 4
"""Member names shown in a clique node's label before ``+N``."""


@dataclass(frozen=True, slots=True)
class Node:
    """A drawn node: one group, or a clique of groups (``members`` are group indices)."""

    id: str
    namespace: str
    label: str
    members: tuple[int, ...]
    pods: int
    self_ports: str
    open_in: bool
    open_out: bool

    @property
    def is_clique(self) -> bool:
        """True when the node stands for several mutually connected groups."""
        return len(self.members) > 1

    @property
    def badge(self) -> str:
        """``open``, ``open ingress``, ``open egress`` or empty."""
        if self.open_in and self.open_out:
            return "open"
        return "open ingress" if self.open_in else "open egress" if self.open_out else ""


@dataclass(frozen=True, slots=True)
class Edge:
    """A drawn edge: the merged port set and how many ordered pod pairs it allows."""

    src: str
    dst: str
    ports: str
    allowed: int
    pairs: int

    @property
    def partial(self) -> bool:
        """True when some pod pairs between the two nodes are denied on every port."""
        return self.allowed < self.pairs


@dataclass(frozen=True, slots=True)
class Graph:
    """What every renderer draws; nodes in frame order, edges sorted by (src, dst)."""

    group_by: str
    frames: tuple[str, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    implied: int
    """Edges between open nodes (all ports) left out of ``edges``."""
    port_classes: int

    def nodes_in(self, frame: str) -> list[Node]:
        """The nodes of one namespace frame, in order."""
        return [n for n in self.nodes if n.namespace == frame]


def _labels(reach: Reach) -> tuple[LabelIds, list[str]]:
    """Label ids per group pair (0: no edge) and the label texts (index 0 unused)."""
    n = len(reach.grouping.groups)
    ids = np.zeros((n, n), dtype=np.int32)
    texts: dict[str, int] = {}
    cache: dict[tuple[int, ...], int] = {}
    for (g, h), ks in reach.edges.items():
        found = cache.get(ks)
        if found is None:
            text = format_ports(union(reach.classes[k] for k in ks))
            found = cache[ks] = texts.setdefault(text, len(texts) + 1)
        ids[g, h] = found
    return ids, ["", *texts]


def _cliques(reach: Reach, ids: LabelIds) -> list[list[int]]:
    """Groups partitioned into cliques (singletons for groups in none), in group order."""
    groups = reach.grouping.groups
    by_ns: dict[str, list[int]] = {}
    for i, group in enumerate(groups):
        by_ns.setdefault(group.namespace, []).append(i)
    single = [len(group.pods) == 1 for group in groups]
    buckets: dict[tuple[str, bytes, bytes], list[int]] = {}
    for ns, members in by_ns.items():
        outside = np.ones(len(groups), dtype=bool)
        outside[members] = False
        for i in members:
            key = (ns, ids[i][outside].tobytes(), ids[:, i][outside].tobytes())
            buckets.setdefault(key, []).append(i)
    assigned: dict[int, list[int]] = {}
    for bucket in buckets.values():
        local = by_ns[groups[bucket[0]].namespace]
        for g in bucket:
            if g in assigned:
                continue
            clique = [g]
            label = 0
            for h in bucket:
                if h in assigned or h == g:
                    continue
                mutual = int(ids[g, h])
                if not mutual or ids[h, g] != mutual or (label and mutual != label):
                    continue
                if any(ids[c, h] != mutual or ids[h, c] != mutual for c in clique):
                    continue
                if any(not single[x] and ids[x, x] != mutual for x in (g, h)):
                    continue
                rest = [x for x in local if x not in clique and x != h]
                if any(ids[h, x] != ids[g, x] or ids[x, h] != ids[x, g] for x in rest):
                    continue
                label = mutual
                clique.append(h)
            for c in clique:
                assigned[c] = clique
    seen: set[int] = set()
    out = []
    for i in range(len(groups)):
        if i not in seen:
            out.append(sorted(assigned[i]))
            seen.update(assigned[i])
    return out


def _node(reach: Reach, members: list[int], ids: LabelIds, texts: list[str]) -> Node:
    groups: list[Group] = [reach.grouping.groups[i] for i in members]
    first = groups[0]
    if len(groups) == 1:
        node_id, label = first.key, first.name
        self_label = texts[int(ids[members[0], members[0]])]
    else:
        node_id = "clique:" + first.key
        names = [g.name for g in groups]
        label = ", ".join(names[:CLIQUE_NAMES])
        if len(names) > CLIQUE_NAMES:
            label += f" +{len(names) - CLIQUE_NAMES}"
        self_label = texts[int(ids[members[0], members[1]])]
    return Node(
        node_id,
        first.namespace,
        label,
        tuple(members),
        sum(len(g.pods) for g in groups),
        self_label,
        all(reach.open_in[i] for i in members),
        all(reach.open_out[i] for i in members),
    )


def build_graph(reach: Reach, focus: Sequence[str] = (), direction: str = "both") -> Graph:
    """The graph to draw (see the module docstring)."""
    if direction not in DIRECTIONS:
        raise NetsimError(f"--direction: unknown direction {direction!r}")
    ids, texts = _labels(reach)
    nodes = [_node(reach, members, ids, texts) for members in _cliques(reach, ids)]
    node_of = {g: node for node in nodes for g in node.members}
    edges: list[Edge] = []
    implied = 0
    seen: set[tuple[str, str]] = set()
    for (g, h), _ in sorted(reach.edges.items()):
        a, b = node_of[g], node_of[h]
        if a.id == b.id or (a.id, b.id) in seen:
            continue
        seen.add((a.id, b.id))
        if a.open_out and b.open_in:
            implied += 1
            continue
        rows, cols = list(a.members), list(b.members)
        edges.append(
            Edge(
                a.id,
                b.id,
                texts[int(ids[g, h])],
                int(reach.allowed[np.ix_(rows, cols)].sum()),
                int(reach.pairs[np.ix_(rows, cols)].sum()),
            )
        )
    if focus:
        nodes, edges = _focus(reach, nodes, edges, focus, direction)
    elif direction != "both":
        raise NetsimError("--direction needs --focus")
    frames = tuple(sorted({n.namespace for n in nodes}))
    nodes.sort(key=lambda n: (n.namespace, n.label, n.id))
    edges.sort(key=lambda e: (e.src, e.dst))
    return Graph(reach.grouping.by, frames, tuple(nodes), tuple(edges), implied, len(reach.classes))


def _focus(
    reach: Reach, nodes: list[Node], edges: list[Edge], focus: Sequence[str], direction: str
) -> tuple[list[Node], list[Edge]]:
    groups = reach.grouping.groups
    chosen: set[str] = set()
    for text in focus:
        hits = {
            node.id
            for node in nodes
            for i in node.members
            if text
            in (groups[i].namespace, groups[i].key, f"{groups[i].namespace}/{groups[i].name}")
            or text in groups[i].pods
        }
        if not hits:
            raise LookupFailed(f"--focus {text}: no namespace, workload or pod of that name")
        chosen |= hits
    kept = [
        e
        for e in edges
        if (e.src in chosen and direction in ("both", "out"))
        or (e.dst in chosen and direction in ("both", "in"))
    ]
    shown = chosen | {e.src for e in kept} | {e.dst for e in kept}
    return [n for n in nodes if n.id in shown], kept
