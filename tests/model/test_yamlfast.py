"""The fast block-YAML reader agrees with the full reader on every text it accepts.

:func:`netsim.model.yamlfast.read_plain_block` either declines a text (None) or
returns exactly the documents the libyaml-event reader of :mod:`netsim.model.yamlsafe`
builds from it (values, types and key order). The texts here are written in the
subset, then mutated one character or one line at a time, so that most mutations
leave the subset or make the YAML invalid: the fast reader must decline each of
those, never read it differently.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netsim.errors import NetsimError
from netsim.model import yamlsafe
from netsim.model.yamlfast import read_plain_block

ERROR = "<error>"


def full_reader(text: str) -> Any:
    """The documents the event scan (or PyYAML's constructor) builds, or ERROR."""
    try:
        documents = yamlsafe._scan(text, "t.yaml")
        if documents is None:
            documents = yamlsafe._construct(text, "t.yaml")
    except NetsimError:
        return ERROR
    return documents


def check(text: str) -> list[object] | None:
    """Assert agreement; return what the fast reader gave."""
    fast = read_plain_block(text)
    if fast is not None:
        assert repr(fast) == repr(full_reader(text)), text
    return fast


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\n", [{"a": 1}]),
        ("", []),
        ("# only a comment\n", []),
        ("# licence\n---\na: b\n", [{"a": "b"}]),
        ("a: 1\n---\nb: 2\n", [{"a": 1}, {"b": 2}]),
        ("k:\n- x\n- w\nz: 1\n", [{"k": ["x", "w"], "z": 1}]),
        ("k:\n  - x\n  -\n", [{"k": ["x", None]}]),
        ("- a: 1\n  b: 2\n- c\n", [[{"a": 1, "b": 2}, "c"]]),
        ("-\n  - 1\n", [[[1]]]),
        ("a:\nb: ~\n", [{"a": None, "b": None}]),
        # go-yaml's scalars (docs/YAML.md): not YAML 1.1's.
        (
            "p: 0o120\nq: 080\nr: 1:20\ns: y\nt: '80'\nu: \"on\"\nv: 1e3\nw: -1\n",
            [{"p": 80, "q": 80, "r": "1:20", "s": True, "t": "80", "u": "on", "v": 1000, "w": -1}],
        ),
        ("1: x\ny: z\n", [{"1": "x", "true": "z"}]),
        ("a: b # comment\nc:  # empty\n", [{"a": "b", "c": None}]),
        ("image: registry.k8s.io/pause:3.9\n", [{"image": "registry.k8s.io/pause:3.9"}]),
        ("podSelector: {}\nports: []\nx:\n- {}\n", [{"podSelector": {}, "ports": [], "x": [{}]}]),
        ("a: 1\r\nb:\r\n- c\r\n", [{"a": 1, "b": ["c"]}]),
        (
            "labels: {app: web, m: 080}\nports: [{port: 80}, 'x', [], {}]  # c\n",
            [{"labels": {"app": "web", "m": 80}, "ports": [{"port": 80}, "x", [], {}]}],
        ),
        (
            "title: Use case - deny all (it's 1:1, ok?)  # c\n",
            [{"title": "Use case - deny all (it's 1:1, ok?)"}],
        ),
    ],
)
def test_reads_the_subset_as_the_full_reader_does(text: str, expected: list[object]) -> None:
    assert check(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",  # anchors
        "a: !!str 1\n",  # tags
        "a: |\n  text\n",  # block scalars
        "a: b\n  c\n",  # a continued plain scalar
        "a: 1\na: 2\n",  # duplicate key: the full reader names both lines
        "1: x\n'1': y\n",
        "a:\n\tb: 1\n",  # tab
        "a: caf\u00e9\n",  # non-ASCII
        "a: 1\n---\n",  # an empty document
        "---\n---\na: 1\n",
        "%YAML 1.1\n---\na: 1\n",
        "a: 1\n- b\n",  # invalid
        "a: 1\n  b: 2\n",
        "- a\nb: 1\n",
        "a:\n  - x\n  b: 1\n",
        "a: 'it''s'\n",  # escapes
        'a: "x\\ty"\n',
        "a: .nan\n",  # not sendable: the full reader says so
        "a: " + "9" * 5000 + "\n",
        "hello\n",  # a root scalar
        "  a: 1\nb: 2\n",
        "<<: {a: 1}\n",
        "a: 1\rb: 2\n",  # a lone CR is a line break too
        "a: [b, ]\n",  # a trailing comma
        "a: {b:c}\n",
        "a: {b: c, b: d}\n",
        "a: [b: c]\n",
        "a: [b\n",
        "a: [b] c\n",
        "a: {b: 'c'd}\n",
        "a: " + "[" * 30 + "]" * 30 + "\n",
        "a: b: c\n",
        "a: b c:\n",
        "a: b :c\n",
        "a: {}\n  b: 1\n",
    ],
)
def test_declines_everything_else(text: str) -> None:
    assert check(text) is None


