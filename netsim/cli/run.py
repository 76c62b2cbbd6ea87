"""``netsim run SCENARIO...``: replay scenario files, print transcripts, check expectations."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from netsim.cli.inputs import parse_seed

EXIT_INTERRUPTED = 130
"""Exit code of a run stopped by Ctrl-C (128 + SIGINT), after printing what completed."""


def register(subparsers: Any) -> None:
    """Add the ``run`` subcommand."""
    parser = subparsers.add_parser(
        "run",
        help="replay scenario files (kubectl walkthroughs) and check their expectations",
        description="Replay scenario files step by step: print the transcript (kubectl "
        "commands, their output, commands typed in pods), then a summary. Exit 0 when every "
        "expectation holds, 1 when any fails, 2 for an invalid scenario.",
    )
    parser.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario YAML files")
    add_run_options(parser)
    parser.set_defaults(func=main)


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options ``run`` and ``demo`` share."""
    parser.add_argument(
        "--seed", type=parse_seed, default=None, help="override the scenario's seed (0 to 2**63-1)"
    )
    parser.add_argument(
        "--pcap",
        metavar="DIR",
        default=None,
        help="write each scenario's captured frames to DIR/<scenario>.pcap (pcapng: one "
        "interface block per interface, timestamps from 2024-01-01T00:00:00Z)",
    )
    parser.add_argument(
        "--capture",
        metavar="IFACE",
        action="append",
        default=None,
        help="with --pcap: capture only this interface ('node-1 eth0', "
        "'default/busybox eth0'; repeat for more); default: every interface",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print a machine-readable record of steps, outputs and verdicts",
    )
    parser.add_argument(
        "--quiet", "-q", action="store_true", help="print only the summary (and the failures)"
    )


def pcap_folder(text: str | None) -> Path | None:
    """The ``--pcap`` folder, created now so a bad one fails before any scenario runs."""
    from netsim.errors import NetsimError
    from netsim.fileio import describe_os_error

    if text is None:
        return None
    if not text.strip():
        raise NetsimError("--pcap: the folder name is empty")
    folder = Path(text)
    if folder.exists() and not folder.is_dir():
        raise NetsimError(f"--pcap {text}: exists and is not a directory")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = describe_os_error(exc)
        raise NetsimError(f"--pcap {text}: cannot create the directory: {reason}") from None
    return folder


def run_paths(paths: Sequence[str | Path], args: argparse.Namespace) -> int:
    """Load every scenario (all must be valid), run them in order, print; return the exit code."""
    from netsim.scenario.load import load_scenario
    from netsim.scenario.runner import CaptureNotWritten, run_scenario, scenario_summary

    scenarios = [load_scenario(path) for path in paths]
    if getattr(args, "capture", None) and not args.pcap:
        from netsim.errors import NetsimError

        raise NetsimError("--capture: name the capture folder with --pcap DIR")
    pcap_dir = pcap_folder(args.pcap)
    results = []
    interrupted = False
    failure: CaptureNotWritten | None = None
    try:
        for scenario in scenarios:
            pcap = pcap_dir / f"{scenario.name}.pcap" if pcap_dir else None
            try:
                result = run_scenario(
                    scenario,
                    seed=args.seed,
                    pcap=pcap,
                    interfaces=tuple(getattr(args, "capture", None) or ()),
                )
            except CaptureNotWritten as exc:
                failure, result = exc, exc.result  # print what ran, then the error
            results.append(result)
            if not args.json:
                if not args.quiet:
                    sys.stdout.write(result.transcript() + "\n")
                sys.stdout.write(result.summary())
                sys.stdout.flush()
            if failure is not None:
                break
    except KeyboardInterrupt:
        interrupted = True  # what finished is still reported below, then exit 130
    totals = scenario_summary(results)
    if args.json:
        record: dict[str, Any] = {"scenarios": [r.as_dict() for r in results], "summary": totals}
        if interrupted:
            record["interrupted"] = {"completed": len(results), "of": len(scenarios)}
        json.dump(record, sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
    elif len(results) > 1 or interrupted:
        sys.stdout.write(
            f"{totals['passed']} of {totals['scenarios']} scenarios passed "
            f"({totals['checks'] - totals['failed_checks']} of {totals['checks']} "
            "expectations hold)\n"
        )
    if interrupted:
        sys.stdout.flush()
        print(
            f"interrupted: {len(results)} of {len(scenarios)} scenarios completed",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if failure is not None:
        raise failure
    return 0 if totals["failed"] == 0 else 1


def main(args: argparse.Namespace) -> int:
    """Run the scenarios named on the command line."""
    return run_paths(args.scenarios, args)
