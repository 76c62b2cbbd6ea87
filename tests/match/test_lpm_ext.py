"""CidrTrie.lookup4 on both paths (pure Python, C helper ``netsim.match._lpm``): a bound
``lookup4`` follows later changes, bad addresses raise the same errors, and the C table
object itself refuses bad tables and frees its reference cycle."""

from __future__ import annotations

import gc
import sys
import weakref
from array import array
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netsim.addr import Prefix, ip_to_int
from netsim.match import cidrtrie
from netsim.match.cidrtrie import CidrTrie

from .conftest import require_compiled

NewTrie = Callable[[], CidrTrie[Any]]


def test_the_default_path_is_the_c_helper_when_built(new_trie: NewTrie) -> None:
    assert CidrTrie().compiled is cidrtrie.COMPILED
    trie = new_trie()
    assert trie.compiled is (type(trie.lookup4).__name__ == "builtin_function_or_method")


def test_a_bound_lookup4_answers_after_insert_and_delete(new_trie: NewTrie) -> None:
    """Bound once, before any change (as measure_lpm and callers do): each later call sees
    the table as it is then, across lazy rebuilds."""
    trie: CidrTrie[str] = new_trie()
    lookup4 = trie.lookup4
    inside = ip_to_int("10.1.2.3")
    assert lookup4(inside) is None  # empty table
    trie.insert(Prefix.parse("10.0.0.0/8"), "eight")
    assert lookup4(inside) == "eight"
    trie.insert(Prefix.parse("10.1.2.0/24"), "twentyfour")
    assert lookup4(inside) == "twentyfour"
    assert lookup4(ip_to_int("10.1.3.0")) == "eight"
    trie.insert(Prefix.parse("10.1.2.0/24"), "replaced")
    assert lookup4(inside) == "replaced"
    trie.delete(Prefix.parse("10.1.2.0/24"))
    assert lookup4(inside) == "eight"
    trie.delete(Prefix.parse("10.0.0.0/8"))
    assert lookup4(inside) is None
    trie.insert(Prefix.parse("10.1.2.3/32"), "host")
    assert [lookup4(ip_to_int(a)) for a in ("10.1.2.2", "10.1.2.3", "10.1.2.4")] == [
        None,
        "host",
        None,
    ]
    assert trie.lookup4 is not None and trie.lookup(4, inside) == "host"


@pytest.mark.parametrize("address", [-1, 2**32, 2**32 + 5, 2**64, -(2**70)])
def test_an_address_out_of_range_raises_value_error(new_trie: NewTrie, address: int) -> None:
    trie: CidrTrie[str] = new_trie()
    trie.insert(Prefix.parse("0.0.0.0/0"), "all")
    with pytest.raises(ValueError, match=r"IPv4 address out of range 0\.\.2\*\*32-1"):
        trie.lookup4(address)
    assert trie.lookup4(2**32 - 1) == "all" and trie.lookup4(0) == "all"  # the edges are fine


@pytest.mark.parametrize("address", ["10.0.0.1", 1.5, None, b"\x0a\x00\x00\x01"])
def test_a_non_int_address_raises_type_error(new_trie: NewTrie, address: object) -> None:
    trie: CidrTrie[str] = new_trie()
    trie.insert(Prefix.parse("0.0.0.0/0"), "all")
    with pytest.raises(TypeError):
        trie.lookup4(address)  # type: ignore[arg-type]
    trie.lookup4(1)
    with pytest.raises(TypeError):  # and once the table is built
        trie.lookup4(address)  # type: ignore[arg-type]


def test_c_lookups_keep_reference_counts() -> None:
    require_compiled()
    value = object()
    trie: CidrTrie[object] = CidrTrie(compiled=True)
    trie.insert(Prefix.parse("192.0.2.0/24"), value)
    lookup4 = trie.lookup4
    lookup4(0)
    before = sys.getrefcount(value)
    found = [lookup4(ip_to_int("192.0.2.7")) for _ in range(1000)]
    assert all(f is value for f in found)
    assert sys.getrefcount(value) == before + 1000
    del found
    assert sys.getrefcount(value) == before
    for _ in range(1000):
        assert lookup4(ip_to_int("192.0.3.7")) is None
    assert sys.getrefcount(value) == before


def test_c_trie_and_its_table_are_collected() -> None:
    """The trie holds its Table4, which holds the trie's rebuild method: a cycle the
    garbage collector must see (tp_traverse) and break (tp_clear)."""
    require_compiled()
    trie: CidrTrie[str] = CidrTrie(compiled=True)
    trie.insert(Prefix.parse("10.0.0.0/8"), "a")
    assert trie.lookup4(ip_to_int("10.0.0.1")) == "a"
    gone = weakref.ref(trie)
    del trie
    gc.collect()
    assert gone() is None


