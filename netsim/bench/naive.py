"""The naive baseline: evaluate every policy for every packet.

This is what a straightforward implementation does (and what an iptables rule
list without ipsets does): for each new connection, walk all policies, test
each one's pod selector against the subject pod, then each rule's peers and
ports. It reuses the reference evaluator's rule functions (so it is exactly as
right), but resolves addresses with a dict instead of scanning the pods, so
the baseline measures policy evaluation, not address lookup. A pod change
rebuilds the dict (O(pods)): this baseline is for verdicts, not for updates.
"""

from __future__ import annotations

from netsim.addr import parse_ip
from netsim.model.cluster import Change, Cluster
from netsim.policy.endpoint import Endpoint
from netsim.policy.profile import UPSTREAM, Profile
from netsim.policy.reference import side_decision
from netsim.policy.verdict import SideDecision


class NaiveEvaluator:
    """Per-packet linear evaluation of all policies; addresses come from a dict it keeps fresh.

    Policies and labels are read live from the cluster on every call; the
    address table follows the cluster's pod and node changes.
    """

    def __init__(self, cluster: Cluster, profile: Profile = UPSTREAM) -> None:
        self.cluster = cluster
        self.profile = profile
        self._endpoints: dict[str, Endpoint] = {}
        self._rebuild()
        cluster.subscribe(self._on_change)

    def close(self) -> None:
        """Stop following the cluster."""
        self.cluster.unsubscribe(self._on_change)

    def _on_change(self, change: Change) -> None:
        if change.kind in ("Pod", "Node"):
            self._rebuild()

    def _rebuild(self) -> None:
        cluster = self.cluster
        endpoints: dict[str, Endpoint] = {}
        for node in cluster.nodes.values():
            version, value = parse_ip(node.ip)
            endpoints[node.ip] = Endpoint("node", node.ip, version, value, None, node.name)
        for pod in cluster.pods.values():
            if pod.ip and not pod.host_network:
                version, value = parse_ip(pod.ip)
                endpoints[pod.ip] = Endpoint("pod", pod.ip, version, value, pod, pod.node)
        self._endpoints = endpoints

    def _endpoint(self, ip: str) -> Endpoint:
        found = self._endpoints.get(ip)
        if found is not None:
            return found
        version, value = parse_ip(ip)
        return Endpoint("external", ip, version, value)

    def egress(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> SideDecision:
        """The source's egress decision (the simulator's policy hook calls this)."""
        src, dst = self._endpoint(src_ip), self._endpoint(dst_ip)
        return side_decision(self.cluster, "egress", src, dst, protocol, dst_port, self.profile)

    def ingress(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> SideDecision:
        """The destination's ingress decision (the simulator's policy hook calls this)."""
        src, dst = self._endpoint(src_ip), self._endpoint(dst_ip)
        return side_decision(self.cluster, "ingress", src, dst, protocol, dst_port, self.profile)

    def allowed(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> bool:
        """True when the source's egress and the destination's ingress both allow."""
        src, dst = self._endpoint(src_ip), self._endpoint(dst_ip)
        cluster, profile = self.cluster, self.profile
        return (
            side_decision(cluster, "egress", src, dst, protocol, dst_port, profile).allowed
            and side_decision(cluster, "ingress", src, dst, protocol, dst_port, profile).allowed
        )
