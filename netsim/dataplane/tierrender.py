"""Render the cluster-wide tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
ClusterNetworkPolicy) into a pod's nftables chains, in the network-policy-api order.

For one pod and direction the entry chain (the one the ``forward`` base chain jumps
to, :mod:`netsim.dataplane.render`) holds, in order:

1. the ICMP ``return`` when the profile does not filter ICMP (no tier sees ICMP then);
2. the admin tier, policies by ascending priority (then name, then kind: the order
   :func:`~netsim.model.adminpolicy.tier_order` fixes), rules in order, one nft rule
   per (peer, port): ``Allow``/``Accept`` ``return`` (this side allows: evaluation goes
   on with the other side's chain), ``Deny`` ``drop``, ``Pass`` ``goto`` the pod's
   ``-np`` chain (the rest of the admin tier is skipped; a ``goto`` returns to the base
   chain, not here);
3. then (in the ``-np`` chain when a Pass rule needs it) NetworkPolicy: when a
   NetworkPolicy isolates the pod, its allow rules ``return`` and a counted ``drop``
   ends the chain, exactly as :mod:`~netsim.dataplane.render` writes it without tiers;
4. otherwise the baseline tier in the same way (a Baseline ``Pass`` ``return``\\ s: nothing
   after it decides), and the chain's end returns: allowed.

Selectors are resolved to the IPs they match now, as for NetworkPolicy: ``namespaces``
and ``pods`` to the (non host-networked) pods they select, ``nodes`` to the node IPs
whose ``kubernetes.io/hostname`` label matches (netsim keeps no other Node labels),
``networks`` to ``ip daddr CIDR`` (pods and nodes included); ``domainNames`` match
nothing (netsim resolves no names: the chain says so in a comment). Named ports resolve
on the destination pod (the pod itself for ingress, each remote pod for egress) in each
protocol. Only allowing rules carry a :class:`~netsim.policy.verdict.RuleRef`, so the
verifier's trace sets record the rule that let a flow through, as for NetworkPolicy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol as TypingProtocol

from netsim.dataplane.render import (
    NftRule,
    PodChain,
    addresses_clause,
    host_interface,
    icmp_rule,
)
from netsim.model import Cluster, Pod
from netsim.model.adminpolicy import (
    AdminPeer,
    AdminPort,
    AdminSubject,
    Tier,
    tier_order,
    verdict_of,
)
from netsim.model.netpol import Direction, Protocol
from netsim.policy.profile import Profile
from netsim.policy.tiers import node_selected, subject_selects
from netsim.policy.verdict import RuleRef

PROTOCOLS: tuple[Protocol, ...] = ("TCP", "UDP", "SCTP")
"""The protocols a named port can resolve in."""
NP_PART = "np"
"""The suffix of the chain a ``Pass`` rule jumps to (NetworkPolicy, then baseline)."""
TierRules = tuple[list[NftRule], list[str], list[str]]
"""One tier's nft rules for a pod, the keys of the policies selecting it, and notes."""
NFT_VERDICT = {"allow": "return", "deny": "drop"}
"""The nft verdict of an allowing or denying rule (``pass`` depends on the tier)."""


class TierSource(TypingProtocol):
    """What renders one tier's rules for a pod: :class:`TierRenderer` from the policies,
    :class:`netsim.dataplane.compiled` from the engine's compiled tier tables."""

    def tier(self, pod: Pod, direction: Direction, tier: Tier, pass_verdict: str) -> TierRules:
        """The tier's rules for ``pod`` (``pass_verdict``: what a Pass rule does there)."""
        ...


def pass_target(pod: Pod, direction: Direction) -> str:
    """The name of the chain a Pass rule of ``pod``'s chain goes to."""
    return PodChain(pod.key, direction, "", (), (), part=NP_PART).name