def _table(rebuild: Callable[[], object] | None = None) -> Any:
    from netsim.match import _lpm  # only when built: require_compiled() first

    return _lpm.Table4(rebuild)


def test_c_table_refuses_bad_tables() -> None:
    """Entries pointing past a level, or past the values, raise: nothing is read outside
    the arrays. Ill-shaped levels are refused when set."""
    require_compiled()
    table = _table()
    with pytest.raises(RuntimeError, match="no table set"):
        table.lookup4(0)
    level1 = array("i", [0] * 65536)
    with pytest.raises(ValueError, match="65536 entries"):
        table.set(array("i", [0] * 10), array("i"), array("i"), ("v",))
    with pytest.raises(TypeError, match="4-byte ints"):
        table.set(array("q", [0] * 65536), array("i"), array("i"), ("v",))
    with pytest.raises(TypeError):
        table.set(level1, array("i"), array("i"), ["v"])  # values must be a tuple
    table.set(level1, array("i"), array("i"), ("v",))
    assert table.lookup4(2**32 - 1) == "v"
    table.set(level1, array("i"), array("i"), ())  # entry 0 with no values
    with pytest.raises(RuntimeError, match="outside the table"):
        table.lookup4(5)
    level1[1] = -1  # level 2 is empty: any negative entry points outside it
    table.set(level1, array("i"), array("i"), ("v",))
    with pytest.raises(RuntimeError, match="outside the table"):
        table.lookup4(1 << 16)
    level1[1] = -256 - 1  # one 256-entry chunk of level 2, but one /16 past it
    table.set(level1, array("i", [0] * 256), array("i"), ("v",))
    with pytest.raises(RuntimeError, match="outside the table"):
        table.lookup4((1 << 16) + 255 * 256)
    table.invalidate()
    with pytest.raises(RuntimeError, match="no table set"):
        table.lookup4(0)


def test_c_table_calls_rebuild_when_stale() -> None:
    require_compiled()
    calls: list[int] = []
    level1 = array("i", [0] * 65536)

    def rebuild() -> None:
        calls.append(1)
        if len(calls) == 1:
            table.set(level1, array("i"), array("i"), ("built",))

    table = _table(rebuild)
    assert table.lookup4(7) == "built" and table.lookup4(8) == "built"
    assert len(calls) == 1
    table.invalidate()
    with pytest.raises(RuntimeError, match="rebuild did not set a table"):
        table.lookup4(7)
    with pytest.raises(TypeError, match="callable"):
        _table(42)  # type: ignore[arg-type]


def _model_read(
    level1: list[int], level2: list[int], level3: list[int], values: tuple[str, ...], a: int
) -> str | None:
    """The C helper's reads in Python, returning None where it must raise (out of bounds)."""
    entry = level1[a >> 16]
    if entry < 0:
        at = len(level2) + entry + (a >> 8)
        if not 0 <= at < len(level2):
            return None
        entry = level2[at]
        if entry < 0:
            at = len(level3) + entry + (a & 255)
            if not 0 <= at < len(level3):
                return None
            entry = level3[at]
    return values[entry] if 0 <= entry < len(values) else None


# entries: an answer's index (some past the values), a pointer into a level (some past it),
# anything; mostly low addresses, whose reads land near the levels' ends
_entries = st.integers(0, 6) | st.integers(-600, -1) | st.integers(-(2**31), 2**31 - 1)
_level = st.tuples(st.lists(_entries, min_size=1, max_size=8), st.integers(0, 600)).map(
    lambda spec: [spec[0][i % len(spec[0])] for i in range(spec[1])]
)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    st.lists(_entries, min_size=1, max_size=8),
    _level,
    _level,
    st.integers(0, 6),
    st.lists(st.integers(0, 2**16) | st.integers(0, 2**32 - 1), min_size=1, max_size=40),
)
def test_c_table_with_arbitrary_entries_answers_or_raises(
    firsts: list[int], level2: list[int], level3: list[int], count: int, probes: list[int]
) -> None:
    """Whatever the entries (a corrupt or hostile table), a lookup returns the value the
    reads lead to, or raises RuntimeError where they would leave an array: it never reads
    outside one (which would crash or return garbage)."""
    require_compiled()
    level1 = [firsts[i % len(firsts)] for i in range(65536)]
    values = tuple(f"v{i}" for i in range(count))
    table = _table()
    table.set(array("i", level1), array("i", level2), array("i", level3), values)
    for a in probes:
        expected = _model_read(level1, level2, level3, values, a)
        if expected is None:
            with pytest.raises(RuntimeError, match="outside the table"):
                table.lookup4(a)
        else:
            assert table.lookup4(a) == expected
