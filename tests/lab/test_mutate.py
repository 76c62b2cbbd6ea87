"""The mutation audit: each operator makes valid manifests that change what they should."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest

from netsim.lab.misconceptions import CATALOGUE, Evidence, detect
from netsim.lab.mutate import OPERATORS, Mutant, command_mutants, mutants, parse_label
from netsim.model.cluster import Cluster
from netsim.model.load import load_bytes
from netsim.policy.engine import PolicyEngine
from netsim.policy.explain import explain_all
from netsim.policy.profile import CILIUM, UPSTREAM, Profile

from .misconception_cases import DENY_WEB, apply, base_cluster, dump, parse, policy, with_ips

WEB = "podSelector: {matchLabels: {app: web}}"
CLIENT = "podSelector: {matchLabels: {app: client}}"
DNS_PEER = (
    "{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}},"
    " podSelector: {matchLabels: {k8s-app: kube-dns}}}"
)


def _ingress(name: str, rules: str) -> str:
    return policy(name, f"{WEB}\npolicyTypes: [Ingress]\ningress:{rules}")


@dataclass(frozen=True)
class OpCase:
    """A correct answer, the operator to apply and a flow whose verdict the mutant flips."""

    operator: str
    answer: str
    src: str
    dst: str = "default/web"
    port: int = 8080
    protocol: str = "TCP"
    setup: str = ""
    profile: Profile = UPSTREAM
    pick: str = ""  # a text the chosen mutant's description contains
    detected: bool = True  # detect() names the operator's misconception on the flipped flow


OPS_AND_MONITORING = (
    "\n- from:\n  - namespaceSelector: {matchLabels: {team: operations}}\n"
    "    podSelector: {matchLabels: {type: monitoring}}"
)

OP_CASES = [
    OpCase(
        "merge-peers",
        _ingress(
            "ops-or-monitoring",
            "\n- from: [{namespaceSelector: {matchLabels: {team: operations}}},"
            " {podSelector: {matchLabels: {type: monitoring}}}]",
        ),
        "operations/debug",
    ),
    OpCase("split-peers", _ingress("ops-monitoring", OPS_AND_MONITORING), "operations/debug"),
    OpCase(
        "drop-namespace-selector", _ingress("ops-monitoring", OPS_AND_MONITORING), "operations/prom"
    ),
    OpCase(
        "service-port",
        _ingress("client-8080", f"\n- from: [{{{CLIENT}}}]\n  ports: [{{port: 8080}}]"),
        "default/client",
    ),
    OpCase(
        "service-port",
        _ingress("client-http", f"\n- from: [{{{CLIENT}}}]\n  ports: [{{port: http}}]"),
        "default/client",
    ),
    OpCase(
        "named-port",
        _ingress("client-8080", f"\n- from: [{{{CLIENT}}}]\n  ports: [{{port: 8080}}]"),
        "default/client",
    ),
    OpCase(
        "drop-ports",
        _ingress("client-8080", f"\n- from: [{{{CLIENT}}}]\n  ports: [{{port: 8080}}]"),
        "default/client",
        port=1,
    ),
    OpCase(
        "drop-policy-types",
        policy("web-egress", f"{WEB}\npolicyTypes: [Egress]\negress:\n- to: [{{{CLIENT}}}]"),
        "default/client",
    ),
    OpCase(
        "drop-dns",
        policy(
            "client-egress",
            f"{CLIENT}\npolicyTypes: [Egress]\negress:\n- to: [{{{WEB}}}]\n"
            f"- to: [{DNS_PEER}]\n  ports: [{{port: 53, protocol: UDP}}, {{port: 53}}]",
        ),
        "default/client",
        dst="kube-system/coredns",
        port=53,
        protocol="UDP",
    ),
    OpCase(
        "empty-for-absent",
        _ingress("client-8080", f"\n- from: [{{{CLIENT}}}]\n  ports: [{{port: 8080}}]"),
        "default/mon",
        pick="spec.ingress: [{}]",
    ),
    OpCase(
        "empty-for-absent",
        _ingress("client-8080", f"\n- from: [{{{CLIENT}}}]\n  ports: [{{port: 8080}}]"),
        "default/mon",
        pick="from[0].podSelector",
    ),
    OpCase(
        "empty-for-absent",
        _ingress("client-8080", f"\n- from: [{{{CLIENT}}}]\n  ports: [{{port: 8080}}]"),
        "default/mon",
        pick="spec.ingress[0].from:",
        detected=False,  # an absent from leaves no trace in the answer to point at
    ),
    OpCase(
        "name-label",
        _ingress(
            "from-ops",
            "\n- from: [{namespaceSelector: {matchLabels: "
            "{kubernetes.io/metadata.name: operations}}}]",
        ),
        "operations/prom",
    ),
    OpCase(
        "split-ports",
        _ingress("client-8080", f"\n- from: [{{{CLIENT}}}]\n  ports: [{{port: 8080}}]"),
        "operations/debug",
    ),
    OpCase(
        "merge-rules",
        _ingress(
            "two-pairs",
            f"\n- from: [{{{CLIENT}}}]\n  ports: [{{port: 8080}}]"
            "\n- from: [{podSelector: {matchLabels: {type: monitoring}}}]\n  ports: [{port: 9090}]",
        ),
        "default/client",
        port=9090,
    ),
    OpCase(
        "swap-selectors",
        _ingress("client-to-web", f"\n- from: [{{{CLIENT}}}]"),
        "default/client",
        setup=DENY_WEB,
    ),
    OpCase(
        "pod-ip-block",
        _ingress("client-to-web", f"\n- from: [{{{CLIENT}}}]"),
        "default/client",
        profile=CILIUM,
    ),
    OpCase(
        "drop-except",
        policy(
            "client-egress",
            f"{CLIENT}\npolicyTypes: [Egress]\negress:\n"
            "- to: [{ipBlock: {cidr: 0.0.0.0/0, except: [IP_MON/32]}}]",
        ),
        "default/client",
        dst="default/mon",
    ),
]
OP_IDS = [f"{c.operator}-{c.pick or c.answer.split()[6]}" for c in OP_CASES]
MISCONCEPTION_OF = {name: ident for name, ident, _ in OPERATORS}


def _setup(case: OpCase) -> tuple[Cluster, list[dict[str, Any]]]:
    cluster = base_cluster(case.setup)
    return cluster, parse(with_ips(case.answer, cluster))


def _with(documents: tuple[dict[str, Any], ...] | list[dict[str, Any]], case: OpCase) -> Cluster:
    return apply(base_cluster(case.setup), list(documents))


def _explain(cluster: Cluster, case: OpCase) -> Any:
    engine = PolicyEngine(cluster, case.profile)
    try:
        return explain_all(engine, case.src, case.dst, case.protocol, case.port)[0]
    finally:
        engine.close()


def _chosen(case: OpCase) -> tuple[list[dict[str, Any]], Mutant]:
    cluster, documents = _setup(case)
    found = [m for m in mutants(documents, cluster) if m.operator == case.operator]
    found = [m for m in found if case.pick in m.description]
    assert found, f"no {case.operator} mutant matching {case.pick!r}"
    return documents, found[0]


def test_every_operator_names_a_catalogue_misconception() -> None:
    assert len({name for name, _, _ in OPERATORS}) == len(OPERATORS)
    assert all(ident in CATALOGUE for _, ident, _ in OPERATORS)
    assert {c.operator for c in OP_CASES} == {name for name, _, _ in OPERATORS}


@pytest.mark.parametrize("case", OP_CASES, ids=OP_IDS)
def test_mutant_is_valid_and_flips_the_flow(case: OpCase) -> None:
    documents, mutant = _chosen(case)
    before = _explain(_with(documents, case), case).allowed
    after = _explain(_with(mutant.documents, case), case).allowed
    assert before != after, mutant.description
    assert mutant.misconception == MISCONCEPTION_OF[case.operator]
    load_bytes(dump(mutant.documents), "mutant.yaml")


@pytest.mark.parametrize("case", OP_CASES, ids=OP_IDS)
def test_every_mutant_is_valid_and_described(case: OpCase) -> None:
    cluster, documents = _setup(case)
    original = copy.deepcopy(documents)
    found = mutants(documents, cluster)
    assert documents == original, "the answer must not be changed in place"
    assert found
    for mutant in found:
        load_bytes(dump(mutant.documents), "mutant.yaml")
        assert mutant.documents != tuple(original)
        key, path = mutant.description.split(" ", 2)[:2]
        assert key.count("/") == 1 and path.startswith("spec."), mutant.description
    assert len({m.documents.__repr__() for m in found}) == len(found), "duplicates"
    assert mutants(documents, cluster) == found, "deterministic"


@pytest.mark.parametrize("case", [c for c in OP_CASES if c.detected], ids=lambda c: c.operator)
def test_detector_names_the_mutants_misconception(case: OpCase) -> None:
    """The round trip: the flow a mutant flips is diagnosed as the mutant's misconception."""
    documents, mutant = _chosen(case)
    want = "allow" if _explain(_with(documents, case), case).allowed else "deny"
    cluster = _with(mutant.documents, case)
    explanation = _explain(cluster, case)
    ev = Evidence(
        "flipped",
        "reach",
        want,
        "allow" if explanation.allowed else "deny",
        case.src,
        case.dst,
        case.protocol,
        case.port,
        explanation,
        answer=mutant.documents,
        cluster=cluster,
        profile=case.profile,
    )
    found = detect(ev)
    assert found is not None and found.id == mutant.misconception, mutant.description


