"""Clusters for the simulator's tests, built from netsim.model objects."""

from __future__ import annotations

from netsim.model import (
    Cluster,
    Labels,
    LabelSelector,
    NetworkPolicy,
    Pod,
    PolicyPeer,
    PolicyRule,
    Service,
    ServicePort,
)

NGINX_IP = "10.100.0.16"


def walkthrough_cluster(*, same_node: bool) -> Cluster:
    """Declare Network Policy's nginx: 2 replicas (run=nginx), Service nginx:80 at 10.100.0.16.

    With ``same_node`` every pod is on node-1, else the nginx replicas sit
    on node-1 and node-2 and the clients on node-2 and node-1.
    """
    cluster = Cluster()
    cluster.add_default_node()
    cluster.add_default_node()
    cluster.ensure_namespace("default")
    for index, name in enumerate(("nginx-701339712-e0qfq", "nginx-701339712-o00ef")):
        node = "node-1" if same_node else f"node-{index + 1}"
        cluster.add(
            Pod(
                name,
                "default",
                labels=Labels.of(run="nginx"),
                node=node,
                image="nginx",
                owner="Deployment/nginx",
            )
        )
    cluster.add(
        Service(
            "nginx",
            "default",
            ports=(ServicePort(80, 80),),
            selector=Labels.of(run="nginx"),
            cluster_ip=NGINX_IP,
        )
    )
    cluster.add(
        Pod(
            "busybox",
            "default",
            labels=Labels.of(run="busybox"),
            node="node-1" if same_node else "node-2",
            image="busybox",
        )
    )
    cluster.add(
        Pod(
            "busybox-access",
            "default",
            labels=Labels.of(run="busybox", access="true"),
            node="node-1",
            image="busybox",
        )
    )
    return cluster


def default_deny(
    namespace: str = "default", types: tuple[str, ...] = ("Ingress",)
) -> NetworkPolicy:
    """``default-deny``: podSelector {} with the given policyTypes and no rules."""
    return NetworkPolicy("default-deny", namespace, LabelSelector(), types)  # type: ignore[arg-type]


def access_nginx() -> NetworkPolicy:
    """``access-nginx``: pods run=nginx accept ingress from pods labelled access=true."""
    return NetworkPolicy(
        "access-nginx",
        "default",
        LabelSelector((("run", "nginx"),)),
        ("Ingress",),
        ingress=(
            PolicyRule(peers=(PolicyPeer(pod_selector=LabelSelector((("access", "true"),))),)),
        ),
    )
