"""Presenting a sweep: table, JSON, CSV, PNG, progress bar."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from netsim.bench.measure import Machine
from netsim.bench.report import (
    ProgressBar,
    format_markdown,
    format_table,
    human,
    read_json,
    write_all,
)
from netsim.bench.sweep import Result, Sweep

MACHINE = Machine(2, "Test CPU", "3.11.7", "Linux", "2.0")
RESULTS = (
    Result("verdict_pod", "naive", 2_000.0, "verdicts/s", 10_000, 1_000, 3_333),
    Result(
        "verdict_pod",
        "engine",
        4.2e6,
        "verdicts/s",
        10_000,
        1_000,
        3_333,
        baseline="naive",
        baseline_value=2_000.0,
        ratio=2_100.0,
        target=">= 3M, >= 100x",
        met=True,
    ),
    Result("compile", "engine", 0.25, "s", 10_000, 1_000, 3_333, "model-build", 0.5, 2.0),
    Result("lpm", "trie", 3e6, "lookups/s", prefixes=10_000, note=""),
    Result("matrix", "engine", 0.0, "pairs/s", 150_000, 10_000, 65_000, note="skipped: big"),
)
SWEEP = Sweep(MACHINE, "test", RESULTS, 123.0, ("a note",))


def test_human_scales_rates_only() -> None:
    assert human(4.2e6, "verdicts/s") == "4.2M"
    assert human(1_500.0, "pairs/s") == "1.5k"
    assert human(0.0123, "s") == "0.0123"


def test_table_has_machine_header_and_one_row_per_result() -> None:
    text = format_table(SWEEP)
    lines = text.splitlines()
    assert "2 CPUs, Test CPU, Python 3.11.7" in lines[0]
    assert "note: a note" in text
    header = next(i for i, line in enumerate(lines) if line.startswith("metric"))
    assert len(lines) - header - 2 == len(RESULTS)
    engine = next(line for line in lines if "engine" in line and "4.2M" in line)
    assert "naive 2k" in engine and "2.1e+03x" in engine and "yes" in engine
    assert "skipped: big" in text
    assert "10000 prefixes" in text


def test_markdown_has_a_row_per_result() -> None:
    assert len(format_markdown(SWEEP).splitlines()) == 2 + len(RESULTS)


def test_write_all_writes_json_csv_table_and_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    notes = write_all(SWEEP, tmp_path / "out")
    out = tmp_path / "out"
    assert notes == []
    data = json.loads((out / "results.json").read_text())
    assert data["machine"]["cpu_model"] == "Test CPU"
    assert len(data["results"]) == len(RESULTS)
    assert data["metrics"]["verdict_pod"]["unit"] == "verdicts/s"
    rows = list(csv.DictReader((out / "results.csv").open()))
    assert [r["metric"] for r in rows] == [r.metric for r in RESULTS]
    assert rows[0]["ratio"] == ""
    assert float(rows[1]["ratio"]) == 2_100.0
    assert (out / "table.txt").read_text() == format_table(SWEEP)
    assert read_json(out / "results.json") == SWEEP
    assert (out / "scaling.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_matplotlib_the_plot_is_skipped_with_a_clear_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    notes = write_all(SWEEP, tmp_path)
    assert notes == [
        "plot skipped: the plot needs matplotlib, which is not installed: "
        "pip install 'netsim[bench]'"
    ]
    assert (tmp_path / "results.json").exists()
    assert not (tmp_path / "scaling.png").exists()


def test_progress_bar_prints_one_line_per_step_when_not_a_terminal() -> None:
    stream = io.StringIO()
    bar = ProgressBar(4, stream, width=8)
    bar("one")
    bar("two")
    bar.finish()
    assert stream.getvalue().splitlines() == ["[##......] 1/4 one", "[####....] 2/4 two"]
