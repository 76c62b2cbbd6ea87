"""External clients of NodePort/LoadBalancer Services under ingress policy.

What policy sees, with kube-proxy in iptables mode and Calico (the reference
plugin where the Kubernetes docs leave NAT ordering undefined):

- ``externalTrafficPolicy: Cluster``, endpoint on the receiving node: kube-proxy
  only marks the packet for masquerade; the MASQUERADE happens in POSTROUTING,
  after Calico's workload policy, so the endpoint's ingress policy sees the
  client's IP (and the pod then sees the node's IP as the source);
- ``Cluster``, endpoint on another node: the packet leaves the receiving node
  already SNATed, so the endpoint's ingress policy sees the receiving node's IP.
  That is not the endpoint's own node, so the node-local exception does not
  apply; an ipBlock for the client no longer matches ("the client IP is lost"),
  one for the receiving node's IP does;
- ``Local``: no SNAT, the client IP is kept.

In every case an ingress default-deny keeps the external client out. Pods
reaching the LB IP of a ``Cluster`` Service are masqueraded the same way
(kube-proxy's KUBE-EXT chain marks all of its traffic); with ``Local`` they
short-circuit to the Service and keep their address. The load
balancer sends to the first node (by name) that may serve: node-1 for
``Cluster``, the node of a local endpoint for ``Local``.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from netsim.addr import Prefix, int_to_ip, parse_ip
from netsim.model import (
    Cluster,
    ContainerPort,
    IPBlock,
    Labels,
    LabelSelector,
    NetworkPolicy,
    Pod,
    PolicyPeer,
    PolicyRule,
    Service,
    ServicePort,
)
from netsim.model.objects import TrafficPolicy
from netsim.policy.profile import UPSTREAM
from netsim.sim.flow import PROTO_TCP, SYN
from netsim.sim.network import Network

CLIENT_IP = "203.0.113.10"
WEB = "default/web-1"
TIMED_OUT = "wget: download timed out\n"
EXISTS = "remote file exists\n"


def web_cluster(etp: TrafficPolicy, web_node: str) -> Cluster:
    """Two nodes; web-1 (app=web, container port 8080) on ``web_node``; LoadBalancer web:80."""
    cluster = Cluster()
    cluster.add_default_node()
    cluster.add_default_node()
    cluster.ensure_namespace("default")
    cluster.add(
        Pod(
            "web-1",
            "default",
            labels=Labels.of(app="web"),
            node=web_node,
            container_ports=(ContainerPort(8080, "TCP", "http"),),
        )
    )
    cluster.add(
        Service(
            "web",
            "default",
            ports=(ServicePort(80, "http"),),
            selector=Labels.of(app="web"),
            type="LoadBalancer",
            external_traffic_policy=etp,
        )
    )
    return cluster


def default_deny() -> NetworkPolicy:
    """Ingress default-deny for every pod of namespace default."""
    return NetworkPolicy("default-deny", "default", LabelSelector(), ("Ingress",))


def allow_from(cidr: str) -> NetworkPolicy:
    """app=web accepts ingress from ``cidr`` only."""
    peer = PolicyPeer(ip_block=IPBlock(Prefix.parse(cidr)))
    return NetworkPolicy(
        "allow-cidr",
        "default",
        LabelSelector((("app", "web"),)),
        ("Ingress",),
        ingress=(PolicyRule(peers=(peer,)),),
    )


def node_ip(cluster: Cluster, name: str) -> str:
    """The IP of node ``name``."""
    return cluster.nodes[name].ip


def wget(net: Network, client: str, url: str) -> str:
    """The output of ``wget --spider -T 1 URL`` run by ``client``."""
    return net.exec(client, f"wget --spider -T 1 {url}").output


def ingress_drops(net: Network) -> list[tuple[str, str]]:
    """(where, src) of every policy-ingress drop so far."""
    return [(e.where, e.src) for e in net.drops() if e.reason.startswith("policy-ingress")]


def syn_sources(net: Network) -> set[str]:
    """Source IPs of the SYNs that reached web-1's eth0."""
    frames = [c.frame for c in net.captured(f"{WEB} eth0")]
    return {
        int_to_ip(f.src, f.version)
        for f in frames
        if f.proto == PROTO_TCP and f.flags & SYN and f.dport == 8080
    }


