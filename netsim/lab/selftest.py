"""``netsim lab test``: a lab's checks accept the solution and reject the mistakes.

For one lab: the solution scores the maximum, and so does every other correct answer in
its ``alternatives/`` folder; the starter does not; each known-wrong
answer fails exactly the checks it declares (and is recognised as the misconception it
declares). Then a mutation audit applies the misconception catalogue to the solution
(:mod:`netsim.lab.mutate`): a mutant that still scores the maximum *survives* and fails
the test, unless it allows exactly what the solution allows on every representative
flow (:func:`netsim.lab.flows.verdict_table`), in which case it is *equivalent* and
only reported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from netsim.errors import NetsimError
from netsim.lab.answer import Answer, load_answer
from netsim.lab.flows import Flow, verdict_table
from netsim.lab.grade import Attempt, attempt, start
from netsim.lab.mutate import command_mutants, mutants
from netsim.lab.report import GradeReport
from netsim.lab.schema import Lab
from netsim.model.yamlsafe import dump_yaml_all

Status = Literal["ok", "fail", "note"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One line of a lab's self-test: what was tried, whether it is fine, and why."""

    status: Status
    subject: str
    message: str


@dataclass(frozen=True, slots=True)
class LabTest:
    """Every finding of one lab's self-test; it passes when no finding failed."""

    lab: str
    findings: tuple[Finding, ...]

    @property
    def passed(self) -> bool:
        """True when no finding failed."""
        return all(f.status != "fail" for f in self.findings)

    def render(self) -> str:
        """Text for ``lab test``: one line per finding, then PASS/FAIL."""
        lines = [f"lab {self.lab}:"]
        marks = {"ok": "ok  ", "fail": "FAIL", "note": "note"}
        lines += [f"  {marks[f.status]} {f.subject}: {f.message}" for f in self.findings]
        lines.append(f"{'PASS' if self.passed else 'FAIL'} {self.lab}")
        return "\n".join(lines)


def _failed(report: GradeReport) -> str:
    return ", ".join(report.failed_ids) or "none"


def _try(lab: Lab, answer: Answer, seed: int | None) -> Attempt | str:
    """Grade an answer, or the reason it could not be graded."""
    try:
        return attempt(lab, answer, seed=seed)
    except NetsimError as exc:
        return str(exc).splitlines()[0]


def _solution(lab: Lab, seed: int | None) -> tuple[list[Finding], Attempt | None, Answer | None]:
    try:
        answer = load_answer(lab, lab.base_dir / lab.solution, lab.solution)
    except NetsimError as exc:
        return [Finding("fail", lab.solution, f"invalid: {str(exc).splitlines()[0]}")], None, None
    done = _try(lab, answer, seed)
    if isinstance(done, str):
        return [Finding("fail", lab.solution, f"cannot be graded: {done}")], None, answer
    r = done.report
    if r.passed:
        return [Finding("ok", lab.solution, f"scores {r.score}/{r.max_score}")], done, answer
    message = f"scores {r.score}/{r.max_score}, not the maximum: fails {_failed(r)}"
    return [Finding("fail", lab.solution, message)], done, answer


def _starter(lab: Lab, seed: int | None) -> list[Finding]:
    if lab.starter is None:
        return [Finding("note", "starter", "none (lab start gives an empty answer file)")]
    try:
        answer = load_answer(lab, lab.base_dir / lab.starter, lab.starter)
    except NetsimError as exc:
        return [Finding("ok", lab.starter, f"not a valid answer yet ({str(exc).splitlines()[0]})")]
    done = _try(lab, answer, seed)
    if isinstance(done, str):
        return [Finding("ok", lab.starter, f"cannot be graded yet ({done})")]
    done.close()
    r = done.report
    if r.passed:
        return [Finding("fail", lab.starter, f"already scores the maximum {r.max_score}")]
    return [Finding("ok", lab.starter, f"scores {r.score}/{r.max_score}")]


def _wrong(lab: Lab, seed: int | None) -> list[Finding]:
    out = []
    for wrong in lab.wrong:
        try:
            answer = load_answer(lab, lab.base_dir / wrong.file, wrong.file)
        except NetsimError as exc:
            out.append(Finding("fail", wrong.file, f"invalid: {str(exc).splitlines()[0]}"))
            continue
        done = _try(lab, answer, seed)
        if isinstance(done, str):
            out.append(Finding("fail", wrong.file, f"cannot be graded: {done}"))
            continue
        done.close()
        r = done.report
        problems = []
        if r.failed_ids != wrong.fails:
            problems.append(f"fails {_failed(r)}, declared {', '.join(wrong.fails)}")
        found = sorted({c.misconception for c in r.checks if c.misconception})
        if wrong.misconception and wrong.misconception not in found:
            problems.append(
                f"misconception {wrong.misconception} not reported "
                f"(reported: {', '.join(found) or 'none'})"
            )
        if problems:
            out.append(Finding("fail", wrong.file, "; ".join(problems)))
        else:
            named = f" as {wrong.misconception}" if wrong.misconception else ""
            out.append(Finding("ok", wrong.file, f"fails exactly {_failed(r)}{named}"))
    return out


