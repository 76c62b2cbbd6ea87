"""Render NetworkPolicies into nftables rules the way a CNI does, deliberately simply.

This renderer reads the validated model policies directly and shares nothing
with netsim's compiled core (no identities, tries or tables), so a bug in the
core cannot agree with itself when ``netsim dataplane verify`` compares them.

Each node gets one table ``inet netsim``. Its ``forward`` base chain first
accepts ``ct state established,related`` (replies of allowed connections are
allowed, SEMANTICS §5), then jumps to the egress chain of each isolated local
source pod (by ``iifname``) and then to the ingress chain of each isolated local
destination pod (by ``oifname``). So egress is enforced at the source's node and
ingress at the destination's node, both on the same node for local pairs.

A pod chain has one rule per (peer, port) of every rule of every policy that
selects the pod and isolates that direction; a matching rule counts and
``return``s (so ingress still runs after an allowing egress chain, where an
``accept`` would end the hook), and the chain ends with a counted ``drop``.
Selectors are resolved to the pod IPs they match now, as CNIs resolve them to
ipsets; named ports are resolved against the destination pod (the pod itself
for ingress, each remote pod for egress) with the same protocol. Every rule's
comment is ``ns/policy/direction/rule index``.

Services: a ``services`` chain at the ``prerouting`` nat hook DNATs each
ClusterIP:port to a backend pod's targetPort, as kube-proxy does, so the
forward chains (and so policy) see the backend pod and its port (SEMANTICS §29).
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from netsim.addr import ip_to_int
from netsim.errors import LookupFailed
from netsim.model import Cluster, Labels, Namespace, NetworkPolicy, Pod, PolicyPeer, PolicyPort
from netsim.model.kubeproxyrules import EXTERNAL_TYPES, allocate_node_ports
from netsim.model.netpol import Direction
from netsim.policy.endpoint import ServiceTarget, service_targets
from netsim.policy.profile import UPSTREAM, Profile
from netsim.policy.verdict import RuleRef

TABLE_NAME = "netsim"
TRACE_TYPE = "ipv4_addr . ipv4_addr . inet_proto . inet_service"
TRACE_KEY = "ip saddr . ip daddr . meta l4proto . th dport"
"""What a trace set records of each flow a rule matched (IPv4 pods only)."""


def host_interface(pod_key: str) -> str:
    """The node-side veth name of a pod: ``cali`` + 11 hex digits of a hash of ``ns/name``.

    Deterministic, at most 15 characters (IFNAMSIZ), as Calico names its veths.
    """
    return "cali" + hashlib.sha1(pod_key.encode()).hexdigest()[:11]


COMMENT_MAX = 127
"""nftables keeps at most 128 bytes of a rule comment (with its terminating NUL)."""


def comment_clause(text: str) -> str:
    """``comment "TEXT"``, shortened (ending in ``...``) to what nft accepts."""
    data = text.encode()
    if len(data) > COMMENT_MAX:
        text = data[: COMMENT_MAX - 3].decode(errors="ignore") + "..."
    return f'comment "{text}"'


@dataclass(frozen=True, slots=True)
class NftRule:
    """One nftables rule of a pod chain: ``match`` text, ``verdict``, and what it came from.

    ``ref`` points at the policy element (peer and port indices included) the
    rule renders; it is None for the chain's ICMP and default-drop rules.
    """

    match: str
    verdict: str
    comment: str
    ref: RuleRef | None = None

    def text(self, trace_set: str = "") -> str:
        """The rule as ``nft -f`` input, with a counter and the comment.

        With ``trace_set``, the rule also adds each flow it matches (source,
        destination, protocol, destination port) to that set, so a verifier can
        tell which rule decided which probe.
        """
        head = f"{self.match} " if self.match else ""
        if trace_set:
            head += f"add @{trace_set} {{ {TRACE_KEY} }} "
        return f"{head}counter {self.verdict} {comment_clause(self.comment)}"


@dataclass(frozen=True, slots=True)
class PodChain:
    """The ingress or egress chain of one isolated pod on its node.

    ``part`` is empty for the chain the base chain jumps to; a non-empty ``part`` names a
    chain only reached from the entry chain (the tiers' ``-np`` chain,
    :mod:`netsim.dataplane.tierrender`).
    """

    pod: str
    direction: Direction
    interface: str
    isolated_by: tuple[str, ...]
    rules: tuple[NftRule, ...]
    notes: tuple[str, ...] = ()
    part: str = ""

    @property
    def name(self) -> str:
        """The nft chain name, ``ingress-<ns>/<pod>`` or ``egress-<ns>/<pod>`` (and
        ``-<part>``).

        A name past nft's 255 characters is shortened with a hash of the pod key.
        """
        suffix = f"-{self.part}" if self.part else ""
        name = f"{self.direction}-{self.pod}{suffix}"
        if len(name) > 255:
            name = f"{self.direction}-{hashlib.sha1(self.pod.encode()).hexdigest()}{suffix}"
        return name

    @property
    def jump(self) -> str:
        """The base-chain rule that sends this pod's traffic through the chain."""
        side = "iifname" if self.direction == "egress" else "oifname"
        return f'{side} "{self.interface}" jump {self.name}'


