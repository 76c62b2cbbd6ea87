"""Longest-prefix matching over IPv4 and IPv6 prefixes, flattened to sorted intervals.

CIDR prefixes form a laminar family: two prefixes are either nested or
disjoint. So the address line splits into elementary intervals at every
prefix's first address and one-past-last address, and within one interval the
set of covering prefixes is constant. :class:`CidrTrie` precomputes, per
interval, the innermost (longest) covering prefix's value; a lookup is then a
single ``bisect`` over the interval boundaries (C code), which is what makes it
as fast as a C radix trie from Python. :class:`CidrSetTable` precomputes, per
interval, the set of entries whose ``cidr`` covers it and none of whose
``except`` prefixes do: the exact semantics of an ``ipBlock`` with ``except``.

Both rebuild their intervals lazily after a change (O(n log n) in the number
of prefixes). Addresses are ints; the family is passed explicitly (4 or 6).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from functools import partial
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from netsim.addr import Prefix

V = TypeVar("V")


def _intervals(prefixes: Iterable[Prefix]) -> Iterator[tuple[int, tuple[Prefix, ...]]]:
    """Yield (start, covering prefixes outer-to-inner) for every elementary interval.

    The first interval starts at 0; an interval lasts until the next start.
    All prefixes must be of one family.
    """
    items = sorted(set(prefixes), key=lambda p: (p.network, p.length))
    points = sorted({0} | {p.network for p in items} | {p.last + 1 for p in items})
    stack: list[Prefix] = []
    i = 0
    for point in points:
        while stack and stack[-1].last < point:
            stack.pop()
        while i < len(items) and items[i].network == point:
            stack.append(items[i])
            i += 1
        yield point, tuple(stack)


_SPLIT: object = object()
"""Marks a bucket of the IPv4 direct table that holds more than one interval."""


def bucket_bits(bounds: int) -> int:
    """How many top address bits index :class:`CidrTrie`'s IPv4 direct table.

    About one bucket per interval bound, between 2^12 and 2^18 buckets: small
    enough to stay in cache for small tables, large enough that most buckets
    hold a single interval for large ones.
    """
    return max(12, min(18, bounds.bit_length() + 1))


class CidrTrie(Generic[V]):
    """A longest-prefix-match table (what pytricia offers), IPv4 and IPv6.

    ``insert(prefix, value)``; ``lookup(version, address)`` returns the value
    of the longest prefix containing the address, or None. IPv4 lookups go
    through a direct table on the address's top bits (:func:`bucket_bits`): a
    bucket inside one interval answers at once, the others bisect only the
    bounds inside the bucket.
    """

    def __init__(self) -> None:
        self._values: dict[Prefix, V] = {}
        self._stale()

    def _stale(self) -> None:
        # None makes indexing raise TypeError, which triggers the (lazy) rebuild
        self._bounds4: list[int] = []
        self._values4: list[V | None] = []
        self._direct4: list[V | object | None] | None = None
        self._starts4: list[int] = []
        self._shift4 = 16
        self._bounds6: list[int] | None = None
        self._values6: list[V | None] = []
        self._shifted4: list[V | None] = []
        self._shifted6: list[V | None] = []

    def insert(self, prefix: Prefix, value: V) -> None:
        """Add or replace ``prefix``'s value."""
        self._values[prefix] = value
        self._stale()

    def delete(self, prefix: Prefix) -> None:
        """Remove ``prefix``; raise KeyError if absent."""
        del self._values[prefix]
        self._stale()

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, prefix: object) -> bool:
        return prefix in self._values

    def get(self, prefix: Prefix) -> V | None:
        """The value stored for exactly ``prefix`` (no longest-prefix search)."""
        return self._values.get(prefix)

    def _family(self, version: int) -> tuple[list[int], list[V | None]]:
        bounds: list[int] = []
        values: list[V | None] = []
        family = [p for p in self._values if p.version == version]
        for start, stack in _intervals(family):
            bounds.append(start)
            values.append(self._values[stack[-1]] if stack else None)
        return bounds, values

    def _build(self) -> None:
        bounds, values = self._bounds4, self._values4 = self._family(4)
        bits = bucket_bits(len(bounds))
        shift = self._shift4 = 32 - bits
        # starts[h]: the interval holding bucket h's first address; starts[2^bits] ends it
        starts = [bisect_right(bounds, h << shift) - 1 for h in range(1 << bits)]
        starts.append(len(bounds) - 1)
        self._starts4 = starts
        self._direct4 = [
            values[first] if first == starts[h + 1] else _SPLIT
            for h, first in enumerate(starts[:-1])
        ]
        # a bucket ending exactly where the next interval starts still holds one interval
        for h in range(1 << bits):
            if starts[h + 1] == starts[h] + 1 and bounds[starts[h + 1]] == (h + 1) << shift:
                self._direct4[h] = values[starts[h]]
        self._bounds6, self._values6 = self._family(6)
        self._shifted4 = [None, *values]  # bisect_right's index - 1 without the subtraction
        self._shifted6 = [None, *self._values6]

    def lookup4(self, address: int) -> V | None:
        """IPv4 longest-prefix match: the value of the longest prefix containing ``address``."""
        try:
            value = self._direct4[address >> self._shift4]  # type: ignore[index]
        except TypeError:
            self._build()
            value = self._direct4[address >> self._shift4]  # type: ignore[index]
        if value is not _SPLIT:
            return value  # type: ignore[return-value]
        h = address >> self._shift4
        starts = self._starts4
        lo, hi = starts[h], starts[h + 1] + 1
        return self._values4[bisect_right(self._bounds4, address, lo, hi) - 1]

    def lookup6(self, address: int) -> V | None:
        """IPv6 longest-prefix match."""
        try:
            return self._values6[bisect_right(self._bounds6, address) - 1]  # type: ignore[arg-type]
        except TypeError:
            self._build()
            return self._values6[bisect_right(self._bounds6, address) - 1]  # type: ignore[arg-type]

    def lookup(self, version: int, address: int) -> V | None:
        """The value of the longest prefix containing ``address`` (IPv4 or IPv6), or None."""
        return self.lookup4(address) if version == 4 else self.lookup6(address)

    def lookup_all(self, version: int, addresses: Iterable[int]) -> list[V | None]:
        """Longest-prefix match for many addresses of one family: ``map`` over ``bisect``, in C."""
        if self._direct4 is None or self._bounds6 is None:
            self._build()
        bounds, shifted = (
            (self._bounds4, self._shifted4) if version == 4 else (self._bounds6, self._shifted6)
        )
        return list(map(shifted.__getitem__, map(partial(bisect_right, bounds), addresses)))

    def lookup_many4(self, addresses: npt.NDArray[np.uint32]) -> list[V | None]:
        """Vectorised IPv4 lookup: one ``searchsorted`` over an array of addresses."""
        if self._direct4 is None:
            self._build()
        bounds = np.asarray(self._bounds4, dtype=np.uint64)
        idx = np.searchsorted(bounds, addresses.astype(np.uint64), side="right") - 1
        values = self._values4
        return [values[i] for i in idx.tolist()]


