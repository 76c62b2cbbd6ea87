"""kubectl on AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy.

The columns are the CRDs' ``additionalPrinterColumns`` (network-policy-api
``config/crd/experimental``: ANP Priority and Age, BANP Age, CNP Tier, Priority and Age),
``describe`` is kubectl's generic describer (``pkg/describe`` ``genericDescriber``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from netsim.errors import Origin, ScenarioError
from netsim.model.adminpolicy import ClusterPolicy
from netsim.model.load import object_from_dict
from netsim.scenario.kubectl import KubectlResult
from netsim.scenario.kubectl_admin import smart_label

from .test_kubectl import Harness

ADMIN = """\
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: protect-vault
  labels:
    owner: platform
spec:
  priority: 10
  subject:
    namespaces:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values: [vault]
  egress:
  - name: deny-vault
    action: Deny
    to:
    - namespaces:
        matchLabels:
          kubernetes.io/metadata.name: vault
  - name: pass-rest
    action: Pass
    to:
    - pods:
        namespaceSelector: {}
        podSelector: {}
    ports:
    - portNumber:
        protocol: TCP
        port: 80
    - portRange:
        protocol: UDP
        start: 5000
        end: 5100
    - namedPort: http
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata:
  name: default
spec:
  subject:
    namespaces: {}
  ingress:
  - action: Deny
    from:
    - namespaces: {}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata:
  name: allow-dns
spec:
  tier: Admin
  priority: 5
  subject:
    pods:
      podSelector:
        matchLabels:
          app: web
  egress:
  - name: dns
    action: Accept
    to:
    - networks: [10.96.0.10/32]
    protocols:
    - udp:
        destinationPort:
          number: 53
    - tcp:
        destinationPort:
          range: {start: 8000, end: 8080}
  - name: named
    action: Accept
    to:
    - pods:
        podSelector: {}
    protocols:
    - destinationNamedPort: http