@dataclass(frozen=True, slots=True)
class ServiceRule:
    """One ClusterIP DNAT rule, as kube-proxy writes it: Service address and port -> backend.

    ``clients`` restricts the rule to those source IPs (empty: any source). With
    several backends, each client pod is sent to one fixed backend
    (:func:`service_backend`), so every probe's backend is known; kube-proxy
    picks at random per connection.
    """

    service: str
    cluster_ip: str
    protocol: str
    port: int
    backend: str
    backend_ip: str
    target_port: int
    clients: tuple[str, ...] = ()

    def text(self) -> str:
        """The rule as ``nft -f`` input."""
        proto = self.protocol.lower()
        match = f"ip daddr {self.cluster_ip} {proto} dport {self.port}"
        if self.clients:
            match += f" ip saddr {addresses_clause(self.clients)}"
        return f"{match} counter dnat ip to {self.backend_ip}:{self.target_port} " + comment_clause(
            f"svc {self.service} {self.port}/{self.protocol} -> {self.backend}"
        )


MASQUERADE_MARK = 0x4000
"""The packet mark kube-proxy sets on traffic it will masquerade (KUBE-MARK-MASQ)."""


@dataclass(frozen=True, slots=True)
class NodePortRule:
    """One NodePort DNAT rule on one node: ``node_ip``:``node_port`` -> backend.

    With ``externalTrafficPolicy: Cluster`` (``masquerade``) the flow is marked and
    SNATed to the node's IP in postrouting, after this node's policy checks; so a
    backend on another node sees the node's IP, not the client's.
    """

    service: str
    node_ip: str
    protocol: str
    node_port: int
    backend: str
    backend_ip: str
    target_port: int
    masquerade: bool

    def text(self) -> str:
        """The rule as ``nft -f`` input."""
        proto = self.protocol.lower()
        mark = f"meta mark set {MASQUERADE_MARK:#x} " if self.masquerade else ""
        return (
            f"ip daddr {self.node_ip} {proto} dport {self.node_port} counter {mark}"
            f"dnat ip to {self.backend_ip}:{self.target_port} "
            + comment_clause(
                f"nodeport {self.service} {self.node_port}/{self.protocol} -> {self.backend}"
            )
        )


