"""netsim graph with AdminNetworkPolicy / BaselineAdminNetworkPolicy (no NetworkPolicy).

The cluster is tests/insight/fixtures/admin: app/web (role=web), app/api (role=api),
data/db and data/db-replica (role=db, named ports pg 5432/TCP, metrics 9187/TCP). The
ANP (subject namespace data) denies ingress from role=web on TCP 5432-5440; the BANP
(subject namespace data) denies ingress from every pod on the named port metrics, which
resolves on the db pods to 9187/TCP. The admin Deny and the baseline Deny (no
NetworkPolicy isolates the db pods) both hold, so:

- web -> db pods: every port but TCP 5432-5440 and TCP 9187;
- api -> db pods, and db <-> db-replica: every port but TCP 9187;
- app pods' ingress and every egress are untouched (no policy has them as subject).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netsim.graph.build import build_graph
from netsim.graph.ports import PortClass, all_port_classes
from netsim.graph.render import analyse, render
from netsim.model.cluster import Cluster
from netsim.model.load import load_cluster
from netsim.policy.engine import PolicyEngine

ADMIN = Path(__file__).parents[1] / "insight" / "fixtures" / "admin"


@pytest.fixture
def admin() -> Cluster:
    """The topology with both cluster-wide policies."""
    return load_cluster(
        [
            ADMIN / "topology.yaml",
            ADMIN / "anp-deny-db-ports.yaml",
            ADMIN / "banp-deny-metrics.yaml",
        ]
    )


def test_port_classes_cut_at_cluster_policy_ports(admin: Cluster) -> None:
    # TCP 5432-5440 (the ANP range) and 9187 (metrics on the db pods) are classes of
    # their own; UDP and SCTP are one class each (metrics is a TCP port).
    assert all_port_classes(PolicyEngine(admin)) == [
        PortClass("TCP", ((1, 5431), (5441, 9186), (9188, 65535))),
        PortClass("TCP", ((5432, 5440),)),
        PortClass("TCP", ((9187, 9187),)),
        PortClass("UDP", ((1, 65535),)),
        PortClass("SCTP", ((1, 65535),)),
    ]


def test_pod_graph_draws_the_ports_cluster_policies_cut(admin: Cluster) -> None:
    """db and db-replica reach each other alike (all but TCP 9187): one clique node. The
    db pods are subjects of ingress rules, so not "open ingress": the edges into them are
    drawn. Implied (open egress to open ingress, not drawn): api <-> web, db pods -> api,
    db pods -> web."""
    graph = build_graph(analyse(admin, "pod").reach)
    everything_but_metrics = "TCP 1-9186,9188-65535; UDP all; SCTP all"
    assert [(n.id, n.badge, n.self_ports) for n in graph.nodes] == [
        ("app/api", "open", ""),
        ("app/web", "open", ""),
        ("clique:data/db", "open egress", everything_but_metrics),
    ]
    assert [(e.src, e.dst, e.ports, e.allowed, e.pairs) for e in graph.edges] == [
        ("app/api", "clique:data/db", everything_but_metrics, 2, 2),
        ("app/web", "clique:data/db", "TCP 1-5431,5441-9186,9188-65535; UDP all; SCTP all", 2, 2),
    ]
    assert graph.implied == 4


def test_graph_port_option_probes_inside_the_range(admin: Cluster) -> None:
    # --port 5435: web cannot reach the db pods, api can.
    text = render(admin, "mermaid", group_by="pod", ports=[("TCP", 5435)]).decode()
    assert "TCP 5435" in text
    graph = build_graph(analyse(admin, "pod", ports=[("TCP", 5435)]).reach)
    reached = {(e.src, e.dst) for e in graph.edges}
    assert ("app/web", "clique:data/db") not in reached
    assert ("app/api", "clique:data/db") in reached
