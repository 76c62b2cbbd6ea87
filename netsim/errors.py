"""The one error tree of netsim.

Every error a user can cause is a :class:`NetsimError`; the CLI prints it
without a traceback and exits non-zero. Messages name the file, the document
and the field path in the apiserver's form (``spec.ingress[0].ports[0].protocol``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_SHOWN_CHARS = 256
"""A quoted value or an unbroken word longer than this is cut in error messages.

The apiserver's field errors quote the bad value whole (``Invalid value: "..."``) and
leave out only what ``field.TooLong`` calls ``<value omitted>``; netsim's inputs can
hold megabytes in one scalar, so a message shows the first ``SHOWN_CHARS`` characters
of such a value and how long it was, never the whole value.
"""
SHOWN_CHARS = 64
_OVER = MAX_SHOWN_CHARS + 1
_TOO_LONG = re.compile(rf'"(?:[^"\\]|\\.){{{_OVER},}}"|[^\s"]{{{_OVER},}}')


def elide(text: str) -> str:
    """``text`` with each quoted value or word over MAX_SHOWN_CHARS cut to its start.

    A quoted value of 100,000 ``a`` becomes ``"aaaa..." (100000 characters)`` with the
    first SHOWN_CHARS characters inside the quotes: the start and the length of what was
    there. Messages of at most MAX_SHOWN_CHARS characters are returned as they are.
    """
    if len(text) <= MAX_SHOWN_CHARS:
        return text
    return _TOO_LONG.sub(_cut, text)


def _cut(match: re.Match[str]) -> str:
    found = match.group(0)
    quoted = found.startswith('"')
    inner = found[1:-1] if quoted else found
    head = inner[:SHOWN_CHARS]
    trailing = len(head) - len(head.rstrip("\\"))
    if trailing % 2:  # do not leave half of an escape sequence
        head = head[:-1]
    shown = f'"{head}..."' if quoted else f"{head}..."
    return f"{shown} ({len(inner)} characters)"


class NetsimError(Exception):
    """Base of every error netsim raises for bad input or an impossible request."""

    exit_code: int = 2


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem at one field, worded as the apiserver words it.

    ``path`` is the apiserver's field path (``spec.podSelector.matchLabels``),
    empty for an error about the whole document or file; ``message`` is the
    text after the path (``Unsupported value: "tcp": supported values: ...``).
    """

    path: str
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", elide(self.message))

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an object came from: a file (or ``<stdin>``) and a 0-based document index."""

    source: str
    document: int | None = None

    def __str__(self) -> str:
        if self.document is None:
            return self.source
        return f"{self.source} (document {self.document})"


class ValidationError(NetsimError):
    """Input that Kubernetes would reject; carries every field error of one document."""

    def __init__(
        self,
        errors: list[FieldError] | tuple[FieldError, ...],
        origin: Origin | None = None,
        object_ref: str = "",
    ) -> None:
        self.errors = tuple(errors)
        self.origin = origin
        self.object_ref = elide(object_ref)
        super().__init__(self.render())

    def render(self) -> str:
        """Render one line per field error, prefixed by origin and object."""
        head = ": ".join(p for p in (str(self.origin) if self.origin else "", self.object_ref) if p)
        lines = [f"{head}: {e}" if head else str(e) for e in self.errors]
        return "\n".join(lines)


class LoadError(NetsimError):
    """A file that cannot be read or parsed at all (I/O, YAML syntax, aliases, size)."""


class ScenarioError(NetsimError):
    """A scenario file or step that is malformed or cannot be carried out."""


class LookupFailed(NetsimError):
    """A name given by the user (pod, namespace, service, node) does not exist."""


class UnsupportedError(NetsimError):
    """A request for something netsim deliberately does not emulate."""
