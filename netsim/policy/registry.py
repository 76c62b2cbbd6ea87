"""The engine's address book: every address resolved to a :class:`Record`.

A record is what a policy decision needs of one end: the pod, node or external
host it is, its identity, its named-port signature, the ipBlock entries
containing its IP and, for a pod, its policy groups
(:mod:`netsim.policy.policygroups`). Ends that no rule can tell apart share a
*peer class* (:class:`PeerClass`), the rows and columns of the engine's class
matrix.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from netsim.addr import parse_ip
from netsim.errors import LookupFailed
from netsim.match.ports import NO_NAMED_PORTS, NamedPorts
from netsim.model.objects import Pod
from netsim.policy.compile import PolicyTables
from netsim.policy.endpoint import Endpoint, selectable
from netsim.policy.policygroups import PolicyGroups
from netsim.policy.profile import Profile
from netsim.policy.tiercompile import TierTables

FLOW_CACHE_LIMIT = 1 << 16
"""Flow-level cache entries kept before the cache is emptied (bounds memory and update time)."""
IPS_IN_TUPLE = 16
"""An identity's pod IPs are a tuple up to this many, a set beyond (adding to a tuple copies it)."""


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
class Record:
    """A resolved address: ``key`` is the pod key (pods only), ``node`` the node name.

    ``egress``/``ingress`` are the pod's policy groups (-1 for non-pods): the
    interned lists of policies that select it and isolate that direction.
    Pods with equal groups decide alike, whatever their labels.
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
    cluster_pod: bool = False
    networks: frozenset[int] = frozenset()


class Registry:
    """Pods, nodes and their identities by IP; records, peer classes and named-port signatures."""

    def __init__(
        self, tables: PolicyTables, tiers: TierTables, groups: PolicyGroups, profile: Profile
    ) -> None:
        self.tables = tables
        self.tiers = tiers
        self.groups = groups
        self.profile = profile
        self.records: dict[str, Record] = {}
        """Resolved addresses (a live dict: the engine's fast path reads it)."""
        self.class_list: list[PeerClass] = []
        """The peer classes met so far (index: class id)."""
        self.named: list[dict[tuple[str, str], int]] = []
        """The named-port signatures met so far (index: signature id)."""
        self._classes: dict[PeerClass, int] = {}
        self._pod_identity: dict[str, int] = {}
        self._pod_by_ip: dict[str, Pod] = {}
        # an identity's pod IPs: the IP itself when one, a tuple when a few, a set beyond
        # IPS_IN_TUPLE: tuples of strs leave the cyclic GC's care, sets never do
        self._identity_ips: dict[int, str | tuple[str, ...] | set[str]] = {}
        self._node_by_ip: dict[str, str] = {}
        self._parsed: dict[str, tuple[int, int]] = {}
        self._signatures: dict[tuple[tuple[str, str, int], ...], int] = {}

    # ------------------------------------------------------------ membership
    def add_pod(self, pod: Pod) -> None:
        """Register a pod: its identity (when selectable) and its IP (when not hostNetwork)."""
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
                elif isinstance(ips, str):
                    if ips != pod.ip:
                        self._identity_ips[ident] = (ips, pod.ip)
                elif pod.ip not in ips:
                    grown = (*ips, pod.ip)
                    self._identity_ips[ident] = grown if len(grown) <= IPS_IN_TUPLE else set(grown)

    def remove_pod(self, pod: Pod) -> None:
        """Forget a pod registered with :meth:`add_pod`."""
        ident = self._pod_identity.pop(pod.key, None)
        if ident is not None:
            self.tables.release_pod_identity(ident)
            ips = self._identity_ips.get(ident)
            if isinstance(ips, set):
                ips.discard(pod.ip)
            elif isinstance(ips, tuple):
                self._identity_ips[ident] = tuple(ip for ip in ips if ip != pod.ip)
            elif ips == pod.ip:
                del self._identity_ips[ident]
        if self._pod_by_ip.get(pod.ip) is pod:
            del self._pod_by_ip[pod.ip]

    def set_node(self, ip: str, name: str | None) -> None:
        """Register a node's IP (``name`` None: forget it)."""
        if name is None:
            self._node_by_ip.pop(ip, None)
        else:
            self._node_by_ip[ip] = name

    def identity_of(self, pod: Pod) -> int | None:
        """A registered pod's identity (None: not selectable)."""
        return self._pod_identity.get(pod.key)

    def ips_of(self, ident: int) -> Collection[str]:
        """The pod IPs of an identity (those of its pods with an IP, not hostNetwork)."""
        ips = self._identity_ips.get(ident, ())
        return (ips,) if isinstance(ips, str) else ips

    # --------------------------------------------------------------- records
    def parse(self, ip: str) -> tuple[int, int]:
        """(version, value) of an IP (cached); :class:`LookupFailed` when it is none."""
        found = self._parsed.get(ip)
        if found is None:
            if len(self._parsed) >= FLOW_CACHE_LIMIT:
                self._parsed.clear()
            try:
                found = self._parsed[ip] = parse_ip(ip)
            except ValueError:
                raise LookupFailed(f'"{ip}" is not an IP address') from None
        return found

    def signature(self, pod: Pod) -> int:
        """The index of a pod's named-port signature (-1: it names no ports)."""
        named: dict[tuple[str, str], int] = {}
        for cp in pod.container_ports:
            if cp.name is not None:
                named.setdefault((cp.name, cp.protocol), cp.port)
        if not named:
            return -1
        key = tuple(sorted((n, p, v) for (n, p), v in named.items()))
        index = self._signatures.get(key)
        if index is None:
            index = self._signatures[key] = len(self.named)
            self.named.append(named)
        return index

    def named_ports(self, index: int) -> NamedPorts:
        """The named ports of signature ``index`` (-1: none)."""
        return self.named[index] if index >= 0 else NO_NAMED_PORTS

    def peer_class(self, identity: int, named: int, version: int, value: int, kind: str) -> int:
        """The class id of an end with this identity, signature and IP."""
        if kind == "external" or self.profile.ipblock_matches_pod_ips:
            blocks = self.tables.blocks.lookup(version, value)
        else:
            blocks = frozenset()
        peer = PeerClass(identity, named, blocks, self.tiers.networks_of(version, value))
        index = self._classes.get(peer)
        if index is None:
            index = self._classes[peer] = len(self.class_list)
            self.class_list.append(peer)
        return index

    def pod_record(self, pod: Pod) -> Record:
        """The record of a pod given by name (a hostNetwork pod may be node traffic)."""
        version, value = self.parse(pod.ip)
        if not selectable(pod, self.profile):
            cls = self.peer_class(-1, -1, version, value, "node")
            return self.host_record("node", cls, pod.node)
        identity = self._pod_identity[pod.key]
        named = self.signature(pod)
        cls = self.peer_class(identity, named, version, value, "pod")
        egress, ingress = self.groups.of(identity)
        peer = self.class_list[cls]
        return Record(
            "pod",
            pod.key,
            identity,
            cls,
            pod.node,
            named,
            peer.blocks,
            egress,
            ingress,
            not pod.host_network,
            peer.networks,
        )

    def record(self, ip: str) -> Record:
        """The record of an address (a pod's, a node's or an external host's), cached."""
        found = self.records.get(ip)
        if found is not None:
            return found
        pod = self._pod_by_ip.get(ip)
        if pod is not None:
            record = self.pod_record(pod)
        else:
            version, value = self.parse(ip)
            node = self._node_by_ip.get(ip)
            kind = "external" if node is None else "node"
            cls = self.peer_class(-1, -1, version, value, kind)
            record = self.host_record(kind, cls, node or "")
        self.records[ip] = record
        return record

    def endpoint_record(self, endpoint: Endpoint) -> Record:
        """The record of a resolved endpoint (a hostNetwork pod by name, a node)."""
        if endpoint.kind == "pod" and endpoint.pod is not None:
            return self.pod_record(endpoint.pod)
        if endpoint.kind == "node":
            cls = self.peer_class(-1, -1, endpoint.version, endpoint.value, "node")
            return self.host_record("node", cls, endpoint.node)
        return self.record(endpoint.ip)

    def host_record(self, kind: str, cls: int, node: str) -> Record:
        """The record of a node or an external host (no identity, no policy groups)."""
        peer = self.class_list[cls]
        return Record(kind, "", -1, cls, node, -1, peer.blocks, networks=peer.networks)

    def forget_identity(self, ident: int) -> None:
        """Resolve the addresses of ``ident``'s pods again when next asked."""
        for ip in self.ips_of(ident):
            self.records.pop(ip, None)

    def forget_classes(self) -> None:
        """Drop every record and peer class (class ids start again from 0)."""
        self.records.clear()
        self._classes.clear()
        self.class_list.clear()
