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

from dataclasses import dataclass
from typing import Any, ClassVar

import yaml

from netsim.errors import FieldError, LoadError, Origin, ValidationError
from netsim.model.yamlfast import read_plain_block
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
    """One open collection during the event scan (and the value being built for it)."""

    is_mapping: bool
    parent: _Frame | None
    label: str | int | None
    """Where it sits in ``parent``: a key, an index, or None (it is a key itself)."""
    anchor: str | None
    value: Any
    first_node: int
    first_byte: int
    keys: dict[str, Any]
    """Each key read so far, with the mark where it was."""
    index: int = 0
    expect_key: bool = True
    key: str | None = None

    @property
    def path(self) -> str:
        """The field path of this collection (``spec.ingress[0]``), for errors."""
        if self.parent is None:
            return ""
        if self.label is None:
            return self.parent.path
        if isinstance(self.label, int):
            return f"{self.parent.path}[{self.label}]"
        return _child_path(self.parent.path, self.label)


def _line_column(event: yaml.Event) -> tuple[int, int]:
    return _mark_line_column(event.start_mark)


def _mark_line_column(mark: Any) -> tuple[int, int]:
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


class _Slow(Exception):
    """This document needs the full constructor (a tag, a merge key, an odd key or alias)."""


def _key_of(value: str, plain: bool) -> str:
    """The key a scalar stands for in kubectl's JSON (``1`` and ``"1"`` are the same key)."""
    if plain:
        try:
            return key_string(resolve_plain(value))
        except ScalarError:
            return value
    return value


def _duplicate_key(
    frame: _Frame, key: str, event: yaml.Event, source: str, document: int
) -> ValidationError:
    line, column = _line_column(event)
    first_line, first_column = _mark_line_column(frame.keys[key])
    return ValidationError(
        [
            FieldError(
                _child_path(frame.path, key),
                f'duplicate key "{key}" at line {line}, column {column} '
                f"(first set at line {first_line}, column {first_column}); "
                "Kubernetes rejects mapping keys that are already set",
            )
        ],
        Origin(source, document),
    )


def _alias_bomb(event: yaml.Event, total: int, source: str, document: int) -> LoadError:
    what = (
        f"{MAX_EXPANDED_NODES} nodes"
        if total > MAX_EXPANDED_NODES
        else f"{MAX_EXPANDED_BYTES} bytes"
    )
    return LoadError(
        f"{Origin(source, document)}: excessive aliasing: aliases expand "
        f"to more than {what} ({_mark(event)}); "
        "alias bombs such as 'billion laughs' are rejected"
    )


def _place(frame: _Frame, value: Any) -> None:
    """Put a finished child value (already JSON-converted) into its open collection."""
    if frame.is_mapping:
        frame.value[frame.key] = value
    else:
        frame.value.append(value)


