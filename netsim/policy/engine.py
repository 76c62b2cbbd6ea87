"""The compiled policy engine: verdicts for the simulator's enforcement points.

The API is docs/CONTRACTS.md's ``PolicyEngine``. Inside, every address maps
(through a dict) to a :class:`Record`: the pod, node or external host it is,
its identity, its named-port signature, the ipBlock entries containing its IP
and, for a pod, its two *policy groups* (the policies selecting it that
isolate egress, resp. ingress). Pods in one group decide alike, so a side
decision is read from a :class:`SideEntry` built once per (group, protocol,
port, destination named-port signature): the rules whose ports match, and
the union of their peers for the bool fast path (``allowed``). Flow-level
caches sit in front. The cluster's changes update the compiled tables
incrementally and drop only the derived state they can affect.

``matrix`` works at peer-class level with numpy (per policy a vector over
classes, OR-ed into the rows of the classes it selects) and expands to pods by
fancy indexing: no Python loop over pod pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from netsim.addr import parse_ip
from netsim.errors import LookupFailed
from netsim.match.ports import NO_NAMED_PORTS, NamedPorts, PortSet
from netsim.model.adminpolicy import CLUSTER_POLICY_KINDS, ClusterPolicy
from netsim.model.cluster import Change, Cluster
from netsim.model.labels import Labels
from netsim.model.netpol import Direction
from netsim.model.objects import Namespace, Node, Pod
from netsim.policy.compile import (
    CompiledPeer,
    CompiledPolicy,
    PolicyTables,
    Spec,
    members_vector,
)
from netsim.policy.endpoint import L4_PROTOCOLS, Endpoint, selectable
from netsim.policy.profile import UPSTREAM, Profile
from netsim.policy.tiercompile import TierTables
from netsim.policy.verdict import Decision, RuleRef, SideDecision

NOT_ENFORCED = SideDecision(True, "not-enforced")
NOT_A_POD = SideDecision(True, "not-a-pod")
NOT_FILTERED = SideDecision(True, "not-filtered")
LOOPBACK = SideDecision(True, "loopback")
NODE_LOCAL = SideDecision(True, "node-local")
NOT_ISOLATED = SideDecision(True, "not-isolated")

FLOW_CACHE_LIMIT = 1 << 16
"""Flow-level cache entries kept before the cache is emptied (bounds memory and update time)."""
ENTRY_CACHE_LIMIT = 1 << 18
"""Side entries kept before a change empties them all (retired groups' entries are garbage)."""

Progress = Callable[[str], None]
GroupRule = tuple[str, int, PortSet, tuple[tuple[int, set[int] | None, int | None], ...]]
"""(policy key, rule index, ports, peers); a peer: (index, member set or None, ipBlock or None)."""


@dataclass(frozen=True, slots=True)
class PeerClass:
    """What a policy rule can see of a remote end: all pods of one class are alike.

    ``identity`` is -1 for nodes and external hosts; ``named`` is the index of
    the named-port signature (-1: none); ``blocks`` the ipBlock entries whose
    cidr-minus-excepts contains the IP.
    """

    identity: int
    named: int
    blocks: frozenset[int]
    networks: frozenset[int] = frozenset()


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
    peers: tuple[tuple[int, set[int] | None, int | None], ...]


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


@dataclass(frozen=True, slots=True)
class Record:
    """A resolved address: ``key`` is the pod key (pods only), ``node`` the node name.

    ``egress``/``ingress`` are the pod's policy groups (-1 for non-pods): the
    interned lists of policies that select it and isolate that direction.
    Pods with equal groups decide alike, whatever their labels.
    ``egress_named``/``ingress_named`` say whether that group's rules use named
    ports (only then does the destination's named-port signature matter).
    """

    kind: str
    key: str
    identity: int
    cls: int
    node: str
    named: int
    blocks: frozenset[int]
    egress: int = -1
    ingress: int = -1
    egress_named: bool = False
    ingress_named: bool = False
    cluster_pod: bool = False
    networks: frozenset[int] = frozenset()


class PolicyEngine:
    """Decides whether a connection passes NetworkPolicy; follows the cluster's changes."""

    def __init__(self, cluster: Cluster, profile: Profile = UPSTREAM) -> None:
        self.cluster = cluster
        self.profile = profile
        self.tables = PolicyTables(profile)
        self._pod_identity: dict[str, int] = {}
        self._pod_by_ip: dict[str, Pod] = {}
        # an identity's pod IPs: the IP itself when one (the usual case), a set when several;
        # no set per identity, so the compile makes fewer objects for the cyclic GC to walk
        self._identity_ips: dict[int, str | set[str]] = {}
        self._parsed: dict[str, tuple[int, int]] = {}
        self._group_rules: dict[tuple[Direction, int], tuple[GroupRule, ...]] = {}
        self._node_by_ip: dict[str, str] = {}
        self._signatures: dict[tuple[tuple[str, str, int], ...], int] = {}
        self._named: list[dict[tuple[str, str], int]] = []
        self._classes: dict[PeerClass, int] = {}
        self._class_list: list[PeerClass] = []
        self._records: dict[str, Record] = {}
        self._identity_groups: dict[int, tuple[int, int]] = {}
        self._group_ids: dict[tuple[str, ...], int] = {}
        self._group_policies: list[list[CompiledPolicy]] = []
        self._group_named: list[tuple[bool, bool]] = []
        self._decisions: dict[tuple[str, str, str, int], Decision] = {}
        self._flows: dict[tuple[str, str, str, int], bool] = {}
        self._egress_entries: dict[tuple[int, str, int, int], SideEntry] = {}
        self._ingress_entries: dict[tuple[int, str, int, int], SideEntry] = {}
        self._enforce = profile.enforce
        self._icmp_free = not profile.filter_icmp
        self._node_local = profile.node_local_allowed
        self._class_matrix: dict[tuple[str, int], npt.NDArray[np.bool_]] = {}
        self._block_classes: tuple[int, dict[int, npt.NDArray[np.bool_]]] | None = None
        self._pod_order: tuple[list[Pod], npt.NDArray[np.intp], list[int]] | None = None
        for ns in cluster.namespaces.values():
            self.tables.set_namespace(ns.name, ns.labels)
        for node in cluster.nodes.values():
            self._node_by_ip[node.ip] = node.name
        for pod in cluster.pods.values():
            self._add_pod(pod)
        for _, policy in sorted(cluster.policies.items()):
            self.tables.add_policy(policy)
        self.tiers = TierTables(self.tables, cluster.nodes)
        for _, cluster_policy in sorted(cluster.cluster_policies.items()):
            self.tiers.add(cluster_policy)
        cluster.subscribe(self._on_change)

    def close(self) -> None:
        """Stop following the cluster."""
        self.cluster.unsubscribe(self._on_change)

    # ---------------------------------------------------------------- changes
    def _on_change(self, change: Change) -> None:
        """Update the tables, then drop exactly the derived state the change can affect.

        Side entries are keyed by policy group. A policy change retires the
        groups containing it (their ids are never reused) and re-resolves the
        addresses of the pods it selects or selected (or every address, when
        it has ipBlocks); a pod change re-resolves its own addresses only.
        Only a namespace relabel, which changes what existing entries match,
        drops every entry.
        """
        old, new = change.old, change.new
        if change.kind == "NetworkPolicy":
            affected: set[int] = set()
            blocks = False
            if old is not None:
                compiled = self.tables.policies[change.key]
                affected |= self.tables.members(compiled.subject)
                blocks = bool(compiled.blocks())
                self.tables.remove_policy(change.key)
            if new is not None:
                compiled = self.tables.add_policy(new)  # type: ignore[arg-type]
                affected |= self.tables.members(compiled.subject)
                blocks = blocks or bool(compiled.blocks())
            self._retire_groups(change.key)
            if blocks:  # the ipBlock entries of addresses may change: re-resolve them all
                self._records.clear()
                self._identity_groups.clear()
            else:  # only the pods the policy selects (selected) change policy groups
                for ident in affected:
                    self._identity_groups.pop(ident, None)
                    for ip in self._ips_of(ident):
                        self._records.pop(ip, None)
        elif change.kind == "Pod":
            for pod in (old, new):
                if isinstance(pod, Pod):
                    self._records.pop(pod.ip, None)
            if isinstance(old, Pod):
                self._remove_pod(old)
            if isinstance(new, Pod):
                self._add_pod(new)
        elif change.kind == "Namespace":
            if isinstance(new, Namespace):
                self.tables.set_namespace(new.name, new.labels)
            elif isinstance(old, Namespace):
                self.tables.set_namespace(old.name, Labels())
            self._forget_decisions()
        elif change.kind in CLUSTER_POLICY_KINDS:
            if old is not None:
                self.tiers.remove(change.key)
            if isinstance(new, ClusterPolicy):
                self.tiers.add(new)
            self._forget_decisions()  # subjects, peers and networks may all have changed
        elif change.kind == "Node":
            for node in (old, new):
                if isinstance(node, Node):
                    self._records.pop(node.ip, None)
            if isinstance(old, Node):
                self._node_by_ip.pop(old.ip, None)
            if isinstance(new, Node):
                self._node_by_ip[new.ip] = new.name
        else:
            return  # Services do not change policy decisions (DNAT is the caller's)
        self._flows.clear()
        self._class_matrix.clear()
        self._block_classes = None
        self._pod_order = None
        self._decisions.clear()
        if len(self._egress_entries) + len(self._ingress_entries) > ENTRY_CACHE_LIMIT:
            self._forget_decisions()

    def _forget_decisions(self) -> None:
        self._records.clear()
        self._identity_groups.clear()
        self._group_ids.clear()
        self._group_policies.clear()
        self._group_named.clear()
        self._egress_entries.clear()
        self._ingress_entries.clear()
        self._group_rules.clear()
        self._classes.clear()
        self._class_list.clear()
        self._block_classes = None
        self.tiers.forget()

    def _add_pod(self, pod: Pod) -> None:
        ident: int | None = None
        if selectable(pod, self.profile):
            ident = self.tables.add_pod_identity(pod.namespace, pod.labels)
            self._pod_identity[pod.key] = ident
        if pod.ip and not pod.host_network:
            self._pod_by_ip[pod.ip] = pod
            if ident is not None:
                ips = self._identity_ips.get(ident)
                if ips is None:
                    self._identity_ips[ident] = pod.ip
                elif isinstance(ips, set):
                    ips.add(pod.ip)
                elif ips != pod.ip:
                    self._identity_ips[ident] = {ips, pod.ip}

    def _remove_pod(self, pod: Pod) -> None:
        ident = self._pod_identity.pop(pod.key, None)
        if ident is not None:
            self.tables.release_pod_identity(ident)
            ips = self._identity_ips.get(ident)
            if isinstance(ips, set):
                ips.discard(pod.ip)
            elif ips == pod.ip:
                del self._identity_ips[ident]
        if self._pod_by_ip.get(pod.ip) is pod:
            del self._pod_by_ip[pod.ip]

    def _ips_of(self, ident: int) -> Collection[str]:
        """The pod IPs of an identity (those of its pods with an IP, not hostNetwork)."""
        ips = self._identity_ips.get(ident, ())
        return (ips,) if isinstance(ips, str) else ips

    def _parse(self, ip: str) -> tuple[int, int]:
        found = self._parsed.get(ip)
        if found is None:
            if len(self._parsed) >= FLOW_CACHE_LIMIT:
                self._parsed.clear()
            try:
                found = self._parsed[ip] = parse_ip(ip)
            except ValueError:
                raise LookupFailed(f'"{ip}" is not an IP address') from None
        return found

    # ---------------------------------------------------------------- records
    def _signature(self, pod: Pod) -> int:
        named: dict[tuple[str, str], int] = {}
        for cp in pod.container_ports:
            if cp.name is not None:
                named.setdefault((cp.name, cp.protocol), cp.port)
        if not named:
            return -1
        key = tuple(sorted((n, p, v) for (n, p), v in named.items()))
        index = self._signatures.get(key)
        if index is None:
            index = self._signatures[key] = len(self._named)
            self._named.append(named)
        return index

    def _class(self, identity: int, named: int, version: int, value: int, kind: str) -> int:
        if kind == "external" or self.profile.ipblock_matches_pod_ips:
            blocks = self.tables.blocks.lookup(version, value)
        else:
            blocks = frozenset()
        peer = PeerClass(identity, named, blocks, self.tiers.networks_of(version, value))
        index = self._classes.get(peer)
        if index is None:
            index = self._classes[peer] = len(self._class_list)
            self._class_list.append(peer)
        return index

    def _pod_record(self, pod: Pod) -> Record:
        """The record of a pod given by name (a hostNetwork pod may be node traffic)."""
        version, value = self._parse(pod.ip)
        if not selectable(pod, self.profile):
            cls = self._class(-1, -1, version, value, "node")
            return self._host_record("node", cls, pod.node)
        identity = self._pod_identity[pod.key]
        named = self._signature(pod)
        cls = self._class(identity, named, version, value, "pod")
        egress, ingress = self._groups(identity)
        blocks = self._class_list[cls].blocks
        uses_named = self._group_named
        return Record(
            "pod",
            pod.key,
            identity,
            cls,
            pod.node,
            named,
            blocks,
            egress,
            ingress,
            uses_named[egress][0],
            uses_named[ingress][1],
            not pod.host_network,
            self._class_list[cls].networks,
        )

    def _groups(self, identity: int) -> tuple[int, int]:
        found = self._identity_groups.get(identity)
        if found is None:
            found = self._identity_groups[identity] = (
                self._group(self.tables.selecting(identity, "egress")),
                self._group(self.tables.selecting(identity, "ingress")),
            )
        return found

    def _group(self, policies: list[CompiledPolicy]) -> int:
        key = tuple(p.key for p in policies)
        index = self._group_ids.get(key)
        if index is None:
            index = self._group_ids[key] = len(self._group_policies)
            self._group_policies.append(policies)
            self._group_named.append(
                tuple(  # type: ignore[arg-type]
                    any(r.ports.has_named for p in policies for r in p.rules(direction))
                    for direction in ("egress", "ingress")
                )
            )
        return index

    def _retire_groups(self, policy_key: str) -> None:
        """Groups that contain a changed policy get new ids from now on (never reused)."""
        for key in [k for k in self._group_ids if policy_key in k]:
            del self._group_ids[key]

    def _record(self, ip: str) -> Record:
        found = self._records.get(ip)
        if found is not None:
            return found
        pod = self._pod_by_ip.get(ip)
        if pod is not None:
            record = self._pod_record(pod)
        else:
            version, value = self._parse(ip)
            node = self._node_by_ip.get(ip)
            kind = "external" if node is None else "node"
            record = self._host_record(kind, self._class(-1, -1, version, value, kind), node or "")
        self._records[ip] = record
        return record

    def _endpoint_record(self, endpoint: Endpoint) -> Record:
        if endpoint.kind == "pod" and endpoint.pod is not None:
            return self._pod_record(endpoint.pod)
        if endpoint.kind == "node":
            cls = self._class(-1, -1, endpoint.version, endpoint.value, "node")
            return self._host_record("node", cls, endpoint.node)
        return self._record(endpoint.ip)

    def _host_record(self, kind: str, cls: int, node: str) -> Record:
        """The record of a node or an external host (no identity, no policy groups)."""
        peer = self._class_list[cls]
        return Record(kind, "", -1, cls, node, -1, peer.blocks, networks=peer.networks)

    # -------------------------------------------------------------- decisions
    def _named_ports(self, index: int) -> NamedPorts:
        return self._named[index] if index >= 0 else NO_NAMED_PORTS

    def _unfiltered(self, protocol: str) -> SideDecision | None:
        """The opening checks that hold for every pair: nothing enforced, protocol unfiltered."""
        if not self._enforce:
            return NOT_ENFORCED
        if self._icmp_free and protocol not in L4_PROTOCOLS:
            return NOT_FILTERED
        return None

    def _opening(self, local: Record, remote: Record, protocol: str) -> SideDecision | None:
        """The decision of ``local``'s enforcement point before any policy is read, or None.

        The one place the opening checks are made (SEMANTICS.md; the reference
        evaluator's ``side_decision`` makes them literally): nothing enforced,
        ``local`` not a pod, ICMP unfiltered, a pod to itself, node-local traffic.
        Every path that decides a side calls it (``_egress``/``_ingress`` for
        ``decide``, ``_records_allowed`` for ``allowed``, ``matrix`` per pair of
        node-traffic pods; ``class_matrix`` calls :meth:`_unfiltered` for the
        part that holds for whole tables).
        """
        if self._enforce and local.identity < 0:
            return NOT_A_POD  # (before "not-filtered", as the reference orders them)
        found = self._unfiltered(protocol)
        if found is not None:
            return found
        if remote.key and remote.key == local.key:
            return LOOPBACK
        if self._node_local and remote.kind == "node" and remote.node == local.node:
            return NODE_LOCAL
        return None

    def _egress(self, src: Record, dst: Record, protocol: str, port: int) -> SideDecision:
        opening = self._opening(src, dst, protocol)
        if opening is not None:
            return opening
        named = dst.named if src.egress_named else -1
        entry = self._side_entry("egress", src.egress, protocol, port, named)
        if self.tiers.policies:
            named_ports = self._named_ports(dst.named)
            return self.tiers.decide_ends(
                entry.decision("egress", dst), "egress", src, dst, dst, named_ports, protocol, port
            )
        return entry.decision("egress", dst)

    def _ingress(self, src: Record, dst: Record, protocol: str, port: int) -> SideDecision:
        opening = self._opening(dst, src, protocol)
        if opening is not None:
            return opening
        named = dst.named if dst.ingress_named else -1
        entry = self._side_entry("ingress", dst.ingress, protocol, port, named)
        if self.tiers.policies:
            netpol, named_ports = entry.decision("ingress", src), self._named_ports(dst.named)
            return self.tiers.decide_ends(
                netpol, "ingress", dst, src, dst, named_ports, protocol, port
            )
        return entry.decision("ingress", src)

    # -------------------------------------------------------------------- API
    def egress(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> SideDecision:
        """The decision of the source's egress enforcement point."""
        return self.decide(src_ip, dst_ip, protocol, dst_port).egress

    def ingress(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> SideDecision:
        """The decision of the destination's ingress enforcement point."""
        return self.decide(src_ip, dst_ip, protocol, dst_port).ingress

    def decide(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> Decision:
        """Both enforcement points' decisions for a new connection."""
        key = (src_ip, dst_ip, protocol, dst_port)
        found = self._decisions.get(key)
        if found is None:
            src, dst = self._record(src_ip), self._record(dst_ip)
            found = Decision(
                self._egress(src, dst, protocol, dst_port),
                self._ingress(src, dst, protocol, dst_port),
            )
            if len(self._decisions) >= FLOW_CACHE_LIMIT:
                self._decisions.clear()
            self._decisions[key] = found
        return found

    def decide_endpoints(self, src: Endpoint, dst: Endpoint, protocol: str, port: int) -> Decision:
        """Like :meth:`decide` for resolved endpoints (a hostNetwork pod by name, a node)."""
        s, d = self._endpoint_record(src), self._endpoint_record(dst)
        return Decision(self._egress(s, d, protocol, port), self._ingress(s, d, protocol, port))

    def allowed(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> bool:
        """True when both enforcement points allow the connection (the fast path).

        Same answer as ``decide(...).allowed`` without building the explanation:
        a flow cache, then per side one :class:`SideEntry` lookup.
        """
        key = (src_ip, dst_ip, protocol, dst_port)
        found = self._flows.get(key)
        if found is None:
            records = self._records
            src = records.get(src_ip) or self._record(src_ip)
            dst = records.get(dst_ip) or self._record(dst_ip)
            found = self._records_allowed(src, dst, protocol, dst_port)
            if len(self._flows) >= FLOW_CACHE_LIMIT:
                self._flows.clear()
            self._flows[key] = found
        return found

    def _records_allowed(self, src: Record, dst: Record, protocol: str, port: int) -> bool:
        """Both sides through the :class:`SideEntry` tables (what ``decide`` says, faster)."""
        if self.tiers.policies:  # the tiers decide through the full side decisions
            return (
                self._egress(src, dst, protocol, port).allowed
                and self._ingress(src, dst, protocol, port).allowed
            )
        if self._opening(src, dst, protocol) is None:
            named = dst.named if src.egress_named else -1
            entry = self._egress_entries.get((src.egress, protocol, port, named))
            if entry is None:
                entry = self._side_entry("egress", src.egress, protocol, port, named)
            if not entry.everything and not entry.admits(dst):
                return False
        if self._opening(dst, src, protocol) is None:
            named = dst.named if dst.ingress_named else -1
            entry = self._ingress_entries.get((dst.ingress, protocol, port, named))
            if entry is None:
                entry = self._side_entry("ingress", dst.ingress, protocol, port, named)
            if not entry.everything and not entry.admits(src):
                return False
        return True

    def _rules_of(self, direction: Direction, group: int) -> tuple[GroupRule, ...]:
        """The rules of a group's policies in (policy, rule) order, peers resolved to sets."""
        found = self._group_rules.get((direction, group))
        if found is None:
            rules = []
            for policy in self._group_policies[group]:
                for rule in policy.rules(direction):
                    peers = tuple(
                        (j, None if p.spec is None else self.tables.members(p.spec), p.block)
                        for j, p in enumerate(rule.peers)
                    )
                    rules.append((policy.key, rule.index, rule.ports, peers))
            found = self._group_rules[(direction, group)] = tuple(rules)
        return found

    def _entry(
        self, direction: Direction, group: int, protocol: str, port: int, named: int
    ) -> SideEntry:
        """What a policy group allows on (protocol, port) at a destination with ``named`` ports."""
        policies = self._group_policies[group]
        named_ports = self._named_ports(named)
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

    def _side_entry(
        self, direction: Direction, group: int, protocol: str, port: int, named: int
    ) -> SideEntry:
        entries = self._egress_entries if direction == "egress" else self._ingress_entries
        key = (group, protocol, port, named)
        entry = entries.get(key)
        if entry is None:
            entry = entries[key] = self._entry(direction, group, protocol, port, named)
        return entry

    def selecting_policies(self, pod: Pod) -> list[CompiledPolicy]:
        """Every policy selecting ``pod`` (whatever its policyTypes), by key."""
        ident = self._pod_identity.get(pod.key)
        return [] if ident is None else self.tables.selected_by(ident)

    # ----------------------------------------------------------------- matrix
    def pods(self) -> list[Pod]:
        """The pods in matrix order (``cluster.sorted_pods()``)."""
        return self._order()[0]

    def pod_classes(self) -> tuple[npt.NDArray[np.intp], list[int]]:
        """Each pod's peer class (a row/column of :meth:`class_matrix`), in :meth:`pods` order,
        and the positions of pods that are node traffic (hostNetwork), whose verdicts
        :meth:`allowed_pods` gives pair by pair."""
        _, classes, special = self._order()
        return classes, list(special)

    def _order(self) -> tuple[list[Pod], npt.NDArray[np.intp], list[int]]:
        """Pods in order, each pod's peer class, and the positions of node-traffic pods."""
        if self._pod_order is None:
            pods = self.cluster.sorted_pods()
            classes = np.zeros(len(pods), dtype=np.intp)
            special: list[int] = []
            tiers = bool(self.tiers.policies)  # host-networked pods are no tier subjects/peers
            for i, pod in enumerate(pods):
                record = self._pod_record(pod)
                classes[i] = record.cls
                if record.kind != "pod" or (tiers and pod.host_network):
                    special.append(i)
            self._pod_order = (pods, classes, special)
        return self._pod_order

    def class_matrix(self, protocol: str, port: int) -> npt.NDArray[np.bool_]:
        """allowed[src class, dst class] for the pod classes of the current pods.

        Only meaningful for two *different* pods (loopback and node traffic are
        handled by :meth:`matrix`).
        """
        key = (protocol, port)
        found = self._class_matrix.get(key)
        if found is not None:
            return found
        self._order()
        n = len(self._class_list)
        if self._unfiltered(protocol) is not None:
            result = np.ones((n, n), dtype=bool)
            self._class_matrix[key] = result
            return result
        identities = np.array([c.identity for c in self._class_list] or [-1], dtype=np.intp)[:n]
        # named-port signatures: a class's signature index + 1 (0 is "no named ports")
        signature = np.array([c.named + 1 for c in self._class_list] or [0], dtype=np.intp)[:n]
        signatures = [NO_NAMED_PORTS, *self._named]
        spec_vectors: dict[Spec, npt.NDArray[np.bool_]] = {}

        def members_of(spec: Spec) -> npt.NDArray[np.bool_]:
            vec = spec_vectors.get(spec)
            if vec is None:
                vec = spec_vectors[spec] = members_vector(self.tables.members(spec), identities)
            return vec

        block_vectors = self._block_vectors(n)
        none = np.zeros(n, dtype=bool)

        def block_vector(block: int) -> npt.NDArray[np.bool_]:
            return block_vectors.get(block, none)

        ones = np.ones(n, dtype=bool)

        def peers_vector(rule_peers: tuple[CompiledPeer, ...]) -> npt.NDArray[np.bool_]:
            if not rule_peers:
                return ones
            vec = np.zeros(n, dtype=bool)
            for peer in rule_peers:
                if peer.block is not None:
                    vec |= block_vector(peer.block)
                elif peer.spec is not None:
                    vec |= members_of(peer.spec)
            return vec

        def ports_vector(ports: PortSet) -> npt.NDArray[np.bool_] | bool:
            if ports.any:
                return True
            if not ports.has_named:
                return ports.matches(protocol, port)
            per_signature = np.fromiter(
                (ports.matches(protocol, port, nm) for nm in signatures),
                dtype=bool,
                count=len(signatures),
            )
            return per_signature[signature]

        egress_isolated = np.zeros(n, dtype=bool)
        ingress_isolated = np.zeros(n, dtype=bool)
        egress_allow = np.zeros((n, n), dtype=bool)  # [src, dst]
        ingress_allow = np.zeros((n, n), dtype=bool)  # [dst, src]
        for policy in self.tables.policies.values():
            subjects = members_of(policy.subject)
            rows = np.flatnonzero(subjects)
            if rows.size == 0:
                continue
            if policy.isolates_egress:
                egress_isolated[rows] = True
                allow = np.zeros(n, dtype=bool)
                for rule in policy.egress:
                    allow |= peers_vector(rule.peers) & ports_vector(rule.ports)
                if allow.any():
                    egress_allow[rows] |= allow
            if policy.isolates_ingress:
                ingress_isolated[rows] = True
                for rule in policy.ingress:
                    port_ok = ports_vector(rule.ports)
                    if port_ok is False:
                        continue
                    targets = (
                        rows if isinstance(port_ok, bool) else np.flatnonzero(subjects & port_ok)
                    )
                    if targets.size:
                        ingress_allow[targets] |= peers_vector(rule.peers)
        if self.tiers.policies:
            views = [(c.identity, c.networks, c.named) for c in self._class_list[:n]]
            table = self.tiers.side_table
            named_ports = self._named_ports
            egress = table(
                "egress", views, named_ports, protocol, port, egress_isolated, egress_allow
            )
            ingress = table(
                "ingress", views, named_ports, protocol, port, ingress_isolated, ingress_allow
            )
        else:
            egress = np.where(egress_isolated[:, None], egress_allow, True)
            ingress = np.where(ingress_isolated[:, None], ingress_allow, True)
        result = egress & ingress.T
        self._class_matrix[key] = result
        return result

    def _block_vectors(self, n: int) -> dict[int, npt.NDArray[np.bool_]]:
        """For each ipBlock entry, which of the first ``n`` classes it contains.

        Built in one pass over the classes and kept across ports (class_matrix is
        asked once per port) until the cluster or the class list changes.
        """
        if self._block_classes is not None and self._block_classes[0] == n:
            return self._block_classes[1]
        vectors: dict[int, npt.NDArray[np.bool_]] = {}
        for index, peer in enumerate(self._class_list[:n]):
            for block in peer.blocks:
                vec = vectors.get(block)
                if vec is None:
                    vec = vectors[block] = np.zeros(n, dtype=bool)
                vec[index] = True
        self._block_classes = (n, vectors)
        return vectors

    def matrix(
        self, ports: Sequence[tuple[str, int]], progress: Progress | None = None
    ) -> npt.NDArray[np.bool_]:
        """Pod-by-pod truth tables, shape (len(ports), n, n), in ``cluster.sorted_pods()`` order.

        ``out[k, i, j]`` is True when pod i may open a connection to pod j on
        ``ports[k]`` (protocol, port). A pod can always reach itself.
        """
        pods, classes, special = self._order()
        n = len(pods)
        out = np.empty((len(ports), n, n), dtype=bool)
        for k, (protocol, port) in enumerate(ports):
            if progress is not None:
                progress(f"port {port}/{protocol} ({k + 1}/{len(ports)})")
            table = self.class_matrix(protocol, port)
            out[k] = table.take(classes, axis=0).take(classes, axis=1)
            if special:
                self._fill_special(out[k], pods, special, protocol, port)
            np.fill_diagonal(out[k], True)
        return out

    def allowed_pods(
        self,
        src: npt.NDArray[np.intp],
        dst: npt.NDArray[np.intp],
        protocol: str,
        port: int,
    ) -> npt.NDArray[np.bool_]:
        """Batch verdicts for pod index pairs (indices into :meth:`pods`), vectorised.

        ``src`` and ``dst`` are equal-length int arrays; the result is a bool
        array of the same length.
        """
        pods, classes, special = self._order()
        table = self.class_matrix(protocol, port)
        src = np.asarray(src, dtype=np.intp)
        dst = np.asarray(dst, dtype=np.intp)
        result = table[classes.take(src), classes.take(dst)]
        result[src == dst] = True
        if special:
            for at in np.flatnonzero(np.isin(src, special) | np.isin(dst, special)).tolist():
                a, b = pods[int(src[at])], pods[int(dst[at])]
                result[at] = a.key == b.key or self._pair_allowed(a, b, protocol, port)
        return result

    def _pair_allowed(self, a: Pod, b: Pod, protocol: str, port: int) -> bool:
        return self._records_allowed(self._pod_record(a), self._pod_record(b), protocol, port)

    def _fill_special(
        self,
        table: npt.NDArray[np.bool_],
        pods: list[Pod],
        special: list[int],
        protocol: str,
        port: int,
    ) -> None:
        records = [self._pod_record(p) for p in pods]
        for i in special:
            for j in range(len(pods)):
                for s, d, at in (
                    (records[i], records[j], (i, j)),
                    (records[j], records[i], (j, i)),
                ):
                    table[at] = self._records_allowed(s, d, protocol, port)

    def named_ports(self, pod: Pod) -> Mapping[tuple[str, str], int]:
        """A pod's named ports as (name, protocol) -> number (first declaration wins)."""
        return self._named_ports(self._signature(pod))
