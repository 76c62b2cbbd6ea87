"""``netsim explain``: text and JSON explanations, Service and node forms, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netsim.cli import main

MANIFESTS = """\
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: default, labels: {app: api}}
spec: {containers: [{name: c, image: nginx, ports: [{name: metrics, containerPort: 5000}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: default, labels: {app: client}}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: default}
spec:
  selector: {app: api}
  ports: [{port: 5001, targetPort: metrics}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: metrics-from-monitoring, namespace: default}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from: [{podSelector: {matchLabels: {role: monitoring}}}]
    ports: [{port: metrics}]
"""


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    path = tmp_path / "cluster.yaml"
    path.write_text(MANIFESTS, encoding="utf-8")
    return path


def test_text(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["explain", str(manifests), "--from", "default/client", "--to", "svc:default/api"]
    assert main([*argv, "--port", "5001"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "default/client -> default/api 5000/TCP (via svc:default/api port 5001): DENIED"
    )
    assert "isolated by default/metrics-from-monitoring" in out
    miss = "default/metrics-from-monitoring spec.ingress[0] ports[0]: right port, wrong peer"
    assert f"near miss: {miss}" in out


def test_json(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["explain", str(manifests), "--from", "default/api", "--to", "default/client"]
    assert main([*argv, "--port", "80", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["allowed"] is True
    assert data["egress"]["selected_by"] == ["default/metrics-from-monitoring"]
    assert data["egress"]["isolated"] is False and data["ingress"]["reason"] == "not-isolated"


def test_unknown_names_exit_2(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["explain", str(manifests), "--port", "80"]
    assert main([*base, "--from", "default/nope", "--to", "default/api"]) == 2
    assert 'pods "default/nope" not found' in capsys.readouterr().err
    assert main([*base, "--from", "node:ghost", "--to", "default/api"]) == 2
    assert main([*base, "--from", "default/client", "--to", "svc:default/api"]) == 2
    assert "has no port 80/TCP" in capsys.readouterr().err


@pytest.mark.parametrize("port", ["0", "65536", "99999", "http"])
def test_out_of_range_port_is_a_usage_error(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "test-network-policy.yaml"
    args = ["explain", str(example), "--from", "default/frontend", "--to", "default/db"]
    with pytest.raises(SystemExit) as exit_info:
        main([*args, "--port", port])
    assert exit_info.value.code == 2
    assert "argument --port" in capsys.readouterr().err
