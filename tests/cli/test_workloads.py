"""Workloads on the command line: ``explain --from deploy/X``, ``matrix --group-by``.

The cluster: Deployments frontend (3 replicas) and db (2 replicas, port 6379 named
``redis``) in namespace shop, a Service db, and one policy isolating db's ingress and
admitting app=frontend on 6379/TCP. Worked out from the semantics (SEMANTICS.md):

- frontend -> db on 6379: every one of the 3 x 2 connections is allowed (the rule);
- frontend -> db on 80: denied (db is isolated, no rule has port 80);
- db -> db on 6379: a pod reaching itself is always allowed, the other db pod is
  denied (it is not app=frontend): 2 of 4 allowed, the workloads' pods disagree (``~``);
- anything -> frontend: frontend is not isolated, allowed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netsim.cli import main
from netsim.model.labels import Labels
from netsim.model.load import InvalidManifests
from netsim.model.objects import Pod
from netsim.model.workloads import parse_target, workload_label, workload_of

CLUSTER = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: frontend}}
  template:
    metadata: {labels: {app: frontend}}
    spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - {name: redis, image: redis, ports: [{name: redis, containerPort: 6379}]}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  selector: {app: db}
  ports: [{port: 6379}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-frontend, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: frontend}}}]
    ports: [{port: 6379}]
"""


