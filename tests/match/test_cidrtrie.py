"""CidrTrie (longest-prefix match) and CidrSetTable (cidr minus excepts), against brute force."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from netsim.addr import Prefix, ip_to_int
from netsim.match.cidrtrie import CidrSetTable, CidrTrie


def v4(text: str) -> int:
    return ip_to_int(text)


def test_longest_prefix_wins_and_boundaries_are_exact() -> None:
    trie: CidrTrie[str] = CidrTrie()
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


def test_families_are_separate_and_changes_rebuild() -> None:
    trie: CidrTrie[int] = CidrTrie()
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
def test_lookup_equals_brute_force(table: list[Prefix], probes: list[int]) -> None:
    trie: CidrTrie[Prefix] = CidrTrie()
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


def test_direct_table_buckets_agree_with_a_full_search() -> None:
    """Bucket edges: prefixes exactly one bucket wide, ending on a bucket edge, and tables
    large enough to use more top bits (``lookup_many4`` searches all bounds, independently)."""
    import random

    from netsim.match.cidrtrie import bucket_bits

    rng = random.Random(7)
    for size in (3, 300, 5_000):
        trie: CidrTrie[int] = CidrTrie()
        table = [
            Prefix.parse("10.0.0.0/16"),
            Prefix.parse("10.1.0.0/20"),
            Prefix.parse("0.0.0.0/0"),
        ]
        for _ in range(size):
            length = rng.choice([8, 12, 14, 16, 18, 20, 24, 32])
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
    assert bucket_bits(2) == 12 and bucket_bits(20_000) == 16 and bucket_bits(10**6) == 18


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
