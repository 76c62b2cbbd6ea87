"""``verify``: the kernel's truth table against netsim's, and both against the spec.

The conformance cases give Kubernetes' verdicts; here the real dataplane must
reproduce them probe by probe and agree with netsim on every cell.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from netsim.addr import Prefix
from netsim.dataplane.probe import Probe
from netsim.dataplane.render import render_cluster
from netsim.dataplane.verify import default_ports, verify
from netsim.model import (
    IPBlock,
    Labels,
    LabelSelector,
    NetworkPolicy,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
    Service,
    ServicePort,
)
from netsim.model.load import load_cluster

from .clusters import two_node_cluster

FAST = 1.0
"""Probe timeout for tests: 0.5 s per attempt (local veths answer in well under a millisecond)."""


def test_default_ports_cover_literals_ranges_named_and_control() -> None:
    cluster = two_node_cluster()
    policy = cluster.policies["x/allow-y"]
    extra = PolicyRule((), (PolicyPort("TCP", 1000, 1002), PolicyPort("UDP")))
    cluster.apply(replace(policy, ingress=(*policy.ingress, extra)))
    ports = default_ports(cluster)
    # "http" resolves to TCP 80 on the pods that declare it; SCTP 90 is literal.
    assert ("TCP", 80) in ports and ("SCTP", 90) in ports
    # Both ends of the range and the ports just outside it.
    assert {("TCP", n) for n in (999, 1000, 1002, 1003)} <= set(ports)
    # The control port (TCP) and the UDP "any port" probe use a port no policy mentions.
    assert ("TCP", 9999) in ports and ("UDP", 9999) in ports


@pytest.mark.dataplane
def test_two_nodes_agree_and_match_the_spec() -> None:
    report = verify(two_node_cluster(), timeout=FAST)
    assert report.agreed, report.render()
    seen = {p: r.connected for p, r in report.observed.items()}
    # x/a admits namespace y on its named port http (TCP 80) and on SCTP 90 only.
    assert seen[Probe("y/a", "x/a", "TCP", 80)]
    assert seen[Probe("y/a", "x/a", "SCTP", 90)]
    assert not seen[Probe("y/a", "x/a", "TCP", 9999)]  # control port
    assert not seen[Probe("x/b", "x/a", "TCP", 80)]  # same namespace, not y
    # Nothing isolates x/b or y/a.
    assert seen[Probe("x/a", "y/a", "TCP", 9999)]
    assert seen[Probe("y/a", "x/b", "SCTP", 90)]
    assert any("SCTP" in note for note in report.notes) or _kernel_sctp()
    assert "AGREE" in report.render()
    # The kernel's deciding rules are the ones netsim names: y/a -> x/a is allowed by
    # x/allow-y's ingress rule 0 (TCP 80 via ports[0], SCTP 90 via ports[1]).
    assert report.reasons.checked >= 2
    assert report.reasons.same == report.reasons.checked
    assert not report.reason_mismatches


@pytest.mark.dataplane
def test_a_rule_allowing_for_the_wrong_reason_is_reported() -> None:
    cluster = two_node_cluster()
    rendered = render_cluster(cluster)
    # Point the 80/TCP rule at a rule index that does not exist for that traffic: the
    # verdict stays right, the reason is wrong.
    node = rendered["node-1"]
    chains = []
    for chain in node.chains:
        rules = tuple(
            replace(r, ref=replace(r.ref, rule=1, port=None))
            if r.ref is not None and "tcp dport 80" in r.match
            else r
            for r in chain.rules
        )
        chains.append(replace(chain, rules=rules))
    rendered["node-1"] = replace(node, chains=tuple(chains))
    policy = cluster.policies["x/allow-y"]
    # Rule 1 of x/allow-y exists but admits only UDP 53 from anywhere.
    extra = PolicyRule((), (PolicyPort("UDP", 53),))
    cluster.apply(replace(policy, ingress=(*policy.ingress, extra)))
    rendered_ok = render_cluster(cluster)
    rendered["node-2"] = rendered_ok["node-2"]
    report = verify(cluster, [("TCP", 80)], timeout=FAST, rulesets=rendered)
    assert not report.mismatches
    assert [(m.probe.src, m.probe.dst, m.direction) for m in report.reason_mismatches] == [
        ("y/a", "x/a", "ingress")
    ]
    assert not report.agreed
    assert "REASON 80/TCP y/a -> x/a ingress" in report.render()


def _kernel_sctp() -> bool:
    from netsim.dataplane.probe import kernel_has_sctp

    return kernel_has_sctp()


@pytest.mark.dataplane
def test_a_wrong_rule_is_reported_with_the_rule_that_counted() -> None:
    cluster = two_node_cluster()
    # Render from a subtly wrong copy: the named port resolved to 81 instead of 80.
    wrong = two_node_cluster()
    policy = wrong.policies["x/allow-y"]
    rule = replace(policy.ingress[0], ports=(PolicyPort("TCP", 81), PolicyPort("SCTP", 90)))
    wrong.apply(replace(policy, ingress=(rule,)))
    report = verify(cluster, [("TCP", 80)], timeout=FAST, rulesets=render_cluster(wrong))
    assert not report.agreed
    [mismatch] = report.mismatches
    assert (mismatch.src, mismatch.dst, mismatch.netsim, mismatch.kernel) == (
        "y/a",
        "x/a",
        True,
        False,
    )
    assert "x/allow-y" in mismatch.explanation
    assert any("drop" in r and "x/a/ingress" in r for r in mismatch.kernel_rules)
    text = report.render()
    assert "MISMATCH 80/TCP y/a -> x/a" in text and "DISAGREE: 8/9" in text


# ------------------------------------------------------------------ conformance
def _conformance() -> list[Path]:
    try:
        from conformance.convert import case_files
    except ImportError:
        return []
    return case_files()


def _probes(case: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """The case's probes between pods and IPv4 external hosts, and those hosts' IPs.

    Probes through a Service (``svc:``) are kept: verify probes every Service
    port from every pod. A node's IP becomes ``node:NAME``. Probes to or from an
    IPv6 host are left out (the harness's pods are IPv4).
    """
    pods = {f"{p['namespace']}/{p['name']}" for p in case["cluster"].get("pods", [])}
    hosts = {p.get("ip") for p in case["cluster"].get("pods", []) if p.get("hostNetwork")}
    nodes = {n.get("ip"): f"node:{n['name']}" for n in case["cluster"].get("nodes", [])}
    probes, externals = [], set()
    for probe in case["expect"]:
        probe = {**probe, "from": nodes.get(probe["from"], probe["from"])}
        probe["to"] = nodes.get(probe["to"], probe["to"])
        ends = [str(probe["from"]), str(probe["to"])]
        outside = [end for end in ends if end not in pods and not end.startswith(("svc:", "node:"))]
        if any(":" in end or end in hosts for end in outside):
            continue
        externals.update(outside)
        probes.append(probe)
    return probes, sorted(externals)


@pytest.mark.dataplane
@pytest.mark.parametrize("path", _conformance(), ids=lambda p: p.stem)
def test_conformance_case(path: Path, tmp_path: Path) -> None:
    from conformance.convert import load_case, write_manifests

    case = load_case(path)
    probes, externals = _probes(case)
    cluster = load_cluster([write_manifests(case, tmp_path / "case.yaml")])
    direct = [e for e in probes if not str(e["to"]).startswith("svc:")]
    ports = sorted({(str(e.get("protocol", "TCP")), int(e["port"])) for e in direct})
    with_nodes = any(
        str(e["from"]).startswith("node:") or str(e["to"]).startswith("node:") for e in probes
    )
    report = verify(cluster, ports, timeout=FAST, externals=externals, nodes=with_nodes)
    assert report.agreed, report.render()
    wrong = [
        e
        for e in probes
        if report.observed[Probe(e["from"], e["to"], e.get("protocol", "TCP"), e["port"])].connected
        != e["allowed"]
    ]
    assert not wrong, f"kernel disagrees with Kubernetes on {wrong}"


# --------------------------------------------------------------- random clusters
@pytest.mark.dataplane
@pytest.mark.parametrize("seed", range(50))
def test_random_clusters_agree(seed: int) -> None:
    from strategies import PROBE_PORTS

    from .generate import random_cluster, random_externals

    cluster = random_cluster(seed)
    externals = random_externals(seed)
    report = verify(cluster, list(PROBE_PORTS), timeout=FAST, externals=externals, nodes=True)
    rules = "\n".join(rs.text() for rs in render_cluster(cluster).values())
    assert report.agreed, f"seed {seed}\n{report.render()}\n{rules}"


@pytest.mark.dataplane
def test_service_dnat_happens_before_policy() -> None:
    # SEMANTICS §5.29 / recipe 09: policy sees the backend pod and its targetPort, so
    # x/a's rule "namespace y on http (TCP 80)" admits y/a via Service port 8080 (DNAT at
    # y/a's node, node-2, then forwarded to node-1), and x/b stays denied.
    cluster = two_node_cluster()
    cluster.add(
        Service(
            "web", "x", (ServicePort(8080, "http"),), selector=Labels.of(pod="a"), cluster_ip=""
        )
    )
    report = verify(cluster, [("TCP", 80)], timeout=FAST)
    assert report.agreed, report.render()
    seen = {p: r.connected for p, r in report.observed.items()}
    assert seen[Probe("y/a", "svc:x/web", "TCP", 8080)]
    assert not seen[Probe("x/b", "svc:x/web", "TCP", 8080)]
    # No hairpin probe: x/a is the only backend.
    assert Probe("x/a", "svc:x/web", "TCP", 8080) not in seen
    assert "2 of the probes go through a Service's ClusterIP" in report.render()


@pytest.mark.dataplane
@pytest.mark.parametrize("policy", ["Cluster", "Local"])
def test_node_port_snat_hides_the_client_from_ip_block(policy: str) -> None:
    # kube-proxy iptables mode, as netsim's simulator models it (SEMANTICS §5.29: SNAT
    # relative to policy is plugin-defined): with externalTrafficPolicy Cluster a NodePort
    # on node-2 whose backend x/a is on node-1 is SNATed to node-2's IP, so x/a's
    # ipBlock rule for the client's /24 no longer matches; on node-1 (the backend's own
    # node) the client IP is kept. With Local, only node-1 has an endpoint.
    cluster = two_node_cluster()
    block = IPBlock(Prefix.parse("192.0.2.0/24"))
    rule = PolicyRule((PolicyPeer(ip_block=block),), (PolicyPort("TCP", 80),))
    cluster.add(NetworkPolicy("allow-ext", "x", LabelSelector(), ingress=(rule,)))
    cluster.add(
        Service(
            "web",
            "x",
            (ServicePort(8080, 80, node_port=30080),),
            selector=Labels.of(pod="a"),
            type="NodePort",
            external_traffic_policy=policy,  # type: ignore[arg-type]
        )
    )
    report = verify(cluster, [("TCP", 80)], timeout=FAST, externals=["192.0.2.7"])
    assert report.agreed, report.render()
    seen = {p: r.connected for p, r in report.observed.items()}
    assert seen[Probe("192.0.2.7", "node:node-1", "TCP", 30080)]
    if policy == "Cluster":
        assert not seen[Probe("192.0.2.7", "node:node-2", "TCP", 30080)]
    else:
        assert Probe("192.0.2.7", "node:node-2", "TCP", 30080) not in seen
    # Directly, the client reaches x/a (no NAT): the ipBlock matches.
    assert seen[Probe("192.0.2.7", "x/a", "TCP", 80)]


@pytest.mark.dataplane
@pytest.mark.parametrize(("seed", "name"), [(1, "cilium"), (2, "cilium"), (3, "flannel")])
def test_random_clusters_agree_under_other_profiles(seed: int, name: str) -> None:
    # cilium: ipBlocks never match pods or nodes; flannel: no policy is enforced.
    from strategies import PROBE_PORTS

    from netsim.policy.profile import profile_named

    from .generate import random_cluster, random_externals

    cluster = random_cluster(seed)
    report = verify(
        cluster,
        list(PROBE_PORTS),
        profile=profile_named(name),
        timeout=FAST,
        externals=random_externals(seed),
    )
    assert report.agreed, report.render()
    if name == "flannel":
        assert all(r.connected for r in report.observed.values())


def test_progress_reports_building_probing_and_comparing() -> None:
    messages: list[str] = []
    report = verify(two_node_cluster(), timeout=FAST, progress=messages.append)
    assert report.agreed
    assert messages[0].startswith("building ") and "network namespaces" in messages[0]
    assert any(m.startswith("probing ") and m.endswith(" connections") for m in messages)
    probed = [m for m in messages if m.startswith("probed ")]
    assert probed and probed[-1].split()[1] == probed[-1].split()[3]  # "probed N of N"
    assert messages[-1] == "comparing the kernel's verdicts with netsim's"
