"""``netsim lint``: checks over a policy set, each one function, with ids and severities.

A check is a :class:`Check` (id, severity, title, whether it needs pods or
Namespace objects) and a function from :class:`~netsim.insight.lintinput.LintInput`
to findings. :func:`run` runs the enabled checks; one that needs pods or
namespaces the input lacks is reported as *skipped*, never as passed. A
finding on a policy that carries ``netsim.dev/lint-ignore: ID[,ID...]`` (or
``all``) for its id is counted as suppressed instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from netsim.errors import NetsimError
from netsim.insight.lintinput import LintInput

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
Needs = Literal["pods", "namespaces"]


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """One problem: ``policy`` ``ns/name`` and ``path`` are None for the whole input."""

    id: str
    severity: Severity
    policy: str | None
    path: str | None
    message: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A check that did not run, and why."""

    id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Hit:
    """What a check function yields: where (policy ``ns/name`` and path, or None) and what."""

    policy: str | None
    path: str | None
    message: str


CheckFn = Callable[[LintInput], Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Check:
    """A lint check: what it looks for (``title``), what to do (``fix``), what it needs."""

    id: str
    severity: Severity
    title: str
    fix: str
    run: CheckFn
    needs: tuple[Needs, ...] = ()


@dataclass(frozen=True, slots=True)
class LintResult:
    """Findings (sorted by policy, then id and path), skipped checks, the suppressed count."""

    findings: tuple[Finding, ...]
    skipped: tuple[Skipped, ...]
    suppressed: int
    checks: tuple[Check, ...]

    def counts(self) -> dict[str, int]:
        """Findings per severity."""
        return {s: sum(f.severity == s for f in self.findings) for s in SEVERITIES}

    def fails(self, fail_on: Severity) -> bool:
        """Tell whether a finding is at ``fail_on`` severity or worse."""
        worst = SEVERITIES.index(fail_on)
        return any(SEVERITIES.index(f.severity) <= worst for f in self.findings)


class SkipCheck(Exception):
    """Raised by a check function that cannot judge this input; the message says why."""


class UnknownCheck(NetsimError):
    """An id given to ``--enable``/``--disable`` that is no check."""


def select(checks: Sequence[Check], toggles: Sequence[tuple[str, str]] = ()) -> tuple[Check, ...]:
    """The checks enabled after applying ``(enable|disable, ID or all)`` toggles in order."""
    ids = {c.id for c in checks}
    enabled = set(ids)
    for op, target in toggles:
        target = target.strip().upper()
        if target != "ALL" and target not in ids:
            known = ", ".join(sorted(ids))
            raise UnknownCheck(f"--{op} {target}: no such check (known: {known}, all)")
        chosen = ids if target == "ALL" else {target}
        enabled = enabled | chosen if op == "enable" else enabled - chosen
    return tuple(c for c in checks if c.id in enabled)


def _missing(check: Check, data: LintInput) -> str | None:
    if "pods" in check.needs and not data.has_pods:
        return "needs pods and the input has none"
    if "namespaces" in check.needs and not data.has_namespaces:
        return "needs Namespace objects (with their labels) and the input has none"
    return None


def _silenced(finding: Finding, data: LintInput) -> bool:
    if finding.policy is None:
        return False
    written = data.where(finding.policy)
    if written is None:
        return False
    ignored = written.ignored
    return finding.id in ignored or "ALL" in ignored


def run(data: LintInput, checks: Sequence[Check]) -> LintResult:
    """Run ``checks`` on ``data``: findings, skipped checks, and how many were silenced."""
    found: list[Finding] = []
    skipped: list[Skipped] = []
    suppressed = 0
    for check in checks:
        reason = _missing(check, data)
        if reason is not None:
            skipped.append(Skipped(check.id, reason))
            continue
        try:
            hits = list(check.run(data))
        except SkipCheck as exc:
            skipped.append(Skipped(check.id, str(exc)))
            continue
        for hit in hits:
            finding = Finding(check.id, check.severity, hit.policy, hit.path, hit.message)
            if _silenced(finding, data):
                suppressed += 1
            else:
                found.append(finding)
    found = sorted(set(found), key=lambda f: (f.policy or "", f.id, f.path or "", f.message))
    return LintResult(tuple(found), tuple(skipped), suppressed, tuple(checks))
