"""The misconception catalogue and its detectors: each fires on its mistake and only there."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from netsim.lab.misconceptions import (
    CATALOGUE,
    DETECTORS,
    Evidence,
    Misconception,
    detect,
    facts,
)
from netsim.policy.profile import CILIUM, FLANNEL

from .misconception_cases import DENY_WEB, Case, evidence, policy

IDS = [
    "cni-enforces",
    "policy-selects-target",
    "empty-vs-absent",
    "podselector-same-ns",
    "pod-vs-namespace-labels",
    "ns-by-name",
    "selector-and-or",
    "rule-combination",
    "rule-without-ports",
    "service-vs-pod-port",
    "named-port",
    "dns-egress",
    "policytypes-default",
    "both-ends",
    "additive-no-deny",
    "ipblock-pod-ip",
]

WEB = "podSelector: {matchLabels: {app: web}}"
CLIENT = "podSelector: {matchLabels: {app: client}}"
OPS_OR_MONITORING = """
- from:
  - namespaceSelector: {matchLabels: {team: operations}}
  - podSelector: {matchLabels: {type: monitoring}}
"""
OPS_AND_MONITORING = """
- from:
  - namespaceSelector: {matchLabels: {team: operations}}
    podSelector: {matchLabels: {type: monitoring}}
