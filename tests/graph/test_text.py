"""Port classes, the reach, the graph model and the DOT/Mermaid text on the shop cluster."""

from __future__ import annotations

import pytest

from netsim.errors import NetsimError
from netsim.graph.build import build_graph
from netsim.graph.ports import PortClass, all_port_classes, format_ports
from netsim.graph.render import analyse, render
from netsim.model.cluster import Cluster
from netsim.policy.engine import PolicyEngine
from netsim.policy.portcuts import merge_intervals


def test_format_ports() -> None:
    assert format_ports({"TCP": [(80, 80), (443, 443), (8000, 8999)]}) == "TCP 80,443,8000-8999"
    full = [(1, 65535)]
    assert format_ports({"TCP": full, "UDP": full, "SCTP": full}) == "all"
    assert format_ports({"TCP": full, "UDP": [(53, 53)]}) == "TCP all; UDP 53"
    assert format_ports({}) == "none"
    assert merge_intervals([(5, 9), (1, 3), (4, 4), (20, 30)]) == ((1, 9), (20, 30))


def test_port_classes_cover_every_port(shop: Cluster) -> None:
    """TCP is cut at 80 and 8080 (http resolves to them on web and api), 5432 and
    9000-9001; every other TCP port is one "any other port" class; UDP and SCTP are
    named by no policy, so one class each."""
    classes = all_port_classes(PolicyEngine(shop))
    assert classes == [
        PortClass("TCP", ((1, 79), (81, 5431), (5433, 8079), (8081, 8999), (9002, 65535))),
        PortClass("TCP", ((80, 80),)),
        PortClass("TCP", ((5432, 5432),)),
        PortClass("TCP", ((8080, 8080),)),
        PortClass("TCP", ((9000, 9001),)),
        PortClass("UDP", ((1, 65535),)),
        PortClass("SCTP", ((1, 65535),)),
    ]


def test_pod_graph_by_hand(shop: Cluster) -> None:
    """web-1 and web-2 reach each other and everything else alike: one clique node.
    Drawn edges: web -> api on http (8080 on api, not web's own 80) and 9000-9001;
    api -> db on 5432. Edges into web and monitor (ingress open) from pods whose egress
    is open are implied and not drawn: 6 node pairs."""
    graph = build_graph(analyse(shop, "pod").reach)
    assert [(n.namespace, n.label, n.badge, n.self_ports) for n in graph.nodes] == [
        ("ops", "monitor", "open", ""),
        ("shop", "api", "open egress", ""),
        ("shop", "db", "open egress", ""),
        ("shop", "web-1, web-2", "open", "all"),
    ]
    assert [(e.src, e.dst, e.ports, e.allowed, e.pairs) for e in graph.edges] == [
        ("clique:shop/web-1", "shop/api", "TCP 8080,9000-9001", 2, 2),
        ("shop/api", "shop/db", "TCP 5432", 1, 1),
    ]
    assert graph.implied == 6


def test_mermaid_text(shop: Cluster) -> None:
    assert render(shop, "mermaid", group_by="pod").decode() == (
        "flowchart LR\n"
        '  subgraph ns0["ops"]\n'
        '    n0(["monitor<br/>(open)"])\n'
        "  end\n"
        '  subgraph ns1["shop"]\n'
        '    n1(["api<br/>(open egress)"])\n'
        '    n2(["db<br/>(open egress)"])\n'
        '    n3(["web-1, web-2<br/>↺ all<br/>(open)"])\n'
        "  end\n"
        '  n3 -->|"TCP 8080,9000-9001"| n1\n'
        '  n1 -->|"TCP 5432"| n2\n'
    )


def test_namespace_dot_marks_partial_edges(shop: Cluster) -> None:
    """By namespace: monitor reaches web-1 and web-2 but not api or db, so ops -> shop is
    2 of 4 pod pairs (dashed). Inside shop 9 of 12 ordered pairs are allowed (all but
    web-1/web-2 -> db and db -> api). shop -> ops is implied (open egress, open ingress)."""
    analysis = analyse(shop, "namespace")
    groups = [g.key for g in analysis.reach.grouping.groups]
    assert groups == ["ops", "shop"]
    assert analysis.reach.allowed.tolist() == [[0, 2], [4, 9]]
    assert analysis.reach.pairs.tolist() == [[0, 4], [4, 12]]
    dot = render(shop, "dot", group_by="namespace").decode()
    assert 'n0 -> n1 [label="all", style=dashed' in dot
    assert "n1 -> n0" not in dot
    assert 'n1 [label="shop\\n↺ all\\n(open egress)"' in dot
    assert dot.count("subgraph cluster_") == 2
    assert render(shop, "dot", group_by="namespace") == dot.encode()


def test_workload_grouping_and_ports_option(shop: Cluster) -> None:
    """The two web pods are one workload (same labels); restricted to TCP 5432 only
    api -> db is allowed among isolated ends."""
    graph = build_graph(analyse(shop, "workload", ports=[("TCP", 5432)]).reach)
    web = next(n for n in graph.nodes if n.label == "web")
    assert web.pods == 2 and web.self_ports == "TCP 5432"
    assert [(e.src, e.dst, e.ports) for e in graph.edges] == [
        ("shop/labels/app=api", "shop/labels/app=db", "TCP 5432")
    ]


def test_focus_and_direction(shop: Cluster) -> None:
    reach = analyse(shop, "pod").reach
    graph = build_graph(reach, ["shop/db"], "in")
    assert [n.label for n in graph.nodes] == ["api", "db"]
    assert build_graph(reach, ["shop/db"], "out").edges == ()
    with pytest.raises(NetsimError, match="--focus nope"):
        build_graph(reach, ["nope"])


def test_unconnected_nodes_are_kept(shop: Cluster) -> None:
    """monitor reaches nothing isolated and nothing isolated reaches it: still a node."""
    graph = build_graph(analyse(shop, "pod").reach)
    assert any(n.label == "monitor" for n in graph.nodes)
    assert graph.frames == ("ops", "shop")