@dataclass(frozen=True, slots=True)
class NodeRuleset:
    """Everything one node enforces: the chains of its isolated pods, in pod order,
    and the Service DNAT rules (the same on every node, as kube-proxy's are)."""

    node: str
    chains: tuple[PodChain, ...]
    filter_icmp: bool = False
    services: tuple[ServiceRule, ...] = ()
    node_ports: tuple[NodePortRule, ...] = ()
    node_ip: str = ""

    def traced(self) -> list[tuple[str, PodChain, NftRule]]:
        """Every policy rule with the name of its trace set (``t0``, ``t1``, ...), in order."""
        found: list[tuple[str, PodChain, NftRule]] = []
        for chain in self.chains:
            for rule in chain.rules:
                # IPv6 rules never see the IPv4 pods' flows (and cannot feed an IPv4 set).
                if rule.ref is not None and "ip6 " not in rule.match:
                    found.append((f"t{len(found)}", chain, rule))
        return found

    def text(self, *, trace: bool = False) -> str:
        """The ruleset as ``nft -f`` input (also the ``netsim dataplane render`` output).

        ``trace`` adds one dynamic set per policy rule recording the flows it matched.
        """
        sets = {id(rule): name for name, _, rule in self.traced()} if trace else {}
        lines = [f"# node {self.node}", f"table inet {TABLE_NAME} {{"]
        lines += [
            f"  set {name} {{ type {TRACE_TYPE}; flags dynamic; size 65535; }}"
            for name in sets.values()
        ]
        lines += [
            "  chain forward {",
            "    type filter hook forward priority filter; policy accept;",
            '    ct state established,related accept comment "replies of allowed connections"',
        ]
        ordered = [c for c in self.chains if c.direction == "egress" and not c.part]
        ordered += [c for c in self.chains if c.direction == "ingress" and not c.part]
        lines += [f"    {chain.jump}" for chain in ordered]
        lines.append("  }")
        if self.services or self.node_ports:
            lines += [
                "  chain services {",
                "    type nat hook prerouting priority dstnat; policy accept;",
            ]
            lines += [f"    {rule.text()}" for rule in self.services]
            lines += [f"    {rule.text()}" for rule in self.node_ports]
            lines.append("  }")
        if any(rule.masquerade for rule in self.node_ports):
            lines += [
                "  chain nodeport-masq {",
                "    type nat hook postrouting priority srcnat; policy accept;",
                f"    meta mark {MASQUERADE_MARK:#x} counter snat ip to {self.node_ip} "
                'comment "kube-proxy masquerade (externalTrafficPolicy: Cluster)"',
                "  }",
            ]
        for chain in self.chains:
            lines.append(f"  chain {chain.name} {{")
            isolation = (
                f"isolated by {', '.join(chain.isolated_by)}"
                if chain.isolated_by
                else "no NetworkPolicy isolates it"
            )
            lines.append(f"    # {chain.pod} {chain.direction}: {isolation}")
            lines += [f"    # {note}" for note in chain.notes]
            lines += [f"    {rule.text(sets.get(id(rule), ''))}" for rule in chain.rules]
            lines.append("  }")
        lines.append("}")
        return "\n".join(lines) + "\n"


def addresses_clause(ips: Iterable[str]) -> str:
    """Addresses as an nft operand: one address, or an anonymous set in numeric order."""
    ordered = sorted(set(ips), key=ip_to_int)
    return ordered[0] if len(ordered) == 1 else "{ " + ", ".join(ordered) + " }"


def icmp_rule(profile: Profile) -> NftRule:
    """The first rule of a pod chain when the profile does not filter ICMP (SEMANTICS §3.22)."""
    return NftRule(
        "meta l4proto { icmp, ipv6-icmp }",
        "return",
        f"ICMP is not subject to policy (profile {profile.name})",
    )


def isolated_drop(pod: Pod, direction: Direction) -> NftRule:
    """The last rule of an isolated pod's chain: nothing matched, drop."""
    return NftRule("", "drop", f"{pod.key}/{direction}: isolated, no rule matched")


def _family(cidr_text: str) -> str:
    return "ip" if ipaddress.ip_network(cidr_text).version == 4 else "ip6"


