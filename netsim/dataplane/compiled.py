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
those addresses are ever probed.
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
from netsim.model import Pod
from netsim.model.netpol import Direction
from netsim.policy.compile import CompiledPeer, CompiledRule
from netsim.policy.engine import PolicyEngine
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

    def rules(self, pod: Pod, direction: Direction, key: str, rule: CompiledRule) -> list[NftRule]:
        """The nft rules of one compiled rule in ``pod``'s chain."""
        side = "saddr" if direction == "ingress" else "daddr"
        comment = f"{key}/{direction}/{rule.index}"
        peers: list[tuple[int | None, list[str] | None]] = (
            [(i, self.peer_ips(p)) for i, p in enumerate(rule.peers)]
            if rule.peers
            else [(None, None)]
        )
        terms = list(enumerate(rule.ports.terms)) if rule.ports.terms else [(None, None)]
        made: list[NftRule] = []
        for peer_index, ips in peers:
            if ips is not None and not ips:
                continue
            peer_match = "" if ips is None else f"ip {side} {addresses_clause(ips)}"
            for port_index, term in terms:
                ref = RuleRef(key, direction, rule.index, peer_index, port_index)
                if term is None:
                    made.append(NftRule(peer_match, "return", comment, ref))
                    continue
                proto = term.protocol.lower()
                if term.name is None:
                    if term.first is None:
                        clause = f"meta l4proto {proto}"
                    elif term.last is None or term.last == term.first:
                        clause = f"{proto} dport {term.first}"
                    else:
                        clause = f"{proto} dport {term.first}-{term.last}"
                    match = " ".join(m for m in (peer_match, clause) if m)
                    made.append(NftRule(match, "return", comment, ref))
                elif direction == "ingress":
                    number = self.named(pod, term.name, term.protocol)
                    if number is not None:
                        clause = f"{proto} dport {number}"
                        match = " ".join(m for m in (peer_match, clause) if m)
                        made.append(NftRule(match, "return", comment, ref))
                else:
                    wanted = None if ips is None else set(ips)
                    groups: dict[int, list[str]] = {}
                    for dst in self.pods:
                        if wanted is not None and dst.ip not in wanted:
                            continue
                        number = self.named(dst, term.name, term.protocol)
                        if number is not None:
                            groups.setdefault(number, []).append(dst.ip)
                    made += [
                        NftRule(
                            f"ip daddr {addresses_clause(group)} {proto} dport {number}",
                            "return",
                            comment,
                            ref,
                        )
                        for number, group in sorted(groups.items())
                    ]
        return made

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
                    chain = compiled.chain(pod, direction)
                    if chain is not None:
                        chains.append(chain)
        rulesets[node] = NodeRuleset(
            node,
            tuple(chains),
            engine.profile.filter_icmp,
            services,
            render_node_ports(cluster, node),
            cluster.nodes[node].ip,
        )
    return rulesets
