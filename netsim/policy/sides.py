"""Per-side decisions: what one enforcement point (egress or ingress) says of a connection.

Pods in one policy group (:mod:`netsim.policy.policygroups`) decide alike, so
a side decision is read from a :class:`SideEntry` built once per (group,
protocol, port, destination named-port signature): the rules whose ports
match, and the union of their peers for the bool fast path. The opening
checks (nothing enforced, not a pod, ICMP unfiltered, loopback, node-local)
are made in one place, :meth:`SideDecider.opening`; the cluster-wide tiers
(:mod:`netsim.policy.tiercompile`) are applied over the NetworkPolicy answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from netsim.match.ports import PortSet
from netsim.model.netpol import Direction
from netsim.policy.compile import PolicyTables
from netsim.policy.endpoint import L4_PROTOCOLS
from netsim.policy.policygroups import PolicyGroups
from netsim.policy.profile import Profile
from netsim.policy.registry import Record, Registry
from netsim.policy.tiercompile import NOT_ISOLATED, TierTables
from netsim.policy.verdict import RuleRef, SideDecision

NOT_ENFORCED = SideDecision(True, "not-enforced")
NOT_A_POD = SideDecision(True, "not-a-pod")
NOT_FILTERED = SideDecision(True, "not-filtered")
LOOPBACK = SideDecision(True, "loopback")
NODE_LOCAL = SideDecision(True, "node-local")

ENTRY_CACHE_LIMIT = 1 << 18
"""Side entries kept before a change empties them all (retired groups' entries are garbage)."""

Peers = tuple[tuple[int, set[int] | None, int | None], ...]
"""A rule's peers: (index, live member set or None, ipBlock entry or None)."""
GroupRule = tuple[str, int, PortSet, Peers]
"""(policy key, rule index, ports, peers)."""


@dataclass(frozen=True, slots=True)
class RuleEntry:
    """A rule whose ports match one (protocol, port, destination): back-pointer and peers.

    ``port`` is the index of the first matching ``ports`` term (None: the rule
    has no ports); ``peers`` are (peer index, live member set or None, ipBlock
    entry or None), empty when the rule has no ``from``/``to``.
    """

    policy: str
    index: int
    port: int | None
    peers: Peers


@dataclass(frozen=True, slots=True)
class SideEntry:
    """What one policy group allows on one (protocol, port, destination named ports).

    ``policies`` are the group's policy keys (empty: not isolated); ``rules`` the
    rules whose ports match, in (policy, rule) order, for the first-match
    RuleRef. For the bool fast path: a remote is allowed when ``everything``
    (not isolated, or a matching rule has no peers), when its identity is in
    one of ``identity_sets``, or when its IP is in one of ``blocks``.
    """

    policies: tuple[str, ...]
    rules: tuple[RuleEntry, ...]
    everything: bool
    identity_sets: tuple[set[int], ...]
    blocks: frozenset[int]

    def admits(self, remote: Record) -> bool:
        """Tell whether the remote end matches some peer (``everything`` aside)."""
        identity = remote.identity
        if identity >= 0:
            for members in self.identity_sets:
                if identity in members:
                    return True
        return bool(self.blocks) and not self.blocks.isdisjoint(remote.blocks)

    def decision(self, direction: Direction, remote: Record) -> SideDecision:
        """The side decision, naming the first matching rule as the reference evaluator does."""
        if not self.policies:
            return NOT_ISOLATED
        identity, blocks = remote.identity, remote.blocks
        for rule in self.rules:
            if not rule.peers:
                ref = RuleRef(rule.policy, direction, rule.index, None, rule.port)
                return SideDecision(True, "rule", ref, self.policies)
            for j, members, block in rule.peers:
                if (members is not None and identity in members) or (
                    block is not None and block in blocks
                ):
                    ref = RuleRef(rule.policy, direction, rule.index, j, rule.port)
                    return SideDecision(True, "rule", ref, self.policies)
        return SideDecision(False, "no-rule-matched", None, self.policies)


class SideDecider:
    """The egress and ingress decisions of resolved ends, through cached side entries."""

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
        self._enforce = profile.enforce
        self._icmp_free = not profile.filter_icmp
        self._node_local = profile.node_local_allowed
        self._group_rules: dict[tuple[Direction, int], tuple[GroupRule, ...]] = {}
        self._egress_entries: dict[tuple[int, str, int, int], SideEntry] = {}
        self._ingress_entries: dict[tuple[int, str, int, int], SideEntry] = {}

    def size(self) -> int:
        """How many side entries are cached."""
        return len(self._egress_entries) + len(self._ingress_entries)

    def forget(self) -> None:
        """Drop every side entry and group rule list (the group ids start again)."""
        self._egress_entries.clear()
        self._ingress_entries.clear()
        self._group_rules.clear()

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
        that holds for whole tables).
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
        if direction == "egress":
            group, uses_named = local.egress, local.egress_named
        else:
            group, uses_named = local.ingress, local.ingress_named
        entry = self.entry(direction, group, protocol, port, dst.named if uses_named else -1)
        netpol = entry.decision(direction, remote)
        if not self.tiers.policies:
            return netpol
        named_ports = self.registry.named_ports(dst.named)
        return self.tiers.decide_ends(
            netpol, direction, local, remote, dst, named_ports, protocol, port
        )

    def allowed(self, src: Record, dst: Record, protocol: str, port: int) -> bool:
        """Both sides through the :class:`SideEntry` tables (what ``decide`` says, faster)."""
        if self.tiers.policies:  # the tiers decide through the full side decisions
            return (
                self.egress(src, dst, protocol, port).allowed
                and self.ingress(src, dst, protocol, port).allowed
            )
        if self.opening(src, dst, protocol) is None:
            named = dst.named if src.egress_named else -1
            entry = self._egress_entries.get((src.egress, protocol, port, named))
            if entry is None:
                entry = self.entry("egress", src.egress, protocol, port, named)
            if not entry.everything and not entry.admits(dst):
                return False
        if self.opening(dst, src, protocol) is None:
            named = dst.named if dst.ingress_named else -1
            entry = self._ingress_entries.get((dst.ingress, protocol, port, named))
            if entry is None:
                entry = self.entry("ingress", dst.ingress, protocol, port, named)
            if not entry.everything and not entry.admits(src):
                return False
        return True

    # -------------------------------------------------------------- entries
    def entry(
        self, direction: Direction, group: int, protocol: str, port: int, named: int
    ) -> SideEntry:
        """The (cached) side entry of a group on (protocol, port) at signature ``named``."""
        entries = self._egress_entries if direction == "egress" else self._ingress_entries
        key = (group, protocol, port, named)
        entry = entries.get(key)
        if entry is None:
            entry = entries[key] = self._build(direction, group, protocol, port, named)
        return entry

    def _rules_of(self, direction: Direction, group: int) -> tuple[GroupRule, ...]:
        """The rules of a group's policies in (policy, rule) order, peers resolved to sets."""
        found = self._group_rules.get((direction, group))
        if found is None:
            rules = []
            for policy in self.groups.policies[group]:
                for rule in policy.rules(direction):
                    peers = tuple(
                        (j, None if p.spec is None else self.tables.members(p.spec), p.block)
                        for j, p in enumerate(rule.peers)
                    )
                    rules.append((policy.key, rule.index, rule.ports, peers))
            found = self._group_rules[(direction, group)] = tuple(rules)
        return found

    def _build(
        self, direction: Direction, group: int, protocol: str, port: int, named: int
    ) -> SideEntry:
        """What a policy group allows on (protocol, port) at a destination with ``named`` ports."""
        policies = self.groups.policies[group]
        named_ports = self.registry.named_ports(named)
        everything = not policies
        identity_sets: dict[int, set[int]] = {}
        blocks: set[int] = set()
        rules: list[RuleEntry] = []
        for policy_key, index, ports, peers in self._rules_of(direction, group):
            port_index = ports.first_match(protocol, port, named_ports)
            if ports.terms and port_index is None:
                continue
            if not peers:
                everything = True
            for _, members, block in peers:
                if block is not None:
                    blocks.add(block)
                elif members is not None:
                    identity_sets[id(members)] = members
            rules.append(RuleEntry(policy_key, index, port_index, peers))
        return SideEntry(
            tuple(p.key for p in policies),
            tuple(rules),
            everything,
            tuple(identity_sets.values()),
            frozenset(blocks),
        )
