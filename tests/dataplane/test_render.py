"""The simple nftables renderer, checked rule by rule against the NetworkPolicy spec.

Expected rules are written from SEMANTICS.md (and the API field docs it cites),
not from the renderer's output.
"""

from __future__ import annotations

from netsim.addr import Prefix
from netsim.dataplane.render import (
    host_interface,
    node_ports,
    render_cluster,
    render_node,
    service_backend,
)
from netsim.model import (
    Cluster,
    ContainerPort,
    IPBlock,
    Labels,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Node,
    Pod,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
    Service,
    ServicePort,
)
from netsim.policy.profile import Profile

ALL = LabelSelector()


def sel(**labels: str) -> LabelSelector:
    return LabelSelector(tuple(labels.items()))


def cluster_with(*objects: object) -> Cluster:
    cluster = Cluster()
    cluster.add(Node("node-1", "172.18.0.2", Prefix.parse("10.244.1.0/24")))
    for name in ("x", "y"):
        cluster.add(Namespace(name, Labels.of(team=name)))
    cluster.add(
        Pod(
            "a",
            "x",
            Labels.of(app="a", tier="web"),
            ip="10.244.1.11",
            container_ports=(ContainerPort(80, "TCP", "http"), ContainerPort(53, "UDP", "dns")),
        )
    )
    cluster.add(
        Pod(
            "b",
            "x",
            Labels.of(app="b", tier="web"),
            ip="10.244.1.12",
            container_ports=(ContainerPort(8080, "TCP", "http"),),
        )
    )
    cluster.add(Pod("c", "y", Labels.of(app="a"), ip="10.244.1.13"))
    for obj in objects:
        cluster.add(obj)  # type: ignore[arg-type]
    return cluster


def chain(cluster: Cluster, pod: str, direction: str, profile: Profile | None = None):  # type: ignore[no-untyped-def]
    ruleset = render_node(cluster, "node-1", profile or Profile())
    found = [c for c in ruleset.chains if c.pod == pod and c.direction == direction]
    return found[0] if found else None


def matches(
    cluster: Cluster, pod: str, direction: str, profile: Profile | None = None
) -> list[str]:
    """The match text of every policy rule (ICMP and final drop left out)."""
    found = chain(cluster, pod, direction, profile)
    assert found is not None
    return [r.match for r in found.rules if r.ref is not None]


def test_only_isolated_pods_get_chains() -> None:
    # SEMANTICS §1.2: a pod no policy isolates in a direction allows everything there.
    egress_only = NetworkPolicy("e", "x", sel(app="a"), ("Egress",))
    cluster = cluster_with(egress_only)
    assert chain(cluster, "x/a", "egress") is not None
    assert chain(cluster, "x/a", "ingress") is None
    assert chain(cluster, "x/b", "egress") is None
    text = render_node(cluster, "node-1").text()
    assert f'iifname "{host_interface("x/a")}" jump egress-x/a' in text
    assert "oifname" not in text


def test_empty_rules_isolate_and_drop_everything() -> None:
    # SEMANTICS §1.7: `ingress: []` with Ingress in policyTypes allows nothing.
    cluster = cluster_with(NetworkPolicy("deny", "x", ALL, ("Ingress",)))
    found = chain(cluster, "x/a", "ingress")
    assert found is not None
    assert found.isolated_by == ("x/deny",)
    assert [r.verdict for r in found.rules] == ["return", "drop"]  # ICMP, then drop
    assert "icmp" in found.rules[0].match


def test_empty_rule_allows_all_sources_and_ports() -> None:
    # SEMANTICS §1.7: `ingress: [{}]` is one rule matching every source and port.
    cluster = cluster_with(NetworkPolicy("all", "x", ALL, ("Ingress",), ingress=(PolicyRule(),)))
    found = chain(cluster, "x/a", "ingress")
    assert found is not None
    allow = [r for r in found.rules if r.ref is not None]
    assert [(r.match, r.verdict, r.comment) for r in allow] == [("", "return", "x/all/ingress/0")]


