"""The flow table: per group pair and port set, the rules that allow it.

For each group pair and each port class it reaches on, one pod pair that the
engine allows there is picked (the first in pod order) and its decision is read
with ``PolicyEngine.decide_endpoints``, the call behind ``netsim explain``: the
egress rule at the source and the ingress rule at the destination (or why that side
does not filter). Port classes of one group pair allowed by the same two rules are
merged into one row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from netsim.graph.ports import PortClass, format_ports, union
from netsim.graph.reach import Reach
from netsim.model.objects import Pod
from netsim.policy.endpoint import pod_endpoint
from netsim.policy.engine import PolicyEngine
from netsim.policy.verdict import SideDecision

MAX_ROWS = 20_000
"""Rows kept in the table; the rest are counted, not listed."""
WHY = {
    "not-isolated": "not isolated",
    "not-enforced": "not enforced",
    "not-a-pod": "not a pod",
    "not-filtered": "not filtered",
    "loopback": "loopback",
    "node-local": "node-local",
}


@dataclass(frozen=True, slots=True)
class FlowRow:
    """One row: ``src``/``dst`` are group keys; ``example`` the pod pair the rules were read
    from; ``allowed``/``pairs`` count ordered pod pairs of the group pair (any port)."""

    src: str
    dst: str
    ports: str
    egress: str
    ingress: str
    example: str
    allowed: int
    pairs: int


def _side(decision: SideDecision) -> str:
    if decision.rule is not None:
        return str(decision.rule)
    return WHY.get(decision.reason, decision.reason)


class _Witnesses:
    """Finds an allowed pod pair of two groups on one port class."""

    def __init__(self, engine: PolicyEngine, reach: Reach) -> None:
        self.engine = engine
        self.pods = engine.pods()
        classes, special = engine.pod_classes()
        self.special = set(special)
        members: dict[int, list[int]] = {}
        for i, g in enumerate(reach.grouping.of_pod):
            members.setdefault(g, []).append(i)
        self.members = members
        self.classes = classes
        self.reps: dict[int, tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], list[int]]] = {}

    def _reps(self, g: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], list[int]]:
        """A group's distinct classes, the first pod of each, and its hostNetwork pods."""
        found = self.reps.get(g)
        if found is None:
            normal = [i for i in self.members[g] if i not in self.special]
            cls = self.classes[np.asarray(normal, dtype=np.intp)]
            uniq, first = np.unique(cls, return_index=True)
            pods = np.asarray(normal, dtype=np.intp)[first]
            spec = [i for i in self.members[g] if i in self.special]
            found = self.reps[g] = (uniq, pods, spec)
        return found

    def find(self, g: int, h: int, port_class: PortClass) -> tuple[Pod, Pod] | None:
        """An allowed (source, destination) pod pair of two different pods, or None."""
        proto, port = port_class.protocol, port_class.representative
        cg, pg, sg = self._reps(g)
        ch, ph, sh = self._reps(h)
        if len(cg) and len(ch):
            table = self.engine.class_matrix(proto, port)[np.ix_(cg, ch)]
            for a, b in np.argwhere(table).tolist():
                src, dst = int(pg[a]), int(ph[b])
                if src == dst:  # same class in the same group: another pod of that class
                    others = [
                        i
                        for i in self.members[h]
                        if i != src and i not in self.special and self.classes[i] == cg[a]
                    ]
                    if not others:
                        continue
                    dst = others[0]
                return self.pods[src], self.pods[dst]
        if sg or sh:
            src_all = np.asarray(self.members[g], dtype=np.intp)
            dst_all = np.asarray(self.members[h], dtype=np.intp)
            s = np.repeat(src_all, len(dst_all))
            d = np.tile(dst_all, len(src_all))
            ok = self.engine.allowed_pods(s, d, proto, port) & (s != d)
            hits = np.flatnonzero(ok)
            if len(hits):
                return self.pods[int(s[hits[0]])], self.pods[int(d[hits[0]])]
        return None


def flow_rows(engine: PolicyEngine, reach: Reach) -> tuple[list[FlowRow], int]:
    """The table's rows in (src, dst, ports) order, and how many rows were left out."""
    groups = reach.grouping.groups
    witnesses = _Witnesses(engine, reach)
    cluster, profile = engine.cluster, engine.profile
    rows: list[FlowRow] = []
    dropped = 0
    for (g, h), ks in sorted(reach.edges.items()):
        if len(rows) >= MAX_ROWS:
            dropped += 1
            continue
        by_rules: dict[tuple[str, str], tuple[list[int], str]] = {}
        for k in ks:
            pair = witnesses.find(g, h, reach.classes[k])
            if pair is None:
                continue
            src, dst = pair
            decision = engine.decide_endpoints(
                pod_endpoint(cluster, src, profile),
                pod_endpoint(cluster, dst, profile),
                reach.classes[k].protocol,
                reach.classes[k].representative,
            )
            key = (_side(decision.egress), _side(decision.ingress))
            found = by_rules.setdefault(key, ([], f"{src.key} -> {dst.key}"))
            found[0].append(k)
        for (egress, ingress), (found_ks, example) in by_rules.items():
            rows.append(
                FlowRow(
                    groups[g].key,
                    groups[h].key,
                    format_ports(union(reach.classes[k] for k in found_ks)),
                    egress,
                    ingress,
                    example,
                    int(reach.allowed[g, h]),
                    int(reach.pairs[g, h]),
                )
            )
    rows.sort(key=lambda r: (r.src, r.dst, r.ports, r.egress, r.ingress))
    return rows, dropped
