"""busybox tools print what busybox prints (networking/wget.c, nc_bloaty.c, ping.c)."""

from __future__ import annotations

import pytest

from netsim.errors import UnsupportedError
from netsim.model import ContainerPort, Pod
from netsim.sim.network import Network

from .clusters import NGINX_IP, default_deny, walkthrough_cluster


@pytest.fixture()
def net() -> Network:
    cluster = walkthrough_cluster(same_node=False)
    cluster.add(
        Pod(
            "udp-echo",
            "default",
            node="node-2",
            container_ports=(ContainerPort(5353, "UDP"), ContainerPort(9000, "SCTP")),
        )
    )
    return Network(cluster, seed=21)


def test_wget_refused_on_a_closed_port(net: Network) -> None:
    server = net.cluster.pods["default/nginx-701339712-e0qfq"].ip
    result = net.exec("default/busybox", f"wget -T 1 http://{server}:81/")
    assert result.output == (
        f"Connecting to {server}:81 ({server}:81)\n"
        f"wget: can't connect to remote host ({server}): Connection refused\n"
    )
    assert result.exit_code == 1


def test_wget_http_error_and_quiet(net: Network) -> None:
    result = net.exec("default/busybox", "wget -q -T 1 nginx/missing")
    assert result.output == "wget: server returned error: HTTP/1.1 404 Not Found\n"
    assert result.exit_code == 1
    assert net.exec("default/busybox", "wget -q --spider nginx").output == ""


def test_wget_bad_address_for_an_unknown_service(net: Network) -> None:
    result = net.exec("default/busybox", "wget --spider -T 1 nosuch")
    assert result.output == "wget: bad address 'nosuch'\n"
    assert result.exit_code == 1


def test_wget_fully_qualified_and_namespaced_names(net: Network) -> None:
    for name in ("nginx.default", "nginx.default.svc.cluster.local"):
        result = net.exec("default/busybox", f"wget --spider -T 1 {name}")
        assert result.output == f"Connecting to {name} ({NGINX_IP}:80)\nremote file exists\n"


def test_nc_zero_io(net: Network) -> None:
    quiet = net.exec("default/busybox", "nc -z -w 1 nginx 80")
    assert (quiet.output, quiet.exit_code) == ("", 0)
    verbose = net.exec("default/busybox", "nc -zv -w 1 nginx 80")
    assert verbose.output == f"nginx ({NGINX_IP}:80) open\n"
    net.cluster.add(default_deny())
    denied = net.exec("default/busybox", "nc -z -w 1 nginx 80")
    assert (denied.output, denied.exit_code) == ("", 1)
    assert denied.ended - denied.started == pytest.approx(1.0, abs=0.01)
    loud = net.exec("default/busybox", "nc -zv -w 1 nginx 80")
    assert loud.output == f"nc: nginx ({NGINX_IP}:80): Connection timed out\n"


def test_nc_refused_is_silent_at_one_v(net: Network) -> None:
    server = net.cluster.pods["default/nginx-701339712-e0qfq"].ip
    one = net.exec("default/busybox", f"nc -zv -w 1 {server} 81")
    assert (one.output, one.exit_code) == ("", 1)
    two = net.exec("default/busybox", f"nc -zvv -w 1 {server} 81")
    # nc_bloaty.c ends every run at -vv with "sent N, rcvd M" (SENT_N_RECV_M)
    assert two.output == f"nc: {server} ({server}:81): Connection refused\nsent 0, rcvd 0\n"