class _Renderer:
    """Resolves selectors and ports against one cluster snapshot."""

    def __init__(self, cluster: Cluster, profile: Profile) -> None:
        self.cluster = cluster
        self.profile = profile
        self.pods = [
            p
            for p in cluster.sorted_pods()
            if p.ip and (not p.host_network or profile.host_network == "pod")
        ]
        internal = {p.ip for p in self.pods} | {n.ip for n in cluster.nodes.values()}
        self.internal_ips = sorted(internal, key=ip_to_int)

    # -------------------------------------------------------------- selection
    def namespace_labels(self, name: str) -> Labels:
        """A namespace's labels; one never declared still has its name label (SEMANTICS §4.24)."""
        return (self.cluster.namespaces.get(name) or Namespace(name)).labels

    def selects(self, policy: NetworkPolicy, pod: Pod) -> bool:
        """SEMANTICS §1.1: the policy's podSelector, in its own namespace."""
        return pod.namespace == policy.namespace and policy.pod_selector.matches(pod.labels)

    def peer_pods(self, policy: NetworkPolicy, peer: PolicyPeer) -> list[Pod]:
        """Pods a selector peer selects (podSelector alone: the policy's namespace)."""
        found = []
        for pod in self.pods:
            if peer.namespace_selector is None:
                if pod.namespace != policy.namespace:
                    continue
            elif not peer.namespace_selector.matches(self.namespace_labels(pod.namespace)):
                continue
            if peer.pod_selector is not None and not peer.pod_selector.matches(pod.labels):
                continue
            found.append(pod)
        return found

    def in_block(self, peer: PolicyPeer, pod: Pod) -> bool:
        """Whether a pod\'s IP is in the peer\'s ipBlock (never, for external-only profiles)."""
        assert peer.ip_block is not None
        if not self.profile.ipblock_matches_pod_ips:
            return False
        address = ipaddress.ip_address(pod.ip)
        return peer.ip_block.contains_ip(address.version, int(address))

    def block_clause(self, peer: PolicyPeer, side: str) -> str:
        """The nft match of an ipBlock peer: cidr, minus excepts (and internal IPs if asked)."""
        assert peer.ip_block is not None
        cidr = str(peer.ip_block.cidr)
        fam = _family(cidr)
        parts = [f"{fam} {side} {cidr}"]
        excepts = [str(e) for e in sorted(peer.ip_block.except_)]
        if excepts:
            joined = excepts[0] if len(excepts) == 1 else "{ " + ", ".join(excepts) + " }"
            parts.append(f"{fam} {side} != {joined}")
        if not self.profile.ipblock_matches_pod_ips and fam == "ip" and self.internal_ips:
            # external-only (Cilium): ipBlocks never match pods or nodes (SEMANTICS §2.14).
            parts.append(f"ip {side} != {addresses_clause(self.internal_ips)}")
        return " ".join(parts)

    # ------------------------------------------------------------------ ports
    def port_clause(self, port: PolicyPort, dst: Pod | None) -> str | None:
        """The nft match of one policy port; None when a named port does not resolve."""
        proto = port.protocol.lower()
        if port.port is None:
            return f"meta l4proto {proto}"
        if isinstance(port.port, str):
            number = dst.named_port(port.port, port.protocol) if dst else None
            return None if number is None else f"{proto} dport {number}"
        if port.end_port is not None and self.profile.end_port:
            return f"{proto} dport {port.port}-{port.end_port}"
        return f"{proto} dport {port.port}"

    # ------------------------------------------------------------------ chains
    def chain(self, pod: Pod, direction: Direction) -> PodChain | None:
        """The chain of a pod isolated in ``direction``; None when no policy isolates it."""
        policies = [
            p
            for _, p in sorted(self.cluster.policies.items())
            if p.isolates(direction) and self.selects(p, pod)
        ]
        if not policies:
            return None
        rules: list[NftRule] = []
        notes: list[str] = []
        if not self.profile.filter_icmp:
            rules.append(icmp_rule(self.profile))
        for policy in policies:
            for index, rule in enumerate(policy.rules(direction)):
                comment = f"{policy.key}/{direction}/{index}"
                peers: list[tuple[int | None, PolicyPeer | None]] = (
                    list(enumerate(rule.peers)) if rule.peers else [(None, None)]
                )
                ports: list[tuple[int | None, PolicyPort | None]] = (
                    list(enumerate(rule.ports)) if rule.ports else [(None, None)]
                )
                for peer_index, peer in peers:
                    for port_index, port in ports:
                        ref = RuleRef(policy.key, direction, index, peer_index, port_index)
                        made = self.rules_for(policy, pod, direction, peer, port, ref, comment)
                        if not made:
                            notes.append(f"{comment} {ref.path}: matches no traffic here")
                        rules += made
        names = tuple(p.key for p in policies)
        rules.append(isolated_drop(pod, direction))
        return PodChain(
            pod.key, direction, host_interface(pod.key), names, tuple(rules), tuple(notes)
        )

    def rules_for(
        self,
        policy: NetworkPolicy,
        pod: Pod,
        direction: Direction,
        peer: PolicyPeer | None,
        port: PolicyPort | None,
        ref: RuleRef,
        comment: str,
    ) -> list[NftRule]:
        """The nft rules of one (peer, port) of a rule in ``pod``'s chain."""
        side = "saddr" if direction == "ingress" else "daddr"
        named = port is not None and isinstance(port.port, str)
        if direction == "ingress" or not named:
            dst = pod if direction == "ingress" else None
            port_match = self.port_clause(port, dst) if port is not None else ""
            if port_match is None:
                return []
            if peer is None:
                peer_match = ""
            elif peer.ip_block is not None:
                peer_match = self.block_clause(peer, side)
            else:
                selected = self.peer_pods(policy, peer)
                if not selected:
                    return []
                peer_match = f"ip {side} {addresses_clause(p.ip for p in selected)}"
            match = " ".join(m for m in (peer_match, port_match) if m)
            return [NftRule(match, "return", comment, ref)]
        # Egress to a named port: it resolves on each destination pod, so group by number.
        assert port is not None
        if peer is None:
            candidates = self.pods
        elif peer.ip_block is not None:
            candidates = [p for p in self.pods if self.in_block(peer, p)]
        else:
            candidates = self.peer_pods(policy, peer)
        by_clause: dict[str, list[str]] = {}
        for dst in candidates:
            clause = self.port_clause(port, dst)
            if clause is not None:
                by_clause.setdefault(clause, []).append(dst.ip)
        return [
            NftRule(f"ip daddr {addresses_clause(ips)} {clause}", "return", comment, ref)
            for clause, ips in sorted(by_clause.items())
        ]