@pytest.fixture(params=["lb", "node-port"])
def entry(request: pytest.FixtureRequest) -> str:
    """How the client comes in: the LB IP, or node-1's NodePort."""
    return str(request.param)


def url_for(net: Network, cluster: Cluster, entry: str) -> str:
    """The URL of the web Service through the LB IP or through node-1's NodePort."""
    if entry == "lb":
        return f"http://{net.load_balancer_ip('default/web')}/"
    return f"http://{node_ip(cluster, 'node-1')}:{net.node_port('default/web', 80)}/"


# ------------------------------------------------ Cluster, endpoint on the receiving node
def test_cluster_policy_local_endpoint_is_denied_by_default_deny(entry: str) -> None:
    cluster = web_cluster("Cluster", web_node="node-1")
    cluster.add(default_deny())
    net = Network(cluster, seed=1, trace="all")
    client = net.add_external_host("client", CLIENT_IP)
    assert wget(net, client, url_for(net, cluster, entry)).endswith(TIMED_OUT)
    # The ingress check ran before the masquerade: it saw the client, not node-1.
    assert set(ingress_drops(net)) == {(f"{WEB} ingress", CLIENT_IP)}
    assert not [e for e in net.trace if e.kind == "snat"]
    assert syn_sources(net) == set()


def test_cluster_policy_local_endpoint_allowed_by_ipblock_for_the_client(entry: str) -> None:
    cluster = web_cluster("Cluster", web_node="node-1")
    cluster.add(default_deny())
    cluster.add(allow_from("203.0.113.0/24"))
    net = Network(cluster, seed=1, trace="all")
    client = net.add_external_host("client", CLIENT_IP)
    output = wget(net, client, url_for(net, cluster, entry))
    assert output.endswith(EXISTS)
    allows = [e for e in net.trace if e.kind == "policy-allow" and e.where == f"{WEB} ingress"]
    assert allows and allows[0].src == CLIENT_IP
    assert str(allows[0].rule) == "default/allow-cidr spec.ingress[0].from[0]"
    # The masquerade follows the policy: the pod itself sees node-1 as the source.
    node1 = node_ip(cluster, "node-1")
    assert syn_sources(net) == {node1}
    snat = [e for e in net.trace if e.kind == "snat"]
    assert snat and snat[0].src == node1 and snat[0].time >= allows[0].time


def test_cluster_policy_local_endpoint_not_allowed_by_ipblock_for_the_node() -> None:
    # The node's IP is what the pod sees, but not what its ingress policy saw.
    cluster = web_cluster("Cluster", web_node="node-1")
    cluster.add(allow_from(f"{node_ip(cluster, 'node-1')}/32"))
    net = Network(cluster, seed=1)
    client = net.add_external_host("client", CLIENT_IP)
    assert wget(net, client, f"http://{net.load_balancer_ip('default/web')}/").endswith(TIMED_OUT)
    assert ingress_drops(net) == [(f"{WEB} ingress", CLIENT_IP)]


def test_node_local_traffic_is_still_allowed_under_default_deny() -> None:
    # The exception itself stays: node-1's own stack reaches its pod.
    cluster = web_cluster("Cluster", web_node="node-1")
    cluster.add(default_deny())
    net = Network(cluster, seed=1)
    web_ip = cluster.pods[WEB].ip
    assert wget(net, "node/node-1", f"http://{web_ip}:8080/").endswith(EXISTS)
    assert wget(net, "node/node-2", f"http://{web_ip}:8080/").endswith(TIMED_OUT)


