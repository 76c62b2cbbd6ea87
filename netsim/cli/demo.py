"""``netsim demo``: replay the seed's nginx walkthrough (the main job, no arguments needed)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from netsim.errors import ScenarioError

DEMO_SCENARIO = "nginx-walkthrough.yaml"


def demo_scenario_path() -> Path:
    """Where the walkthrough is: ``scenarios/`` beside the installed (editable) package."""
    import netsim

    root = Path(netsim.__file__).resolve().parent.parent
    path = root / "scenarios" / DEMO_SCENARIO
    if not path.is_file():
        raise ScenarioError(
            f"the demo scenario {DEMO_SCENARIO} is not at {path}: netsim demo runs from a "
            "source checkout installed with `pip install -e .`"
        )
    return path


def register(subparsers: Any) -> None:
    """Add the ``demo`` subcommand."""
    from netsim.cli.run import add_run_options

    parser = subparsers.add_parser(
        "demo",
        help="replay the seed's nginx/busybox NetworkPolicy walkthrough",
        description="Replay scenarios/nginx-walkthrough.yaml: nginx open to every pod, closed "
        "by default-deny, opened to pods labelled access=true, packet by packet.",
    )
    add_run_options(parser)
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run the walkthrough scenario."""
    from netsim.cli.run import run_paths

    return run_paths([demo_scenario_path()], args)
