"""What a scenario run produced: per-step records, the transcript text, the summary, JSON.

The transcript reads like the terminal session it replays: ``$ kubectl ...``
lines, what kubectl printed, ``/ # wget ...`` prompts inside a shell session,
and ``# ...`` notes. It is deterministic for a scenario and a seed, so it serves
as a golden file (``scenarios/*.out``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Verdict = Literal["allowed", "denied"]
CONNECTION_TOOLS: tuple[str, ...] = ("wget", "nc", "ping", "curl", "nslookup")
"""Commands whose exit code says whether a connection got through (0: allowed)."""


@dataclass(frozen=True, slots=True)
class Check:
    """One expectation checked: where it is written, whether it held, expected vs actual."""

    path: str
    ok: bool
    expected: str
    actual: str

    def as_dict(self) -> dict[str, Any]:
        """The check as plain data for ``--json``."""
        return {"path": self.path, "ok": self.ok, "expected": self.expected, "actual": self.actual}


@dataclass(frozen=True, slots=True)
class CommandRecord:
    """One command typed at a shell session's prompt and what it printed."""

    path: str
    command: str
    output: str
    exit_code: int
    verdict: Verdict | None
    checks: tuple[Check, ...] = ()
    drops: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The command as plain data for ``--json``."""
        return {
            "path": self.path,
            "command": self.command,
            "output": self.output,
            "exit_code": self.exit_code,
            "verdict": self.verdict,
            "checks": [c.as_dict() for c in self.checks],
            "drops": list(self.drops),
        }


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One step's result.

    ``lines`` are its transcript lines (command line included); ``output`` what the
    step printed after its command line; ``exit_code`` and ``verdict`` those of the
    step (for a shell session: of the last command typed); ``commands`` the typed
    commands of a shell session; ``drops`` the simulator's trace lines of the packets
    dropped during the step (for a shell session: during its last command).
    """

    path: str
    action: str
    command: str
    lines: tuple[str, ...]
    output: str
    exit_code: int
    verdict: Verdict | None = None
    checks: tuple[Check, ...] = ()
    commands: tuple[CommandRecord, ...] = ()
    drops: tuple[str, ...] = ()

    @property
    def all_checks(self) -> tuple[Check, ...]:
        """This step's checks and those of its typed commands."""
        inner = tuple(c for cmd in self.commands for c in cmd.checks)
        return inner + self.checks

    def as_dict(self) -> dict[str, Any]:
        """The step as plain data for ``--json``."""
        return {
            "path": self.path,
            "action": self.action,
            "command": self.command,
            "output": self.output,
            "exit_code": self.exit_code,
            "verdict": self.verdict,
            "checks": [c.as_dict() for c in self.checks],
            "commands": [c.as_dict() for c in self.commands],
            "drops": list(self.drops),
        }


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """A finished scenario run: its records in step order and how the expectations fared."""

    name: str
    source: str
    title: str
    seed: int
    steps: tuple[StepRecord, ...]
    header: tuple[str, ...] = ()
    pcap: str = ""

    @property
    def checks(self) -> tuple[Check, ...]:
        """Every expectation checked, in step order."""
        return tuple(c for s in self.steps for c in s.all_checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        """The expectations that did not hold."""
        return tuple(c for c in self.checks if not c.ok)

    @property
    def passed(self) -> bool:
        """True when every expectation held."""
        return not self.failures

    def transcript(self) -> str:
        """The terminal-like transcript, ending with a newline."""
        lines = list(self.header)
        for step in self.steps:
            first = 1 if lines and not lines[-1] and step.lines[:1] == ("",) else 0
            lines += step.lines[first:]
        return "\n".join(lines) + "\n"

    def summary(self) -> str:
        """One line of outcome, then for each failed check its place, expectation and reality."""
        total = len(self.checks)
        failed = self.failures
        if not failed:
            holds = "expectation holds" if total == 1 else "expectations hold"
            steps = "step" if len(self.steps) == 1 else "steps"
            head = f"PASS {self.name}: {len(self.steps)} {steps}, {total} {holds}"
            return head + "\n"
        lines = [f"FAIL {self.name}: {len(failed)} of {total} expectations failed"]
        for check in failed:
            lines.append(f"  {self.source}: {check.path}:")
            lines.append(f"    expected: {check.expected}")
            actual = check.actual.splitlines() or [""]
            lines.append(f"    actual:   {actual[0]}")
            lines += [f"              {line}" for line in actual[1:]]
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, Any]:
        """The whole run as plain data for ``--json``."""
        return {
            "name": self.name,
            "source": self.source,
            "title": self.title,
            "seed": self.seed,
            "passed": self.passed,
            "checks": len(self.checks),
            "failures": [c.as_dict() for c in self.failures],
            "pcap": self.pcap or None,
            "steps": [s.as_dict() for s in self.steps],
        }


def typed_lines(prompt: str, command: str, output: str) -> tuple[str, ...]:
    """A command as a terminal shows it: the prompt and what was typed, then its output.

    The one renderer of typed commands: scenario transcripts (``$ ``, ``/ # ``) and the
    interactive shell (``controlplane $ ``) both print through it.
    """
    return (f"{prompt}{command}", *output.splitlines())


def verdict_of(command: str, exit_code: int) -> Verdict | None:
    """``allowed``/``denied`` for a connection tool's exit code; None for other commands."""
    words = command.split()
    if not words or words[0].rsplit("/", 1)[-1] not in CONNECTION_TOOLS:
        return None
    return "allowed" if exit_code == 0 else "denied"
