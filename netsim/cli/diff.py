"""``netsim diff OLD NEW``: the connections a policy change removes and adds, as a CI gate.

Semantic and complete: every protocol, port and outside address range, pod to
pod and pod to/from addresses. Exit 0 equivalent, 1 a change of a kind listed in
``--fail-on`` (default ``removed``), 2 input error.
"""

from __future__ import annotations

import argparse
from typing import Any

from netsim.cli.matrix import add_profile_argument, profile_from_args

FAIL_ON = ("removed", "added", "new-peer", "lost-peer", "any", "none")


def parse_fail_on(text: str) -> list[str]:
    """Parse ``removed,added`` (comma list of change kinds, ``any`` or ``none``)."""
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    bad = [k for k in kinds if k not in FAIL_ON]
    if bad or not kinds:
        raise argparse.ArgumentTypeError(
            f"invalid --fail-on {text!r}: expected a comma list of {', '.join(FAIL_ON)}"
        )
    return kinds


def register(subparsers: Any) -> None:
    """Add the ``diff`` subcommand."""
    parser = subparsers.add_parser(
        "diff",
        help="what a policy change removes and adds (all ports, all addresses)",
        description="Compare what two sets of manifests allow: every protocol and port, pod "
        "to pod and pod to/from address ranges. Exit 0 equivalent, 1 a change of a kind in "
        "--fail-on, 2 input error.",
    )
    parser.add_argument("old", metavar="OLD", help="manifest file, directory or -")
    parser.add_argument("new", metavar="NEW", help="manifest file, directory or -")
    parser.add_argument(
        "--topology",
        action="append",
        metavar="PATH",
        help="take pods, namespaces and Services from PATH and only the policies "
        "(NetworkPolicy and the cluster-wide kinds) from OLD and NEW (repeatable)",
    )
    parser.add_argument(
        "--group-by",
        default="workload",
        choices=("pod", "workload", "namespace"),
        help="row granularity (default: workload)",
    )
    parser.add_argument(
        "-o", "--output", default="text", choices=("text", "json", "md", "csv"), help="format"
    )
    parser.add_argument(
        "--fail-on",
        default=["removed"],
        type=parse_fail_on,
        metavar="KINDS",
        help="exit 1 when a change of these kinds exists: comma list of removed, added, "
        "new-peer, lost-peer, or any, none (default: removed)",
    )
    add_profile_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compare, print, and return 0, 1 (a --fail-on change) or raise for bad input."""
    from netsim.insight.diff import diff_clusters, fails
    from netsim.insight.diffreport import render
    from netsim.insight.inputs import load_sides

    profile = profile_from_args(args)
    old, new = load_sides(args.old, args.new, args.topology)
    diff = diff_clusters(old, new, profile, args.group_by)
    print(render(diff, args.output))
    return 1 if fails(diff, args.fail_on) else 0
