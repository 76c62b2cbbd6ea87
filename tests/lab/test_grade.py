"""Grading: correct answers written differently pass, wrong ones fail with cause and
misconception, JSON is byte-identical, grading is fast."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from netsim.lab.grade import grade
from netsim.lab.report import render_json, render_junit, render_text

from .helpers import FIXTURE, mini, write

EXPRESSIONS_NAMED_PORT = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: other-spelling, namespace: default}
spec:
  podSelector:
    matchExpressions: [{key: app, operator: In, values: [web]}]
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector:
            matchExpressions: [{key: role, operator: In, values: [client, nobody]}]
      ports: [{port: http}]
"""

TWO_POLICIES = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: part-one, namespace: default}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
    - from: [{podSelector: {matchLabels: {role: client}}}]
      ports: [{port: 80, endPort: 80}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: part-two, namespace: default}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: []
"""


def test_solution_passes() -> None:
    report = grade(mini(), FIXTURE / "solution.yaml")
    assert report.passed and report.score == report.max_score == 10
    assert report.exit_code == 0


def test_correct_answers_written_differently_pass(tmp_path: Path) -> None:
    for text in (EXPRESSIONS_NAMED_PORT, TWO_POLICIES):
        report = grade(mini(), write(tmp_path, text))
        assert report.passed, render_text(report)


def test_wrong_answer_names_rule_and_misconception() -> None:
    report = grade(mini(), FIXTURE / "wrong/service-port.yaml")
    assert not report.passed and report.exit_code == 1
    assert report.failed_ids == (
        "client-allowed",
        "matrix-80",
        "nothing-else",
        "via-service",
        "wget",
    )
    by_id = {c.id: c for c in report.checks}
    denied = by_id["client-allowed"]
    assert (denied.want, denied.got) == ("allow", "deny")
    assert denied.cause is not None
    assert denied.cause.isolating == ("default/default-deny", "default/web-from-client")
    assert denied.cause.near_miss == "default/web-from-client spec.ingress[0].from[0]"
    assert denied.misconception == "service-vs-pod-port" and denied.hint
    allowed = by_id["nothing-else"]
    assert (allowed.want, allowed.got) == ("deny", "allow")
    assert allowed.flow is not None and allowed.flow.port == 8080
    assert allowed.cause is not None and allowed.cause.policy == "default/web-from-client"
    assert allowed.cause.path == "spec.ingress[0].from[0]"


def test_wrongly_allowed_by_no_isolation(tmp_path: Path) -> None:
    opened = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all, namespace: default}
spec:
  podSelector: {}
  ingress: [{}]
"""
    report = grade(mini(), write(tmp_path, opened))
    other = next(c for c in report.checks if c.id == "other-denied")
    assert other.cause is not None and other.cause.policy == "default/allow-all"
    assert other.cause.path == "spec.ingress[0]"


def test_json_is_byte_identical_and_sorted() -> None:
    path = FIXTURE / "wrong/all-pods.yaml"
    first = render_json(grade(mini(), path))
    second = render_json(grade(mini(), path, name="elsewhere/answer.yaml"))
    assert first == second
    data = json.loads(first)
    assert list(data) == sorted(data)
    assert data["lab"] == "mini" and data["passed"] is False
    assert data["score"] == 6 and data["max_score"] == 10
    failed = [c for c in data["checks"] if c["status"] == "failed"]
    assert {c["id"] for c in failed} == {"matrix-80", "nothing-else", "other-denied"}
    assert all(set(c) >= {"want", "got", "flow", "cause", "misconception", "hint"} for c in failed)


def test_junit_has_one_case_per_check() -> None:
    xml = render_junit(grade(mini(), FIXTURE / "wrong/all-pods.yaml"))
    suite = ET.fromstring(xml.split("\n", 1)[1])
    assert suite.get("tests") == "8" and suite.get("failures") == "3"
    failures = [case.get("name") for case in suite if case.find("failure") is not None]
    assert failures == ["other-denied", "nothing-else", "matrix-80"]


def test_grading_is_fast() -> None:
    lab = mini()
    grade(lab, FIXTURE / "solution.yaml")
    began = time.perf_counter()
    grade(lab, FIXTURE / "wrong/all-pods.yaml")
    assert time.perf_counter() - began < 0.5


def test_commands_answer_runs_in_the_shell(tmp_path: Path) -> None:
    from netsim.lab.catalog import load_lab

    from .helpers import copy_lab, lab_doc

    doc = lab_doc()
    doc["submission"] = {"type": "commands", "file": "answer.txt"}
    doc["solution"] = "solution.txt"
    del doc["starter"]
    doc["wrong"] = []
    folder = copy_lab(tmp_path, doc)
    (folder / "solution.txt").write_text("# apply the policy\nkubectl apply -f solution.yaml\n")
    lab = load_lab(folder)
    report = grade(lab, folder / "solution.txt")
    assert report.passed, render_text(report)
    assert report.commands == (
        ("kubectl apply -f solution.yaml", 0, 'networkpolicy "web-from-client" created'),
    )
    bad = write(folder, "kubectl label pod other role=client --overwrite\n", "bad.txt")
    failed = grade(lab, bad)
    assert {"client-allowed", "pods-untouched"} <= set(failed.failed_ids)
