"""The walkthrough as typed, and the cluster a bare ``netsim shell`` starts on."""

from __future__ import annotations

from pathlib import Path

from netsim.scenario.schema import ClusterSpec, Scenario

POLICIES = Path(__file__).resolve().parents[2] / "scenarios" / "policies"
WALKTHROUGH = """\
kubectl run nginx --image=nginx --replicas=2
kubectl expose deployment nginx --port=80
kubectl run busybox --rm -ti --image=busybox -- /bin/sh
wget --spider --timeout=1 nginx
exit
kubectl create -f default-deny.yaml
kubectl run busybox --rm -ti --image=busybox -- /bin/sh
wget --spider --timeout=1 nginx
exit
kubectl create -f nginx-policy.yaml
kubectl run busybox --rm -ti --image=busybox -- /bin/sh
wget --spider --timeout=1 nginx
exit
kubectl run busybox --rm -ti --labels="access=true" --image=busybox -- /bin/sh
wget --spider --timeout=1 nginx
exit
"""
"""The published walkthrough (kubernetes.io "Declare Network Policy"), as typed."""


def bare_scenario(workdir: Path) -> Scenario:
    """The cluster ``netsim shell`` starts on with no option (nginx pinned as published)."""
    cluster = ClusterSpec(cluster_ips=(("default/nginx", "10.100.0.16"),))
    return Scenario("<shell>", workdir, "netsim shell", "", 1, cluster)
