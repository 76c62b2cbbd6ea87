"""The sweep: every metric measured, baselines and ratios attached, targets judged."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace

import pytest

from netsim.bench.generate import ClusterShape, generate
from netsim.bench.sweep import (
    QUICK,
    TARGETS,
    Result,
    Sweep,
    SweepConfig,
    lpm_agrees,
    measure_lpm,
    measure_shape,
    run_sweep,
    sweep_steps,
)

TINY = SweepConfig(
    name="tiny",
    shapes=(ClusterShape(100, 10), ClusterShape(200, 20)),
    prefix_counts=(500,),
    budget=0.005,
    baseline_budget=0.005,
    flows=300,
    incremental_reps=2,
    e2e_shape=None,
    demo=False,
)


@pytest.fixture(scope="module")
def tiny() -> tuple[Sweep, list[str]]:
    labels: list[str] = []
    return run_sweep(TINY, labels.append), labels


def test_every_metric_is_measured_at_every_size(tiny: tuple[Sweep, list[str]]) -> None:
    sweep, _ = tiny
    for pods in (100, 200):
        metrics = {(r.metric, r.impl) for r in sweep.results if r.pods == pods}
        assert metrics >= {
            ("model_build", "model"),
            ("model_memory", "model"),
            ("compile", "engine"),
            ("compile_memory", "engine"),
            ("first_contact", "engine"),
            ("verdict_pod", "engine"),
            ("verdict_pod_repeat", "engine"),
            ("verdict_pod", "naive"),
            ("verdict_pod", "reference"),
            ("verdict_external", "engine"),
            ("matrix", "engine"),
            ("matrix_repeat", "engine"),
            ("add_policy", "engine"),
            ("add_ipblock_policy", "engine"),
            ("relabel_pod", "engine"),
            ("add_policy_refill", "engine"),
            ("add_ipblock_refill", "engine"),
            ("relabel_pod_refill", "engine"),
        }
    lpm = {r.impl for r in sweep.results if r.metric == "lpm" and r.prefixes == 500}
    # pytricia is in the bench extra only; the test extra runs without the C baseline.
    with_baseline = importlib.util.find_spec("pytricia") is not None
    assert lpm == {"trie", "trie-batch"} | ({"pytricia"} if with_baseline else set())


def test_progress_is_called_once_per_announced_step(tiny: tuple[Sweep, list[str]]) -> None:
    _, labels = tiny
    assert len(labels) == sweep_steps(TINY)
    assert labels[0] == "generate, 100 pods/10 policies"


def test_ratios_say_how_many_times_better_than_the_baseline(
    tiny: tuple[Sweep, list[str]],
) -> None:
    sweep, _ = tiny
    for r in sweep.results:
        if r.baseline_value is None:
            continue
        assert r.ratio is not None
        if r.unit.endswith("/s"):
            assert r.ratio == pytest.approx(r.value / r.baseline_value)
        else:
            assert r.ratio == pytest.approx(r.baseline_value / r.value)
    naive = {
        r.pods: r.value for r in sweep.results if r.metric == "verdict_pod" and r.impl == "naive"
    }
    for r in sweep.results:
        if r.metric == "verdict_pod" and r.impl == "engine" and r.baseline == "naive":
            assert r.baseline_value == naive[r.pods]


def test_the_engine_agrees_with_itself_after_the_incremental_round_trip() -> None:
    """Incremental measurements add and remove objects; the cluster ends as it started."""
    synthetic = generate(ClusterShape(150, 15))
    before = (dict(synthetic.cluster.pods), dict(synthetic.cluster.policies))
    measure_shape(synthetic, replace(TINY, memory=False), 0.01, lambda _label: None)
    assert (synthetic.cluster.pods, synthetic.cluster.policies) == before


def test_a_matrix_predicted_too_slow_is_skipped_with_a_note() -> None:
    synthetic = generate(ClusterShape(150, 15))
    results = measure_shape(
        synthetic, replace(TINY, memory=False), 0.01, lambda _label: None, matrix_rate=1.0
    )
    (matrix,) = [r for r in results if r.metric == "matrix"]
    assert matrix.note == "skipped: ~22500 s"


def _result(metric: str, impl: str, value: float, **kw: object) -> Result:
    return Result(metric, impl, value, "x", **kw)  # type: ignore[arg-type]


def test_targets_judge_value_and_ratio_at_their_size() -> None:
    (verdict,) = [t for t in TARGETS if t.metric == "verdict_pod"]
    fast = _result("verdict_pod", "engine", 4e6, pods=10_000, baseline="naive", ratio=1500.0)
    slow = replace(fast, ratio=50.0)
    assert verdict.applies(fast)
    assert verdict.judge(fast).met is True
    assert verdict.judge(slow).met is False
    assert verdict.judge(fast).target == ">= 3M, >= 1000x"
    assert verdict.judge(replace(fast, ratio=500.0)).met is False
    assert verdict.applies(replace(fast, pods=1_000))  # issue 14: at every size
    assert not verdict.applies(replace(fast, baseline="reference"))
    (compile_,) = [t for t in TARGETS if t.metric == "compile"]
    assert compile_.judge(_result("compile", "engine", 2.6, pods=150_000)).met is False
    assert compile_.judge(_result("compile", "engine", 2.4, pods=150_000)).met is True
    (block,) = [t for t in TARGETS if t.metric == "add_ipblock_policy"]
    assert block.judge(_result("add_ipblock_policy", "engine", 0.6, pods=10_000)).met is False
    lpm = [t for t in TARGETS if t.metric == "lpm"]
    row = _result("lpm", "trie", 1.0, prefixes=100_000, baseline="pytricia", ratio=1.4)
    assert [t.judge(row).met for t in lpm if t.applies(row)] == [False]


def test_matrix_cli_runs_netsim_matrix_as_a_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from netsim.bench.sweep import measure_matrix_cli

    monkeypatch.delenv("NETSIM_NCA", raising=False)
    results = {(r.metric, r.impl): r for r in measure_matrix_cli(ClusterShape(60, 6), 2)}
    run = results[("matrix_cli", "netsim")]
    assert run.value > 0 and run.note == "NETSIM_NCA not set: no baseline"
    assert results[("matrix_cli_rss", "netsim")].value > 10  # an interpreter with numpy


def test_quick_is_small() -> None:
    assert max(s.pods for s in QUICK.shapes) <= 10_000


def test_our_trie_and_pytricia_agree_on_the_lpm_workload() -> None:
    pytest.importorskip("pytricia", reason="pytricia (the LPM baseline) is not installed")
    assert lpm_agrees(3_000, seed=4)


def test_without_pytricia_lpm_is_reported_without_a_baseline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pytricia", None)
    results = measure_lpm(300, 0.001)
    assert [(r.impl, r.baseline) for r in results] == [("trie", ""), ("trie-batch", "")]
    assert results[0].note == "pytricia not installed: no baseline"
