"""One interactive session on a simulated cluster: a typed line in, what the terminal shows out.

:class:`ShellSession` keeps a :class:`~netsim.scenario.runner.Runner` (cluster,
kubectl emulation, packet simulator) and turns every typed line into the step the
scenario runner executes: ``kubectl ...`` at the host prompt is a ``kubectl:`` step,
``kubectl run ... --rm -ti ... /bin/sh`` opens the same session a ``shell:`` step
opens, and what is typed at its ``/ # `` prompt runs through
:meth:`Runner.shell_command`. Shell and scenario files therefore share one set of
semantics, and a session exports as a scenario (:mod:`netsim.shell.export`).

Nothing here touches a terminal: :mod:`netsim.shell.terminal` reads the lines.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from netsim.errors import NetsimError, ScenarioError
from netsim.scenario.kubectl import KubectlResult, Session, UnsupportedCommand
from netsim.scenario.runner import PROMPT as POD_PROMPT
from netsim.scenario.runner import NetworkFactory, Runner
from netsim.scenario.schema import Scenario, ShellCommand, Step
from netsim.scenario.transcript import CommandRecord, typed_lines
from netsim.shell import files

HOST_PROMPT = "controlplane $ "
"""The prompt of the node the learner types kubectl on (as Killercoda shows it)."""

Action = Literal["", "exit", "clear", "edit"]

Builtin = Callable[["ShellSession", list[str]], tuple[str, int]]
"""A ``netsim SUB`` built-in: (session, arguments after SUB) -> (output, exit code)."""

INTERACTIVE_FLAGS = frozenset({"-ti", "-it", "-i", "-t", "--tty", "--stdin", "-i=true", "-t=true"})


@dataclass(frozen=True, slots=True)
class LineResult:
    """What one typed line did.

    ``prompt`` is the prompt it was typed at, ``output`` what it printed (no
    trailing newline), ``exit_code`` its exit status; ``action`` asks the terminal
    to do something only a terminal can (``exit`` the shell, ``clear`` the screen,
    ``edit`` the file in ``argument``).
    """

    prompt: str
    line: str
    output: str
    exit_code: int
    action: Action = ""
    argument: str = ""

    @property
    def lines(self) -> tuple[str, ...]:
        """Transcript lines: the prompt with the typed line, then the output."""
        return typed_lines(self.prompt, self.line, self.output)


@dataclass(frozen=True, slots=True)
class Typed:
    """One line that changed or showed the cluster, kept for export and ``netsim why``.

    ``step`` is the scenario step it was (``kubectl``, ``cat``, ``sleep``; a
    ``shell`` step holds its commands), ``output``/``exit_code`` what it gave.
    """

    step: Step
    output: str
    exit_code: int
    records: tuple[CommandRecord, ...] = ()


@dataclass
class _PodShell:
    """An open ``/ # `` session: the kubectl session and what was typed in it."""

    opening: str
    session: Session
    commands: list[CommandRecord] = field(default_factory=list)


