"""Reading a learner's answer: validated like the apiserver, errors with file, line and path.

A manifest answer is a YAML file of manifests; every error of every document is
reported at once as ``answer.yaml:12: NetworkPolicy default/x: spec.ingress[0].ports[0].protocol:
Unsupported value: "tcp": ...`` and raises :class:`~netsim.lab.schema.LabError` (exit 2).
A commands answer is a text file, one shell command per line (``#`` comments and blank
lines ignored).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netsim.errors import LoadError, NetsimError, ValidationError
from netsim.lab.schema import Lab, LabError
from netsim.model.load import InvalidManifests, load_bytes, parse_yaml_text
from netsim.model.manifest import ListErrors
from netsim.model.validate import go_quote
from netsim.model.yamllines import lines_of
from netsim.model.yamlsafe import MAX_FILE_BYTES, decode_bytes

MAX_COMMAND_LINES = 1000
_AT_LINE = re.compile(r"at line (\d+)")


@dataclass(frozen=True, slots=True)
class Answer:
    """A validated answer: its text and sha256, and the manifests or the command lines."""

    source: str
    text: str
    sha256: str
    documents: tuple[dict[str, Any], ...] = ()
    commands: tuple[str, ...] = ()


def read_text(path: Path, name: str) -> str:
    """The UTF-8 text of a file (bounded); LabError naming ``name`` otherwise."""
    try:
        if path.is_dir():
            raise LabError(f"{name}: is a directory")
        data = path.read_bytes()
    except OSError as exc:
        raise LabError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise LabError(f"{name}: file is too large ({len(data)} bytes)")
    try:
        return decode_bytes(data, name)
    except LoadError as exc:
        raise LabError(str(exc)) from None


def _field_lines(text: str, source: str, exc: ValidationError) -> list[str]:
    """One ``file:line: object: path: message`` line per field error."""
    document = exc.origin.document if exc.origin is not None else None
    doc_index = document if document is not None else 0
    lines = lines_of(text, [(doc_index, e.path) for e in exc.errors])
    out = []
    for error, line in zip(exc.errors, lines, strict=True):
        where = f"{source}:{line}" if line is not None else source
        head = f"{where}: {exc.object_ref}" if exc.object_ref else where
        out.append(f"{head}: {error}")
    return out


def _error_lines(text: str, source: str, exc: NetsimError) -> list[str]:
    if isinstance(exc, ListErrors):
        return [line for item in exc.items for line in _field_lines(text, source, item)]
    if isinstance(exc, ValidationError):
        return _field_lines(text, source, exc)
    if isinstance(exc, InvalidManifests):
        return [line for e in exc.errors for line in _error_lines(text, source, e)]
    message = str(exc)
    found = _AT_LINE.search(message)
    if not found:
        return [message]
    rest = re.sub(rf"^{re.escape(source)}( \(document \d+\))?: ", "", message)
    return [f"{source}:{found.group(1)}: {rest}"]


def validate_manifests(
    text: str, source: str, kinds: tuple[str, ...]
) -> tuple[dict[str, Any], ...]:
    """Validate manifest text like the apiserver; return its documents (dicts).

    Kinds outside ``kinds`` are refused at path ``kind``. Raises LabError listing
    every problem with file, line and field path.
    """
    try:
        manifests = load_bytes(text, source)
        documents = [d for d in parse_yaml_text(text, source) if d is not None]
    except NetsimError as exc:
        raise LabError("\n".join(_error_lines(text, source, exc))) from None
    except RecursionError:
        raise LabError(f"{source}: nesting too deep") from None
    errors = []
    wanted: list[tuple[int, str]] = []
    refused = []
    for decoded in manifests.declared:
        if decoded.kind not in kinds:
            document = decoded.origin.document or 0
            path = f"{decoded.path}.kind" if decoded.path else "kind"
            wanted.append((document, path))
            allowed = ", ".join(go_quote(k) for k in kinds)
            refused.append(
                f"{decoded.ref}: {path}: Unsupported value: {go_quote(decoded.kind)}: "
                f"this lab accepts only {allowed}"
            )
    for line, message in zip(lines_of(text, wanted), refused, strict=True):
        errors.append(f"{source}:{line}: {message}" if line else f"{source}: {message}")
    if errors:
        raise LabError("\n".join(errors))
    return tuple(dict(d) for d in documents if isinstance(d, dict))


def command_lines(text: str, source: str) -> tuple[str, ...]:
    """The commands of a commands answer (no comments, no blank lines)."""
    lines = [line.strip() for line in text.splitlines()]
    commands = tuple(line for line in lines if line and not line.startswith("#"))
    if len(commands) > MAX_COMMAND_LINES:
        raise LabError(f"{source}: more than {MAX_COMMAND_LINES} commands")
    for number, line in enumerate(text.splitlines(), start=1):
        if any(not ch.isprintable() and ch not in "\t\r" for ch in line):
            raise LabError(
                f"{source}:{number}: Invalid value: {go_quote(line)}: "
                "a command line must be printable text"
            )
    if not commands:
        raise LabError(f"{source}: Required value: no commands (one shell command per line)")
    return commands


def load_answer(lab: Lab, path: Path, name: str | None = None) -> Answer:
    """Read and validate an answer file for ``lab``; LabError (exit 2) if it is unusable."""
    source = name or str(path)
    text = read_text(path, source)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if lab.submission.type == "commands":
        return Answer(source, text, digest, commands=command_lines(text, source))
    documents = validate_manifests(text, source, lab.submission.kinds)
    return Answer(source, text, digest, documents=documents)