"""

LOOKALIKE = """
apiVersion: v1
kind: Pod
metadata: {name: lookalike, namespace: default, labels: {app: web}}
spec: {containers: [{name: c, image: busybox}]}
"""


def _ingress(name: str, rules: str, selector: str = WEB) -> str:
    return policy(name, f"{selector}\npolicyTypes: [Ingress]\ningress:{rules}")


CASES = [
    Case(
        "flannel-ignores-deny",
        "cni-enforces",
        DENY_WEB,
        src="operations/debug",
        want="deny",
        profile=FLANNEL,
    ),
    Case(
        "policy-on-the-client",
        "policy-selects-target",
        policy("allow-client", f"{CLIENT}\ningress:\n- from: [{{{WEB}}}]"),
        setup=DENY_WEB,
    ),
    Case(
        "server-unprotected",
        "policy-selects-target",
        policy("allow-client", f"{CLIENT}\ningress:\n- from: [{{{WEB}}}]"),
        src="operations/debug",
        want="deny",
    ),
    Case(
        "empty-rule-allows-all",
        "empty-vs-absent",
        _ingress("only-client", "\n- {}"),
        src="default/mon",
        want="deny",
    ),
    Case(
        "empty-from-allows-all",
        "empty-vs-absent",
        _ingress("only-client", "\n- from: []\n  ports: [{port: 8080}]"),
        src="default/mon",
        want="deny",
    ),
    Case(
        "empty-podselector",
        "empty-vs-absent",
        _ingress("only-client", "\n- from: [{podSelector: {}}]"),
        src="default/mon",
        want="deny",
    ),
    Case(
        "empty-list-denies",
        "empty-vs-absent",
        _ingress("allow-all", " []"),
    ),
    Case(
        "bare-podselector",
        "podselector-same-ns",
        _ingress(
            "allow-monitoring", "\n- from: [{podSelector: {matchLabels: {type: monitoring}}}]"
        ),
        src="operations/prom",
    ),
    Case(
        "namespace-by-name",
        "ns-by-name",
        _ingress("allow-ops", "\n- from: [{namespaceSelector: {matchLabels: {name: operations}}}]"),
        src="operations/prom",
    ),
    Case(
        "two-peers-admit-namespace",
        "selector-and-or",
        _ingress("allow-monitoring", OPS_OR_MONITORING),
        src="operations/debug",
        want="deny",
    ),
    Case(
        "two-peers-admit-local",
        "selector-and-or",
        _ingress("allow-monitoring", OPS_OR_MONITORING),
        src="default/mon",
        want="deny",
    ),
    Case(
        "one-peer-too-narrow",
        "selector-and-or",
        _ingress("allow-monitoring", OPS_AND_MONITORING),
        src="operations/debug",
    ),
    Case(
        "stray-dash-before-ports",
        "rule-combination",
        _ingress(
            "allow-client",
            "\n- from: [{podSelector: {matchLabels: {app: client}}}]\n- ports: [{port: 8080}]",
        ),
        src="operations/debug",
        want="deny",
    ),
    Case(
        "peers-times-ports",
        "rule-combination",
        _ingress(
            "two-pairs",
            "\n- from: [{podSelector: {matchLabels: {app: client}}},"
            " {podSelector: {matchLabels: {type: monitoring}}}]\n"
            "  ports: [{port: 8080}, {port: 9090}]",
        ),
        src="default/mon",
        port=8080,
        want="deny",
    ),
    Case(
        "service-port",
        "service-vs-pod-port",
        _ingress("allow-client", f"\n- from: [{{{CLIENT}}}]\n  ports: [{{port: 80}}]"),
        dst="svc:default/web",
        port=80,
    ),
    Case(
        "service-port-name",
        "named-port",
        _ingress("allow-client", f"\n- from: [{{{CLIENT}}}]\n  ports: [{{port: web}}]"),
    ),
    Case(
        "bad-address",
        "dns-egress",
        policy(
            "client-egress",
            f"{CLIENT}\npolicyTypes: [Egress]\negress:\n- to: [{{{WEB}}}]\n"
            "  ports: [{port: 8080}]",
        ),
        kind="exec",
        want="Connecting to web",
        output="wget: bad address 'web'\n",
    ),
    Case(
        "dns-port-denied",
        "dns-egress",
        policy("client-egress", f"{CLIENT}\npolicyTypes: [Egress]\negress:\n- to: [{{{WEB}}}]"),
        dst="kube-system/coredns",
        protocol="UDP",
        port=53,
    ),
    Case(
        "egress-only-isolates-ingress",
        "policytypes-default",
        policy("web-egress", f"{WEB}\negress:\n- to: [{{{CLIENT}}}]"),
    ),
    Case(
        "ingress-type-ignores-egress",
        "policytypes-default",
        policy(
            "client-egress",
            f"{CLIENT}\npolicyTypes: [Ingress]\ningress: [{{}}]\negress:\n- to: [{{{WEB}}}]",
        ),
        dst="default/mon",
        port=80,
        want="deny",
    ),
    Case(
        "second-policy-to-deny",
        "additive-no-deny",
        _ingress("allow-frontend", "\n- from: [{podSelector: {matchLabels: {tier: frontend}}}]")
        + "---\n"
        + _ingress("deny-mon", " []").replace("ingress: []", ""),
        src="default/mon",
        want="deny",
    ),
    Case(
        "pod-ip-stale",
        "ipblock-pod-ip",
        _ingress("allow-client-ip", "\n- from: [{ipBlock: {cidr: IP_MON/32}}]"),
        src="default/mon",
        want="deny",
    ),
    Case(
        "pod-ip-external-only",
        "ipblock-pod-ip",
        _ingress("allow-client-ip", "\n- from: [{ipBlock: {cidr: IP_CLIENT/32}}]"),
        profile=CILIUM,
    ),
    Case(
        "client-given-the-server-label",
        "policy-selects-target",
        _ingress("allow-frontend", "\n- from: [{podSelector: {matchLabels: {tier: frontend}}}]")
        + "---\n"
        + LOOKALIKE,
        src="default/lookalike",
    ),
    Case(
        "namespace-label-on-podselector",
        "pod-vs-namespace-labels",
        _ingress("allow-ops", "\n- from: [{podSelector: {matchLabels: {team: operations}}}]"),
        src="operations/prom",
    ),
    Case(
        "namespace-name-on-podselector",
        "pod-vs-namespace-labels",
        _ingress(
            "allow-ops",
            "\n- from: [{podSelector: {matchLabels:"
            " {kubernetes.io/metadata.name: operations, type: monitoring}}}]",
        ),
        src="operations/prom",
    ),
    Case(
        "no-ports-opens-every-port",
        "rule-without-ports",
        _ingress("allow-client", f"\n- from: [{{{CLIENT}}}]"),
        port=1,
        want="deny",
    ),
    Case(
        "service-port-listed-too",
        "service-vs-pod-port",
        _ingress(
            "allow-client", f"\n- from: [{{{CLIENT}}}]\n  ports: [{{port: 80}}, {{port: 8080}}]"
        ),
        port=80,
        want="deny",
    ),
    Case(
        "server-side-only",
        "both-ends",
        _ingress("allow-client", f"\n- from: [{{{CLIENT}}}]\n  ports: [{{port: 8080}}]"),
        setup=policy("client-egress", f"{CLIENT}\npolicyTypes: [Egress]"),
    ),
    Case(
        "ipblock-everything-misses-pods",
        "ipblock-pod-ip",
        _ingress("allow-any-address", "\n- from: [{ipBlock: {cidr: 0.0.0.0/0}}]"),
        profile=CILIUM,
    ),
    Case(
        "rule-simply-missing",
        None,
        _ingress("allow-client", f"\n- from: [{{{CLIENT}}}]"),
        src="default/mon",
    ),
    Case(
        "too-broad-by-design",
        None,
        _ingress("allow-frontend", "\n- from: [{podSelector: {matchLabels: {tier: frontend}}}]"),
        src="default/mon",
        want="deny",
    ),
]


def test_catalogue_has_every_id_with_text_and_url() -> None:
    assert list(CATALOGUE) == IDS
    for ident, entry in CATALOGUE.items():
        assert isinstance(entry, Misconception)
        assert entry.id == ident
        assert entry.title and len(entry.title) <= 60
        assert len(entry.hint) > 40
        assert re.fullmatch(r"https://(kubernetes\.io|github\.com)/\S+", entry.url)


def test_every_misconception_has_a_detector_and_a_case() -> None:
    assert [ident for ident, _ in DETECTORS] != []
    assert sorted(ident for ident, _ in DETECTORS) == sorted(IDS)
    assert {c.expected for c in CASES} - {None} == set(IDS)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_detect_names_the_misconception(case: Case) -> None:
    ev = evidence(case)
    if case.kind == "reach":
        assert ev.got != ev.want, "the case must be a failed check"
    found = detect(ev)
    assert (found.id if found else None) == case.expected


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_only_its_own_detector_fires(case: Case) -> None:
    """The confusion test: on each mistake, every other detector stays silent."""
    seen = facts(evidence(case))
    fired = {ident for ident, detector in DETECTORS if detector(seen)}
    assert fired == ({case.expected} if case.expected else set())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_silent_when_the_check_passed(case: Case) -> None:
    ev = evidence(case)
    if case.kind == "reach":
        assert detect(replace(ev, want=ev.got)) is None or case.profile == FLANNEL


def test_explanation_is_computed_when_missing() -> None:
    case = next(c for c in CASES if c.name == "two-peers-admit-namespace")
    ev = replace(evidence(case), explanation=None)
    found = detect(ev)
    assert found is not None and found.id == "selector-and-or"


def test_no_cluster_no_diagnosis() -> None:
    ev = Evidence("c", "reach", "allow", "deny", "default/a", "default/b", port=80)
    assert detect(ev) is None
    assert detect(replace(ev, profile=FLANNEL)) == CATALOGUE["cni-enforces"]


def test_unknown_endpoint_is_no_error() -> None:
    case = next(c for c in CASES if c.name == "bare-podselector")
    ev = replace(evidence(case), explanation=None, src="default/ghost")
    assert detect(ev) is None
