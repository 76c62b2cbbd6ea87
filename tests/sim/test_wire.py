"""What the wire shows, read back from the captures, and what send() reports.

Expected values follow how Linux forwards: a host that *routes* a packet
decrements its TTL once (RFC 1812 5.3.1), a bridge does not, a host's own
output leaves with the TTL it was made with; so a pod-to-pod packet across
nodes is routed twice (sending node, receiving node) and one from the
internet once more by the internet's last router. A node's eth0 capture
holds what it sends and what it receives; a frame from the internet arrives
from the gateway's MAC. Calico and Cilium drop a workload's packet whose
source address is not its own and filter ICMP; a protocol other than TCP,
UDP and SCTP is admitted only by rules without ``ports``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scapy.layers.inet import GRE, ICMP, IP, TCP
from scapy.packet import Packet
from scapy.utils import rdpcap

from netsim.model import (
    LabelSelector,
    NetworkPolicy,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
    Service,
    ServicePort,
)
from netsim.policy.profile import CALICO, CILIUM, UPSTREAM, Profile
from netsim.sim.network import Network
from netsim.sim.packet import mac_text

from .clusters import NGINX_IP, access_nginx, default_deny, walkthrough_cluster

NGINX = "default/nginx-701339712-e0qfq"  # node-1
CLIENT = "default/busybox"  # node-2 when not same_node
GATEWAY_MAC = "02:00:00:00:00:fe"


def _frames(net: Network, tmp_path: Path, interface: str) -> list[Packet]:
    path = tmp_path / f"{interface.replace('/', '_').replace(' ', '_')}.pcap"
    net.write_pcap(path, interface)
    return [p for p in rdpcap(str(path)) if p.haslayer(IP)]


def test_cross_node_ping_is_decremented_once_per_routing_node(tmp_path: Path) -> None:
    cluster = walkthrough_cluster(same_node=False)
    net = Network(cluster, seed=3)
    target = cluster.pods[NGINX].ip
    assert net.exec(CLIENT, f"ping -c 1 {target}").exit_code == 0

    def echo(interface: str, kind: int) -> IP:
        (found,) = [p for p in _frames(net, tmp_path, interface) if p[ICMP].type == kind]
        return found

    assert echo(f"{CLIENT} eth0", 8).ttl == 64  # the pod's own output
    assert echo("node-2 eth0", 8).ttl == 63  # node-2 routed it
    received = echo("node-1 eth0", 8)  # node-1's capture holds what it receives
    assert received.ttl == 63
    assert received.dst == mac_text(net.nodes["node-1"].mac)
    assert received.src == mac_text(net.nodes["node-2"].mac)
    assert echo(f"{NGINX} eth0", 8).ttl == 62  # node-1 routed it too
    assert echo("node-1 eth0", 0).ttl == 63  # and the reply the same way back
    assert echo(f"{CLIENT} eth0", 0).ttl == 62


def test_node_capture_holds_received_frames(tmp_path: Path) -> None:
    cluster = walkthrough_cluster(same_node=False)
    net = Network(cluster, seed=3)
    net.exec(CLIENT, f"ping -c 1 {cluster.pods[NGINX].ip}")
    node1 = net.nodes["node-1"]
    frames = [c.frame for c in net.captured("node-1 eth0")]
    assert any(f.dst_mac == node1.mac for f in frames), "frames node-1 receives"
    assert any(f.src_mac == node1.mac for f in frames), "frames node-1 sends"


def test_same_node_bridged_ping_keeps_its_ttl(tmp_path: Path) -> None:
    cluster = walkthrough_cluster(same_node=True)
    net = Network(cluster, seed=3)
    assert net.exec(CLIENT, f"ping -c 1 {cluster.pods[NGINX].ip}").exit_code == 0
    (request,) = [p for p in _frames(net, tmp_path, f"{NGINX} eth0") if p[ICMP].type == 8]
    assert request.ttl == 64  # bridged on cni0, not routed


def test_internet_frames_come_from_the_gateway_and_lose_a_hop(tmp_path: Path) -> None:
    cluster = walkthrough_cluster(same_node=True)
    net = Network(cluster, seed=3)
    client = net.add_external_host("client", "203.0.113.9")
    node_ip = cluster.nodes["node-1"].ip
    fate = net.send(IP(dst=node_ip) / ICMP(id=7, seq=1), client)
    assert fate.delivered and fate.delivered_to == "node/node-1"
    assert fate.reply is not None and fate.reply[ICMP].type == 0
    (arrived,) = [p for p in _frames(net, tmp_path, "node-1 eth0") if p[ICMP].type == 8]
    assert arrived.src == GATEWAY_MAC
    assert arrived[IP].ttl == 63  # the internet's last router routed it
    (sent,) = [p for p in _frames(net, tmp_path, f"{client} eth0") if p[ICMP].type == 8]
    assert sent[IP].ttl == 64


def test_external_client_reaching_a_pod_is_routed_twice(tmp_path: Path) -> None:
    cluster = walkthrough_cluster(same_node=True)
    cluster.add(
        Service(
            "web",
            "default",
            ports=(ServicePort(80, 80),),
            selector=cluster.pods[NGINX].labels,
            type="LoadBalancer",
            external_traffic_policy="Local",
        )
    )
    net = Network(cluster, seed=3)
    client = net.add_external_host("client", "203.0.113.9")
    lb = net.load_balancer_ip("default/web")
    fate = net.send(IP(dst=lb) / TCP(sport=40000, dport=80, flags="S"), client)
    assert fate.delivered and fate.delivered_to is not None
    assert fate.reply is not None and str(fate.reply[TCP].flags) == "SA"
    syn = next(p for p in _frames(net, tmp_path, f"{fate.delivered_to} eth0") if p.haslayer(TCP))
    assert syn[IP].ttl == 64 - 2  # the internet's router, then the node


@pytest.mark.parametrize(
    ("profile", "passes"), [(UPSTREAM, True), (CALICO, False), (CILIUM, False)]
)
def test_ping_under_default_deny_follows_the_profile(profile: Profile, passes: bool) -> None:
    cluster = walkthrough_cluster(same_node=False)
    cluster.add(default_deny())
    net = Network(cluster, seed=3, profile=profile)
    result = net.exec(CLIENT, f"ping -c 1 -W 1 {cluster.pods[NGINX].ip}")
    summary = (
        "1 packets transmitted, 1 packets received"
        if passes
        else "1 packets transmitted, 0 packets received"
    )
    assert summary in result.output
    assert result.exit_code == (0 if passes else 1)


def _allow_all_sources(ports: tuple[PolicyPort, ...]) -> NetworkPolicy:
    rule = PolicyRule(peers=(PolicyPeer(pod_selector=LabelSelector()),), ports=ports)
    return NetworkPolicy(
        "allow", "default", LabelSelector((("run", "nginx"),)), ("Ingress",), ingress=(rule,)
    )


@pytest.mark.parametrize(
    ("profile", "ports", "admitted"),
    [
        (CALICO, (), True),  # a rule without ports admits every protocol
        (CALICO, (PolicyPort("TCP", 80),), False),  # a ports entry names TCP/UDP/SCTP only
        (UPSTREAM, (PolicyPort("TCP", 80),), True),  # upstream filters TCP/UDP/SCTP only
    ],
)
def test_gre_is_judged_without_a_port(
    profile: Profile, ports: tuple[PolicyPort, ...], admitted: bool, tmp_path: Path
) -> None:
    cluster = walkthrough_cluster(same_node=False)
    cluster.add(_allow_all_sources(ports))
    net = Network(cluster, seed=3, profile=profile)
    target = cluster.pods[NGINX].ip
    fate = net.send(IP(dst=target) / GRE() / b"inner", CLIENT)
    assert fate.delivered is admitted, fate
    if not admitted:
        assert fate.dropped_by == ("default/allow",)
        assert fate.reason.startswith("policy-ingress")
    (sent,) = _frames(net, tmp_path, f"{CLIENT} eth0")
    assert sent[IP].proto == 47 and sent.haslayer(GRE)
    (trace,) = net.drops() if not admitted else (None,)
    if trace is not None:
        assert trace.protocol == "GRE" and trace.dport == 0


@pytest.mark.parametrize(("profile", "delivered"), [(UPSTREAM, True), (CALICO, False)])
def test_spoofed_source(profile: Profile, delivered: bool) -> None:
    """busybox (no access=true) sends as busybox-access, whom access-nginx admits."""
    cluster = walkthrough_cluster(same_node=False)
    cluster.add(default_deny())
    cluster.add(access_nginx())
    net = Network(cluster, seed=3, profile=profile)
    spoofed = cluster.pods["default/busybox-access"].ip
    packet = IP(src=spoofed, dst=cluster.pods[NGINX].ip) / TCP(dport=80, flags="S")
    fate = net.send(packet, CLIENT)
    assert fate.delivered is delivered
    if delivered:
        assert fate.delivered_to == NGINX
        assert "default/access-nginx" in fate.reason  # admitted under the spoofed identity
    else:
        assert fate.reason == "spoofed-source" and fate.dropped_by == ()
    honest = net.send(IP(dst=cluster.pods[NGINX].ip) / TCP(dport=80, flags="S"), CLIENT)
    assert not honest.delivered and honest.dropped_by == (
        "default/access-nginx",
        "default/default-deny",
    )


def test_send_accepts_raw_bytes_and_refuses_non_ip() -> None:
    from scapy.layers.l2 import ARP, Ether

    from netsim.errors import UnsupportedError

    cluster = walkthrough_cluster(same_node=True)
    net = Network(cluster, seed=3)
    target = cluster.pods[NGINX].ip
    source = cluster.pods[CLIENT].ip
    raw = bytes(IP(src=source, dst=target) / TCP(sport=41000, dport=80, flags="S"))
    fate = net.send(raw, CLIENT)
    assert fate.delivered and fate.reply is not None
    with pytest.raises(UnsupportedError, match="only IP packets"):
        net.send(Ether() / ARP(pdst=target), CLIENT)


def test_apiserver_answers_https() -> None:
    cluster = walkthrough_cluster(same_node=False)
    cluster.add(Service("kubernetes", "default", (ServicePort(443, 6443, name="https"),)))
    net = Network(cluster, seed=3)
    result = net.exec(CLIENT, "wget -T 2 https://kubernetes")
    assert result.output.splitlines()[-1] == "wget: server returned error: HTTP/1.1 403 Forbidden"
    assert result.exit_code == 1
    assert result.ended - result.started < 0.1  # answered, not timed out


def test_send_a_dns_query_gets_the_answer_back() -> None:
    from scapy.layers.dns import DNS, DNSQR
    from scapy.layers.inet import UDP

    cluster = walkthrough_cluster(same_node=False)
    net = Network(cluster, seed=3)
    dns_ip = cluster.services["kube-system/kube-dns"].cluster_ip
    query = DNS(id=77, rd=1, qd=DNSQR(qname="nginx.default.svc.cluster.local"))
    fate = net.send(IP(dst=dns_ip) / UDP(sport=33333, dport=53) / query, CLIENT)
    assert fate.delivered and fate.delivered_to == "kube-system/coredns"  # DNATed to the pod
    assert fate.reply is not None
    answer = fate.reply[DNS]
    assert answer.id == 77 and answer.an[0].rdata == NGINX_IP
    assert fate.reply[IP].src == dns_ip  # un-NATed on the way back


def test_a_new_syn_over_a_reset_flow_is_judged_again() -> None:
    """The sender's stack answers the unasked SYN-ACK with a RST, closing the entry; a new
    SYN on the same ports is a new connection for conntrack, so policy judges it again."""
    cluster = walkthrough_cluster(same_node=False)
    net = Network(cluster, seed=3)
    syn = IP(dst=cluster.pods[NGINX].ip) / TCP(sport=45000, dport=80, flags="S")
    assert net.send(syn, CLIENT).delivered
    cluster.add(default_deny())
    again = net.send(syn, CLIENT)
    assert not again.delivered and again.dropped_by == ("default/default-deny",)
