"""The compiled policy engine: verdicts for the simulator's enforcement points.

The API is docs/CONTRACTS.md's ``PolicyEngine``. It follows the cluster's
changes and answers through collaborators with one job each:

- :class:`~netsim.policy.compile.PolicyTables` and
  :class:`~netsim.policy.tiercompile.TierTables`: the compiled policies;
- :class:`~netsim.policy.registry.Registry`: every address resolved (through
  a dict) to a :class:`~netsim.policy.registry.Record` (the pod, node or
  external host it is, its identity, named-port signature, ipBlock entries and
  policy groups);
- :class:`~netsim.policy.policygroups.PolicyGroups`: pods selected by the same
  isolating policies share a group, and decide alike;
- :class:`~netsim.policy.sides.SideDecider`: one enforcement point's
  decision, read from its group's row of side entries (one per port class,
  :mod:`netsim.policy.siderows`);
- :class:`~netsim.policy.fastpath.FastPath`: ``allowed`` between pods met
  before, a few reads (in C when the optional extension is built);
- :class:`~netsim.policy.classmatrix.ClassMatrix`: ``matrix`` with numpy at
  peer-class level, expanded to pods by fancy indexing.

Flow-level caches sit in front. A change updates the compiled tables
incrementally and drops only the derived state it can affect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from netsim.model.adminpolicy import CLUSTER_POLICY_KINDS, ClusterPolicy
from netsim.model.cluster import Change, Cluster
from netsim.model.labels import Labels
from netsim.model.objects import Namespace, Node, Pod
from netsim.policy.classmatrix import ClassMatrix, Progress
from netsim.policy.compile import CompiledPolicy, PolicyTables
from netsim.policy.endpoint import Endpoint
from netsim.policy.fastpath import FastPath, Verdict
from netsim.policy.gcpause import collector_paused
from netsim.policy.policygroups import PolicyGroups
from netsim.policy.profile import UPSTREAM, Profile
from netsim.policy.registry import FLOW_CACHE_LIMIT, PeerClass, Record, Registry
from netsim.policy.sides import ROW_CACHE_LIMIT, RuleEntry, SideDecider, SideEntry
from netsim.policy.tiercompile import TierTables
from netsim.policy.verdict import Decision, SideDecision

__all__ = ["PeerClass", "PolicyEngine", "Record", "RuleEntry", "SideEntry"]


class PolicyEngine:
    """Decides whether a connection passes NetworkPolicy; follows the cluster's changes."""

    allowed: Verdict
    """``allowed(src_ip, dst_ip, protocol, dst_port)``: True when both enforcement points
    allow the connection. Same answer as ``decide(...).allowed`` without building the
    explanation: between two pods met before, :class:`~netsim.policy.fastpath.FastPath`
    reads it from their groups' rows; anything else takes :meth:`_allowed_full`."""

    @collector_paused()  # the load makes ~100k long-lived objects, no garbage cycles
    def __init__(
        self, cluster: Cluster, profile: Profile = UPSTREAM, *, compiled: bool = True
    ) -> None:
        """Compile ``cluster``'s policies and follow its changes. ``compiled`` False makes
        ``allowed``'s fast path read in Python even where the C reader is built."""
        self.cluster = cluster
        self.profile = profile
        self.tables = PolicyTables(profile)
        self.tiers = TierTables(self.tables, cluster.nodes)
        self.groups = PolicyGroups(self.tables)
        self.registry = Registry(self.tables, self.tiers, self.groups, profile)
        self.sides = SideDecider(self.tables, self.tiers, self.groups, self.registry, profile)
        self.classes = ClassMatrix(cluster, self.tables, self.tiers, self.registry, self.sides)
        self._records = self.registry.records
        self._decisions: dict[tuple[str, str, str, int], Decision] = {}
        self._flows: dict[tuple[str, str, str, int], bool] = {}
        self.fast = FastPath(self.sides.rows, self._allowed_full, compiled)
        self.allowed = self.fast.allowed
        for ns in cluster.namespaces.values():
            self.tables.set_namespace(ns.name, ns.labels)
        for node in cluster.nodes.values():
            self.registry.set_node(node.ip, node.name)
        for pod in cluster.pods.values():
            self.registry.add_pod(pod)
        for _, policy in sorted(cluster.policies.items()):
            self.sides.rows.add_policy(self.tables.add_policy(policy))
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
            self._policy_changed(change)
        elif change.kind == "Pod":
            for pod in (old, new):
                if isinstance(pod, Pod):
                    self._records.pop(pod.ip, None)
            if isinstance(old, Pod):
                self.registry.remove_pod(old)
            if isinstance(new, Pod):
                self.registry.add_pod(new)
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
                self.registry.set_node(old.ip, None)
            if isinstance(new, Node):
                self.registry.set_node(new.ip, new.name)
        else:
            return  # Services do not change policy decisions (DNAT is the caller's)
        self._flows.clear()
        self.fast.forget()
        self.classes.reset()
        self._decisions.clear()
        if self.sides.size() > ROW_CACHE_LIMIT:
            self._forget_decisions()

    def _policy_changed(self, change: Change) -> None:
        """A NetworkPolicy added, changed or removed: re-resolve the pods it (de)selects."""
        affected: set[int] = set()
        blocks = False
        if change.old is not None:
            compiled = self.tables.policies[change.key]
            affected |= self.tables.members(compiled.subject)
            blocks = bool(compiled.blocks())
            self.tables.remove_policy(change.key)
        if change.new is not None:
            compiled = self.tables.add_policy(change.new)  # type: ignore[arg-type]
            self.sides.rows.add_policy(compiled)
            affected |= self.tables.members(compiled.subject)
            blocks = blocks or bool(compiled.blocks())
        self.groups.retire(change.key)
        if blocks:  # the ipBlock entries of addresses may change: re-resolve them all
            self._records.clear()
            self.groups.forget_identities()
        else:  # only the pods the policy selects (selected) change policy groups
            for ident in affected:
                self.groups.forget_identity(ident)
                self.registry.forget_identity(ident)

    def _forget_decisions(self) -> None:
        self.registry.forget_classes()
        self.groups.forget()
        self.sides.forget()
        self.fast.forget_rows()
        self.classes.forget_blocks()
        self.tiers.forget()

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
            src, dst = self.registry.record(src_ip), self.registry.record(dst_ip)
            found = Decision(
                self.sides.egress(src, dst, protocol, dst_port),
                self.sides.ingress(src, dst, protocol, dst_port),
            )
            if len(self._decisions) >= FLOW_CACHE_LIMIT:
                self._decisions.clear()
            self._decisions[key] = found
        return found

    def decide_endpoints(self, src: Endpoint, dst: Endpoint, protocol: str, port: int) -> Decision:
        """Like :meth:`decide` for resolved endpoints (a hostNetwork pod by name, a node)."""
        s = self.registry.endpoint_record(src)
        d = self.registry.endpoint_record(dst)
        return Decision(
            self.sides.egress(s, d, protocol, port), self.sides.ingress(s, d, protocol, port)
        )

    def _allowed_full(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> bool:
        """``allowed`` through a flow cache and the side entries; remembers the pods met
        for the fast path."""
        key = (src_ip, dst_ip, protocol, dst_port)
        found = self._flows.get(key)
        if found is None:
            records = self._records
            src = records.get(src_ip) or self.registry.record(src_ip)
            dst = records.get(dst_ip) or self.registry.record(dst_ip)
            found = self.sides.allowed(src, dst, protocol, dst_port)
            if len(self._flows) >= FLOW_CACHE_LIMIT:
                self._flows.clear()
            self._flows[key] = found
            if self.sides.fast_path_applies:
                held = self.fast.records
                if src_ip not in held:
                    self.fast.remember(src_ip, src)
                if dst_ip not in held:
                    self.fast.remember(dst_ip, dst)
        return found

    def selecting_policies(self, pod: Pod) -> list[CompiledPolicy]:
        """Every policy selecting ``pod`` (whatever its policyTypes), by key."""
        ident = self.registry.identity_of(pod)
        return [] if ident is None else self.tables.selected_by(ident)

    def named_ports(self, pod: Pod) -> Mapping[tuple[str, str], int]:
        """A pod's named ports as (name, protocol) -> number (first declaration wins)."""
        return self.registry.named_ports(self.registry.signature(pod))

    # ----------------------------------------------------------------- matrix
    def pods(self) -> list[Pod]:
        """The pods in matrix order (``cluster.sorted_pods()``)."""
        return self.classes.order()[0]

    def pod_classes(self) -> tuple[npt.NDArray[np.intp], list[int]]:
        """Each pod's peer class (a row/column of :meth:`class_matrix`), in :meth:`pods` order,
        and the positions of pods that are node traffic (hostNetwork), whose verdicts
        :meth:`allowed_pods` gives pair by pair."""
        _, classes, special = self.classes.order()
        return classes, list(special)

    def class_matrix(self, protocol: str, port: int) -> npt.NDArray[np.bool_]:
        """allowed[src class, dst class] for the pod classes of the current pods.

        Only meaningful for two *different* pods (loopback and node traffic are
        handled by :meth:`matrix`).
        """
        return self.classes.class_matrix(protocol, port)

    def matrix(
        self, ports: Sequence[tuple[str, int]], progress: Progress | None = None
    ) -> npt.NDArray[np.bool_]:
        """Pod-by-pod truth tables, shape (len(ports), n, n), in ``cluster.sorted_pods()`` order.

        ``out[k, i, j]`` is True when pod i may open a connection to pod j on
        ``ports[k]`` (protocol, port). A pod can always reach itself.
        """
        return self.classes.matrix(ports, progress)

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
        return self.classes.allowed_pods(src, dst, protocol, port)
