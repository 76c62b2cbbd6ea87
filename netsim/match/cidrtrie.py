"""Longest-prefix matching over IPv4 and IPv6 prefixes, flattened to sorted intervals.

CIDR prefixes form a laminar family: two prefixes are either nested or
disjoint. So the address line splits into elementary intervals at every
prefix's first address and one-past-last address, and within one interval the
set of covering prefixes is constant. :class:`CidrTrie` precomputes, per
interval, the innermost (longest) covering prefix's value; an IPv4 lookup then
reads one to three flat int arrays indexed by the address's bits (a DIR-16-8-8
table, no search), an IPv6 lookup is one ``bisect`` over the interval
boundaries (C code). The IPv4 table is read by the optional C helper
``netsim.match._lpm`` when it was compiled at install time, else in Python:
:data:`COMPILED` tells which. :class:`CidrSetTable` precomputes, per
interval, the set of entries whose ``cidr`` covers it and none of whose
``except`` prefixes do: the exact semantics of an ``ipBlock`` with ``except``.

Both rebuild their intervals lazily after a change (O(n log n) in the number
of prefixes). Addresses are ints; the family is passed explicitly (4 or 6).
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from functools import partial
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from netsim.addr import Prefix

try:
    from netsim.match import _lpm
except ImportError:  # not compiled (no C compiler at install time): the Python path
    _lpm = None  # type: ignore[assignment]

COMPILED: bool = _lpm is not None
"""Whether the C helper ``netsim.match._lpm`` is built: ``CidrTrie.lookup4`` runs in C
when True, in pure Python (same answers, about 3x slower) when False."""

V = TypeVar("V")


def _out_of_range(address: int) -> ValueError:
    return ValueError(f"IPv4 address out of range 0..2**32-1: {address!r}")


def _intervals(prefixes: Iterable[Prefix]) -> Iterator[tuple[int, tuple[Prefix, ...]]]:
    """Yield (start, covering prefixes outer-to-inner) for every elementary interval.

    The first interval starts at 0; an interval lasts until the next start.
    All prefixes must be of one family.
    """
    items = sorted(set(prefixes), key=lambda p: (p.network, p.length))
    lasts = [p.last for p in items]
    points = sorted({0, *(p.network for p in items), *(last + 1 for last in lasts)})
    stack: list[Prefix] = []
    ends: list[int] = []  # ends[k] is stack[k].last
    i, count = 0, len(items)
    for point in points:
        while ends and ends[-1] < point:
            stack.pop()
            ends.pop()
        while i < count and items[i].network == point:
            stack.append(items[i])
            ends.append(lasts[i])
            i += 1
        yield point, tuple(stack)


STRIDES = (16, 8, 8)
"""Address bits consumed by each level of :class:`CidrTrie`'s IPv4 table (top bits first)."""