@pytest.fixture
def cluster(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(CLUSTER)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def explain_json(capsys: pytest.CaptureFixture[str], path: Path, *argv: str) -> dict[str, object]:
    code, out, _ = run(capsys, "explain", str(path), "-n", "shop", "--json", *argv)
    assert code == 0
    result: dict[str, object] = json.loads(out)
    return result


# ----------------------------------------------------------------- explain
def test_explain_workloads_each_pod(cluster: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = explain_json(
        capsys, cluster, "--from", "deployment/frontend", "--to", "deploy/db", "--port", "6379"
    )
    connections = result["connections"]
    assert isinstance(connections, list) and len(connections) == 3 * 2
    assert result["allowed"] is True and result["agree"] is True
    assert {c["from"].rsplit("-", 2)[0] for c in connections} == {"shop/frontend"}
    assert {c["to"].rsplit("-", 2)[0] for c in connections} == {"shop/db"}
    assert {c["ingress"]["rule"] for c in connections} == {
        "shop/db-from-frontend spec.ingress[0].from[0] ports[0]"
    }


def test_explain_workload_text_and_exit_status(
    cluster: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["explain", str(cluster), "-n", "shop", "--from", "deploy/frontend", "--to", "deploy/db"]
    code, out, _ = run(capsys, *argv, "--port", "6379", "--exit-status")
    assert code == 0
    assert out.startswith(
        "deploy/frontend -> deploy/db 6379/TCP: ALLOWED: 6 of 6 connections allowed"
    )
    code, out, _ = run(capsys, *argv, "--port", "80", "--exit-status")
    assert code == 1
    assert out.startswith("deploy/frontend -> deploy/db 80/TCP: DENIED: 0 of 6 connections")
    assert "near miss: shop/db-from-frontend spec.ingress[0].from[0]: right peer, wrong port" in out
    # Without --exit-status the verdict does not change the exit code.
    assert run(capsys, *argv, "--port", "80")[0] == 0


def test_explain_says_when_a_workloads_pods_disagree(
    cluster: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["explain", str(cluster), "-n", "shop", "--from", "deploy/db", "--to", "deploy/db"]
    code, out, _ = run(capsys, *argv, "--port", "6379")
    assert code == 0
    assert out.startswith("deploy/db -> deploy/db 6379/TCP: MIXED (~): 2 of 4 connections")
    assert "a pod cannot block access to itself" in out
    assert "isolated by shop/db-from-frontend; no rule of theirs matches" in out
    result = explain_json(
        capsys, cluster, "--from", "deploy/db", "--to", "deploy/db", "--port", "6379"
    )
    assert result["allowed"] is False and result["agree"] is False


def test_explain_service_and_pod_forms(cluster: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # svc/db as destination goes through the Service: 3 clients x 2 backends.
    result = explain_json(
        capsys, cluster, "--from", "deploy/frontend", "--to", "svc/db", "--port", "6379"
    )
    connections = result["connections"]
    assert isinstance(connections, list) and len(connections) == 6
    assert all(c["service"] == "svc:shop/db" for c in connections)
    code, out, _ = run(capsys, "explain", str(cluster), "--from", "deploy/db", "-n", "shop",
                       "--to", "pod/nope", "--port", "80")  # fmt: skip
    assert code == 2 and not out
    code, _, err = run(capsys, "explain", str(cluster), "--from", "deploy/nope", "-n", "shop",
                       "--to", "svc/db", "--port", "80")  # fmt: skip
    assert code == 2 and 'deployments.apps "nope" not found in namespace "shop"' in err


# ------------------------------------------------------------------ matrix
def test_matrix_group_by_workload(cluster: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "matrix", str(cluster), "--group-by", "workload")
    assert code == 0
    assert "probing the ports the policies name: 6379/TCP" in err
    assert out.splitlines() == [
        "port 6379/TCP:",
        "-" + " " * 26 + "shop/db[Deployment]  shop/frontend[Deployment]",
        "shop/db[Deployment]" + " " * 8 + "~" + " " * 20 + ".",
        "shop/frontend[Deployment]  ." + " " * 20 + ".",
    ]


def test_matrix_group_by_namespace_and_json(
    cluster: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "matrix", str(cluster), "--group-by", "namespace", "--port", "80")
    assert code == 0
    # db pods are isolated on 80 for everyone but themselves: shop -> shop is mixed.
    assert out.splitlines() == ["port 80/TCP:", "-     shop", "shop  ~"]
    code, out, _ = run(capsys, "matrix", str(cluster), "--group-by", "workload", "--json")
    result = json.loads(out)
    assert result["ports"] == ["6379/TCP"] and result["group_by"] == "workload"
    cells = {(v["from"], v["to"]): v["allowed"] for v in result["verdicts"]}
    assert cells[("shop/db[Deployment]", "shop/db[Deployment]")] == "mixed"
    assert cells[("shop/frontend[Deployment]", "shop/db[Deployment]")] is True


def test_matrix_probes_every_port_the_policies_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ports.yaml"
    path.write_text(
        CLUSTER + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: named, namespace: shop}\n"
        "spec:\n  podSelector: {}\n  ingress: [{ports: [{port: redis}, "
        "{port: 53, protocol: UDP}, {port: 8000, endPort: 8080}]}]\n"
    )
    code, out, err = run(capsys, "matrix", str(path), "--group-by", "namespace")
    assert code == 0
    # literal 53/UDP, 6379 (literal, and the named port redis on db), the range's ends
    assert "policies name: 53/UDP, 6379/TCP, 8000/TCP, 8080/TCP (choose with --port)" in err
    assert [line for line in out.splitlines() if line.startswith("port")] == [
        "port 53/UDP:",
        "port 6379/TCP:",
        "port 8000/TCP:",
        "port 8080/TCP:",
    ]


def test_named_port_no_pod_declares_gets_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "http.yaml"
    path.write_text(CLUSTER.replace("    ports: [{port: 6379}]\n", "    ports: [{port: http}]\n"))
    code, out, _ = run(
        capsys, "explain", str(path), "-n", "shop", "--from", "deploy/frontend",
        "--to", "deploy/db", "--port", "6379",
    )  # fmt: skip
    assert code == 0
    assert (
        'right peer, wrong port (named port "http"/TCP is not declared by shop/db-' in out
        and '(its named ports: 6379/TCP "redis"))' in out
    )


# ------------------------------------------------------------- the pieces
def test_parse_target_reads_kubectls_forms() -> None:
    for text, kind in [
        ("pod/a", "Pod"),
        ("po/a", "Pod"),
        ("deploy/a", "Deployment"),
        ("deployment/a", "Deployment"),
        ("deployments.apps/a", "Deployment"),
        ("sts/a", "StatefulSet"),
        ("statefulset/a", "StatefulSet"),
        ("ds/a", "DaemonSet"),
        ("daemonset/a", "DaemonSet"),
        ("rs/a", "ReplicaSet"),
        ("replicaset/a", "ReplicaSet"),
        ("svc/a", "Service"),
        ("service/a", "Service"),
    ]:
        target = parse_target(text, "shop")
        assert target is not None and (target.kind, target.namespace, target.name) == (
            kind,
            "shop",
            "a",
        )
    default = parse_target("deploy/a")
    assert default is not None and default.namespace == "default"
    assert parse_target("shop/a") is None and parse_target("a") is None


def test_workload_of_a_snapshot_pod() -> None:
    # The Deployment controller names ReplicaSets <deployment>-<pod-template-hash>.
    labels = Labels.of({"app": "web", "pod-template-hash": "5d4f"})
    pod = Pod("web-5d4f-abcde", "shop", labels, owner="ReplicaSet/web-5d4f")
    assert workload_of(pod) == ("Deployment", "web")
    assert workload_label(pod) == "shop/web[Deployment]"
    orphan = Pod("web-5d4f-abcde", "shop", Labels.of({"app": "web"}), owner="ReplicaSet/web-5d4f")
    assert workload_of(orphan) == ("ReplicaSet", "web-5d4f")
    assert workload_label(Pod("solo", "shop")) == "shop/solo[Pod]"


def test_debug_after_the_subcommand(tmp_path: Path) -> None:
    with pytest.raises(InvalidManifests):
        main(["matrix", str(tmp_path / "missing.yaml"), "--debug"])
    with pytest.raises(InvalidManifests):
        main(["--debug", "matrix", str(tmp_path / "missing.yaml")])
