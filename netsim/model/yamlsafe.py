"""Safe, bounded YAML reading for manifests.

Only plain data (mappings, sequences, strings, numbers, booleans, null) is
built: PyYAML's safe constructor, no application tags. Before anything is
built, one pass over the parser's events enforces the limits that keep a
hostile file from exhausting time, memory or the Python stack:

- duplicate mapping keys are rejected (PyYAML silently keeps the last one;
  go-yaml, which kubectl uses, rejects them) with the key's path, line and column;
- alias expansion is bounded (a "billion laughs" file is rejected, as go-yaml
  rejects "excessive aliasing");
- nesting depth is bounded (no RecursionError);
- the file size is bounded, and undecodable bytes are a clean error.

Unquoted timestamps stay strings, as Kubernetes' JSON sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from netsim.errors import FieldError, LoadError, Origin, ValidationError

MAX_FILE_BYTES = 8 * 1024 * 1024
"""Largest manifest file read (the apiserver's own request limit is 3 MiB per object)."""
MAX_DEPTH = 100
"""Deepest nesting of collections; real manifests stay below 20."""
MAX_EXPANDED_NODES = 1_000_000
"""Most nodes the aliases of one document may stand for once expanded (go-yaml caps this too)."""


class _Resolver(yaml.resolver.Resolver):
    """The YAML 1.1 resolver without the timestamp rule (Kubernetes keeps them strings)."""


_Resolver.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}


class _PyLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    yaml.constructor.SafeConstructor,
    _Resolver,
):
    """PyYAML's SafeLoader with our resolver."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        _Resolver.__init__(self)


_Loader: type[Any] = _PyLoader
if yaml.__with_libyaml__:
    from yaml.cyaml import CParser  # type: ignore[attr-defined]

    class _CLoader(CParser, yaml.constructor.SafeConstructor, _Resolver):
        """The same loader on libyaml's parser (several times faster than pure Python)."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            _Resolver.__init__(self)

    _Loader = _CLoader


@dataclass(slots=True)
class _Frame:
    """One open collection during the event scan."""

    is_mapping: bool
    path: str
    anchor: str | None
    nodes: int = 0
    index: int = 0
    expect_key: bool = True
    key: str | None = None
    keys: dict[str, tuple[int, int]] = field(default_factory=dict)


def _line_column(event: yaml.Event) -> tuple[int, int]:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


def _mark(event: yaml.Event) -> str:
    line, column = _line_column(event)
    return f"line {line}, column {column}"


def _child_path(parent: str, key: str) -> str:
    return f"{parent}.{key}" if parent else key


def decode_bytes(data: bytes, source: str) -> str:
    """Decode a manifest file's bytes as UTF-8 (a BOM is allowed); raise LoadError otherwise."""
    if len(data) > MAX_FILE_BYTES:
        raise LoadError(
            f"{source}: file is too large ({len(data)} bytes; the limit is {MAX_FILE_BYTES})"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(
            f"{source}: not a text file: invalid UTF-8 at byte {exc.start} "
            "(manifests are YAML or JSON text)"
        ) from None


def _scan(text: str, source: str) -> None:
    """Walk the event stream once: duplicate keys, depth and alias expansion limits."""
    sizes: dict[str, int] = {}
    stack: list[_Frame] = []
    document = -1
    total = 0
    try:
        loader = _Loader(text)
        while True:
            event = loader.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return
            if isinstance(event, yaml.DocumentStartEvent):
                document += 1
                sizes.clear()
                total = 0
                continue
            if isinstance(event, yaml.StreamStartEvent | yaml.DocumentEndEvent):
                continue
            parent = stack[-1] if stack else None
            is_end = isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent)
            path = ""
            if parent is not None and not is_end:
                if parent.is_mapping:
                    if parent.expect_key:
                        path = parent.path
                    else:
                        path = _child_path(parent.path, parent.key or "?")
                else:
                    path = f"{parent.path}[{parent.index}]"
            if is_end:
                frame = stack.pop()
                if frame.anchor is not None:
                    sizes[frame.anchor] = frame.nodes
                count = frame.nodes
                _finish_child(stack, count)
                continue
            if isinstance(event, yaml.AliasEvent):
                count = sizes.get(event.anchor or "", 1)
                total += count
                if total > MAX_EXPANDED_NODES:
                    raise LoadError(
                        f"{Origin(source, document)}: excessive aliasing: aliases expand "
                        f"to more than {MAX_EXPANDED_NODES} nodes ({_mark(event)}); "
                        "alias bombs such as 'billion laughs' are rejected"
                    )
                _note_key(stack, None, event, source, document)
                _finish_child(stack, count)
                continue
            if isinstance(event, yaml.ScalarEvent):
                if event.anchor is not None:
                    sizes[event.anchor] = 1
                _note_key(stack, event.value, event, source, document)
                _finish_child(stack, 1)
                continue
            # a collection starts
            if len(stack) >= MAX_DEPTH:
                raise LoadError(
                    f"{Origin(source, document)}: nesting too deep: more than {MAX_DEPTH} "
                    f"levels of nested collections ({_mark(event)})"
                )
            _note_key(stack, None, event, source, document)
            anchor = getattr(event, "anchor", None)
            is_mapping = isinstance(event, yaml.MappingStartEvent)
            stack.append(_Frame(is_mapping, path, anchor, nodes=1))
    except yaml.YAMLError as exc:
        raise LoadError(f"{Origin(source, max(document, 0))}: {_yaml_message(exc)}") from None


