"""busybox 1.36.1 nslookup (networking/nslookup.c): its texts, search rules and exit codes.

Expected texts are busybox's printf formats filled in by hand:
``Server:\\t\\t%s`` / ``Address:\\t%s`` (address:port) and a blank line before
the first reply; ``Name:\\t%s`` / ``Address: %s`` per record; ``** server
can't find %s: %s`` for an error rcode (exit 1); a blank line after every
reply; ``;; connection timed out; no servers could be reached`` and a blank
line when nothing answers (exit 1).
"""

from __future__ import annotations

import pytest

from netsim.sim.network import Network

from .clusters import NGINX_IP, default_deny, walkthrough_cluster

FQDN = "nginx.default.svc.cluster.local"


@pytest.fixture()
def net() -> Network:
    return Network(walkthrough_cluster(same_node=False), seed=21)


def dns_ip(net: Network) -> str:
    return net.cluster.services["kube-system/kube-dns"].cluster_ip


def header(server: str, address: str | None = None) -> str:
    return f"Server:\t\t{server}\nAddress:\t{address or server}:53\n\n"


def replies(text: str) -> list[str]:
    """The replies in nslookup's output: each one's lines up to the blank line after it."""
    blocks: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        if line:
            current.append(line)
        else:
            blocks.append("\n".join(current))
            current = []
    assert not current, "every reply ends with a blank line"
    return blocks


def test_a_service_name_gives_its_cluster_ip(net: Network) -> None:
    result = net.exec("default/busybox", f"nslookup {FQDN}")
    # A answer, then the AAAA query's empty (NODATA) answer: only its blank line.
    assert result.output == header(dns_ip(net)) + f"Name:\t{FQDN}\nAddress: {NGINX_IP}\n\n\n"
    assert result.exit_code == 0


def test_a_short_name_is_asked_in_every_search_domain_and_never_bare(net: Network) -> None:
    result = net.exec("default/busybox", "nslookup nginx")
    assert result.output.startswith(header(dns_ip(net)))
    blocks = replies(result.output[len(header(dns_ip(net))) :])
    expected = [
        f"Name:\t{FQDN}\nAddress: {NGINX_IP}",
        "** server can't find nginx.svc.cluster.local: NXDOMAIN",
        "** server can't find nginx.cluster.local: NXDOMAIN",
        "",  # AAAA nginx.default.svc.cluster.local: NOERROR without records
        "** server can't find nginx.svc.cluster.local: NXDOMAIN",
        "** server can't find nginx.cluster.local: NXDOMAIN",
    ]
    assert sorted(blocks) == sorted(expected)
    assert "can't find nginx:" not in result.output
    assert result.exit_code == 1  # any error rcode sets busybox's exit code


def test_an_unknown_name_is_nxdomain_for_a_and_aaaa(net: Network) -> None:
    result = net.exec("default/busybox", "nslookup nosuch.default.svc.cluster.local")
    nx = "** server can't find nosuch.default.svc.cluster.local: NXDOMAIN\n\n"
    assert result.output == header(dns_ip(net)) + nx + nx
    assert result.exit_code == 1


def test_a_dotted_name_gets_no_search(net: Network) -> None:
    result = net.exec("default/busybox", "nslookup nginx.default")
    nx = "** server can't find nginx.default: NXDOMAIN\n\n"
    assert result.output == header(dns_ip(net)) + nx + nx


def test_an_explicit_server_reads_no_resolv_conf(net: Network) -> None:
    server = dns_ip(net)
    result = net.exec("default/busybox", f"nslookup nginx {server}")
    nx = "** server can't find nginx: NXDOMAIN\n\n"
    assert result.output == header(server) + nx + nx
    named = net.exec("default/busybox", f"nslookup {FQDN} kube-dns.kube-system")
    assert named.output.startswith(header("kube-dns.kube-system", server))
    bad = net.exec("default/busybox", "nslookup nginx nosuchserver")
    assert (bad.output, bad.exit_code) == ("nslookup: bad address 'nosuchserver'\n", 1)


