"""``netsim lint PATH...``: findings about a policy set, grouped by policy.

Exit 0 when no finding reaches ``--fail-on`` (default ``error``), 1 when one
does, 2 for input that cannot be read. ``--disable``/``--enable`` take ids or
``all`` and apply in order; a policy annotated ``netsim.dev/lint-ignore:
NP003,NP016`` does not report those ids.
"""

from __future__ import annotations

import argparse
from typing import Any


class _Toggle(argparse.Action):
    """Append (enable|disable, id) pairs in command-line order; ids may be comma lists."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        toggles = list(getattr(namespace, self.dest) or [])
        op = "enable" if option_string == "--enable" else "disable"
        toggles += [(op, v.strip()) for v in str(values).split(",") if v.strip()]
        setattr(namespace, self.dest, toggles)


def register(subparsers: Any) -> None:
    """Add the ``lint`` subcommand."""
    parser = subparsers.add_parser(
        "lint",
        help="find mistakes in NetworkPolicies (DNS blocked, dead selectors, ignored rules...)",
        description="Check NetworkPolicies against common mistakes; checks that need pods or "
        "namespaces are reported as skipped when the input has none. Exit 1 when a finding "
        "reaches --fail-on, 2 for unreadable input.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="manifest file, directory or -")
    parser.add_argument("-o", "--output", default="text", choices=("text", "json", "sarif"))
    parser.add_argument(
        "--fail-on",
        default="error",
        choices=("error", "warning", "info"),
        help="exit 1 when a finding of this severity or worse exists (default: error)",
    )
    for flag in ("--disable", "--enable"):
        parser.add_argument(
            flag,
            dest="toggles",
            action=_Toggle,
            default=[],
            metavar="ID",
            help=f"{flag[2:]} checks (ids, comma list, or all; repeatable, applied in order)",
        )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Lint, print, and return 0 or 1 (a finding at --fail-on or worse)."""
    from netsim.insight.checks import CHECKS
    from netsim.insight.lint import run as lint
    from netsim.insight.lint import select
    from netsim.insight.lintinput import load_lint_input
    from netsim.insight.lintreport import render

    checks = select(CHECKS, args.toggles)
    data = load_lint_input(args.paths)
    result = lint(data, checks)
    print(render(result, data, args.output))
    return 1 if result.fails(args.fail_on) else 0
