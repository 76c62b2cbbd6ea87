"""``netsim graph PATH...``: who can reach whom, as a picture.

Thin: parses options, loads the manifests, calls :mod:`netsim.graph.render` and
writes the bytes (text formats to stdout unless ``--out``; PNG needs ``--out``).
``--heatmap FILE`` writes the group x group heatmap PNG as well (or instead, without
``-o``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from netsim.cli.inputs import add_input_arguments, load_inputs
from netsim.cli.matrix import add_profile_argument, parse_port, profile_from_args
from netsim.errors import NetsimError

FORMATS = ("dot", "svg", "png", "html", "mermaid")
GROUP_BYS = ("auto", "namespace", "workload", "pod")


def register(subparsers: Any) -> None:
    """Add the ``graph`` subcommand."""
    parser = subparsers.add_parser(
        "graph",
        help="draw who can reach whom (dot, svg, png, html, mermaid, heatmap)",
        description="Load manifests and draw which pods can open connections to which, "
        "over every port of TCP, UDP and SCTP: namespaces as frames, edges labelled with "
        "their port sets, mutually connected groups as one node, pods no policy isolates "
        "marked open (their all-port edges are not drawn).",
    )
    add_input_arguments(parser)
    parser.add_argument(
        "-o",
        "--output",
        dest="format",
        choices=FORMATS,
        help="picture format (default: dot, or none when only --heatmap is asked)",
    )
    parser.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    parser.add_argument(
        "--group-by",
        default="auto",
        choices=GROUP_BYS,
        help="one node per pod, workload or namespace (auto: pods up to 60, workloads "
        "up to 400, else namespaces)",
    )
    parser.add_argument(
        "--focus",
        action="append",
        default=[],
        metavar="NAME",
        help="only this namespace, ns/workload or ns/pod and its neighbours (repeatable)",
    )
    parser.add_argument(
        "--direction",
        default="both",
        choices=("both", "in", "out"),
        help="with --focus: who reaches it (in), whom it reaches (out), or both",
    )
    parser.add_argument(
        "--port",
        dest="ports",
        action="append",
        type=parse_port,
        metavar="PORT[/PROTO]",
        help="only these ports (repeatable; default: every port, cut where policies differ)",
    )
    parser.add_argument(
        "--heatmap",
        metavar="FILE",
        help="also write a PNG heatmap of the share of pod pairs allowed (namespace x "
        "namespace, or workload x workload with --group-by workload)",
    )
    parser.add_argument(
        "--renderer",
        default="auto",
        choices=("auto", "builtin", "graphviz"),
        help="svg/png: Graphviz's dot when on PATH (auto), always netsim's own drawing "
        "(builtin), or dot only (graphviz)",
    )
    add_profile_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Draw the graph and/or heatmap; return the exit code."""
    from netsim.graph.render import heatmap, render

    fmt = args.format or (None if args.heatmap else "dot")
    if fmt == "png" and not args.out:
        raise NetsimError("-o png writes binary data: give --out FILE")
    if args.direction != "both" and not args.focus:
        raise NetsimError("--direction needs --focus")
    _, cluster = load_inputs(args)
    profile = profile_from_args(args)
    if args.heatmap:
        by = args.group_by if args.group_by in ("namespace", "workload") else "auto"
        _write(Path(args.heatmap), heatmap(cluster, by, args.ports, profile))
    if fmt is not None:
        data = render(
            cluster,
            fmt,
            group_by=args.group_by,
            focus=args.focus,
            direction=args.direction,
            ports=args.ports,
            profile=profile,
            renderer=args.renderer,
        )
        if args.out:
            _write(Path(args.out), data)
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
    return 0


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise NetsimError(f"{path}: cannot write: {exc.strerror}") from None
