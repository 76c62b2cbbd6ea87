"""Which graph node each pod belongs to: ``--group-by pod|workload|namespace|auto``.

A workload is the pod's controller (``owner``: ``Deployment/web``; a ReplicaSet named
``<deployment>-<hash>`` counts as its Deployment); a pod without one is grouped with
the pods of its namespace that carry the same labels once the controllers' hash
labels are dropped (as Inspektor Gadget's advisor groups pods), and a pod with no
such labels is its own workload. ``auto`` picks the finest grouping that stays
readable: pods up to :data:`AUTO_PODS` nodes, workloads up to :data:`AUTO_WORKLOADS`,
else namespaces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from netsim.errors import NetsimError
from netsim.model.objects import Pod

GroupBy = Literal["auto", "pod", "workload", "namespace"]
GROUP_BYS: tuple[str, ...] = ("auto", "namespace", "workload", "pod")
AUTO_PODS = 60
AUTO_WORKLOADS = 400
HASH_LABELS = frozenset(
    {"pod-template-hash", "controller-revision-hash", "pod-template-generation"}
)
NAME_LABELS = ("app.kubernetes.io/name", "app", "k8s-app", "run", "name")
"""Labels whose value names a workload, most specific first."""


@dataclass(frozen=True, slots=True)
class Group:
    """One node before collapsing: ``key`` is unique, ``name`` is shown inside its frame."""

    key: str
    namespace: str
    name: str
    pods: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Grouping:
    """The groups in display order and, for each pod (in engine order), its group index."""

    by: str
    groups: tuple[Group, ...]
    of_pod: tuple[int, ...]


def _workload(pod: Pod) -> tuple[str, str]:
    """(identity key, display name) of a pod's workload within its namespace."""
    if pod.owner:
        kind, _, name = pod.owner.partition("/")
        if kind == "ReplicaSet" and "-" in name:
            kind, name = "Deployment", name.rpartition("-")[0]
        return f"{kind}/{name}", name
    labels = [(k, v) for k, v in pod.labels if k not in HASH_LABELS]
    if not labels:
        return f"Pod/{pod.name}", pod.name
    values = dict(labels)
    shown = next((values[k] for k in NAME_LABELS if k in values), None)
    text = ",".join(f"{k}={v}" for k, v in sorted(labels))
    return f"labels/{text}", shown if shown is not None else text


def _keys(pods: Sequence[Pod], by: str) -> list[tuple[str, str, str]]:
    """(group key, namespace, display name) per pod."""
    if by == "pod":
        return [(p.key, p.namespace, p.name) for p in pods]
    if by == "namespace":
        return [(p.namespace, p.namespace, p.namespace) for p in pods]
    out = []
    for p in pods:
        ident, name = _workload(p)
        out.append((f"{p.namespace}/{ident}", p.namespace, name))
    return out


def resolve_group_by(pods: Sequence[Pod], by: str) -> str:
    """The grouping ``auto`` stands for on these pods (other values are returned as they are)."""
    if by not in GROUP_BYS:
        raise NetsimError(f"--group-by: unknown grouping {by!r} (one of {', '.join(GROUP_BYS)})")
    if by != "auto":
        return by
    if len(pods) <= AUTO_PODS:
        return "pod"
    if len({k for k, _, _ in _keys(pods, "workload")}) <= AUTO_WORKLOADS:
        return "workload"
    return "namespace"


def group_pods(pods: Sequence[Pod], by: str) -> Grouping:
    """Group pods (given in engine order); groups sorted by namespace, then name, then key."""
    by = resolve_group_by(pods, by)
    keys = _keys(pods, by)
    members: dict[str, list[str]] = {}
    info: dict[str, tuple[str, str]] = {}
    for pod, (key, ns, name) in zip(pods, keys, strict=True):
        members.setdefault(key, []).append(pod.key)
        info[key] = (ns, name)
    shown = _unique_names(info)
    order = sorted(members, key=lambda k: (info[k][0], shown[k], k))
    groups = tuple(Group(k, info[k][0], shown[k], tuple(members[k])) for k in order)
    index = {k: i for i, k in enumerate(order)}
    return Grouping(by, groups, tuple(index[key] for key, _, _ in keys))


def _unique_names(info: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Display names, made unique within a namespace by falling back to the group key."""
    seen: dict[tuple[str, str], int] = {}
    for ns, name in info.values():
        seen[(ns, name)] = seen.get((ns, name), 0) + 1
    return {
        key: name if seen[(ns, name)] == 1 else key.partition("/")[2]
        for key, (ns, name) in info.items()
    }