def test_pod_selector_alone_means_own_namespace() -> None:
    # SEMANTICS §2.10: podSelector alone selects pods in the policy's namespace only;
    # y/c has app=a too but is in another namespace.
    rule = PolicyRule((PolicyPeer(pod_selector=sel(app="a")),))
    cluster = cluster_with(NetworkPolicy("p", "x", sel(app="b"), ingress=(rule,)))
    assert matches(cluster, "x/b", "ingress") == ["ip saddr 10.244.1.11"]


def test_namespace_and_pod_selector_are_anded_empty_namespace_selector_is_all() -> None:
    # SEMANTICS §2.11-12.
    rule = PolicyRule(
        (
            PolicyPeer(pod_selector=sel(app="a"), namespace_selector=ALL),
            PolicyPeer(pod_selector=sel(app="a"), namespace_selector=sel(team="y")),
        )
    )
    cluster = cluster_with(NetworkPolicy("p", "x", sel(app="b"), ingress=(rule,)))
    assert matches(cluster, "x/b", "ingress") == [
        "ip saddr { 10.244.1.11, 10.244.1.13 }",
        "ip saddr 10.244.1.13",
    ]


def test_ipblock_except_and_port_range() -> None:
    # SEMANTICS §2.13 (except) and §3.20 (endPort, inclusive).
    block = IPBlock(
        Prefix.parse("10.0.0.0/8"), (Prefix.parse("10.2.0.0/16"), Prefix.parse("10.1.0.0/16"))
    )
    rule = PolicyRule((PolicyPeer(ip_block=block),), (PolicyPort("TCP", 80, 90),))
    cluster = cluster_with(NetworkPolicy("p", "x", sel(app="a"), ingress=(rule,)))
    assert matches(cluster, "x/a", "ingress") == [
        "ip saddr 10.0.0.0/8 ip saddr != { 10.1.0.0/16, 10.2.0.0/16 } tcp dport 80-90"
    ]
    # A plugin without endPort support enforces only `port` (SEMANTICS §3.20).
    assert matches(cluster, "x/a", "ingress", Profile(end_port=False)) == [
        "ip saddr 10.0.0.0/8 ip saddr != { 10.1.0.0/16, 10.2.0.0/16 } tcp dport 80"
    ]


def test_protocol_without_port_matches_all_ports_of_that_protocol() -> None:
    # SEMANTICS §3.18; and the default protocol is TCP (§3.17).
    rule = PolicyRule((), (PolicyPort("SCTP"), PolicyPort(port=81)))
    cluster = cluster_with(NetworkPolicy("p", "x", sel(app="a"), ingress=(rule,)))
    assert matches(cluster, "x/a", "ingress") == ["meta l4proto sctp", "tcp dport 81"]


def test_named_port_ingress_resolves_on_the_selected_pod_with_its_protocol() -> None:
    # SEMANTICS §3.19: x/a's "http" is TCP 80, x/b's is TCP 8080; "dns" exists on x/a
    # only as UDP, so a TCP "dns" port matches nothing (and must not become "all ports").
    rule = PolicyRule((), (PolicyPort("TCP", "http"), PolicyPort("TCP", "dns")))
    cluster = cluster_with(NetworkPolicy("p", "x", ALL, ingress=(rule,)))
    assert matches(cluster, "x/a", "ingress") == ["tcp dport 80"]
    assert matches(cluster, "x/b", "ingress") == ["tcp dport 8080"]
    found = chain(cluster, "x/a", "ingress")
    assert found is not None and any("ports[1]" in note for note in found.notes)


