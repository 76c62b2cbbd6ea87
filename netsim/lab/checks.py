"""Run one lab check on a live cluster (a :class:`~netsim.scenario.runner.Runner`).

- ``reach``: one flow through the policy engine; a ``svc:`` destination is DNATed to
  its backends and allowed only when every backend allows;
- ``forbid``: every representative flow (:mod:`netsim.lab.flows`), so "nothing of this
  kind is allowed" is checked exactly;
- ``matrix``: the truth table of one port, compared cell by cell;
- ``exec``: the command run by the simulator through ``Runner.execute``, so the
  transcript is the simulator's;
- ``unchanged``: the cluster's objects of some kinds before and after the answer.

A check's :class:`Outcome` carries want and got, the flow that shows the failure and
its :class:`~netsim.policy.explain.Explanation` (for the cause and the misconception
detectors).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from netsim.errors import NetsimError
from netsim.lab.checkspec import (
    ExecSpec,
    ForbidSpec,
    MatrixSpec,
    ReachSpec,
    UnchangedSpec,
    parse_table,
)
from netsim.lab.flows import Flow, allowed_flows, forbid_flows
from netsim.lab.schema import LabCheck
from netsim.policy.engine import PolicyEngine
from netsim.policy.explain import Explanation, explain_all
from netsim.policy.truthtable import truth_table
from netsim.scenario.runner import Runner
from netsim.scenario.schema import Step

Snapshot = Mapping[str, Mapping[str, object]]
"""Objects of some kinds by kind, then by ``ns/name`` (see :func:`snapshot`)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one check saw.

    ``want``/``got``: ``allow``/``deny`` for flow checks, the expected and actual text
    for matrix and exec, the changes for unchanged. ``flow`` is the flow that shows a
    failure (or the checked flow), ``explanation`` its explanation; ``output`` what an
    exec command printed; ``detail`` extra lines for the report.
    """

    passed: bool
    want: str
    got: str
    flow: Flow | None = None
    explanation: Explanation | None = None
    output: str = ""
    detail: tuple[str, ...] = ()


def snapshot(runner: Runner) -> dict[str, dict[str, object]]:
    """The cluster's namespaces, pods, services and policies (what ``unchanged`` compares)."""
    cluster = runner.cluster
    return {
        "Namespace": dict(cluster.namespaces),
        "NetworkPolicy": dict(cluster.policies),
        "Pod": dict(cluster.pods),
        "Service": dict(cluster.services),
    }


def _explain(engine: PolicyEngine, flow: Flow, want_allowed: bool | None = None) -> Explanation:
    """The explanation of a flow (for a Service: the first backend that disagrees with
    ``want_allowed``, else the first)."""
    found = explain_all(engine, flow.src, flow.dst, flow.protocol, flow.port)
    if want_allowed is not None:
        for e in found:
            if e.allowed != want_allowed:
                return e
    return found[0]


def _word(allowed: bool) -> str:
    return "allow" if allowed else "deny"


def reach(spec: ReachSpec, engine: PolicyEngine) -> Outcome:
    """One flow; ``svc:`` destinations are allowed only when every backend allows."""
    flow = Flow(spec.src, spec.dst, spec.protocol, spec.port)
    try:
        found = explain_all(engine, spec.src, spec.dst, spec.protocol, spec.port)
    except NetsimError as exc:
        return Outcome(False, spec.expect, f"error: {exc}", flow)
    allowed = all(e.allowed for e in found)
    want_allowed = spec.expect == "allow"
    pick = next((e for e in found if e.allowed != want_allowed), found[0])
    return Outcome(allowed == want_allowed, spec.expect, _word(allowed), flow, pick)


