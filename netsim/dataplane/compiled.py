"""Triage mode: nftables rules rendered from netsim's *compiled* tables, not the policies.

:mod:`~netsim.dataplane.render` reads the model policies and so checks the
compiled core independently. When it disagrees with netsim, rendering the same
chains from the engine's :class:`~netsim.policy.compile.PolicyTables` (selector
members per identity, the ipBlock table, port sets) tells where the fault is:
if the kernel running these rules agrees with the simple renderer, the compiled
tables are right and the engine's lookup is wrong; if it agrees with netsim,
the tables themselves are wrong.

ipBlock peers are rendered as the set of known addresses (pods, external
hosts, nodes) the compiled ipBlock table puts inside the block, since only
those addresses are ever probed; so are the cluster-wide tiers' ``networks`` peers
(the engine's tier network table). The tiers are put around each pod's chain as
:mod:`~netsim.dataplane.tierrender` does, from the engine's compiled tier tables
(subjects and peers as identity sets, ports as port sets).
"""

from __future__ import annotations

from collections.abc import Sequence

from netsim.addr import ip_to_int, ip_version
from netsim.dataplane.render import (
    NftRule,
    NodeRuleset,
    PodChain,
    addresses_clause,
    host_interface,
    icmp_rule,
    isolated_drop,
    render_node_ports,
    render_services,
)
from netsim.dataplane.tierrender import NFT_VERDICT, TierRules, tiered_chains
from netsim.match.ports import PortMatcher
from netsim.model import Pod
from netsim.model.adminpolicy import Tier
from netsim.model.netpol import Direction
from netsim.policy.compile import CompiledPeer, CompiledRule
from netsim.policy.engine import PolicyEngine
from netsim.policy.tiercompile import TierPeer
from netsim.policy.tiers import node_selected
from netsim.policy.verdict import RuleRef