def test_default_deny_egress_times_out(net: Network) -> None:
    net.cluster.add(default_deny(types=("Egress",)))
    result = net.exec("default/busybox", f"nslookup {FQDN}")
    assert result.output == ";; connection timed out; no servers could be reached\n\n"
    assert result.exit_code == 1
    assert result.ended - result.started == pytest.approx(5.0, abs=0.01)  # -timeout=5 default
    short = net.exec("default/busybox", f"nslookup -timeout=2 -retry=1 {FQDN}")
    assert short.ended - short.started == pytest.approx(2.0, abs=0.01)
    assert net.drops()


def test_an_address_is_a_ptr_query(net: Network) -> None:
    result = net.exec("default/busybox", f"nslookup {NGINX_IP}")
    # make_ptr reverses the octets; the simulated CoreDNS has no PTR records.
    assert result.output == header(dns_ip(net)) + (
        "** server can't find 16.0.100.10.in-addr.arpa: NXDOMAIN\n\n"
    )


def test_usage_and_bad_options(net: Network) -> None:
    usage = net.exec("default/busybox", "nslookup")
    assert usage.output.startswith("BusyBox v1.36.1")
    assert "Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n" in usage.output
    assert usage.exit_code == 1
    bad = net.exec("default/busybox", "nslookup -type=bogus nginx")
    assert (bad.output, bad.exit_code) == ('nslookup: invalid query type "bogus"\n', 1)
    only_a = net.exec("default/busybox", f"nslookup -type=a {FQDN}")
    assert only_a.output == header(dns_ip(net)) + f"Name:\t{FQDN}\nAddress: {NGINX_IP}\n\n"


def test_nodes_ask_their_stub_resolver_for_outside_names(net: Network) -> None:
    net.add_external_host("web", "203.0.113.80", dns_name="example.com")
    result = net.exec("node/node-1", "nslookup example.com")
    non_auth = "Non-authoritative answer:\n"
    assert result.output == (
        header("127.0.0.53")
        + non_auth
        + "Name:\texample.com\nAddress: 203.0.113.80\n\n"
        + non_auth
        + "\n"
    )
    assert result.exit_code == 0
    inside = net.exec("node/node-1", f"nslookup {FQDN} {dns_ip(net)}")
    assert inside.output == header(dns_ip(net)) + f"Name:\t{FQDN}\nAddress: {NGINX_IP}\n\n\n"


def test_ipv6_answers_and_server_address() -> None:
    from netsim.addr import Prefix
    from netsim.model import Cluster, Labels, Node, Pod, Service, ServicePort

    cluster = Cluster(service_cidr=Prefix.parse("fd00:10:96::/112"))
    cluster.add(Node("node-1", "fc00:f853:ccd:e793::2", Prefix.parse("fd00:10:244:1::/64")))
    cluster.ensure_namespace("default")
    cluster.add(Pod("web", "default", labels=Labels.of(app="web"), node="node-1"))
    cluster.add(
        Service("web", "default", ports=(ServicePort(80, 80),), selector=Labels.of(app="web"))
    )
    cluster.add(Pod("client", "default", node="node-1"))
    net = Network(cluster, seed=1)
    vip = cluster.services["default/web"].cluster_ip
    server = cluster.services["kube-system/kube-dns"].cluster_ip
    result = net.exec("default/client", "nslookup web.default.svc.cluster.local")
    assert result.output == (
        f"Server:\t\t{server}\nAddress:\t[{server}]:53\n\n"
        f"\nName:\tweb.default.svc.cluster.local\nAddress: {vip}\n\n"
    )


def test_same_seed_same_output_and_packets() -> None:
    def run() -> tuple[str, list[bytes]]:
        net = Network(walkthrough_cluster(same_node=False), seed=5)
        output = net.exec("default/busybox", "nslookup nginx").output
        return output, [c.frame.payload for c in net.captured() if c.frame.dport == 53]

    first = run()
    assert first == run()
    assert first[1]
