"""kubectl describe pod|svc in the describer layout of kubectl's pkg/describe."""

from __future__ import annotations

from pathlib import Path

import pytest

from netsim.addr import Prefix
from netsim.model.objects import Node
from netsim.scenario.kubectl import KubectlResult
from netsim.scenario.kubectl_format import tabwrite

from .test_kubectl import Harness


@pytest.fixture
def k(tmp_path: Path) -> Harness:
    harness = Harness(tmp_path)
    harness.cluster.add(Node("node-1", "172.18.0.2", Prefix.parse("10.244.1.0/24")))
    harness.run("run web --image=nginx --labels=app=web,tier=frontend --port=80 --expose")
    harness.time = 33.0
    return harness


def fields(text: str) -> dict[str, str]:
    """Top-level ``Key:  value`` lines (the describer's column 0)."""
    out = {}
    for line in text.splitlines():
        if line[:1].isalpha() and ":" in line:
            key, _, value = line.partition(":")
            out.setdefault(key, value.strip())
    return out


def test_describe_pod(k: Harness) -> None:
    (pod,) = k.cluster.pods_in("default")
    text = k.run(f"describe pod {pod.name}").output
    got = fields(text)
    assert got["Name"] == pod.name
    assert got["Namespace"] == "default"
    assert got["Node"] == "node-1/172.18.0.2"  # NodeName + "/" + HostIP
    assert got["Start Time"] == "Thu, 01 Mar 2018 00:00:00 +0000"  # RFC1123Z
    assert got["Labels"] == "app=web"
    assert got["Status"] == "Running"
    assert got["IP"] == pod.ip
    assert got["Controlled By"] == f"ReplicaSet/{pod.name.rsplit('-', 1)[0]}"
    lines = text.splitlines()
    # printLabelsMultiline: one label a line, the rest under the first value.
    first = lines.index(next(line for line in lines if line.startswith("Labels:")))
    assert lines[first + 1].strip() == f"pod-template-hash={pod.labels.get('pod-template-hash')}"
    assert lines[first + 1].index("pod") == lines[first].index("app=web")
    assert "Containers:\n  web:\n    Image:          nginx\n    Port:           80/TCP\n" in text
    assert text.endswith("Events:             <none>")


def test_describe_service(k: Harness) -> None:
    (pod,) = k.cluster.pods_in("default")
    text = k.run("describe svc web").output
    got = fields(text)
    assert got["Name"] == "web"
    assert got["Selector"] == "app=web,tier=frontend"
    assert got["Type"] == "ClusterIP"
    assert got["IP"] == k.cluster.service("default/web").cluster_ip
    assert got["TargetPort"] == "80/TCP"
    assert got["Endpoints"] == f"{pod.ip}:80"
    assert got["Session Affinity"] == "None"
    # Port:\t<name>\t<port>/<proto>, an unnamed port shows <unset>.
    assert "\nPort:                     <unset>  80/TCP\n" in text


def test_describe_without_a_name_describes_all_in_the_namespace(k: Harness) -> None:
    text = k.run("describe svc").output
    assert [fields(part)["Name"] for part in text.split("\n\n\n")] == ["kubernetes", "web"]
    assert k.run("describe pods -n kube-system") == KubectlResult(
        "No resources found in kube-system namespace."
    )
    assert k.run("describe pod nosuch") == KubectlResult(
        'Error from server (NotFound): pods "nosuch" not found', 1
    )


def test_tabwrite_aligns_column_blocks_as_go_tabwriter() -> None:
    # A line without a tab ends a column block; padding 2 after the widest cell.
    assert tabwrite("a:\t1\nlonger:\t2\nbreak\nb:\t3") == "a:       1\nlonger:  2\nbreak\nb:  3"
