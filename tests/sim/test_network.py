"""The nginx walkthrough (kubernetes.io's "Declare Network Policy") and the simulator's
stateful behaviour, packet by packet."""

from __future__ import annotations

from pathlib import Path

import pytest
from scapy.layers.dns import DNS
from scapy.layers.inet import IP, TCP, UDP
from scapy.utils import rdpcap

from netsim.model import LabelSelector, NetworkPolicy, PolicyPeer, PolicyPort, PolicyRule
from netsim.policy.profile import UPSTREAM, Profile
from netsim.sim.network import Network

from .clusters import NGINX_IP, access_nginx, default_deny, walkthrough_cluster

WGET = "wget --spider --timeout=1 nginx"
CONNECTING = f"Connecting to nginx ({NGINX_IP}:80)\n"


@pytest.mark.parametrize("same_node", [True, False], ids=["same-node", "cross-node"])
def test_walkthrough(same_node: bool) -> None:
    cluster = walkthrough_cluster(same_node=same_node)
    net = Network(cluster, seed=7)

    before = net.exec("default/busybox", WGET)
    assert before.output == CONNECTING + "remote file exists\n"
    assert before.exit_code == 0

    cluster.add(default_deny())
    denied = net.exec("default/busybox", WGET)
    assert denied.output == CONNECTING + "wget: download timed out\n"
    assert denied.exit_code == 1
    # DNS still works (ingress isolation of kube-system is untouched); the
    # timeout is the one simulated second of --timeout=1.
    assert 1.0 <= denied.ended - denied.started < 1.01

    cluster.add(access_nginx())
    allowed = net.exec("default/busybox-access", WGET)
    assert allowed.output == CONNECTING + "remote file exists\n"
    assert allowed.exit_code == 0
    still_denied = net.exec("default/busybox", WGET)
    assert still_denied.output == CONNECTING + "wget: download timed out\n"

    drops = net.drops()
    assert drops, "every dropped SYN leaves a trace event"
    assert all(d.reason.startswith("policy-ingress") for d in drops)
    assert all(d.dport == 80 and d.dst != NGINX_IP for d in drops), "policy sees the pod IP"
    assert "default/default-deny" in drops[-1].isolating


def test_wget_download_prints_busybox_progress() -> None:
    net = Network(walkthrough_cluster(same_node=True), seed=1)
    result = net.exec("default/busybox", "wget -T 2 http://nginx/")
    lines = result.output.splitlines()
    assert lines[0] == CONNECTING.strip()
    assert lines[1] == "saving to 'index.html'"
    assert lines[2].startswith("index.html           100% |")
    assert lines[3] == "'index.html' saved"
    assert result.exit_code == 0
    quiet = net.exec("default/busybox", "wget -q -O - nginx")
    assert "<title>Welcome to nginx!</title>" in quiet.output
    assert not quiet.output.startswith("Connecting")


def _allow_dns() -> NetworkPolicy:
    kube_dns = PolicyPeer(
        pod_selector=LabelSelector((("k8s-app", "kube-dns"),)),
        namespace_selector=LabelSelector((("kubernetes.io/metadata.name", "kube-system"),)),
    )
    return NetworkPolicy(
        "allow-dns",
        "default",
        LabelSelector(),
        ("Egress",),
        egress=(
            PolicyRule(
                peers=(kube_dns,),
                ports=(PolicyPort("UDP", 53), PolicyPort("TCP", 53)),
            ),
        ),
    )


def test_default_deny_egress_breaks_dns_and_allowing_53_fixes_it() -> None:
    cluster = walkthrough_cluster(same_node=False)
    net = Network(cluster, seed=3)
    cluster.add(default_deny(types=("Egress",)))

    broken = net.exec("default/busybox", WGET)
    assert broken.output == "wget: bad address 'nginx'\n"
    assert broken.exit_code == 1
    # glibc: the first search candidate, A+AAAA, timeout:5 attempts:2 -> 10 s
    assert broken.ended - broken.started == pytest.approx(10.0, abs=0.01)
    dns_drops = [d for d in net.drops() if d.dport == 53]
    assert dns_drops and all(d.reason.startswith("policy-egress") for d in dns_drops)
    assert all(d.protocol == "UDP" for d in dns_drops)

    cluster.add(_allow_dns())
    fixed = net.exec("default/busybox", WGET)
    # DNS answers now; the connection to nginx itself is still egress-denied.
    assert fixed.output == CONNECTING + "wget: download timed out\n"
    assert net.drops()[-1].reason.startswith("policy-egress")
    assert net.drops()[-1].dport == 80


