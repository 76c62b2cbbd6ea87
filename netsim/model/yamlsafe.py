"""Safe, bounded YAML reading for manifests.

Only plain data (mappings, sequences, strings, numbers, booleans, null) is
built: PyYAML's safe constructor, no application tags. Before anything is
built, one pass over the parser's events enforces the limits that keep a
hostile file from exhausting time, memory or the Python stack:

- duplicate mapping keys are rejected (PyYAML silently keeps the last one;
  go-yaml, which kubectl uses, rejects them) with the key's path, line and column;
- alias expansion is bounded, in nodes and in bytes of expanded scalars (a
  "billion laughs" file or one long string aliased thousands of times is
  rejected, as go-yaml rejects "excessive aliasing");
- nesting depth is bounded (no RecursionError);
- the file size is bounded, and undecodable bytes are a clean error.

Scalars resolve as kubectl's decoder resolves them (go-yaml v2 through
sigs.k8s.io/yaml, :mod:`netsim.model.yamlscalar`, ``docs/YAML.md``): ``0o120``
and ``080`` are 80, ``1:20`` is a string, ``y`` is true, mapping keys become
strings (``1`` is ``"1"``), timestamps stay strings, a float with an integral
value is the integer JSON carries, and ``!!int abc`` or ``.nan`` are errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import yaml

from netsim.errors import FieldError, LoadError, Origin, ValidationError
from netsim.model.yamlscalar import (
    ScalarError,
    json_value,
    key_string,
    plain_is_string,
    resolve_plain,
    resolve_tagged,
)

MAX_FILE_BYTES = 8 * 1024 * 1024
"""Largest manifest file read (the apiserver's own request limit is 3 MiB per object)."""
MAX_DEPTH = 100
"""Deepest nesting of collections; real manifests stay below 20."""
MAX_EXPANDED_NODES = 1_000_000
"""Most nodes the aliases of one document may stand for once expanded (go-yaml caps this too)."""
MAX_EXPANDED_BYTES = 32 * 1024 * 1024
"""Most bytes of scalar text one document may stand for once its aliases are expanded."""

PLAIN_TAG = "tag:netsim,2025:plain"
"""The tag an untagged plain scalar gets: resolved later, by go-yaml's rules."""
MERGE_TAG = "tag:yaml.org,2002:merge"


class _Resolver(yaml.resolver.BaseResolver):
    """No YAML 1.1 implicit types: a plain scalar is resolved by go-yaml's rules instead."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        """Tag plain scalars for :func:`resolve_plain` (``<<`` is a merge key)."""
        if kind is yaml.ScalarNode and implicit[0]:
            return MERGE_TAG if value == "<<" else PLAIN_TAG
        return str(super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]


def _scalar_error(node: yaml.Node, exc: ScalarError) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(None, None, str(exc), node.start_mark)


class _Constructor(yaml.constructor.SafeConstructor):
    """Plain data as kubectl's YAML-to-JSON conversion makes it (see yamlscalar)."""

    yaml_constructors: ClassVar[dict[Any, Any]] = {}
    yaml_multi_constructors: ClassVar[dict[Any, Any]] = {}

    def construct_any(self, node: yaml.Node) -> Any:
        """Any node: a scalar by its tag, a collection by its kind (other tags are ignored)."""
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node)
        if isinstance(node, yaml.SequenceNode):
            return self._sequence(node)
        try:
            if node.tag == PLAIN_TAG:
                return resolve_plain(node.value)
            return resolve_tagged(node.tag, node.value)
        except ScalarError as exc:
            raise _scalar_error(node, exc) from None

    def _value(self, node: yaml.Node) -> Any:
        value = self.construct_object(node, deep=False)
        try:
            return json_value(value)
        except ScalarError as exc:
            raise _scalar_error(node, exc) from None

    def _sequence(self, node: yaml.SequenceNode) -> Any:
        data: list[Any] = []
        yield data
        data.extend(self._value(child) for child in node.value)

    def _mapping(self, node: yaml.MappingNode) -> Any:
        data: dict[str, Any] = {}
        yield data
        own = sum(1 for key, _ in node.value if key.tag != MERGE_TAG)
        self.flatten_mapping(node)
        merged = len(node.value) - own
        seen: set[str] = set()
        for index, (key_node, value_node) in enumerate(node.value):
            key = self.construct_object(key_node, deep=False)
            try:
                text = key_string(key)
            except ScalarError as exc:
                raise _scalar_error(key_node, exc) from None
            if index >= merged:
                if text in seen:
                    raise _scalar_error(
                        key_node,
                        ScalarError(
                            f'duplicate key "{text[:60]}": Kubernetes rejects mapping keys '
                            "that are already set (keys are compared as kubectl's JSON has them)"
                        ),
                    )
                seen.add(text)
            data[text] = self._value(value_node)


