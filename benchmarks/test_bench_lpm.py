"""Longest-prefix match: netsim's CidrTrie against pytricia (C) on the same 10,000 prefixes.

Both look up the same 10,000 int IPv4 addresses (half inside some prefix),
one call per address. ``trie-batch`` hands them all to ``lookup_all`` in one
call, which pytricia has no counterpart for.
"""

from __future__ import annotations

from typing import Any

import pytest
from netsim_bench_support import Ratios, mean_seconds

from netsim.bench.generate import prefix_workload
from netsim.bench.sweep import Recorder
from netsim.match.cidrtrie import CidrTrie

PREFIXES = 10_000
TABLE, ADDRESSES = prefix_workload(PREFIXES, 10_000, seed=0)
RECORDER = Recorder(prefixes=PREFIXES)


def _file(ratios: Ratios, benchmark: Any, impl: str, baseline: str | None) -> None:
    seconds = mean_seconds(benchmark)
    if seconds is not None:
        ratios.add(
            RECORDER, "lpm", impl, len(ADDRESSES) / seconds, ("lpm", baseline) if baseline else None
        )


def test_pytricia(benchmark: Any, ratios: Ratios) -> None:
    """Baseline: pytricia.PyTricia(32).get(int) per address."""
    pytricia = pytest.importorskip("pytricia", reason="pytricia is the LPM baseline")
    benchmark.group = f"lpm {PREFIXES} prefixes, {len(ADDRESSES)} lookups"
    pt = pytricia.PyTricia(32)
    for i, p in enumerate(TABLE):
        pt.insert(str(p), i)
    get = pt.get

    def run() -> None:
        for a in ADDRESSES:
            get(a)

    benchmark(run)
    _file(ratios, benchmark, "pytricia", None)


def test_trie(benchmark: Any, ratios: Ratios) -> None:
    """CidrTrie.lookup4(int) per address."""
    benchmark.group = f"lpm {PREFIXES} prefixes, {len(ADDRESSES)} lookups"
    trie: CidrTrie[int] = CidrTrie()
    for i, p in enumerate(TABLE):
        trie.insert(p, i)
    lookup4 = trie.lookup4
    lookup4(ADDRESSES[0])

    def run() -> None:
        for a in ADDRESSES:
            lookup4(a)

    benchmark(run)
    _file(ratios, benchmark, "trie", "pytricia")


def test_trie_batch(benchmark: Any, ratios: Ratios) -> None:
    """CidrTrie.lookup_all over the same addresses in one call."""
    benchmark.group = f"lpm {PREFIXES} prefixes, {len(ADDRESSES)} lookups"
    trie: CidrTrie[int] = CidrTrie()
    for i, p in enumerate(TABLE):
        trie.insert(p, i)
    trie.lookup4(ADDRESSES[0])
    benchmark(trie.lookup_all, 4, ADDRESSES)
    _file(ratios, benchmark, "trie-batch", "pytricia")
