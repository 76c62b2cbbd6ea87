"""Running out of pod addresses: errors that name the file or step and say what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from netsim.addr import Prefix
from netsim.cli import main
from netsim.model.cluster import AddressesExhausted, Cluster
from netsim.model.objects import Namespace, Node, Pod

POD = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n"
    "spec:\n  containers: [{{name: c, image: nginx}}]\n"
)


def test_a_slash_24_node_holds_253_pods_then_says_what_to_do() -> None:
    # .0 is the network, .1 the node's gateway, .255 the broadcast: 253 pod addresses.
    cluster = Cluster()
    cluster.add(Namespace("default"))
    cluster.add(Node("n1", "172.18.0.2", Prefix.parse("10.244.1.0/24")))
    for i in range(253):
        cluster.add(Pod(f"p{i}", "default"))
    assert cluster.pods["default/p252"].ip == "10.244.1.254"
    with pytest.raises(AddressesExhausted) as caught:
        cluster.add(Pod("one-more", "default"))
    assert (caught.value.pod, caught.value.node) == ("default/one-more", "n1")
    assert str(caught.value) == (
        'spec.nodeName: Forbidden: node "n1" has no free address left in its pod CIDR '
        "10.244.1.0/24 (all 253 pod addresses are in use): add nodes or give the node a "
        "larger spec.podCIDR"
    )


def test_scenario_step_that_runs_out_names_the_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "full.yaml"
    scenario.write_text(
        "title: three deployments on one node\ncluster: {nodes: 1}\nsteps:\n"
        + "".join(f"  - kubectl: run d{n} --image=nginx --replicas=100\n" for n in range(3)),
        encoding="utf-8",
    )
    assert main(["run", str(scenario)]) == 2
    err = capsys.readouterr().err
    # 253 addresses, one is kube-dns's: d0 and d1 fit (200 pods), d2's 53rd does not.
    assert err.startswith(f'error: {scenario}: steps[2].kubectl: pod "default/d2-')
    assert (
        'does not fit: node "node-1" has no free address left in its pod CIDR 10.244.1.0/24' in err
    )
    assert "give the scenario more nodes (cluster.nodes) or fewer pods" in err
    assert "Traceback" not in err


def test_scenario_create_file_that_runs_out_is_not_a_kubectl_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A real apiserver accepts the pod (it stays Pending): the step is the input error,
    # not a kubectl line in the transcript with the scenario passing.
    (tmp_path / "pods.yaml").write_text(
        "---\n".join(POD.format(i=i) for i in range(254)), encoding="utf-8"
    )
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "title: t\ncluster: {nodes: 1}\nsteps:\n  - kubectl: get pods\n"
        "  - kubectl: create -f pods.yaml\n",
        encoding="utf-8",
    )
    assert main(["run", "-q", str(scenario)]) == 2
    out, err = capsys.readouterr()
    assert "PASS" not in out
    # The scenario's cluster runs kube-dns on node-1 too: p0..p251 take the other 252.
    assert err.startswith(f'error: {scenario}: steps[1].kubectl: pod "default/p252" does not fit')


def test_manifests_on_too_few_nodes_name_file_and_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pods = tmp_path / "pods.yaml"
    pods.write_text("---\n".join(POD.format(i=i) for i in range(254)), encoding="utf-8")
    # p0..p252 take the 253 addresses; documents are counted from 0.
    assert main(["matrix", str(pods), "--nodes", "1"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        f"error: {pods} (document 253): Pod default/p253: spec.nodeName: Forbidden: node "
        '"node-1" has no free address left in its pod CIDR 10.244.1.0/24 (all 253 pod '
        "addresses are in use): add nodes or give the node a larger spec.podCIDR"
    )
