"""Side entries by port class: what a policy group allows, for every port at once.

A *side entry* says what one policy group's rules allow on one (protocol,
port) at a destination with given named ports: the rules whose ports match
(for the first-match :class:`~netsim.policy.verdict.RuleRef`) and the union of
their peers (for the bool fast path). Ports that every rule treats alike share
a port class (:mod:`netsim.policy.portclasses`), so a group's entries form one
*row* indexed by class, built the first time the group is met: its rules'
ports are matched once per class by :meth:`~netsim.match.ports.PortSet.first_match`
(the one port rule), and classes with the same matching rules share an entry.

A group whose rules use named ports has one row per distinct resolution of
those names (destinations declaring the same numbers for them share it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netsim.match.ports import PortSet
from netsim.model.netpol import Direction
from netsim.policy.compile import CompiledPolicy, PolicyTables
from netsim.policy.policygroups import PolicyGroups
from netsim.policy.portclasses import PortClasses, classes_matched, port_vector
from netsim.policy.registry import Record, Registry
from netsim.policy.tiercompile import NOT_ISOLATED
from netsim.policy.verdict import RuleRef, SideDecision

Peers = tuple[tuple[int, set[int] | None, int | None], ...]
"""A rule's peers: (index, live member set or None, ipBlock entry or None)."""
GroupRule = tuple[str, int, PortSet, Peers, tuple[set[int], ...], tuple[int, ...]]
"""(policy key, rule index, ports, peers, the peers' member sets, their ipBlock entries)."""
FastEntry = bool | set[int] | tuple[tuple[set[int], ...], frozenset[int]]
"""A side entry as the bool fast path reads it: True (every remote end passes); one
identity set (a remote passes when its identity is in it); or (identity sets, ipBlock
entries): a remote passes when its identity is in one of the sets or it lies in one of
the entries."""


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
    fast: FastEntry
    """This entry as the bool fast path reads it (:data:`FastEntry`)."""

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


def side_entry(policies: tuple[str, ...], matched: list[tuple[GroupRule, int | None]]) -> SideEntry:
    """The entry of a group (its ``policies``' keys) whose rules ``matched`` (with their
    first matching port term)."""
    everything = not policies
    identity_sets: dict[int, set[int]] = {}
    blocks: set[int] = set()
    rules: list[RuleEntry] = []
    for (policy_key, index, _, peers, members, entries), port_index in matched:
        if not peers:
            everything = True
        for one in members:
            identity_sets[id(one)] = one
        blocks.update(entries)
        rules.append(RuleEntry(policy_key, index, port_index, peers))
    sets, block_set = tuple(identity_sets.values()), frozenset(blocks)
    return SideEntry(
        policies,
        tuple(rules),
        everything,
        sets,
        block_set,
        True if everything else sets[0] if len(sets) == 1 and not blocks else (sets, block_set),
    )


Row = list[SideEntry]
"""A group's entries, indexed by port class."""