_WORDS = st.sampled_from(
    [
        "a",
        "app",
        "x.y/z",
        "1",
        "y",
        "null",
        "~",
        "0o17",
        "080",
        "1:20",
        "-1",
        "1e3",
        "1.5",
        "TCP",
        "true",
        "no",
        "-x",
        "http://h:80/",
        "_",
        "2024-01-02",
        "0x1F",
        ".5",
        "Use case - deny",
        "it's a, b (c)",
        "a  b",
        "x: y",
        "x #y",
        "1 2",
        "~ x",
    ]
)
_SCALARS = st.one_of(
    _WORDS,
    _WORDS.map(lambda w: f'"{w}"'),
    _WORDS.map(lambda w: f"'{w}'"),
    st.just(""),
    st.sampled_from(["{}", "[]"]),
)
_KEYS = st.sampled_from(["a", "b", "app", "x.y/z", "1", "y", "ports", "from", "k_2"])


def _tree(depth: int) -> st.SearchStrategy[Any]:
    if depth == 0:
        return _SCALARS
    child = _tree(depth - 1)
    return st.one_of(
        _SCALARS,
        st.lists(st.tuples(_KEYS, child), min_size=1, max_size=4).map(lambda kv: ("map", kv)),
        st.lists(child, min_size=1, max_size=4).map(lambda items: ("seq", items)),
    )


def _emit(node: Any, column: int, style: st.DataObject, out: list[str], head: str) -> None:
    """Write ``node`` in block style, its entries at ``column``; ``head`` is the line that
    introduces it (``  key:`` or ``  -``; empty for a document's root)."""
    if isinstance(node, str):
        out.append(f"{head} {node}" if node else head)
        return
    if head and style.draw(st.integers(0, 3)) == 0:
        out.append(f"{head} {_flow_text(node)}")
        return
    kind, items = node
    compact = kind == "map" and head.endswith("-") and style.draw(st.booleans())
    if head and not compact:
        out.append(head)
    for n, item in enumerate(items):
        if kind == "map":
            key, value = item
            line = f"{head} {key}:" if (compact and n == 0) else " " * column + f"{key}:"
            inner = column + 2
            if isinstance(value, tuple) and value[0] == "seq" and style.draw(st.booleans()):
                inner = column  # an indentless sequence, as kubectl writes them
            _emit(value, inner, style, out, line)
        else:
            _emit(item, column + 2, style, out, " " * column + "-")
        if style.draw(st.booleans()):
            out.append(" " * style.draw(st.integers(0, 6)) + "# note")


def _flow_text(node: Any) -> str:
    """``node`` as one flow collection (``{k: v, k2: [a, b]}``); empty scalars as ``""``."""
    if isinstance(node, str):
        return node or '""'
    kind, items = node
    if kind == "map":
        return "{" + ", ".join(f"{k}: {_flow_text(v)}" for k, v in items) + "}"
    return "[" + ", ".join(_flow_text(v) for v in items) + "]"


@settings(
    max_examples=int(os.environ.get("NETSIM_HYPOTHESIS_EXAMPLES", "0")) or 300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(_tree(3), min_size=1, max_size=3), st.data())
def test_agrees_with_the_full_reader(documents: list[Any], style: st.DataObject) -> None:
    lines: list[str] = []
    for n, document in enumerate(documents):
        if n or style.draw(st.booleans()):
            lines.append("---")
        if isinstance(document, str):
            document = ("map", [("a", document)])
        _emit(document, 0, style, lines, "")
    text = "\n".join(lines) + "\n"
    check(text)
    check(text.replace("\n", "\r\n"))
    # One mutation: a character inserted, deleted or replaced, or a line re-indented.
    where = style.draw(st.integers(0, len(text)))
    mutation = style.draw(st.integers(0, 3))
    char = style.draw(st.sampled_from(list(" -:#'\"\n{}[]&*!|>?%@,\t\ra~0")))
    if mutation == 0:
        mutated = text[:where] + char + text[where:]
    elif mutation == 1:
        mutated = text[:where] + text[where + 1 :]
    elif mutation == 2:
        mutated = text[:where] + char + text[where + 1 :]
    else:
        parts = text.split("\n")
        index = where % len(parts)
        parts[index] = " " * style.draw(st.integers(0, 4)) + parts[index].lstrip(" ")
        mutated = "\n".join(parts)
    check(mutated)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a:" + " " * 1_000_000 + "{\n", None),
        ("a: b" + " " * 1_000_000 + "#\n", [{"a": "b"}]),  # a comment after spaces
        ("- " * 500_000 + "\n", None),
        ("a: " + "b" * 1_000_000 + ":\n", None),
        ("a: '" + " " * 1_000_000 + "\n", None),
        (" " * 1_000_000 + "a: 1\n", [{"a": 1}]),
    ],
)
def test_long_lines_fail_or_pass_in_one_pass(text: str, expected: object) -> None:
    # Every repetition in the line pattern is possessive: a quadratic backtrack over a
    # megabyte line would not finish here.
    assert read_plain_block(text) == expected
