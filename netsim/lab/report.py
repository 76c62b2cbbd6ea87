"""A grading result and its three renderings: text for the learner, JSON for an LMS, JUnit for CI.

The JSON is byte-identical for the same lab and answer: keys sorted, no timestamps,
no absolute paths (the answer is named by its sha256).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

FORMATS: tuple[str, ...] = ("text", "json", "junit")


@dataclass(frozen=True, slots=True)
class FlowRef:
    """The flow a check is about (or that shows its failure)."""

    src: str
    dst: str
    protocol: str
    port: int | None

    def __str__(self) -> str:
        if not self.dst:
            return self.src
        port = f":{self.port}" if self.port is not None else ""
        return f"{self.src} -> {self.dst}{port}/{self.protocol}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"src": self.src, "dst": self.dst, "protocol": self.protocol, "port": self.port}


@dataclass(frozen=True, slots=True)
class Cause:
    """Why a check failed, as the policy engine sees it.

    Wrongly allowed: the admitting rule (``policy`` and field ``path``) or
    ``reason`` ``not-isolated``. Wrongly denied: the ``isolating`` policies of the
    denying side (``direction``, ``pod``) and the nearest miss (``near_miss`` rule,
    ``near_miss_kind``). ``text`` is one line for people.
    """

    reason: str
    text: str
    policy: str | None = None
    path: str | None = None
    direction: str | None = None
    pod: str | None = None
    isolating: tuple[str, ...] = ()
    near_miss: str | None = None
    near_miss_kind: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "reason": self.reason,
            "text": self.text,
            "policy": self.policy,
            "path": self.path,
            "direction": self.direction,
            "pod": self.pod,
            "isolating": list(self.isolating),
            "near_miss": self.near_miss,
            "near_miss_kind": self.near_miss_kind,
        }


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's result: status, points, and for a failure want/got, flow, cause, hint."""

    id: str
    kind: str
    passed: bool
    score: int
    max_score: int
    description: str = ""
    want: str = ""
    got: str = ""
    flow: FlowRef | None = None
    cause: Cause | None = None
    misconception: str | None = None
    hint: str | None = None
    url: str | None = None
    detail: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        """``passed`` or ``failed``."""
        return "passed" if self.passed else "failed"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "score": self.score,
            "max_score": self.max_score,
            "description": self.description,
            "want": self.want,
            "got": self.got,
            "flow": self.flow.to_dict() if self.flow else None,
            "cause": self.cause.to_dict() if self.cause else None,
            "misconception": self.misconception,
            "hint": self.hint,
            "url": self.url,
            "detail": list(self.detail),
        }


@dataclass(frozen=True, slots=True)
class GradeReport:
    """The result of grading one answer for one lab."""

    lab: str
    title: str
    answer_sha256: str
    checks: tuple[CheckResult, ...]
    seed: int = 0
    commands: tuple[tuple[str, int, str], ...] = ()

    @property
    def score(self) -> int:
        """Points earned."""
        return sum(c.score for c in self.checks)

    @property
    def max_score(self) -> int:
        """Points available."""
        return sum(c.max_score for c in self.checks)

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return all(c.passed for c in self.checks)

    @property
    def failed_ids(self) -> tuple[str, ...]:
        """Ids of the failed checks, sorted."""
        return tuple(sorted(c.id for c in self.checks if not c.passed))

    @property
    def exit_code(self) -> int:
        """0 when every check passed, 1 otherwise."""
        return 0 if self.passed else 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (see ``netsim/labs/README.md``)."""
        out: dict[str, Any] = {
            "lab": self.lab,
            "title": self.title,
            "answer_sha256": self.answer_sha256,
            "seed": self.seed,
            "score": self.score,
            "max_score": self.max_score,
            "passed": self.passed,
            "checks": [c.to_dict() for c in self.checks],
        }
        if self.commands:
            out["commands"] = [
                {"line": line, "exit_code": code, "output": output}
                for line, code, output in self.commands
            ]
        return out


def render_json(report: GradeReport) -> str:
    """The report as JSON: sorted keys, two-space indent, byte-identical across runs."""
    return json.dumps(report.to_dict(), sort_keys=True, indent=2, ensure_ascii=True)


def _indent(text: str, prefix: str = "      ") -> list[str]:
    return [prefix + line for line in text.splitlines()] or [prefix.rstrip()]


def render_text(report: GradeReport, *, verbose: bool = False) -> str:
    """The learner's view: one line per check, and for each failure why and a hint."""
    lines = [f"lab {report.lab}: {report.title}"]
    for c in report.checks:
        mark = "PASS" if c.passed else "FAIL"
        about = f"   {c.flow}" if c.flow is not None and c.kind in ("reach",) else ""
        lines.append(f"{mark} {c.id}{about}   {c.score}/{c.max_score}")
        if c.passed and not verbose:
            continue
        if c.description:
            lines.append(f"    {c.description}")
        if c.passed:
            continue
        if c.kind in ("reach", "forbid") or (c.kind == "matrix" and c.flow is not None):
            flow = f" {c.flow}" if c.flow is not None else ""
            if c.kind == "matrix":
                lines.append(f"    cells differ:{flow}")
            elif c.kind == "reach":
                lines.append(f"    got {c.got.upper()}, want {c.want.upper()}")
            else:
                lines.append(f"    got {c.got.upper()}, want {c.want.upper()}:{flow}")
        elif c.kind == "unchanged":
            lines.append(f"    want no change, got: {c.got}")
        else:
            lines.append("    want:")
            lines += _indent(c.want)
            lines.append("    got:")
            lines += _indent(c.got)
        lines += [f"    {d}" for d in c.detail[:8]]
        if c.cause is not None:
            lines.append(f"    {c.cause.text}")
        if c.misconception:
            lines.append(f"    hint [{c.misconception}]: {c.hint}")
            if c.url:
                lines.append(f"    read: {c.url}")
    state = "all checks passed" if report.passed else f"{len(report.failed_ids)} checks failed"
    lines.append(f"score {report.score}/{report.max_score}: {state}")
    return "\n".join(lines)


def render_junit(report: GradeReport) -> str:
    """JUnit XML: one testsuite, one testcase per check, a failure element per failed check."""
    suite = ET.Element(
        "testsuite",
        {
            "name": f"lab.{report.lab}",
            "tests": str(len(report.checks)),
            "failures": str(len(report.failed_ids)),
            "errors": "0",
        },
    )
    for c in report.checks:
        case = ET.SubElement(suite, "testcase", {"classname": f"lab.{report.lab}", "name": c.id})
        if not c.passed:
            message = f"got {c.got}, want {c.want}" if c.kind in ("reach", "forbid") else "failed"
            failure = ET.SubElement(case, "failure", {"message": message, "type": c.kind})
            single = GradeReport(report.lab, report.title, report.answer_sha256, (c,))
            failure.text = "\n".join(render_text(single).splitlines()[1:-1])
    ET.indent(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode")


def render(report: GradeReport, fmt: str) -> str:
    """Render in ``text``, ``json`` or ``junit``."""
    if fmt == "json":
        return render_json(report)
    if fmt == "junit":
        return render_junit(report)
    return render_text(report)
