"""metadata on create: fields the apiserver resets are no errors; ownerReferences, finalizers.

Expected texts are the apiserver's: k8s.io/apiserver pkg/registry/rest/meta.go
(WipeObjectMetaSystemFields), each kind's PrepareForCreate in k8s.io/kubernetes
pkg/registry/*/strategy.go, apimachinery pkg/api/validation/objectmeta.go as released
up to 1.36 (ValidateOwnerReferences, ValidateFinalizers) and k8s.io/kubernetes
pkg/apis/core/validation/validation.go (validateKubeFinalizerName).
"""

from __future__ import annotations

import pytest

from netsim.model.load import InvalidManifests, load_bytes

POLICY = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: p
{meta}spec:
  podSelector: {{}}
"""
POD = """apiVersion: v1
kind: Pod
metadata:
  name: p
{meta}spec:
  containers: [{{name: c, image: nginx}}]
"""
SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: s
{meta}spec:
  ports: [{{port: 80}}]
"""
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
{meta}spec:
  selector: {{matchLabels: {{app: d}}}}
  template:
    metadata: {{labels: {{app: d}}}}
    spec: {{containers: [{{name: c, image: nginx}}]}}
"""


def _errors(text: str) -> list[str]:
    """The field errors of one file, without the 'file:line (document n): Kind ns/name: ' part."""
    try:
        load_bytes(text, "t.yaml")
    except InvalidManifests as exc:
        return [line.split(": ", 2)[2] for line in str(exc).splitlines()]
    return []


@pytest.mark.parametrize("template", [POLICY, POD, DEPLOYMENT])
def test_a_negative_generation_is_reset_on_create_for_kinds_whose_strategy_sets_it(
    template: str,
) -> None:
    """PrepareForCreate sets Generation = 1 for Pod, NetworkPolicy and the workloads."""
    assert _errors(template.format(meta="  generation: -5\n")) == []


def test_a_negative_generation_of_a_service_stays_an_error() -> None:
    """The Service strategy resets only status, so ValidateNonnegativeField sees -5."""
    assert _errors(SERVICE.format(meta="  generation: -5\n")) == [
        "metadata.generation: Invalid value: -5: must be greater than or equal to 0"
    ]


@pytest.mark.parametrize(
    "meta",
    [
        '  uid: "not-a-uuid"\n',
        '  creationTimestamp: "1999-12-31T23:59:59Z"\n',
        '  deletionTimestamp: "2000-01-01T00:00:00Z"\n',
        "  deletionGracePeriodSeconds: -30\n",
        '  selfLink: "/api/v1/anything at all"\n',
        '  resourceVersion: "abc"\n',
        "  managedFields: [{manager: x, operation: Nonsense}]\n",
    ],
)
@pytest.mark.parametrize("template", [POLICY, POD, SERVICE])
def test_system_fields_wiped_on_create_are_not_errors(template: str, meta: str) -> None:
    """WipeObjectMetaSystemFields clears uid, timestamps, grace period and selfLink; the
    field manager drops managedFields it cannot decode; resourceVersion is never validated
    (a snapshot from ``kubectl get -o yaml`` carries one)."""
    assert _errors(template.format(meta=meta)) == []


def test_the_status_of_a_service_is_cleared_on_create() -> None:
    """svcStrategy.PrepareForCreate: Status = ServiceStatus{}, so its values are not checked."""
    text = SERVICE.format(meta="") + "status: {loadBalancer: {ingress: [{ip: not-an-ip}]}}\n"
    assert _errors(text) == []


def test_owner_reference_without_its_fields_gives_one_error_per_field() -> None:
    meta = "  ownerReferences: [{controller: true}]\n"
    assert _errors(POD.format(meta=meta)) == [
        'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty',
        'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
        'metadata.ownerReferences.name: Invalid value: "": must not be empty',
        'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
    ]


@pytest.mark.parametrize("api_version", ["apps/", "a/b/c"])
def test_owner_reference_api_version_without_a_version(api_version: str) -> None:
    """FromAPIVersionAndKind leaves Version empty for 'apps/' and an unparsable 'a/b/c'."""
    meta = f"  ownerReferences: [{{apiVersion: '{api_version}', kind: K, name: owner, uid: u}}]\n"
    assert _errors(POD.format(meta=meta)) == [
        f'metadata.ownerReferences.apiVersion: Invalid value: "{api_version}":'
        " version must not be empty"
    ]


def test_two_controller_references_are_an_error_naming_both() -> None:
    meta = (
        "  ownerReferences:\n"
        "  - {apiVersion: apps/v1, kind: ReplicaSet, name: a, uid: u1, controller: true}\n"
        "  - {apiVersion: apps/v1, kind: ReplicaSet, name: b, uid: u2, controller: false}\n"
        "  - {apiVersion: apps/v1, kind: StatefulSet, name: c, uid: u3, controller: true}\n"
    )
    assert _errors(POD.format(meta=meta)) == [
        "metadata.ownerReferences: Invalid value: []v1.OwnerReference{...}: Only one reference"
        ' can have Controller set to true. Found "true" in references for ReplicaSet/a and'
        " StatefulSet/c"
    ]


def test_one_controller_reference_among_others_is_valid() -> None:
    meta = (
        "  ownerReferences:\n"
        "  - {apiVersion: apps/v1, kind: ReplicaSet, name: a, uid: u1, controller: true}\n"
        "  - {apiVersion: v1, kind: ConfigMap, name: b, uid: u2}\n"
    )
    assert _errors(POD.format(meta=meta)) == []


@pytest.mark.parametrize("template", [POLICY, POD, SERVICE, DEPLOYMENT])
def test_a_finalizer_without_a_domain_is_an_error(template: str) -> None:
    meta = "  finalizers: [example.com/ok, foo]\n"
    assert _errors(template.format(meta=meta)) == [
        'metadata.finalizers[1]: Invalid value: "foo": name is neither a standard finalizer'
        " name nor is it fully qualified"
    ]


def test_standard_finalizers_need_no_domain() -> None:
    """kubernetes, orphan, foregroundDeletion (IsStandardFinalizerName)."""
    assert _errors(POD.format(meta="  finalizers: [kubernetes, orphan]\n")) == []


def test_orphan_and_foreground_deletion_exclude_each_other() -> None:
    meta = "  finalizers: [orphan, foregroundDeletion]\n"
    assert _errors(POD.format(meta=meta)) == [
        'metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}:'
        " finalizer orphan and foregroundDeletion cannot be both set"
    ]


def test_a_finalizer_that_is_not_a_qualified_name() -> None:
    """IsQualifiedName runs first, at the list's path; the domain check follows at its index."""
    errors = _errors(POD.format(meta="  finalizers: [example.com/a/b]\n"))
    assert errors == [
        'metadata.finalizers: Invalid value: "example.com/a/b": a qualified name must consist'
        " of alphanumeric characters, '-', '_' or '.', and must start and end with an"
        " alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for"
        " validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS"
        " subdomain prefix and '/' (e.g. 'example.com/MyName')"
    ]


def test_a_load_balancer_may_not_expose_the_kubelet_port() -> None:
    """ValidateService, case LoadBalancer: field.Invalid(spec.ports[i], 10250, ...) in
    k8s.io/kubernetes pkg/apis/core/validation/validation.go; the path is the port's index."""
    text = """apiVersion: v1
kind: Service
metadata: {name: s}
spec:
  type: LoadBalancer
  ports: [{name: a, port: 80}, {name: b, port: 10250}]
"""
    assert _errors(text) == [
        "spec.ports[1]: Invalid value: 10250: may not expose port 10250 externally since it is"
        " used by kubelet"
    ]


@pytest.mark.parametrize("svc_type", ["ClusterIP", "NodePort"])
def test_other_service_types_may_use_port_10250(svc_type: str) -> None:
    """The rule is for LoadBalancer only."""
    text = f"apiVersion: v1\nkind: Service\nmetadata: {{name: s}}\nspec:\n  type: {svc_type}\n"
    assert _errors(text + "  ports: [{port: 10250}]\n") == []
