"""The pod shell's grammar: a POSIX list of simple commands, as busybox ash reads it.

Enough of the shell language for what people type into a pod: words with
quoting (``'...'``, ``"..."``, backslash), commands joined by ``;``, ``&&``
and ``||`` (equal precedence, left to right, POSIX 2.9.3), and ``$?`` (the
exit status of the last command run; not expanded inside single quotes).
Pipes, background jobs, redirections and other expansions are refused with
an :class:`~netsim.errors.UnsupportedError`: the simulator has no processes
to connect. Syntax errors are worded as ash words them.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Literal

from netsim.errors import UnsupportedError

Operator = Literal[";", "&&", "||"]

_PLAIN = re.compile(r"[^'\"\\$;&|]*")
"""A line with none of the characters that quote, escape, expand or join."""
_BLANKS = re.compile(r"[ \t\r\n]+")
"""What separates words (shlex's whitespace)."""

STATUS_MARK = "\x00?\x00"
"""Stands for ``$?`` in parsed words until the command runs."""


class ShellSyntaxError(ValueError):
    """A line ash would refuse (its message follows ``sh: syntax error: ``)."""


@dataclass(frozen=True, slots=True)
class Step:
    """One simple command of a list and the operator that joins it to what came before."""

    joined_by: Operator
    words: tuple[str, ...]

    def argv(self, status: int) -> list[str]:
        """The command's words with ``$?`` replaced by ``status``."""
        return [w.replace(STATUS_MARK, str(status)) for w in self.words]


def _mark_status(line: str) -> str:
    """Replace ``$?`` outside single quotes (and not backslash-escaped) by the mark."""
    out: list[str] = []
    quote = ""
    i = 0
    while i < len(line):
        c = line[i]
        if c == "\\" and quote != "'" and i + 1 < len(line):
            out.append(line[i : i + 2])
            i += 2
            continue
        if c in "'\"" and (not quote or quote == c):
            quote = "" if quote else c
        elif c == "$" and quote != "'" and line[i + 1 : i + 2] == "?":
            out.append(STATUS_MARK)
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def parse_list(line: str) -> list[Step]:
    """Split a command line into its simple commands.

    Raises :class:`ShellSyntaxError` (unterminated quote, an operator with no
    command before it, a line ending in ``&&``/``||``) and
    :class:`UnsupportedError` for pipes and background jobs. A line without
    quotes, escapes, ``$`` or operators is one command of whitespace-separated
    words (what the lexer would say, without running it).
    """
    if _PLAIN.fullmatch(line):
        words = tuple(w for w in _BLANKS.split(line) if w)
        return [Step(";", words)] if words else []
    return lex_list(line)


def lex_list(line: str) -> list[Step]:
    """:func:`parse_list` through the lexer, for any line."""
    lexer = shlex.shlex(_mark_status(line), posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        tokens = list(lexer)
    except ValueError as exc:
        raise ShellSyntaxError("unterminated quoted string") from exc
    steps: list[Step] = []
    words: list[str] = []
    joined: Operator = ";"
    for token in tokens:
        if token in (";", "&&", "||"):
            if not words:
                raise ShellSyntaxError(f'unexpected "{token}"')
            steps.append(Step(joined, tuple(words)))
            words = []
            joined = token  # type: ignore[assignment]
        elif token and set(token) <= set(";&|"):
            raise UnsupportedError(
                f'"{token}": the pod shell runs commands joined by ;, && and || only '
                "(no pipes or background jobs)"
            )
        else:
            words.append(token)
    if words:
        steps.append(Step(joined, tuple(words)))
    elif joined in ("&&", "||"):
        raise ShellSyntaxError("unexpected end of file")
    return steps


def runs(step: Step, status: int) -> bool:
    """Whether ``step`` runs after a command that ended with ``status``."""
    if step.joined_by == "&&":
        return status == 0
    if step.joined_by == "||":
        return status != 0
    return True
