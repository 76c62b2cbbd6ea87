"""Names and labels typed to kubectl are validated as a manifest's; create service, delete
TYPE,TYPE.

Expected texts come from kubectl's and the apiserver's sources:

- the apiserver's ``metadata.name`` rules: Pods and Deployments are RFC 1123
  subdomains, Namespaces RFC 1123 labels, Services DNS-1035 labels; a container's name
  is an RFC 1123 label (``kubectl run NAME`` names its container NAME too); label keys
  are qualified names, values 63 alphanumerics with ``-_.`` inside (apimachinery's
  ``validation.IsQualifiedName``/``IsValidLabelValue``); several errors are printed as
  ``[a, b]`` (an aggregate);
- kubectl's own checks: ``ParseLabels`` of ``run --labels`` (``unexpected label spec``,
  ``unexpected empty label key``), ``parseLabels`` of ``kubectl label`` (``invalid label
  spec``, ``invalid label value: "SPEC": ...``), the service generator of ``create
  service`` (ports named with ``:`` turned into ``-``, selector and labels ``app=NAME``,
  ``at least one tcp port specifier must be provided``, ``can not map ports with
  clusterip=None``);
- ``kubectl delete TYPE1,TYPE2 NAME`` deletes NAME of each type in order and reports a
  missing one after the rest (exit 1).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netsim.model.labels import Labels
from netsim.model.objects import Pod, ServicePort
from netsim.scenario.kubectl import KubectlResult

from .test_kubectl import Harness

SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
    "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
    "regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
DNS1035 = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
    "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
KEY = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
    "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
    "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
VALUE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


@pytest.fixture
def k(tmp_path: Path) -> Harness:
    """kubectl on a fresh cluster (test_kubectl's harness) with one pod ``web`` (app=web)."""
    harness = Harness(tmp_path)
    harness.cluster.add(Pod("web", "default", Labels.of({"app": "web"})))
    return harness


def test_run_with_a_bad_name_is_refused_by_the_apiserver(k: Harness) -> None:
    assert k.run("run BAD_NAME --image=nginx") == KubectlResult(
        'The Deployment "BAD_NAME" is invalid: ['
        f'metadata.name: Invalid value: "BAD_NAME": {SUBDOMAIN}, '
        f'spec.template.spec.containers[0].name: Invalid value: "BAD_NAME": {LABEL}]',
        1,
    )
    assert k.run("run BAD_NAME --image=nginx --restart=Never") == KubectlResult(
        'The Pod "BAD_NAME" is invalid: ['
        f'metadata.name: Invalid value: "BAD_NAME": {SUBDOMAIN}, '
        f'spec.containers[0].name: Invalid value: "BAD_NAME": {LABEL}]',
        1,
    )
    assert sorted(k.cluster.pods) == ["default/web"]
    assert k.run("get deploy").output == "No resources found."


def test_run_labels_are_parsed_by_kubectl_and_checked_by_the_apiserver(k: Harness) -> None:
    assert k.run("run a --image=x --labels=a=b=c") == KubectlResult(
        "error: unexpected label spec: a=b=c", 1
    )
    assert k.run("run a --image=x --labels==x") == KubectlResult(
        "error: unexpected empty label key", 1
    )
    assert k.run("run a --image=x --restart=Never '--labels=a b=c'") == KubectlResult(
        f'The Pod "a" is invalid: metadata.labels: Invalid value: "a b": {KEY}', 1
    )
    # kubectl trims nothing: " b" is the value, and a value may not start with a space.
    result = k.run("run a --image=x --restart=Never '--labels=a= b'")
    assert result == KubectlResult(
        f'The Pod "a" is invalid: metadata.labels: Invalid value: " b": {VALUE}', 1
    )
    assert "default/a" not in k.cluster.pods


def test_label_checks_the_value_itself_and_lets_the_apiserver_check_the_key(
    k: Harness,
) -> None:
    assert k.run("label pod web x=-bad-") == KubectlResult(
        f'error: invalid label value: "x=-bad-": {VALUE}', 1
    )
    assert k.run("label pod web x=y=z") == KubectlResult("error: invalid label spec: x=y=z", 1)
    assert k.run("label pod web 'a b=c'") == KubectlResult(
        f'The Pod "web" is invalid: metadata.labels: Invalid value: "a b": {KEY}', 1
    )
    assert k.run("label ns default 'a/b/c=d'").output.startswith(
        'The Namespace "default" is invalid: metadata.labels: Invalid value: "a/b/c": '
        "a qualified name must consist of"
    )
    assert k.cluster.pods["default/web"].labels == Labels.of({"app": "web"})
    assert k.run("label pod web example.com/tier=db") == KubectlResult('pod "web" labeled')


def test_namespace_and_service_names_follow_their_kinds_rules(k: Harness) -> None:
    assert k.run("create namespace Bad_NS") == KubectlResult(
        f'The Namespace "Bad_NS" is invalid: metadata.name: Invalid value: "Bad_NS": {LABEL}', 1
    )
    # A Service name is a DNS-1035 label: it may not start with a digit (a Pod's may).
    assert k.run("expose pod web --port=80 --name=1web") == KubectlResult(
        f'The Service "1web" is invalid: metadata.name: Invalid value: "1web": {DNS1035}', 1
    )
    assert sorted(k.cluster.services) == ["default/kubernetes"]
    assert k.run("create namespace ok-ns") == KubectlResult('namespace "ok-ns" created')


# ------------------------------------------------------------- create service
def test_create_service_clusterip_selects_app_name(k: Harness) -> None:
    assert k.run("create service clusterip web --tcp=80:8080") == KubectlResult(
        'service "web" created'
    )
    service = k.cluster.service("default/web")
    assert service.selector == Labels.of({"app": "web"})
    assert service.type == "ClusterIP"
    assert service.ports == (ServicePort(80, 8080, "TCP", name="80-8080"),)
    k.cluster.add(Pod("other", "default", Labels.of({"run": "web"})))
    endpoints = k.cluster.endpoints(service)
    assert [p.name for p in endpoints] == ["web"]  # app=web, not run=web


def test_create_service_ports_and_kinds(k: Harness) -> None:
    assert k.run("create svc clusterip multi --tcp=80,443:https -n kube-system").exit_code == 0
    multi = k.cluster.service("kube-system/multi")
    assert multi.ports == (
        ServicePort(80, 80, "TCP", name="80"),
        ServicePort(443, "https", "TCP", name="443-https"),
    )
    assert k.run("create service nodeport np --tcp=80 --node-port=30080").exit_code == 0
    np = k.cluster.service("default/np")
    assert np.type == "NodePort" and np.ports[0].node_port == 30080
    assert k.run("create service clusterip hl --clusterip=None").exit_code == 0
    assert k.cluster.service("default/hl").cluster_ip == "None"


def test_create_service_refusals(k: Harness) -> None:
    assert k.run("create service clusterip x") == KubectlResult(
        "error: at least one tcp port specifier must be provided", 1
    )
    assert k.run("create service clusterip x --clusterip=None --tcp=80") == KubectlResult(
        "error: can not map ports with clusterip=None", 1
    )
    assert k.run("create service clusterip --tcp=80") == KubectlResult(
        "error: exactly one NAME is required, got 0", 1
    )
    assert k.run("create service clusterip x --tcp=eighty") == KubectlResult(
        'error: strconv.Atoi: parsing "eighty": invalid syntax', 1
    )
    assert k.run("create service clusterip Web --tcp=80") == KubectlResult(
        f'The Service "Web" is invalid: metadata.name: Invalid value: "Web": {DNS1035}', 1
    )
    result = k.run("create service clusterip x --tcp=70000")
    assert result.exit_code == 1
    assert result.output.startswith(
        'The Service "x" is invalid: [spec.ports[0].port: Invalid value: 70000: '
        "must be between 1 and 65535, inclusive"
    )
    assert k.run("create service clusterip x --tcp=80 -n nowhere") == KubectlResult(
        'Error from server (NotFound): namespaces "nowhere" not found', 1
    )
    assert sorted(k.cluster.services) == ["default/kubernetes"]


# ------------------------------------------------------------------- delete
def test_delete_several_types_of_one_name(k: Harness) -> None:
    k.run("run nginx --image=nginx --port=80 --expose")
    assert k.run("delete deployment,service nginx") == KubectlResult(
        'deployment "nginx" deleted\nservice "nginx" deleted'
    )
    assert "default/nginx" not in k.cluster.services
    assert not [p for p in k.cluster.pods.values() if p.owner == "Deployment/nginx"]


def test_delete_goes_on_past_a_missing_object_and_reports_it(k: Harness) -> None:
    k.run("run a --image=nginx --port=80 --expose")
    assert k.run("delete deploy,svc a b") == KubectlResult(
        'deployment "a" deleted\nservice "a" deleted\n'
        'Error from server (NotFound): deployments.extensions "b" not found\n'
        'Error from server (NotFound): services "b" not found',
        1,
    )
    assert "default/a" not in k.cluster.services


def test_get_endpoints_lists_the_selected_pods_on_the_target_port(k: Harness) -> None:
    k.cluster.delete("Pod", "default/web")
    k.cluster.add(Pod("web", "default", Labels.of({"app": "web"}), ip="10.244.1.5"))
    k.run("create service clusterip web --tcp=80:8080")
    lines = k.run("get endpoints web").output.splitlines()
    assert lines[0].split() == ["NAME", "ENDPOINTS", "AGE"]
    assert lines[1].split()[:2] == ["web", "10.244.1.5:8080"]
