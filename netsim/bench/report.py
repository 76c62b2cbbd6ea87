"""Presenting a sweep: a text table, JSON, CSV, a PNG of the scaling curves, a progress bar."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, TextIO

from netsim.bench.measure import Machine
from netsim.bench.sweep import METRICS, Result, Sweep
from netsim.errors import NetsimError
from netsim.fileio import write_atomically


class PlotUnavailable(NetsimError):
    """The PNG plot needs matplotlib, an optional extra (``pip install 'netsim[bench]'``)."""


def human(value: float, unit: str) -> str:
    """A value with an SI-ish suffix for rates (``3.2M``) and 3 significant digits otherwise."""
    if unit.endswith("/s"):
        for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= scale:
                return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def table_rows(results: Sequence[Result]) -> list[list[str]]:
    """The table as rows of cells, the header first."""
    rows = [["metric", "impl", "size", "value", "unit", "vs baseline", "ratio", "target", "ok"]]
    for r in results:
        baseline = ""
        if r.baseline and r.baseline_value is not None:
            baseline = f"{r.baseline} {human(r.baseline_value, r.unit)}"
        ok = "" if r.met is None else ("yes" if r.met else "NO")
        value = r.note if r.note.startswith("skipped") else human(r.value, r.unit)
        rows.append(
            [
                r.metric,
                r.impl,
                r.size,
                value,
                r.unit,
                baseline,
                f"{r.ratio:.3g}x" if r.ratio is not None else "",
                r.target,
                ok,
            ]
        )
    return rows


def format_table(sweep: Sweep) -> str:
    """The sweep as an aligned text table, with the machine and any notes above it."""
    m = sweep.machine
    lines = [
        f"netsim bench ({sweep.config}): {m.cpus} CPUs, {m.cpu_model}, Python {m.python}, "
        f"numpy {m.numpy}; peak RSS {sweep.max_rss_mib:.0f} MiB",
        "ratio = how many times better than the baseline (higher is better)",
    ]
    lines += [f"note: {n}" for n in sweep.notes]
    rows = table_rows(sweep.results)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def format_markdown(sweep: Sweep) -> str:
    """The results table as GitHub markdown (for benchmarks/README.md)."""
    rows = table_rows(sweep.results)
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows[1:]]
    return "\n".join(out) + "\n"


def write_json(sweep: Sweep, path: Path) -> None:
    """Write the whole sweep (machine, metric meanings, every result) as JSON."""
    write_atomically(path, json.dumps(sweep.as_dict(), indent=2, sort_keys=True) + "\n")


def read_json(path: Path) -> Sweep:
    """Read back a sweep written by :func:`write_json` (to re-render its table or plot)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return Sweep(
        Machine(**data["machine"]),
        data["config"],
        tuple(Result(**r) for r in data["results"]),
        float(data["max_rss_mib"]),
        tuple(data["notes"]),
    )


def write_csv(sweep: Sweep, path: Path) -> None:
    """Write one CSV row per result, columns as in :class:`Result`."""
    names = [f.name for f in fields(Result)]
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=names)
    writer.writeheader()
    for r in sweep.results:
        row: dict[str, Any] = asdict(r)
        writer.writerow({k: "" if row[k] is None else row[k] for k in names})
    write_atomically(path, out.getvalue())


def _series(
    results: Sequence[Result], metric: str, impl: str, baseline: str | None = None
) -> tuple[list[int], list[float]]:
    """(x, y) points of one curve, x = pods (or prefixes for LPM), one point per size."""
    points: dict[int, float] = {}
    for r in results:
        if r.metric != metric or r.impl != impl or r.value <= 0:
            continue
        if baseline is not None and r.baseline != baseline:
            continue
        points.setdefault(r.prefixes or r.pods, r.value)
    xs = sorted(points)
    return xs, [points[x] for x in xs]


