"""Cluster DNS answers and the glibc search order the kubelet's resolv.conf gives."""

from __future__ import annotations

from netsim.model import Cluster, Labels, Pod, Service, ServicePort
from netsim.sim.dns import ClusterDns, candidates, search_path
from netsim.sim.packet import QTYPE_A, QTYPE_AAAA, RCODE_NOERROR, RCODE_NXDOMAIN, DnsQuestion


def test_search_order_with_ndots_5() -> None:
    search = search_path("default", "cluster.local")
    assert search == ("default.svc.cluster.local", "svc.cluster.local", "cluster.local")
    assert candidates("nginx", search) == [
        "nginx.default.svc.cluster.local",
        "nginx.svc.cluster.local",
        "nginx.cluster.local",
        "nginx",
    ]
    assert candidates("a.b.c.d.e.f", search)[0] == "a.b.c.d.e.f"
    assert candidates("nginx.default.svc.cluster.local.", search) == [
        "nginx.default.svc.cluster.local"
    ]


def test_answers() -> None:
    cluster = Cluster()
    cluster.add_default_node()
    cluster.ensure_namespace("default")
    cluster.add(Pod("p", "default", labels=Labels.of(app="h")))
    cluster.add(Service("web", "default", ports=(ServicePort(80, 80),), cluster_ip="10.100.0.16"))
    cluster.add(
        Service(
            "headless",
            "default",
            ports=(ServicePort(80, 80),),
            selector=Labels.of(app="h"),
            cluster_ip="None",
        )
    )
    dns = ClusterDns(cluster)

    def ask(name: str, qtype: int = QTYPE_A) -> tuple[int, list[str]]:
        return dns.answer(DnsQuestion(1, name, qtype))

    assert ask("web.default.svc.cluster.local") == (RCODE_NOERROR, ["10.100.0.16"])
    assert ask("web.default.svc.cluster.local", QTYPE_AAAA) == (RCODE_NOERROR, [])
    assert ask("headless.default.svc.cluster.local") == (
        RCODE_NOERROR,
        [cluster.pods["default/p"].ip],
    )
    assert ask("web.svc.cluster.local")[0] == RCODE_NXDOMAIN
    assert ask("web.other.svc.cluster.local")[0] == RCODE_NXDOMAIN
    assert ask("web")[0] == RCODE_NXDOMAIN
    dns.external["example.com"] = "203.0.113.80"
    assert ask("example.com") == (RCODE_NOERROR, ["203.0.113.80"])


def test_a_name_dns_cannot_carry_is_a_bad_address_without_a_query() -> None:
    # A label over 63 octets (RFC 1035 2.3.4): res_mkquery fails, nothing goes on the wire.
    from netsim.sim.network import Network

    cluster = Cluster()
    cluster.add_default_node()
    cluster.ensure_namespace("default")
    cluster.add(Pod("client", "default"))
    net = Network(cluster, seed=1)
    name = "a" * 64
    result = net.exec("default/client", f"wget --spider -T 1 http://{name}/")
    assert result.output == f"wget: bad address '{name}'\n"
    assert result.exit_code == 1
    assert net.captured("default/client eth0") == []
