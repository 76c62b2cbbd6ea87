"""Truth tables by pod, workload or namespace: one mark per group pair.

``netsim matrix --group-by`` folds the pod-to-pod table: a cell is ``.`` when every
pod pair of the two groups is allowed, ``X`` when every pair is denied and ``~`` when
they disagree (pods of one Deployment can differ, e.g. through the named ports their
containers declare, or labels a snapshot's pods carry). Workloads are named
``namespace/name[Kind]`` (:func:`netsim.model.workloads.workload_label`).
"""

from __future__ import annotations

from typing import Any, Literal

from netsim.model.objects import Pod
from netsim.model.workloads import workload_label

GroupBy = Literal["pod", "workload", "namespace"]
GROUP_BY: tuple[GroupBy, ...] = ("pod", "workload", "namespace")
MIXED = "~"
"""The mark of a group pair whose pod pairs disagree."""


def group_label(pod: Pod, by: GroupBy) -> str:
    """The name of ``pod``'s group: ``ns/pod``, ``ns/name[Kind]`` or ``ns``."""
    if by == "namespace":
        return pod.namespace
    if by == "workload":
        return workload_label(pod)
    return pod.key


def group_sums(table: Any, groups: Any, n_groups: int) -> Any:
    """Sum a square bool table over row groups and column groups (no pair loop).

    Sorts rows and columns by group, then adds each contiguous run with
    ``reduceat``; the result is indexed [row group, column group].
    """
    import numpy as np

    out = np.zeros((n_groups, n_groups), dtype=np.int64)
    if len(groups) == 0:
        return out
    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    present = ordered[starts]
    grouped = table.take(order, axis=0).take(order, axis=1)
    rows = np.add.reduceat(grouped, starts, axis=0, dtype=np.int32)
    sums = np.add.reduceat(rows, starts, axis=1, dtype=np.int64)
    out[np.ix_(present, present)] = sums
    return out


def grouped_marks(
    pods: list[Pod], tables: list[Any], by: GroupBy
) -> tuple[list[str], list[list[list[str]]]]:
    """Group names (sorted) and, per table, the ``.``/``X``/``~`` marks of each group pair."""
    import numpy as np

    labels = [group_label(p, by) for p in pods]
    names = sorted(set(labels))
    index = {name: i for i, name in enumerate(names)}
    groups = np.array([index[label] for label in labels], dtype=np.intp)
    sizes = np.bincount(groups, minlength=len(names)) if len(groups) else np.zeros(0, np.int64)
    totals = np.outer(sizes, sizes)
    out = []
    for table in tables:
        allowed = group_sums(np.asarray(table), groups, len(names))
        out.append(
            [
                ["." if a == t else "X" if a == 0 else MIXED for a, t in zip(ra, rt, strict=True)]
                for ra, rt in zip(allowed.tolist(), totals.tolist(), strict=True)
            ]
        )
    return names, out
