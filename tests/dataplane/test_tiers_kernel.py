"""The cluster-wide tiers on a real kernel: nftables rules from the simple renderer,
probed with real sockets, against network-policy-api's own verdicts and the tiered
reference evaluator (:class:`~netsim.policy.tiers.TieredReferenceEvaluator`).

The kernel is compared with the reference evaluator probe by probe here, so these tests
do not depend on the compiled engine; ``verify``'s own comparison is with the engine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netsim.dataplane.harness import Harness
from netsim.dataplane.probe import Probe
from netsim.dataplane.render import render_cluster
from netsim.dataplane.verify import RenderMode, VerifyReport, effective, verify
from netsim.model import Cluster
from netsim.model.load import load_cluster
from netsim.policy.tiers import TieredReferenceEvaluator

from .test_verify import FAST, _probes


def _npa_cases() -> list[Path]:
    try:
        from conformance.convert import npa_case_files
    except ImportError:
        return []
    return npa_case_files()


def _reference_disagreements(cluster: Cluster, report: VerifyReport) -> list[str]:
    """Every probe where the kernel's verdict is not the tiered reference evaluator's."""
    reference = TieredReferenceEvaluator(cluster)
    wrong = []
    with Harness(cluster, externals=report.externals) as harness:
        for probe, result in sorted(report.observed.items()):
            route = effective(cluster, harness, probe)
            expected = reference.allowed(route.src_ip, route.dst_ip, probe.protocol, route.port)
            if expected != result.connected:
                wrong.append(f"{probe}: reference {expected}, kernel {result.connected}")
    return wrong


def _case(
    path: Path, tmp_path: Path, render: RenderMode = "simple"
) -> tuple[Cluster, list[dict[str, Any]], VerifyReport]:
    from conformance.convert import load_case, write_manifests

    case = load_case(path)
    probes, externals = _probes(case)
    cluster = load_cluster([write_manifests(case, tmp_path / "case.yaml")])
    assert cluster.cluster_policies, path
    ports = sorted({(str(e.get("protocol", "TCP")), int(e["port"])) for e in probes})
    # _probes names a node end node:NAME, as verify does when it probes the nodes
    with_nodes = any(str(e[end]).startswith("node:") for e in probes for end in ("from", "to"))
    report = verify(
        cluster, ports, timeout=FAST, externals=externals, render=render, nodes=with_nodes
    )
    return cluster, probes, report


@pytest.mark.dataplane
@pytest.mark.parametrize("path", _npa_cases(), ids=lambda p: p.stem)
def test_npa_case_on_the_kernel(path: Path, tmp_path: Path) -> None:
    cluster, probes, report = _case(path, tmp_path)
    wrong = [
        e
        for e in probes
        if report.observed[Probe(e["from"], e["to"], e.get("protocol", "TCP"), e["port"])].connected
        != e["allowed"]
    ]
    assert not wrong, f"kernel disagrees with network-policy-api on {wrong}"
    assert not _reference_disagreements(cluster, report)
    # the same run: the compiled engine agrees with the kernel on every probe
    assert report.agreed, report.render()


@pytest.mark.dataplane
@pytest.mark.parametrize("seed", range(15))
def test_random_tiered_clusters_on_the_kernel(seed: int) -> None:
    from strategies import PROBE_PORTS

    from .generate import random_cluster, random_externals
    from .generate_tiers import add_cluster_policies

    cluster = random_cluster(seed, max_pods=15)
    add_cluster_policies(cluster, seed)
    externals = random_externals(seed)
    report = verify(cluster, list(PROBE_PORTS), timeout=FAST, externals=externals, nodes=True)
    wrong = _reference_disagreements(cluster, report)
    rules = "\n".join(rs.text() for rs in render_cluster(cluster).values())
    assert not wrong, f"seed {seed}\n" + "\n".join(wrong) + f"\n{rules}"
    assert report.agreed, f"seed {seed} (engine against the kernel)\n{report.render()}"


ADMIN_MANIFESTS = """\
apiVersion: v1
kind: Namespace
metadata: {name: x}
---
apiVersion: v1
kind: Namespace
metadata: {name: vault}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
spec:
  containers: [{name: c, image: busybox}]
---
apiVersion: v1
kind: Pod
metadata: {name: v, namespace: vault, labels: {app: v}}
spec:
  containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: protect-vault}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}}
  egress:
  - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: vault}}}]}
  - {action: Pass, to: [{namespaces: {}}]}
"""


def test_cli_render_shows_the_admin_tier(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from netsim.cli import main

    path = tmp_path / "admin.yaml"
    path.write_text(ADMIN_MANIFESTS, encoding="utf-8")
    assert main(["dataplane", "render", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "not evaluate" not in err
    assert "jump egress-x/a\n" in out
    assert 'drop comment "AdminNetworkPolicy/protect-vault/egress/0 Deny"' in out
    assert "goto egress-x/a-np" in out


@pytest.mark.dataplane
def test_cli_verify_agrees_on_the_admin_tier(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from netsim.cli import main

    path = tmp_path / "admin.yaml"
    path.write_text(ADMIN_MANIFESTS, encoding="utf-8")
    assert main(["dataplane", "verify", "--port", "80", "--json", str(path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["agreed"] and report["pods"] == ["vault/v", "x/a"]
    # Rows are sources, columns destinations: only x/a -> vault/v is denied (admin Deny).
    assert report["tables"]["80/TCP"]["kernel"] == ["..", "X."]


# ------------------------------------------------------------------ compiled (triage)
@pytest.mark.parametrize("seed", range(15))
def test_compiled_tiers_make_the_same_chains(seed: int) -> None:
    # The triage renderer reads the engine's compiled tier tables: the same chains
    # (entry and -np parts) for the same pods and directions, the same verdict kinds in
    # order; only how peers are written may differ (known addresses for networks).
    from netsim.dataplane.compiled import render_compiled
    from netsim.policy.engine import PolicyEngine

    from .generate import random_cluster
    from .generate_tiers import add_cluster_policies

    cluster = random_cluster(seed, max_pods=15)
    add_cluster_policies(cluster, seed)
    simple = render_cluster(cluster)
    compiled = render_compiled(PolicyEngine(cluster))
    assert sorted(simple) == sorted(compiled)
    for node, ruleset in simple.items():
        assert [(c.name, c.isolated_by) for c in compiled[node].chains] == [
            (c.name, c.isolated_by) for c in ruleset.chains
        ]


@pytest.mark.dataplane
@pytest.mark.parametrize("seed", [0, 2, 7])
def test_kernel_running_compiled_tier_rules_agrees(seed: int) -> None:
    from strategies import PROBE_PORTS

    from .generate import random_cluster, random_externals
    from .generate_tiers import add_cluster_policies

    cluster = random_cluster(seed, max_pods=15)
    add_cluster_policies(cluster, seed)
    report = verify(
        cluster, list(PROBE_PORTS), timeout=FAST, externals=random_externals(seed), nodes=True,
        render="compiled",
    )  # fmt: skip
    assert report.agreed, report.render()
    assert not _reference_disagreements(cluster, report)


@pytest.mark.dataplane
@pytest.mark.parametrize("path", _npa_cases(), ids=lambda p: p.stem)
def test_npa_case_with_compiled_rules(path: Path, tmp_path: Path) -> None:
    _, probes, report = _case(path, tmp_path, "compiled")
    assert report.agreed, report.render()
    for e in probes:
        probe = Probe(e["from"], e["to"], e.get("protocol", "TCP"), e["port"])
        assert report.observed[probe].connected == e["allowed"], e