DENY_ALL = policy("deny-all", "podSelector: {}\npolicyTypes: [Ingress]")
ALLOW_ALL = policy("allow-all", "podSelector: {}\ningress: [{}]")


@pytest.mark.parametrize("name", [name for name, _, _ in OPERATORS])
def test_nothing_to_mutate(name: str) -> None:
    cluster = base_cluster()
    text = ALLOW_ALL if name == "empty-for-absent" else DENY_ALL
    assert [m for m in mutants(parse(text), cluster) if m.operator == name] == []


def test_only_empty_rule_mutant_for_a_deny_all() -> None:
    found = mutants(parse(DENY_ALL), base_cluster())
    assert [m.description for m in found] == [
        "default/deny-all spec.ingress: [{}] (one empty rule)"
    ]


def test_other_kinds_pass_through() -> None:
    cluster = base_cluster()
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}}
    documents = [*parse(DENY_WEB), config]
    found = mutants(documents, cluster)
    assert found
    for mutant in found:
        assert mutant.documents[-1] == config


def test_drop_except_adds_the_deny_policy() -> None:
    case = next(c for c in OP_CASES if c.operator == "drop-except")
    _, mutant = _chosen(case)
    names = [d["metadata"]["name"] for d in mutant.documents]
    assert names == ["client-egress", "client-egress-deny"]


