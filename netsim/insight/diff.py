"""``netsim diff``: which connections a policy change removes or adds, and which rules did it.

Both inputs are decided on one :class:`~netsim.insight.space.Grid` (ports and
outside addresses cut at every edge of both), so the comparison covers every
protocol, port and address, not a sample. A pair of ends present on both sides
gives ``removed`` (allowed before, denied now) and ``added`` rows; a pair with a
pod present on one side only gives ``lost-peer`` (its connections before) or
``new-peer`` (its connections now) rows, as IBM network-config-analyzer's
semantic diff separates persistent from added and removed peers.

Each row names the rule that allowed it (``before`` for removed and lost-peer,
``after`` for added and new-peer) and, for removed and added rows, the side that
denies (now, resp. before) with its isolating policies.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from netsim.insight.connectivity import Connectivity, End, compute
from netsim.insight.portset import PortIntervals, intervals_text, merge_intervals
from netsim.insight.space import AddressRange, Grid
from netsim.model.cluster import Cluster
from netsim.model.netpol import Direction
from netsim.model.objects import Pod
from netsim.policy.profile import UPSTREAM, Profile
from netsim.policy.verdict import Decision, SideDecision

ChangeKind = Literal["removed", "added", "new-peer", "lost-peer"]
CHANGE_KINDS: tuple[ChangeKind, ...] = ("removed", "added", "new-peer", "lost-peer")
GroupBy = Literal["pod", "workload", "namespace"]
GROUP_BY: tuple[GroupBy, ...] = ("pod", "workload", "namespace")


@dataclass(frozen=True, slots=True, order=True)
class Cause:
    """What one enforcement side said: the allowing rule, or why it allowed or denied.

    ``reason`` is a :data:`~netsim.policy.verdict.Reason`; ``policy``/``path``
    are set for ``rule``; ``isolated_by`` lists the isolating policies.
    """

    side: Direction
    reason: str
    policy: str | None = None
    path: str | None = None
    isolated_by: tuple[str, ...] = ()

    @classmethod
    def of(cls, side: Direction, decision: SideDecision) -> Cause:
        """The cause of one side's decision."""
        if decision.rule is not None:
            return cls(
                side,
                decision.reason,
                decision.rule.policy,
                decision.rule.path,
                decision.isolating_policies,
            )
        return cls(side, decision.reason, isolated_by=decision.isolating_policies)

    def __str__(self) -> str:
        if self.policy is not None:
            return f"{self.policy} {self.path}"
        if self.reason == "no-rule-matched":
            return f"{self.side} isolated by {', '.join(self.isolated_by)}, no rule matches"
        if self.reason == "not-isolated":
            return f"{self.side} not isolated"
        return f"{self.side}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Change:
    """One row: ``src`` may (no longer) reach ``dst`` on ``ports`` of ``protocol``.

    ``before``/``after``: the allowing rule before (removed, lost-peer) or now
    (added, new-peer); ``denied``: the denying side now (removed) or before
    (added). ``pairs`` counts the pairs of ends the row stands for.
    """

    change: ChangeKind
    src: str
    dst: str
    protocol: str
    ports: tuple[tuple[int, int], ...]
    before: Cause | None
    after: Cause | None
    denied: Cause | None = None
    pairs: int = 1

    @property
    def ports_text(self) -> str:
        """``all`` or ``80,443,8000-8999``."""
        return intervals_text(self.ports)


@dataclass(frozen=True, slots=True)
class Diff:
    """The rows of a comparison and how they were grouped."""

    changes: tuple[Change, ...]
    group_by: GroupBy
    pair_counts: tuple[tuple[str, int], ...] = ()

    @property
    def equivalent(self) -> bool:
        """True when both sides allow exactly the same connections between the same ends."""
        return not self.changes

    def kinds(self) -> set[str]:
        """The change kinds present."""
        return {c.change for c in self.changes}

    def summary(self) -> str:
        """One line: equivalent, or how many pairs lose and gain what."""
        if self.equivalent:
            return "equivalent: both sides allow exactly the same connections"
        words = {
            "removed": ("loses", "lose"),
            "added": ("gains", "gain"),
            "new-peer": ("with a new pod allows", "with a new pod allow"),
            "lost-peer": ("with a removed pod allowed", "with a removed pod allowed"),
        }
        counts = dict(self.pair_counts)
        parts = []
        for kind in CHANGE_KINDS:
            rows = [c for c in self.changes if c.change == kind]
            if not rows:
                continue
            pairs = counts.get(kind, sum(c.pairs for c in rows))
            ports = PortIntervals.of((c.protocol, a, b) for c in rows for a, b in c.ports)
            verb = words[kind][pairs != 1]
            parts.append(f"{kind}: {pairs} pair{'s' * (pairs != 1)} {verb} {ports}")
        return "not equivalent: " + "; ".join(parts)


def fails(diff: Diff, fail_on: Iterable[str]) -> bool:
    """Tell whether ``diff`` has a change of a kind in ``fail_on`` (``any``, ``none`` too)."""
    wanted = set(fail_on)
    if "any" in wanted:
        wanted |= set(CHANGE_KINDS)
    return bool(diff.kinds() & wanted)


