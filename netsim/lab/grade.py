"""Grade an answer: run the setup, apply the answer, run every check, say why each failed.

:func:`grade` is ``netsim lab grade``; :func:`attempt` keeps the live cluster for
``lab test``'s equivalence check; :func:`run_checks` grades whatever a live runner
holds (a shell session's ``netsim check``). A failed check names its cause (the rule
that admitted a flow that should be denied, or the isolating policies and the nearest
miss of a flow that should pass) and, when a misconception detector recognises the
mistake, the misconception's id and hint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netsim.errors import NetsimError
from netsim.lab.answer import Answer, load_answer
from netsim.lab.checks import Outcome, Snapshot, run_check, snapshot
from netsim.lab.misconceptions import Evidence, detect
from netsim.lab.report import Cause, CheckResult, FlowRef, GradeReport
from netsim.lab.schema import Lab, LabCheck, LabError
from netsim.policy.explain import Explanation, SideExplanation
from netsim.policy.verdict import RuleRef
from netsim.scenario.kubectl import KubectlError
from netsim.scenario.runner import Runner

ALLOWED_BY = {
    "not-isolated": "not isolated: no policy isolates {end} for {direction}",
    "not-enforced": "the CNI profile enforces no NetworkPolicy",
    "node-local": "traffic with the pod's own node is always allowed",
    "loopback": "a pod can always reach itself",
    "not-a-pod": "{end} is not a pod: no policy applies at that end",
    "not-filtered": "the profile does not filter this protocol",
}


@dataclass
class Attempt:
    """One graded answer with its live cluster (close it when done)."""

    report: GradeReport
    runner: Runner
    closer: Any = None

    def close(self) -> None:
        """Stop the simulator (and the shell session, for a commands answer)."""
        (self.closer or self.runner).close()


def start(lab: Lab, *, seed: int | None = None) -> Runner:
    """A runner on the lab's cluster with its setup done; LabError if a setup step fails."""
    runner = Runner(lab.scenario(), seed=seed)
    for step in lab.setup:
        try:
            record = runner.execute(step)
        except NetsimError as exc:
            runner.close()
            raise LabError(f"{lab.source}: {step.path}: setup step failed: {exc}") from None
        failed = any(not c.ok for c in record.checks)
        if failed or (record.exit_code != 0 and not step.expect):
            runner.close()
            what = record.output.strip() or f"exit code {record.exit_code}"
            raise LabError(f"{lab.source}: {step.path}: setup step failed: {what}")
    return runner


def _apply(runner: Runner, answer: Answer) -> None:
    try:
        runner.kubectl.manifests("apply", answer.documents, answer.source)
    except KubectlError as exc:
        raise LabError(f"{answer.source}: {exc}") from None


def attempt(lab: Lab, answer: Answer, *, seed: int | None = None) -> Attempt:
    """Set up the lab, apply the answer, run every check; the cluster stays live."""
    if lab.submission.type == "commands":
        return _attempt_commands(lab, answer, seed)
    runner = start(lab, seed=seed)
    try:
        before = snapshot(runner)
        _apply(runner, answer)
        report = run_checks(lab, runner, answer.documents, before, answer.sha256)
    except BaseException:
        runner.close()
        raise
    return Attempt(report, runner)


def _attempt_commands(lab: Lab, answer: Answer, seed: int | None) -> Attempt:
    from netsim.shell.session import ShellSession

    workdir = Path(answer.source).parent if answer.source else lab.base_dir
    try:
        session = ShellSession(lab.scenario(), workdir=workdir, seed=seed)
    except NetsimError as exc:
        raise LabError(f"{lab.source}: setup failed: {exc}") from None
    try:
        before = snapshot(session.runner)
        ran = []
        for line in answer.commands:
            result = session.run_line(line)
            ran.append((line, result.exit_code, result.output))
        if session.in_pod:
            session.run_line("exit")
        report = run_checks(lab, session.runner, (), before, answer.sha256, tuple(ran))
    except BaseException:
        session.close()
        raise
    return Attempt(report, session.runner, session)


def grade(
    lab: Lab, answer_path: str | Path, *, seed: int | None = None, name: str | None = None
) -> GradeReport:
    """Grade the answer file for ``lab``; LabError (exit 2) if the answer is invalid.

    ``name`` is how the file is named in messages (default: the path as given).
    """
    answer = load_answer(lab, Path(answer_path), name or str(answer_path))
    done = attempt(lab, answer, seed=seed)
    done.close()
    return done.report


