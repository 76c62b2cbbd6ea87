"""The one-pass value builder of ``yamlsafe._scan`` agrees with PyYAML's constructor.

``parse_yaml_text`` builds plain documents while it checks the limits and falls
back to the full constructor (``yamlsafe._construct``) for tags, merge keys and
odd keys or aliases. On generated YAML both must give the same values, the same
errors, in the same order.
"""

from __future__ import annotations

from collections.abc import Callable
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from netsim.errors import NetsimError
from netsim.model import yamlsafe
from netsim.model.yamlsafe import parse_yaml_text

# every kind of plain scalar of tests/model/test_yamlscalar.py (bools, nulls, go ints, floats,
# '.'-led floats, 0b retries, strings, timestamps, big ints, values JSON cannot carry)
PLAIN = [
    "y", "Y", "yes", "On", "TRUE", "n", "NO", "off", "False", "yEs", "oN", "o", "~", "null",
    "nULL", "80", "+80", "-80", "0o120", "0O120", "0120", "0x50", "0b1010000", "-0x50", "1_000",
    "9223372036854775807", "18446744073709551615", "080", "09", "80.0", "1e3", "1E+3", "80.5",
    "-.5", "+1.5e-1", "18446744073709551616", "1e21", ".5", ".5e1", ".5_5", ".", ".x", "0b-101",
    "-0b101", "1:20", "0x", "0.", "1e", "0x1p3", "_80", "80_", "0b102", "2001-12-14",
    "2001-12-14t21:59:43.10-05:00", "0x10000000000000000", "1e400", ".nan", ".inf", "-.inf",
    "3.14159265358979", "1234567.0", "abc", "TCP", "<<",
]  # fmt: skip
QUOTED = ["'1'", '"yes"', "'<<'", "''", '"a b"', "'.nan'"]
TAGGED = [
    "!!int 0o120", "!!int 080", "!!float 1", "!!str 80", "!!bool yes", "!!null ~",
    "!!timestamp 2001-12-14", "!!int abc", "!!binary aGk=", "!!binary a", "!foo 80", "! 12",
    "!!float 18446744073709551615",
]  # fmt: skip
KEYS = ["a", "b", "1", "'1'", "yes", "1.0", "1.5", "~", "<<", "080", ".nan", "!!str 1", "*a"]
PLAIN_KEYS = ["c", "d", "e", "f", "g", "h", "i", "j", "k", "2", "no", "0x10", "1e6"]

# mostly documents the one-pass builder takes, some it hands to the constructor
plain_scalars = st.sampled_from([text for text in PLAIN if text != "<<"] + QUOTED)
scalars = st.one_of(plain_scalars, plain_scalars, st.sampled_from(PLAIN + QUOTED + TAGGED))
keys = st.one_of(st.sampled_from(PLAIN_KEYS), st.sampled_from(PLAIN_KEYS), st.sampled_from(KEYS))
aliases = st.sampled_from(["*a", "*b"])
anchors = st.sampled_from(["", "", "", "", "", "", "&a ", "&b ", "!!map ", "!!seq ", "&a !!str "])


def _collections(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    sequence = st.lists(inner, max_size=4).map(lambda items: "[" + ", ".join(items) + "]")
    pairs = st.tuples(st.one_of(keys, keys, keys, inner), inner)
    mapping = st.lists(pairs, max_size=4).map(
        lambda items: "{" + ", ".join(f"{key}: {value}" for key, value in items) + "}"
    )
    return st.tuples(anchors, st.one_of(sequence, mapping)).map("".join)


nodes = st.recursive(
    st.one_of(
        st.tuples(anchors, scalars).map("".join), st.tuples(anchors, scalars).map("".join), aliases
    ),
    _collections,
    max_leaves=12,
)
documents = st.one_of(
    nodes,
    st.lists(st.tuples(keys, nodes), min_size=1, max_size=4).map(
        lambda items: "".join(f"{key}: {value}\n" for key, value in items)
    ),
)
streams = st.lists(documents, min_size=1, max_size=3).map("\n---\n".join)


def _outcome(read: Callable[[], list[object]]) -> tuple[str, ...]:
    try:
        return ("ok", repr(read()))
    except NetsimError as exc:
        return ("error", type(exc).__name__, str(exc))


def _reference(text: str) -> list[object]:
    yamlsafe._scan(text, "f.yaml")  # the limit errors come first, for the whole file
    return yamlsafe._construct(text, "f.yaml")


def _check(text: str) -> None:
    fast = _outcome(lambda: parse_yaml_text(text, "f.yaml"))
    assert fast == _outcome(lambda: _reference(text)), text


@settings(max_examples=1000, deadline=None)
@given(streams)
def test_fast_path_and_constructor_agree(text: str) -> None:
    _check(text)


@settings(max_examples=200, deadline=None)
@given(streams)
def test_fast_path_and_constructor_agree_on_pure_python_parser(text: str) -> None:
    with mock.patch.object(yamlsafe, "_Loader", yamlsafe._PyLoader):
        _check(text)


def test_plain_documents_take_the_fast_path_and_shared_anchors_stay_shared() -> None:
    text = "a: &x {p: [1, 080, yes]}\nb: *x\n'1': .5\n---\n---\n[1.0, ~, '1']\n"
    built = yamlsafe._scan(text, "f.yaml")
    expected = [{"a": {"p": [1, 80, True]}, "b": {"p": [1, 80, True]}, "1": 0.5}, None]
    assert built == [*expected, [1, None, "1"]]
    assert built == yamlsafe._construct(text, "f.yaml")
    first = built[0]
    assert isinstance(first, dict) and first["a"] is first["b"]


def test_tags_merge_keys_and_refused_values_use_the_constructor() -> None:
    for text in ("a: !!str 1\n", "a: &x {p: 1}\nb: {<<: *x}\n", "a: [.nan]\n", "~: 1\n"):
        assert yamlsafe._scan(text, "f.yaml") is None, text
