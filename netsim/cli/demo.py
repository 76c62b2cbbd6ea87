"""``netsim demo``: replay the nginx walkthrough (the main job, no arguments needed).

The walkthrough is the one of the kubernetes.io task "Declare Network Policy"
(https://kubernetes.io/docs/tasks/administer-cluster/declare-network-policy/), as the source
chapter tells it with Calico. Its scenario ships as package data in ``netsim/scenarios/``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from netsim.errors import ScenarioError

DEMO_SCENARIO = "nginx-walkthrough.yaml"


def demo_scenario_path() -> Path:
    """Where the walkthrough is: ``scenarios/`` inside the installed package (package data)."""
    import netsim

    path = Path(netsim.__file__).resolve().parent / "scenarios" / DEMO_SCENARIO
    if not path.is_file():
        raise ScenarioError(
            f"the demo scenario {DEMO_SCENARIO} is not at {path}: this installation of "
            "netsim lacks its package data; reinstall it with `pip install .`"
        )
    return path


def register(subparsers: Any) -> None:
    """Add the ``demo`` subcommand."""
    from netsim.cli.run import add_run_options

    parser = subparsers.add_parser(
        "demo",
        help="replay the nginx/busybox NetworkPolicy walkthrough (kubernetes.io's "
        '"Declare Network Policy")',
        description="Replay scenarios/nginx-walkthrough.yaml: nginx open to every pod, closed "
        "by default-deny, opened to pods labelled access=true, packet by packet.",
    )
    add_run_options(parser)
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run the walkthrough scenario."""
    from netsim.cli.run import run_paths

    return run_paths([demo_scenario_path()], args)