"""


@pytest.fixture
def k(tmp_path: Path) -> Harness:
    (tmp_path / "admin.yaml").write_text(ADMIN, encoding="utf-8")
    harness = Harness(tmp_path)
    assert harness.run("create -f admin.yaml") == KubectlResult(
        'adminnetworkpolicy "protect-vault" created\n'
        'baselineadminnetworkpolicy "default" created\n'
        'clusternetworkpolicy "allow-dns" created'
    )
    harness.time = 3 * 60.0
    return harness


def test_get_prints_each_crds_printer_columns(k: Harness) -> None:
    assert (
        k.run("get anp").output == "NAME            PRIORITY   AGE\nprotect-vault   10         3m"
    )
    assert k.run("get banp").output == "NAME      AGE\ndefault   3m"
    assert k.run("get cnp").output == (
        "NAME        TIER      PRIORITY   AGE\nallow-dns   Admin     5          3m"
    )


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("adminnetworkpolicies", "anp"),
        ("adminnetworkpolicy", "anp"),
        ("AdminNetworkPolicies.policy.networking.k8s.io", "anp"),
        ("baselineadminnetworkpolicies", "banp"),
        ("clusternetworkpolicies", "cnp"),
        ("clusternetworkpolicy", "cnp"),
    ],
)
def test_long_names_are_the_short_ones(k: Harness, word: str, kind: str) -> None:
    assert k.run(f"get {word}").output == k.run(f"get {kind}").output


def test_comma_list_prefixes_rows_and_aligns_the_tables(k: Harness) -> None:
    assert k.run("get anp,banp,cnp").output == (
        "NAME                PRIORITY   AGE\n"
        "anp/protect-vault   10         3m\n"
        "\n"
        "NAME                AGE\n"
        "banp/default        3m\n"
        "\n"
        "NAME                TIER       PRIORITY   AGE\n"
        "cnp/allow-dns       Admin      5          3m"
    )


def test_cluster_scoped_kinds_have_no_namespace_column_and_ignore_n(k: Harness) -> None:
    table = k.run("get anp").output
    assert k.run("get anp -A").output == table
    assert k.run("get anp -n kube-system").output == table
    assert k.run("get anp protect-vault -n kube-system").output == table


def test_output_name_and_label_selector(k: Harness) -> None:
    assert k.run("get anp,banp,cnp -o name").output == (
        "adminnetworkpolicies/protect-vault\n"
        "baselineadminnetworkpolicies/default\n"
        "clusternetworkpolicies/allow-dns"
    )
    assert k.run("get anp,cnp -l owner=platform -o name").output == (
        "adminnetworkpolicies/protect-vault"
    )


@pytest.mark.parametrize(
    "key", ["AdminNetworkPolicy/protect-vault", "ClusterNetworkPolicy/allow-dns"]
)
@pytest.mark.parametrize("output", ["yaml", "json"])
def test_output_yaml_and_json_read_back_as_the_stored_policy(
    k: Harness, key: str, output: str
) -> None:
    stored = k.cluster.cluster_policies[key]
    kind = {"AdminNetworkPolicy": "anp", "ClusterNetworkPolicy": "cnp"}[stored.kind]
    text = k.run(f"get {kind} {stored.name} -o {output}").output
    doc = yaml.safe_load(text)
    assert doc["metadata"]["creationTimestamp"] == "2018-03-01T00:00:00Z"
    (back,) = object_from_dict(doc, Origin("get.yaml", 0))
    assert isinstance(back, ClusterPolicy)
    assert back == stored


def test_yaml_writes_each_versions_port_fields(k: Harness) -> None:
    anp = yaml.safe_load(k.run("get anp protect-vault -o yaml").output)
    assert anp["spec"]["egress"][1]["ports"] == [
        {"portNumber": {"protocol": "TCP", "port": 80}},
        {"portRange": {"protocol": "UDP", "start": 5000, "end": 5100}},
        {"namedPort": "http"},
    ]
    cnp = yaml.safe_load(k.run("get cnp allow-dns -o yaml").output)
    assert cnp["apiVersion"] == "policy.networking.k8s.io/v1alpha2"
    assert cnp["spec"]["tier"] == "Admin"
    assert cnp["spec"]["egress"][0]["protocols"] == [
        {"udp": {"destinationPort": {"number": 53}}},
        {"tcp": {"destinationPort": {"range": {"start": 8000, "end": 8080}}}},
    ]
    assert cnp["spec"]["egress"][1]["protocols"] == [{"destinationNamedPort": "http"}]


def test_describe_is_the_generic_describer(k: Harness) -> None:
    # Name, Namespace (empty: cluster-scoped), Labels, Annotations, then the object's
    # fields sorted, camelCase keys as words, nested two spaces per level, then Events.
    assert k.run("describe banp default").output == (
        "Name:         default\n"
        "Namespace:    \n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
        "API Version:  policy.networking.k8s.io/v1alpha1\n"
        "Kind:         BaselineAdminNetworkPolicy\n"
        "Metadata:\n"
        "  Creation Timestamp:  2018-03-01T00:00:00Z\n"
        "Spec:\n"
        "  Ingress:\n"
        "    Action:  Deny\n"
        "    From:\n"
        "      Namespaces:\n"
        "  Subject:\n"
        "    Namespaces:\n"
        "Events:  <none>"
    )


def test_describe_anp_shows_rules_ports_and_list_values(k: Harness) -> None:
    lines = [line.rstrip() for line in k.run("describe anp protect-vault").output.splitlines()]
    assert lines[2] == "Labels:       owner=platform"
    assert "  Priority:  10" in lines
    for wanted in (
        "    Name:    deny-vault",
        "      Port Number:",
        "        Port:      80",
        "      Named Port:  http",
        "        Operator:  NotIn",
        "          vault",
    ):
        assert wanted in lines, wanted
    everything = k.run("describe anp").output
    assert everything.startswith("Name:         protect-vault")


def test_describe_and_get_of_a_missing_policy(k: Harness) -> None:
    missing = 'adminnetworkpolicies.policy.networking.k8s.io "nosuch" not found'
    assert k.run("get anp nosuch") == KubectlResult(f"Error from server (NotFound): {missing}", 1)
    assert k.run("describe anp nosuch") == KubectlResult(
        f"Error from server (NotFound): {missing}", 1
    )


def test_delete_by_name_and_by_file(k: Harness) -> None:
    assert k.run("delete anp protect-vault").output == 'adminnetworkpolicy "protect-vault" deleted'
    assert "AdminNetworkPolicy/protect-vault" not in k.cluster.cluster_policies
    again = k.run("delete anp protect-vault")
    assert again == KubectlResult(
        "Error from server (NotFound): adminnetworkpolicies.policy.networking.k8s.io "
        '"protect-vault" not found',
        1,
    )
    assert k.run("get anp").output == "No resources found."
    assert k.run("describe anp").output == "No resources found."
    assert k.run("delete cnp/allow-dns").output == 'clusternetworkpolicy "allow-dns" deleted'
    assert k.run("delete banp default").output == 'baselineadminnetworkpolicy "default" deleted'
    assert k.cluster.cluster_policies == {}


def test_recreated_policy_is_new_again(k: Harness) -> None:
    k.run("delete -f admin.yaml")
    k.time = 10 * 60.0
    k.run("create -f admin.yaml")
    k.time = 10 * 60.0 + 5
    assert k.run("get banp").output == "NAME      AGE\ndefault   5s"


def test_unknown_kind_still_names_what_netsim_gets(k: Harness) -> None:
    with pytest.raises(ScenarioError, match="anp, banp and cnp"):
        k.run("get globalnetworkpolicies")


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("apiVersion", "API Version"),
        ("matchLabels", "Match Labels"),
        ("creationTimestamp", "Creation Timestamp"),
        ("namespaceSelector", "Namespace Selector"),
        ("team", "Team"),
        ("kubernetes.io/metadata.name", "kubernetes.io/metadata.name"),
        ("HTMLFile", "HTMLFile"),  # an upper run merges with the next word (kubectl's rule)
    ],
)
def test_smart_label_is_kubectls(field: str, label: str) -> None:
    assert smart_label(field) == label


def test_apply_changed_priority_is_configured_and_shown(k: Harness, tmp_path: Path) -> None:
    assert k.run("apply -f admin.yaml").output == (
        'adminnetworkpolicy "protect-vault" unchanged\n'
        'baselineadminnetworkpolicy "default" unchanged\n'
        'clusternetworkpolicy "allow-dns" unchanged'
    )
    changed = ADMIN.replace("priority: 10", "priority: 30", 1)
    (tmp_path / "admin.yaml").write_text(changed, encoding="utf-8")
    assert k.run("apply -f admin.yaml").output.splitlines()[0] == (
        'adminnetworkpolicy "protect-vault" configured'
    )
    assert k.cluster.cluster_policies["AdminNetworkPolicy/protect-vault"].priority == 30
    assert k.run("get anp").output.splitlines()[1].split()[:2] == ["protect-vault", "30"]
    again = k.run("create -f admin.yaml")
    assert again.exit_code == 1
    assert (
        'adminnetworkpolicies.policy.networking.k8s.io "protect-vault" already exists'
        in again.output
    )
