"""Small hand-built clusters for the policy unit tests."""

from __future__ import annotations

from netsim.addr import Prefix
from netsim.model import (
    Cluster,
    ContainerPort,
    Labels,
    LabelSelector,
    Namespace,
    Node,
    Pod,
    Service,
    ServicePort,
)


def sel(**labels: str) -> LabelSelector:
    """A matchLabels selector."""
    return LabelSelector(tuple(labels.items()))


def small_cluster() -> Cluster:
    """Namespaces x (team=red) and y; two nodes; pods x/a, x/b (node-1), y/a (node-2), a Service."""
    cluster = Cluster()
    cluster.add(Node("node-1", "172.18.0.2", Prefix.parse("10.244.1.0/24")))
    cluster.add(Node("node-2", "172.18.0.3", Prefix.parse("10.244.2.0/24")))
    cluster.add(Namespace("x", Labels.of(team="red")))
    cluster.add(Namespace("y"))
    http = (ContainerPort(80, "TCP", "http"), ContainerPort(53, "UDP", "dns"))
    cluster.add(Pod("a", "x", Labels.of(app="a"), "node-1", "10.244.1.11", http))
    cluster.add(
        Pod(
            "b",
            "x",
            Labels.of(app="b"),
            "node-1",
            "10.244.1.12",
            (ContainerPort(8080, "TCP", "http"),),
        )
    )
    cluster.add(Pod("a", "y", Labels.of(app="a"), "node-2", "10.244.2.11", http))
    cluster.add(Service("web", "x", (ServicePort(8000, "http", "TCP", "web"),), Labels.of(app="b")))
    return cluster


A, B, YA = "10.244.1.11", "10.244.1.12", "10.244.2.11"
NODE1, NODE2 = "172.18.0.2", "172.18.0.3"
OUTSIDE = "192.0.2.9"