# ------------------------------------------------ Cluster, endpoint on another node
def test_cluster_policy_remote_endpoint_is_denied_by_default_deny(entry: str) -> None:
    cluster = web_cluster("Cluster", web_node="node-2")
    cluster.add(default_deny())
    net = Network(cluster, seed=1)
    client = net.add_external_host("client", CLIENT_IP)
    assert wget(net, client, url_for(net, cluster, entry)).endswith(TIMED_OUT)
    # Already SNATed by node-1; node-1 is not web-1's node, so no node-local exception.
    assert ingress_drops(net) == [(f"{WEB} ingress", node_ip(cluster, "node-1"))]


def test_cluster_policy_remote_endpoint_sees_the_node_not_the_client(entry: str) -> None:
    cluster = web_cluster("Cluster", web_node="node-2")
    cluster.add(allow_from("203.0.113.0/24"))
    net = Network(cluster, seed=1)
    client = net.add_external_host("client", CLIENT_IP)
    assert wget(net, client, url_for(net, cluster, entry)).endswith(TIMED_OUT)
    assert ingress_drops(net) == [(f"{WEB} ingress", node_ip(cluster, "node-1"))]


def test_cluster_policy_remote_endpoint_allowed_by_ipblock_for_the_receiving_node(
    entry: str,
) -> None:
    cluster = web_cluster("Cluster", web_node="node-2")
    node1 = node_ip(cluster, "node-1")
    cluster.add(allow_from(f"{node1}/32"))
    net = Network(cluster, seed=1, trace="all")
    client = net.add_external_host("client", CLIENT_IP)
    assert wget(net, client, url_for(net, cluster, entry)).endswith(EXISTS)
    allows = [e for e in net.trace if e.kind == "policy-allow" and e.where == f"{WEB} ingress"]
    assert allows and allows[0].src == node1
    assert syn_sources(net) == {node1}


# ------------------------------------------------ Local
def test_local_policy_keeps_the_client_ip() -> None:
    cluster = web_cluster("Local", web_node="node-2")
    cluster.add(allow_from(f"{CLIENT_IP}/32"))
    net = Network(cluster, seed=1, trace="all")
    client = net.add_external_host("client", CLIENT_IP)
    lb = net.load_balancer_ip("default/web")
    node_port = net.node_port("default/web", 80)
    assert wget(net, client, f"http://{lb}/").endswith(EXISTS)
    assert wget(net, client, f"http://{node_ip(cluster, 'node-2')}:{node_port}/").endswith(EXISTS)
    assert syn_sources(net) == {CLIENT_IP}
    assert not [e for e in net.trace if e.kind == "snat"]


def test_local_policy_ipblock_for_the_node_does_not_match_the_client() -> None:
    cluster = web_cluster("Local", web_node="node-2")
    node2 = node_ip(cluster, "node-2")
    cluster.add(allow_from(f"{node2}/32"))
    net = Network(cluster, seed=1)
    client = net.add_external_host("client", CLIENT_IP)
    assert wget(net, client, f"http://{net.load_balancer_ip('default/web')}/").endswith(TIMED_OUT)
    assert ingress_drops(net) == [(f"{WEB} ingress", CLIENT_IP)]


def test_local_policy_is_denied_by_default_deny() -> None:
    cluster = web_cluster("Local", web_node="node-1")
    cluster.add(default_deny())
    net = Network(cluster, seed=1)
    client = net.add_external_host("client", CLIENT_IP)
    assert wget(net, client, f"http://{net.load_balancer_ip('default/web')}/").endswith(TIMED_OUT)
    assert ingress_drops(net) == [(f"{WEB} ingress", CLIENT_IP)]