class ShellSession:
    """A learner's session: host prompt, pod prompts, history and transcript.

    ``scenario`` gives the cluster and the setup steps replayed first (their
    output is kept in :attr:`setup_lines`, not printed); ``workdir`` is where
    ``-f FILE``, ``cat`` and ``ls`` look; ``builtins`` adds ``netsim SUB``
    commands (a lab adds ``check`` and ``hint``).
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        workdir: Path | None = None,
        seed: int | None = None,
        builtins: Mapping[str, Builtin] | None = None,
        network_factory: NetworkFactory | None = None,
    ) -> None:
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.workdir = (workdir or Path.cwd()).resolve()
        self.extra_builtins = dict(builtins or {})
        self._factory = network_factory
        self.history: list[str] = []
        self.transcript: list[str] = []
        self._start()

    # ------------------------------------------------------------ lifecycle
    def _start(self) -> None:
        self.runner = Runner(self.scenario, seed=self.seed, network_factory=self._factory)
        self.setup_lines: list[str] = []
        for step in self.scenario.steps:
            record = self.runner.execute(step)
            self.setup_lines += record.lines
            failed = [c for c in record.all_checks if not c.ok]
            if failed:
                raise ScenarioError(
                    f"{self.scenario.source}: {step.path}: setup step failed: "
                    f"{failed[0].path}: expected {failed[0].expected}"
                )
        self.runner.kubectl.base_dir = self.workdir
        if hasattr(self.runner.network, "trace_level"):
            # `netsim why` shows the rules that allowed a flow, not only the drops.
            self.runner.network.trace_level = "all"
        self.typed: list[Typed] = []
        self.pod: _PodShell | None = None
        self.last_pod_command: tuple[str, CommandRecord, int] | None = None
        self.trace_mark = 0

    def reset(self) -> None:
        """Start over: the cluster as the scenario leaves it, no typed steps (history stays)."""
        self.runner.close()
        self._start()

    def close(self) -> None:
        """Stop following the cluster."""
        self.runner.close()

    @property
    def prompt(self) -> str:
        """The prompt to show now: ``/ # `` inside a pod, the host prompt otherwise."""
        return POD_PROMPT if self.pod is not None else HOST_PROMPT

    @property
    def in_pod(self) -> bool:
        """True while a ``/ # `` session is open."""
        return self.pod is not None

    # ------------------------------------------------------------ one line
    def run_line(self, line: str) -> LineResult:
        """Run one typed line and return what the terminal shows for it."""
        prompt = self.prompt
        text = line.strip()
        if text and not text.startswith("#"):
            self.history.append(text)
        try:
            if self.pod is not None:
                output, code, action, argument = self._pod_line(text)
            else:
                output, code, action, argument = self._host_line(text)
        except NetsimError as exc:
            output, code, action, argument = f"error: {exc}", 2, "", ""
        result = LineResult(prompt, line.rstrip("\n"), output, code, action, argument)
        self.transcript += result.lines
        return result

    def _host_line(self, text: str) -> tuple[str, int, Action, str]:
        if not text or text.startswith("#"):
            return "", 0, "", ""
        try:
            words = shlex.split(text)
        except ValueError as exc:
            return f"sh: syntax error: {exc}", 2, "", ""
        if not words:
            return "", 0, "", ""
        command = words[0]
        if command == "kubectl":
            output, code = self._kubectl(text, words)
            return output, code, "", ""
        if command in ("exit", "logout"):
            return "", 0, "exit", ""
        if command == "clear":
            return "", 0, "clear", ""
        if command == "history":
            return files.history_text(self.history), 0, "", ""
        if command in files.EDITORS:
            return self._edit(words)
        if command == "netsim":
            from netsim.shell.builtins import run_builtin

            output, code = run_builtin(self, words[1:])
            return output, code, "", ""
        if command == "sleep":
            return self._sleep(words)
        handler = files.COMMANDS.get(command)
        if handler is not None:
            output, code = handler(self.workdir, words[1:])
            if command == "cat" and code == 0 and len(words) == 2:
                self.typed.append(Typed(Step("shell", "cat", words[1]), output, code))
            return output, code, "", ""
        if command == "help":
            from netsim.shell.builtins import HELP

            return HELP, 0, "", ""
        return f"bash: {command}: command not found", 127, "", ""

    def _edit(self, words: list[str]) -> tuple[str, int, Action, str]:
        if len(words) != 2:
            return f"usage: {words[0]} FILE", 2, "", ""
        path = files.resolve(self.workdir, words[1])
        return "", 0, "edit", str(path)

    def _sleep(self, words: list[str]) -> tuple[str, int, Action, str]:
        try:
            seconds = float(words[1]) if len(words) == 2 else -1.0
        except ValueError:
            seconds = -1.0
        if not 0 <= seconds <= 86_400:
            return f"sleep: invalid number '{' '.join(words[1:])}'", 1, "", ""
        step = Step("shell", "sleep", seconds=seconds)
        record = self.runner.execute(step)
        self.typed.append(Typed(step, "", record.exit_code))
        return "", 0, "", ""

    def _kubectl(self, text: str, words: list[str]) -> tuple[str, int]:
        argument = text[len("kubectl") :].strip()
        verb = words[1] if len(words) > 1 else ""
        if verb in ("run", "exec") and INTERACTIVE_FLAGS.intersection(words):
            return self._open_pod_shell(argument)
        step = Step("shell", "kubectl", argument)
        try:
            record = self.runner.execute(step)
        except UnsupportedCommand as exc:
            return exc.kubectl_output, exc.exit_code_kubectl
        except ScenarioError as exc:
            where = f"{self.scenario.source}: shell.kubectl: "
            return f"error: {str(exc).replace(where, '')}", 1
        self.typed.append(Typed(step, record.output, record.exit_code))
        return record.output, record.exit_code

    def _open_pod_shell(self, argument: str) -> tuple[str, int]:
        try:
            opened = self.runner.open_shell(argument, "kubectl")
        except ScenarioError as exc:
            return f"error: {exc}".replace("error: kubectl: ", "error: "), 1
        if isinstance(opened, KubectlResult):
            return opened.output, opened.exit_code
        self.pod = _PodShell(argument, opened)
        return "\n".join(opened.banner).rstrip("\n"), 0

    # ------------------------------------------------------------ pod side
    def _pod_line(self, text: str) -> tuple[str, int, Action, str]:
        assert self.pod is not None
        if not text or text.startswith("#"):
            return "", 0, "", ""
        if text in ("exit", "logout") or text.startswith("exit "):
            return self._close_pod_shell(), 0, "", ""
        if text == "clear":
            return "", 0, "clear", ""
        if text == "history":
            return files.history_text(self.history), 0, "", ""
        typed = ShellCommand("shell", text)
        trace = getattr(self.runner.network, "trace", [])
        mark = len(trace)
        try:
            record, _ = self.runner.shell_command(self.pod.session, typed, "shell")
        except ScenarioError as exc:
            return f"sh: {exc}".replace("sh: shell: ", "sh: "), 2, "", ""
        self.pod.commands.append(record)
        self.last_pod_command = (self.pod.session.pod, record, mark)
        return record.output.rstrip("\n"), record.exit_code, "", ""

    def _close_pod_shell(self) -> str:
        assert self.pod is not None
        pod = self.pod
        self.pod = None
        closing = self.runner.close_shell(pod.session)[1:]
        commands = tuple(ShellCommand("shell", r.command) for r in pod.commands)
        step = Step("shell", "shell", f"kubectl {pod.opening}", commands=commands)
        self.typed.append(Typed(step, "\n".join(closing), 0, tuple(pod.commands)))
        return "\n".join(closing)

    def finish(self) -> None:
        """Close an open pod session (end of input), so the export holds it."""
        if self.pod is not None:
            self._close_pod_shell()
