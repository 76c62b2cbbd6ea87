"""Every conformance case, through the Python engine, the reference evaluator and the CLI.

A probe passes when its ``allowed`` matches. ``svc:`` destinations are DNATed
to each backend pod on the resolved targetPort; ``node:`` sources are the
node's IP. The CLI is run in-process: ``netsim explain --json`` for every
probe and ``netsim matrix --json`` for the pod-to-pod probes of each case.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netsim.cli import main
from netsim.model import Labels, Namespace
from netsim.model.cluster import Cluster
from netsim.model.load import load_cluster
from netsim.policy.endpoint import service_targets
from netsim.policy.engine import PolicyEngine
from netsim.policy.reference import ReferenceEvaluator

from .convert import case_files, load_case, write_manifests

CASES = case_files()


def test_the_cases_are_there() -> None:
    """The upstream cases live in the repository: a fresh clone runs them all."""
    assert len([c for c in CASES if "upstream" in c.parts]) >= 20
    assert len([c for c in CASES if "upstream" not in c.parts]) >= 5


def source_ip(cluster: Cluster, text: str) -> str:
    if text.startswith("node:"):
        return cluster.nodes[text[len("node:") :]].ip
    if "/" in text:
        return cluster.pod(text).ip
    return text


def destinations(cluster: Cluster, probe: dict[str, Any]) -> list[tuple[str, int]]:
    """(IP, port) pairs after DNAT: one per backend for a Service, else the target itself."""
    to, port, protocol = str(probe["to"]), int(probe["port"]), str(probe["protocol"])
    if to.startswith("svc:"):
        targets = service_targets(cluster, to[len("svc:") :], port, protocol)
        return [(t.backend.ip, t.port) for t in targets]
    if "/" in to:
        return [(cluster.pod(to).ip, port)]
    return [(to, port)]


@pytest.fixture(params=CASES, ids=[c.stem for c in CASES])
def case(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[dict[str, Any], Path]:
    data = load_case(request.param)
    return data, write_manifests(data, tmp_path / f"{request.param.stem}.yaml")


def test_engine_and_reference(case: tuple[dict[str, Any], Path]) -> None:
    data, path = case
    cluster = load_cluster([path])
    engine, reference = PolicyEngine(cluster), ReferenceEvaluator(cluster)
    for probe in data["expect"]:
        src = source_ip(cluster, str(probe["from"]))
        for dst, port in destinations(cluster, probe):
            protocol = str(probe["protocol"])
            label = f"{probe['from']} -> {probe['to']} {port}/{protocol}"
            assert reference.allowed(src, dst, protocol, port) is probe["allowed"], label
            assert engine.allowed(src, dst, protocol, port) is probe["allowed"], label
            assert engine.decide(src, dst, protocol, port) == reference.decide(
                src, dst, protocol, port
            ), label


def test_cli_explain(case: tuple[dict[str, Any], Path], capsys: pytest.CaptureFixture[str]) -> None:
    data, path = case
    for probe in data["expect"]:
        argv = ["explain", str(path), "--from", str(probe["from"]), "--to", str(probe["to"])]
        argv += ["--port", str(probe["port"]), "--protocol", str(probe["protocol"]), "--json"]
        assert main(argv) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["allowed"] is probe["allowed"], argv
        assert out["allowed"] == (out["egress"]["allowed"] and out["ingress"]["allowed"])


def test_cli_matrix(case: tuple[dict[str, Any], Path], capsys: pytest.CaptureFixture[str]) -> None:
    data, path = case
    pod_probes = [
        p
        for p in data["expect"]
        if "/" in str(p["from"])
        and "/" in str(p["to"])
        and not str(p["to"]).startswith("svc:")
        and not str(p["from"]).startswith("node:")
    ]
    if not pod_probes:
        pytest.skip("no pod-to-pod probes")
    ports = sorted({(int(p["port"]), str(p["protocol"])) for p in pod_probes})
    argv = ["matrix", str(path), "--json"]
    for port, protocol in ports:
        argv += ["--port", f"{port}/{protocol}"]
    assert main(argv) == 0
    table = {
        (v["from"], v["to"], v["port"], v["protocol"]): v["allowed"]
        for v in json.loads(capsys.readouterr().out)["verdicts"]
    }
    for p in pod_probes:
        key = (p["from"], p["to"], p["port"], p["protocol"])
        assert table[key] is p["allowed"], key


def test_engine_following_changes(case: tuple[dict[str, Any], Path]) -> None:
    """The same probes with the engine attached before loading, after namespace relabels.

    Every namespace loses its labels and gets them back (policies follow label
    changes, as Kubernetes re-evaluates them), so the verdicts come from incremental
    updates.
    """
    data, path = case
    cluster = Cluster()
    engine = PolicyEngine(cluster)
    load_cluster([path], cluster)
    original = dict(cluster.namespaces)
    for name in sorted(original):
        cluster.apply(Namespace(name, Labels()))  # keeps only kubernetes.io/metadata.name
    reference = ReferenceEvaluator(cluster)
    for probe in data["expect"]:
        src = source_ip(cluster, str(probe["from"]))
        for dst, port in destinations(cluster, probe):
            protocol = str(probe["protocol"])
            expected = reference.allowed(src, dst, protocol, port)
            assert engine.allowed(src, dst, protocol, port) is expected
    for _, ns in sorted(original.items()):
        cluster.apply(ns)
    for probe in data["expect"]:
        src = source_ip(cluster, str(probe["from"]))
        for dst, port in destinations(cluster, probe):
            assert engine.allowed(src, dst, str(probe["protocol"]), port) is probe["allowed"]