DELTA_LIMIT = 32
"""Entries added since the last rebuild that :class:`CidrSetTable` tests one by one."""


class CidrSetTable:
    """Address -> the set of entries it matches, where an entry is a cidr minus except prefixes.

    An entry (an int id) matches an address inside its ``cidr`` and inside none
    of its ``excepts``. ``lookup`` returns an interned frozenset, so equal
    results are the same object and can be used as cheap class keys; ``classes``
    counts the distinct results.

    Changes are cheap: entries added since the interval table was built sit in a
    short list tested prefix by prefix, and removed ones are subtracted from the
    table's answer, until ``DELTA_LIMIT`` changes pile up and the table is
    rebuilt (O(n log n) in the prefixes) at the next lookup.
    """

    def __init__(self) -> None:
        self._entries: dict[int, tuple[Prefix, tuple[Prefix, ...]]] = {}
        self._tables: dict[int, tuple[list[int], list[frozenset[int]]]] | None = None
        self._added: dict[int, tuple[Prefix, tuple[Prefix, ...]]] = {}
        self._removed: set[int] = set()
        self._interned: dict[frozenset[int], frozenset[int]] = {}

    def add(self, entry: int, cidr: Prefix, excepts: Iterable[Prefix] = ()) -> None:
        """Add (or replace) entry ``entry``."""
        if entry in self._entries:
            self._removed.add(entry)
        self._entries[entry] = self._added[entry] = (cidr, tuple(excepts))
        self._changed()

    def remove(self, entry: int) -> None:
        """Remove entry ``entry`` if present."""
        if self._entries.pop(entry, None) is not None:
            self._added.pop(entry, None)
            self._removed.add(entry)
            self._changed()

    def _changed(self) -> None:
        if self._tables is None or len(self._added) + len(self._removed) > DELTA_LIMIT:
            self._tables = None
            self._added.clear()
            self._removed.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def intern(self, entries: frozenset[int]) -> frozenset[int]:
        """The canonical instance of a result set."""
        return self._interned.setdefault(entries, entries)

    def _build(self) -> dict[int, tuple[list[int], list[frozenset[int]]]]:
        tables: dict[int, tuple[list[int], list[frozenset[int]]]] = {}
        for version in (4, 6):
            as_cidr: dict[Prefix, list[int]] = {}
            as_except: dict[Prefix, list[int]] = {}
            for entry, (cidr, excepts) in self._entries.items():
                if cidr.version != version:
                    continue
                as_cidr.setdefault(cidr, []).append(entry)
                for e in excepts:
                    as_except.setdefault(e, []).append(entry)
            bounds: list[int] = []
            results: list[frozenset[int]] = []
            for start, stack in _intervals([*as_cidr, *as_except]):
                covered: set[int] = set()
                excluded: set[int] = set()
                for prefix in stack:
                    covered.update(as_cidr.get(prefix, ()))
                    excluded.update(as_except.get(prefix, ()))
                bounds.append(start)
                results.append(self.intern(frozenset(covered - excluded)))
            tables[version] = (bounds, results)
        self._tables = tables
        self._added.clear()
        self._removed.clear()
        return tables

    def lookup(self, version: int, address: int) -> frozenset[int]:
        """The entries matching ``address`` (an interned frozenset, possibly empty)."""
        tables = self._tables if self._tables is not None else self._build()
        bounds, results = tables[version]
        found = results[bisect_right(bounds, address) - 1]
        if not self._added and not self._removed:
            return found
        extra = [
            entry
            for entry, (cidr, excepts) in self._added.items()
            if cidr.contains_ip(version, address)
            and not any(e.contains_ip(version, address) for e in excepts)
        ]
        return self.intern(found.difference(self._removed).union(extra))
