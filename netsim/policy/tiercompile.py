"""Compile the cluster-wide tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
ClusterNetworkPolicy) into identity-level tables, as :mod:`netsim.policy.compile` does for
NetworkPolicy.

- Subjects and ``namespaces``/``pods`` peers are selector specs of the engine's
  :class:`~netsim.policy.compile.PolicyTables` (namespace selector AND pod selector), so
  their identity sets follow pods, relabels and namespace relabels like NetworkPolicy's.
- ``networks`` peers are entries of a :class:`~netsim.match.cidrtrie.CidrSetTable` (one per
  CIDR); an address's entries are looked up once per peer class.
- ``nodes`` peers keep their selector, matched on the node's name
  (:func:`netsim.policy.tiers.node_selected`).
- ports (``portNumber``, ``portRange``, ``namedPort``/``destinationNamedPort``) become a
  :class:`~netsim.match.ports.PortSet`, a named port one term per protocol (it resolves
  with the connection's protocol), each term remembering its ``ports`` index.

Pods with the same identity are selected by the same tier policies (a *tier group*); per
(group, direction, protocol, port, destination named ports) a :class:`TierEntry` holds the
rules whose ports match, in evaluation order. :func:`first_match` reads the deciding rule
from it and :func:`netsim.policy.tiers.tiered` puts the tiers in order; every engine path
(``decide``, ``allowed``, ``matrix``) decides through :meth:`TierTables.decide`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from netsim.match.cidrtrie import CidrSetTable
from netsim.match.ports import NamedPorts, PortMatcher, PortSet
from netsim.model.adminpolicy import (
    AdminPeer,
    AdminPort,
    AdminSubject,
    ClusterPolicy,
    Tier,
    Verdict,
    order_key,
    verdict_of,
)
from netsim.model.labels import LabelSelector
from netsim.model.netpol import Direction
from netsim.model.objects import Node
from netsim.policy.compile import PeerSpec, PolicyTables, members_vector
from netsim.policy.tiers import TierMatch, node_selected, tiered
from netsim.policy.verdict import RuleRef, SideDecision

NO_MATCH: TierMatch = (None, "")
"""No rule of a tier matched."""
NOT_ISOLATED = SideDecision(True, "not-isolated")
"""NetworkPolicy's decision for a pod it does not isolate."""
ENTRY_LIMIT = 1 << 18
"""Tier entries kept before they are all dropped (bounds memory over many ports)."""
L4 = ("TCP", "UDP", "SCTP")
"""The protocols a named port resolves with (the connection's)."""


@dataclass(frozen=True, slots=True)
class TierPeer:
    """One ``from``/``to`` entry: a selector spec, network entry ids, or a nodes selector.

    All empty (a ``domainNames`` peer): it matches nothing.
    """

    spec: PeerSpec | None = None
    networks: frozenset[int] = frozenset()
    nodes: LabelSelector | None = None


@dataclass(frozen=True, slots=True)
class TierRule:
    """Rule ``index`` of one direction: ``verdict`` when a peer AND a port match.

    ``has_ports`` False: every port (the field was absent); ``owners[t]`` is the
    ``ports`` index of term ``t`` of ``ports``.
    """

    index: int
    verdict: Verdict
    peers: tuple[TierPeer, ...]
    ports: PortSet
    owners: tuple[int, ...]
    has_ports: bool


@dataclass(frozen=True, slots=True)
class CompiledClusterPolicy:
    """A cluster-wide policy as identity-level tables."""

    key: str
    tier: Tier
    order: tuple[int, str, str]
    subject: PeerSpec
    ingress: tuple[TierRule, ...]
    egress: tuple[TierRule, ...]

    def rules(self, direction: Direction) -> tuple[TierRule, ...]:
        """The rules of one direction."""
        return self.ingress if direction == "ingress" else self.egress

    def specs(self) -> list[PeerSpec]:
        """Every selector spec the policy uses (subject first)."""
        return [self.subject] + [
            p.spec for r in (*self.ingress, *self.egress) for p in r.peers if p.spec is not None
        ]

    def networks(self) -> set[int]:
        """Every network entry id the policy owns."""
        return {n for r in (*self.ingress, *self.egress) for p in r.peers for n in p.networks}