def _note_key(
    stack: list[_Frame], key: str | None, event: yaml.Event, source: str, document: int
) -> None:
    """Record a mapping key (rejecting a duplicate) when ``event`` is in key position."""
    if not stack or not stack[-1].is_mapping or not stack[-1].expect_key:
        return
    frame = stack[-1]
    if key is None:
        frame.key = None
        return
    line, column = _line_column(event)
    if key in frame.keys and key != "<<":
        first_line, first_column = frame.keys[key]
        path = _child_path(frame.path, key)
        raise ValidationError(
            [
                FieldError(
                    path,
                    f'duplicate key "{key}" at line {line}, column {column} '
                    f"(first set at line {first_line}, column {first_column}); "
                    "Kubernetes rejects mapping keys that are already set",
                )
            ],
            Origin(source, document),
        )
    frame.keys[key] = (line, column)
    frame.key = key


def _finish_child(stack: list[_Frame], count: int) -> None:
    """Account for one finished child node of the innermost open collection."""
    if not stack:
        return
    frame = stack[-1]
    frame.nodes += count
    if frame.is_mapping:
        frame.expect_key = not frame.expect_key
    else:
        frame.index += 1


def _yaml_message(exc: yaml.YAMLError) -> str:
    """One line for a PyYAML error, with its line and column."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        return f"YAML syntax error{where}: {problem}{context}"
    if isinstance(exc, yaml.reader.ReaderError):
        return (
            f"not a text file: {exc.reason} (character {exc.character!r} at position "
            f"{exc.position})"
        )
    return f"YAML error: {exc}"


def parse_yaml_text(text: str, source: str) -> list[object]:
    """Parse every document of a YAML (or JSON) stream safely and within bounds.

    Returns one plain value per document; empty documents (``---`` alone, only
    comments) come back as None so that document indices match the file.
    Raises :class:`LoadError` for syntax errors, alias bombs, deep nesting,
    oversized or non-text input, and :class:`ValidationError` (at the key's
    path) for a duplicate key.
    """
    if len(text) > MAX_FILE_BYTES:
        raise LoadError(
            f"{source}: file is too large ({len(text)} characters; the limit is {MAX_FILE_BYTES})"
        )
    _scan(text, source)
    loader = _Loader(text)  # the scan has read the same text without error
    documents: list[object] = []
    try:
        while loader.check_data():
            documents.append(loader.get_data())
    except yaml.YAMLError as exc:
        raise LoadError(f"{Origin(source, len(documents))}: {_yaml_message(exc)}") from None
    except RecursionError:
        raise LoadError(f"{Origin(source, len(documents))}: nesting too deep") from None
    finally:
        loader.dispose()
    return documents
