"""Group-level reachability over every port, from the engine's class-level tables.

For each :class:`~netsim.graph.ports.PortClass` the engine's ``class_matrix`` says which
peer class may open a connection to which. Pods are (group, class) *cells*; a cell
matrix sliced from the class matrix is OR-reduced over the cells of each group
(``reduceat`` on cells sorted by group), so the cost grows with classes, never with
pod pairs. Pairs are ordered and of two different pods (a pod always reaches
itself). hostNetwork pods, which are node traffic to the engine, are read pod by
pod with ``allowed_pods``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from netsim.errors import NetsimError
from netsim.graph.groups import Grouping
from netsim.graph.ports import PortClass
from netsim.policy.engine import PolicyEngine
from netsim.policy.tiers import subject_selects

MAX_CELLS = 12_000
"""(group, class) cells above which the dense cell matrices would need too much memory."""
CHUNK = 2048

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Reach:
    """Who reaches whom, per group pair.

    ``edges[(g, h)]`` lists the port classes (indices into ``classes``) on which some
    pod of group g may connect to some other pod of group h; ``allowed[g, h]`` counts
    the ordered pod pairs allowed on at least one port, ``pairs[g, h]`` all of them;
    ``open_in[g]``/``open_out[g]``: no policy isolates any pod of g in that direction and
    no cluster-wide policy has one as a subject with rules in that direction.
    """

    grouping: Grouping
    classes: tuple[PortClass, ...]
    edges: dict[tuple[int, int], tuple[int, ...]]
    allowed: IntArray
    pairs: IntArray
    open_in: tuple[bool, ...]
    open_out: tuple[bool, ...]


def _open_flags(engine: PolicyEngine, grouping: Grouping) -> tuple[list[bool], list[bool]]:
    """Per group: no pod of it is isolated in that direction by a NetworkPolicy nor is the
    subject of a cluster-wide policy with rules in that direction (whose Deny, or Pass down
    to a baseline Deny, could cut some port), so every connection that way is allowed."""
    n = len(grouping.groups)
    open_in, open_out = [True] * n, [True] * n
    if not engine.profile.enforce:
        return open_in, open_out
    seen: dict[tuple[str, object], tuple[bool, bool]] = {}  # pods of one identity decide alike
    cluster_policies = [c for _, c in sorted(engine.cluster.cluster_policies.items())]
    for pod, g in zip(engine.pods(), grouping.of_pod, strict=True):
        key = (pod.namespace, pod.labels) if not pod.host_network else (pod.key, None)
        found = seen.get(key)
        if found is None:
            policies = engine.selecting_policies(pod)
            tiered = [
                c for c in cluster_policies if subject_selects(engine.cluster, c.subject, pod)
            ]
            found = seen[key] = (
                not any(p.isolates_ingress for p in policies)
                and not any(c.ingress for c in tiered),
                not any(p.isolates_egress for p in policies) and not any(c.egress for c in tiered),
            )
        open_in[g] = open_in[g] and found[0]
        open_out[g] = open_out[g] and found[1]
    return open_in, open_out


def _chunks(starts: npt.NDArray[np.intp], total: int) -> list[tuple[int, int]]:
    """Row ranges aligned to group starts, about CHUNK rows each."""
    out: list[tuple[int, int]] = []
    begin = 0
    for s in [*starts.tolist()[1:], total]:
        if s - begin >= CHUNK:
            out.append((begin, s))
            begin = s
    if begin < total:
        out.append((begin, total))
    return out


def _group_or(
    cell_matrix: BoolArray, starts: npt.NDArray[np.intp], chunks: list[tuple[int, int]]
) -> BoolArray:
    """OR a cell x cell matrix over groups (cells sorted by group): present x present.

    Rows are reduced first (contiguous memory), then the small group x cell result.
    """
    parts = []
    for a, b in chunks:
        local = starts[(starts >= a) & (starts < b)] - a
        rows = np.logical_or.reduceat(cell_matrix[a:b], local, axis=0)
        parts.append(np.logical_or.reduceat(rows, starts, axis=1))
    return np.concatenate(parts, axis=0)


def _group_count(
    cell_matrix: BoolArray,
    counts: IntArray,
    starts: npt.NDArray[np.intp],
    chunks: list[tuple[int, int]],
) -> IntArray:
    """Ordered pod pairs allowed, summed over groups (diagonal cells counted as n*n)."""
    parts = []
    for a, b in chunks:
        local = starts[(starts >= a) & (starts < b)] - a
        weighted = np.where(cell_matrix[a:b], counts[a:b, None], 0)
        rows = np.add.reduceat(weighted, local, axis=0) * counts[None, :]
        parts.append(np.add.reduceat(rows, starts, axis=1))
    return np.concatenate(parts, axis=0)


def compute(
    engine: PolicyEngine,
    grouping: Grouping,
    classes: list[PortClass] | tuple[PortClass, ...],
    edges: bool = True,
) -> Reach:
    """Reachability between the groups of ``grouping`` on every port class.

    ``edges=False`` skips the per-class group tables (``Reach.edges`` stays empty) when
    only the pair counts are wanted, as for the heatmap.
    """
    pods = engine.pods()
    n, n_groups = len(pods), len(grouping.groups)
    cls_of, special = engine.pod_classes()
    gid = np.asarray(grouping.of_pod, dtype=np.int64)
    normal = np.ones(n, dtype=bool)
    normal[special] = False
    cells, counts = np.unique(
        np.stack([gid[normal], cls_of[normal].astype(np.int64)], axis=1).reshape(-1, 2),
        axis=0,
        return_counts=True,
    )
    if len(cells) > MAX_CELLS:
        raise NetsimError(
            f"{len(cells)} distinct pod kinds in {n_groups} groups is too many to draw: "
            "use --group-by namespace or workload"
        )
    counts = counts.astype(np.int64)
    cell_group, cell_cls = cells[:, 0], cells[:, 1]
    starts = (
        np.flatnonzero(np.r_[True, cell_group[1:] != cell_group[:-1]])
        if len(cells)
        else (np.zeros(0, dtype=np.intp))
    )
    present = cell_group[starts]
    chunks = _chunks(starts, len(cells))
    singles = np.flatnonzero(counts == 1)
    n_classes = int(cls_of.max(initial=-1)) + 1
    identity = len(cells) == n_classes and bool((cell_cls == np.arange(n_classes)).all())
    any_port = np.zeros((len(cells), len(cells)), dtype=bool)
    special_any = {i: (np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)) for i in special}
    every = np.arange(n, dtype=np.intp)
    codes: list[npt.NDArray[np.int64]] = []
    owners: list[npt.NDArray[np.int64]] = []
    for k, port_class in enumerate(classes):
        proto, port = port_class.protocol, port_class.representative
        reach = np.zeros((n_groups, n_groups), dtype=bool)
        if len(cells):
            table = engine.class_matrix(proto, port)
            if identity and table.shape[0] == len(cells):
                cell_matrix = table.copy()
            else:
                cell_matrix = table.take(cell_cls, axis=0).take(cell_cls, axis=1)
            cell_matrix[singles, singles] = False  # a lone pod's class pair is no pair at all
            any_port |= cell_matrix
            if edges:
                reach[np.ix_(present, present)] = _group_or(cell_matrix, starts, chunks)
        for i, (row_any, col_any) in special_any.items():
            row = engine.allowed_pods(np.full(n, i, dtype=np.intp), every, proto, port)
            col = engine.allowed_pods(every, np.full(n, i, dtype=np.intp), proto, port)
            row[i] = col[i] = False
            col[special] = False  # pairs between hostNetwork pods are counted in their rows
            row_any |= row
            col_any |= col
            reach[gid[i], gid[row]] = True
            reach[gid[col], gid[i]] = True
        found = np.flatnonzero(reach)
        codes.append(found.astype(np.int64))
        owners.append(np.full(len(found), k, dtype=np.int64))
    allowed = np.zeros((n_groups, n_groups), dtype=np.int64)
    if len(cells):
        allowed[np.ix_(present, present)] = _group_count(any_port, counts, starts, chunks)
        diagonal = np.flatnonzero(any_port[np.arange(len(cells)), np.arange(len(cells))])
        np.subtract.at(allowed, (cell_group[diagonal], cell_group[diagonal]), counts[diagonal])
    for i, (row_any, col_any) in special_any.items():
        allowed[gid[i]] += np.bincount(gid[row_any], minlength=n_groups)
        allowed[:, gid[i]] += np.bincount(gid[col_any], minlength=n_groups)
    sizes = np.bincount(gid, minlength=n_groups).astype(np.int64)
    pairs = np.outer(sizes, sizes) - np.diag(sizes)
    open_in, open_out = _open_flags(engine, grouping)
    return Reach(
        grouping,
        tuple(classes),
        _edges(codes, owners, n_groups),
        allowed,
        pairs,
        tuple(open_in),
        tuple(open_out),
    )


def _edges(
    codes: list[npt.NDArray[np.int64]], owners: list[npt.NDArray[np.int64]], n_groups: int
) -> dict[tuple[int, int], tuple[int, ...]]:
    """{(g, h): port class indices}, from the flat (g * n + h) codes found per class."""
    if not codes:
        return {}
    flat = np.concatenate(codes)
    which = np.concatenate(owners)
    order = np.lexsort((which, flat))
    flat, which = flat[order], which[order]
    out: dict[tuple[int, int], tuple[int, ...]] = {}
    if not len(flat):
        return out
    bounds = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1], True])
    flat_list, which_list = flat.tolist(), which.tolist()
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        g, h = divmod(flat_list[a], n_groups)
        out[(g, h)] = tuple(which_list[a:b])
    return out