def service_clients(cluster: Cluster) -> list[str]:
    """The pod IPs that may use a Service, in ``ns/name`` order (hostNetwork pods left out)."""
    return [p.ip for p in cluster.sorted_pods() if p.ip and not p.host_network]


def service_backends(cluster: Cluster, key: str, protocol: str, port: int) -> list[ServiceTarget]:
    """A Service port's backends (pods with their resolved targetPort), in pod order.

    Empty when the Service has no such port, no endpoint, or a hostNetwork
    endpoint (node addresses are not plumbed as pods).
    """
    try:
        targets = service_targets(cluster, key, port, protocol)
    except LookupFailed:
        return []
    if any(t.backend.host_network for t in targets):
        return []
    return sorted(targets, key=lambda t: t.backend.key)


def service_backend(
    cluster: Cluster, key: str, protocol: str, port: int, client_ip: str
) -> ServiceTarget | None:
    """The backend the rendered DNAT rules send ``client_ip`` to (None: no backend).

    The ``i``-th client pod (in ``ns/name`` order) goes to backend ``i mod n``;
    any other source goes to the first backend.
    """
    backends = service_backends(cluster, key, protocol, port)
    if not backends:
        return None
    clients = service_clients(cluster)
    index = clients.index(client_ip) if client_ip in clients else 0
    return backends[index % len(backends)]