# ------------------------------------------------------------------ commands
LABEL_POLICY = _ingress("access", "\n- from: [{podSelector: {matchLabels: {access: 'true'}}}]")


def _relabel(cluster: Cluster, line: str) -> None:
    command = parse_label(line)
    assert command is not None
    pod = cluster.pod(f"{command.namespace}/{command.name}")
    labels = pod.labels
    for key, value in command.labels:
        labels = labels.with_label(key, value)
    cluster.apply(pod.relabelled(labels))


def test_command_mutants_label_the_wrong_pod_value_and_key() -> None:
    cluster = base_cluster(DENY_WEB)
    lines = ["# let the client in", "kubectl label pod client access=true"]
    found = command_mutants(lines, cluster)
    assert [(m, d) for m, d, _ in found] == [
        ("policy-selects-target", "line 2: label pod mon instead of client"),
        ("policy-selects-target", "line 2: label pod web instead of client"),
        ("policy-selects-target", "line 2: access=True for access=true"),
        ("policy-selects-target", "line 2: accesss=true for access=true"),
    ]
    assert found[0][2] == ("# let the client in", "kubectl label pod mon access=true")
    assert all(m in CATALOGUE for m, _, _ in found)


@pytest.mark.parametrize("index", range(4))
def test_command_mutants_break_the_lab(index: int) -> None:
    def client_allowed(line: str) -> bool:
        cluster = base_cluster(DENY_WEB + "---\n" + LABEL_POLICY)
        _relabel(cluster, line)
        engine = PolicyEngine(cluster)
        try:
            return explain_all(engine, "default/client", "default/web", "TCP", 8080)[0].allowed
        finally:
            engine.close()

    line = "kubectl label pod client access=true"
    assert client_allowed(line)
    _, _, lines = command_mutants([line], base_cluster())[index]
    assert not client_allowed(lines[0])


def test_command_mutants_namespace_and_other_lines() -> None:
    cluster = base_cluster()
    lines = ["kubectl get pods", "kubectl label ns operations team=ops -n default"]
    found = command_mutants(lines, cluster)
    assert ("ns-by-name", "line 2: name=ops for team=ops") in [(m, d) for m, d, _ in found]
    assert all(lines[0] == new[0] for _, _, new in found)
    assert command_mutants(["kubectl label pod client access-"], cluster) == []
    assert command_mutants(["kubectl apply -f x.yaml", "'unterminated"], cluster) == []