PeerEntry = tuple[int, "set[int] | None", frozenset[int], "LabelSelector | None"]
"""(peer index, live identity set or None, network entry ids, nodes selector or None)."""


@dataclass(frozen=True, slots=True)
class TierRuleEntry:
    """A rule whose ports match one (protocol, port, destination): what it does and to whom."""

    policy: str
    index: int
    verdict: Verdict
    port: int | None
    peers: tuple[PeerEntry, ...]


@dataclass(frozen=True, slots=True)
class TierEntry:
    """What one tier group's policies say on one (direction, protocol, port, destination)."""

    admin: tuple[TierRuleEntry, ...]
    baseline: tuple[TierRuleEntry, ...]


def first_match(
    rules: tuple[TierRuleEntry, ...],
    direction: Direction,
    identity: int,
    networks: frozenset[int],
    node: Node | None,
) -> TierMatch:
    """The first rule (in evaluation order) with a peer matching the remote end.

    The remote is given as the tiers see it: ``identity`` (-1 unless a pod that is not
    host-networked), the network entries containing its address, and ``node`` (the Node
    when the remote is node traffic, else None). Semantics: :func:`netsim.policy.tiers.
    peer_matches`.
    """
    for rule in rules:
        for j, members, nets, nodes in rule.peers:
            if (
                (members is not None and identity in members)
                or (nets and not nets.isdisjoint(networks))
                or (nodes is not None and node_selected(nodes, node))
            ):
                return RuleRef(rule.policy, direction, rule.index, j, rule.port), rule.verdict
    return NO_MATCH


def compile_admin_ports(ports: tuple[AdminPort, ...]) -> tuple[PortSet, tuple[int, ...]]:
    """Ports as a PortSet and each term's ``ports`` index (see
    :func:`netsim.policy.tiers.port_matches`): a named port is a term per protocol."""
    terms: list[PortMatcher] = []
    owners: list[int] = []
    for k, p in enumerate(ports):
        if p.named_port is not None:
            terms += [PortMatcher(protocol, name=p.named_port) for protocol in L4]
            owners += [k] * len(L4)
        elif p.port is not None and p.protocol is not None:
            last = p.end_port if p.end_port is not None else p.port
            terms.append(PortMatcher(p.protocol, p.port, last))
            owners.append(k)
    return PortSet(tuple(terms)), tuple(owners)


def _spec(subject: AdminSubject) -> PeerSpec | None:
    """``namespaces`` or ``pods`` as a spec selecting across namespaces."""
    if subject.namespaces is not None:
        return PeerSpec("", None, subject.namespaces)
    if subject.pods is not None:
        return PeerSpec("", subject.pods.pod_selector, subject.pods.namespace_selector)
    return None


NOTHING = PeerSpec("", None, LabelSelector(match_labels=(("", ""),)))
"""A spec for a subject with neither field (never valid; kept total): selects nothing."""


class TierEnd(Protocol):
    """What the tiers read of a resolved end (the engine's ``Record``)."""

    @property
    def kind(self) -> str:
        """``pod``, ``node`` or ``external``."""

    @property
    def identity(self) -> int:
        """The pod's identity (-1: none)."""

    @property
    def node(self) -> str:
        """The node's name (a node end) or the pod's node."""

    @property
    def named(self) -> int:
        """The index of the pod's named-port signature (-1: none)."""

    @property
    def cluster_pod(self) -> bool:
        """A pod that is not host-networked: a possible subject and selector peer."""

    @property
    def networks(self) -> frozenset[int]:
        """The network entries containing its address."""


