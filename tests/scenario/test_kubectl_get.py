"""kubectl get: -l/--selector, -A, -o yaml|json|name, endpoints and deployments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from netsim.addr import Prefix
from netsim.model.objects import Node
from netsim.scenario.kubectl import KubectlResult

from .test_kubectl import POLICY, Harness


@pytest.fixture
def k(tmp_path: Path) -> Harness:
    (tmp_path / "policy.yaml").write_text(POLICY, encoding="utf-8")
    harness = Harness(tmp_path)
    harness.cluster.add(Node("node-1", "172.18.0.2", Prefix.parse("10.244.1.0/24")))
    harness.run("run nginx --image=nginx --replicas=2 --port=80")
    harness.run("run web --image=nginx --labels=app=web,tier=frontend --port=80 --expose")
    harness.run("run db --image=postgres --labels=app=db,tier=backend --port=5432")
    harness.run("create namespace other")
    harness.run("run other --image=nginx --namespace=other --labels=app=web")
    harness.time = 40.0
    return harness


def names(k: Harness, line: str) -> list[str]:
    result = k.run(line)
    assert result.exit_code == 0, result.output
    return [row.split()[0] for row in result.output.splitlines()[1:]]


def short(pods: list[str]) -> list[str]:
    return [p.split("-")[0] for p in pods]


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("-l app=web", ["web"]),
        ("-lapp=web", ["web"]),
        ("--selector=app=web", ["web"]),
        ("--selector app==web", ["web"]),
        ("-l app!=web", ["db", "nginx", "nginx"]),
        ("-l 'tier in (frontend,backend)'", ["db", "web"]),
        ("-l 'tier notin (frontend)'", ["db", "nginx", "nginx"]),
        ("-l tier", ["db", "web"]),
        ("-l '!tier'", ["nginx", "nginx"]),
        ("-l app=web,tier=backend", []),
    ],
)
def test_selectors_filter_pods(k: Harness, selector: str, expected: list[str]) -> None:
    result = k.run(f"get pods {selector}")
    if not expected:
        assert result == KubectlResult("No resources found.")
    else:
        assert short(names(k, f"get pods {selector}")) == expected


def test_an_invalid_selector_is_kubectls_builder_error(k: Harness) -> None:
    assert k.run("get pods -l 'app in web'") == KubectlResult(
        'error: the provided selector "app in web" is not valid: unable to parse '
        "requirement: found 'web' expected: '('",
        1,
    )


def test_a_name_and_a_selector_together_are_refused(k: Harness) -> None:
    assert k.run("get pods nginx -l app=web") == KubectlResult(
        "error: name cannot be provided when a selector is specified", 1
    )


def test_dash_A_is_all_namespaces(k: Harness) -> None:
    output = k.run("get pods -A -l app=web").output.splitlines()
    assert output[0].split() == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert [(row.split()[0], row.split()[1].split("-")[0]) for row in output[1:]] == [
        ("default", "web"),
        ("other", "other"),
    ]
    assert k.run("get pods -A").output == k.run("get pods --all-namespaces").output


def test_yaml_of_one_object_parses_back(k: Harness) -> None:
    k.run("create -f policy.yaml")
    (pod,) = [p for p in k.cluster.pods_in("default") if p.name.startswith("web-")]
    doc = yaml.safe_load(k.run(f"get pod {pod.name} -o yaml").output)
    assert doc["apiVersion"] == "v1" and doc["kind"] == "Pod"
    assert doc["metadata"]["name"] == pod.name and doc["metadata"]["namespace"] == "default"
    assert doc["metadata"]["labels"] == pod.labels.as_dict()
    assert doc["metadata"]["creationTimestamp"] == "2018-03-01T00:00:00Z"
    assert doc["spec"]["containers"] == [
        {"name": "web", "image": "nginx", "ports": [{"containerPort": 80, "protocol": "TCP"}]}
    ]
    assert doc["status"]["podIP"] == pod.ip and doc["status"]["hostIP"] == "172.18.0.2"

    svc = yaml.safe_load(k.run("get svc web -o yaml").output)
    assert svc["kind"] == "Service"
    assert svc["spec"]["clusterIP"] == k.cluster.service("default/web").cluster_ip
    assert svc["spec"]["selector"] == {"app": "web", "tier": "frontend"}
    assert svc["spec"]["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]

    policy = yaml.safe_load(k.run("get netpol access-nginx -o yaml").output)
    assert policy["apiVersion"] == "networking.k8s.io/v1"
    assert policy["spec"] == {
        "podSelector": {"matchLabels": {"run": "nginx"}},
        "ingress": [{"from": [{"podSelector": {"matchLabels": {"access": "true"}}}]}],
        "policyTypes": ["Ingress"],
    }


def test_yaml_of_several_objects_is_a_list(k: Harness) -> None:
    text = k.run("get pods -l tier -o yaml").output
    doc = yaml.safe_load(text)
    assert doc["kind"] == "List" and doc["apiVersion"] == "v1"
    assert [item["metadata"]["labels"]["app"] for item in doc["items"]] == ["db", "web"]
    # go-yaml's layout: sorted keys, sequences not indented under their key.
    assert text.startswith("apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n")
    # A label value that reads as a number is quoted, so it stays a string.
    assert isinstance(doc["items"][0]["metadata"]["labels"]["pod-template-hash"], str)
    assert json.loads(k.run("get pods -l tier -o json").output) == doc
    empty = yaml.safe_load(k.run("get pods -l nothing -o yaml").output)
    assert empty["items"] == []


def test_yaml_is_deterministic(k: Harness) -> None:
    assert k.run("get svc,pods,ns -o yaml").output == k.run("get svc,pods,ns -o yaml").output


def test_output_name(k: Harness) -> None:
    # kubectl 1.7 printed the plural resource before the name.
    assert k.run("get svc -o name").output == "services/kubernetes\nservices/web"
    assert (
        k.run("get ns -o name").output
        == "namespaces/default\nnamespaces/kube-system\nnamespaces/other"
    )


def test_endpoints_and_deployments(k: Harness) -> None:
    web = next(p for p in k.cluster.pods_in("default") if p.name.startswith("web-"))
    rows = [line.split() for line in k.run("get ep").output.splitlines()]
    assert rows == [
        ["NAME", "ENDPOINTS", "AGE"],
        ["kubernetes", "172.18.0.2:6443", "46m"],
        ["web", f"{web.ip}:80", "40s"],
    ]
    rows = [line.split() for line in k.run("get deploy").output.splitlines()]
    assert rows[0] == ["NAME", "DESIRED", "CURRENT", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert rows[1:] == [
        ["db", "1", "1", "1", "1", "40s"],
        ["nginx", "2", "2", "2", "2", "40s"],
        ["web", "1", "1", "1", "1", "40s"],
    ]
    assert names(k, "get deployments -l app=web") == ["web"]
    doc = yaml.safe_load(k.run("get deploy nginx -o yaml").output)
    assert doc["spec"]["replicas"] == 2
    assert doc["spec"]["selector"] == {"matchLabels": {"run": "nginx"}}


def test_unsupported_output_and_resource(k: Harness) -> None:
    from netsim.scenario.kubectl import UnsupportedCommand

    with pytest.raises(UnsupportedCommand):
        k.run("get pods -o jsonpath={.items}")
    with pytest.raises(UnsupportedCommand):
        k.run("get configmaps")
