"""explain with cluster-wide policies: which tier, policy, rule and action decided, and the
Pass chain in evaluation order.

The cluster is test_tiers' (namespaces a, b and the sensitive ``secret``); every expected
chain is worked out from the network-policy-api order: admin tier by priority (Pass skips
the rest of it), NetworkPolicy for the pods it isolates, baseline tier, default allow.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from netsim.cli import main
from netsim.policy.explain import explain

from .test_tiers import BASE, DENY_SECRET, cluster

ONLY_WEB = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-web, namespace: b}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{to: [{namespaceSelector: {matchLabels: {team: a}}}]}]
"""
BASELINE = """\
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  egress: [{name: no-secret, action: Deny, to: [{namespaces: {matchLabels: {sensitive: "yes"}}}]}]
"""
PASS_STEP = (
    'admin AdminNetworkPolicy/deny-secret priority 10 spec.egress[0].to[0] ports[0] "pass-own": '
    "Pass"
)


def test_admin_deny_is_the_only_step() -> None:
    e = explain(cluster(DENY_SECRET, ONLY_WEB, BASELINE), "b/client", "secret/vault", "TCP", 80)
    assert not e.allowed
    assert e.egress.decision.reason == "admin-deny"
    assert e.egress.chain == (
        'admin AdminNetworkPolicy/deny-secret priority 10 spec.egress[1].to[0] "deny": Deny',
    )
    assert e.egress.near_misses == ()  # the admin tier decided: NetworkPolicy never ran
    text = e.render()
    assert (
        "egress at b/client: DENIED: denied by the admin tier: "
        "AdminNetworkPolicy/deny-secret spec.egress[1].to[0]"
    ) in text


def test_pass_hands_over_to_the_isolating_networkpolicy() -> None:
    e = explain(cluster(DENY_SECRET, ONLY_WEB, BASELINE), "b/client", "secret/vault", "TCP", 8200)
    assert not e.allowed
    assert e.egress.chain == (
        PASS_STEP,
        "NetworkPolicy b/only-web isolate(s) it, no rule matches: denies",
    )
    assert f"decided: {PASS_STEP} -> NetworkPolicy b/only-web" in e.render()


def test_pass_then_no_networkpolicy_reaches_the_baseline() -> None:
    e = explain(cluster(DENY_SECRET, ONLY_WEB, BASELINE), "a/web", "secret/vault", "TCP", 8200)
    assert not e.allowed
    assert e.egress.decision.reason == "baseline-deny"
    assert e.egress.chain == (
        PASS_STEP,
        "no NetworkPolicy isolates it",
        'baseline BaselineAdminNetworkPolicy/default spec.egress[0].to[0] "no-secret": Deny',
    )
    # vault's ingress: every policy selects it, none has ingress rules, no NetworkPolicy there
    assert e.ingress.cluster_selecting == (
        "AdminNetworkPolicy/deny-secret",
        "BaselineAdminNetworkPolicy/default",
    )
    assert e.ingress.chain == ("no NetworkPolicy isolates it", "no policy decides: allowed")


def test_networkpolicy_allows_when_no_admin_rule_matches() -> None:
    e = explain(cluster(DENY_SECRET, ONLY_WEB, BASELINE), "b/client", "a/web", "TCP", 80)
    assert e.allowed
    assert e.egress.chain == ("NetworkPolicy b/only-web spec.egress[0].to[0]: allows",)
    data = e.to_dict()["egress"]
    assert data["chain"] == list(e.egress.chain)
    assert data["passed"] == []
    assert data["cluster_selected_by"] == [
        "AdminNetworkPolicy/deny-secret",
        "BaselineAdminNetworkPolicy/default",
    ]


def test_no_cluster_policies_no_chain() -> None:
    e = explain(cluster(ONLY_WEB), "b/client", "a/web", "TCP", 80)
    assert e.egress.chain == ()
    assert "chain" not in e.to_dict()["egress"]
    assert "decided:" not in e.render()


def test_cli_explain_shows_the_chain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        BASE + "".join("---\n" + textwrap.dedent(p) for p in (DENY_SECRET, ONLY_WEB, BASELINE))
    )
    args = [str(path), "--from", "a/web", "--to", "secret/vault", "--port", "8200"]
    assert main(["explain", *args, "--exit-status"]) == 1
    assert f"decided: {PASS_STEP} -> no NetworkPolicy isolates it -> baseline" in (
        capsys.readouterr().out
    )
    assert main(["explain", *args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["egress"]["reason"] == "baseline-deny"
    assert data["egress"]["passed"] == [
        "AdminNetworkPolicy/deny-secret spec.egress[0].to[0] ports[0]"
    ]


def test_a_baseline_pass_skips_the_rest_of_the_baseline_tier() -> None:
    baseline_pass = """\
    apiVersion: policy.networking.k8s.io/v1alpha2
    kind: ClusterNetworkPolicy
    metadata: {name: vault-ops}
    spec:
      tier: Baseline
      priority: 5
      subject: {namespaces: {matchLabels: {team: a}}}
      egress:
      - action: Pass
        to: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: vault}}}}]
    """
    # only the baseline tier: the ClusterNetworkPolicy (priority 5) comes before the
    # BaselineAdminNetworkPolicy, which netsim puts after every Baseline-tier CNP
    e = explain(cluster(baseline_pass, BASELINE), "a/web", "secret/vault", "TCP", 80)
    assert e.allowed
    assert e.egress.decision.reason == "not-isolated"
    assert e.egress.chain == (
        "no NetworkPolicy isolates it",
        "baseline ClusterNetworkPolicy/vault-ops priority 5 spec.egress[0].to[0]: Pass",
        "no policy decides: allowed",
    )
    # b/client is not in team a: the baseline deny decides
    assert not explain(
        cluster(baseline_pass, BASELINE), "b/client", "secret/vault", "TCP", 80
    ).allowed