def render_services(cluster: Cluster) -> tuple[ServiceRule, ...]:
    """The DNAT rules of every ClusterIP Service port with at least one backend."""
    rules: list[ServiceRule] = []
    clients = service_clients(cluster)
    for key, service in sorted(cluster.services.items()):
        if not service.cluster_ip or service.cluster_ip == "None":
            continue
        for sport in service.ports:
            backends = service_backends(cluster, key, sport.protocol, sport.port)
            if not backends:
                continue
            common = (key, service.cluster_ip, sport.protocol, sport.port)
            if len(backends) > 1:
                for i, target in enumerate(backends):
                    mine = tuple(ip for j, ip in enumerate(clients) if j % len(backends) == i)
                    if mine:
                        rules.append(
                            ServiceRule(
                                *common, target.backend.key, target.backend.ip, target.port, mine
                            )
                        )
            first = backends[0]
            rules.append(ServiceRule(*common, first.backend.key, first.backend.ip, first.port))
    return tuple(rules)


def node_ports(cluster: Cluster) -> dict[tuple[str, str, int], int]:
    """The NodePort of every NodePort/LoadBalancer Service port: (key, protocol, port) -> port.

    Allocated by :func:`netsim.model.kubeproxyrules.allocate_node_ports`, the rule the
    simulated kube-proxy follows: an explicit ``nodePort`` wins, else the lowest free one
    from 30000 up, Services in key order, one NodePort per port number across protocols.
    """
    allocated = allocate_node_ports(cluster.services, {})
    return {
        (key, sp.protocol, sp.port): allocated[(key, sp.port)]
        for key, svc in sorted(cluster.services.items())
        if svc.type in EXTERNAL_TYPES
        for sp in svc.ports
    }


def node_port_backend(
    cluster: Cluster, key: str, protocol: str, port: int, node: str
) -> ServiceTarget | None:
    """The backend a NodePort on ``node`` sends external clients to (None: none).

    ``externalTrafficPolicy: Local`` uses only backends on ``node``; ``Cluster``
    all of them; the first in pod order is chosen, so each probe's backend is known.
    """
    backends = service_backends(cluster, key, protocol, port)
    if cluster.services[key].external_traffic_policy == "Local":
        backends = [t for t in backends if t.backend.node == node]
    return backends[0] if backends else None


def render_node_ports(cluster: Cluster, node: str) -> tuple[NodePortRule, ...]:
    """The NodePort DNAT rules of one node (on the node's own IP)."""
    rules = []
    node_ip = cluster.nodes[node].ip
    for (key, protocol, port), number in sorted(node_ports(cluster).items()):
        target = node_port_backend(cluster, key, protocol, port, node)
        if target is None:
            continue
        masquerade = cluster.services[key].external_traffic_policy == "Cluster"
        rules.append(
            NodePortRule(
                key,
                node_ip,
                protocol,
                number,
                target.backend.key,
                target.backend.ip,
                target.port,
                masquerade,
            )
        )
    return tuple(rules)


def render_node(cluster: Cluster, node: str, profile: Profile = UPSTREAM) -> NodeRuleset:
    """Render what ``node`` enforces: the chains of each local pod and direction that a
    NetworkPolicy isolates or a cluster-wide policy selects (the tiers in their order,
    :mod:`netsim.dataplane.tierrender`)."""
    from netsim.dataplane.tierrender import TierRenderer, tiered_chains

    renderer = _Renderer(cluster, profile)
    tiers = TierRenderer(cluster, renderer.pods)
    chains: list[PodChain] = []
    if profile.enforce:
        for pod in cluster.sorted_pods():
            if pod.node != node or pod.host_network or not pod.ip:
                continue
            for direction in ("egress", "ingress"):
                netpol = renderer.chain(pod, direction)
                chains += tiered_chains(tiers, netpol, pod, direction, profile)
    return NodeRuleset(
        node,
        tuple(chains),
        profile.filter_icmp,
        render_services(cluster),
        render_node_ports(cluster, node),
        cluster.nodes[node].ip,
    )


def render_cluster(cluster: Cluster, profile: Profile = UPSTREAM) -> dict[str, NodeRuleset]:
    """Render every node that runs at least one pod, keyed by node name (sorted)."""
    nodes = sorted({p.node for p in cluster.sorted_pods() if p.node and not p.host_network})
    return {name: render_node(cluster, name, profile) for name in nodes}
