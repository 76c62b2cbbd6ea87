"""The naive baseline: evaluate every policy for every packet.

This is what a straightforward implementation does (and what an iptables rule
list without ipsets does): for each new connection, walk all policies, test
each one's pod selector against the subject pod, then each rule's peers and
ports. It reuses the reference evaluator's rule functions (so it is exactly as
right), but resolves addresses with a dict built once instead of scanning the
pods, so the baseline measures policy evaluation, not address lookup.
"""

from __future__ import annotations

from netsim.addr import parse_ip
from netsim.model.cluster import Cluster
from netsim.policy.endpoint import Endpoint, ip_endpoint
from netsim.policy.profile import UPSTREAM, Profile
from netsim.policy.reference import side_decision


class NaiveEvaluator:
    """Per-packet linear evaluation of all policies, over a snapshot of the cluster's addresses.

    The address table is taken when the evaluator is made; policies and labels
    are read live from the cluster on every call.
    """

    def __init__(self, cluster: Cluster, profile: Profile = UPSTREAM) -> None:
        self.cluster = cluster
        self.profile = profile
        self._endpoints: dict[str, Endpoint] = {}
        for node in cluster.nodes.values():
            self._endpoints[node.ip] = ip_endpoint(cluster, node.ip)
        for pod in cluster.pods.values():
            if pod.ip and not pod.host_network:
                version, value = parse_ip(pod.ip)
                self._endpoints[pod.ip] = Endpoint("pod", pod.ip, version, value, pod, pod.node)

    def _endpoint(self, ip: str) -> Endpoint:
        found = self._endpoints.get(ip)
        if found is not None:
            return found
        version, value = parse_ip(ip)
        return Endpoint("external", ip, version, value)

    def allowed(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> bool:
        """True when the source's egress and the destination's ingress both allow."""
        src, dst = self._endpoint(src_ip), self._endpoint(dst_ip)
        cluster, profile = self.cluster, self.profile
        return (
            side_decision(cluster, "egress", src, dst, protocol, dst_port, profile).allowed
            and side_decision(cluster, "ingress", src, dst, protocol, dst_port, profile).allowed
        )