def forbid(spec: ForbidSpec, engine: PolicyEngine) -> Outcome:
    """No representative flow of the kind allowed (except the listed ones)."""
    flows = list(forbid_flows(spec, engine.cluster))
    allowed = allowed_flows(engine, flows)
    if not allowed:
        return Outcome(True, "deny", "deny", detail=(f"{len(flows)} representative flows denied",))
    first = allowed[0]
    shown = [f"{f.src} -> {f.dst} {f.port}/{f.protocol}" for f in allowed[:5]]
    more = f" and {len(allowed) - 5} more" if len(allowed) > 5 else ""
    detail = (
        f"{len(allowed)} of {len(flows)} representative flows allowed: " + ", ".join(shown) + more,
    )
    return Outcome(False, "deny", "allow", first, _explain(engine, first, False), detail=detail)


def matrix(spec: MatrixSpec, engine: PolicyEngine) -> Outcome:
    """The truth table of one port over the pods (of ``namespaces`` if given)."""
    pods = engine.pods()
    keep = [i for i, p in enumerate(pods) if not spec.namespaces or p.namespace in spec.namespaces]
    names = [pods[i].key for i in keep]
    table = engine.matrix([(spec.protocol, spec.port)])[0]
    marks = [["." if table[i, j] else "X" for j in keep] for i in keep]
    got = truth_table(names, names, marks)
    want = parse_table(spec.expect)
    if want is not None and want == (names, names, marks):
        return Outcome(True, spec.expect, got)
    flow = None
    explanation = None
    if want is not None and want[0] == names and want[1] == names:
        cells = [
            (r, c)
            for r in range(len(names))
            for c in range(len(names))
            if want[2][r][c] != marks[r][c]
        ]
        r, c = cells[0]
        flow = Flow(names[r], names[c], spec.protocol, spec.port)
        explanation = _explain(engine, flow)
        detail = tuple(
            f"{names[r]} -> {names[c]}: want {_word(want[2][r][c] == '.')}, "
            f"got {_word(marks[r][c] == '.')}"
            for r, c in cells
        )
    else:
        detail = ("the table's pods differ from the cluster's",)
    return Outcome(False, spec.expect, got, flow, explanation, detail=detail)


def execute(spec: ExecSpec, runner: Runner, path: str) -> Outcome:
    """Run the command in the pod through the scenario runner and check its ``expect``."""
    step = Step(path, "exec", spec.pod, command=spec.command, expect=(spec.expect,))
    src = Flow(spec.pod, "", "TCP", 0)
    try:
        record = runner.execute(step)
    except NetsimError as exc:
        return Outcome(False, "the command to run", f"error: {exc}", src)
    failed = [c for c in record.checks if not c.ok]
    want = "; ".join(c.expected for c in (failed or list(record.checks)))
    passed = not failed
    return Outcome(passed, want, record.output, src, output=record.output, detail=record.drops)


def unchanged(spec: UnchangedSpec, before: Snapshot, after: Snapshot) -> Outcome:
    """The objects of ``spec.kinds`` are the same objects before and after the answer."""
    changes = []
    for kind in spec.kinds:
        old, new = before.get(kind, {}), after.get(kind, {})
        for key in sorted(set(old) | set(new)):
            if key not in old:
                changes.append(f"created {kind} {key}")
            elif key not in new:
                changes.append(f"deleted {kind} {key}")
            elif old[key] != new[key]:
                changes.append(f"changed {kind} {key}")
    got = "; ".join(changes) if changes else "no change"
    return Outcome(not changes, "no change", got, detail=tuple(changes))


def run_check(check: LabCheck, runner: Runner, before: Snapshot) -> Outcome:
    """Run one check on the runner's live cluster (``before``: the cluster before the answer)."""
    spec = check.spec
    engine = runner.hook.engine
    if isinstance(spec, ReachSpec):
        return reach(spec, engine)
    if isinstance(spec, ForbidSpec):
        return forbid(spec, engine)
    if isinstance(spec, MatrixSpec):
        return matrix(spec, engine)
    if isinstance(spec, ExecSpec):
        return execute(spec, runner, check.path)
    return unchanged(spec, before, snapshot(runner))
