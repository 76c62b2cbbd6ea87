"""The loops around a :class:`ShellSession`: a real terminal, or lines piped in.

In a terminal, prompt_toolkit reads the lines: line editing, a history file per
lab, and tab completion from the live cluster (:mod:`netsim.shell.complete`).
prompt_toolkit is used rather than stdlib ``cmd``/``readline`` because it is pure
Python and behaves the same everywhere (readline is absent on some builds and
libedit-flavoured on others), completes from a callable that sees the whole line,
and can be driven from a pipe in tests.

When standard input is not a terminal, each line is echoed after its prompt and
run, so a file of commands replays like a session (``netsim shell < walk.txt``).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from netsim.shell.complete import completions

if TYPE_CHECKING:
    from netsim.shell.session import LineResult, ShellSession

MAX_LINE = 64 * 1024
"""Longest line read from a pipe; longer ones are refused, not run."""


def _edit(path: str) -> tuple[str, int]:
    """Open ``$EDITOR`` (default vi) on ``path`` in the terminal."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        code = subprocess.call([*shlex.split(editor), path])
    except OSError as exc:
        return f"sh: {editor}: {exc.strerror or 'cannot run'}", 127
    return "", code


def _show(result: LineResult, out: TextIO) -> None:
    if result.output:
        out.write(result.output + "\n")
    out.flush()


def run_script(session: ShellSession, lines: Iterable[str], out: TextIO) -> int:
    """Run piped lines, echoing each after its prompt; return the last line's exit code."""
    code = 0
    for raw in lines:
        line = raw.rstrip("\r\n")
        if len(line) > MAX_LINE:
            out.write(f"{session.prompt}{line[:80]}...\nsh: line too long\n")
            code = 2
            continue
        result = session.run_line(line)
        out.write(f"{result.prompt}{result.line}\n")
        if result.action == "edit":
            text = f"netsim shell: no terminal for the editor; edit {result.argument} first"
            out.write(text + "\n")
            session.transcript.append(text)
            code = 1
            continue
        _show(result, out)
        code = result.exit_code
        if result.action == "exit":
            break
    session.finish()
    return code


class ShellCompleter(Completer):
    """prompt_toolkit's view of :func:`completions`: the words that fit at the cursor."""

    def __init__(self, session: ShellSession) -> None:
        self.session = session

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        """Completions for the word at the cursor."""
        text = document.text_before_cursor
        current = "" if not text or text[-1].isspace() else text.split()[-1]
        for candidate in completions(self.session, text):
            yield Completion(candidate, start_position=-len(current))


def run_terminal(session: ShellSession, history_file: Path | None) -> int:
    """Read lines in a terminal until ``exit`` or Ctrl-D; return the last exit code."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, History, InMemoryHistory
    from prompt_toolkit.shortcuts import clear

    history: History = InMemoryHistory()
    if history_file is not None:
        try:
            history_file.parent.mkdir(parents=True, exist_ok=True)
            history = FileHistory(str(history_file))
        except OSError:
            pass
    reader: PromptSession[str] = PromptSession(
        history=history, completer=ShellCompleter(session), complete_while_typing=False
    )
    code = 0
    while True:
        try:
            line = reader.prompt(session.prompt)
        except KeyboardInterrupt:
            continue
        except EOFError:
            if not session.in_pod:
                break
            line = "exit"
            sys.stdout.write("exit\n")
        result = session.run_line(line)
        if result.action == "clear":
            clear()
        elif result.action == "edit":
            output, code = _edit(result.argument)
            if output:
                sys.stdout.write(output + "\n")
            continue
        _show(result, sys.stdout)
        code = result.exit_code
        if result.action == "exit":
            break
    session.finish()
    return code
