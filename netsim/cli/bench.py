"""``netsim bench``: the scaling sweep of the policy-match core and the simulator."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``bench`` subcommand."""
    parser = subparsers.add_parser(
        "bench",
        help="benchmark the policy engine and simulator (scaling sweep)",
        description="Run a scaling sweep over synthetic clusters: compile time and memory, "
        "incremental updates, single verdicts, the full matrix, longest-prefix match, each "
        "with a baseline measured in the same run. Prints a table; writes results.json, "
        "results.csv, table.txt and scaling.png into --out.",
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
    for note in write_all(sweep, args.out):
        print(note, file=sys.stderr)
    print(f"wrote {args.out}/results.json, results.csv, table.txt, scaling.png", file=sys.stderr)
    return 0
