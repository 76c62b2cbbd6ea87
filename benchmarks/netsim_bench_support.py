"""Constants and the ratio registry shared by the benchmark modules and their conftest."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netsim.bench.generate import ClusterShape
from netsim.bench.sweep import Recorder, Result

MID = ClusterShape(10_000, 1_000)
"""The issue's headline size: 10,000 pods, 1,000 policies."""
BIG = ClusterShape(150_000, 10_000, identities=65_000)
"""The issue's compile target size: 150,000 pods, 10,000 policies, 65,000 identities."""
BATCH = 500
"""Verdicts per timed batch (the same for the engine and both baselines)."""

FlowTuple = tuple[str, str, str, int]


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


def mean_seconds(benchmark: Any) -> float | None:
    """The mean seconds per round of a finished benchmark, None when benchmarks are disabled."""
    stats = getattr(benchmark, "stats", None)
    if stats is None:
        return None
    return float(stats.stats.mean)
