"""Small clusters built from model values, shared by the dataplane tests."""

from __future__ import annotations

from netsim.addr import Prefix
from netsim.model import (
    Cluster,
    ContainerPort,
    Labels,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Node,
    Pod,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
)


def two_node_cluster() -> Cluster:
    """x/a, x/b on node-1, y/a on node-2; x/a admits only namespace y on TCP 80 and SCTP 90."""
    cluster = Cluster()
    cluster.add(Node("node-1", "172.18.0.2", Prefix.parse("10.244.1.0/24")))
    cluster.add(Node("node-2", "172.18.0.3", Prefix.parse("10.244.2.0/24")))
    cluster.add(Namespace("x"))
    cluster.add(Namespace("y"))
    ports = (ContainerPort(80, "TCP", "http"), ContainerPort(53, "UDP", "dns"))
    cluster.add(Pod("a", "x", Labels.of(pod="a"), node="node-1", container_ports=ports))
    cluster.add(Pod("b", "x", Labels.of(pod="b"), node="node-1"))
    cluster.add(Pod("a", "y", Labels.of(pod="a"), node="node-2", container_ports=ports))
    from_y = PolicyPeer(namespace_selector=LabelSelector((("kubernetes.io/metadata.name", "y"),)))
    cluster.add(
        NetworkPolicy(
            "allow-y",
            "x",
            LabelSelector((("pod", "a"),)),
            ("Ingress",),
            ingress=(PolicyRule((from_y,), (PolicyPort("TCP", "http"), PolicyPort("SCTP", 90))),),
        )
    )
    return cluster
