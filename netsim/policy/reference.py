"""The reference evaluator: a slow, literal transcription of NetworkPolicy's semantics.

Each function is one rule of Kubernetes' NetworkPolicy semantics as the API reference
(https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/)
and the Network Policies page
(https://kubernetes.io/docs/concepts/services-networking/network-policies/) state them
(the docstrings keep the rule numbers of the project's semantics notes). It walks every
policy for every question and caches nothing, so it is obviously right and never used on
the hot path: it is the oracle the compiled engine is tested against.

When several rules allow a connection, the one reported is the first in
(policy ``ns/name``, rule index, peer index, port index) order; the compiled
engine reports the same one.

Where Kubernetes leaves the behaviour to the plugin, the choice is a
:class:`~netsim.policy.profile.Profile` switch:

- ``ipblock_matches_pod_ips`` False (Cilium): an ipBlock matches only hosts
  outside the cluster, neither pod nor node IPs ("CIDR rules do not apply to
  traffic where both sides of the connection are either managed by Cilium or
  use an IP belonging to a node in the cluster", Cilium docs).
- ``filter_icmp`` True: ICMP (any non-TCP/UDP/SCTP protocol) is subject to
  policy, and since a ``ports`` entry names TCP, UDP or SCTP only, it is
  admitted only by rules without ``ports`` (§16 "all ports and protocols").
- hostNetwork pods: see :mod:`netsim.policy.endpoint` (by IP they are always
  node traffic).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from netsim.model.cluster import Cluster
from netsim.model.netpol import Direction, NetworkPolicy, PolicyPeer, PolicyPort, PolicyRule
from netsim.model.objects import Pod
from netsim.policy.endpoint import L4_PROTOCOLS, Endpoint, ip_endpoint, pod_endpoint, selectable
from netsim.policy.profile import UPSTREAM, Profile
from netsim.policy.verdict import Decision, RuleRef, SideDecision


def policy_selects(policy: NetworkPolicy, pod: Pod, profile: Profile) -> bool:
    """§1: a policy applies to pods of its own namespace matching ``spec.podSelector``."""
    return (
        selectable(pod, profile)
        and pod.namespace == policy.namespace
        and policy.pod_selector.matches(pod.labels)
    )


def isolating_policies(
    cluster: Cluster, pod: Pod, direction: Direction, profile: Profile
) -> list[NetworkPolicy]:
    """§2, §6: the policies that select ``pod`` and have ``direction`` in their policyTypes."""
    return [
        p
        for _, p in sorted(cluster.policies.items())
        if policy_selects(p, pod, profile) and p.isolates(direction)
    ]


def peer_matches(
    cluster: Cluster, policy: NetworkPolicy, peer: PolicyPeer, remote: Endpoint, profile: Profile
) -> bool:
    """§10-§15: does one ``from``/``to`` entry match the remote end?"""
    if peer.ip_block is not None:
        # §14: upstream matches pod IPs too; the external-only profile (Cilium)
        # matches only hosts outside the cluster (neither pods nor nodes).
        if remote.kind != "external" and not profile.ipblock_matches_pod_ips:
            return False
        return peer.ip_block.contains_ip(remote.version, remote.value)
    # §15: selectors match pods only, never external IPs or nodes.
    if remote.kind != "pod" or remote.pod is None:
        return False
    pod = remote.pod
    if peer.namespace_selector is None:
        namespace_ok = pod.namespace == policy.namespace  # §10
    else:
        namespace_ok = peer.namespace_selector.matches(cluster.namespace_labels(pod.namespace))
    if not namespace_ok:
        return False
    return peer.pod_selector is None or peer.pod_selector.matches(pod.labels)  # §11, §12


def port_matches(
    port_rule: PolicyPort, protocol: str, port: int, destination: Pod | None, profile: Profile
) -> bool:
    """§16-§20: does one ``ports`` entry match (protocol, port) at the destination pod?"""
    if port_rule.protocol != protocol:  # §17
        return False
    if port_rule.port is None:  # §18
        return True
    if isinstance(port_rule.port, str):  # §19: named, on the destination, same protocol
        if destination is None:
            return False
        return destination.named_port(port_rule.port, port_rule.protocol) == port
    if port_rule.end_port is not None and profile.end_port:  # §20
        return port_rule.port <= port <= port_rule.end_port
    return port == port_rule.port


def rule_matches(
    cluster: Cluster,
    policy: NetworkPolicy,
    direction: Direction,
    index: int,
    rule: PolicyRule,
    remote: Endpoint,
    destination: Pod | None,
    protocol: str,
    port: int,
    profile: Profile,
) -> RuleRef | None:
    """§8, §9, §16: a rule is (peers OR'ed) AND (ports OR'ed); empty lists match all."""
    peer_index: int | None = None
    if rule.peers:
        found = [
            j for j, p in enumerate(rule.peers) if peer_matches(cluster, policy, p, remote, profile)
        ]
        if not found:
            return None
        peer_index = found[0]
    port_index: int | None = None
    if rule.ports:
        found = [
            k
            for k, p in enumerate(rule.ports)
            if port_matches(p, protocol, port, destination, profile)
        ]
        if not found:
            return None
        port_index = found[0]
    return RuleRef(policy.key, direction, index, peer_index, port_index)


def side_decision(
    cluster: Cluster,
    direction: Direction,
    src: Endpoint,
    dst: Endpoint,
    protocol: str,
    port: int,
    profile: Profile = UPSTREAM,
) -> SideDecision:
    """The decision of one enforcement point (egress at ``src``, ingress at ``dst``)."""
    subject, remote = (src, dst) if direction == "egress" else (dst, src)
    if not profile.enforce:
        return SideDecision(True, "not-enforced")
    if subject.kind != "pod" or subject.pod is None:
        return SideDecision(True, "not-a-pod")
    if protocol not in L4_PROTOCOLS and not profile.filter_icmp:  # §22
        return SideDecision(True, "not-filtered")
    if remote.kind == "pod" and remote.pod is not None and remote.pod.key == subject.pod.key:
        return SideDecision(True, "loopback")  # §28
    if profile.node_local_allowed and remote.kind == "node" and remote.node == subject.node:
        return SideDecision(True, "node-local")  # §26
    policies = isolating_policies(cluster, subject.pod, direction, profile)
    if not policies:
        return SideDecision(True, "not-isolated")  # §2
    keys = tuple(p.key for p in policies)
    destination = dst.pod if dst.kind == "pod" else None
    for policy in policies:  # §3: any rule of any isolating policy
        for i, rule in enumerate(policy.rules(direction)):
            ref = rule_matches(
                cluster, policy, direction, i, rule, remote, destination, protocol, port, profile
            )
            if ref is not None:
                return SideDecision(True, "rule", ref, keys)
    return SideDecision(False, "no-rule-matched", None, keys)


class ReferenceEvaluator:
    """The slow, literal oracle with the same verdict API as the compiled ``PolicyEngine``.

    It reads the cluster afresh on every call (no caches), so it always sees
    the current state.
    """

    def __init__(self, cluster: Cluster, profile: Profile = UPSTREAM) -> None:
        self.cluster = cluster
        self.profile = profile

    def _side(
        self, direction: Direction, src: Endpoint, dst: Endpoint, protocol: str, port: int
    ) -> SideDecision:
        """One enforcement point's decision: :func:`side_decision` (a subclass that adds
        policy kinds, e.g. ``netsim.policy.tiers``, answers through its own)."""
        return side_decision(self.cluster, direction, src, dst, protocol, port, self.profile)

    def decide_endpoints(self, src: Endpoint, dst: Endpoint, protocol: str, port: int) -> Decision:
        """§4: both the source's egress and the destination's ingress must allow."""
        return Decision(
            self._side("egress", src, dst, protocol, port),
            self._side("ingress", src, dst, protocol, port),
        )

    def egress(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> SideDecision:
        """The decision of the source's egress enforcement point."""
        src, dst = ip_endpoint(self.cluster, src_ip), ip_endpoint(self.cluster, dst_ip)
        return self._side("egress", src, dst, protocol, dst_port)

    def ingress(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> SideDecision:
        """The decision of the destination's ingress enforcement point."""
        src, dst = ip_endpoint(self.cluster, src_ip), ip_endpoint(self.cluster, dst_ip)
        return self._side("ingress", src, dst, protocol, dst_port)

    def decide(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> Decision:
        """Both sides' decisions."""
        src, dst = ip_endpoint(self.cluster, src_ip), ip_endpoint(self.cluster, dst_ip)
        return self.decide_endpoints(src, dst, protocol, dst_port)

    def allowed(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> bool:
        """True when the connection passes both enforcement points."""
        return self.decide(src_ip, dst_ip, protocol, dst_port).allowed

    def matrix(
        self, ports: list[tuple[str, int]] | tuple[tuple[str, int], ...]
    ) -> npt.NDArray[np.bool_]:
        """Pod-by-pod truth tables, shape (len(ports), n, n), pods in ``sorted_pods()`` order."""
        pods = self.cluster.sorted_pods()
        ends = [pod_endpoint(self.cluster, p, self.profile) for p in pods]
        out = np.zeros((len(ports), len(pods), len(pods)), dtype=bool)
        for k, (protocol, port) in enumerate(ports):
            for i, src in enumerate(ends):
                for j, dst in enumerate(ends):
                    if i == j:
                        out[k, i, j] = True  # §28: a pod cannot block access to itself
                        continue
                    out[k, i, j] = self.decide_endpoints(src, dst, protocol, port).allowed
        return out
