"""cat, hostname, ip, echo, true, false as busybox 1.36.1 prints them in a pod.

The files are the kubelet's (pkg/kubelet/kubelet_pods.go managedHostsFileContent)
and containerd's (resolv.conf: search, nameserver, options); the ``ip addr``
lines follow busybox's ipaddress.c print_linkinfo/print_addrinfo formats.
"""

from __future__ import annotations

import pytest

from netsim.model import Pod
from netsim.sim.network import Network

from .clusters import walkthrough_cluster

POD_IP = "10.244.2.3"  # busybox on node-2 (10.244.2.0/24) in the walkthrough cluster


@pytest.fixture()
def net() -> Network:
    network = Network(walkthrough_cluster(same_node=False), seed=3)
    assert network.cluster.pods["default/busybox"].ip == POD_IP
    return network


def run(net: Network, command: str, host: str = "default/busybox") -> tuple[str, int]:
    result = net.exec(host, command)
    assert result.ended == result.started  # no simulated time passes
    return result.output, result.exit_code


def test_resolv_conf_is_the_kubelets_cluster_first_file(net: Network) -> None:
    dns = net.cluster.services["kube-system/kube-dns"].cluster_ip
    assert run(net, "cat /etc/resolv.conf") == (
        "search default.svc.cluster.local svc.cluster.local cluster.local\n"
        f"nameserver {dns}\n"
        "options ndots:5\n",
        0,
    )


def test_hosts_and_hostname(net: Network) -> None:
    assert run(net, "cat /etc/hosts") == (
        "# Kubernetes-managed hosts file.\n"
        "127.0.0.1\tlocalhost\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\n"
        "fe00::0\tip6-localnet\n"
        "fe00::0\tip6-mcastprefix\n"
        "fe00::1\tip6-allnodes\n"
        "fe00::2\tip6-allrouters\n"
        f"{POD_IP}\tbusybox\n",
        0,
    )
    assert run(net, "cat /etc/hostname") == ("busybox\n", 0)
    assert run(net, "cat etc/hostname") == ("busybox\n", 0)  # the shell's cwd is /
    assert run(net, "hostname") == ("busybox\n", 0)
    assert run(net, "hostname -i") == (f"{POD_IP}\n", 0)
    assert run(net, "hostname -s") == ("busybox\n", 0)
    assert run(net, "hostname other") == ("hostname: sethostname: Operation not permitted\n", 1)


def test_a_long_pod_name_is_cut_to_63_characters(net: Network) -> None:
    name = "a" * 62 + "-bcd"
    net.cluster.add(Pod(name, "default", node="node-1"))
    assert run(net, "hostname", f"default/{name}") == ("a" * 62 + "\n", 0)


def test_cat_errors_and_options(net: Network) -> None:
    assert run(net, "cat /etc/passwd-nope") == (
        "cat: can't open '/etc/passwd-nope': No such file or directory\n",
        1,
    )
    output, code = run(net, "cat /nope /etc/hostname")
    assert (output, code) == (
        "cat: can't open '/nope': No such file or directory\nbusybox\n",
        1,
    )
    assert run(net, "cat /etc") == ("cat: read error: Is a directory\n", 1)
    assert run(net, "cat -n /etc/hostname") == ("     1\tbusybox\n", 0)
    assert run(net, "cat -A /etc/hostname") == ("busybox$\n", 0)
    assert run(net, "cat") == ("", 0)


def test_ip_addr_in_a_pod(net: Network) -> None:
    expected = (
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000\n"
        "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
        "    inet 127.0.0.1/8 scope host lo\n"
        "       valid_lft forever preferred_lft forever\n"
        "    inet6 ::1/128 scope host \n"
        "       valid_lft forever preferred_lft forever\n"
        "2: eth0@if5: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue qlen 1000\n"
        "    link/ether 0a:58:0a:f4:02:03 brd ff:ff:ff:ff:ff:ff\n"
        "    inet 10.244.2.3/24 brd 10.244.2.255 scope global eth0\n"
        "       valid_lft forever preferred_lft forever\n"
        "    inet6 fe80::858:aff:fef4:203/64 scope link \n"
        "       valid_lft forever preferred_lft forever\n"
    )
    for command in ("ip addr", "ip a", "ip address show", "ip addr list", "busybox ip a"):
        assert run(net, command) == (expected, 0)
    assert run(net, "ip -4 a show eth0") == (
        "2: eth0@if5: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue qlen 1000\n"
        "    inet 10.244.2.3/24 brd 10.244.2.255 scope global eth0\n"
        "       valid_lft forever preferred_lft forever\n",
        0,
    )
    link, code = run(net, "ip link")
    assert code == 0
    assert link.splitlines() == [
        line for line in expected.splitlines() if line[0] != " " or "link/" in line
    ]


def test_ip_errors(net: Network) -> None:
    assert run(net, "ip a show dev eth9") == ("ip: can't find device 'eth9'\n", 1)
    assert run(net, "ip a dev eth0") == ("ip: invalid argument 'dev' to 'ip'\n", 1)
    assert run(net, "ip addr add 10.0.0.1/32 dev eth0") == (
        "ip: RTNETLINK answers: Operation not permitted\n",
        2,
    )
    usage, code = run(net, "ip")
    assert usage.startswith("BusyBox v1.36.1") and code == 1


def test_echo_true_false_and_no_curl(net: Network) -> None:
    assert run(net, "echo hello   world") == ("hello world\n", 0)
    assert run(net, "echo 'two  spaces'") == ("two  spaces\n", 0)
    assert run(net, "echo -n hi") == ("hi", 0)
    assert run(net, r"echo -e 'a\tb\c'") == ("a\tb", 0)
    assert run(net, "echo") == ("\n", 0)
    assert run(net, "true") == ("", 0)
    assert run(net, "false") == ("", 1)
    assert net.exec("default/busybox", "curl http://nginx").output == "sh: curl: not found\n"
    assert net.exec("default/busybox", "curl http://nginx").exit_code == 127


def test_nodes_and_external_hosts(net: Network) -> None:
    assert run(net, "hostname", "node/node-1") == ("node-1\n", 0)
    assert run(net, "cat /etc/resolv.conf", "node/node-1") == (
        "nameserver 127.0.0.53\nsearch .\n",
        0,
    )
    hosts, _ = run(net, "cat /etc/hosts", "node/node-1")
    assert hosts.endswith("172.18.0.2\tnode-1\n")
    assert "Kubernetes-managed" not in hosts
    output, _ = run(net, "ip -4 a", "node/node-1")
    assert output == (
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000\n"
        "    inet 127.0.0.1/8 scope host lo\n"
        "       valid_lft forever preferred_lft forever\n"
        "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue qlen 1000\n"
        "    inet 172.18.0.2/16 brd 172.18.255.255 scope global eth0\n"
        "       valid_lft forever preferred_lft forever\n"
        "3: cni0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue qlen 1000\n"
        "    inet 10.244.1.1/24 brd 10.244.1.255 scope global cni0\n"
        "       valid_lft forever preferred_lft forever\n"
    )
    net.add_external_host("laptop", "203.0.113.7")
    assert run(net, "hostname", "external/laptop") == ("laptop\n", 0)
