"""CidrTrie (longest-prefix match) and CidrSetTable (cidr minus excepts), against brute force.

Every CidrTrie test runs on both IPv4 lookup paths (pure Python and the C helper) through
the ``new_trie`` fixture (conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from netsim.addr import Prefix, ip_to_int
from netsim.match.cidrtrie import CidrSetTable, CidrTrie

NewTrie = Callable[[], CidrTrie[Any]]


def v4(text: str) -> int:
    return ip_to_int(text)


def test_longest_prefix_wins_and_boundaries_are_exact(new_trie: NewTrie) -> None:
    trie: CidrTrie[str] = new_trie()
    trie.insert(Prefix.parse("10.0.0.0/8"), "a")
    trie.insert(Prefix.parse("10.1.0.0/16"), "b")
    trie.insert(Prefix.parse("10.1.2.0/24"), "c")
    assert trie.lookup(4, v4("10.1.2.3")) == "c"
    assert trie.lookup(4, v4("10.1.2.255")) == "c"
    assert trie.lookup(4, v4("10.1.3.0")) == "b"
    assert trie.lookup(4, v4("10.1.255.255")) == "b"
    assert trie.lookup(4, v4("10.2.0.0")) == "a"
    assert trie.lookup(4, v4("10.255.255.255")) == "a"
    assert trie.lookup(4, v4("11.0.0.0")) is None
    assert trie.lookup(4, v4("9.255.255.255")) is None
    assert trie.lookup(4, 0) is None


def test_families_are_separate_and_changes_rebuild(new_trie: NewTrie) -> None:
    trie: CidrTrie[int] = new_trie()
    trie.insert(Prefix.parse("0.0.0.0/0"), 4)
    trie.insert(Prefix.parse("2001:db8::/32"), 6)
    assert trie.lookup(4, v4("192.0.2.1")) == 4
    assert trie.lookup(6, ip_to_int("2001:db8::1")) == 6
    assert trie.lookup6(ip_to_int("2001:db9::1")) is None
    trie.delete(Prefix.parse("0.0.0.0/0"))
    assert trie.lookup4(v4("192.0.2.1")) is None
    trie.insert(Prefix.parse("192.0.2.0/24"), 24)
    assert trie.lookup4(v4("192.0.2.1")) == 24
    assert len(trie) == 2 and Prefix.parse("192.0.2.0/24") in trie


prefixes = st.builds(
    lambda value, length: Prefix(4, value & ~((1 << (32 - length)) - 1) & 0xFFFFFFFF, length),
    st.integers(0, 2**32 - 1).map(lambda v: v & 0xFF0000FF | 0x0A000000),
    st.integers(0, 32),
)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(
    st.lists(prefixes, max_size=12, unique=True), st.lists(st.integers(0, 2**32 - 1), max_size=20)
)
def test_lookup_equals_brute_force(
    new_trie: NewTrie, table: list[Prefix], probes: list[int]
) -> None:
    trie: CidrTrie[Prefix] = new_trie()
    for prefix in table:
        trie.insert(prefix, prefix)
    probes = (
        probes
        + [p.network for p in table]
        + [p.last for p in table]
        + [p.last + 1 for p in table if p.last < 2**32 - 1]
    )
    for address in probes:
        covering = [p for p in table if p.contains_ip(4, address)]
        expected = max(covering, key=lambda p: p.length) if covering else None
        assert trie.lookup4(address) == expected
    assert trie.lookup_all(4, probes) == [trie.lookup4(a) for a in probes]
    assert trie.lookup_many4(np.array(probes, dtype=np.uint32)) == [trie.lookup4(a) for a in probes]


def test_ipblock_with_except() -> None:
    table = CidrSetTable()
    table.add(1, Prefix.parse("10.0.0.0/8"), [Prefix.parse("10.1.0.0/16")])
    table.add(2, Prefix.parse("10.1.0.0/16"))
    table.add(3, Prefix.parse("10.1.2.3/32"))
    assert table.lookup(4, v4("10.1.2.3")) == {2, 3}
    assert table.lookup(4, v4("10.1.2.4")) == {2}
    assert table.lookup(4, v4("10.2.0.0")) == {1}
    assert table.lookup(4, v4("192.0.2.1")) == frozenset()
    table.remove(2)
    assert table.lookup(4, v4("10.1.2.4")) == frozenset()
    assert table.lookup(4, v4("10.1.2.3")) is table.lookup(4, v4("10.1.2.3"))  # interned


@settings(max_examples=150, derandomize=True, deadline=None)
@given(
    st.lists(st.tuples(prefixes, st.lists(prefixes, max_size=3)), max_size=6),
    st.lists(st.integers(0, 2**32 - 1), max_size=10),
)
def test_set_table_equals_brute_force(
    entries: list[tuple[Prefix, list[Prefix]]], probes: list[int]
) -> None:
    table = CidrSetTable()
    cleaned = []
    for i, (cidr, excepts) in enumerate(entries):
        inside = [e for e in excepts if cidr.contains(e) and e != cidr]
        table.add(i, cidr, inside)
        cleaned.append((cidr, inside))
    edges = [p.network for c, ex in cleaned for p in (c, *ex)] + [
        p.last for c, ex in cleaned for p in (c, *ex)
    ]
    for address in probes + edges:
        expected = {
            i
            for i, (cidr, excepts) in enumerate(cleaned)
            if cidr.contains_ip(4, address) and not any(e.contains_ip(4, address) for e in excepts)
        }
        assert table.lookup(4, address) == expected


def test_table_levels_agree_with_a_full_search(new_trie: NewTrie) -> None:
    """Level edges: prefixes exactly a /16 or /24 wide, ending on a chunk edge, chunks with
    many intervals, and tables of thousands of prefixes (``lookup_many4`` searches all
    bounds, independently of the three-level table)."""
    import random

    rng = random.Random(7)
    for size in (3, 300, 5_000):
        trie: CidrTrie[int] = new_trie()
        table = [
            Prefix.parse("10.0.0.0/16"),
            Prefix.parse("10.1.0.0/20"),
            Prefix.parse("10.2.3.0/24"),
            Prefix.parse("10.2.4.128/25"),
            Prefix.parse("0.0.0.0/0"),
            Prefix.parse("255.255.255.255/32"),
        ]
        for _ in range(size):
            length = rng.choice([8, 12, 14, 16, 18, 20, 24, 25, 28, 31, 32])
            value = rng.getrandbits(32) & ~((1 << (32 - length)) - 1)
            table.append(Prefix(4, value, length))
        for i, prefix in enumerate(dict.fromkeys(table)):
            trie.insert(prefix, i)
        edges = [p.network for p in table] + [p.last for p in table]
        edges += [(e + d) & 0xFFFFFFFF for e in edges for d in (-1, 1)]
        probes = edges + [rng.getrandbits(32) for _ in range(2_000)] + [0, 2**32 - 1]
        expected = trie.lookup_many4(np.array(probes, dtype=np.uint32))
        assert [trie.lookup4(a) for a in probes] == expected
        assert trie.lookup_all(4, probes) == expected


def _naive_longest(table: dict[Prefix, int], version: int, address: int) -> int | None:
    """Longest-prefix match by scanning every prefix: the oracle for CidrTrie."""
    best: Prefix | None = None
    for prefix in table:
        if prefix.contains_ip(version, address) and (best is None or prefix.length > best.length):
            best = prefix
    return None if best is None else table[best]


def _prefix(version: int, value: int, length: int) -> Prefix:
    bits = 32 if version == 4 else 128
    return Prefix(version, value & ~((1 << (bits - length)) - 1) & ((1 << bits) - 1), length)


# addresses near a few bases, so prefixes overlap and nest and share /16s and /24s
_BASES4 = (0x0A000000, 0x0A0102FF, 0xC0A80000, 0xFFFFFF00, 0x00000000)
addresses4 = st.builds(
    lambda base, offset: (base + offset) & 0xFFFFFFFF,
    st.sampled_from(_BASES4),
    st.one_of(st.integers(-300, 300), st.integers(-(2**20), 2**20), st.integers(0, 2**32 - 1)),
)
prefixes4 = st.builds(
    lambda a, n: _prefix(4, a, n),
    addresses4,
    st.one_of(st.sampled_from([0, 8, 16, 23, 24, 25, 31, 32]), st.integers(0, 32)),
)
_BASES6 = (0x20010DB8 << 96, (0x20010DB8 << 96) | (0xFFFF << 64), 0, (1 << 128) - (1 << 20))
addresses6 = st.builds(
    lambda base, offset: (base + offset) % (1 << 128),
    st.sampled_from(_BASES6),
    st.one_of(st.integers(-300, 300), st.integers(-(2**70), 2**70), st.integers(0, 2**128 - 1)),
)
prefixes6 = st.builds(
    lambda a, n: _prefix(6, a, n),
    addresses6,
    st.one_of(st.sampled_from([0, 32, 48, 64, 120, 127, 128]), st.integers(0, 128)),
)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    st.lists(st.one_of(prefixes4, prefixes6), max_size=40, unique=True),
    st.lists(addresses4, max_size=30),
    st.lists(addresses6, max_size=10),
)
def test_longest_prefix_equals_naive_scan(
    new_trie: NewTrie, prefixes: list[Prefix], probes4: list[int], probes6: list[int]
) -> None:
    """Every lookup path (lookup4/6, lookup, lookup_all, lookup_many4) equals scanning all
    prefixes for the longest one containing the address: /0 and /32 (/128) included,
    overlapping and nested prefixes, both families in one table."""
    table = {prefix: i for i, prefix in enumerate(prefixes)}
    trie: CidrTrie[int] = new_trie()
    for prefix, value in table.items():
        trie.insert(prefix, value)
    probes = {4: list(probes4), 6: list(probes6)}
    for prefix in prefixes:
        top = (1 << (32 if prefix.version == 4 else 128)) - 1
        probes[prefix.version] += [
            a
            for a in (prefix.network - 1, prefix.network, prefix.last, prefix.last + 1)
            if 0 <= a <= top
        ]
    for version, lookup in ((4, trie.lookup4), (6, trie.lookup6)):
        expected = [_naive_longest(table, version, a) for a in probes[version]]
        assert [lookup(a) for a in probes[version]] == expected
        assert [trie.lookup(version, a) for a in probes[version]] == expected
        assert trie.lookup_all(version, probes[version]) == expected
    many = trie.lookup_many4(np.array(probes[4], dtype=np.uint32))
    assert many == [_naive_longest(table, 4, a) for a in probes[4]]


@settings(max_examples=100, derandomize=True, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), prefixes4), max_size=30),
    st.lists(addresses4, min_size=1, max_size=10),
)
def test_changes_between_lookups_equal_naive_scan(
    new_trie: NewTrie, changes: list[tuple[bool, Prefix]], probes: list[int]
) -> None:
    """Inserts and deletes interleaved with lookups: each lookup sees the table as it is now."""
    table: dict[Prefix, int] = {}
    trie: CidrTrie[int] = new_trie()
    for step, (insert, prefix) in enumerate(changes):
        if insert:
            table[prefix] = step
            trie.insert(prefix, step)
        elif prefix in table:
            del table[prefix]
            trie.delete(prefix)
        assert [trie.lookup4(a) for a in probes] == [_naive_longest(table, 4, a) for a in probes]


@settings(max_examples=100, derandomize=True, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 7), st.one_of(st.none(), prefixes), st.lists(prefixes, max_size=2)
        ),
        max_size=60,
    ),
    st.lists(st.integers(0, 2**32 - 1), max_size=8),
)
def test_set_table_changes_between_lookups(
    changes: list[tuple[int, Prefix | None, list[Prefix]]], probes: list[int]
) -> None:
    """Adds, replacements and removals interleaved with lookups (the delta list, then a
    rebuild once more than DELTA_LIMIT changes pile up) answer as a fresh table would."""
    table = CidrSetTable()
    live: dict[int, tuple[Prefix, list[Prefix]]] = {}
    for entry, cidr, excepts in changes:
        if cidr is None:
            table.remove(entry)
            live.pop(entry, None)
        else:
            inside = [e for e in excepts if cidr.contains(e) and e != cidr]
            table.add(entry, cidr, inside)
            live[entry] = (cidr, inside)
        edges = [p.network for c, ex in live.values() for p in (c, *ex)]
        for address in probes + edges:
            expected = {
                i
                for i, (c, ex) in live.items()
                if c.contains_ip(4, address) and not any(e.contains_ip(4, address) for e in ex)
            }
            assert table.lookup(4, address) == expected