class TierTables:
    """The cluster-wide policies compiled over the engine's identities."""

    def __init__(self, tables: PolicyTables, nodes: Mapping[str, Node]) -> None:
        self.tables = tables
        self.nodes = nodes
        """The cluster's nodes by name (live): what ``nodes`` peers select on."""
        self.networks = CidrSetTable()
        self.policies: dict[str, CompiledClusterPolicy] = {}
        self._ordered: list[CompiledClusterPolicy] = []
        self._network_ids: dict[str, set[int]] = {}
        self._next_network = 0
        self._groups: dict[int, int] = {}
        self._group_ids: dict[tuple[str, ...], int] = {}
        self._group_policies: list[list[CompiledClusterPolicy]] = []
        self._entries: dict[tuple[int, Direction, str, int, int], TierEntry] = {}

    # --------------------------------------------------------------- policies
    def add(self, policy: ClusterPolicy) -> None:
        """Compile one policy (replacing one with the same key)."""
        if policy.key in self.policies:
            self.remove(policy.key)
        owned: set[int] = set()
        compiled = CompiledClusterPolicy(
            policy.key,
            policy.tier,
            order_key(policy),
            _spec(policy.subject) or NOTHING,
            self._rules(policy, "ingress", owned),
            self._rules(policy, "egress", owned),
        )
        for spec in compiled.specs():
            self.tables.acquire_spec(spec)
        self._network_ids[policy.key] = owned
        self.policies[policy.key] = compiled
        self._ordered = sorted(self.policies.values(), key=lambda p: p.order)
        self.forget()

    def remove(self, key: str) -> None:
        """Forget one policy, its specs and network entries."""
        compiled = self.policies.pop(key)
        for spec in compiled.specs():
            self.tables.release_spec(spec)
        for entry in self._network_ids.pop(key):
            self.networks.remove(entry)
        self._ordered = sorted(self.policies.values(), key=lambda p: p.order)
        self.forget()

    def forget(self) -> None:
        """Drop the tier groups and entries (a policy changed, or a namespace's labels)."""
        self._groups.clear()
        self._group_ids.clear()
        self._group_policies.clear()
        self._entries.clear()

    def _rules(
        self, policy: ClusterPolicy, direction: Direction, owned: set[int]
    ) -> tuple[TierRule, ...]:
        out = []
        for index, rule in enumerate(policy.rules(direction)):
            peers = tuple(self._peer(peer, owned) for peer in rule.peers)
            ports, owners = compile_admin_ports(rule.ports)
            verdict = verdict_of(rule.action)
            out.append(TierRule(index, verdict, peers, ports, owners, bool(rule.ports)))
        return tuple(out)

    def _peer(self, peer: AdminPeer, owned: set[int]) -> TierPeer:
        if peer.networks:
            ids = []
            for prefix in peer.networks:
                ids.append(self._next_network)
                self.networks.add(self._next_network, prefix)
                self._next_network += 1
            owned.update(ids)
            return TierPeer(networks=frozenset(ids))
        if peer.nodes is not None:
            return TierPeer(nodes=peer.nodes)
        return TierPeer(spec=_spec(AdminSubject(peer.namespaces, peer.pods)))

    # -------------------------------------------------------------- decisions
    def networks_of(self, version: int, value: int) -> frozenset[int]:
        """The network entries containing an address (empty when no policy has networks)."""
        return self.networks.lookup(version, value) if len(self.networks) else frozenset()

    def group(self, identity: int) -> int:
        """The tier group of a subject identity (-1: not a subject, e.g. host-networked)."""
        found = self._groups.get(identity)
        if found is None:
            policies = [
                p
                for p in self._ordered
                if identity >= 0 and identity in self.tables.members(p.subject)
            ]
            key = tuple(p.key for p in policies)
            found = self._group_ids.get(key)
            if found is None:
                found = self._group_ids[key] = len(self._group_policies)
                self._group_policies.append(policies)
            self._groups[identity] = found
        return found

    def entry(
        self,
        group: int,
        direction: Direction,
        protocol: str,
        port: int,
        named: int,
        named_ports: NamedPorts,
    ) -> TierEntry:
        """The rules of a group's policies matching (protocol, port) at the destination
        (``named`` the index of its named-port signature, ``named_ports`` that signature)."""
        key = (group, direction, protocol, port, named)
        found = self._entries.get(key)
        if found is not None:
            return found
        tiers: dict[Tier, list[TierRuleEntry]] = {"Admin": [], "Baseline": []}
        for policy in self._group_policies[group]:
            for rule in policy.rules(direction):
                port_index: int | None = None
                if rule.has_ports:
                    term = rule.ports.first_match(protocol, port, named_ports)
                    if term is None:
                        continue
                    port_index = rule.owners[term]
                peers = tuple(
                    (
                        j,
                        None if p.spec is None else self.tables.members(p.spec),
                        p.networks,
                        p.nodes,
                    )
                    for j, p in enumerate(rule.peers)
                )
                tiers[policy.tier].append(
                    TierRuleEntry(policy.key, rule.index, rule.verdict, port_index, peers)
                )
        if len(self._entries) >= ENTRY_LIMIT:
            self._entries.clear()
        found = self._entries[key] = TierEntry(tuple(tiers["Admin"]), tuple(tiers["Baseline"]))
        return found

    def decide(
        self,
        netpol: SideDecision,
        direction: Direction,
        subject: int,
        remote: tuple[int, frozenset[int], str],
        named: int,
        named_ports: NamedPorts,
        protocol: str,
        port: int,
    ) -> SideDecision:
        """One enforcement point through the tiers, given NetworkPolicy's decision.

        ``subject`` is the local pod's identity (-1 when it cannot be a subject),
        ``remote`` the remote end as :func:`first_match` takes it.
        """
        entry = self.entry(self.group(subject), direction, protocol, port, named, named_ports)
        identity, networks, name = remote
        node = self.nodes.get(name) if name else None

        def baseline() -> TierMatch:
            return first_match(entry.baseline, direction, identity, networks, node)

        admin = first_match(entry.admin, direction, identity, networks, node)
        return tiered(netpol, admin, baseline)

    def decide_ends(
        self,
        netpol: SideDecision,
        direction: Direction,
        local: TierEnd,
        remote: TierEnd,
        destination: TierEnd,
        named_ports: NamedPorts,
        protocol: str,
        port: int,
    ) -> SideDecision:
        """:meth:`decide` for resolved ends: the local pod, the remote end and the
        destination (whose named ports, ``named_ports``, a named port resolves on)."""
        view = (
            remote.identity if remote.cluster_pod else -1,
            remote.networks,
            remote.node if remote.kind == "node" else "",
        )
        subject = local.identity if local.cluster_pod else -1
        named = destination.named
        return self.decide(netpol, direction, subject, view, named, named_ports, protocol, port)

    def side_table(
        self,
        direction: Direction,
        classes: Sequence[tuple[int, frozenset[int], int]],
        named_ports: Callable[[int], NamedPorts],
        protocol: str,
        port: int,
        isolated: npt.NDArray[np.bool_],
        allowed: npt.NDArray[np.bool_],
    ) -> npt.NDArray[np.bool_]:
        """One direction's verdicts over peer classes, [local class, remote class].

        ``classes`` are (identity, network entries, named-port signature) of pod classes
        that are not host-networked; ``isolated``/``allowed`` NetworkPolicy's isolation
        per local class and verdict per pair. Per tier group and destination signature the
        :class:`TierEntry` is the one :meth:`decide` reads; its first-match verdicts over
        all remote classes come from :class:`ClassVectors` and are put in tier order by
        :func:`combine`, with numpy (no loop over class pairs).
        """
        out = np.where(isolated[:, None], allowed, True)
        if not classes:
            return out
        vectors = ClassVectors(classes)
        named = np.array([c[2] for c in classes], dtype=np.intp)
        groups = np.array([self.group(c[0]) for c in classes], dtype=np.intp)
        for group in np.unique(groups).tolist():
            if not self._group_policies[group]:
                continue
            rows = np.flatnonzero(groups == group)
            # egress: the destination is the remote (columns); ingress: the local pod (rows)
            signatures = named if direction == "egress" else named[rows]
            for signature in np.unique(signatures).tolist():
                entry = self.entry(
                    group, direction, protocol, port, signature, named_ports(signature)
                )
                admin, baseline = vectors.codes(entry.admin), vectors.codes(entry.baseline)
                if direction == "egress":
                    cols = np.flatnonzero(named == signature)
                    block = np.ix_(rows, cols)
                    out[block] = combine(
                        admin[cols], baseline[cols], isolated[rows], allowed[block]
                    )
                else:
                    sub = rows[named[rows] == signature]
                    out[sub] = combine(admin, baseline, isolated[sub], allowed[sub])
        return out


