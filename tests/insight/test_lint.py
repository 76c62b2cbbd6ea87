"""netsim lint: a positive and a negative fixture per check id, skipping, silencing, output.

Fixtures are policies over ``fixtures/lint/base.yaml`` (namespaces shop and other, pods
shop/web-1 app=web with port http=8080, shop/db-1 app=db, other/client-1 app=client, and
a CoreDNS pod behind kube-system/kube-dns). Each expectation follows from the
NetworkPolicy semantics noted beside it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netsim.insight.checks import CHECKS
from netsim.insight.lint import LintResult, UnknownCheck, run, select
from netsim.insight.lintinput import load_lint_input
from netsim.insight.lintreport import render

BASE = Path(__file__).parent / "fixtures" / "lint" / "base.yaml"
HEAD = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"


def policy(name: str, spec: str, namespace: str = "shop", annotations: str = "") -> str:
    meta = f"metadata: {{name: {name}, namespace: {namespace}{annotations}}}\n"
    return HEAD + meta + "spec:\n" + "".join(f"  {line}\n" for line in spec.strip().splitlines())


def lint(tmp_path: Path, *docs: str, base: bool = True) -> LintResult:
    path = tmp_path / "policies.yaml"
    path.write_text("---\n".join(docs))
    paths = [str(BASE), str(path)] if base else [str(path)]
    return run(load_lint_input(paths), CHECKS)


def ids(result: LintResult) -> set[str]:
    return {f.id for f in result.findings}


DNS_ONLY = """
podSelector: {}
policyTypes: [Egress]
egress:
- to:
  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
    podSelector: {matchLabels: {k8s-app: kube-dns}}
  ports:
  - {protocol: UDP, port: 53}
  - {protocol: TCP, port: 53}