def test_ping_replies_and_loss(net: Network) -> None:
    server = net.cluster.pods["default/nginx-701339712-e0qfq"].ip  # node-1; busybox is on node-2
    result = net.exec("default/busybox", f"ping -c 2 {server}")
    lines = result.output.splitlines()
    assert lines[0] == f"PING {server} ({server}): 56 data bytes"
    assert lines[1].startswith(f"64 bytes from {server}: seq=0 ttl=62 time=")
    assert lines[2].startswith(f"64 bytes from {server}: seq=1 ttl=62 time=")
    assert lines[4] == f"--- {server} ping statistics ---"
    assert lines[5] == "2 packets transmitted, 2 packets received, 0% packet loss"
    assert lines[6].startswith("round-trip min/avg/max = ")
    assert result.exit_code == 0
    # A ClusterIP is virtual: kube-proxy has no rule for ICMP, nothing answers.
    lost = net.exec("default/busybox", "ping -c 1 -W 1 nginx")
    assert lost.output == (
        f"PING nginx ({NGINX_IP}): 56 data bytes\n\n"
        "--- nginx ping statistics ---\n"
        "1 packets transmitted, 0 packets received, 100% packet loss\n"
    )
    assert lost.exit_code == 1
    with pytest.raises(UnsupportedError):
        net.exec("default/busybox", "ping nginx")


def test_unknown_command(net: Network) -> None:
    result = net.exec("default/busybox", "curl nginx")
    assert (result.output, result.exit_code) == ("sh: curl: not found\n", 127)


def test_udp_echo_and_sctp_probe(net: Network) -> None:
    target = net.cluster.pods["default/udp-echo"].ip
    assert net.probe("default/busybox", target, 5353, "UDP") == "connected"
    assert net.probe("default/busybox", target, 5354, "UDP") == "timeout"
    assert net.probe("default/busybox", target, 9000, "SCTP") == "connected"
    assert net.probe("default/busybox", target, 9001, "SCTP") == "refused"
    assert net.probe("default/busybox", target, 80, "TCP") == "refused"
    assert net.probe("default/busybox", NGINX_IP, 80, "TCP") == "connected"


def test_exec_in_unknown_pod_is_a_lookup_error(net: Network) -> None:
    from netsim.errors import LookupFailed

    with pytest.raises(LookupFailed, match='pods "nope" not found'):
        net.exec("default/nope", "wget nginx")


def test_wget_option_bundles_as_getopt_parses_them(net: Network) -> None:
    body = net.exec("default/busybox", "wget -qO- -T1 http://nginx")
    assert body.output.startswith("<!DOCTYPE html>")
    assert body.exit_code == 0
    stdout = net.exec("default/busybox", "wget -O - --timeout 2 nginx")
    assert stdout.output.splitlines()[1] == "writing to stdout"
    assert stdout.output.splitlines()[-1] == "written to stdout"
    bad = net.exec("default/busybox", "wget -x nginx")
    assert (bad.output, bad.exit_code) == ("wget: invalid option -- 'x'\n", 1)


def test_ping_replies_follow_conntrack_when_icmp_is_filtered() -> None:
    from netsim.model import LabelSelector, NetworkPolicy
    from netsim.policy.profile import Profile

    cluster = walkthrough_cluster(same_node=False)
    # busybox is ingress-isolated with no rules: only replies to its own flows reach it.
    cluster.add(NetworkPolicy("isolate-busybox", "default", LabelSelector((("run", "busybox"),))))
    net = Network(cluster, seed=2, profile=Profile(name="icmp", filter_icmp=True))
    server = cluster.pods["default/nginx-701339712-e0qfq"].ip
    result = net.exec("default/busybox", f"ping -c 1 -W 1 {server}")
    assert "1 packets transmitted, 1 packets received, 0% packet loss" in result.output
    busybox = cluster.pods["default/busybox"].ip
    back = net.exec("default/nginx-701339712-e0qfq", f"ping -c 1 -W 1 {busybox}")
    assert "1 packets transmitted, 0 packets received, 100% packet loss" in back.output
    assert net.drops()[-1].protocol == "ICMP"
    assert net.drops()[-1].reason.startswith("policy-ingress")


def test_serve_starts_a_server_on_any_port(net: Network) -> None:
    busybox_ip = net.cluster.pods["default/busybox"].ip
    assert net.probe("default/busybox-access", busybox_ip, 8080) == "refused"
    net.serve("default/busybox", 8080)
    net.serve("default/busybox", 7000, "UDP")
    assert net.probe("default/busybox-access", busybox_ip, 8080) == "connected"
    assert net.probe("default/busybox-access", busybox_ip, 7000, "UDP") == "connected"
