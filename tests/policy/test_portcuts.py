"""policy.portcuts: the port line cut at NetworkPolicy and cluster-wide policy port terms."""

from __future__ import annotations

from pathlib import Path

from netsim.model.cluster import Cluster
from netsim.model.load import load_cluster
from netsim.policy.portcuts import merge_intervals, port_cuts, port_edges

MANIFESTS = """\
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: a, labels: {app: db}}
spec:
  containers:
  - name: c
    image: x
    ports: [{name: dns, containerPort: 53, protocol: UDP}, {name: web, containerPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: a}
spec:
  podSelector: {}
  ingress:
  - ports: [{port: 1000, endPort: 2000}, {port: web}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: anp}
spec:
  priority: 1
  subject: {namespaces: {}}
  ingress:
  - name: r
    action: Deny
    from: [{namespaces: {}}]
    ports:
    - portRange: {protocol: TCP, start: 5432, end: 5440}
    - portNumber: {protocol: SCTP, port: 9}
    - namedPort: dns
"""


def cluster(tmp_path: Path) -> Cluster:
    path = tmp_path / "c.yaml"
    path.write_text(MANIFESTS)
    return load_cluster([path])


def test_cuts_per_protocol(tmp_path: Path) -> None:
    c = cluster(tmp_path)
    # TCP: the endPort range both ways (1000, 1001 and 2001), web -> 8080, the ANP range.
    assert port_cuts([c], "TCP") == (1, 1000, 1001, 2001, 5432, 5441, 8080, 8081)
    # UDP: the ANP named port dns (any protocol) resolves to 53/UDP on db.
    assert port_cuts([c], "UDP") == (1, 53, 54)
    assert port_cuts([c], "SCTP") == (1, 9, 10)


def test_end_port_reading(tmp_path: Path) -> None:
    # A profile without endPort reads 1000-2000 as 1000 alone; the ANP range stays a range.
    c = cluster(tmp_path)
    assert port_edges([c], "TCP", end_port=False).ranges == ((1000, 1000), (5432, 5440))
    assert port_edges([c], "TCP", end_port=True).ranges == ((1000, 2000), (5432, 5440))
    named = port_edges([c], "TCP").named
    assert [(name, number) for name, number, _ in named] == [("web", 8080)]


def test_no_policies_no_cuts() -> None:
    assert port_cuts([Cluster()], "TCP") == (1,)
    assert merge_intervals([(5, 9), (1, 3), (4, 4), (20, 30)]) == ((1, 9), (20, 30))