def test_named_port_egress_resolves_on_each_destination_pod() -> None:
    # SEMANTICS §3.19 (e2e "should allow egress access on one named port"): for egress
    # the destination is the remote pod, so one name gives different numbers per pod.
    rule = PolicyRule((PolicyPeer(namespace_selector=ALL),), (PolicyPort("TCP", "http"),))
    cluster = cluster_with(NetworkPolicy("p", "y", ALL, ("Egress",), egress=(rule,)))
    assert matches(cluster, "y/c", "egress") == [
        "ip daddr 10.244.1.11 tcp dport 80",
        "ip daddr 10.244.1.12 tcp dport 8080",
    ]


def test_named_port_egress_to_ipblock_matches_only_pods_inside() -> None:
    # External addresses have no container ports (SEMANTICS §3.19), so a named port in an
    # ipBlock rule can only match pods in the block.
    block = IPBlock(Prefix.parse("10.244.1.0/24"), (Prefix.parse("10.244.1.12/32"),))
    rule = PolicyRule((PolicyPeer(ip_block=block),), (PolicyPort("TCP", "http"),))
    cluster = cluster_with(NetworkPolicy("p", "y", ALL, ("Egress",), egress=(rule,)))
    assert matches(cluster, "y/c", "egress") == ["ip daddr 10.244.1.11 tcp dport 80"]


def test_rule_refs_and_comments_name_policy_direction_rule() -> None:
    rules = (
        PolicyRule((PolicyPeer(pod_selector=sel(app="b")),)),
        PolicyRule((PolicyPeer(namespace_selector=sel(team="y")),), (PolicyPort("UDP", 53),)),
    )
    cluster = cluster_with(NetworkPolicy("two", "x", sel(app="a"), ingress=rules))
    found = chain(cluster, "x/a", "ingress")
    assert found is not None
    allow = [r for r in found.rules if r.ref is not None]
    assert [r.comment for r in allow] == ["x/two/ingress/0", "x/two/ingress/1"]
    assert [r.ref.path for r in allow if r.ref] == [
        "spec.ingress[0].from[0]",
        "spec.ingress[1].from[0] ports[0]",
    ]
    assert found.rules[-1].verdict == "drop"


def test_host_network_pods_are_not_selected_and_get_no_chain() -> None:
    # SEMANTICS §5.27, profile default: hostNetwork pods are node traffic.
    host = Pod("h", "x", Labels.of(app="a"), node="node-1", host_network=True)
    rule = PolicyRule((PolicyPeer(pod_selector=sel(app="a")),))
    cluster = cluster_with(host, NetworkPolicy("p", "x", ALL, ingress=(rule,)))
    assert matches(cluster, "x/b", "ingress") == ["ip saddr 10.244.1.11"]
    assert chain(cluster, "x/h", "ingress") is None


def test_flannel_profile_renders_no_pod_chains() -> None:
    cluster = cluster_with(NetworkPolicy("deny", "x", ALL))
    assert render_cluster(cluster, Profile(name="flannel", enforce=False))["node-1"].chains == ()


def test_ruleset_text_is_nft_input() -> None:
    cluster = cluster_with(NetworkPolicy("deny", "x", ALL))
    text = render_node(cluster, "node-1").text()
    assert text.startswith("# node node-1\ntable inet netsim {\n")
    assert "ct state established,related accept" in text.splitlines()[4]
    assert 'counter drop comment "x/a/ingress: isolated, no rule matched"' in text


def test_service_dnat_to_the_target_port_resolved_per_backend() -> None:
    # SEMANTICS §3.21/§5.29: traffic to clusterIP:port is DNATed to a backend pod's
    # targetPort; a named targetPort resolves on each backend, and a pod without it is
    # no endpoint of that port (x/b's "http" is 8080, y/c is in another namespace).
    web = Service(
        "web",
        "x",
        (ServicePort(8000, "http"),),
        selector=Labels.of(tier="web"),
        cluster_ip="10.100.0.10",
    )
    cluster = cluster_with(web)
    rules = render_node(cluster, "node-1").services
    # Two backends: clients alternate between them in pod order; others go to the first.
    assert [(r.backend, r.target_port, r.clients) for r in rules] == [
        ("x/a", 80, ("10.244.1.11", "10.244.1.13")),
        ("x/b", 8080, ("10.244.1.12",)),
        ("x/a", 80, ()),
    ]
    assert rules[-1].text() == (
        "ip daddr 10.100.0.10 tcp dport 8000 counter dnat ip to 10.244.1.11:80 "
        'comment "svc x/web 8000/TCP -> x/a"'
    )
    text = render_node(cluster, "node-1").text()
    assert "type nat hook prerouting priority dstnat; policy accept;" in text
    assert service_backend(cluster, "x/web", "TCP", 8000, "10.244.1.12") is not None


