"""``netsim bench``: the scaling sweep of the policy-match core and the simulator.

Exit 0; with ``--check``, 1 when a figure misses its target (the table's ``ok``
column says which).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_MISSED = 1
"""``--check``: some figure missed its target."""


def register(subparsers: Any) -> None:
    """Add the ``bench`` subcommand."""
    parser = subparsers.add_parser(
        "bench",
        help="benchmark the policy engine and simulator (scaling sweep)",
        description="Run a scaling sweep over synthetic clusters: compile time and memory, "
        "incremental updates, single verdicts, the full matrix, longest-prefix match, each "
        "with a baseline measured in the same run. Prints a table; writes results.json, "
        "results.csv, table.txt and scaling.png (when matplotlib is installed) into --out.",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when any figure misses its target (for CI)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes only (under a minute on 2 cores)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("bench-results"),
        metavar="DIR",
        help="directory for the JSON, CSV, table and PNG (default: bench-results)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the sweep, print the table, write the files; 0 on success."""
    from netsim.bench.report import ProgressBar, format_table, prepare_out, write_all
    from netsim.bench.sweep import FULL, QUICK, run_sweep, sweep_steps

    prepare_out(args.out)
    config = QUICK if args.quick else FULL
    bar = ProgressBar(sweep_steps(config), sys.stderr)
    sweep = run_sweep(config, bar)
    bar.finish()
    sys.stdout.write(format_table(sweep))
    notes = write_all(sweep, args.out)
    for note in notes:
        print(note, file=sys.stderr)
    plotted = not any(note.startswith("plot skipped") for note in notes)
    written = ["results.json", "results.csv", "table.txt"] + (["scaling.png"] if plotted else [])
    print(f"wrote {args.out}/{', '.join(written)}", file=sys.stderr)
    missed = [r for r in sweep.results if r.met is False]
    if args.check and missed:
        names = ", ".join(f"{r.metric} [{r.impl}] at {r.size}" for r in missed)
        print(f"bench --check: {len(missed)} target(s) missed: {names}", file=sys.stderr)
        return EXIT_MISSED
    return 0
