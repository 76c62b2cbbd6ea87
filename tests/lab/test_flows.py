"""Representative flows: cuts at every port and address boundary."""

from __future__ import annotations

from pathlib import Path

from netsim.addr import Prefix
from netsim.lab.checkspec import PortRange
from netsim.lab.flows import Flow, address_points, port_cuts, ports_in, verdict_table
from netsim.lab.grade import start
from netsim.model.cluster import Cluster
from netsim.model.load import load_cluster
from netsim.policy.engine import PolicyEngine

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


ADMIN = Path(__file__).parents[1] / "insight" / "fixtures" / "admin"


def admin_cluster(*policies: str) -> Cluster:
    """tests/insight/fixtures/admin's topology (app/web, app/api; data/db and
    data/db-replica with named ports pg 5432/TCP and metrics 9187/TCP) plus ``policies``."""
    return load_cluster([ADMIN / "topology.yaml", *(ADMIN / p for p in policies)])


def test_port_cuts_include_cluster_policy_ports() -> None:
    # The ANP's portRange TCP 5432-5440 cuts at 5432 and 5441; the BANP's namedPort
    # metrics resolves on the db pods to 9187/TCP only (cuts 9187, 9188; none in UDP).
    cluster = admin_cluster("anp-deny-db-ports.yaml", "banp-deny-metrics.yaml")
    assert port_cuts([cluster], "TCP") == (1, 5432, 5441, 9187, 9188, 65535)
    assert port_cuts([cluster], "UDP") == (1, 65535)
    # A mutant without the policies is compared on the solution's cuts.
    assert port_cuts([admin_cluster(), cluster], "TCP") == port_cuts([cluster], "TCP")


def test_verdict_table_tells_a_cluster_policy_change_apart() -> None:
    """Two answers that differ only by the ANP: web -> db is denied on 5432 (a port in
    the range) with it and allowed without; 5441, just past the range, is allowed in both.
    Under the BANP, 9187 (metrics on db) is denied from every pod, 9188 allowed."""
    with_anp = admin_cluster("anp-deny-db-ports.yaml", "banp-deny-metrics.yaml")
    without = admin_cluster("banp-deny-metrics.yaml")
    both = [with_anp, without]
    tables = []
    for cluster in both:
        engine = PolicyEngine(cluster)
        try:
            tables.append(verdict_table(engine, both))
        finally:
            engine.close()
    table, other = tables
    assert table != other
    assert table[Flow("app/web", "data/db", "TCP", 5432)] is False
    assert other[Flow("app/web", "data/db", "TCP", 5432)] is True
    assert table[Flow("app/web", "data/db", "TCP", 5441)] is True
    assert table[Flow("app/api", "data/db", "TCP", 5432)] is True
    for t in tables:
        assert t[Flow("app/api", "data/db-replica", "TCP", 9187)] is False
        assert t[Flow("app/api", "data/db-replica", "TCP", 9188)] is True
        assert t[Flow("app/api", "data/db-replica", "UDP", 1)] is True
    assert {f for f in table if table[f] != other[f]} == {
        Flow("app/web", dst, "TCP", 5432) for dst in ("data/db", "data/db-replica")
    }
