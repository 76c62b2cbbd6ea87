"""Endpoint resolution and Service DNAT targets."""

from __future__ import annotations

import pytest

from netsim.errors import LookupFailed
from netsim.model import ContainerPort, Labels, Pod
from netsim.policy.endpoint import resolve, service_targets
from netsim.policy.profile import UPSTREAM, Profile

from .helpers import NODE1, OUTSIDE, A, small_cluster


def test_resolve_forms() -> None:
    cluster = small_cluster()
    assert resolve(cluster, "x/a", UPSTREAM).kind == "pod"
    assert str(resolve(cluster, A, UPSTREAM)) == "x/a"
    assert str(resolve(cluster, "node:node-1", UPSTREAM)) == "node:node-1"
    assert resolve(cluster, NODE1, UPSTREAM).kind == "node"
    assert resolve(cluster, OUTSIDE, UPSTREAM).kind == "external"
    assert resolve(cluster, "2001:db8::1", UPSTREAM).version == 6


def test_unknown_names_fail_clearly() -> None:
    cluster = small_cluster()
    with pytest.raises(LookupFailed, match='pods "x/zz" not found'):
        resolve(cluster, "x/zz", UPSTREAM)
    with pytest.raises(LookupFailed, match="nodes"):
        resolve(cluster, "node:nope", UPSTREAM)
    with pytest.raises(LookupFailed):
        resolve(cluster, "nonsense", UPSTREAM)


def test_host_network_pod_by_name_depends_on_profile() -> None:
    cluster = small_cluster()
    cluster.add(Pod("agent", "x", node="node-1", host_network=True))
    assert resolve(cluster, "x/agent", UPSTREAM).kind == "node"
    assert resolve(cluster, "x/agent", Profile("p", host_network="pod")).kind == "pod"


def test_named_target_port_is_resolved_per_backend() -> None:
    cluster = small_cluster()
    cluster.add(
        Pod("b2", "x", Labels.of(app="b"), "node-2", "", (ContainerPort(9090, "TCP", "http"),))
    )
    targets = service_targets(cluster, "x/web", 8000, "TCP")
    assert [(t.backend.key, t.port) for t in targets] == [("x/b", 8080), ("x/b2", 9090)]
    with pytest.raises(LookupFailed, match="no port 8001/TCP"):
        service_targets(cluster, "x/web", 8001, "TCP")
    with pytest.raises(LookupFailed, match='services "x/nope" not found'):
        service_targets(cluster, "x/nope", 80, "TCP")


def test_ipv4_mapped_ipv6_is_the_ipv4_address_everywhere() -> None:
    # Go's net.IP.To4 (apiserver, kube-proxy, CNIs): ::ffff:a.b.c.d is a.b.c.d (addr.unmap)
    cluster = small_cluster()
    mapped = resolve(cluster, f"::ffff:{A}", UPSTREAM)
    plain = resolve(cluster, A, UPSTREAM)
    assert (mapped.kind, mapped.version, mapped.value, str(mapped)) == (
        "pod",
        4,
        plain.value,
        "x/a",
    )
    outside = resolve(cluster, f"::ffff:{OUTSIDE}", UPSTREAM)
    assert (outside.kind, outside.version) == ("external", 4)


def test_mapped_prefixes_follow_go_ipnet() -> None:
    from netsim.addr import Prefix, parse_ip
    from netsim.model.validate import parse_cidr_sloppy

    assert str(Prefix.parse("::ffff:10.0.0.0/104")) == "10.0.0.0/8"
    assert Prefix.parse("10.0.0.0/8").contains_ip(*parse_ip("::ffff:10.1.2.3"))
    assert Prefix.parse("::ffff:10.0.0.0/104").contains_ip(*parse_ip("10.1.2.3"))
    short = Prefix.parse("::ffff:0:0/80")  # shorter than 96: stays IPv6, holds no IPv4
    assert short.version == 6 and not short.contains_ip(*parse_ip("10.1.2.3"))
    parsed = parse_cidr_sloppy("::ffff:10.0.0.0/104")
    assert parsed is not None and str(parsed[1]) == "10.0.0.0/8"
