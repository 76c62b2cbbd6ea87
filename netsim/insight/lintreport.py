"""Render a :class:`~netsim.insight.lint.LintResult` as text, JSON or SARIF 2.1.0."""

from __future__ import annotations

import json
from typing import Any

from netsim import __version__
from netsim.insight.lint import Finding, LintResult
from netsim.insight.lintinput import LintInput
from netsim.model.yamllines import line_of

FORMATS = ("text", "json", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
DOCS = "docs/INSIGHT.md"


def finding_dict(f: Finding) -> dict[str, Any]:
    """``{"id", "severity", "policy", "path", "message"}``."""
    return {
        "id": f.id,
        "severity": f.severity,
        "policy": f.policy,
        "path": f.path,
        "message": f.message,
    }


def to_json(result: LintResult) -> str:
    """``{"findings": [...], "skipped": [{"id", "reason"}], "suppressed": n, "summary"}``."""
    body = {
        "findings": [finding_dict(f) for f in result.findings],
        "skipped": [{"id": s.id, "reason": s.reason} for s in result.skipped],
        "suppressed": result.suppressed,
        "summary": summary(result),
    }
    return json.dumps(body, indent=2)


def summary(result: LintResult) -> str:
    """``3 findings: 1 error, 2 warnings, 0 info; 2 checks skipped; 1 suppressed``."""
    counts = result.counts()
    n = len(result.findings)
    text = (
        f"{n} finding{'s' * (n != 1)}: {counts['error']} error{'s' * (counts['error'] != 1)}, "
        f"{counts['warning']} warning{'s' * (counts['warning'] != 1)}, {counts['info']} info"
    )
    if result.skipped:
        text += f"; {len(result.skipped)} check{'s' * (len(result.skipped) != 1)} skipped"
    if result.suppressed:
        text += f"; {result.suppressed} suppressed by annotation"
    return text


def to_text(result: LintResult) -> str:
    """Findings grouped by policy (whole-input findings first), skipped checks, summary."""
    lines: list[str] = []
    current: object = object()
    for f in result.findings:
        if f.policy != current:
            current = f.policy
            lines.append(f.policy if f.policy is not None else "(input)")
        where = f"{f.path}: " if f.path else ""
        lines.append(f"  {f.severity:<7} {f.id} {where}{f.message}")
    for s in result.skipped:
        lines.append(f"skipped {s.id}: {s.reason}")
    lines.append(summary(result))
    return "\n".join(lines)


def _location(f: Finding, data: LintInput) -> dict[str, Any]:
    location: dict[str, Any] = {}
    written = data.where(f.policy) if f.policy is not None else None
    if written is not None:
        origin = written.origin
        physical: dict[str, Any] = {"artifactLocation": {"uri": origin.source}}
        text = data.texts.get(origin.source)
        if text is not None and origin.document is not None:
            path = ".".join(x for x in (written.base, f.path or "") if x)
            line = line_of(text, origin.document, path)
            if line is not None:
                physical["region"] = {"startLine": line}
        location["physicalLocation"] = physical
    if f.policy is not None:
        location["logicalLocations"] = [
            {"fullyQualifiedName": f"{f.policy}:{f.path or ''}".rstrip(":"), "kind": "resource"}
        ]
    return location


def to_sarif(result: LintResult, data: LintInput) -> str:
    """A SARIF 2.1.0 log with one run: the checks as rules, the findings as results
    (file and line where known), skipped checks as tool notifications."""
    rules = [
        {
            "id": c.id,
            "name": c.id,
            "shortDescription": {"text": c.title},
            "help": {"text": c.fix},
            "helpUri": f"{DOCS}#{c.id.lower()}",
            "defaultConfiguration": {"level": SARIF_LEVEL[c.severity]},
        }
        for c in result.checks
    ]
    index = {c.id: i for i, c in enumerate(result.checks)}
    results = []
    for f in result.findings:
        item: dict[str, Any] = {
            "ruleId": f.id,
            "ruleIndex": index[f.id],
            "level": SARIF_LEVEL[f.severity],
            "message": {"text": f.message},
        }
        location = _location(f, data)
        if location:
            item["locations"] = [location]
        results.append(item)
    notifications = [
        {"descriptor": {"id": s.id}, "level": "note", "message": {"text": f"skipped: {s.reason}"}}
        for s in result.skipped
    ]
    log = {
        "version": "2.1.0",
        "$schema": SARIF_SCHEMA,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "netsim-lint",
                        "version": __version__,
                        "informationUri": "https://github.com/",
                        "rules": rules,
                    }
                },
                "invocations": [
                    {"executionSuccessful": True, "toolExecutionNotifications": notifications}
                ],
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2)


def render(result: LintResult, data: LintInput, form: str) -> str:
    """Render in one of :data:`FORMATS`."""
    if form == "json":
        return to_json(result)
    if form == "sarif":
        return to_sarif(result, data)
    return to_text(result)
