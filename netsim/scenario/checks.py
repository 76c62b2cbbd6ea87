"""Checking a step's ``expect`` against what it came to, so that nothing passes by accident.

Two rules on top of the expectations as written:

- ``allowed: false`` holds only when the connection failed *and* the CNI dropped a
  packet for it meanwhile (a policy drop, or a spoofed source dropped at the pod's
  interface). A failure for any other reason (an unknown pod or Service, a mistyped
  name, ``Connection refused``, a route to nowhere) is not a policy denial; the check
  fails and says so. (``contains:`` still checks such outputs.)
- A step that fails to carry out (kubectl refuses it: a missing file, an unknown
  object, an invalid name; a command the pod's shell cannot find) fails the scenario
  unless its ``expect`` names the ``exit_code`` it should fail with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from netsim.scenario.schema import Expect
from netsim.scenario.transcript import Check, Verdict

NOT_RUN_CODES = {126: "the command cannot be executed", 127: "the command was not found"}
"""Exit codes of a shell that could not run the command (POSIX ``sh``; busybox ash too)."""


class DropEvent(Protocol):
    """A packet drop as the network traces it: printable, with its reason."""

    @property
    def reason(self) -> str:
        """Why it was dropped (``policy-ingress``, ``policy-egress``, ``no-route``...)."""


def is_policy_drop(event: DropEvent) -> bool:
    """Whether the CNI's enforcement dropped it: a policy, or the anti-spoofing check."""
    return event.reason.startswith("policy-") or event.reason == "spoofed-source"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a step or typed command came to, as its expectations see it.

    ``drops`` are the trace lines of the packets dropped meanwhile; ``policy_drop``
    whether one of them was a policy drop; ``not_carried_out`` why the step could
    not be carried out (``""`` when it was).
    """

    output: str
    exit_code: int
    verdict: Verdict | None = None
    drops: tuple[str, ...] = ()
    policy_drop: bool = False
    not_carried_out: str = ""


def outcome_of(
    events: Sequence[DropEvent],
    output: str,
    exit_code: int,
    verdict: Verdict | None = None,
    not_carried_out: str = "",
) -> Outcome:
    """An :class:`Outcome` with ``events``, the packet drops that happened meanwhile."""
    drops = tuple(str(event) for event in events)
    policy = any(is_policy_drop(event) for event in events)
    return Outcome(output, exit_code, verdict, drops, policy, not_carried_out)


def not_run(exit_code: int) -> str:
    """Why a command that exited with ``exit_code`` did not run (``""``: it ran)."""
    return NOT_RUN_CODES.get(exit_code, "")


def check_outcome(path: str, expects: Sequence[Expect], outcome: Outcome) -> tuple[Check, ...]:
    """Every condition of ``expects``, and the step at ``path`` having been carried out."""
    checks: list[Check] = []
    for expect in expects:
        checks += check_expect(
            expect,
            outcome.output,
            outcome.exit_code,
            outcome.verdict,
            outcome.drops,
            outcome.policy_drop,
        )
    said = any(expect.exit_code is not None for expect in expects)
    if outcome.not_carried_out and not said:
        actual = f"{outcome.not_carried_out} (exit code {outcome.exit_code})"
        if outcome.output:
            actual += "\n" + outcome.output
        checks.append(
            Check(
                path,
                False,
                "the step carried out (a step that should fail says so: expect: {exit_code: N})",
                actual,
            )
        )
    return tuple(checks)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def check_expect(
    expect: Expect,
    output: str,
    exit_code: int,
    verdict: Verdict | None,
    drops: Sequence[str] = (),
    policy_drop: bool | None = None,
) -> list[Check]:
    """Check one ``expect`` against a result; one :class:`Check` per condition.

    ``drops`` (the simulator's trace lines of packets dropped meanwhile) are shown
    with a failed ``allowed`` check: they say which policy isolated whom.
    ``policy_drop`` says whether one was a policy drop; ``allowed: false`` needs one
    (None: unknown, the verdict alone decides).
    """
    text = output.rstrip("\n")
    checks = []
    if expect.output is not None:
        want = expect.output.rstrip("\n")
        checks.append(Check(f"{expect.path}.output", text == want, f"output {_quote(want)}", text))
    for i, piece in enumerate(expect.contains):
        checks.append(
            Check(
                f"{expect.path}.contains[{i}]",
                piece in text,
                f"output containing {_quote(piece)}",
                text,
            )
        )
    for i, piece in enumerate(expect.not_contains):
        checks.append(
            Check(
                f"{expect.path}.not_contains[{i}]",
                piece not in text,
                f"output not containing {_quote(piece)}",
                text,
            )
        )
    if expect.exit_code is not None:
        checks.append(
            Check(
                f"{expect.path}.exit_code",
                exit_code == expect.exit_code,
                f"exit code {expect.exit_code}",
                f"exit code {exit_code}",
            )
        )
    if expect.allowed is not None:
        checks.append(_allowed_check(expect, text, exit_code, verdict, drops, policy_drop))
    return checks


def _allowed_check(
    expect: Expect,
    text: str,
    exit_code: int,
    verdict: Verdict | None,
    drops: Sequence[str],
    policy_drop: bool | None,
) -> Check:
    want: Verdict = "allowed" if expect.allowed else "denied"
    actual = f"{verdict or 'no connection verdict'} (exit code {exit_code})"
    ok = verdict == want
    if ok and want == "denied" and policy_drop is False:
        ok = False
        actual = f"failed without a policy drop (exit code {exit_code}): not a policy denial"
    if text:
        actual += "\n" + text
    actual += "".join(f"\ndropped: {line}" for line in drops)
    expected = "exit code 0" if expect.allowed else "non-zero exit code, a packet dropped by policy"
    return Check(f"{expect.path}.allowed", ok, f"{want} ({expected})", actual)
