"""Per-side decisions: what one enforcement point (egress or ingress) says of a connection.

Pods in one policy group (:mod:`netsim.policy.policygroups`) decide alike, so
a side decision is read from a side entry of the group's row
(:mod:`netsim.policy.siderows`: one entry per port class, built once per
group). The opening checks (nothing enforced, not a pod, ICMP unfiltered,
loopback, node-local) are made in one place, :meth:`SideDecider.opening`; the
cluster-wide tiers (:mod:`netsim.policy.tiercompile`) are applied over the
NetworkPolicy answer.
"""

from __future__ import annotations

from netsim.model.netpol import Direction
from netsim.policy.compile import PolicyTables
from netsim.policy.endpoint import L4_PROTOCOLS
from netsim.policy.policygroups import PolicyGroups
from netsim.policy.profile import Profile
from netsim.policy.registry import Record, Registry
from netsim.policy.siderows import RuleEntry, SideEntry, SideRows
from netsim.policy.tiercompile import TierTables
from netsim.policy.verdict import SideDecision

__all__ = ["RuleEntry", "SideDecider", "SideEntry"]

NOT_ENFORCED = SideDecision(True, "not-enforced")
NOT_A_POD = SideDecision(True, "not-a-pod")
NOT_FILTERED = SideDecision(True, "not-filtered")
LOOPBACK = SideDecision(True, "loopback")
NODE_LOCAL = SideDecision(True, "node-local")

ROW_CACHE_LIMIT = 1 << 16
"""Rows kept before a change empties them all (retired groups' rows are garbage)."""


class SideDecider:
    """The egress and ingress decisions of resolved ends, through the groups' rows."""

    def __init__(
        self,
        tables: PolicyTables,
        tiers: TierTables,
        groups: PolicyGroups,
        registry: Registry,
        profile: Profile,
    ) -> None:
        self.tables = tables
        self.tiers = tiers
        self.groups = groups
        self.registry = registry
        self.rows = SideRows(tables, groups, registry)
        self._enforce = profile.enforce
        self._icmp_free = not profile.filter_icmp
        self._node_local = profile.node_local_allowed

    def size(self) -> int:
        """How many rows are kept."""
        return self.rows.size()

    def forget(self) -> None:
        """Drop every row and group rule list (the group ids start again)."""
        self.rows.forget()

    # ------------------------------------------------------------- openings
    def unfiltered(self, protocol: str) -> SideDecision | None:
        """The opening checks that hold for every pair: nothing enforced, protocol unfiltered."""
        if not self._enforce:
            return NOT_ENFORCED
        if self._icmp_free and protocol not in L4_PROTOCOLS:
            return NOT_FILTERED
        return None

    def opening(self, local: Record, remote: Record, protocol: str) -> SideDecision | None:
        """The decision of ``local``'s enforcement point before any policy is read, or None.

        The one place the opening checks are made (SEMANTICS.md; the reference
        evaluator's ``side_decision`` makes them literally): nothing enforced,
        ``local`` not a pod, ICMP unfiltered, a pod to itself, node-local traffic.
        Every path that decides a side calls it (:meth:`egress`/:meth:`ingress`
        for ``decide``, :meth:`allowed` for ``allowed`` and for node-traffic pods
        in the matrix; the class matrix calls :meth:`unfiltered` for the part
        that holds for whole tables; :mod:`netsim.policy.fastpath` answers only
        pairs of two different pods on a filtered protocol with enforcement on,
        which this finds open to no check).
        """
        if self._enforce and local.identity < 0:
            return NOT_A_POD  # (before "not-filtered", as the reference orders them)
        found = self.unfiltered(protocol)
        if found is not None:
            return found
        if remote.key and remote.key == local.key:
            return LOOPBACK
        if self._node_local and remote.kind == "node" and remote.node == local.node:
            return NODE_LOCAL
        return None

    @property
    def fast_path_applies(self) -> bool:
        """True when pod pairs may be answered by :mod:`netsim.policy.fastpath`: policy is
        enforced and no cluster-wide tier is loaded (the tiers decide through full decisions)."""
        return self._enforce and not self.tiers.policies

    # ------------------------------------------------------------ decisions
    def egress(self, src: Record, dst: Record, protocol: str, port: int) -> SideDecision:
        """The source's egress decision."""
        return self._side("egress", src, dst, dst, protocol, port)

    def ingress(self, src: Record, dst: Record, protocol: str, port: int) -> SideDecision:
        """The destination's ingress decision."""
        return self._side("ingress", dst, src, dst, protocol, port)

    def _side(
        self,
        direction: Direction,
        local: Record,
        remote: Record,
        dst: Record,
        protocol: str,
        port: int,
    ) -> SideDecision:
        """One enforcement point: ``local`` is the end it protects, ``dst`` the destination
        (whose named ports a named policy port resolves on)."""
        opening = self.opening(local, remote, protocol)
        if opening is not None:
            return opening
        group = local.egress if direction == "egress" else local.ingress
        entry = self.rows.entry(direction, group, protocol, port, dst.named)
        netpol = entry.decision(direction, remote)
        if not self.tiers.policies:
            return netpol
        named_ports = self.registry.named_ports(dst.named)
        return self.tiers.decide_ends(
            netpol, direction, local, remote, dst, named_ports, protocol, port
        )

    def allowed(self, src: Record, dst: Record, protocol: str, port: int) -> bool:
        """Both sides through the groups' entries (what ``decide`` says, faster)."""
        if self.tiers.policies:  # the tiers decide through the full side decisions
            return (
                self.egress(src, dst, protocol, port).allowed
                and self.ingress(src, dst, protocol, port).allowed
            )
        if self.opening(src, dst, protocol) is None:
            entry = self.rows.entry("egress", src.egress, protocol, port, dst.named)
            if not entry.everything and not entry.admits(dst):
                return False
        if self.opening(dst, src, protocol) is None:
            entry = self.rows.entry("ingress", dst.ingress, protocol, port, dst.named)
            if not entry.everything and not entry.admits(src):
                return False
        return True
