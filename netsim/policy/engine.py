"""The policy engine: verdicts for the simulator's enforcement points (docs/CONTRACTS.md).

Early version: answers through the reference evaluator (correct, slow); the
compiled core replaces it behind this same API.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from netsim.model.cluster import Change, Cluster
from netsim.policy.endpoint import Endpoint
from netsim.policy.profile import UPSTREAM, Profile
from netsim.policy.reference import ReferenceEvaluator
from netsim.policy.verdict import Decision, SideDecision


class PolicyEngine:
    """Decides whether a connection passes NetworkPolicy; follows the cluster's changes."""

    def __init__(self, cluster: Cluster, profile: Profile = UPSTREAM) -> None:
        self.cluster = cluster
        self.profile = profile
        self._reference = ReferenceEvaluator(cluster, profile)
        self._cache: dict[tuple[str, str, str, int], Decision] = {}
        cluster.subscribe(self._on_change)

    def _on_change(self, change: Change) -> None:
        self._cache.clear()

    def close(self) -> None:
        """Stop following the cluster."""
        self.cluster.unsubscribe(self._on_change)

    def decide(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> Decision:
        """Both enforcement points' decisions for a new connection."""
        key = (src_ip, dst_ip, protocol, dst_port)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._reference.decide(src_ip, dst_ip, protocol, dst_port)
        return found

    def decide_endpoints(self, src: Endpoint, dst: Endpoint, protocol: str, port: int) -> Decision:
        """Like :meth:`decide` for resolved endpoints (a hostNetwork pod by name, a node)."""
        return self._reference.decide_endpoints(src, dst, protocol, port)

    def egress(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> SideDecision:
        """The decision of the source's egress enforcement point."""
        return self.decide(src_ip, dst_ip, protocol, dst_port).egress

    def ingress(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> SideDecision:
        """The decision of the destination's ingress enforcement point."""
        return self.decide(src_ip, dst_ip, protocol, dst_port).ingress

    def allowed(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> bool:
        """True when both enforcement points allow the connection."""
        return self.decide(src_ip, dst_ip, protocol, dst_port).allowed

    def matrix(self, ports: Sequence[tuple[str, int]]) -> npt.NDArray[np.bool_]:
        """Pod-by-pod truth tables, shape (len(ports), n, n), in ``cluster.sorted_pods()`` order."""
        return self._reference.matrix(list(ports))
