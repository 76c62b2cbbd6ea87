"""Where a field path points in a YAML file: its 1-based line.

The loader reports apiserver field paths (``spec.ingress[0].from[1].podSelector``),
not lines. :func:`line_of` re-reads the text with ``yaml.compose_all`` (nodes keep
their marks) and walks the path to its node; a field that is missing gives the
line of its nearest existing ancestor, so a ``Required value`` points at the
mapping that lacks the field. A mapping value is placed on its key's line.
"""

from __future__ import annotations

import functools
import re

import yaml

from netsim.model.yamlsafe import MAX_FILE_BYTES

_SEGMENT = re.compile(r'\.?([^.\[\]]+)|\[("(?:[^"\\]|\\.)*"|[^\]]*)\]')


def split_path(path: str) -> list[str | int]:
    """Split a field path into mapping keys (str) and list indices (int).

    ``spec.ingress[0].from[1]`` gives ``["spec", "ingress", 0, "from", 1]``;
    ``metadata.labels["a.b/c"]`` and ``metadata.labels[a.b/c]`` give the key ``a.b/c``.
    Text after a space (``spec.ingress[0] ports[1]``, a RuleRef's port) is ignored.
    """
    head = path.split(" ", 1)[0]
    out: list[str | int] = []
    for match in _SEGMENT.finditer(head):
        name, bracket = match.group(1), match.group(2)
        if name is not None:
            out.append(name)
        elif bracket.isdigit():
            out.append(int(bracket))
        elif bracket.startswith('"') and len(bracket) >= 2:
            out.append(bracket[1:-1].replace('\\"', '"').replace("\\\\", "\\"))
        else:
            out.append(bracket)
    return out


def _child(node: yaml.Node, segment: str | int) -> tuple[yaml.Node, int] | None:
    """The child node at ``segment`` and its line (a mapping value: its key's line)."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(segment):
                return value, int(key.start_mark.line) + 1
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(segment, int):
        items = node.value
        if 0 <= segment < len(items):
            item = items[segment]
            return item, int(item.start_mark.line) + 1
    return None


@functools.lru_cache(maxsize=4)
def _documents(text: str) -> tuple[yaml.Node | None, ...]:
    """The composed documents of ``text``, kept for the last few texts: a file with many
    invalid documents asks for lines once per error, and parsing it each time was
    quadratic."""
    if len(text) > MAX_FILE_BYTES:
        return ()
    try:
        return tuple(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except (yaml.YAMLError, RecursionError):
        return ()


def line_of(text: str, document: int, path: str) -> int | None:
    """The 1-based line of ``path`` in the ``document``-th YAML document of ``text``.

    A missing field gives its nearest existing ancestor's line; an empty path the
    document's first line. None when the text does not parse or has no such document
    (``document`` counts every document, empty ones included, as the loader does).
    """
    return lines_of(text, [(document, path)])[0]


def lines_of(text: str, wanted: list[tuple[int, str]]) -> list[int | None]:
    """:func:`line_of` for several (document, path) pairs, parsing ``text`` once."""
    docs = _documents(text) if wanted else ()
    out: list[int | None] = []
    for document, path in wanted:
        node = docs[document] if 0 <= document < len(docs) else None
        if node is None:
            out.append(None)
            continue
        line = int(node.start_mark.line) + 1
        for segment in split_path(path):
            child = _child(node, segment)
            if child is None:
                break
            node, line = child
        out.append(line)
    return out
