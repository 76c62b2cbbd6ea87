"""Longest-prefix match: netsim's CidrTrie against pytricia (C) on the same prefixes.

At 1,000, 10,000 and 100,000 prefixes both look up the same 10,000 int IPv4
addresses (half inside some prefix), one call per address; the ratio to
pytricia is filed per prefix count (target: >= 1.5x at each). ``trie-batch``
hands them all to ``lookup_all`` in one call, which pytricia has no
counterpart for.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from netsim_bench_support import Ratios, mean_seconds

from netsim.addr import Prefix
from netsim.bench.generate import prefix_workload
from netsim.bench.sweep import Recorder
from netsim.match.cidrtrie import CidrTrie

SIZES = (1_000, 10_000, 100_000)


@cache
def _workload(prefixes: int) -> tuple[tuple[Prefix, ...], tuple[int, ...]]:
    return prefix_workload(prefixes, 10_000, seed=0)


@cache
def _trie(prefixes: int) -> CidrTrie[int]:
    table, addresses = _workload(prefixes)
    trie: CidrTrie[int] = CidrTrie()
    for i, p in enumerate(table):
        trie.insert(p, i)
    trie.lookup4(addresses[0])  # build outside the timed rounds
    return trie


def _file(ratios: Ratios, benchmark: Any, prefixes: int, impl: str, baseline: str | None) -> None:
    seconds = mean_seconds(benchmark)
    if seconds is not None:
        rate = len(_workload(prefixes)[1]) / seconds
        base = ("lpm", baseline) if baseline else None
        ratios.add(Recorder(prefixes=prefixes), "lpm", impl, rate, base)


@pytest.mark.parametrize("prefixes", SIZES)
def test_pytricia(benchmark: Any, ratios: Ratios, prefixes: int) -> None:
    """Baseline: pytricia.PyTricia(32).get(int) per address."""
    pytricia = pytest.importorskip("pytricia", reason="pytricia is the LPM baseline")
    table, addresses = _workload(prefixes)
    benchmark.group = f"lpm {prefixes} prefixes, {len(addresses)} lookups"
    pt = pytricia.PyTricia(32)
    for i, p in enumerate(table):
        pt.insert(str(p), i)
    get = pt.get

    def run() -> None:
        for a in addresses:
            get(a)

    benchmark(run)
    _file(ratios, benchmark, prefixes, "pytricia", None)


@pytest.mark.parametrize("prefixes", SIZES)
def test_trie(benchmark: Any, ratios: Ratios, prefixes: int) -> None:
    """CidrTrie.lookup4(int) per address."""
    addresses = _workload(prefixes)[1]
    benchmark.group = f"lpm {prefixes} prefixes, {len(addresses)} lookups"
    lookup4 = _trie(prefixes).lookup4

    def run() -> None:
        for a in addresses:
            lookup4(a)

    benchmark(run)
    _file(ratios, benchmark, prefixes, "trie", "pytricia")


@pytest.mark.parametrize("prefixes", SIZES)
def test_trie_batch(benchmark: Any, ratios: Ratios, prefixes: int) -> None:
    """CidrTrie.lookup_all over the same addresses in one call."""
    addresses = _workload(prefixes)[1]
    benchmark.group = f"lpm {prefixes} prefixes, {len(addresses)} lookups"
    benchmark(_trie(prefixes).lookup_all, 4, addresses)
    _file(ratios, benchmark, prefixes, "trie-batch", "pytricia")
