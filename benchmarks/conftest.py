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
from dataclasses import dataclass, field
from typing import Any

import pytest

from netsim.bench.generate import (
    ClusterShape,
    Synthetic,
    generate,
    sample_external_flows,
    sample_flows,
)
from netsim.bench.report import table_rows
from netsim.bench.sweep import Recorder, Result

MID = ClusterShape(10_000, 1_000)
"""The issue's headline size: 10,000 pods, 1,000 policies."""
BIG = ClusterShape(150_000, 10_000, identities=65_000)
"""The issue's compile target size: 150,000 pods, 10,000 policies, 65,000 identities."""
BATCH = 500
"""Verdicts per timed batch (the same for the engine and both baselines)."""

FlowTuple = tuple[str, str, str, int]


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``big`` marker (150k pods: minutes, and over 1 GB of memory)."""
    config.addinivalue_line("markers", "big: the 150,000-pod figures (slow, memory hungry)")


@dataclass
class Ratios:
    """Rates filed by the benchmarks, printed with baselines and targets after the run."""

    results: list[Result] = field(default_factory=list)
    values: dict[tuple[str, str, int], float] = field(default_factory=dict)

    def add(
        self,
        recorder: Recorder,
        metric: str,
        impl: str,
        value: float,
        baseline: tuple[str, str] | None = None,
        label: str | None = None,
    ) -> None:
        """File ``value``; ``baseline`` names an already filed (metric, impl) to compare with.

        The baseline is shown as ``label`` (default: its impl name).
        """
        size = recorder.prefixes or recorder.pods
        self.values[(metric, impl, size)] = value
        base = None
        if baseline is not None and (*baseline, size) in self.values:
            base = (label or baseline[1], self.values[(*baseline, size)])
        self.results.append(recorder.add(metric, impl, value, base))


RATIOS = Ratios()


@pytest.fixture(scope="session")
def ratios() -> Ratios:
    """The session's rate registry."""
    return RATIOS


def mean_seconds(benchmark: Any) -> float | None:
    """The mean seconds per round of a finished benchmark, None when benchmarks are disabled."""
    stats = getattr(benchmark, "stats", None)
    if stats is None:
        return None
    return float(stats.stats.mean)


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
