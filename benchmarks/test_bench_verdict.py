"""Single verdicts at 10k pods / 1k policies: engine against the naive loop and the reference.

Every implementation decides the same number of flows per round (``BATCH``),
so pytest-benchmark's own relative column is already the ratio. The engine has
met every address once (``warm_flows``, port 1) and is then measured on flows
it has never been asked (its flow cache cannot answer) and, separately, on a
batch it has seen (what a simulator asking the same flows again gets).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from netsim_bench_support import BATCH, FlowTuple, Ratios, mean_seconds

from netsim.bench.generate import Synthetic, warm_flows
from netsim.bench.naive import NaiveEvaluator
from netsim.bench.sweep import Recorder
from netsim.policy.engine import PolicyEngine
from netsim.policy.reference import ReferenceEvaluator


@pytest.fixture(scope="module")
def engine(mid: Synthetic) -> Iterator[PolicyEngine]:
    """The compiled engine on the 10k cluster, having met every address once (port 1)."""
    compiled = PolicyEngine(mid.cluster)
    for f in warm_flows(mid):
        compiled.allowed(f.src_ip, f.dst_ip, f.protocol, f.dst_port)
    yield compiled
    compiled.close()


def _decide_all(evaluator: Any, batch: list[FlowTuple]) -> None:
    allowed = evaluator.allowed
    for src, dst, protocol, port in batch:
        allowed(src, dst, protocol, port)


def _file(ratios: Ratios, recorder: Recorder, benchmark: Any, metric: str, impl: str) -> None:
    seconds = mean_seconds(benchmark)
    if seconds is None:
        return
    baseline = None if impl in ("naive", "reference") else (metric, "naive")
    ratios.add(recorder, metric, impl, BATCH / seconds, baseline)
    if impl == "engine":
        ratios.add(recorder, metric, impl, BATCH / seconds, (metric, "reference"))


@pytest.mark.parametrize("kind", ["pod", "external"])
def test_naive(
    benchmark: Any,
    ratios: Ratios,
    mid: Synthetic,
    mid_recorder: Recorder,
    kind: str,
    pod_flows: list[FlowTuple],
    external_flows: list[FlowTuple],
) -> None:
    """Baseline: every policy evaluated for every flow."""
    benchmark.group = f"verdict {kind} 10k pods/1k policies, {BATCH} flows"
    batch = (pod_flows if kind == "pod" else external_flows)[-BATCH:]
    naive = NaiveEvaluator(mid.cluster)
    benchmark.pedantic(_decide_all, (naive, batch), rounds=3, iterations=1)
    naive.close()
    _file(ratios, mid_recorder, benchmark, f"verdict_{kind}", "naive")


@pytest.mark.parametrize("kind", ["pod", "external"])
def test_reference(
    benchmark: Any,
    ratios: Ratios,
    mid: Synthetic,
    mid_recorder: Recorder,
    kind: str,
    pod_flows: list[FlowTuple],
    external_flows: list[FlowTuple],
) -> None:
    """Baseline: the literal reference evaluator (also scans pods to resolve IPs)."""
    benchmark.group = f"verdict {kind} 10k pods/1k policies, {BATCH} flows"
    batch = (pod_flows if kind == "pod" else external_flows)[-2 * BATCH : -BATCH]
    reference = ReferenceEvaluator(mid.cluster)
    benchmark.pedantic(_decide_all, (reference, batch), rounds=2, iterations=1)
    _file(ratios, mid_recorder, benchmark, f"verdict_{kind}", "reference")


@pytest.mark.parametrize("kind", ["pod", "external"])
def test_engine_new_flows(
    benchmark: Any,
    ratios: Ratios,
    engine: PolicyEngine,
    mid_recorder: Recorder,
    kind: str,
    pod_flows: list[FlowTuple],
    external_flows: list[FlowTuple],
) -> None:
    """The engine on flows it has not decided before (fresh batch each round)."""
    benchmark.group = f"verdict {kind} 10k pods/1k policies, {BATCH} flows"
    flows = pod_flows if kind == "pod" else external_flows
    fresh = (flows[i : i + BATCH] for i in range(0, len(flows) - 2 * BATCH, BATCH))

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (engine, next(fresh)), {}

    benchmark.pedantic(_decide_all, setup=setup, rounds=20, iterations=1)
    _file(ratios, mid_recorder, benchmark, f"verdict_{kind}", "engine")


def test_engine_repeated_flows(
    benchmark: Any,
    ratios: Ratios,
    engine: PolicyEngine,
    mid_recorder: Recorder,
    pod_flows: list[FlowTuple],
) -> None:
    """The engine on a batch it has decided before (its flow cache answers)."""
    benchmark.group = f"verdict pod 10k pods/1k policies, {BATCH} flows"
    batch = pod_flows[:BATCH]
    _decide_all(engine, batch)
    benchmark(_decide_all, engine, batch)
    seconds = mean_seconds(benchmark)
    if seconds is not None:
        ratios.add(
            mid_recorder, "verdict_pod_repeat", "engine", BATCH / seconds, ("verdict_pod", "naive")
        )