class SideRows:
    """Every group's rows: built on first use, extended when a port class splits."""

    def __init__(self, tables: PolicyTables, groups: PolicyGroups, registry: Registry) -> None:
        self.tables = tables
        self.groups = groups
        self.registry = registry
        self.ports = PortClasses()
        self._signatures = 0  # named-port signatures already cut into the classes
        self._splits = 0  # class splits already applied to the tracked lists
        self._tracked: list[list[Any]] = []
        self._group_rules: dict[tuple[Direction, int], tuple[GroupRule, ...]] = {}
        self._named_keys: dict[tuple[Direction, int], tuple[tuple[str, str], ...]] = {}
        self._rows: dict[tuple[Direction, int, tuple[int | None, ...]], Row] = {}
        self._asked: dict[tuple[Direction, int, int], Row] = {}  # by signature, not resolution
        self._single: dict[tuple[Direction, int, int, int], SideEntry] = {}  # rows not built
        self._vectors: dict[tuple[int, int], tuple[PortSet, tuple[tuple[int, int], ...]]] = {}

    def size(self) -> int:
        """How many rows and single-class entries are kept."""
        return len(self._rows) + len(self._single)

    def forget(self) -> None:
        """Drop every row and group rule list (group ids start again, or classes changed)."""
        self._rows.clear()
        self._asked.clear()
        self._single.clear()
        self._group_rules.clear()
        self._named_keys.clear()
        self._vectors.clear()
        self._tracked.clear()

    def track(self, by_class: list[Any]) -> None:
        """Keep a list indexed by port class as long as the classes: a split appends a copy
        of the old class's item (the rows here, and the fast path's)."""
        self._tracked.append(by_class)

    def _apply_splits(self) -> None:
        splits = self.ports.splits
        if self._splits == len(splits):
            return
        new = splits[self._splits :]
        self._splits = len(splits)
        self._vectors.clear()
        for by_class in self._tracked:
            for old, _ in new:
                by_class.append(by_class[old])

    def add_policy(self, policy: CompiledPolicy) -> None:
        """Cut the port classes at a (new or changed) policy's port terms."""
        for rule in (*policy.ingress, *policy.egress):
            self.ports.add_ports(rule.ports)
        self._apply_splits()

    def sync(self) -> None:
        """Cut the classes at named-port signatures registered since the last call."""
        named = self.registry.named
        if self._signatures < len(named):
            while self._signatures < len(named):
                self.ports.add_named(named[self._signatures])
                self._signatures += 1
            self._apply_splits()

    def rules_of(self, direction: Direction, group: int) -> tuple[GroupRule, ...]:
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
                    members = tuple(m for _, m, b in peers if b is None and m is not None)
                    entries = tuple(b for _, _, b in peers if b is not None)
                    rules.append((policy.key, rule.index, rule.ports, peers, members, entries))
            found = self._group_rules[(direction, group)] = tuple(rules)
        return found

    def uses_named(self, direction: Direction, group: int) -> bool:
        """Tell whether a group's rules use named ports (its rows depend on the destination)."""
        return bool(self._names(direction, group, self.rules_of(direction, group)))

    def row(self, direction: Direction, group: int, signature: int) -> Row:
        """A group's entries by port class at a destination with named-port ``signature``
        (-1: none, or the group's rules use no named ports). Call :meth:`sync` first."""
        found = self._row(direction, group, signature, build=True)
        assert found is not None  # built when missing
        return found

    def _row(self, direction: Direction, group: int, signature: int, build: bool) -> Row | None:
        """The row if built (or ``build``: built now); rows are shared by the signatures that
        resolve the group's named ports alike."""
        asked = (direction, group, signature)
        found = self._asked.get(asked)
        if found is not None:
            return found
        rules = self.rules_of(direction, group)
        names = self._names(direction, group, rules)
        named_ports = self.registry.named_ports(signature)
        resolved = tuple(named_ports.get(name) for name in names)
        key = (direction, group, resolved)
        found = self._rows.get(key)
        if found is None:
            if not build:
                return None
            found = self._rows[key] = self._build(group, rules, signature if names else -1)
            self._tracked.append(found)
        self._asked[asked] = found
        return found

    def _names(
        self, direction: Direction, group: int, rules: tuple[GroupRule, ...]
    ) -> tuple[tuple[str, str], ...]:
        """The (name, protocol) pairs the group's named port terms use, sorted."""
        found = self._named_keys.get((direction, group))
        if found is None:
            used = {(t.name, t.protocol) for rule in rules for t in rule[2].terms if t.name}
            found = self._named_keys[(direction, group)] = tuple(sorted(used))
        return found

    def _matched_classes(self, ports: PortSet, signature: int) -> tuple[tuple[int, int], ...]:
        """(class, first matching term) for every class ``ports`` matches at ``signature``."""
        # keyed by id (hashing a PortSet hashes all its terms); the set itself is kept in
        # the value, so an id reused by another set after the first died is told apart
        key = (id(ports), signature)
        found = self._vectors.get(key)
        if found is None or found[0] is not ports:
            effective = signature if ports.has_named else -1
            named = self.registry.named_ports(effective)
            found = (ports, classes_matched(port_vector(self.ports, ports, named)))
            self._vectors[key] = found
        return found[1]

    def _build(self, group: int, rules: tuple[GroupRule, ...], signature: int) -> Row:
        """One row: per class the matching rules; the classes no rule names by port share
        the entry of the port-less rules, the others share by equal matches."""
        everywhere: list[tuple[GroupRule, int | None]] = []
        named: dict[int, list[tuple[GroupRule, int | None]]] = {}  # class -> its matches
        for rule in rules:
            ports = rule[2]
            if ports.any:
                everywhere.append((rule, None))
                for at_class in named.values():
                    at_class.append((rule, None))
                continue
            for c, term in self._matched_classes(ports, signature):
                matches = named.get(c)
                if matches is None:
                    matches = named[c] = list(everywhere)
                matches.append((rule, term))
        policies = tuple(p.key for p in self.groups.policies[group])
        row: Row = [side_entry(policies, everywhere)] * len(self.ports)
        shared: dict[tuple[tuple[int, int | None], ...], SideEntry] = {}
        for c, at_class in named.items():
            key = tuple((id(rule), term) for rule, term in at_class)
            entry = shared.get(key)
            if entry is None:
                entry = shared[key] = side_entry(policies, at_class)
            row[c] = entry
        return row

    def entry(
        self, direction: Direction, group: int, protocol: str, port: int, signature: int
    ) -> SideEntry:
        """The entry of a group on (protocol, port) at a destination with named-port
        ``signature``: from the group's row when it was built (the fast path builds them),
        else the one class's entry, built and kept on its own (deciding a few flows of a
        group does not build its whole row); a protocol or port without a class is matched
        rule by rule."""
        self.sync()
        at_class = self.ports.class_of(protocol, port)
        if at_class is None:
            return self._matched(direction, group, protocol, port, signature)
        row = self._asked.get((direction, group, signature))
        if row is not None:
            return row[at_class]
        key = (direction, group, signature, at_class)
        found = self._single.get(key)
        if found is not None:
            return found
        row = self._row(direction, group, signature, build=False)
        if row is not None:
            return row[at_class]
        protocol, first = self.ports.firsts[at_class]  # speaks for the whole class
        found = self._single[key] = self._matched(direction, group, protocol, first, signature)
        return found

    def _matched(
        self, direction: Direction, group: int, protocol: str, port: int, signature: int
    ) -> SideEntry:
        """The entry of one (protocol, port), its rules matched one by one."""
        named = self.registry.named_ports(signature)
        matched: list[tuple[GroupRule, int | None]] = []
        for rule in self.rules_of(direction, group):
            ports = rule[2]
            term = ports.first_match(protocol, port, named)
            if ports.any or term is not None:
                matched.append((rule, term))
        return side_entry(tuple(p.key for p in self.groups.policies[group]), matched)