PANELS: tuple[tuple[str, str, str, tuple[tuple[str, str, str], ...]], ...] = (
    (
        "Compile time",
        "pods",
        "seconds",
        (
            ("compile", "engine", "PolicyEngine compile"),
            ("model_build", "model", "build Cluster (baseline)"),
        ),
    ),
    (
        "Peak memory",
        "pods",
        "MiB (tracemalloc peak)",
        (
            ("compile_memory", "engine", "compile"),
            ("model_memory", "model", "build Cluster (baseline)"),
        ),
    ),
    (
        "Single verdict throughput",
        "pods",
        "verdicts per second",
        (
            ("verdict_pod", "engine", "engine, pod->pod"),
            ("verdict_external", "engine", "engine, external->pod"),
            ("verdict_pod", "naive", "naive loop, pod->pod"),
            ("verdict_pod", "reference", "reference, pod->pod"),
        ),
    ),
    (
        "Full matrix, one port",
        "pods",
        "pod pairs per second",
        (
            ("matrix", "engine", "engine matrix(), first call"),
            ("matrix_repeat", "engine", "engine matrix() again (class table cached)"),
            ("verdict_pod", "naive", "naive loop per pair (baseline)"),
        ),
    ),
    (
        "Incremental update",
        "pods",
        "milliseconds",
        (
            ("add_policy", "engine", "add one policy + 1 verdict"),
            ("relabel_pod", "engine", "relabel one pod + 1 verdict"),
            ("add_policy_refill", "engine", "re-ask 10k known flows after add"),
            ("add_ipblock_refill", "engine", "the same, the policy has an ipBlock"),
            ("relabel_pod_refill", "engine", "re-ask 10k known flows after relabel"),
        ),
    ),
    (
        "Longest-prefix match",
        "prefixes",
        "lookups per second",
        (
            ("lpm", "trie", "netsim CidrTrie.lookup4, one call per address"),
            ("lpm", "trie-batch", "netsim CidrTrie.lookup_all, one call for all"),
            ("lpm", "pytricia", "pytricia (C), baseline"),
        ),
    ),
)


def plot(sweep: Sweep, path: Path) -> None:
    """Draw the scaling curves (log-log, one panel per operation) into a PNG at ``path``.

    Raises :class:`PlotUnavailable` when matplotlib is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotUnavailable(
            "the plot needs matplotlib, which is not installed: pip install 'netsim[bench]'"
        ) from None
    fig, axes = plt.subplots(2, 3, figsize=(16, 9.5))
    for ax, (title, xaxis, unit, curves) in zip(axes.flat, PANELS, strict=True):
        lines: list[tuple[list[int], list[float], str, str]] = []
        for metric, impl, label in curves:
            xs, ys = _series(sweep.results, metric, impl)
            lines.append((xs, ys, label, "-"))
        if title == "Incremental update":
            xs, ys = _series(sweep.results, "compile", "engine")
            lines.append((xs, [y * 1e3 for y in ys], "full recompile (baseline)", "--"))
        lines = [line for line in lines if line[0]]
        ax.set_title(title)
        ax.set_xlabel(f"{xaxis} (log scale)")
        ax.set_ylabel(f"{unit} (log scale)")
        if lines:
            ax.set_xscale("log")
            ax.set_yscale("log")
            for xs, ys, label, style in lines:
                ax.plot(xs, ys, marker="o", linestyle=style, label=label)
            ax.legend(fontsize=8)
        else:
            ax.text(0.5, 0.5, "not measured", ha="center", va="center", transform=ax.transAxes)
        ax.grid(True, which="both", alpha=0.3)
    m = sweep.machine
    fig.suptitle(f"netsim bench ({sweep.config}): {m.cpus} CPUs, {m.cpu_model}, Python {m.python}")
    fig.tight_layout()
    image = io.BytesIO()
    fig.savefig(image, format="png", dpi=100)
    write_atomically(path, image.getvalue())
    plt.close(fig)


class OutputError(NetsimError):
    """The results directory cannot be created or written."""


def prepare_out(out: Path) -> None:
    """Create ``out`` (and parents) now, so a bad ``--out`` fails before a long sweep."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out}: exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot create the directory: {exc.strerror}") from None


def write_all(sweep: Sweep, out: Path) -> list[str]:
    """Write results.json, results.csv, table.txt and scaling.png into ``out``.

    Returns notes for the user (a skipped plot); creates ``out`` if needed. Each
    file is written under a temporary name and renamed when complete.
    """
    prepare_out(out)
    write_json(sweep, out / "results.json")
    write_csv(sweep, out / "results.csv")
    write_atomically(out / "table.txt", format_table(sweep))
    try:
        plot(sweep, out / "scaling.png")
    except PlotUnavailable as exc:
        return [f"plot skipped: {exc}"]
    return []


class ProgressBar:
    """A one-line progress bar on a text stream; one line per step when it is not a terminal."""

    def __init__(self, total: int, stream: TextIO, width: int = 30) -> None:
        self.total = max(total, 1)
        self.stream = stream
        self.width = width
        self.done = 0
        self.tty = stream.isatty()

    def __call__(self, label: str) -> None:
        """Advance by one step and show ``label``."""
        self.done = min(self.done + 1, self.total)
        filled = self.width * self.done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        text = f"[{bar}] {self.done}/{self.total} {label}"
        if self.tty:
            self.stream.write("\r\x1b[2K" + text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self) -> None:
        """End the bar's line."""
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def metric_meanings() -> list[tuple[str, str, str]]:
    """(metric, unit, meaning) for every metric, for help texts and the README."""
    return [(name, info.unit, info.meaning) for name, info in METRICS.items()]
