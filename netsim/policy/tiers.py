"""The reference evaluator with the cluster-wide tiers: a slow, literal oracle.

For each enforcement point (egress at the source, ingress at the destination), as the
network-policy-api reference states it
(https://network-policy-api.sigs.k8s.io/reference/spec/, the AdminNetworkPolicy,
BaselineAdminNetworkPolicy and ClusterNetworkPolicy types):

1. the admin tier (AdminNetworkPolicy, ClusterNetworkPolicy ``tier: Admin``) by ascending
   ``priority``, rules in order inside a policy: the first rule whose peer AND port match
   decides with ``Allow``/``Accept`` or ``Deny``; ``Pass`` skips the rest of the admin tier;
2. NetworkPolicy, exactly as :mod:`netsim.policy.reference` decides it, when a
   NetworkPolicy isolates the pod in that direction;
3. the baseline tier (the BaselineAdminNetworkPolicy ``default``, ClusterNetworkPolicy
   ``tier: Baseline``), in the same way (a Baseline ``Pass`` skips the rest of the tier);
4. no decision: allowed. Cluster-wide policies isolate nothing by selecting a pod.

What no policy decides (not enforced, loopback, node-local, a side that is not a pod,
ICMP when not filtered) is decided by :func:`netsim.policy.reference.side_decision`
before any tier, as for NetworkPolicy alone. Same-priority policies are taken in name
order (:func:`netsim.model.adminpolicy.order_key`; the loader warns).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from netsim.model.adminpolicy import (
    AdminPeer,
    AdminPort,
    AdminRule,
    AdminSubject,
    ClusterPolicy,
    Tier,
    node_labels,
    tier_order,
    verdict_of,
)
from netsim.model.cluster import Cluster
from netsim.model.labels import LabelSelector
from netsim.model.netpol import Direction
from netsim.model.objects import Node, Pod
from netsim.policy import reference
from netsim.policy.endpoint import Endpoint
from netsim.policy.profile import UPSTREAM, Profile
from netsim.policy.verdict import RuleRef, SideDecision

UNDECIDED_BY_POLICY = frozenset(
    {"not-enforced", "not-a-pod", "not-filtered", "loopback", "node-local"}
)
"""NetworkPolicy reasons that come before any policy: no tier changes them."""


def _cluster_pod(endpoint: Endpoint) -> Pod | None:
    """The pod a subject or a namespaces/pods peer can be: never a host-networked pod."""
    pod = endpoint.pod
    if endpoint.kind != "pod" or pod is None or pod.host_network:
        return None
    return pod


def subject_selects(cluster: Cluster, subject: AdminSubject, pod: Pod) -> bool:
    """``subject``: ``namespaces`` selects every pod of matching namespaces; ``pods`` ANDs
    the namespace and pod selectors (host-networked pods are never subjects)."""
    if pod.host_network:
        return False
    namespace_labels = cluster.namespace_labels(pod.namespace)
    if subject.namespaces is not None:
        return subject.namespaces.matches(namespace_labels)
    if subject.pods is not None:
        return subject.pods.namespace_selector.matches(
            namespace_labels
        ) and subject.pods.pod_selector.matches(pod.labels)
    return False


def node_selected(selector: LabelSelector, node: Node | None) -> bool:
    """A ``nodes`` peer: the node's labels (its manifest's and the kubelet's,
    :func:`~netsim.model.adminpolicy.node_labels`) match the selector."""
    return node is not None and selector.matches(node_labels(node))


def peer_matches(cluster: Cluster, peer: AdminPeer, remote: Endpoint) -> bool:
    """One ``from``/``to`` entry against the remote end.

    ``namespaces``/``pods``: a (non host-networked) pod, as for subjects. ``nodes``: a
    node's IP, matched on :func:`~netsim.model.adminpolicy.node_labels`. ``networks``:
    any address in a CIDR, pods and nodes included ("cluster-internal traffic will be
    checked against the rule as well"). ``domainNames``: nothing (netsim resolves no names).
    """
    if peer.networks:
        return any(n.contains_ip(remote.version, remote.value) for n in peer.networks)
    if peer.nodes is not None:
        return remote.kind == "node" and node_selected(peer.nodes, cluster.nodes.get(remote.node))
    pod = _cluster_pod(remote)
    if pod is None:
        return False
    if peer.namespaces is not None or peer.pods is not None:
        return subject_selects(cluster, AdminSubject(peer.namespaces, peer.pods), pod)
    return False


def port_matches(port_rule: AdminPort, protocol: str, port: int, destination: Pod | None) -> bool:
    """One ``ports``/``protocols`` entry: a number, an inclusive range, or a named port
    resolved on the destination pod with the connection's protocol."""
    if port_rule.named_port is not None:
        if destination is None or protocol not in ("TCP", "UDP", "SCTP"):
            return False
        return destination.named_port(port_rule.named_port, protocol) == port  # type: ignore[arg-type]
    if port_rule.protocol != protocol or port_rule.port is None:
        return False
    if port_rule.end_port is not None:
        return port_rule.port <= port <= port_rule.end_port
    return port == port_rule.port


def rule_matches(
    cluster: Cluster,
    policy: ClusterPolicy,
    direction: Direction,
    index: int,
    rule: AdminRule,
    remote: Endpoint,
    destination: Pod | None,
    protocol: str,
    port: int,
) -> RuleRef | None:
    """A rule matches when a peer AND (no ports, or a port) match; the first of each is named."""
    peer = next((j for j, p in enumerate(rule.peers) if peer_matches(cluster, p, remote)), None)
    if peer is None:
        return None
    port_index: int | None = None
    if rule.ports:
        port_index = next(
            (k for k, p in enumerate(rule.ports) if port_matches(p, protocol, port, destination)),
            None,
        )
        if port_index is None:
            return None
    return RuleRef(policy.key, direction, index, peer, port_index)


def tier_decision(
    cluster: Cluster,
    tier: Tier,
    direction: Direction,
    subject: Pod,
    remote: Endpoint,
    destination: Pod | None,
    protocol: str,
    port: int,
) -> tuple[RuleRef | None, str]:
    """The first matching rule of one tier and what it does (``allow``/``deny``/``pass``).

    ``(None, "")`` when no rule of the tier's policies selecting ``subject`` matches.
    """
    for policy in tier_order(cluster.cluster_policies.values(), tier):
        if not subject_selects(cluster, policy.subject, subject):
            continue
        for i, rule in enumerate(policy.rules(direction)):
            ref = rule_matches(
                cluster, policy, direction, i, rule, remote, destination, protocol, port
            )
            if ref is not None:
                return ref, verdict_of(rule.action)
    return None, ""


TierMatch = tuple[RuleRef | None, str]
"""The first matching rule of a tier and its verdict (``allow``/``deny``/``pass``), or
``(None, "")``."""


def tiered(
    netpol: SideDecision, admin: TierMatch, baseline: Callable[[], TierMatch]
) -> SideDecision:
    """The order of the tiers for one enforcement point, given what each says.

    ``netpol`` is NetworkPolicy's decision (past the pre-policy exceptions), ``admin`` the
    admin tier's first match, ``baseline`` the baseline tier's (asked only when reached).
    An admin Allow/Deny decides; otherwise NetworkPolicy decides for a pod it isolates;
    otherwise a baseline Allow/Deny; otherwise NetworkPolicy's "not-isolated" (allowed).
    ``passed`` lists the Pass rules met on the way, in order. The reference evaluator and
    the compiled engine both decide through this function.
    """
    ref, verdict = admin
    if verdict in ("allow", "deny"):
        return SideDecision(verdict == "allow", f"admin-{verdict}", ref)  # type: ignore[arg-type]
    passed: tuple[RuleRef, ...] = (ref,) if ref is not None else ()
    if netpol.reason != "not-isolated":
        return replace(netpol, passed=passed)
    ref, verdict = baseline()
    if verdict in ("allow", "deny"):
        return SideDecision(verdict == "allow", f"baseline-{verdict}", ref, (), passed)  # type: ignore[arg-type]
    if ref is not None:
        passed += (ref,)
    return replace(netpol, passed=passed)


def side_decision(
    cluster: Cluster,
    direction: Direction,
    src: Endpoint,
    dst: Endpoint,
    protocol: str,
    port: int,
    profile: Profile = UPSTREAM,
) -> SideDecision:
    """One enforcement point through the admin tier, NetworkPolicy and the baseline tier."""
    netpol = reference.side_decision(cluster, direction, src, dst, protocol, port, profile)
    if netpol.reason in UNDECIDED_BY_POLICY:
        return netpol
    subject_end, remote = (src, dst) if direction == "egress" else (dst, src)
    subject = subject_end.pod
    assert subject is not None  # "not-a-pod" returned above
    destination = dst.pod if dst.kind == "pod" else None

    def in_tier(tier: Tier) -> TierMatch:
        return tier_decision(cluster, tier, direction, subject, remote, destination, protocol, port)

    return tiered(netpol, in_tier("Admin"), lambda: in_tier("Baseline"))


class TieredReferenceEvaluator(reference.ReferenceEvaluator):
    """The reference evaluator with AdminNetworkPolicy, BaselineAdminNetworkPolicy and
    ClusterNetworkPolicy: the same API, every answer through :func:`side_decision`."""

    def _side(
        self, direction: Direction, src: Endpoint, dst: Endpoint, protocol: str, port: int
    ) -> SideDecision:
        """The tiered decision of one enforcement point (:func:`side_decision` here)."""
        return side_decision(self.cluster, direction, src, dst, protocol, port, self.profile)