ALTERNATIVES = "alternatives"
"""A lab's folder of other correct answers, written differently from the solution."""


def _alternatives(lab: Lab, seed: int | None) -> list[Finding]:
    """Every file of ``alternatives/`` (correct answers written another way) scores the maximum."""
    folder = lab.base_dir / ALTERNATIVES
    files = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    out = []
    for path in files:
        name = f"{ALTERNATIVES}/{path.name}"
        try:
            answer = load_answer(lab, path, name)
        except NetsimError as exc:
            out.append(Finding("fail", name, f"invalid: {str(exc).splitlines()[0]}"))
            continue
        done = _try(lab, answer, seed)
        if isinstance(done, str):
            out.append(Finding("fail", name, f"cannot be graded: {done}"))
            continue
        done.close()
        r = done.report
        if r.passed:
            out.append(Finding("ok", name, f"scores {r.score}/{r.max_score}"))
        else:
            message = f"a correct answer scores {r.score}/{r.max_score}: fails {_failed(r)}"
            out.append(Finding("fail", name, message))
    return out


def _difference(a: dict[Flow, bool], b: dict[Flow, bool]) -> str:
    """The first flow on which two verdict tables differ, as text."""
    for flow in sorted(set(a) | set(b)):
        if a.get(flow) != b.get(flow):
            verb = "allows" if b.get(flow) else "denies"
            other = "allows" if a.get(flow) else "denies"
            return (
                f"it {verb} {flow.src} -> {flow.dst} {flow.port}/{flow.protocol}, "
                f"which the solution {other}"
            )
    return ""


def _candidates(lab: Lab, answer: Answer, seed: int | None) -> list[tuple[str, str, Answer]]:
    """(misconception, description, answer) for every mutant of the solution."""
    runner = start(lab, seed=seed)
    try:
        out = []
        if lab.submission.type == "commands":
            for ident, description, lines in command_mutants(answer.commands, runner.cluster):
                text = "\n".join(lines) + "\n"
                digest = hashlib.sha256(text.encode()).hexdigest()
                out.append(
                    (ident, description, Answer(answer.source, text, digest, (), tuple(lines)))
                )
        else:
            for m in mutants(answer.documents, runner.cluster):
                text = dump_yaml_all([dict(d) for d in m.documents], sort_keys=True)
                digest = hashlib.sha256(text.encode()).hexdigest()
                docs: tuple[dict[str, Any], ...] = tuple(dict(d) for d in m.documents)
                out.append(
                    (m.misconception, m.description, Answer("mutant.yaml", text, digest, docs))
                )
        return out
    finally:
        runner.close()


def _audit(lab: Lab, solution: Attempt, answer: Answer, seed: int | None) -> list[Finding]:
    try:
        candidates = _candidates(lab, answer, seed)
    except NetsimError as exc:
        return [Finding("fail", "mutation audit", f"cannot mutate the solution: {exc}")]
    out: list[Finding] = []
    killed = equivalent = invalid = 0
    for ident, description, mutant in candidates:
        done = _try(lab, mutant, seed)
        if isinstance(done, str):
            invalid += 1
            continue
        try:
            if not done.report.passed:
                killed += 1
                continue
            clusters = [solution.runner.cluster, done.runner.cluster]
            ours = verdict_table(solution.runner.hook.engine, clusters)
            theirs = verdict_table(done.runner.hook.engine, clusters)
        finally:
            done.close()
        if ours == theirs:
            equivalent += 1
            out.append(Finding("note", f"mutant [{ident}]", f"{description}: equivalent"))
            continue
        why = _difference(ours, theirs)
        out.append(
            Finding(
                "fail",
                f"mutant [{ident}]",
                f"{description}: scores {done.report.score}/{done.report.max_score} "
                f"although {why}; add a check that catches it",
            )
        )
    surviving = sum(1 for f in out if f.status == "fail")
    summary = (
        f"{len(candidates)} mutants: {killed} killed, {surviving} surviving, "
        f"{equivalent} equivalent" + (f", {invalid} not applicable" if invalid else "")
    )
    return [Finding("fail" if surviving else "ok", "mutation audit", summary), *out]


def selftest_lab(lab: Lab, *, seed: int | None = None, mutation: bool = True) -> LabTest:
    """Self-test one lab (see the module docstring)."""
    findings, solution, answer = _solution(lab, seed)
    try:
        findings += _starter(lab, seed)
        findings += _alternatives(lab, seed)
        findings += _wrong(lab, seed)
        if mutation and solution is not None and answer is not None and solution.report.passed:
            findings += _audit(lab, solution, answer, seed)
    finally:
        if solution is not None:
            solution.close()
    return LabTest(lab.name, tuple(findings))


def selftest_labs(labs: Sequence[Lab], *, seed: int | None = None) -> list[LabTest]:
    """Self-test several labs, in the order given."""
    return [selftest_lab(lab, seed=seed) for lab in labs]