# ----------------------------------------------------------------- checking
def run_checks(
    lab: Lab,
    runner: Runner,
    answer_docs: Sequence[Mapping[str, Any]] = (),
    before: Snapshot | None = None,
    answer_sha256: str = "",
    commands: tuple[tuple[str, int, str], ...] = (),
) -> GradeReport:
    """Run every check of ``lab`` on what ``runner``'s cluster holds now.

    ``before`` is the cluster before the answer (for ``unchanged`` checks; default:
    now, so they pass); ``answer_docs`` the answer's manifests (for the detectors).
    """
    start_state = before if before is not None else snapshot(runner)
    docs = tuple(answer_docs)
    results = []
    for check in lab.checks:
        outcome = run_check(check, runner, start_state)
        results.append(_result(check, outcome, runner, docs))
    return GradeReport(lab.name, lab.title, answer_sha256, tuple(results), runner.seed, commands)


def _flow_ref(outcome: Outcome) -> FlowRef | None:
    flow = outcome.flow
    if flow is None:
        return None
    return FlowRef(flow.src, flow.dst, flow.protocol, flow.port or None)


def _result(
    check: LabCheck, outcome: Outcome, runner: Runner, docs: tuple[Mapping[str, Any], ...]
) -> CheckResult:
    flow = _flow_ref(outcome)
    if outcome.passed:
        return CheckResult(
            check.id,
            check.kind,
            True,
            check.points,
            check.points,
            check.description,
            outcome.want,
            outcome.got,
            flow,
        )
    cause = cause_of(outcome.explanation) if outcome.explanation is not None else None
    want, got = outcome.want, outcome.got
    if check.kind == "matrix" and outcome.explanation is not None:
        got = "allow" if outcome.explanation.allowed else "deny"
        want = "deny" if outcome.explanation.allowed else "allow"
    evidence = Evidence(
        check_id=check.id,
        kind=check.kind,
        want=want,
        got=got,
        src=flow.src if flow else "",
        dst=flow.dst if flow else "",
        protocol=flow.protocol if flow else "TCP",
        port=flow.port if flow else None,
        explanation=outcome.explanation,
        output=outcome.output,
        answer=docs,
        cluster=runner.cluster,
        profile=runner.hook.profile,
    )
    try:
        found = detect(evidence)
    except NetsimError:
        found = None
    return CheckResult(
        check.id,
        check.kind,
        False,
        0,
        check.points,
        check.description,
        outcome.want,
        outcome.got,
        flow,
        cause,
        found.id if found else None,
        found.hint if found else None,
        found.url if found else None,
        outcome.detail,
    )


def field_path(rule: RuleRef) -> str:
    """The apiserver field path of a rule element: the peer if one matched
    (``spec.ingress[0].from[1]``), else the port (``spec.ingress[0].ports[0]``), else the rule."""
    base = f"spec.{rule.direction}[{rule.rule}]"
    if rule.peer is not None:
        return f"{base}.{'from' if rule.direction == 'ingress' else 'to'}[{rule.peer}]"
    if rule.port is not None:
        return f"{base}.ports[{rule.port}]"
    return base


def cause_of(explanation: Explanation) -> Cause:
    """Why the engine decided as it did, for a check that wanted the opposite.

    Allowed: the rule that admitted it (ingress side first, else egress) or why no
    policy applied. Denied: the isolating policies of the denying side and its nearest miss.
    """
    e = explanation
    if e.allowed:
        for side in (e.ingress, e.egress):
            rule = side.decision.rule
            if side.decision.reason == "rule" and rule is not None:
                return Cause(
                    "rule",
                    f"allowed by {rule.policy} {rule.path}",
                    rule.policy,
                    field_path(rule),
                    side.direction,
                    side.end,
                )
        side = e.ingress if e.ingress.decision.reason != "not-a-pod" else e.egress
        reason = side.decision.reason
        template = ALLOWED_BY.get(reason, reason)
        text = template.format(end=side.end, direction=side.direction)
        return Cause(reason, text, direction=side.direction, pod=side.end)
    side = e.ingress if not e.ingress.decision.allowed else e.egress
    return _denied(side)


def _denied(side: SideExplanation) -> Cause:
    isolating = side.decision.isolating_policies or side.isolating
    reason = side.decision.reason
    if reason != "no-rule-matched":
        return Cause(
            reason,
            f"denied at {side.end} ({side.direction}): {reason}",
            direction=side.direction,
            pod=side.end,
        )
    text = f"denied: {side.end} is isolated for {side.direction} by {', '.join(isolating)}"
    miss = side.near_misses[0] if side.near_misses else None
    if miss is not None:
        what = "right peer, wrong port" if miss.kind == "wrong-port" else "right port, wrong peer"
        text += f"; nearest miss: {miss.rule.policy} {miss.rule.path} ({what})"
    else:
        text += "; no rule of theirs comes close"
    return Cause(
        reason,
        text,
        policy=miss.rule.policy if miss else None,
        path=field_path(miss.rule) if miss else None,
        direction=side.direction,
        pod=side.end,
        isolating=tuple(isolating),
        near_miss=str(miss.rule) if miss else None,
        near_miss_kind=miss.kind if miss else None,
    )
