"""Allowed pod pairs counted per group pair, from the class-level table (no pod-by-pod table).

``netsim matrix --summary`` counts, per (source namespace, destination namespace)
and per (source identity, destination identity), how many pod pairs are allowed.
The engine's :meth:`~netsim.policy.engine.PolicyEngine.class_matrix` already says
it per peer class, and pods of one class decide alike, so the count is a sum over
*units* (a group and a class, with the number of pods in both) instead of over n²
pod pairs: O(units²) with units about the number of classes. A pod's connection
to itself is allowed whatever the table says, and pods that are node traffic
(hostNetwork) are counted pair by pair through
:meth:`~netsim.policy.engine.PolicyEngine.allowed_pods`, as :meth:`matrix` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from netsim.policy.engine import PolicyEngine

Counts = npt.NDArray[np.int64]


def group_totals(groups: npt.NDArray[np.intp], n_groups: int) -> Counts:
    """Pod pairs per (row group, column group): the product of the group sizes."""
    sizes = np.bincount(groups, minlength=n_groups).astype(np.int64)
    return np.outer(sizes, sizes)


def allowed_counts(
    engine: PolicyEngine,
    protocol: str,
    port: int,
    groups: npt.NDArray[np.intp],
    n_groups: int,
) -> Counts:
    """Allowed pod pairs per (source group, destination group) on (protocol, port).

    ``groups[i]`` is the group of pod ``i`` in :meth:`PolicyEngine.pods` order.
    Equal to summing ``engine.matrix([(protocol, port)])[0]`` over the groups.
    """
    classes, special = engine.pod_classes()
    table = engine.class_matrix(protocol, port)
    n = len(classes)
    out = np.zeros((n_groups, n_groups), dtype=np.int64)
    if n == 0:
        return out
    regular = np.ones(n, dtype=bool)
    regular[special] = False
    g, c = groups[regular].astype(np.int64), classes[regular].astype(np.int64)
    if len(g):
        width = int(table.shape[0])
        units, counts = np.unique(g * width + c, return_counts=True)
        unit_group, unit_class = units // width, units % width
        # units are sorted by group: each group is one run
        starts = np.flatnonzero(np.r_[True, unit_group[1:] != unit_group[:-1]])
        present = unit_group[starts]
        weighted = table.take(unit_class, axis=0).take(unit_class, axis=1) * counts.astype(np.int64)
        rows = np.add.reduceat(weighted * counts[:, None], starts, axis=0)
        out[np.ix_(present, present)] = np.add.reduceat(rows, starts, axis=1)
        # a pod reaches itself even where its class's own cell is denied
        np.add.at(out, (g, g), ~table[c, c])
    everyone = np.arange(n, dtype=np.intp)
    for s in special:
        row = engine.allowed_pods(np.full(n, s, dtype=np.intp), everyone, protocol, port)
        np.add.at(out[groups[s]], groups, row)
        others = everyone[regular]
        col = engine.allowed_pods(others, np.full(len(others), s, dtype=np.intp), protocol, port)
        np.add.at(out[:, groups[s]], groups[others], col)
    return out
