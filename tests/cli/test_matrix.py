"""``netsim matrix``: truth tables as upstream prints them, JSON, summary, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netsim.cli import main

MANIFESTS = """\
apiVersion: v1
kind: Namespace
metadata: {name: x, labels: {team: red}}
---
apiVersion: v1
kind: Namespace
metadata: {name: "y"}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
spec:
  containers: [{name: c, image: nginx, ports: [{name: dns, containerPort: 53, protocol: UDP}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {app: b}}
spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: "y", labels: {app: a}}
spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-from-x-a, namespace: x}
spec:
  podSelector: {}
  ingress:
  - from: [{podSelector: {matchLabels: {app: a}}}]
"""


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    path = tmp_path / "cluster.yaml"
    path.write_text(MANIFESTS, encoding="utf-8")
    return path


def test_truth_table(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", str(manifests)]) == 0
    captured = capsys.readouterr()
    # The policy names no port: matrix probes 80/TCP and says so.
    assert "the policies name no port: probing 80/TCP" in captured.err
    # Columns padded with spaces so the cells line up under their pod names.
    assert captured.out.splitlines() == [
        "port 80/TCP:",
        "-    x/a  x/b  y/a",
        "x/a  .    .    .",
        "x/b  X    .    .",
        "y/a  X    X    .",
    ]


def test_json_and_ports(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", str(manifests), "--port", "80", "--port", "53/udp", "--json"]) == 0
    verdicts = json.loads(capsys.readouterr().out)["verdicts"]
    assert len(verdicts) == 2 * 3 * 3
    assert {"from": "y/a", "to": "x/b", "port": 53, "protocol": "UDP", "allowed": False} in verdicts
    assert {"from": "x/a", "to": "x/b", "port": 80, "protocol": "TCP", "allowed": True} in verdicts


def test_summary_and_profile(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", str(manifests), "--summary"]) == 0
    out = capsys.readouterr().out
    assert "y\tx\t0\t2" in out  # y/a reaches neither pod of x
    assert "x\tx\t3\t1" in out
    assert "by identity:" in out and "x{app=a}" in out
    assert main(["matrix", str(manifests), "--profile", "flannel"]) == 0
    assert "X" not in capsys.readouterr().out.split("\n", 1)[1]


def test_errors_exit_2(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", str(manifests.parent / "missing.yaml")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    with pytest.raises(SystemExit) as exc:
        main(["matrix", str(manifests), "--port", "80/ICMP"])
    assert exc.value.code == 2


IPBLOCK_TO_POD = """\
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: default, labels: {app: client}}
spec: {containers: [{name: c, image: busybox}]}
status: {podIP: 10.244.1.11}
---
apiVersion: v1
kind: Pod
metadata: {name: server, namespace: default, labels: {app: server}}
spec: {containers: [{name: c, image: nginx}]}
status: {podIP: 10.244.1.12}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-client-ip, namespace: default}
spec:
  podSelector: {matchLabels: {app: server}}
  ingress: [{from: [{ipBlock: {cidr: 10.244.1.11/32}}]}]
"""


def _client_to_server(path: Path, extra: list[str], capsys: pytest.CaptureFixture[str]) -> bool:
    assert main(["matrix", str(path), "--json", *extra]) == 0
    cells = json.loads(capsys.readouterr().out)["verdicts"]
    (cell,) = [c for c in cells if c["from"] == "default/client" and c["to"] == "default/server"]
    return bool(cell["allowed"])


def test_switch_turns_ipblock_matching_of_pod_ips_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ipblock.yaml"
    path.write_text(IPBLOCK_TO_POD)
    # Upstream e2e ("should allow egress access to server in CIDR block") matches pod IPs.
    assert _client_to_server(path, [], capsys)
    # Cilium-like: ipBlock is for cluster-external addresses only.
    assert not _client_to_server(path, ["--switch", "ipblock_matches_pod_ips=false"], capsys)
    assert not _client_to_server(path, ["--profile", "cilium"], capsys)


def test_bad_switch_is_a_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ipblock.yaml"
    path.write_text(IPBLOCK_TO_POD)
    assert main(["matrix", str(path), "--switch", "ipblock=false"]) == 2
    assert "--switch: bad switch 'ipblock=false'" in capsys.readouterr().err


def test_large_tables_are_tab_separated_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Past ALIGNED_MAX_PODS pods, cells are not padded (the text would be ~40x larger)."""
    from netsim.cli.matrix import ALIGNED_MAX_PODS

    pods = [
        f"apiVersion: v1\nkind: Pod\nmetadata: {{name: pod-{i:04d}, labels: {{app: a}}}}\n"
        "spec: {containers: [{name: c, image: i}]}\n"
        for i in range(ALIGNED_MAX_PODS + 1)
    ]
    path = tmp_path / "pods.yaml"
    path.write_text("---\n".join(pods))
    assert main(["matrix", str(path), "--port", "80"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0] == "port 80/TCP:"
    assert lines[1].startswith("-\tdefault/pod-0000\tdefault/pod-0001\t")
    assert lines[2] == "default/pod-0000\t" + "\t".join(["."] * (ALIGNED_MAX_PODS + 1))
    assert "tab-separated" in captured.err
