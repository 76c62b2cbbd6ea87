"""The complete connectivity of a cluster on a :class:`~netsim.insight.space.Grid`.

For every ordered pod pair, every pod and outside address range, and every
protocol, one :class:`~netsim.policy.verdict.Decision` per port segment of the
grid: the engine's verdict with the rule (policy and field path) that allowed
each side. Pods whose namespace, labels, declared ports and ipBlock (and cluster-wide
``networks``) membership are equal are decided alike (selectors see only those), so
each such class pair is asked once.

hostNetwork pods are node traffic for NetworkPolicy (unless the profile treats
them as pods) and are not ends here; neither are nodes.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field

from netsim.addr import Prefix, parse_ip
from netsim.insight.portset import PortIntervals
from netsim.insight.space import DIRECTIONS, AddressRange, Grid
from netsim.model.cluster import Cluster
from netsim.model.netpol import IPBlock
from netsim.model.objects import Pod
from netsim.policy.endpoint import Endpoint, pod_endpoint, selectable
from netsim.policy.engine import PolicyEngine
from netsim.policy.profile import UPSTREAM, Profile
from netsim.policy.verdict import Decision

End = str | AddressRange
"""One end of a connection: a pod's ``ns/name`` or an outside address range."""

Verdicts = tuple[tuple[Decision, ...], ...]
"""Per protocol of the grid (in its order), one decision per port segment."""


@dataclass(frozen=True, slots=True)
class Connectivity:
    """Every decision of one cluster on one grid.

    ``pods`` maps each pod end to its Pod; ``table`` maps (src, dst) to the
    pair's :data:`Verdicts`. A pod paired with itself is absent (always allowed).
    """

    grid: Grid
    pods: dict[str, Pod]
    table: dict[tuple[End, End], Verdicts] = field(default_factory=dict)

    def pairs(self) -> Iterator[tuple[End, End]]:
        """Every (src, dst) in the table, pods before ranges, in a fixed order."""
        return iter(sorted(self.table, key=_pair_order))

    def allowed(self, src: End, dst: End) -> PortIntervals:
        """The ports (per protocol) on which ``src`` may open a connection to ``dst``."""
        verdicts = self.table[(src, dst)]
        triples = []
        for (protocol, _), decisions in zip(self.grid.ports, verdicts, strict=True):
            for (first, last), decision in zip(
                self.grid.segments(protocol), decisions, strict=True
            ):
                if decision.allowed:
                    triples.append((protocol, first, last))
        return PortIntervals.of(triples)


def _end_order(end: End) -> tuple[int, str, int, int]:
    if isinstance(end, str):
        return (0, end, 0, 0)
    return (1, "", end.version, end.first)


def _pair_order(pair: tuple[End, End]) -> tuple[tuple[int, str, int, int], ...]:
    return (_end_order(pair[0]), _end_order(pair[1]))


def _blocks(cluster: Cluster) -> list[IPBlock | Prefix]:
    """Every ipBlock of the NetworkPolicies, then every ``networks`` prefix of the
    cluster-wide policies (which match pod addresses too), once each."""
    found: dict[IPBlock | Prefix, None] = {}
    for _, policy in sorted(cluster.policies.items()):
        for direction in DIRECTIONS:
            for rule in policy.rules(direction):
                for peer in rule.peers:
                    if peer.ip_block is not None:
                        found[peer.ip_block] = None
    for _, cluster_policy in sorted(cluster.cluster_policies.items()):
        for direction in DIRECTIONS:
            for admin_rule in cluster_policy.rules(direction):
                for admin_peer in admin_rule.peers:
                    found.update(dict.fromkeys(admin_peer.networks))
    return list(found)


def pod_class(pod: Pod, blocks: Sequence[IPBlock | Prefix]) -> Hashable:
    """What a verdict can depend on besides the pod's name: pods with equal classes decide
    alike (``blocks``: the ipBlocks and cluster-wide ``networks`` the address may be in)."""
    version, value = parse_ip(pod.ip)
    inside = tuple(b.contains_ip(version, value) for b in blocks)
    ports = tuple(sorted((p.port, p.protocol, p.name or "") for p in pod.container_ports))
    return (pod.namespace, pod.labels.items, ports, inside)


def ends(cluster: Cluster, profile: Profile) -> dict[str, Pod]:
    """The pods that are ends (an IP, and seen as pods under ``profile``), by key."""
    return {p.key: p for p in cluster.sorted_pods() if p.ip and selectable(p, profile)}


def compute(
    cluster: Cluster,
    grid: Grid,
    profile: Profile = UPSTREAM,
    only: set[str] | None = None,
) -> Connectivity:
    """Ask the policy engine every pair of ends on every segment of ``grid``.

    ``only`` keeps the pairs that have one of these pods at one end.
    """
    pods = ends(cluster, profile)
    engine = PolicyEngine(cluster, profile)
    try:
        blocks = _blocks(cluster)
        classes = {key: pod_class(pod, blocks) for key, pod in pods.items()}
        endpoints = {key: pod_endpoint(cluster, pod, profile) for key, pod in pods.items()}
        outside = {r: Endpoint("external", r.probe_ip, r.version, r.probe) for r in grid.ranges}
        memo: dict[tuple[Hashable, Hashable], Verdicts] = {}
        probes = [
            (protocol, [first for first, _ in grid.segments(protocol)])
            for protocol, _ in grid.ports
        ]

        def verdicts(src: Endpoint, dst: Endpoint, key: tuple[Hashable, Hashable]) -> Verdicts:
            found = memo.get(key)
            if found is None:
                found = memo[key] = tuple(
                    tuple(engine.decide_endpoints(src, dst, protocol, port) for port in ports)
                    for protocol, ports in probes
                )
            return found

        table: dict[tuple[End, End], Verdicts] = {}
        for a in pods:
            for b in pods:
                if a != b and (only is None or a in only or b in only):
                    table[(a, b)] = verdicts(endpoints[a], endpoints[b], (classes[a], classes[b]))
            if only is not None and a not in only:
                continue
            for r, remote in outside.items():
                table[(a, r)] = verdicts(endpoints[a], remote, (classes[a], r))
                table[(r, a)] = verdicts(remote, endpoints[a], (r, classes[a]))
        return Connectivity(grid, pods, table)
    finally:
        engine.close()
