"""A fast reader for the plainest YAML: block mappings and sequences, one entry a line.

Manifests written by hand or by ``kubectl get -o yaml`` mostly use a small part of
YAML: ``key: value`` and ``- item`` lines, indented with spaces, with plain or simply
quoted scalars and comments. :func:`read_plain_block` reads exactly that part, line
by line, about ten times faster than libyaml's events through PyYAML (which build
three Python objects per event). Anything else in the text (a flow collection, an
anchor or alias, a tag, a multi-line or escaped scalar, a tab, a non-ASCII or control
character, a directive, a duplicate key, an empty document, an indentation libyaml
would read differently or refuse) makes it return None, and
:func:`netsim.model.yamlsafe.parse_yaml_text` reads the text as before, with its
limits and its errors. So every text this reader accepts is one libyaml parses
without error, and the documents it returns are those :mod:`netsim.model.yamlsafe`
builds from it: the same go-yaml scalar rules (:mod:`netsim.model.yamlscalar`), keys
as kubectl's JSON has them. ``tests/model/test_yamlfast.py`` checks the two against
each other on generated and mutated texts.

The subset, line by line (after any number of leading spaces):

- a comment line (``# ...``) or a blank line;
- ``---`` alone (a document start; a first document needs no marker);
- ``KEY:`` or ``KEY: VALUE``, optionally after ``- `` (a sequence entry);
- ``- VALUE`` or ``-`` alone;

where KEY is a plain word (``app.kubernetes.io/name``), VALUE plain words (``Use case
- deny all``) that start with a letter, digit or ``_./~`` and hold no ``#``, ``: ``,
brackets or braces, a ``"..."`` / ``'...'`` string without
escapes or inner quotes, or a flow collection on the line (``{app: web}``,
``[80, 443]``, ``{}``: keys and words without ``:``, entries after ``, ``); a comment
after a value starts with a space. Lines may end in CR LF.
"""

from __future__ import annotations

import re
from typing import Any

from netsim.model.yamlscalar import ScalarError, json_value, key_string, resolve_plain

__all__ = ["MAX_FAST_DEPTH", "read_plain_block"]

MAX_FAST_DEPTH = 100
"""Deeper nesting is left to the full reader, which reports its own limit."""

_OUTSIDE = re.compile(r"[^\n\x20-\x7e]")
"""Any character but printable ASCII and newline (tabs, CR, control, non-ASCII)."""

_WORD = r"""[A-Za-z0-9_./~:=@+,()'"!?&*%-]*+(?<!:)"""
_PLAIN = r"(-?[A-Za-z0-9_./~]" + _WORD + r"(?: ++[A-Za-z0-9_./~=@+(-]" + _WORD + r")*+)"
_QUOTED = r"""("[ !#-\[\]-~]*+"|'[ -&(-~]*+')"""
_FLOW = r"([\[{][^#\n]*+)"
_FLOW_TOKEN = re.compile(
    r" *+(?:([\[\]{},])"  # an indicator
    r"|([A-Za-z0-9_/][A-Za-z0-9_./-]*+): ++"  # a key and its colon
    r"|(-?[A-Za-z0-9_./~][A-Za-z0-9_./~=@+-]*+)"  # a plain word
    r"|" + _QUOTED + ")"
)
"""One token of a flow collection on one line (``{app: web, ports: [80, 443]}``)."""
MAX_FLOW_DEPTH = 20
"""Deeper flow collections are left to the full reader."""
_ROWS = re.compile(
    r"^(?:(---)(?: ++#.*| *+)"  # a document start
    r"|( *+)(- ++|-$)?"  # indentation, a sequence entry
    r"(?:([A-Za-z0-9_/][A-Za-z0-9_./-]*+):(?= |$))?"  # a key
    r" *+(?:" + _PLAIN + "|" + _QUOTED + "|" + _FLOW + r")?"  # a value
    r" *+(?:(?<![^ \n])#.*)?)$",  # a comment, after a space
    re.MULTILINE,
)
"""One line of the subset, its parts as groups. Every repetition is possessive, so a
line that does not match fails in time linear in its length."""


class _Unsupported(Exception):
    """The text leaves the subset: the full reader must read it."""


_COLUMN, _VALUE, _IS_MAP, _PENDING, _INDENTLESS = range(5)
"""The slots of a frame: one open block collection (a list, for speed): its column,
its value, whether it is a mapping, the entry that may still become a collection
below (a mapping's key, ``"-"`` for a sequence's last item) and whether it is a
sequence written at its key's column."""