"""

CASES: dict[str, tuple[str, str]] = {
    # egress isolation with no rule: the shop pods reach nothing, kube-dns included;
    # negative: DNS allowed to the kube-dns pods only (after DNAT the packet goes to them)
    "NP001": ("podSelector: {}\npolicyTypes: [Egress]", DNS_ONLY),
    # port 53 without protocol defaults to TCP: UDP DNS is not allowed
    "NP002": (
        "podSelector: {}\npolicyTypes: [Egress]\negress:\n- ports: [{port: 53}]",
        DNS_ONLY,
    ),
    "NP003": ("podSelector: {matchLabels: {app: nope}}", "podSelector: {matchLabels: {app: web}}"),
    # a podSelector peer looks in the policy's namespace: no app=client pod in shop
    "NP004": (
        "podSelector: {}\ningress:\n- from: [{podSelector: {matchLabels: {app: client}}}]",
        "podSelector: {}\ningress:\n- from: [{podSelector: {matchLabels: {app: db}}}]",
    ),
    # namespaces carry kubernetes.io/metadata.name, not name
    "NP005": (
        "podSelector: {}\ningress:\n- from: [{namespaceSelector: {matchLabels: {name: other}}}]",
        "podSelector: {}\ningress:\n- from: [{namespaceSelector: {matchLabels: "
        "{kubernetes.io/metadata.name: other}}}]",
    ),
    "NP006": (
        "podSelector: {}\npolicyTypes: [Ingress]\negress:\n- to: [{podSelector: {}}]",
        "podSelector: {}\npolicyTypes: [Ingress, Egress]\negress:\n- to: [{podSelector: {}}]",
    ),
    "NP007": (
        "podSelector: {}\npolicyTypes: [Egress]\ningress:\n- from: [{podSelector: {}}]",
        "podSelector: {}\npolicyTypes: [Ingress, Egress]\ningress:\n- from: [{podSelector: {}}]",
    ),
    # two peers: all of namespace other OR app=client in shop; app=client pods live in
    # other, so {namespaceSelector, podSelector} in one peer was likely meant.
    # negative: app=db exists only in shop (the policy's namespace)
    "NP009": (
        "podSelector: {}\ningress:\n- from:\n  - namespaceSelector: {matchLabels: {team: other}}"
        "\n  - podSelector: {matchLabels: {app: client}}",
        "podSelector: {}\ningress:\n- from:\n  - namespaceSelector: {matchLabels: {team: other}}"
        "\n  - podSelector: {matchLabels: {app: db}}",
    ),
    # the stray '-' makes ports a rule of its own: every source on 5432
    "NP010": (
        "podSelector: {matchLabels: {app: db}}\ningress:\n"
        "- from: [{podSelector: {matchLabels: {app: web}}}]\n- ports: [{port: 5432}]",
        "podSelector: {matchLabels: {app: db}}\ningress:\n"
        "- from: [{podSelector: {matchLabels: {app: web}}}]\n  ports: [{port: 5432}]",
    ),
    # pods get IPs from 10.244.0.0/16
    "NP011": (
        "podSelector: {}\npolicyTypes: [Egress]\negress:\n- to: [{ipBlock: {cidr: 10.244.0.0/16}}]",
        "podSelector: {}\npolicyTypes: [Egress]\negress:\n- to: [{ipBlock: {cidr: 192.0.2.0/24}}]",
    ),
    # 10.100.0.0/16 is the Service range: DNAT happens before policy
    "NP012": (
        "podSelector: {}\npolicyTypes: [Egress]\negress:\n- to: [{ipBlock: {cidr: 10.100.0.0/24}}]",
        "podSelector: {}\npolicyTypes: [Egress]\negress:\n- to: [{ipBlock: {cidr: 192.0.2.0/24}}]",
    ),
    "NP013": (
        "podSelector: {matchLabels: {app: web}}\ningress:\n- ports: [{port: https}]",
        "podSelector: {matchLabels: {app: web}}\ningress:\n- ports: [{port: http}]",
    ),
    # rule 1 (app=db on 8080) is inside rule 0 (app=db, every port)
    "NP015": (
        "podSelector: {}\ningress:\n- from: [{podSelector: {matchLabels: {app: db}}}]\n"
        "- from: [{podSelector: {matchLabels: {app: db}}}]\n  ports: [{port: 8080}]",
        "podSelector: {}\ningress:\n- from: [{podSelector: {matchLabels: {app: db}}}]\n"
        "- from: [{podSelector: {matchLabels: {app: web}}}]\n  ports: [{port: 8080}]",
    ),
    "NP017": (
        "podSelector: {}\ningress:\n- from: [{namespaceSelector: {}}]",
        "podSelector: {}\ningress:\n- from: [{namespaceSelector: {matchLabels: {team: other}}}]",
    ),
}


@pytest.mark.parametrize("check", sorted(CASES))
def test_positive_and_negative(check: str, tmp_path: Path) -> None:
    positive, negative = CASES[check]
    found = lint(tmp_path, policy("p", positive))
    assert check in ids(found), found.findings
    assert all(f.policy == "shop/p" for f in found.findings if f.id == check)
    assert check not in ids(lint(tmp_path, policy("p", negative))), check


WEB_FROM_DB = (
    "podSelector: {matchLabels: {app: web}}\ningress:\n"
    "- from: [{podSelector: {matchLabels: {app: db}}}]"
)
ALL_FROM_DB = "podSelector: {}\ningress:\n- from: [{podSelector: {matchLabels: {app: db}}}]"


def test_np016_redundant_policy(tmp_path: Path) -> None:
    # all-from-db selects web and db and admits app=db: web-from-db adds nothing for web-1
    found = lint(tmp_path, policy("web", WEB_FROM_DB), policy("all", ALL_FROM_DB))
    redundant = [f for f in found.findings if f.id == "NP016"]
    assert [f.policy for f in redundant] == ["shop/web"]
    assert "shop/all" in redundant[0].message
    assert "NP016" not in ids(lint(tmp_path, policy("web", WEB_FROM_DB)))


def test_np019_duplicate(tmp_path: Path) -> None:
    found = lint(tmp_path, policy("p", ALL_FROM_DB), policy("p", WEB_FROM_DB))
    assert [(f.id, f.severity, f.policy) for f in found.findings if f.id == "NP019"] == [
        ("NP019", "error", "shop/p")
    ]
    assert "NP019" not in ids(lint(tmp_path, policy("p", ALL_FROM_DB), policy("q", WEB_FROM_DB)))


def test_every_id_has_fixtures() -> None:
    assert {c.id for c in CHECKS} == {*CASES, "NP016", "NP019"}


def test_checks_needing_pods_are_skipped_without_them(tmp_path: Path) -> None:
    found = lint(tmp_path, policy("p", "podSelector: {matchLabels: {app: nope}}"), base=False)
    skipped = {s.id for s in found.skipped}
    assert skipped == {"NP001", "NP003", "NP004", "NP005", "NP009", "NP011", "NP013", "NP016"}
    assert "NP003" not in ids(found)  # skipped, not passed and not reported


def test_np001_skipped_without_dns(tmp_path: Path) -> None:
    pods = BASE.read_text().split("---\n")
    no_dns = "---\n".join(d for d in pods if "kube-dns" not in d)
    (tmp_path / "base.yaml").write_text(no_dns)
    (tmp_path / "p.yaml").write_text(policy("p", "podSelector: {}\npolicyTypes: [Egress]"))
    data = load_lint_input([str(tmp_path / "base.yaml"), str(tmp_path / "p.yaml")])
    found = run(data, CHECKS)
    assert "NP001" in {s.id for s in found.skipped}


def test_annotation_silences_one_policy(tmp_path: Path) -> None:
    ann = ", annotations: {netsim.dev/lint-ignore: 'NP003,NP017'}"
    silenced = policy("quiet", "podSelector: {matchLabels: {app: nope}}", annotations=ann)
    loud = policy("loud", "podSelector: {matchLabels: {app: nope}}")
    found = lint(tmp_path, silenced, loud)
    assert [f.policy for f in found.findings if f.id == "NP003"] == ["shop/loud"]
    assert found.suppressed == 1


def test_enable_disable_in_order() -> None:
    assert [c.id for c in select(CHECKS, [("disable", "all"), ("enable", "NP001")])] == ["NP001"]
    assert "NP016" not in {c.id for c in select(CHECKS, [("disable", "np016")])}
    with pytest.raises(UnknownCheck):
        select(CHECKS, [("disable", "NP999")])


def test_json_and_sarif_shapes(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(policy("deny-egress", "podSelector: {}\npolicyTypes: [Egress]"))
    data = load_lint_input([str(BASE), str(path)])
    result = run(data, CHECKS)
    body = json.loads(render(result, data, "json"))
    assert {
        "id": "NP001",
        "severity": "error",
        "policy": "shop/deny-egress",
        "path": "spec.egress",
    }.items() <= body["findings"][0].items()
    assert body["skipped"] == []
    sarif = json.loads(render(result, data, "sarif"))
    assert sarif["version"] == "2.1.0"
    run0 = sarif["runs"][0]
    assert {r["id"] for r in run0["tool"]["driver"]["rules"]} == {c.id for c in CHECKS}
    first = run0["results"][0]
    assert first["ruleId"] == "NP001" and first["level"] == "error"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == str(path)
    assert location["region"]["startLine"] == 4  # the spec: line (spec.egress is absent)
