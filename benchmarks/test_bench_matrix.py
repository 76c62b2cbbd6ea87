"""The full pod-by-pod matrix for one port at 10k pods (100 M pairs), against the naive loop.

The naive baseline's pairs per second are its single-verdict rate (filed by
``test_bench_verdict``; run the whole directory to get the ratio).
"""

from __future__ import annotations

from typing import Any

from netsim_bench_support import MID, Ratios, mean_seconds

from netsim.bench.generate import Synthetic
from netsim.bench.sweep import Recorder
from netsim.policy.engine import PolicyEngine

PORTS = [("TCP", 8080)]


def test_matrix_first_call(
    benchmark: Any, ratios: Ratios, mid: Synthetic, mid_recorder: Recorder
) -> None:
    """matrix() on a freshly compiled engine: class-level tables plus expansion to pods."""
    benchmark.group = "matrix 10k pods/1k policies, one port"
    engines: list[PolicyEngine] = []

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        for old in engines:
            old.close()
        engines[:] = [PolicyEngine(mid.cluster)]
        return (engines[0],), {}

    benchmark.pedantic(lambda e: e.matrix(PORTS), setup=setup, rounds=2, iterations=1)
    seconds = mean_seconds(benchmark)
    if seconds is not None:
        _file(ratios, mid_recorder, "matrix", MID.pods**2 / seconds)


def test_matrix_repeat(
    benchmark: Any, ratios: Ratios, mid: Synthetic, mid_recorder: Recorder
) -> None:
    """matrix() again on the same engine (class-level tables cached): the expansion alone."""
    benchmark.group = "matrix 10k pods/1k policies, one port"
    engine = PolicyEngine(mid.cluster)
    engine.matrix(PORTS)
    benchmark.pedantic(lambda: engine.matrix(PORTS), rounds=3, iterations=1)
    engine.close()
    seconds = mean_seconds(benchmark)
    if seconds is not None:
        _file(ratios, mid_recorder, "matrix_repeat", MID.pods**2 / seconds)


def _file(ratios: Ratios, recorder: Recorder, metric: str, pairs_per_second: float) -> None:
    naive = ratios.values.get(("verdict_pod", "naive", MID.pods))
    if naive is not None:
        ratios.values[(metric, "naive", MID.pods)] = naive
    ratios.add(recorder, metric, "engine", pairs_per_second, (metric, "naive"))
