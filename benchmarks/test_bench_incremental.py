"""Incremental updates at 10k pods: add one policy, relabel one pod; baseline: a full recompile.

Each round changes the cluster and asks one verdict (the engine may defer work
to its next verdict); the setup undoes the previous round's change first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from netsim_bench_support import Ratios, mean_seconds

from netsim.bench.generate import Synthetic, extra_policy, relabelled_pod, sample_flows
from netsim.bench.sweep import Recorder
from netsim.policy.engine import PolicyEngine


@pytest.fixture(scope="module")
def engine(mid: Synthetic) -> Iterator[PolicyEngine]:
    """A compiled engine following the 10k cluster."""
    compiled = PolicyEngine(mid.cluster)
    yield compiled
    compiled.close()


def _probe(mid: Synthetic) -> tuple[str, str, str, int]:
    f = sample_flows(mid, 1, seed=99)[0]
    return f.src_ip, f.dst_ip, f.protocol, f.dst_port


def _file(ratios: Ratios, recorder: Recorder, benchmark: Any, metric: str) -> None:
    seconds = mean_seconds(benchmark)
    if seconds is None:
        return
    compile_s = ratios.values.get(("compile", "engine", recorder.pods))
    if compile_s is not None:
        ratios.values[(metric, "recompile", recorder.pods)] = compile_s * 1e3
    ratios.add(recorder, metric, "engine", seconds * 1e3, (metric, "recompile"))


def test_add_policy(
    benchmark: Any, ratios: Ratios, mid: Synthetic, mid_recorder: Recorder, engine: PolicyEngine
) -> None:
    """cluster.add(one new allow policy) and the next verdict."""
    benchmark.group = "incremental 10k pods/1k policies"
    cluster = mid.cluster
    policy = extra_policy(mid)
    probe = _probe(mid)

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        if policy.key in cluster.policies:
            cluster.delete("NetworkPolicy", policy.key)
            engine.allowed(*probe)
        return (), {}

    benchmark.pedantic(
        lambda: (cluster.add(policy), engine.allowed(*probe)), setup=setup, rounds=10, iterations=1
    )
    cluster.delete("NetworkPolicy", policy.key)
    _file(ratios, mid_recorder, benchmark, "add_policy")


def test_relabel_pod(
    benchmark: Any, ratios: Ratios, mid: Synthetic, mid_recorder: Recorder, engine: PolicyEngine
) -> None:
    """cluster.apply(one pod with a changed tier label) and the next verdict."""
    benchmark.group = "incremental 10k pods/1k policies"
    cluster = mid.cluster
    changed = relabelled_pod(mid)
    original = cluster.pods[changed.key]
    probe = _probe(mid)

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        cluster.apply(original)
        engine.allowed(*probe)
        return (), {}

    benchmark.pedantic(
        lambda: (cluster.apply(changed), engine.allowed(*probe)),
        setup=setup,
        rounds=10,
        iterations=1,
    )
    cluster.apply(original)
    _file(ratios, mid_recorder, benchmark, "relabel_pod")