_Constructor.add_constructor(None, _Constructor.construct_any)  # type: ignore[type-var]


class _PyLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    _Constructor,
    _Resolver,
):
    """PyYAML's loader with go-yaml's scalar rules."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _Constructor.__init__(self)
        _Resolver.__init__(self)


_Loader: type[Any] = _PyLoader
if yaml.__with_libyaml__:
    from yaml.cyaml import CParser  # type: ignore[attr-defined]

    class _CLoader(CParser, _Constructor, _Resolver):
        """The same loader on libyaml's parser (several times faster than pure Python)."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _Constructor.__init__(self)
            _Resolver.__init__(self)

    _Loader = _CLoader


@dataclass(slots=True)
class _Frame:
    """One open collection during the event scan."""

    is_mapping: bool
    path: str
    anchor: str | None
    nodes: int = 0
    size: int = 0
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
    sizes: dict[str, tuple[int, int]] = {}
    stack: list[_Frame] = []
    document = -1
    total = 0
    total_bytes = 0
    try:
        loader = _Loader(text)
        while True:
            event = loader.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return
            if isinstance(event, yaml.DocumentStartEvent):
                document += 1
                sizes.clear()
                total = total_bytes = 0
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
                    sizes[frame.anchor] = (frame.nodes, frame.size)
                _finish_child(stack, frame.nodes, frame.size)
                continue
            if isinstance(event, yaml.AliasEvent):
                count, size = sizes.get(event.anchor or "", (1, 1))
                total += count
                total_bytes += size
                if total > MAX_EXPANDED_NODES or total_bytes > MAX_EXPANDED_BYTES:
                    what = (
                        f"{MAX_EXPANDED_NODES} nodes"
                        if total > MAX_EXPANDED_NODES
                        else f"{MAX_EXPANDED_BYTES} bytes"
                    )
                    raise LoadError(
                        f"{Origin(source, document)}: excessive aliasing: aliases expand "
                        f"to more than {what} ({_mark(event)}); "
                        "alias bombs such as 'billion laughs' are rejected"
                    )
                _note_key(stack, None, event, source, document)
                _finish_child(stack, count, size)
                continue
            if isinstance(event, yaml.ScalarEvent):
                size = len(event.value) + 1
                total_bytes += size
                if event.anchor is not None:
                    sizes[event.anchor] = (1, size)
                _note_key(stack, _key_text(event), event, source, document)
                _finish_child(stack, 1, size)
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


def _key_text(event: yaml.ScalarEvent) -> str:
    """The key a scalar stands for in kubectl's JSON (``1`` and ``"1"`` are the same key)."""
    if event.tag is None and event.implicit[0]:
        try:
            return key_string(resolve_plain(event.value))
        except ScalarError:
            return event.value
    return event.value


def _finish_child(stack: list[_Frame], count: int, size: int) -> None:
    """Account for one finished child node of the innermost open collection."""
    if not stack:
        return
    frame = stack[-1]
    frame.nodes += count
    frame.size += size
    if frame.is_mapping:
        frame.expect_key = not frame.expect_key
    else:
        frame.index += 1


def _yaml_message(exc: yaml.YAMLError) -> str:
    """One line for a PyYAML error, with its line and column."""
    if isinstance(exc, yaml.constructor.ConstructorError) and exc.problem_mark is not None:
        at = exc.problem_mark
        return f"line {at.line + 1}, column {at.column + 1}: {exc.problem}"
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


class KubeDumper(yaml.SafeDumper):
    """PyYAML's SafeDumper quoting every string kubectl would read as something else.

    PyYAML quotes by YAML 1.1 rules, so it writes ``y``, ``n``, ``0o17``, ``080``
    or ``1e3`` bare, and kubectl's decoder then reads true, false, 15, 80, 1000.
    """


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = None if "\n" in value or plain_is_string(value) else "'"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


KubeDumper.add_representer(str, _represent_str)


class BlockDumper(KubeDumper):
    """:class:`KubeDumper` writing multi-line strings as literal ``|`` blocks, so texts
    (a lab's task, a recorded terminal output) read in the file as they were written."""


def _represent_block(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value and not value.endswith((" ", "\t")) and " \n" not in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return _represent_str(dumper, value)


BlockDumper.add_representer(str, _represent_block)


def dump_yaml_text(document: object, **options: Any) -> str:
    """One document for a person to read and edit: :class:`BlockDumper`, keys in order."""
    return str(yaml.dump(document, Dumper=BlockDumper, sort_keys=False, **options))


def dump_yaml_all(documents: list[object], **options: Any) -> str:
    """Documents as YAML that kubectl (and :func:`parse_yaml_text`) read back unchanged."""
    return str(yaml.dump_all(documents, Dumper=KubeDumper, **options))