class TierRenderer:
    """The tier rules of one cluster snapshot's pods (``pods``: the pods with an IP)."""

    def __init__(self, cluster: Cluster, pods: Sequence[Pod]) -> None:
        self.cluster = cluster
        self.pods = [p for p in pods if not p.host_network]

    # ------------------------------------------------------------------ peers
    def peer_clauses(self, peer: AdminPeer, side: str) -> list[str]:
        """The nft address matches of one ``from``/``to`` entry (empty: matches nothing)."""
        if peer.networks:
            out = []
            for network in peer.networks:
                family = "ip" if ipaddress.ip_network(str(network)).version == 4 else "ip6"
                out.append(f"{family} {side} {network}")
            return out
        if peer.nodes is not None:
            selector = peer.nodes
            ips = [
                node.ip
                for _, node in sorted(self.cluster.nodes.items())
                if node.ip and node_selected(selector, node)
            ]
            return [f"ip {side} {addresses_clause(ips)}"] if ips else []
        pods = self.peer_pods(peer)
        return [f"ip {side} {addresses_clause(p.ip for p in pods)}"] if pods else []

    def peer_pods(self, peer: AdminPeer) -> list[Pod]:
        """The pods a ``namespaces``/``pods`` peer selects (none for the other peer kinds)."""
        if peer.namespaces is None and peer.pods is None:
            return []
        subject = AdminSubject(peer.namespaces, peer.pods)
        return [p for p in self.pods if subject_selects(self.cluster, subject, p)]

    # ------------------------------------------------------------------ ports
    @staticmethod
    def port_clauses(port: AdminPort, destination: Pod | None) -> list[str]:
        """The nft port matches of one ``ports``/``protocols`` entry on ``destination``."""
        if port.named_port is not None:
            if destination is None:
                return []
            found = [(p, destination.named_port(port.named_port, p)) for p in PROTOCOLS]
            return [f"{p.lower()} dport {n}" for p, n in found if n is not None]
        proto = str(port.protocol).lower()
        if port.end_port is not None:
            if port.port is None or port.port > port.end_port:
                return []  # a v1alpha1 range with start > end matches no port
            return [f"{proto} dport {port.port}-{port.end_port}"]
        return [f"{proto} dport {port.port}"]

    def matches(
        self, pod: Pod, direction: Direction, peer: AdminPeer, port: AdminPort | None
    ) -> list[str]:
        """The nft matches of one (peer, port) of a rule in ``pod``'s chain."""
        side = "saddr" if direction == "ingress" else "daddr"
        if port is None:
            return self.peer_clauses(peer, side)
        if direction == "ingress" or port.named_port is None:
            ports = self.port_clauses(port, pod if direction == "ingress" else None)
            return [f"{a} {p}" for a in self.peer_clauses(peer, side) for p in ports]
        # Egress to a named port: it resolves on each destination pod; group by number.
        by_clause: dict[str, list[str]] = {}
        for remote in self.peer_pods(peer):
            for clause in self.port_clauses(port, remote):
                by_clause.setdefault(clause, []).append(remote.ip)
        return [
            f"ip daddr {addresses_clause(ips)} {clause}"
            for clause, ips in sorted(by_clause.items())
        ]

    # ------------------------------------------------------------------ tiers
    def tier(self, pod: Pod, direction: Direction, tier: Tier, pass_verdict: str) -> TierRules:
        """One tier's nft rules for ``pod``, the policies that select it, and notes.

        ``pass_verdict`` is what a ``Pass`` rule does here (``goto`` the NetworkPolicy
        chain in the admin tier, ``return`` in the baseline tier).
        """
        rules: list[NftRule] = []
        notes: list[str] = []
        selecting: list[str] = []
        policies = tier_order(self.cluster.cluster_policies.values(), tier)
        for policy in policies:
            if not subject_selects(self.cluster, policy.subject, pod):
                continue
            selecting.append(policy.key)
            for index, rule in enumerate(policy.rules(direction)):
                verdict = verdict_of(rule.action)
                comment = f"{policy.key}/{direction}/{index} {rule.action}"
                nft_verdict = NFT_VERDICT.get(verdict, pass_verdict)
                ports: list[tuple[int | None, AdminPort | None]] = (
                    list(enumerate(rule.ports)) if rule.ports else [(None, None)]
                )
                made = 0
                for peer_index, peer in enumerate(rule.peers):
                    if peer.domain_names:
                        notes.append(f"{comment}: domainNames {', '.join(peer.domain_names)} "
                                     "match nothing (netsim resolves no names)")  # fmt: skip
                    for port_index, port in ports:
                        ref = RuleRef(policy.key, direction, index, peer_index, port_index)
                        for match in self.matches(pod, direction, peer, port):
                            traced = ref if verdict == "allow" else None
                            rules.append(NftRule(match, nft_verdict, comment, traced))
                            made += 1
                if not made:
                    notes.append(f"{comment}: matches no traffic here")
        return rules, selecting, notes


def tiered_chains(
    renderer: TierSource,
    netpol: PodChain | None,
    pod: Pod,
    direction: Direction,
    profile: Profile,
) -> list[PodChain]:
    """The chains of ``pod`` in ``direction``: ``netpol`` (NetworkPolicy's own chain, or
    None when no NetworkPolicy isolates the pod) wrapped in the admin and baseline tiers.

    No chain when nothing selects the pod; ``netpol`` alone when no tier policy does.
    """
    tail_name = pass_target(pod, direction)
    admin, admin_keys, admin_notes = renderer.tier(pod, direction, "Admin", f"goto {tail_name}")
    baseline: list[NftRule] = []
    baseline_keys: list[str] = []
    baseline_notes: list[str] = []
    if netpol is None:
        baseline, baseline_keys, baseline_notes = renderer.tier(
            pod, direction, "Baseline", "return"
        )
    if not (admin_keys or baseline_keys):
        return [netpol] if netpol is not None else []
    head = [] if profile.filter_icmp else [icmp_rule(profile)]
    if netpol is not None:
        body = [r for r in netpol.rules if r.match != head[0].match] if head else list(netpol.rules)
        isolated_by = netpol.isolated_by
        notes = list(netpol.notes)
    else:
        body, isolated_by, notes = baseline, (), baseline_notes
    selecting = ", ".join((*admin_keys, *baseline_keys))
    entry = PodChain(
        pod.key,
        direction,
        host_interface(pod.key),
        isolated_by,
        (),
        (f"cluster-wide policies selecting it: {selecting}", *admin_notes, *notes),
    )
    passes = any(r.verdict.startswith("goto ") for r in admin)
    if not passes:
        return [replace(entry, rules=tuple(head + admin + body))]
    tail = replace(entry, rules=tuple(body), notes=(), part=NP_PART)
    end = NftRule("", f"goto {tail_name}", f"{pod.key}/{direction}: end of the admin tier")
    rules = [*head, *admin, end]
    return [replace(entry, rules=tuple(rules)), tail]