# ------------------------------------------------------------------ grouping
def workload_of(pod: Pod) -> str:
    """``ns/name[Kind]`` of the pod's controller (a ReplicaSet named for its Deployment's
    template hash counts as that Deployment); ``ns/pod[Pod]`` for a bare pod."""
    if not pod.owner:
        return f"{pod.namespace}/{pod.name}[Pod]"
    kind, _, name = pod.owner.partition("/")
    template = pod.labels.get("pod-template-hash")
    if kind == "ReplicaSet" and template and name.endswith(f"-{template}"):
        kind, name = "Deployment", name[: -len(template) - 1]
    return f"{pod.namespace}/{name}[{kind}]"


def group_name(end: End, pods: dict[str, Pod], group_by: GroupBy) -> str:
    """The row label of an end: the pod, its workload or namespace; a range's CIDRs."""
    if isinstance(end, AddressRange):
        return str(end)
    pod = pods[end]
    if group_by == "pod":
        return pod.key
    if group_by == "namespace":
        return pod.namespace
    return workload_of(pod)


# ------------------------------------------------------------------- compare
Key = tuple[ChangeKind, End, End, str, Cause | None, Cause | None, Cause | None]


def _allow_cause(decision: Decision) -> Cause:
    """The side whose rule allowed (ingress first), else the ingress side's reason."""
    for side, d in (("ingress", decision.ingress), ("egress", decision.egress)):
        if d.reason == "rule":
            return Cause.of(side, d)  # type: ignore[arg-type]
    return Cause.of("ingress", decision.ingress)


def _denying_side(decision: Decision) -> Direction:
    return "egress" if not decision.egress.allowed else "ingress"


def _side(decision: Decision, side: Direction) -> SideDecision:
    return decision.egress if side == "egress" else decision.ingress


def _compare_pair(
    before: Sequence[Decision] | None, after: Sequence[Decision] | None
) -> Iterable[tuple[int, ChangeKind, Cause | None, Cause | None, Cause | None]]:
    """(segment, kind, before cause, after cause, denying cause) of every changed segment."""
    if before is None and after is not None:
        for i, d in enumerate(after):
            if d.allowed:
                yield i, "new-peer", None, _allow_cause(d), None
        return
    if after is None and before is not None:
        for i, d in enumerate(before):
            if d.allowed:
                yield i, "lost-peer", _allow_cause(d), None, None
        return
    assert before is not None and after is not None
    for i, (old, new) in enumerate(zip(before, after, strict=True)):
        if old.allowed and not new.allowed:
            side = _denying_side(new)
            yield (
                i,
                "removed",
                Cause.of(side, _side(old, side)),
                None,
                Cause.of(side, _side(new, side)),
            )
        elif new.allowed and not old.allowed:
            side = _denying_side(old)
            yield (
                i,
                "added",
                None,
                Cause.of(side, _side(new, side)),
                Cause.of(side, _side(old, side)),
            )


def raw_changes(old: Connectivity, new: Connectivity) -> dict[Key, list[tuple[int, int]]]:
    """Every changed (pair, protocol, causes) with its port segments, ungrouped."""
    grid = old.grid
    out: dict[Key, list[tuple[int, int]]] = {}
    for pair in sorted({*old.table, *new.table}, key=lambda p: (str(p[0]), str(p[1]))):
        a, b = old.table.get(pair), new.table.get(pair)
        for k, (protocol, _) in enumerate(grid.ports):
            segments = grid.segments(protocol)
            rows = _compare_pair(a[k] if a else None, b[k] if b else None)
            for i, kind, before, after, denied in rows:
                key: Key = (kind, pair[0], pair[1], protocol, before, after, denied)
                out.setdefault(key, []).append(segments[i])
    return out


def group(
    raw: dict[Key, list[tuple[int, int]]], pods: dict[str, Pod], group_by: GroupBy
) -> tuple[Change, ...]:
    """Rows per (kind, src group, dst group, protocol, causes); ports united, pairs counted."""
    ports: dict[tuple[object, ...], list[tuple[int, int]]] = {}
    pairs: dict[tuple[object, ...], set[tuple[str, str]]] = {}
    for (kind, src, dst, protocol, before, after, denied), segments in raw.items():
        s, d = group_name(src, pods, group_by), group_name(dst, pods, group_by)
        key = (kind, s, d, protocol, before, after, denied)
        ports.setdefault(key, []).extend(segments)
        pairs.setdefault(key, set()).add((str(src), str(dst)))
    rows = [
        Change(k[0], k[1], k[2], k[3], merge_intervals(v), k[4], k[5], k[6], len(pairs[k]))  # type: ignore[arg-type]
        for k, v in ports.items()
    ]
    order = {kind: i for i, kind in enumerate(CHANGE_KINDS)}
    rows.sort(key=lambda c: (order[c.change], c.src, c.dst, c.protocol, c.ports, repr(c)))
    return tuple(rows)


def compare(old: Connectivity, new: Connectivity, group_by: GroupBy = "workload") -> Diff:
    """The diff of two connectivities computed on the same grid."""
    pods = {**old.pods, **new.pods}
    raw = raw_changes(old, new)
    counts = {kind: len({(k[1], k[2]) for k in raw if k[0] == kind}) for kind in CHANGE_KINDS}
    return Diff(
        group(raw, pods, group_by),
        group_by,
        tuple((k, n) for k, n in counts.items() if n),
    )


def diff_clusters(
    old: Cluster, new: Cluster, profile: Profile = UPSTREAM, group_by: GroupBy = "workload"
) -> Diff:
    """Compare what two clusters allow, over every protocol, port and outside address."""
    grid = Grid.of([old, new])
    return compare(compute(old, grid, profile), compute(new, grid, profile), group_by)