@pytest.mark.parametrize("cut", [False, True], ids=["keep-established", "cut-established"])
def test_established_flow_across_policy_change(cut: bool) -> None:
    cluster = walkthrough_cluster(same_node=False)
    profile = Profile(name="test", cut_established_on_change=cut) if cut else UPSTREAM
    net = Network(cluster, seed=5, profile=profile)
    session = net.open_tcp("default/busybox", NGINX_IP, 80, timeout=1.0)
    assert session is not None
    request = b"GET / HTTP/1.1\r\nHost: nginx\r\n\r\n"
    assert net.request(session, request, timeout=1.0).startswith(b"HTTP/1.1 200 OK")

    cluster.add(default_deny())
    # A new connection is denied either way.
    assert net.open_tcp("default/busybox-access", NGINX_IP, 80, timeout=1.0) is None
    answer = net.request(session, request, timeout=2.0)
    if cut:
        assert answer == b""
        assert net.drops()[-1].reason.startswith("policy-ingress")
        assert net.drops()[-1].sport == session.conn.lport
    else:
        assert answer.startswith(b"HTTP/1.1 200 OK")


def _run_transcript(tmp: Path, seed: int) -> tuple[str, bytes]:
    cluster = walkthrough_cluster(same_node=False)
    net = Network(cluster, seed=seed)
    outputs = [net.exec("default/busybox", WGET).output]
    cluster.add(default_deny())
    outputs.append(net.exec("default/busybox", "wget --spider -T 5 nginx").output)
    outputs.append(net.exec("default/busybox-access", "ping -c 2 -W 1 nginx").output)
    path = tmp / f"run-{seed}.pcap"
    net.write_pcap(path)
    return "".join(outputs), path.read_bytes()


def test_same_seed_gives_byte_identical_pcaps_and_transcripts(tmp_path: Path) -> None:
    first = _run_transcript(tmp_path, 11)
    second = _run_transcript(tmp_path, 11)
    assert first[0] == second[0]
    assert first[1] == second[1]
    other = _run_transcript(tmp_path, 12)
    assert other[1] != first[1], "the seed changes ports and sequence numbers"


def test_pcap_holds_dns_query_syn_retransmissions_and_nothing_past_the_drop(
    tmp_path: Path,
) -> None:
    cluster = walkthrough_cluster(same_node=False)
    net = Network(cluster, seed=2)
    cluster.add(default_deny())
    result = net.exec("default/busybox", "wget --spider -T 5 nginx")
    assert result.output.endswith("wget: download timed out\n")

    client_pcap = tmp_path / "client.pcap"
    assert net.write_pcap(client_pcap, "default/busybox eth0") > 0
    packets = rdpcap(str(client_pcap))
    queries = [p for p in packets if p.haslayer(DNS) and p[DNS].qr == 0]
    assert {q[DNS].qd[0].qname for q in queries} >= {b"nginx.default.svc.cluster.local."}
    assert all(q[UDP].dport == 53 for q in queries)
    syns = [p for p in packets if p.haslayer(TCP) and p[TCP].flags == "S"]
    # Linux: SYN at 0, retransmissions after 1 s and 2 s more (RTO doubling), then the 5 s alarm.
    assert len(syns) == 3
    times = [float(p.time) for p in syns]
    assert times[1] - times[0] == pytest.approx(1.0, abs=0.001)
    assert times[2] - times[1] == pytest.approx(2.0, abs=0.001)
    assert all(p[IP].dst == NGINX_IP for p in syns), "the client sees only the ClusterIP"
    assert len({p[TCP].sport for p in syns}) == 1
    assert not any(p.haslayer(TCP) and p[TCP].flags & 0x12 == 0x12 for p in packets)

    server_ip = net.drops()[-1].dst
    server = next(k for k, h in net.hosts.items() if h.ip_text == server_ip)
    server_pcap = tmp_path / "server.pcap"
    net.write_pcap(server_pcap, f"{server} eth0")
    server_packets = rdpcap(str(server_pcap)) if server_pcap.stat().st_size > 24 else []
    assert not any(p.haslayer(TCP) and p[TCP].dport == 80 for p in server_packets)

    everything = tmp_path / "all.pcap"
    net.write_pcap(everything)
    assert len(rdpcap(str(everything))) >= len(packets)


def test_pod_added_mid_run_gets_a_veth_and_service_endpoints_follow() -> None:
    from netsim.model import Labels, Pod

    cluster = walkthrough_cluster(same_node=True)
    net = Network(cluster, seed=4)
    cluster.add(
        Pod("late", "default", labels=Labels.of(app="late"), node="node-2", image="busybox")
    )
    result = net.exec("default/late", WGET)
    assert result.output == CONNECTING + "remote file exists\n"
    for name in ("nginx-701339712-e0qfq", "nginx-701339712-o00ef"):
        cluster.delete("Pod", f"default/{name}")
    refused = net.exec("default/late", WGET)
    assert refused.output == CONNECTING + (
        f"wget: can't connect to remote host ({NGINX_IP}): Connection refused\n"
    )


