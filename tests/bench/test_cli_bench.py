"""`netsim bench` plumbing on a tiny sweep (the real sizes are for benchmarks, not tests)."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from netsim.bench import sweep
from netsim.bench.generate import ClusterShape
from netsim.cli import main

TINY = sweep.SweepConfig(
    name="quick",
    shapes=(ClusterShape(100, 10),),
    prefix_counts=(300,),
    budget=0.005,
    baseline_budget=0.005,
    flows=200,
    incremental_reps=1,
    e2e_shape=None,
    demo=False,
)


def test_bench_quick_prints_the_table_and_writes_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sweep, "QUICK", TINY)
    assert main(["bench", "--quick", "--out", str(tmp_path / "res")]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("netsim bench (quick):")
    assert "verdict_pod" in captured.out
    assert f"/{sweep.sweep_steps(TINY)} " in captured.err
    names = {p.name for p in (tmp_path / "res").iterdir()}
    assert {"results.json", "results.csv", "table.txt"} <= names


def test_bench_help_names_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--quick" in out and "--out DIR" in out


def test_an_out_that_is_a_file_is_a_user_error_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the sweep must not start")

    monkeypatch.setattr(sweep, "run_sweep", never)
    target = tmp_path / "taken"
    target.write_text("x")
    assert main(["bench", "--quick", "--out", str(target)]) == 2
    assert capsys.readouterr().err == f"error: --out {target}: exists and is not a directory\n"


def _canned_sweep(met: bool) -> sweep.Sweep:
    machine = sweep.Machine(**{f.name: "x" for f in fields(sweep.Machine)})  # type: ignore[arg-type]
    result = sweep.Result("verdict_pod", "engine", 1.0, "ops/s", pods=100, met=met)
    return sweep.Sweep(machine, "quick", (result,), 1.0)


@pytest.mark.parametrize("met", [True, False])
def test_check_exits_1_on_a_missed_target_and_the_png_is_named_only_when_drawn(
    met: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from netsim.bench import report

    monkeypatch.setattr(sweep, "run_sweep", lambda config, progress=None: _canned_sweep(met))

    def no_plot(data: sweep.Sweep, path: Path) -> None:
        raise report.PlotUnavailable("matplotlib is not installed")

    monkeypatch.setattr(report, "plot", no_plot)
    out = tmp_path / "res"
    assert main(["bench", "--quick", "--out", str(out)]) == 0  # without --check: exit 0
    err = capsys.readouterr().err
    assert "plot skipped" in err and "scaling.png" not in err
    assert f"wrote {out}/results.json, results.csv, table.txt\n" in err
    assert main(["bench", "--quick", "--check", "--out", str(out)]) == (0 if met else 1)
    err = capsys.readouterr().err
    assert ("target(s) missed: verdict_pod [engine]" in err) is not met