def test_service_without_endpoints_gets_no_dnat() -> None:
    lonely = Service("none", "x", (ServicePort(80, 80),), selector=Labels.of(app="zzz"))
    cluster = cluster_with(lonely)
    assert render_node(cluster, "node-1").services == ()
    assert "chain services" not in render_node(cluster, "node-1").text()


def test_node_port_dnat_and_masquerade() -> None:
    # kube-proxy: NodePort on the node's IP, DNAT to a backend; with
    # externalTrafficPolicy Cluster the flow is marked and SNATed in postrouting.
    web = Service(
        "web",
        "x",
        (ServicePort(8000, 80), ServicePort(8001, 80, node_port=31000)),
        selector=Labels.of(app="a"),
        type="NodePort",
    )
    ruleset = render_node(cluster_with(web), "node-1")
    # Unset NodePorts take the lowest free port from 30000 (as netsim's kube-proxy does).
    assert [(r.node_ip, r.node_port, r.backend_ip, r.target_port) for r in ruleset.node_ports] == [
        ("172.18.0.2", 30000, "10.244.1.11", 80),
        ("172.18.0.2", 31000, "10.244.1.11", 80),
    ]
    text = ruleset.text()
    assert "ip daddr 172.18.0.2 tcp dport 30000 counter meta mark set 0x4000 dnat ip to" in text
    assert "meta mark 0x4000 counter snat ip to 172.18.0.2" in text


def test_long_names_fit_nft_limits() -> None:
    # Policy names may be 253 characters; nft keeps 128-byte comments and 256-byte names.
    name = "p" * 253
    cluster = cluster_with(NetworkPolicy(name, "x", ALL, ingress=(PolicyRule(),)))
    ruleset = render_node(cluster, "node-1")
    rule = next(r for c in ruleset.chains for r in c.rules if r.ref is not None)
    comment = rule.text().split("comment ", 1)[1]
    assert len(comment.encode()) <= 127 + 2 and comment.endswith('..."')
    assert rule.comment == f"x/{name}/ingress/0"  # the full text stays in the model


def test_node_ports_follow_the_simulated_kube_proxy_one_per_port_number() -> None:
    """The apiserver gives a Service port number one NodePort across protocols (kubernetes
    pkg/registry/core/service/storage allocates per port number); the renderer and the
    simulated kube-proxy allocate through the same rule, so they agree."""
    from netsim.model.load import load_bytes, manifests_into_cluster
    from netsim.sim.network import Network

    cluster = manifests_into_cluster(
        load_bytes(
            b"""
apiVersion: v1
kind: Service
metadata: {name: dns, namespace: default}
spec:
  type: NodePort
  selector: {app: dns}
  ports:
  - {name: udp, port: 53, protocol: UDP}
  - {name: tcp, port: 53, protocol: TCP}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, nodePort: 30000}]
""",
            "svc.yaml",
        )
    )
    ports = node_ports(cluster)
    assert ports == {
        ("default/dns", "UDP", 53): 30001,
        ("default/dns", "TCP", 53): 30001,
        ("default/web", "TCP", 80): 30000,
    }
    simulated = Network(cluster, seed=0, dns=False).kube_proxy.assigned_node_ports
    assert {(k, p): n for (k, _, p), n in ports.items()} == simulated
