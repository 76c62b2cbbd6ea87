"""Compile time and peak memory, against building the model objects (the baseline)."""

from __future__ import annotations

from typing import Any

import pytest
from netsim_bench_support import BIG, MID, Ratios, mean_seconds

from netsim.bench.generate import ClusterShape, Synthetic, generate, sample_flows
from netsim.bench.measure import traced_peak
from netsim.bench.sweep import Recorder
from netsim.policy.engine import PolicyEngine


def _compile(synthetic: Synthetic) -> PolicyEngine:
    probe = sample_flows(synthetic, 1, seed=99)[0]
    engine = PolicyEngine(synthetic.cluster)
    engine.allowed(probe.src_ip, probe.dst_ip, probe.protocol, probe.dst_port)
    return engine


def _run(
    benchmark: Any,
    ratios: Ratios,
    shape: ClusterShape,
    synthetic: Synthetic,
    what: str,
    rounds: int,
) -> None:
    recorder = Recorder(shape.pods, shape.policies, synthetic.identities)
    benchmark.group = f"compile {shape.pods} pods/{shape.policies} policies"
    if what == "model":
        benchmark.pedantic(lambda: generate(shape), rounds=rounds, iterations=1)
        _, peak, _ = traced_peak(lambda: generate(shape))
        seconds = mean_seconds(benchmark)
        if seconds is not None:
            ratios.add(recorder, "model_build", "model", seconds)
            ratios.add(recorder, "model_memory", "model", peak)
        return
    benchmark.pedantic(
        lambda: _compile(synthetic).close(), rounds=rounds, iterations=1, warmup_rounds=0
    )
    engine, peak, retained = traced_peak(lambda: _compile(synthetic))
    engine.close()
    benchmark.extra_info.update(peak_mib=round(peak, 1), retained_mib=round(retained, 1))
    seconds = mean_seconds(benchmark)
    if seconds is not None:
        ratios.add(recorder, "compile", "engine", seconds, ("model_build", "model"), "model-build")
        ratios.add(recorder, "compile_memory", "engine", peak, ("model_memory", "model"))


@pytest.fixture(scope="module")
def big() -> Synthetic:
    """The 150k-pod cluster (built once; several seconds)."""
    return generate(BIG)


def test_build_model_mid(benchmark: Any, ratios: Ratios, mid: Synthetic) -> None:
    """Baseline: building the 10k-pod Cluster from model objects."""
    _run(benchmark, ratios, MID, mid, "model", rounds=3)


def test_compile_mid(benchmark: Any, ratios: Ratios, mid: Synthetic) -> None:
    """PolicyEngine(cluster) and its first verdict at 10k pods / 1k policies."""
    _run(benchmark, ratios, MID, mid, "engine", rounds=3)


@pytest.mark.big
def test_build_model_big(benchmark: Any, ratios: Ratios, big: Synthetic) -> None:
    """Baseline: building the 150k-pod Cluster."""
    _run(benchmark, ratios, BIG, big, "model", rounds=1)


@pytest.mark.big
def test_compile_big(benchmark: Any, ratios: Ratios, big: Synthetic) -> None:
    """Compile at 150k pods / 10k policies / 65k identities (target: <= 5 s, <= 2 GB)."""
    _run(benchmark, ratios, BIG, big, "engine", rounds=1)