def _slots(
    starts: npt.NDArray[np.int64],
    answer: npt.NDArray[np.int64],
    parents: npt.NDArray[np.int64],
    bits: int,
    shift: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Cut each parent block (sorted first addresses) into ``2**bits`` slots of ``2**shift``.

    Returns, for every slot in order, ``answer`` of the interval holding the
    slot's first address, and whether another interval starts strictly inside
    the slot. ``starts`` are the sorted interval starts (the first is 0). Linear
    in slots plus bounds: one search per parent and per bound, then counts.
    """
    per = 1 << bits
    count = len(parents) * per
    if not count:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.bool_)
    first = np.searchsorted(starts, parents, side="right") - 1
    owner = np.searchsorted(parents, starts, side="right") - 1
    offset = starts - parents[np.maximum(owner, 0)]
    inside = (owner >= 0) & (offset > 0) & (offset < (per << shift))
    position = owner[inside] * per + (offset[inside] >> shift)
    exact = (offset[inside] & ((1 << shift) - 1)) == 0
    at_start = np.bincount(position[exact], minlength=count).reshape(-1, per)
    within = np.bincount(position[~exact], minlength=count).reshape(-1, per)
    before = np.cumsum(at_start + within, axis=1) - within
    return answer[(first[:, None] + before).ravel()], (within > 0).ravel()


class _Dir4(Generic[V]):
    """A DIR-16-8-8 table over IPv4 elementary intervals: three flat ``array('i')`` levels.

    ``level1`` has one entry per /16, ``level2`` one 256-entry chunk per /16 that
    holds more than one interval, ``level3`` one 256-entry chunk per /24 that
    does. An entry >= 0 is the answer (an index into ``values``); a negative one
    leads to a chunk of the next level, and is chosen so that adding the next
    address bits gives that chunk's position as a *negative* index from the end
    of the next level: level 2 at ``entry + (address >> 8)``, level 3 at
    ``entry + (address & 255)``. Flat int arrays touch two or three cache lines
    per lookup where a tree of Python objects touches many, which is what
    decides the speed once the table outgrows the CPU cache.
    """

    __slots__ = ("level1", "level2", "level3", "values")

    def __init__(self, bounds: list[int], values: list[V | None]) -> None:
        distinct: dict[int, int] = {}
        self.values: list[V | None] = []
        slots: list[int] = []
        for value in values:
            slot = distinct.setdefault(id(value), len(self.values))
            if slot == len(self.values):
                self.values.append(value)
            slots.append(slot)
        answer = np.array(slots, dtype=np.int64)  # interval -> index into self.values
        starts = np.asarray(bounds, dtype=np.int64)
        one = np.zeros(1, dtype=np.int64)
        level1, split1 = _slots(starts, answer, one, 16, 16)
        split_h = np.flatnonzero(split1)
        level2, split2 = _slots(starts, answer, split_h << 16, 8, 8)
        # chunk k of level 2 starts at 256 * k; entry + (address >> 8) = 256 * k + byte - size2
        level1[split_h] = (
            256 * np.arange(len(split_h), dtype=np.int64) - len(level2) - (split_h << 8)
        )
        split_g = ((split_h << 8)[:, None] + np.arange(256, dtype=np.int64)).ravel()[split2]
        level3, _ = _slots(starts, answer, split_g << 8, 8, 0)
        level2[split2] = 256 * np.arange(len(split_g), dtype=np.int64) - len(level3)
        self.level1 = array("i", level1.astype(np.int32).tobytes())
        self.level2 = array("i", level2.astype(np.int32).tobytes())
        self.level3 = array("i", level3.astype(np.int32).tobytes())


class CidrTrie(Generic[V]):
    """A longest-prefix-match table (what pytricia offers), IPv4 and IPv6.

    ``insert(prefix, value)``; ``lookup(version, address)`` returns the value
    of the longest prefix containing the address, or None. IPv4 lookups index
    a three-level table (:class:`_Dir4`, :data:`STRIDES`): one array read for
    an address whose /16 lies inside one interval, two when its /24 does,
    three otherwise, no search. IPv6 lookups bisect the interval bounds.

    ``compiled`` picks the IPv4 lookup: None (default) the C helper when it is
    built (:data:`COMPILED`), else Python; True requires the helper; False
    forces Python. With the helper, ``lookup4`` is the bound method of one
    ``_lpm.Table4`` that lives as long as the trie and is refilled in place on
    rebuild, so ``f = trie.lookup4`` bound once stays right across changes.
    """

    def __init__(self, compiled: bool | None = None) -> None:
        self._values: dict[Prefix, V] = {}
        if compiled and _lpm is None:
            raise RuntimeError("the C helper netsim.match._lpm is not built")
        use = COMPILED if compiled is None else compiled
        self._table4 = _lpm.Table4(self._build) if use else None
        if self._table4 is not None:
            self.lookup4 = self._table4.lookup4  # type: ignore[method-assign,assignment]
        self._stale()

    @property
    def compiled(self) -> bool:
        """Whether this trie's ``lookup4`` runs in the C helper."""
        return self._table4 is not None

    def _stale(self) -> None:
        # None makes indexing raise TypeError, which triggers the (lazy) rebuild
        self._bounds4: list[int] = []
        self._l1: array[int] | None = None
        self._l2: array[int] = array("i")
        self._l3: array[int] = array("i")
        self._v4: list[V | None] = []
        self._bounds6: list[int] | None = None
        self._values6: list[V | None] = []
        self._shifted4: list[V | None] = []
        self._shifted6: list[V | None] = []
        if self._table4 is not None:
            self._table4.invalidate()

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
        bounds, values = self._family(4)
        table: _Dir4[V] = _Dir4(bounds, values)
        self._bounds4, self._v4 = bounds, table.values
        self._l2, self._l3 = table.level2, table.level3
        self._bounds6, self._values6 = self._family(6)
        self._shifted4 = [None, *values]  # bisect_right's index - 1 without the subtraction
        self._shifted6 = [None, *self._values6]
        if self._table4 is not None:
            self._table4.set(table.level1, table.level2, table.level3, tuple(table.values))
        self._l1 = table.level1  # last: a lookup that finds it finds the rest built

    def lookup4(self, address: int) -> V | None:
        """IPv4 longest-prefix match: the value of the longest prefix containing ``address``.

        ValueError outside 0..2**32-1, TypeError for a non-int. This is the Python
        path; with the C helper the instance attribute ``lookup4`` shadows it.
        """
        if address < 0:
            raise _out_of_range(address)
        try:
            entry = self._l1[address >> 16]  # type: ignore[index]
        except TypeError:
            if self._l1 is not None:  # a non-int address, not a stale table
                raise
            self._build()
            return self.lookup4(address)
        except IndexError:
            raise _out_of_range(address) from None
        if entry >= 0:
            return self._v4[entry]
        entry = self._l2[entry + (address >> 8)]
        if entry >= 0:
            return self._v4[entry]
        return self._v4[self._l3[entry + (address & 255)]]

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
        """Longest-prefix match for many addresses of one family, in C: IPv4 reads the
        three-level table with numpy (a level only for the addresses that need it), IPv6
        maps ``bisect`` over the bounds."""
        if self._l1 is None or self._bounds6 is None:
            self._build()
        assert self._l1 is not None
        if version == 6:
            shifted = self._shifted6
            return list(
                map(shifted.__getitem__, map(partial(bisect_right, self._bounds6), addresses))
            )
        address = np.fromiter(addresses, dtype=np.int64)
        entry = np.frombuffer(self._l1, dtype=np.intc)[address >> 16].astype(np.int64)
        deeper = np.flatnonzero(entry < 0)
        if len(deeper):
            address = address[deeper]
            second = np.frombuffer(self._l2, dtype=np.intc)[entry[deeper] + (address >> 8)]
            third = np.flatnonzero(second < 0)
            if len(third):
                level3 = np.frombuffer(self._l3, dtype=np.intc)
                second[third] = level3[second[third] + (address[third] & 255)]
            entry[deeper] = second
        values = self._v4
        return [values[i] for i in entry.tolist()]

    def lookup_many4(self, addresses: npt.NDArray[np.uint32]) -> list[V | None]:
        """Vectorised IPv4 lookup: one ``searchsorted`` over an array of addresses."""
        if self._l1 is None:
            self._build()
        bounds = np.asarray(self._bounds4, dtype=np.uint64)
        idx = np.searchsorted(bounds, addresses.astype(np.uint64), side="right")
        shifted = self._shifted4
        return [shifted[i] for i in idx.tolist()]


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
            # prefixes nest, so the innermost one decides the whole stack: an interval
            # after a nested prefix ends has its parent's answer, computed once
            by_top: dict[Prefix | None, frozenset[int]] = {}
            for start, stack in _intervals([*as_cidr, *as_except]):
                top = stack[-1] if stack else None
                found = by_top.get(top)
                if found is None:
                    covered: set[int] = set()
                    excluded: set[int] = set()
                    for prefix in stack:
                        covered.update(as_cidr.get(prefix, ()))
                        excluded.update(as_except.get(prefix, ()))
                    found = by_top[top] = self.intern(frozenset(covered - excluded))
                bounds.append(start)
                results.append(found)
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