def test_ipv6_single_stack_cluster() -> None:
    from netsim.addr import Prefix
    from netsim.model import Cluster, Labels, Node, Pod, Service, ServicePort

    cluster = Cluster(service_cidr=Prefix.parse("fd00:10:96::/112"))
    cluster.add(Node("node-1", "fc00:f853:ccd:e793::2", Prefix.parse("fd00:10:244:1::/64")))
    cluster.add(Node("node-2", "fc00:f853:ccd:e793::3", Prefix.parse("fd00:10:244:2::/64")))
    cluster.ensure_namespace("default")
    cluster.add(Pod("web", "default", labels=Labels.of(app="web"), node="node-1", image="nginx"))
    cluster.add(
        Service("web", "default", ports=(ServicePort(80, 80),), selector=Labels.of(app="web"))
    )
    cluster.add(Pod("client", "default", node="node-2"))
    net = Network(cluster, seed=1)
    vip = cluster.services["default/web"].cluster_ip
    ok = net.exec("default/client", "wget --spider -T 1 web")
    assert ok.output == f"Connecting to web ([{vip}]:80)\nremote file exists\n"
    cluster.add(default_deny())
    denied = net.exec("default/client", "wget --spider -T 1 web")
    assert denied.output.endswith("wget: download timed out\n")
    assert net.drops()[-1].dst == cluster.pods["default/web"].ip


def test_seeded_link_loss_is_repeatable() -> None:
    from netsim.sim.topology import Links

    def run() -> list[str]:
        cluster = walkthrough_cluster(same_node=False)
        net = Network(cluster, seed=8, links=Links(loss=0.3, bandwidth=1e9))
        outputs = [net.exec("default/busybox", "wget -q --spider -T 3 nginx").output]
        outputs += [str(d) for d in net.drops()]
        return outputs

    first = run()
    assert first == run()
    assert any("link-loss" in line for line in first)


def test_counters_and_label_change_mid_run() -> None:
    from netsim.model import Labels

    cluster = walkthrough_cluster(same_node=True)
    net = Network(cluster, seed=6)
    cluster.add(default_deny())
    cluster.add(access_nginx())
    assert net.exec("default/busybox", WGET).exit_code == 1
    # Labelling the pod access=true makes the access-nginx peer match for new connections.
    pod = cluster.pods["default/busybox"]
    cluster.apply(pod.relabelled(Labels.of(run="busybox", access="true")))
    assert net.exec("default/busybox", WGET).exit_code == 0

    counters = net.counters()
    assert counters.rules["default/access-nginx spec.ingress[0].from[0]"] == 1
    assert counters.drops["policy-ingress"] == 1
    assert counters.policy_drops["default/access-nginx,default/default-deny"] == 1
    assert counters.interfaces["default/busybox eth0"] > 0
    # SYN, ACK, request, FIN/ACKs and every reply: all packets of the allowed flow.
    assert counters.rule_packets["default/access-nginx spec.ingress[0].from[0]"] >= 6
    assert (
        counters.drops_at["default/nginx-701339712-e0qfq ingress"]
        + counters.drops_at["default/nginx-701339712-o00ef ingress"]
        == 1
    )
    assert counters.as_dict()["packets"] == counters.packets > 0


def test_runs_are_identical_across_interpreters_and_hash_seeds(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    script = (
        "import hashlib, sys\n"
        "sys.path.insert(0, 'tests')\n"
        "from sim.clusters import walkthrough_cluster, default_deny\n"
        "from netsim.sim.network import Network\n"
        "c = walkthrough_cluster(same_node=False)\n"
        "net = Network(c, seed=5)\n"
        "out = net.exec('default/busybox', 'wget --spider -T 1 nginx').output\n"
        "c.add(default_deny())\n"
        "out += net.exec('default/busybox', 'wget --spider -T 3 nginx').output\n"
        "net.write_pcap(sys.argv[1])\n"
        "print(hashlib.sha256(out.encode() + open(sys.argv[1], 'rb').read()).hexdigest())\n"
    )
    root = Path(__file__).resolve().parents[2]
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / f"{hash_seed}.pcap")],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        digests.add(done.stdout.strip())
    assert len(digests) == 1


def test_bridge_learns_macs_and_floods_unknown_unicast() -> None:
    cluster = walkthrough_cluster(same_node=True)
    net = Network(cluster, seed=1)
    server = cluster.pods["default/nginx-701339712-e0qfq"]
    assert net.exec("default/busybox", f"wget -q --spider -T 1 {server.ip}").exit_code == 0
    node = net.nodes["node-1"]
    client = net.hosts["default/busybox"]
    # ARP and traffic taught the bridge where both pods are.
    assert node.fdb[client.mac] == "default/busybox"
    assert node.fdb[net.hosts[server.key].mac] == server.key
    bystander = "default/busybox-access eth0"
    seen_before = len(net.captured(bystander))
    del node.fdb[net.hosts[server.key].mac]  # as if the entry aged out
    assert net.exec("default/busybox", f"wget -q --spider -T 1 {server.ip}").exit_code == 0
    flooded = net.captured(bystander)[seen_before:]
    assert flooded and flooded[0].frame.dst == net.hosts[server.key].ip
    assert node.fdb[net.hosts[server.key].mac] == server.key, "relearned from the reply"
