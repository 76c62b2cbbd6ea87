"""Default nodes: as many as a real cluster needs at kubelet's 110 pods per node, or --nodes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from netsim.cli import main
from netsim.model.load import InvalidManifests, LoadOptions, load_cluster
from netsim.model.sizing import SizingError, nodes_needed


def deployment(name: str, replicas: int, kind: str = "Deployment") -> str:
    spec = f"  replicas: {replicas}\n" if kind != "DaemonSet" else ""
    return (
        f"apiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: {name}}}\nspec:\n{spec}"
        f"  selector: {{matchLabels: {{app: {name}}}}}\n"
        f"  template:\n    metadata: {{labels: {{app: {name}}}}}\n"
        "    spec: {containers: [{name: c, image: nginx}]}\n"
    )


def test_nodes_needed() -> None:
    assert nodes_needed(0) == 1
    assert nodes_needed(110) == 1
    assert nodes_needed(111) == 2
    assert nodes_needed(500) == 5  # ceil(500 / 110)
    assert nodes_needed(500, daemonsets=10) == 5  # ceil(500 / 100)
    assert nodes_needed(501, daemonsets=10) == 6
    with pytest.raises(SizingError):
        nodes_needed(10, daemonsets=110)
    with pytest.raises(SizingError):
        nodes_needed(110 * 255)


def test_500_replicas_without_nodes_get_five_nodes(tmp_path: Path) -> None:
    f = tmp_path / "big.yaml"
    f.write_text(deployment("web", 500))
    cluster = load_cluster([f])
    assert sorted(cluster.nodes) == [f"node-{n}" for n in range(1, 6)]
    per_node = Counter(p.node for p in cluster.pods.values())
    assert max(per_node.values()) <= 110 and sum(per_node.values()) == 500
    assert len({p.ip for p in cluster.pods.values()}) == 500
    assert str(cluster.nodes["node-5"].pod_cidr) == "10.244.5.0/24"


def test_nodes_flag_and_daemonsets(tmp_path: Path) -> None:
    f = tmp_path / "ds.yaml"
    f.write_text(deployment("web", 4) + "---\n" + deployment("agent", 0, "DaemonSet"))
    cluster = load_cluster([f], options=LoadOptions(nodes=3))
    assert sorted(cluster.nodes) == ["node-1", "node-2", "node-3"]
    agents = sorted(p.node for p in cluster.pods.values() if p.labels.get("app") == "agent")
    assert agents == ["node-1", "node-2", "node-3"]  # one DaemonSet pod per node
    node = "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n"
    f.write_text(node + "---\n" + deployment("web", 2))
    with pytest.raises(InvalidManifests, match="--nodes 3: the input declares its nodes"):
        load_cluster([f], options=LoadOptions(nodes=3))


def test_cli_nodes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "big.yaml"
    f.write_text(deployment("web", 300))
    assert main(["matrix", str(f), "--group-by", "namespace", "--nodes", "4"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "default  ."
    with pytest.raises(SystemExit) as info:  # argparse: a usage error
        main(["matrix", str(f), "--nodes", "0"])
    assert info.value.code == 2
