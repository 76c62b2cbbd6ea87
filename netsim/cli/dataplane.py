"""``netsim dataplane verify|render|clean``: check netsim against a real Linux dataplane.

``verify`` exits 0 when the kernel agrees with netsim on every probe, 1 on any
mismatch, 77 when the machine cannot build namespaces and nftables rules (the
message says what is missing). ``render`` prints the nftables rules a CNI would
write for each node; ``clean`` deletes namespaces left by dead runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from netsim.cli.inputs import add_input_arguments, load_inputs
from netsim.cli.matrix import add_profile_argument, parse_port, profile_from_args

EXIT_MISMATCH = 1
PROGRESS_PODS = 50
"""``verify`` on at least this many pods reports its progress on stderr."""


def register(subparsers: Any) -> None:
    """Add the ``dataplane`` subcommand and its ``verify``, ``render``, ``clean`` actions."""
    parser = subparsers.add_parser(
        "dataplane",
        help="cross-check netsim against real network namespaces and nftables",
        description="Build the cluster as Linux network namespaces (one per pod, one per "
        "node), render the policies into nftables rules as a CNI does, probe every pod pair "
        "with real sockets and compare with netsim. Needs root, iproute2 and nft.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    verify = actions.add_parser(
        "verify",
        help="probe every pod pair for real and compare with netsim (exit 0/1/77)",
        description="Exit 0 when the kernel agrees with netsim on every probe, 1 on any "
        "mismatch (both cells, netsim's explanation and the nft rule whose counter moved "
        "are printed), 77 when this machine cannot do it. Ctrl-C, SIGTERM, SIGHUP and "
        "SIGQUIT delete the run's namespaces before exiting; after a SIGKILL, "
        "`netsim dataplane clean` deletes what the run left.",
    )
    _paths(verify)
    verify.add_argument(
        "--port",
        dest="ports",
        action="append",
        default=[],
        type=parse_port,
        metavar="PORT[/PROTO]",
        help="a destination port to probe, e.g. 80 or 53/UDP (repeatable; default: every "
        "port the policies mention plus a control port)",
    )
    verify.add_argument(
        "--external",
        action="append",
        default=[],
        type=_ipv4,
        metavar="IP",
        help="an IPv4 host outside the cluster to probe to and from every pod (repeatable; "
        "it exists only inside the run's namespaces; a unicast address: no loopback, "
        "0.0.0.0/8, link-local, multicast or broadcast)",
    )
    verify.add_argument(
        "--nodes", action="store_true", help="also probe every node to and from every pod"
    )
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.add_argument(
        "--tables",
        action="store_true",
        help="print the kernel's truth table of every port (. allowed, X denied, ! mismatch)",
    )
    verify.add_argument(
        "--timeout",
        type=_timeout,
        default=1.0,
        help="seconds per probe, split between the attempt and its one retry (default 1.0; "
        "more than 0, at most 600)",
    )
    add_profile_argument(verify)
    _render_mode(verify)
    verify.set_defaults(func=run_verify)

    render = actions.add_parser(
        "render",
        help="print the nftables ruleset each node would enforce",
        description="Print, per node, the nftables table a CNI would load for these "
        "policies: per-pod ingress and egress chains with counted, commented rules.",
    )
    _paths(render)
    render.add_argument("--node", help="only this node's ruleset")
    add_profile_argument(render)
    _render_mode(render)
    render.set_defaults(func=run_render)

    clean = actions.add_parser(
        "clean",
        help="delete namespaces left behind by dead netsim runs",
        description="Delete the network namespaces (and with them their links and "
        "rulesets) of netsim runs whose process is gone.",
    )
    clean.add_argument("--all", action="store_true", help="also delete the namespaces of live runs")
    clean.set_defaults(func=run_clean)


def _ipv4(text: str) -> str:
    """An external host's unicast IPv4 address for argparse (the harness decides which)."""
    from netsim.dataplane.harness import external_address_problem

    problem = external_address_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(f"{text!r}: {problem}")
    return text.strip()


def _timeout(text: str) -> float:
    """A probe timeout in seconds for argparse: finite, above 0, at most MAX_TIMEOUT."""
    from netsim.dataplane.probe import timeout_problem

    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of seconds: {text!r}") from None
    problem = timeout_problem(seconds)
    if problem:
        raise argparse.ArgumentTypeError(f"{text!r}: {problem}")
    return seconds


def _render_mode(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--render",
        choices=("simple", "compiled"),
        default="simple",
        help="render rules from the policies (simple, the independent check) or from "
        "netsim's compiled tables (compiled, a triage mode)",
    )


def _paths(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser, nodes=False)


def run_verify(args: argparse.Namespace) -> int:
    """Load the manifests, verify against the kernel, print the report; return the exit code."""
    from netsim.dataplane.verify import verify

    _, cluster = load_inputs(args)
    progress = None
    if len(cluster.pods) >= PROGRESS_PODS:

        def progress(message: str) -> None:
            print(f"dataplane verify: {message}", file=sys.stderr, flush=True)

    report = verify(
        cluster,
        args.ports or None,
        profile=profile_from_args(args),
        timeout=args.timeout,
        externals=args.external,
        nodes=args.nodes,
        render=args.render,
        progress=progress,
    )
    if args.json:
        print(json.dumps(report.to_json(), indent=2, sort_keys=True))
    else:
        print(report.render(tables=args.tables))
    return 0 if report.agreed else EXIT_MISMATCH


def run_render(args: argparse.Namespace) -> int:
    """Print the ruleset of every node (or of ``--node``)."""
    from netsim.dataplane.render import render_cluster
    from netsim.errors import LookupFailed

    _, cluster = load_inputs(args)
    profile = profile_from_args(args)
    if args.render == "compiled":
        from netsim.dataplane.compiled import render_compiled
        from netsim.policy.engine import PolicyEngine

        rulesets = render_compiled(PolicyEngine(cluster, profile))
    else:
        rulesets = render_cluster(cluster, profile)
    if args.node:
        if args.node not in rulesets:
            raise LookupFailed(f'nodes "{args.node}" not found (or it runs no pods)')
        rulesets = {args.node: rulesets[args.node]}
    print("\n".join(rs.text() for rs in rulesets.values()), end="")
    return 0


def run_clean(args: argparse.Namespace) -> int:
    """Delete dead runs' namespaces and say which."""
    from netsim.dataplane.harness import clean_dead_runs
    from netsim.dataplane.system import require_capabilities

    require_capabilities()
    removed = clean_dead_runs(include_live=args.all)
    for name in removed:
        print(f"deleted netns {name}")
    if not removed:
        print("nothing to clean", file=sys.stderr)
    return 0