ALLOW, DENY, PASS = 1, 2, 3
CODES: dict[Verdict, int] = {"allow": ALLOW, "deny": DENY, "pass": PASS}
"""A rule's verdict as the int8 code of :meth:`ClassVectors.codes` (0: no rule matched)."""


class ClassVectors:
    """:func:`first_match` over every remote class at once: a verdict code per class."""

    def __init__(self, classes: Sequence[tuple[int, frozenset[int], int]]) -> None:
        self.identities = np.array([c[0] for c in classes], dtype=np.intp)
        self.networks = [c[1] for c in classes]
        self._members: dict[int, npt.NDArray[np.bool_]] = {}
        self._nets: dict[frozenset[int], npt.NDArray[np.bool_]] = {}
        self._codes: dict[int, npt.NDArray[np.int8]] = {}

    def _members_vector(self, members: set[int]) -> npt.NDArray[np.bool_]:
        found = self._members.get(id(members))
        if found is None:
            found = self._members[id(members)] = members_vector(members, self.identities)
        return found

    def _nets_vector(self, nets: frozenset[int]) -> npt.NDArray[np.bool_]:
        found = self._nets.get(nets)
        if found is None:
            found = self._nets[nets] = np.fromiter(
                (not nets.isdisjoint(c) for c in self.networks), bool, len(self.networks)
            )
        return found

    def codes(self, rules: tuple[TierRuleEntry, ...]) -> npt.NDArray[np.int8]:
        """Per remote class, the verdict code of the first rule with a matching peer (0:
        none). The remotes are pods, so ``nodes`` peers match none of them."""
        found = self._codes.get(id(rules))
        if found is not None:
            return found
        n = len(self.identities)
        out = np.zeros(n, dtype=np.int8)
        undecided = np.ones(n, dtype=bool)
        for rule in rules:
            hit = np.zeros(n, dtype=bool)
            for _, members, nets, _ in rule.peers:
                if members is not None:
                    hit |= self._members_vector(members)
                if nets:
                    hit |= self._nets_vector(nets)
            hit &= undecided
            out[hit] = CODES[rule.verdict]
            undecided &= ~hit
        self._codes[id(rules)] = out
        return out


def combine(
    admin: npt.NDArray[np.int8],
    baseline: npt.NDArray[np.int8],
    isolated: npt.NDArray[np.bool_],
    allowed: npt.NDArray[np.bool_],
) -> npt.NDArray[np.bool_]:
    """:func:`netsim.policy.tiers.tiered` on whole tables: an admin Allow/Deny (per remote
    column) decides; else NetworkPolicy for isolated rows; else a baseline Deny denies."""
    decided = (admin == ALLOW) | (admin == DENY)
    below = np.where(isolated[:, None], allowed, (baseline != DENY)[None, :])
    return np.where(decided[None, :], (admin == ALLOW)[None, :], below)
