"""Pod-by-pod truth tables with numpy, at peer-class level.

Pods no rule can tell apart share a peer class (:class:`~netsim.policy.registry.PeerClass`).
Per policy a vector over classes is OR-ed into the rows of the classes it
selects; the class table is expanded to pods by fancy indexing: no Python loop
over pod pairs. Pods that are node traffic (hostNetwork) are decided pair by
pair through :meth:`~netsim.policy.sides.SideDecider.allowed`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from netsim.match.ports import NO_NAMED_PORTS, PortSet
from netsim.model.cluster import Cluster
from netsim.model.objects import Pod
from netsim.policy.compile import CompiledPeer, PolicyTables, Spec, members_vector
from netsim.policy.registry import Registry
from netsim.policy.sides import SideDecider
from netsim.policy.tiercompile import TierTables

Progress = Callable[[str], None]
Vector = npt.NDArray[np.bool_]


class ClassMatrix:
    """The class tables per (protocol, port) and their expansion to pods; cached until reset."""

    def __init__(
        self,
        cluster: Cluster,
        tables: PolicyTables,
        tiers: TierTables,
        registry: Registry,
        sides: SideDecider,
    ) -> None:
        self.cluster = cluster
        self.tables = tables
        self.tiers = tiers
        self.registry = registry
        self.sides = sides
        self._tables: dict[tuple[str, int], Vector] = {}
        self._block_classes: tuple[int, dict[int, Vector]] | None = None
        self._pod_order: tuple[list[Pod], npt.NDArray[np.intp], list[int]] | None = None

    def reset(self) -> None:
        """Drop every cached table (after any cluster change)."""
        self._tables.clear()
        self._block_classes = None
        self._pod_order = None

    def forget_blocks(self) -> None:
        """Drop the ipBlock vectors (the class list was emptied)."""
        self._block_classes = None

    def order(self) -> tuple[list[Pod], npt.NDArray[np.intp], list[int]]:
        """Pods in order, each pod's peer class, and the positions of node-traffic pods."""
        if self._pod_order is None:
            pods = self.cluster.sorted_pods()
            classes = np.zeros(len(pods), dtype=np.intp)
            special: list[int] = []
            tiers = bool(self.tiers.policies)  # host-networked pods are no tier subjects/peers
            for i, pod in enumerate(pods):
                record = self.registry.pod_record(pod)
                classes[i] = record.cls
                if record.kind != "pod" or (tiers and pod.host_network):
                    special.append(i)
            self._pod_order = (pods, classes, special)
        return self._pod_order

    def class_matrix(self, protocol: str, port: int) -> Vector:
        """allowed[src class, dst class] for the pod classes of the current pods.

        Only meaningful for two *different* pods (loopback and node traffic are
        handled by :meth:`matrix`).
        """
        key = (protocol, port)
        found = self._tables.get(key)
        if found is None:
            self.order()
            found = self._tables[key] = self._build(protocol, port, len(self.registry.class_list))
        return found

    def _build(self, protocol: str, port: int, n: int) -> Vector:
        if self.sides.unfiltered(protocol) is not None:
            return np.ones((n, n), dtype=bool)
        class_list = self.registry.class_list
        identities = np.array([c.identity for c in class_list] or [-1], dtype=np.intp)[:n]
        # named-port signatures: a class's signature index + 1 (0 is "no named ports")
        signature = np.array([c.named + 1 for c in class_list] or [0], dtype=np.intp)[:n]
        signatures = [NO_NAMED_PORTS, *self.registry.named]
        spec_vectors: dict[Spec, Vector] = {}

        def members_of(spec: Spec) -> Vector:
            vec = spec_vectors.get(spec)
            if vec is None:
                vec = spec_vectors[spec] = members_vector(self.tables.members(spec), identities)
            return vec

        block_vectors = self._block_vectors(n)
        none = np.zeros(n, dtype=bool)
        ones = np.ones(n, dtype=bool)

        def peers_vector(rule_peers: tuple[CompiledPeer, ...]) -> Vector:
            if not rule_peers:
                return ones
            vec = np.zeros(n, dtype=bool)
            for peer in rule_peers:
                if peer.block is not None:
                    vec |= block_vectors.get(peer.block, none)
                elif peer.spec is not None:
                    vec |= members_of(peer.spec)
            return vec

        def ports_vector(ports: PortSet) -> Vector | bool:
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
            views = [(c.identity, c.networks, c.named) for c in class_list[:n]]
            table = self.tiers.side_table
            named_ports = self.registry.named_ports
            egress = table(
                "egress", views, named_ports, protocol, port, egress_isolated, egress_allow
            )
            ingress = table(
                "ingress", views, named_ports, protocol, port, ingress_isolated, ingress_allow
            )
        else:
            egress = np.where(egress_isolated[:, None], egress_allow, True)
            ingress = np.where(ingress_isolated[:, None], ingress_allow, True)
        result: Vector = egress & ingress.T
        return result

    def _block_vectors(self, n: int) -> dict[int, Vector]:
        """For each ipBlock entry, which of the first ``n`` classes it contains.

        Built in one pass over the classes and kept across ports (class_matrix is
        asked once per port) until the cluster or the class list changes.
        """
        if self._block_classes is not None and self._block_classes[0] == n:
            return self._block_classes[1]
        vectors: dict[int, Vector] = {}
        for index, peer in enumerate(self.registry.class_list[:n]):
            for block in peer.blocks:
                vec = vectors.get(block)
                if vec is None:
                    vec = vectors[block] = np.zeros(n, dtype=bool)
                vec[index] = True
        self._block_classes = (n, vectors)
        return vectors

    def matrix(self, ports: Sequence[tuple[str, int]], progress: Progress | None = None) -> Vector:
        """Pod-by-pod truth tables, shape (len(ports), n, n), in ``cluster.sorted_pods()`` order.

        ``out[k, i, j]`` is True when pod i may open a connection to pod j on
        ``ports[k]`` (protocol, port). A pod can always reach itself.
        """
        pods, classes, special = self.order()
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
    ) -> Vector:
        """Batch verdicts for pod index pairs (indices into :meth:`order`'s pods), vectorised.

        ``src`` and ``dst`` are equal-length int arrays; the result is a bool
        array of the same length.
        """
        pods, classes, special = self.order()
        table = self.class_matrix(protocol, port)
        src = np.asarray(src, dtype=np.intp)
        dst = np.asarray(dst, dtype=np.intp)
        result: Vector = table[classes.take(src), classes.take(dst)]
        result[src == dst] = True
        if special:
            record = self.registry.pod_record
            for at in np.flatnonzero(np.isin(src, special) | np.isin(dst, special)).tolist():
                a, b = pods[int(src[at])], pods[int(dst[at])]
                result[at] = a.key == b.key or self.sides.allowed(
                    record(a), record(b), protocol, port
                )
        return result

    def _fill_special(
        self,
        table: Vector,
        pods: list[Pod],
        special: list[int],
        protocol: str,
        port: int,
    ) -> None:
        records = [self.registry.pod_record(p) for p in pods]
        allowed = self.sides.allowed
        for i in special:
            for j in range(len(pods)):
                for s, d, at in (
                    (records[i], records[j], (i, j)),
                    (records[j], records[i], (j, i)),
                ):
                    table[at] = allowed(s, d, protocol, port)
