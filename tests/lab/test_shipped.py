"""The labs that ship with netsim: each self-tests clean, and the three fixed labs are as the
issue describes them and grade answers written independently of their solutions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from netsim.lab.catalog import open_lab, shipped_dir, shipped_ids
from netsim.lab.misconceptions import CATALOGUE
from netsim.lab.selftest import selftest_lab

FIXED = ("label-the-client", "and-vs-or", "it-was-dns")
JSON = ("--format", "json")


def test_twelve_labs_easiest_first_covering_the_catalogue() -> None:
    ids = shipped_ids()
    assert len(ids) >= 12
    labs = [open_lab(i) for i in ids]
    covered = {m for lab in labs for m in lab.misconceptions}
    assert covered == set(CATALOGUE)
    for lab in labs:
        assert len(lab.wrong) >= 2, lab.name
        assert lab.solution
    assert set(FIXED) <= set(ids)


@pytest.mark.parametrize("lab_id", shipped_ids())
def test_shipped_lab_passes_its_self_test(lab_id: str) -> None:
    result = selftest_lab(open_lab(lab_id))
    assert result.passed, result.render()
    audit = next(f for f in result.findings if f.subject == "mutation audit")
    assert " 0 surviving" in audit.message


def netsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "netsim", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def grade_json(lab: str, answer: Path) -> tuple[int, dict[str, object], bytes]:
    done = subprocess.run(
        [sys.executable, "-m", "netsim", "lab", "grade", lab, "--answer", str(answer), *JSON],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr.decode()
    return done.returncode, json.loads(done.stdout), done.stdout


def failed(report: dict[str, object]) -> dict[str, object]:
    checks = report["checks"]
    assert isinstance(checks, list)
    return {c["id"]: c.get("misconception") for c in checks if c["status"] == "failed"}


# ----------------------------------------------------------------- label-the-client
def test_label_the_client_is_the_walkthroughs_last_step() -> None:
    lab = open_lab("label-the-client")
    assert lab.submission.type == "commands"
    text = (shipped_dir() / "label-the-client" / "cluster.yaml").read_text()
    for fact in ("replicas: 2", "run: nginx", "name: client", "name: other", "run: client"):
        assert fact in text, fact
    setup = " ".join(s.argument for s in lab.scenario().steps)
    assert "default-deny" in setup
    assert "access-nginx" in setup


def test_label_the_client_independent_answers(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("# my answer\nkubectl label pods client access=true --overwrite\n")
    code, report, first = grade_json("label-the-client", good)
    assert code == 0, report
    assert grade_json("label-the-client", good)[2] == first  # byte-identical JSON
    too_many = tmp_path / "both.txt"
    too_many.write_text(
        "kubectl label pod client access=true\nkubectl label pod other access=true\n"
    )
    code, report, _ = grade_json("label-the-client", too_many)
    assert code == 1
    assert set(failed(report)) == {"other-denied"}
    policy = tmp_path / "policy.txt"
    policy.write_text("kubectl delete networkpolicy default-deny\n")
    code, report, _ = grade_json("label-the-client", policy)
    assert code == 1
    assert "no-policy-touched" in failed(report)


# ----------------------------------------------------------------------- and-vs-or
AND_VS_OR_GOOD = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ops-monitoring, namespace: default}
spec:
  podSelector:
    matchExpressions: [{key: app, operator: In, values: [web]}]
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector:
        matchExpressions: [{key: team, operator: In, values: [operations]}]
      podSelector:
        matchExpressions: [{key: type, operator: In, values: [monitoring]}]
    ports: [{protocol: TCP, port: 80}]
"""
AND_VS_OR_OR = AND_VS_OR_GOOD.replace("      podSelector:\n", "    - podSelector:\n")


def test_and_vs_or_independent_answers(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(AND_VS_OR_GOOD)
    code, report, _ = grade_json("and-vs-or", good)
    assert code == 0, report
    wrong = tmp_path / "or.yaml"
    wrong.write_text(AND_VS_OR_OR)
    code, report, _ = grade_json("and-vs-or", wrong)
    assert code == 1
    misconceptions = set(failed(report).values())
    assert "selector-and-or" in misconceptions
    # operations/debug now gets in through the namespaceSelector-only peer
    checks = report["checks"]
    assert isinstance(checks, list)
    debug = next(
        c
        for c in checks
        if c["status"] == "failed" and c.get("flow", {}).get("src") == "operations/debug"
    )
    assert (debug["want"], debug["got"]) == ("deny", "allow")
    assert debug["cause"]["policy"] == "default/ops-monitoring"
    assert debug["cause"]["path"].startswith("spec.ingress[0].from[")


# ---------------------------------------------------------------------- it-was-dns
IT_WAS_DNS_GOOD = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-egress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: client}}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
      podSelector: {matchLabels: {k8s-app: kube-dns}}
    ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
  - to:
    - podSelector: {matchLabels: {app: api}}
    ports: [{protocol: TCP, port: http}]
"""


def test_it_was_dns_independent_answers(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(IT_WAS_DNS_GOOD)
    code, report, _ = grade_json("it-was-dns", good)
    assert code == 0, report
    no_dns = tmp_path / "no-dns.yaml"
    no_dns.write_text(
        IT_WAS_DNS_GOOD.split("  - to:\n    - namespaceSelector")[0]
        + "  - to:\n    - podSelector: {matchLabels: {app: api}}\n"
        + "    ports: [{protocol: TCP, port: http}]\n"
    )
    code, report, _ = grade_json("it-was-dns", no_dns)
    assert code == 1
    assert "dns-egress" in set(failed(report).values())
    service_port = tmp_path / "svc-port.yaml"
    service_port.write_text(IT_WAS_DNS_GOOD.replace("port: http}", "port: 80}"))
    code, report, _ = grade_json("it-was-dns", service_port)
    assert code == 1
    assert "service-vs-pod-port" in set(failed(report).values())


def test_a_bad_answer_is_exit_2_with_file_line_and_field_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(AND_VS_OR_GOOD.replace("protocol: TCP", "protocol: tcp"))
    done = netsim("lab", "grade", "and-vs-or", "--answer", str(bad), cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    # line 14 of the answer holds `ports: [{protocol: tcp, port: 80}]`
    assert f"{bad}:14: NetworkPolicy default/ops-monitoring: " in done.stderr, done.stderr
    assert "spec.ingress[0].ports[0].protocol" in done.stderr
    assert 'Unsupported value: "tcp"' in done.stderr