class _Compiled:
    """Reads one engine's compiled tables."""

    def __init__(self, engine: PolicyEngine, addresses: Sequence[str]) -> None:
        self.engine = engine
        self.tables = engine.tables
        cluster = engine.cluster
        self.pods = [
            p
            for p in cluster.sorted_pods()
            if p.ip and (not p.host_network or engine.profile.host_network == "pod")
        ]
        known = {p.ip for p in self.pods} | {n.ip for n in cluster.nodes.values()}
        known |= {a for a in addresses if ip_version(a) == 4}
        self.addresses = sorted(known, key=ip_to_int)

    def identity(self, pod: Pod) -> int | None:
        """The pod\'s identity in the compiled tables."""
        return self.tables.identities.get(pod.namespace, pod.labels)

    def peer_ips(self, peer: CompiledPeer) -> list[str]:
        """The known addresses a compiled peer matches."""
        if peer.spec is not None:
            members = self.tables.members(peer.spec)
            return [p.ip for p in self.pods if self.identity(p) in members]
        assert peer.block is not None
        return [
            ip for ip in self.addresses if peer.block in self.tables.blocks.lookup(4, ip_to_int(ip))
        ]

    def named(self, pod: Pod, name: str, protocol: str) -> int | None:
        """A named port resolved on ``pod`` as the engine resolves it."""
        return self.engine.named_ports(pod).get((name, protocol))

    def term_matches(
        self,
        pod: Pod,
        direction: Direction,
        peer_match: str,
        ips: list[str] | None,
        term: PortMatcher | None,
    ) -> list[str]:
        """The nft matches of one peer (``ips``, None: any) and one port term (None: any)."""
        if term is None:
            return [peer_match]
        proto = term.protocol.lower()
        if term.name is None:
            if term.first is None:
                clause = f"meta l4proto {proto}"
            elif term.last is None or term.last == term.first:
                clause = f"{proto} dport {term.first}"
            else:
                clause = f"{proto} dport {term.first}-{term.last}"
            return [" ".join(m for m in (peer_match, clause) if m)]
        if direction == "ingress":
            number = self.named(pod, term.name, term.protocol)
            if number is None:
                return []
            return [" ".join(m for m in (peer_match, f"{proto} dport {number}") if m)]
        wanted = None if ips is None else set(ips)
        groups: dict[int, list[str]] = {}
        for dst in self.pods:
            if wanted is not None and dst.ip not in wanted:
                continue
            number = self.named(dst, term.name, term.protocol)
            if number is not None:
                groups.setdefault(number, []).append(dst.ip)
        return [
            f"ip daddr {addresses_clause(group)} {proto} dport {number}"
            for number, group in sorted(groups.items())
        ]

    def rules(self, pod: Pod, direction: Direction, key: str, rule: CompiledRule) -> list[NftRule]:
        """The nft rules of one compiled rule in ``pod``'s chain."""
        side = "saddr" if direction == "ingress" else "daddr"
        comment = f"{key}/{direction}/{rule.index}"
        peers: list[tuple[int | None, list[str] | None]] = (
            [(i, self.peer_ips(p)) for i, p in enumerate(rule.peers)]
            if rule.peers
            else [(None, None)]
        )
        terms: list[tuple[int | None, PortMatcher | None]] = (
            list(enumerate(rule.ports.terms)) if rule.ports.terms else [(None, None)]
        )
        made: list[NftRule] = []
        for peer_index, ips in peers:
            if ips is not None and not ips:
                continue
            peer_match = "" if ips is None else f"ip {side} {addresses_clause(ips)}"
            for port_index, term in terms:
                ref = RuleRef(key, direction, rule.index, peer_index, port_index)
                for match in self.term_matches(pod, direction, peer_match, ips, term):
                    made.append(NftRule(match, "return", comment, ref))
        return made

    # ------------------------------------------------------------------ tiers
    def tier_peer_ips(self, peer: TierPeer) -> list[str]:
        """The known addresses a compiled ``from``/``to`` entry matches."""
        if peer.spec is not None:
            members = self.tables.members(peer.spec)
            return [p.ip for p in self.pods if not p.host_network and self.identity(p) in members]
        if peer.networks:
            tiers = self.engine.tiers
            return [
                ip for ip in self.addresses if tiers.networks_of(4, ip_to_int(ip)) & peer.networks
            ]
        if peer.nodes is not None:
            nodes = sorted(self.engine.cluster.nodes.items())
            return [node.ip for _, node in nodes if node_selected(peer.nodes, node)]
        return []  # domainNames: nothing

    def tier(self, pod: Pod, direction: Direction, tier: Tier, pass_verdict: str) -> TierRules:
        """One tier's rules for ``pod`` from the engine's compiled tier tables
        (:class:`~netsim.dataplane.tierrender.TierSource`)."""
        identity = None if pod.host_network else self.identity(pod)
        side = "saddr" if direction == "ingress" else "daddr"
        rules: list[NftRule] = []
        selecting: list[str] = []
        notes: list[str] = []
        ordered = sorted(self.engine.tiers.policies.values(), key=lambda p: p.order)
        for policy in ordered:
            if policy.tier != tier or identity not in self.tables.members(policy.subject):
                continue
            selecting.append(policy.key)
            for rule in policy.rules(direction):
                comment = f"{policy.key}/{direction}/{rule.index} {rule.verdict}"
                verdict = NFT_VERDICT.get(rule.verdict, pass_verdict)
                terms: list[tuple[int | None, PortMatcher | None]] = (
                    list(enumerate(rule.ports.terms)) if rule.has_ports else [(None, None)]
                )
                made = 0
                for peer_index, peer in enumerate(rule.peers):
                    ips = self.tier_peer_ips(peer)
                    if not ips:
                        continue
                    peer_match = f"ip {side} {addresses_clause(ips)}"
                    for term_index, term in terms:
                        port_index = None if term_index is None else rule.owners[term_index]
                        ref = RuleRef(policy.key, direction, rule.index, peer_index, port_index)
                        traced = ref if rule.verdict == "allow" else None
                        for match in self.term_matches(pod, direction, peer_match, ips, term):
                            rules.append(NftRule(match, verdict, comment, traced))
                            made += 1
                if not made:
                    notes.append(f"{comment}: matches no traffic here")
        return rules, selecting, notes

    def chain(self, pod: Pod, direction: Direction) -> PodChain | None:
        """The chain of a pod isolated in ``direction`` per the compiled tables."""
        policies = [p for p in self.engine.selecting_policies(pod) if p.isolates(direction)]
        if not policies:
            return None
        rules: list[NftRule] = []
        if not self.engine.profile.filter_icmp:
            rules.append(icmp_rule(self.engine.profile))
        for policy in sorted(policies, key=lambda p: p.key):
            for rule in policy.rules(direction):
                rules += self.rules(pod, direction, policy.key, rule)
        rules.append(isolated_drop(pod, direction))
        keys = tuple(sorted(p.key for p in policies))
        return PodChain(pod.key, direction, host_interface(pod.key), keys, tuple(rules))


def render_compiled(engine: PolicyEngine, addresses: Sequence[str] = ()) -> dict[str, NodeRuleset]:
    """Render every node's rules from the engine's compiled tables (triage mode).

    ``addresses`` are extra IPv4 addresses (external hosts) to resolve ipBlock
    peers for, beside the pods and nodes.
    """
    compiled = _Compiled(engine, addresses)
    cluster = engine.cluster
    services = render_services(cluster)
    rulesets: dict[str, NodeRuleset] = {}
    nodes = sorted({p.node for p in cluster.sorted_pods() if p.node and not p.host_network})
    for node in nodes:
        chains: list[PodChain] = []
        if engine.profile.enforce:
            for pod in cluster.sorted_pods():
                if pod.node != node or pod.host_network or not pod.ip:
                    continue
                for direction in ("egress", "ingress"):
                    netpol = compiled.chain(pod, direction)
                    chains += tiered_chains(compiled, netpol, pod, direction, engine.profile)
        rulesets[node] = NodeRuleset(
            node,
            tuple(chains),
            engine.profile.filter_icmp,
            services,
            render_node_ports(cluster, node),
            cluster.nodes[node].ip,
        )
    return rulesets
