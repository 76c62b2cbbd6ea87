"""Representative flows: cuts at every port and address boundary."""

from __future__ import annotations

from netsim.addr import Prefix
from netsim.lab.checkspec import PortRange
from netsim.lab.flows import address_points, port_cuts, ports_in, verdict_table
from netsim.lab.grade import start
from netsim.model.cluster import Cluster

from .helpers import mini

POLICY = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "p", "namespace": "default"},
    "spec": {
        "podSelector": {},
        "ingress": [
            {
                "from": [{"ipBlock": {"cidr": "192.168.0.0/16", "except": ["192.168.1.0/24"]}}],
                "ports": [
                    {"port": 1000, "endPort": 2000},
                    {"port": "http"},
                    {"port": 53, "protocol": "UDP"},
                ],
            }
        ],
    },
}


def cluster_with_policy() -> Cluster:
    runner = start(mini())
    runner.kubectl.manifests("apply", [POLICY], "test")
    return runner.cluster


def test_port_cuts() -> None:
    cluster = cluster_with_policy()
    assert port_cuts([cluster], "TCP") == (1, 80, 81, 1000, 1001, 2001, 65535)
    assert port_cuts([cluster], "UDP") == (1, 53, 54, 65535)
    assert port_cuts([cluster], "SCTP") == (1, 65535)
    assert ports_in((1, 80, 81, 65535), [PortRange(50, 100)]) == (50, 80, 81)
    assert ports_in((1, 80), None) == (1, 80)


def test_address_points_cut_at_ipblock_edges() -> None:
    cluster = cluster_with_policy()
    found = [p.ip for p in address_points([cluster], Prefix.parse("192.168.0.0/16"))]
    assert found == ["192.168.0.0", "192.168.1.0", "192.168.2.0"]
    everything = address_points([cluster], Prefix.parse("0.0.0.0/0"))
    pods = {p.label for p in everything if p.is_pod}
    assert {"default/web", "default/client", "default/other"} <= pods


def test_verdict_table_names_flows_by_labels() -> None:
    runner = start(mini())
    try:
        table = verdict_table(runner.hook.engine, [runner.cluster])
        assert table
        assert all("/" in f.src or f.src[0].isdigit() for f in table)
        assert not any(f.src == f.dst for f in table)
    finally:
        runner.close()