def read_plain_block(text: str) -> list[object] | None:
    """The documents of ``text`` if it is in the subset this module reads, else None.

    The values are those :func:`netsim.model.yamlsafe.parse_yaml_text` returns for the
    same text (plain data, go-yaml's scalar rules).
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n")  # a lone CR is left to the full reader
    if _OUTSIDE.search(text) is not None:
        return None
    try:
        return _read(text)
    except (_Unsupported, ScalarError):
        return None


def _key(word: str) -> str:
    raw = resolve_plain(word)
    return raw if raw.__class__ is str else key_string(raw)


def _value(word: str) -> Any:
    value = resolve_plain(word)
    return json_value(value) if value.__class__ is float else value


def _read(text: str) -> list[object]:
    rows = _ROWS.findall(text)
    if len(rows) != text.count("\n") + 1:
        raise _Unsupported  # some line did not match
    documents: list[object] = []
    values: dict[str, Any] = {}
    keys: dict[str, str] = {}
    missing = values  # a marker no value can be
    # The frame below the root: a sequence whose one pending item becomes the root.
    stack: list[list[Any]] = [[-1, [None], False, "-", False]]
    top = stack[0]
    started = False  # a document was opened by content or by '---'
    for start, indent, dash, key, plain, quoted, flow in rows:
        if plain:
            value = values.get(plain, missing)
            if value is missing:
                value = values[plain] = _value(plain)
            given = True
        elif quoted:
            value = quoted[1:-1]
            given = True
        elif flow:
            # room for nesting: what the block collections open now (and the up to three
            # this line may open) leave of the full reader's limit
            value = _flow(flow, values, keys, MAX_FAST_DEPTH - len(stack) - 3)
            given = True
        elif dash or key:
            value, given = None, False
        elif start:
            if started:
                documents.append(_finish(stack))
            started = True
            stack = [[-1, [None], False, "-", False]]
            top = stack[0]
            continue
        else:
            continue  # a blank or comment line
        started = True
        column = len(indent)
        if dash:
            if column != top[_COLUMN] or top[_IS_MAP]:
                pending = top[_PENDING]
                if pending is not None and (
                    column > top[_COLUMN] or (column == top[_COLUMN] and top[_IS_MAP])
                ):
                    top = _nest(stack, top, [], column, False)  # the value of the entry above
                else:
                    while column < top[_COLUMN]:
                        stack.pop()
                        top = stack[-1]
                    if column != top[_COLUMN] or top[_IS_MAP]:
                        top = _open_sequence(stack, column)
            if not key:
                top[_VALUE].append(value)
                top[_PENDING] = None if given else "-"
                continue
            column += len(dash)
            top[_PENDING] = None
            mapping: dict[str, Any] = {}
            top[_VALUE].append(mapping)
            top = [column, mapping, True, None, False]
            stack.append(top)
            if len(stack) > MAX_FAST_DEPTH:
                raise _Unsupported
        elif not key:
            raise _Unsupported  # a scalar alone on its line (a continuation, a root scalar)
        elif column != top[_COLUMN] or not top[_IS_MAP]:
            pending = top[_PENDING]
            if column > top[_COLUMN] and pending is not None:
                top = _nest(stack, top, {}, column, True)  # the value of the entry above
            else:
                while column < top[_COLUMN]:
                    stack.pop()
                    top = stack[-1]
                if column != top[_COLUMN] or not top[_IS_MAP]:
                    top = _open_mapping(stack, column)
            mapping = top[_VALUE]
        else:
            mapping = top[_VALUE]
        name = keys.get(key)
        if name is None:
            name = keys[key] = _key(key)
        if name in mapping:
            raise _Unsupported  # the full reader reports the duplicate with its lines
        mapping[name] = value
        top[_PENDING] = None if given else name
    if started:
        documents.append(_finish(stack))
    return documents


def _flow(text: str, values: dict[str, Any], keys: dict[str, str], room: int) -> Any:
    """A flow collection on one line: ``{KEY: VALUE, ...}`` or ``[VALUE, ...]``.

    Entries are separated by ``, `` (no trailing comma, no empty entry); a key is a
    plain word followed by ``: ``; a value is a plain word without ``:``, a simple
    quoted string or a flow collection, nested at most ``room`` (and
    MAX_FLOW_DEPTH) deep. Anything else is left to the full reader.
    """
    tokens: list[tuple[str, str, str, str]] = []
    position, end, match = 0, len(text.rstrip(" ")), _FLOW_TOKEN.match
    while position < end:
        found = match(text, position)
        if found is None or found.end() == position:
            raise _Unsupported
        tokens.append(found.groups())  # type: ignore[arg-type]
        position = found.end()
    value, used = _flow_value(tokens, 0, values, keys, min(room, MAX_FLOW_DEPTH))
    if used != len(tokens):
        raise _Unsupported
    return value


def _flow_value(
    tokens: list[tuple[str, str, str, str]],
    at: int,
    values: dict[str, Any],
    keys: dict[str, str],
    room: int,
) -> tuple[Any, int]:
    """The value starting at token ``at`` (collections nested at most ``room`` deep), and
    the index of the token after it."""
    if at >= len(tokens):
        raise _Unsupported
    indicator, _, plain, quoted = tokens[at]
    if plain:
        value = values.get(plain, values)
        if value is values:
            value = values[plain] = _value(plain)
        return value, at + 1
    if quoted:
        return quoted[1:-1], at + 1
    if indicator not in ("[", "{") or room < 1:
        raise _Unsupported
    is_map = indicator == "{"
    closing = "}" if is_map else "]"
    collection: Any = {} if is_map else []
    at += 1
    if at < len(tokens) and tokens[at][0] == closing:
        return collection, at + 1
    while True:
        if is_map:
            if at >= len(tokens) or not tokens[at][1]:
                raise _Unsupported
            name = keys.get(tokens[at][1])
            if name is None:
                name = keys[tokens[at][1]] = _key(tokens[at][1])
            if name in collection:
                raise _Unsupported  # the full reader reports the duplicate
            collection[name], at = _flow_value(tokens, at + 1, values, keys, room - 1)
        else:
            item, at = _flow_value(tokens, at, values, keys, room - 1)
            collection.append(item)
        if at >= len(tokens):
            raise _Unsupported
        if tokens[at][0] == closing:
            return collection, at + 1
        if tokens[at][0] != ",":
            raise _Unsupported
        at += 1


def _finish(stack: list[list[Any]]) -> Any:
    """The root of a finished document (an empty one is left to the full reader)."""
    below = stack[0]
    if below[_PENDING] is not None:
        raise _Unsupported
    return below[_VALUE][0]


def _close_to(stack: list[list[Any]], column: int) -> list[Any]:
    while stack[-1][_COLUMN] > column:
        stack.pop()
    return stack[-1]


def _nest(
    stack: list[list[Any]], parent: list[Any], value: Any, column: int, is_map: bool
) -> list[Any]:
    """A new collection at ``column`` as ``parent``'s pending entry (in place of its null
    placeholder): its frame, pushed on ``stack``."""
    if parent[_IS_MAP]:
        parent[_VALUE][parent[_PENDING]] = value
    else:
        parent[_VALUE][-1] = value
    parent[_PENDING] = None
    frame = [column, value, is_map, None, not is_map and parent[_COLUMN] == column]
    stack.append(frame)
    if len(stack) > MAX_FAST_DEPTH:
        raise _Unsupported
    return frame


def _open_sequence(stack: list[list[Any]], column: int) -> list[Any]:
    """The sequence a ``-`` at ``column`` adds to, opened if new."""
    top = _close_to(stack, column)
    if not top[_IS_MAP] and top[_COLUMN] == column:
        return top
    if top[_PENDING] is not None and (
        top[_COLUMN] < column or (top[_IS_MAP] and top[_COLUMN] == column)
    ):
        return _nest(stack, top, [], column, False)
    raise _Unsupported


def _open_mapping(stack: list[list[Any]], column: int) -> list[Any]:
    """The mapping a key at ``column`` goes into, opened if new."""
    top = _close_to(stack, column)
    if top[_IS_MAP] and top[_COLUMN] == column:
        return top
    if not top[_IS_MAP] and top[_COLUMN] == column and top[_INDENTLESS]:
        stack.pop()
        top = stack[-1]
        if top[_IS_MAP] and top[_COLUMN] == column:
            return top
        raise _Unsupported
    if top[_PENDING] is not None and top[_COLUMN] < column:
        return _nest(stack, top, {}, column, True)
    raise _Unsupported