def _scan(text: str, source: str) -> list[object] | None:
    """Walk the event stream once: duplicate keys, depth and alias expansion limits.

    The same walk builds each document's value when it is plain data (no explicit
    tag, merge key, non-string-like key, undefined or recursive alias, or scalar
    kubectl refuses); it returns None when some document is not, and the full
    constructor then reads the text again. Limit errors are raised for the whole
    file first, whichever path builds the values.
    """
    sizes: dict[str, tuple[int, int]] = {}
    anchors: dict[str, Any] = {}
    resolved: dict[str, Any] = {}  # plain scalar -> value, for this text
    defined: set[str] = set()
    stack: list[_Frame] = []
    documents: list[object] = []
    build = True
    root: Any = None
    document = -1
    total = 0
    total_bytes = 0
    seen = 0  # nodes read in this document, aliases counted as what they stand for
    scalar_event = yaml.ScalarEvent
    mapping_start = yaml.MappingStartEvent
    sequence_start = yaml.SequenceStartEvent
    alias_event = yaml.AliasEvent
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    try:
        loader = _Loader(text)
        get_event = loader.get_event
        while True:
            event = get_event()
            kind = event.__class__ if event is not None else None
            if kind is scalar_event:
                value = event.value
                size = len(value) + 1
                total_bytes += size
                seen += 1
                anchor = event.anchor
                tag = event.tag
                plain = tag is None and event.implicit[0]
                if anchor is not None:
                    sizes[anchor] = (1, size)
                if build:
                    try:
                        if tag is not None or (plain and value == "<<"):
                            raise _Slow
                        if plain:
                            raw = resolved.get(value, resolved)
                            if raw is resolved:
                                raw = resolved[value] = resolve_plain(value)
                        else:
                            raw = value
                        if anchor is not None:
                            if anchor in defined:
                                raise _Slow
                            defined.add(anchor)
                            anchors[anchor] = raw
                    except (_Slow, ScalarError):
                        build = False
                if not stack:
                    if build:
                        root = raw
                    continue
                frame = stack[-1]
                if frame.is_mapping:
                    if frame.expect_key:
                        if not build:
                            key = _key_of(value, plain)
                        elif raw.__class__ is str:
                            key = raw
                        else:
                            try:
                                key = key_string(raw)
                            except ScalarError:
                                build = False
                                key = value
                        if key in frame.keys and key != "<<":
                            raise _duplicate_key(frame, key, event, source, document)
                        frame.keys[key] = event.start_mark
                        frame.key = key
                        frame.expect_key = False
                        continue
                    frame.expect_key = True
                else:
                    frame.index += 1
                if build:
                    if raw.__class__ is float:
                        try:
                            raw = json_value(raw)
                        except ScalarError:
                            build = False
                            continue
                    if frame.is_mapping:
                        frame.value[frame.key] = raw
                    else:
                        frame.value.append(raw)
                continue
            if kind is mapping_start or kind is sequence_start:
                if len(stack) >= MAX_DEPTH:
                    raise LoadError(
                        f"{Origin(source, document)}: nesting too deep: more than {MAX_DEPTH} "
                        f"levels of nested collections ({_mark(event)})"
                    )
                anchor = event.anchor
                parent = stack[-1] if stack else None
                label: str | int | None = None
                if parent is not None:
                    if not parent.is_mapping:
                        label = parent.index
                    elif parent.expect_key:
                        parent.key = None
                        build = False
                    else:
                        label = parent.key or "?"
                if build and (event.tag is not None or (anchor is not None and anchor in defined)):
                    build = False
                if anchor is not None:
                    defined.add(anchor)
                is_mapping = kind is mapping_start
                stack.append(
                    _Frame(
                        is_mapping,
                        parent,
                        label,
                        anchor,
                        {} if is_mapping else [],
                        seen,
                        total_bytes,
                        {},
                    )
                )
                seen += 1
                continue
            if kind is alias_event:
                anchor = event.anchor or ""
                count, size = sizes.get(anchor, (1, 1))
                total += count
                total_bytes += size
                seen += count
                if total > MAX_EXPANDED_NODES or total_bytes > MAX_EXPANDED_BYTES:
                    raise _alias_bomb(event, total, source, document)
                if build and anchor not in anchors:
                    build = False  # undefined, or recursive: the composer decides
                if not stack:
                    continue
                frame = stack[-1]
                if frame.is_mapping:
                    if frame.expect_key:
                        frame.key = None
                        frame.expect_key = False
                        build = False
                        continue
                    frame.expect_key = True
                else:
                    frame.index += 1
                if build:
                    raw = anchors[anchor]
                    try:
                        _place(frame, json_value(raw) if raw.__class__ is float else raw)
                    except ScalarError:
                        build = False
                continue
            if kind in ends:
                frame = stack.pop()
                if frame.anchor is not None:
                    sizes[frame.anchor] = (seen - frame.first_node, total_bytes - frame.first_byte)
                    if build:
                        anchors[frame.anchor] = frame.value
                if not stack:
                    if build:
                        root = frame.value
                    continue
                parent = stack[-1]
                if parent.is_mapping:
                    if parent.expect_key:
                        parent.expect_key = False
                        continue  # build is already off: a collection key
                    parent.expect_key = True
                    if build:
                        parent.value[parent.key] = frame.value
                    continue
                parent.index += 1
                if build:
                    parent.value.append(frame.value)
                continue
            if kind is yaml.DocumentStartEvent:
                document += 1
                sizes.clear()
                anchors.clear()
                defined.clear()
                root = None
                total = total_bytes = seen = 0
                continue
            if kind is yaml.DocumentEndEvent:
                documents.append(root)
                continue
            if event is None or kind is yaml.StreamEndEvent:
                return documents if build else None
    except yaml.YAMLError as exc:
        raise LoadError(f"{Origin(source, max(document, 0))}: {_yaml_message(exc)}") from None


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
    documents = read_plain_block(text)  # most manifests: ~3x faster than the events below
    if documents is None:
        documents = _scan(text, source)
    if documents is not None:
        return documents
    return _construct(text, source)


def _construct(text: str, source: str) -> list[object]:
    """Every document built by PyYAML's constructor (tags, merge keys, recursive aliases)."""
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
