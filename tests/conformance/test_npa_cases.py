"""network-policy-api conformance cases (``cases/npa-admin-*.yaml``).

Each case is one state of an upstream conformance test of AdminNetworkPolicy and
BaselineAdminNetworkPolicy (the file names its source URL), in the format of
``cases/upstream/README.md``; the probes' ``allowed`` are the upstream expectations.

The tiered reference evaluator (:mod:`netsim.policy.tiers`), the compiled engine
(:class:`netsim.policy.engine.PolicyEngine`) and the simulated data path
(:meth:`netsim.sim.network.Network.send`) must pass them all; the engine must also
report the reference's decisions (deciding tier, policy, rule and Pass chain).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.sctp import SCTP, SCTPChunkInit
from scapy.packet import Packet

from netsim.model.adminpolicy import ClusterPolicy
from netsim.model.load import load_cluster
from netsim.policy.engine import PolicyEngine
from netsim.policy.tiers import TieredReferenceEvaluator
from netsim.sim.network import Network

from .convert import load_case, npa_case_files, write_manifests
from .test_cases import destinations, source_ip

CASES = npa_case_files()

KNOWN_GAPS: dict[str, str] = {}
"""Cases netsim fails today, by stem, with the reason: strict xfail, so a fix shows up as
an unexpected pass. The expected verdicts stay upstream's."""

PARAMS = [
    pytest.param(
        c,
        id=c.stem,
        marks=[pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[c.stem])]
        if c.stem in KNOWN_GAPS
        else [],
    )
    for c in CASES
]


def test_the_npa_cases_are_there() -> None:
    assert len(CASES) >= 59
    assert set(KNOWN_GAPS) <= {c.stem for c in CASES}
    for path in CASES:
        data = load_case(path)
        assert data["id"] == path.stem
        assert all("network-policy-api" in s["url"] for s in data["source"]), path


def _load(path: Path, tmp_path: Path) -> tuple[dict[str, Any], Path]:
    data = load_case(path)
    return data, write_manifests(data, tmp_path / f"{path.stem}.yaml")


@pytest.mark.parametrize("path", PARAMS)
def test_reference_evaluator(path: Path, tmp_path: Path) -> None:
    data, manifests = _load(path, tmp_path)
    cluster = load_cluster([manifests])
    assert any(isinstance(p, ClusterPolicy) for p in cluster.cluster_policies.values())
    reference = TieredReferenceEvaluator(cluster)
    for probe in data["expect"]:
        src = source_ip(cluster, str(probe["from"]))
        for dst, port in destinations(cluster, probe):
            protocol = str(probe["protocol"])
            label = f"{probe['from']} -> {probe['to']} {port}/{protocol}: {probe.get('why', '')}"
            assert reference.allowed(src, dst, protocol, port) is probe["allowed"], label


@pytest.mark.parametrize("path", PARAMS)
def test_engine(path: Path, tmp_path: Path) -> None:
    """The compiled engine gives upstream's verdicts, and the reference's decisions (same
    deciding tier, policy, rule and Pass chain) on every probe and in the matrix."""
    data, manifests = _load(path, tmp_path)
    cluster = load_cluster([manifests])
    engine, reference = PolicyEngine(cluster), TieredReferenceEvaluator(cluster)
    ports: set[tuple[str, int]] = set()
    for probe in data["expect"]:
        src = source_ip(cluster, str(probe["from"]))
        for dst, port in destinations(cluster, probe):
            protocol = str(probe["protocol"])
            ports.add((protocol, port))
            label = f"{probe['from']} -> {probe['to']} {port}/{protocol}: {probe.get('why', '')}"
            assert engine.allowed(src, dst, protocol, port) is probe["allowed"], label
            assert engine.decide(src, dst, protocol, port) == reference.decide(
                src, dst, protocol, port
            ), label
    probed = sorted(ports)
    assert (engine.matrix(probed) == reference.matrix(probed)).all()


def _probe_packet(protocol: str, src: str, dst: str, port: int, sport: int) -> Packet:
    ip = IP(src=src, dst=dst)
    if protocol == "TCP":
        return ip / TCP(sport=sport, dport=port, flags="S", seq=1)
    if protocol == "UDP":
        return ip / UDP(sport=sport, dport=port) / b"probe"
    return ip / SCTP(sport=sport, dport=port, tag=0) / SCTPChunkInit(init_tag=7)


@pytest.mark.parametrize("path", PARAMS)
def test_simulator(path: Path, tmp_path: Path) -> None:
    """Each probe as a packet sent from the source pod or node into the simulated network:
    it is delivered to the destination exactly when upstream expects the connection
    allowed. A bare-IP source (a host outside the cluster) has no route to a pod IP in
    the simulated network; its probes are checked by the reference and engine tests."""
    data, manifests = _load(path, tmp_path)
    cluster = load_cluster([manifests])
    net = Network(cluster, seed=0, dns=False)
    sport = 30000
    externals: dict[str, str] = {}
    for probe in data["expect"]:
        source = str(probe["from"])
        src = source_ip(cluster, source)
        at = f"node/{source[len('node:') :]}" if source.startswith("node:") else source
        if "/" not in source and not source.startswith("node:"):  # a host outside the cluster
            if source not in externals:
                externals[source] = net.add_external_host(f"ext-{len(externals)}", source)
            at = externals[source]
        for dst, port in destinations(cluster, probe):
            protocol = str(probe["protocol"])
            sport += 1
            fate = net.send(_probe_packet(protocol, src, dst, port, sport), at)
            label = f"{source} -> {probe['to']} {port}/{protocol}: {fate}"
            if at.startswith("external/"):
                # The simulated network does not route pod IPs from outside the cluster, so
                # such a probe cannot reach the policy hook here; the reference and engine
                # tests above check its verdict.
                assert fate.reason == "no-route", label
                continue
            assert fate.delivered is probe["allowed"], label
            if not fate.delivered:
                assert fate.reason.startswith("policy-"), label
