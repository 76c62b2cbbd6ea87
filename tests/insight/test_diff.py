"""netsim diff: equivalence of rewrites, exact rows on real edits (golden), grouping, ports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netsim.insight.diff import diff_clusters, fails, workload_of
from netsim.insight.diffreport import render
from netsim.insight.inputs import load_sides, with_topology
from netsim.insight.portset import PortIntervals
from netsim.model.labels import Labels
from netsim.model.objects import Pod

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
TOPOLOGY = str(FIXTURES / "shop-topology.yaml")
POLICIES = Path(__file__).parents[2] / "netsim" / "scenarios" / "policies"
GOLDEN = HERE / "golden"


def diff_files(old: Path, new: Path, group_by: str = "pod", form: str = "text") -> str:
    a, b = load_sides(str(old), str(new), [TOPOLOGY])
    return render(diff_clusters(a, b, group_by=group_by), form)  # type: ignore[arg-type]


@pytest.mark.parametrize("rewrite", ["expressions.yaml", "split.yaml"])
def test_rewrites_are_equivalent(rewrite: str) -> None:
    # matchLabels vs matchExpressions, a port range vs a list, peers and rules reordered,
    # one policy vs two, a named port vs its number: the same connections.
    a, b = load_sides(
        str(FIXTURES / "equiv" / "labels.yaml"), str(FIXTURES / "equiv" / rewrite), [TOPOLOGY]
    )
    diff = diff_clusters(a, b)
    assert diff.equivalent, render(diff, "text")
    assert not fails(diff, ["any"])


def test_a_real_difference_in_the_rewrite_is_found() -> None:
    # Dropping UDP 53 from the labels.yaml policy removes exactly UDP 53 from the two
    # admitted sources (front-1 in default, web-1 in the purpose=production namespace).
    text = (FIXTURES / "equiv" / "labels.yaml").read_text()
    edited = FIXTURES.parent / "_tmp_no_udp.yaml"
    edited.write_text(text.replace("    - {protocol: UDP, port: 53}\n", ""))
    try:
        a, b = load_sides(str(FIXTURES / "equiv" / "labels.yaml"), str(edited), [TOPOLOGY])
        diff = diff_clusters(a, b, group_by="pod")
    finally:
        edited.unlink()
    rows = {(c.change, c.src, c.dst, c.protocol, c.ports_text) for c in diff.changes}
    assert rows == {
        ("removed", "default/front-1", "default/api-1", "UDP", "53"),
        ("removed", "prod/web-1", "default/api-1", "UDP", "53"),
    }
    assert all(c.before is not None and c.before.policy == "default/api" for c in diff.changes)


@pytest.mark.parametrize(
    ("original", "edited", "group_by", "form", "golden"),
    [
        (
            "12-api-allow.yaml",
            "api-allow-coffeeshop.yaml",
            "pod",
            "json",
            "api-allow-coffeeshop.json",
        ),
        (
            "16-web-allow-external.yaml",
            "web-allow-external-8080.yaml",
            "pod",
            "text",
            "web-allow-external-8080.txt",
        ),
        (
            "15-web-allow-prod.yaml",
            "web-allow-prod-env.yaml",
            "namespace",
            "md",
            "web-allow-prod-env.md",
        ),
    ],
)
def test_real_edits_match_hand_checked_goldens(
    original: str, edited: str, group_by: str, form: str, golden: str
) -> None:
    # golden/README.md says how each golden was worked out from the Kubernetes semantics.
    out = diff_files(POLICIES / original, FIXTURES / "edits" / edited, group_by, form)
    assert out == (GOLDEN / golden).read_text().rstrip("\n")


def test_api_allow_edit_rows_name_pods_ports_and_rules() -> None:
    out = json.loads(
        diff_files(
            POLICIES / "12-api-allow.yaml",
            FIXTURES / "edits" / "api-allow-coffeeshop.yaml",
            "pod",
            "json",
        )
    )
    assert out["equivalent"] is False
    removed = [c for c in out["changes"] if c["change"] == "removed"]
    assert {(c["src"], c["dst"], c["protocol"], c["ports"]) for c in removed} == {
        ("default/front-1", "default/api-1", p, "all") for p in ("TCP", "UDP", "SCTP")
    }
    assert all(
        c["before"]["policy"] == "default/api-allow"
        and c["before"]["path"] == "spec.ingress[0].from[0]"
        and c["after"] is None
        for c in removed
    )


def test_workload_grouping_and_new_and_lost_peers() -> None:
    # NEW drops coffee-1 and adds a second frontend replica of a Deployment: coffee-1's
    # connections are lost-peer rows, the new pod's are new-peer rows; the policy set
    # (api-allow) is the same, so no removed/added rows between persistent pods.
    a = with_topology([str(POLICIES / "12-api-allow.yaml")], [TOPOLOGY])
    topology = Path(TOPOLOGY).read_text()
    extra = FIXTURES.parent / "_tmp_topology.yaml"
    extra.write_text(
        topology.replace("name: coffee-1", "name: front-2").replace(
            "labels: {app: coffeeshop}", "labels: {app: bookstore, role: frontend}"
        )
    )
    try:
        b = with_topology([str(POLICIES / "12-api-allow.yaml")], [str(extra)])
    finally:
        extra.unlink()
    diff = diff_clusters(a, b, group_by="namespace")
    kinds = diff.kinds()
    assert kinds == {"new-peer", "lost-peer"}
    new_to_api = [
        c
        for c in diff.changes
        if c.change == "new-peer"
        and c.dst == "default"
        and c.after is not None
        and c.after.policy == "default/api-allow"
    ]
    # front-2 (app=bookstore) may reach api-1 on every port through the rule
    assert {c.protocol for c in new_to_api} == {"TCP", "UDP", "SCTP"}
    assert not fails(diff, ["removed"])
    assert fails(diff, ["lost-peer"]) and fails(diff, ["any"])


def test_workload_names() -> None:
    deploy = Pod(
        "web-5d4f-abcde",
        "shop",
        Labels.of({"pod-template-hash": "5d4f"}),
        owner="ReplicaSet/web-5d4f",
    )
    assert workload_of(deploy) == "shop/web[Deployment]"
    assert workload_of(Pod("db-0", "shop", owner="StatefulSet/db")) == "shop/db[StatefulSet]"
    assert workload_of(Pod("solo", "shop")) == "shop/solo[Pod]"


def test_port_sets_are_compressed() -> None:
    ports = PortIntervals.of(
        [
            ("TCP", 80, 80),
            ("TCP", 443, 443),
            ("TCP", 8000, 8999),
            ("UDP", 53, 53),
            ("TCP", 8100, 8200),
        ]
    )
    assert str(ports) == "TCP 80,443,8000-8999; UDP 53"
    assert str(PortIntervals.everything()) == "all"
    assert str(PortIntervals.of([("TCP", 1, 65535)])) == "TCP all"


def test_ipblock_edges_cut_the_outside(tmp_path: Path) -> None:
    # egress to 0.0.0.0/0 except 10.0.0.0/8 narrowed to 192.0.2.0/24: the outside hosts
    # outside 192.0.2.0/24 and 10/8 lose everything; 10.0.0.0/8 was and stays denied.
    pol = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: out, namespace: default}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: %s}}]
"""
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(pol % "0.0.0.0/0, except: [10.0.0.0/8]")
    new.write_text(pol % "192.0.2.0/24")
    a, b = load_sides(str(old), str(new), [TOPOLOGY])
    diff = diff_clusters(a, b, group_by="pod")
    outside = sorted(
        {c.dst for c in diff.changes if c.src == "default/web-0" and c.change == "removed"}
    )
    # the outside cut at 10/8's and 192.0.2.0/24's edges: the three ranges around them,
    # each as the CIDRs that cover it exactly
    assert outside == [
        "0.0.0.0/5,8.0.0.0/7",
        "11.0.0.0/8,12.0.0.0/6,16.0.0.0/4,32.0.0.0/3,64.0.0.0/2,128.0.0.0/2,192.0.0.0/23",
        "192.0.3.0/24,192.0.4.0/22,192.0.8.0/21,192.0.16.0/20,192.0.32.0/19,"
        "192.0.64.0/18,192.0.128.0/17,192.1.0.0/16,192.2.0.0/15,192.4.0.0/14,192.8.0.0/13,"
        "192.16.0.0/12,192.32.0.0/11,192.64.0.0/10,192.128.0.0/9,193.0.0.0/8,194.0.0.0/7,"
        "196.0.0.0/6,200.0.0.0/5,208.0.0.0/4,224.0.0.0/3",
    ]
    # pod IPs (10.244.x) were excepted before and are outside 192.0.2.0/24 now: no change;
    # 192.0.2.0/24 was allowed before and still is
    assert {c.dst for c in diff.changes} == set(outside)
    assert {(c.change, c.protocol, c.ports_text) for c in diff.changes} == {
        ("removed", p, "all") for p in ("TCP", "UDP", "SCTP")
    }
