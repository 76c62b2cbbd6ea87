"""Shared fixtures of the pytest-benchmark suites, and the ratio summary printed at the end.

Run from the repository root: ``pytest benchmarks --benchmark-enable --benchmark-only``
(``--benchmark-enable`` overrides the ``--benchmark-disable`` that pyproject's
addopts sets for the unit tests). The 150,000-pod compile is marked ``big``:
add ``-m "not big"`` to leave it out.

Each benchmark times a fixed batch of work (pytest-benchmark's own table
shows seconds per batch); the tests also turn the mean into a rate and file it
with :class:`Ratios`, which prints every figure against its same-run baseline
and the issue's targets after the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from netsim_bench_support import BATCH, MID, RATIOS, FlowTuple, Ratios

from netsim.bench.generate import Synthetic, generate, sample_external_flows, sample_flows
from netsim.bench.report import table_rows
from netsim.bench.sweep import Recorder


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``big`` marker (150k pods: minutes, and over 1 GB of memory)."""
    config.addinivalue_line("markers", "big: the 150,000-pod figures (slow, memory hungry)")


MODULE_ORDER = ("compile", "verdict", "matrix", "incremental", "lpm", "sim")
"""Baselines are filed before the figures that divide by them (compile before incremental,
verdict's naive rate before matrix)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the modules in MODULE_ORDER whatever order they were collected in."""

    def rank(item: pytest.Item) -> int:
        name = item.path.stem.removeprefix("test_bench_")
        return MODULE_ORDER.index(name) if name in MODULE_ORDER else len(MODULE_ORDER)

    items.sort(key=rank)


@pytest.fixture(scope="session")
def ratios() -> Ratios:
    """The session's rate registry."""
    return RATIOS


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the figures as rates with their same-run baselines and targets."""
    if not RATIOS.results:
        return
    rows = table_rows(RATIOS.results)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    terminalreporter.section("netsim: rates, same-run baselines, targets")
    for row in rows:
        terminalreporter.write_line(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        )


@pytest.fixture(scope="session")
def mid() -> Synthetic:
    """The 10,000-pod / 1,000-policy synthetic cluster (seed 0)."""
    return generate(MID)


@pytest.fixture(scope="session")
def mid_recorder(mid: Synthetic) -> Recorder:
    """A recorder at the headline size."""
    return Recorder(MID.pods, MID.policies, mid.identities)


@pytest.fixture(scope="session")
def pod_flows(mid: Synthetic) -> list[FlowTuple]:
    """Distinct pod->pod flows at the headline size (enough for several fresh batches)."""
    flows = sample_flows(mid, 40_000, seed=1)
    return list(dict.fromkeys((f.src_ip, f.dst_ip, f.protocol, f.dst_port) for f in flows))


@pytest.fixture(scope="session")
def external_flows(mid: Synthetic) -> list[FlowTuple]:
    """Distinct external->pod flows at the headline size."""
    flows = sample_external_flows(mid, 40_000, seed=2)
    return list(dict.fromkeys((f.src_ip, f.dst_ip, f.protocol, f.dst_port) for f in flows))


@pytest.fixture
def batches(pod_flows: list[FlowTuple]) -> Iterator[list[FlowTuple]]:
    """Fresh BATCH-sized slices of the pod flows, one per round, never reused."""

    def gen() -> Iterator[list[FlowTuple]]:
        for start in range(0, len(pod_flows) - BATCH + 1, BATCH):
            yield pod_flows[start : start + BATCH]

    return gen()
