"""kube-proxy in the simulator: ClusterIP DNAT, named targetPort, NodePort/LoadBalancer NAT."""

from __future__ import annotations

import pytest

from netsim.addr import Prefix
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
from netsim.sim.kubeproxy import KubeProxy
from netsim.sim.network import Network

CLIENT_IP = "203.0.113.10"


def web_cluster(etp: TrafficPolicy) -> Cluster:
    """web-1 on node-2 behind a LoadBalancer Service; ingress only from 203.0.113.0/24."""
    cluster = Cluster()
    cluster.add_default_node()
    cluster.add_default_node()
    cluster.ensure_namespace("default")
    cluster.add(
        Pod(
            "web-1",
            "default",
            labels=Labels.of(app="web"),
            node="node-2",
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
    internet = PolicyPeer(ip_block=IPBlock(Prefix.parse("203.0.113.0/24")))
    cluster.add(
        NetworkPolicy(
            "from-internet",
            "default",
            LabelSelector((("app", "web"),)),
            ("Ingress",),
            ingress=(PolicyRule(peers=(internet,)),),
        )
    )
    return cluster


def test_external_traffic_policy_cluster_snats_so_ipblock_no_longer_matches() -> None:
    net = Network(web_cluster("Cluster"), seed=1, trace="all")
    client = net.add_external_host("client", CLIENT_IP)
    lb = net.load_balancer_ip("default/web")
    node_port = net.node_port("default/web", 80)
    # The LB sends to node-1, which has no endpoint: SNAT to node-1, forwarded to node-2.
    via_lb = net.exec(client, f"wget --spider -T 1 http://{lb}/")
    assert via_lb.output.endswith("wget: download timed out\n")
    drop = net.drops()[-1]
    assert drop.src == "172.18.0.2" and drop.reason.startswith("policy-ingress")
    snat = [e for e in net.trace if e.kind == "snat"]
    assert snat and snat[0].src == "172.18.0.2"
    # Through node-2's own NodePort, node-2 checks web-1's ingress before it masquerades:
    # the policy sees the client's IP, which the ipBlock covers.
    local = net.exec(client, f"wget --spider -T 1 http://172.18.0.3:{node_port}/")
    assert local.output.endswith("remote file exists\n")
    allows = [e for e in net.trace if e.kind == "policy-allow"]
    assert allows[-1].src == CLIENT_IP
    assert str(allows[-1].rule) == "default/from-internet spec.ingress[0].from[0]"


def test_external_traffic_policy_local_keeps_the_client_ip() -> None:
    net = Network(web_cluster("Local"), seed=1, trace="all")
    client = net.add_external_host("client", CLIENT_IP)
    lb = net.load_balancer_ip("default/web")
    node_port = net.node_port("default/web", 80)
    via_lb = net.exec(client, f"wget --spider -T 1 http://{lb}/")
    assert via_lb.output == f"Connecting to {lb} ({lb}:80)\nremote file exists\n"
    allows = [e for e in net.trace if e.kind == "policy-allow"]
    assert allows[-1].src == CLIENT_IP
    assert str(allows[-1].rule) == "default/from-internet spec.ingress[0].from[0]"
    # node-1 has no local endpoint: kube-proxy drops (no RST), the client times out.
    elsewhere = net.exec(client, f"wget --spider -T 1 http://172.18.0.2:{node_port}/")
    assert elsewhere.output.endswith("wget: download timed out\n")
    assert net.drops()[-1].reason == "no-local-endpoints"


def test_named_target_port_resolves_per_endpoint_pod() -> None:
    cluster = Cluster()
    cluster.add_default_node()
    cluster.ensure_namespace("default")
    for name, port in (("a", 8080), ("b", 9090)):
        cluster.add(
            Pod(
                name,
                "default",
                labels=Labels.of(app="api"),
                container_ports=(ContainerPort(port, "TCP", "web"),),
            )
        )
    cluster.add(Pod("c", "default", labels=Labels.of(app="api")))  # no "web" port: no endpoint
    cluster.add(
        Service("api", "default", ports=(ServicePort(80, "web"),), selector=Labels.of(app="api"))
    )
    cluster.add(Pod("client", "default"))
    proxy = KubeProxy()
    proxy.rebuild(cluster)
    (frontend,) = [f for f in proxy.cluster_ips.values() if f.service == "default/api"]
    assert sorted((e.pod, e.port) for e in frontend.endpoints) == [
        ("default/a", 8080),
        ("default/b", 9090),
    ]
    net = Network(cluster, seed=9, trace="all")
    for _ in range(6):
        assert net.exec("default/client", "wget -q --spider -T 1 api").exit_code == 0
    chosen = {(e.dst, e.dport) for e in net.trace if e.kind == "dnat" and e.dport != 53}
    assert chosen == {(cluster.pods["default/a"].ip, 8080), (cluster.pods["default/b"].ip, 9090)}


def test_service_without_endpoints_is_rejected() -> None:
    cluster = Cluster()
    cluster.add_default_node()
    cluster.ensure_namespace("default")
    cluster.add(
        Service("ghost", "default", ports=(ServicePort(80, 80),), selector=Labels.of(x="y"))
    )
    cluster.add(Pod("client", "default"))
    net = Network(cluster, seed=1)
    ip = cluster.services["default/ghost"].cluster_ip
    result = net.exec("default/client", "wget --spider -T 1 ghost")
    assert result.output == (
        f"Connecting to ghost ({ip}:80)\n"
        f"wget: can't connect to remote host ({ip}): Connection refused\n"
    )
    assert result.ended - result.started < 0.01


@pytest.mark.parametrize("seed", [1, 2])
def test_endpoint_choice_is_seeded(seed: int) -> None:
    def choices() -> list[tuple[str, int]]:
        cluster = Cluster()
        cluster.add_default_node()
        cluster.ensure_namespace("default")
        for i in range(3):
            cluster.add(Pod(f"s{i}", "default", labels=Labels.of(app="s"), image="nginx"))
        cluster.add(
            Service("s", "default", ports=(ServicePort(80, 80),), selector=Labels.of(app="s"))
        )
        cluster.add(Pod("client", "default"))
        net = Network(cluster, seed=seed, trace="all")
        for _ in range(5):
            net.exec("default/client", "wget -q --spider s")
        return [(e.dst, e.dport) for e in net.trace if e.kind == "dnat" and e.dport != 53]

    assert choices() == choices()


@pytest.mark.parametrize("hairpin_allowed", [True, False])
def test_hairpin_through_own_service(hairpin_allowed: bool) -> None:
    from netsim.policy.profile import Profile

    cluster = Cluster()
    cluster.add_default_node()
    cluster.ensure_namespace("default")
    cluster.add(Pod("web", "default", labels=Labels.of(app="web"), image="nginx"))
    cluster.add(
        Service("web", "default", ports=(ServicePort(80, 80),), selector=Labels.of(app="web"))
    )
    cluster.add(NetworkPolicy("deny", "default", LabelSelector(), ("Ingress",)))
    profile = Profile(name="hairpin", hairpin_allowed=hairpin_allowed)
    net = Network(cluster, seed=1, profile=profile)
    own_ip = cluster.pods["default/web"].ip
    # By its own IP a pod always reaches itself ("A pod cannot block access to itself").
    assert net.exec("default/web", f"wget -q --spider -T 1 {own_ip}").exit_code == 0
    via_service = net.exec("default/web", "wget -q --spider -T 1 web")
    if hairpin_allowed:
        assert via_service.exit_code == 0
    else:
        assert via_service.output == "wget: download timed out\n"
        assert net.drops()[-1].reason == "policy-ingress: hairpin"


def test_kubernetes_service_reaches_the_apiserver_on_the_control_plane() -> None:
    cluster = Cluster()
    cluster.add_default_node()
    cluster.add_default_node()
    cluster.ensure_namespace("default")
    cluster.add(Service("kubernetes", "default", (ServicePort(443, 6443, name="https"),)))
    cluster.add(Pod("client", "default", node="node-2"))
    net = Network(cluster, seed=1, trace="all")
    result = net.exec("default/client", "nc -zv -w 1 kubernetes 443")
    assert result.output == "kubernetes (10.100.0.1:443) open\n"
    dnat = [e for e in net.trace if e.kind == "dnat" and e.dport == 6443]
    assert dnat and dnat[0].dst == "172.18.0.2"


def test_pod_to_a_remote_node_port_is_natted_at_that_node() -> None:
    cluster = web_cluster("Cluster")
    cluster.add(Pod("client", "default", node="node-1"))
    net = Network(cluster, seed=1, trace="all")
    node_port = net.node_port("default/web", 80)
    url = f"http://172.18.0.3:{node_port}/"
    result = net.exec("default/client", f"wget --spider -T 1 {url}")
    # node-2 DNATs, checks web-1's ingress, then masquerades: the policy sees the client
    # pod's IP (not node-2's, which the node-local exception would admit), and the
    # from-internet ipBlock does not cover it.
    assert result.output.endswith("wget: download timed out\n")
    dnat = [e for e in net.trace if e.kind == "dnat" and e.dport == 8080]
    assert [e.where for e in dnat] == ["node-2"]
    drop = net.drops()[-1]
    assert drop.where == "default/web-1 ingress" and drop.src == cluster.pods["default/client"].ip
    # A rule for the client pod admits it.
    cluster.add(
        NetworkPolicy(
            "from-client",
            "default",
            LabelSelector((("app", "web"),)),
            ("Ingress",),
            ingress=(PolicyRule(peers=(PolicyPeer(pod_selector=LabelSelector()),)),),
        )
    )
    again = net.exec("default/client", f"wget --spider -T 1 {url}")
    assert again.output.endswith("remote file exists\n")


def test_pods_reach_a_local_traffic_policy_lb_from_any_node() -> None:
    cluster = web_cluster("Local")
    cluster.delete("NetworkPolicy", "default/from-internet")
    cluster.add(Pod("client", "default", node="node-1"))  # web-1 is on node-2
    net = Network(cluster, seed=1)
    lb = net.load_balancer_ip("default/web")
    assert net.exec("default/client", f"wget -q --spider -T 1 http://{lb}/").exit_code == 0


def test_services_added_one_by_one_never_share_an_lb_ip_or_node_port() -> None:
    # "web" is exposed first, then "db", which sorts before it: each keeps its own
    # allocation, and external clients reach the Service they address.
    cluster = Cluster()
    cluster.add_default_node()
    cluster.ensure_namespace("default")
    net = Network(cluster, seed=1)
    client = net.add_external_host("client", CLIENT_IP)
    for app in ("web", "db"):
        cluster.add(Pod(app, "default", labels=Labels.of(app=app), image="nginx"))
        cluster.add(
            Service(
                app,
                "default",
                ports=(ServicePort(80, 80),),
                selector=Labels.of(app=app),
                type="LoadBalancer",
            )
        )
    lb = {app: net.load_balancer_ip(f"default/{app}") for app in ("web", "db")}
    ports = {app: net.node_port(f"default/{app}", 80) for app in ("web", "db")}
    assert lb["web"] != lb["db"]
    assert ports["web"] != ports["db"]
    cluster.add(NetworkPolicy("deny-db", "default", LabelSelector((("app", "db"),)), ("Ingress",)))
    assert net.probe(client, lb["web"], 80) == "connected"
    assert net.probe(client, lb["db"], 80) == "timeout"
    node_ip = cluster.nodes["node-1"].ip
    assert net.probe(client, node_ip, ports["web"]) == "connected"
    assert net.probe(client, node_ip, ports["db"]) == "timeout"
    # Allocations stay put when other Services come and go.
    cluster.delete("Service", "default/web")
    assert net.load_balancer_ip("default/db") == lb["db"]
    assert net.node_port("default/db", 80) == ports["db"]


def test_pod_changes_rebuild_at_the_next_read_and_match_a_fresh_build() -> None:
    # After a pod change only endpoints can differ, so the tables are rebuilt when next
    # read (issue 13: one rebuild per pod made set-up quadratic); what is read is what a
    # kube-proxy built from scratch on the same cluster holds.
    cluster = web_cluster("Cluster")
    proxy = KubeProxy()
    proxy.rebuild(cluster)
    builds = 0
    build = proxy._build

    def counted(c: Cluster) -> None:
        nonlocal builds
        builds += 1
        build(c)

    proxy._build = counted  # type: ignore[method-assign]
    for i in range(2, 6):
        pod = Pod(f"web-{i}", "default", labels=Labels.of(app="web"), node="node-1",
                  container_ports=(ContainerPort(8080, "TCP", "http"),))  # fmt: skip
        cluster.add(pod)
        proxy.rebuild(cluster)
    assert builds == 0
    fresh = KubeProxy()
    fresh.rebuild(cluster)
    assert proxy.lb_ips == fresh.lb_ips and builds == 1
    (frontend,) = proxy.cluster_ips.values()
    assert [e.pod for e in frontend.endpoints] == [f"default/web-{i}" for i in range(1, 6)]
    assert proxy.node_ports == fresh.node_ports and proxy.vips == fresh.vips and builds == 1
    # A Service change rebuilds at once (allocations follow creation order).
    cluster.add(Service("api", "default", (ServicePort(81, 81),), type="NodePort"))
    proxy.rebuild(cluster)
    assert builds == 2
    assert (
        proxy.assigned_node_ports[("default/api", 81)]
        != proxy.assigned_node_ports[("default/web", 80)]
    )
