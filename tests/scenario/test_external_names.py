"""External hosts with DNS names: a pod's ``wget example.com`` resolves through the
cluster DNS (CoreDNS forwards names outside the cluster domain upstream), so the
NetworkPolicy semantics of both legs apply:

- the query goes from the pod to kube-dns (UDP 53): under an egress default-deny it is
  dropped and busybox wget says ``bad address 'example.com'`` (the kubernetes.io
  Network Policies page: egress isolation applies to all traffic, DNS included);
- the connection goes from the pod to the host's IP, outside the cluster: an egress
  rule must admit it (an ``ipBlock`` covering it); with DNS allowed and nothing else,
  the name resolves and the connection times out (``Connecting to example.com
  (93.184.216.34:80)``, then ``wget: download timed out``).
"""

from __future__ import annotations

from typing import Any

import pytest

from netsim.errors import ScenarioError
from netsim.scenario.runner import run_scenario
from netsim.scenario.schema import scenario_from_dict
from netsim.scenario.transcript import ScenarioResult

EXTERNAL = {"site": {"ip": "93.184.216.34", "dns": "example.com"}, "client": "203.0.113.10"}
DNS_ONLY = {"to": [], "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}
SITE = {"to": [{"ipBlock": {"cidr": "93.184.216.0/24"}}], "ports": [{"port": 80}]}


def egress(*rules: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {"podSelector": {}, "policyTypes": ["Egress"]}
    if rules:
        spec["egress"] = [{k: v for k, v in rule.items() if v} for rule in rules]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "egress"},
        "spec": spec,
    }


def wget(policy: dict[str, Any] | None) -> ScenarioResult:
    steps: list[dict[str, Any]] = [{"kubectl": "run client --image=busybox --restart=Never"}]
    if policy is not None:
        steps.append({"create": policy})
    steps.append({"exec": "wget -T 1 -O - example.com", "pod": "client"})
    doc = {"title": "t", "cluster": {"external": EXTERNAL}, "steps": steps}
    return run_scenario(scenario_from_dict(doc, "t.yaml"))


def test_a_pod_reaches_an_external_name_through_cluster_dns() -> None:
    step = wget(None).steps[-1]
    assert step.exit_code == 0 and step.verdict == "allowed"
    assert "Connecting to example.com (93.184.216.34:80)" in step.output
    assert "Welcome to nginx!" in step.output


def test_egress_default_deny_blocks_the_lookup() -> None:
    step = wget(egress()).steps[-1]
    assert step.verdict == "denied"
    assert step.output.splitlines()[0] == "wget: bad address 'example.com'"
    assert any("policy-egress" in line and ":53" in line for line in step.drops)


def test_dns_allowed_resolves_and_the_connection_needs_its_own_rule() -> None:
    step = wget(egress(DNS_ONLY)).steps[-1]
    assert step.output.splitlines()[:2] == [
        "Connecting to example.com (93.184.216.34:80)",
        "wget: download timed out",
    ]
    step = wget(egress(DNS_ONLY, SITE)).steps[-1]
    assert step.exit_code == 0 and "Welcome to nginx!" in step.output


def errors_of(external: Any) -> list[str]:
    doc = {"title": "t", "cluster": {"external": external}, "steps": [{"kubectl": "get pods"}]}
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(doc, "x.yaml")
    return str(info.value).splitlines()


def test_external_names_are_validated() -> None:
    assert errors_of({"a": {"ip": "1.2.3.4", "dns": "db.default.svc.cluster.local"}}) == [
        'x.yaml: cluster.external.a.dns: Invalid value: "db.default.svc.cluster.local": the '
        "cluster DNS answers cluster.local itself; an external host needs a name outside it"
    ]
    assert errors_of({"a": {"ip": "1.2.3.4", "dns": "Example_.com"}})[0].startswith(
        'x.yaml: cluster.external.a.dns: Invalid value: "Example_.com": a lowercase RFC 1123 '
        "subdomain"
    )
    assert errors_of(
        {"a": {"ip": "1.2.3.4", "dns": "x.org"}, "b": {"ip": "1.2.3.5", "dns": "x.org"}}
    ) == ['x.yaml: cluster.external.b.dns: Duplicate value: "x.org": also the name of a']
    assert errors_of({"a": {"dns": "x.org"}}) == ["x.yaml: cluster.external.a.ip: Required value"]
    assert errors_of({"a": {"ip": "nope", "port": 1}}) == [
        'x.yaml: cluster.external.a.port: Unsupported field: supported fields: "ip", "dns"',
        'x.yaml: cluster.external.a.ip: Invalid value: "nope": must be a valid IP address',
    ]


def test_the_plain_form_still_means_a_host_without_a_name() -> None:
    doc = {"title": "t", "cluster": {"external": EXTERNAL}, "steps": [{"kubectl": "get pods"}]}
    spec = scenario_from_dict(doc, "x.yaml").cluster
    assert spec.external == (("client", "203.0.113.10"), ("site", "93.184.216.34"))
    assert spec.external_dns == (("site", "example.com"),)
