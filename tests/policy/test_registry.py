"""The engine's address book follows replicas: a policy change re-resolves every pod it selects.

Pods with the same namespace and labels share an identity; the registry keeps
that identity's pod IPs (one IP, a few, or many: three representations) so a
policy change re-resolves exactly those addresses. Each case asks a verdict
first (so the records are cached), then changes the policy and checks every
replica against the Kubernetes rule: a pod selected by an Ingress policy with
no rules is isolated for ingress and admits nothing.
"""

from __future__ import annotations

import pytest

from netsim.model import Labels, LabelSelector, NetworkPolicy, Pod
from netsim.policy.engine import PolicyEngine
from netsim.policy.registry import IPS_IN_TUPLE

from .helpers import YA, sel, small_cluster


@pytest.mark.parametrize("replicas", [1, 3, IPS_IN_TUPLE + 4])
def test_a_policy_change_reaches_every_replica(replicas: int) -> None:
    cluster = small_cluster()
    ips = [f"10.244.1.{100 + i}" for i in range(replicas)]
    for i, ip in enumerate(ips):
        cluster.add(Pod(f"web-{i}", "x", Labels.of(app="web"), "node-1", ip))
    engine = PolicyEngine(cluster)
    assert all(engine.allowed(YA, ip, "TCP", 80) for ip in ips)  # not isolated yet
    cluster.add(NetworkPolicy("deny", "x", sel(app="web"), ("Ingress",)))
    assert not any(engine.allowed(YA, ip, "TCP", 80) for ip in ips)
    gone = ips[: replicas // 2]
    for i in range(len(gone)):
        cluster.delete("Pod", f"x/web-{i}")
    kept = ips[len(gone) :]
    cluster.delete("NetworkPolicy", "x/deny")
    assert all(engine.allowed(YA, ip, "TCP", 80) for ip in kept)
    cluster.add(NetworkPolicy("deny-all", "x", LabelSelector(), ("Ingress",)))
    assert not any(engine.allowed(YA, ip, "TCP", 80) for ip in kept)
    cluster.delete("NetworkPolicy", "x/deny-all")
    assert all(engine.allowed(YA, ip, "TCP", 80) for ip in kept)
    engine.close()