# ------------------------------------------------ established flows re-checked
def test_recheck_uses_the_source_policy_saw_not_the_masqueraded_one() -> None:
    # With cut_established_on_change, a flow is re-checked as it was first checked:
    # against the client's IP, not node-1's (which the node-local exception would admit).
    profile = replace(UPSTREAM, name="cut", cut_established_on_change=True)
    cluster = web_cluster("Cluster", web_node="node-1")
    cluster.add(allow_from("203.0.113.0/24"))
    net = Network(cluster, seed=1, profile=profile)
    client = net.add_external_host("client", CLIENT_IP)
    session = net.open_tcp(client, net.load_balancer_ip("default/web"), 80)
    assert session is not None
    request = b"GET / HTTP/1.1\r\nHost: web\r\n\r\n"
    assert net.request(session, request).startswith(b"HTTP/1.1 200")
    cluster.delete("NetworkPolicy", "default/allow-cidr")
    cluster.add(default_deny())
    assert net.request(session, request) == b""
    _, client_int = parse_ip(CLIENT_IP)
    node1 = net.nodes["node-1"]
    assert not [e for e in node1.conntrack.entries() if e.orig[1] == client_int]


# ------------------------------------------------ pods through an external frontend
def allow_client_pods() -> NetworkPolicy:
    """app=web accepts ingress from pods labelled app=client only."""
    peer = PolicyPeer(pod_selector=LabelSelector((("app", "client"),)))
    return NetworkPolicy(
        "allow-client",
        "default",
        LabelSelector((("app", "web"),)),
        ("Ingress",),
        ingress=(PolicyRule(peers=(peer,)),),
    )


@pytest.mark.parametrize("web_node", ["node-1", "node-2"])
def test_pod_through_a_cluster_policy_lb_is_masqueraded_after_policy(web_node: str) -> None:
    # kube-proxy masquerades all traffic to an external frontend of a Cluster Service,
    # pods' too ("in case we cross nodes"): an endpoint on the client's node is checked
    # against the client pod, one on another node against the client's node.
    cluster = web_cluster("Cluster", web_node=web_node)
    cluster.add(Pod("client", "default", labels=Labels.of(app="client"), node="node-1"))
    cluster.add(allow_client_pods())
    net = Network(cluster, seed=1)
    lb = net.load_balancer_ip("default/web")
    output = wget(net, "default/client", f"http://{lb}/")
    if web_node == "node-1":
        assert output.endswith(EXISTS)
    else:
        assert output.endswith(TIMED_OUT)
        assert ingress_drops(net) == [(f"{WEB} ingress", node_ip(cluster, "node-1"))]
    assert syn_sources(net) == ({node_ip(cluster, "node-1")} if web_node == "node-1" else set())


def test_pod_through_a_cluster_policy_lb_to_another_node_matches_an_ipblock_for_its_node() -> None:
    cluster = web_cluster("Cluster", web_node="node-2")
    cluster.add(Pod("client", "default", labels=Labels.of(app="client"), node="node-1"))
    cluster.add(allow_from(f"{node_ip(cluster, 'node-1')}/32"))
    net = Network(cluster, seed=1)
    lb = net.load_balancer_ip("default/web")
    assert wget(net, "default/client", f"http://{lb}/").endswith(EXISTS)
    # Through the ClusterIP there is no masquerade: the pod is itself, and the
    # node's ipBlock does not cover it.
    web_cluster_ip = cluster.services["default/web"].cluster_ip
    assert wget(net, "default/client", f"http://{web_cluster_ip}/").endswith(TIMED_OUT)
    assert ingress_drops(net) == [(f"{WEB} ingress", cluster.pods["default/client"].ip)]


def test_pod_through_a_local_policy_lb_keeps_its_address() -> None:
    cluster = web_cluster("Local", web_node="node-2")
    cluster.add(Pod("client", "default", labels=Labels.of(app="client"), node="node-1"))
    cluster.add(allow_client_pods())
    net = Network(cluster, seed=1)
    lb = net.load_balancer_ip("default/web")
    assert wget(net, "default/client", f"http://{lb}/").endswith(EXISTS)
    assert syn_sources(net) == {cluster.pods["default/client"].ip}
