"""``netsim matrix PATH...``: the reachability truth table of every pod pair.

One table per port: rows are sources (``from``), columns destinations
(``to``), ``.`` allowed and ``X`` denied, as upstream's netpol e2e tests print
them. ``--json`` prints a list of ``{"from", "to", "port", "protocol",
"allowed"}``; ``--summary`` prints allowed/denied counts per namespace pair and
the table by identity (namespace + labels; ``~`` where pods of one identity
differ, e.g. through named ports). Progress goes to stderr for large clusters.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from netsim.policy.truthtable import tables_text, truth_table

if TYPE_CHECKING:
    from netsim.policy.profile import Profile

PROTOCOLS = ("TCP", "UDP", "SCTP")
PROGRESS_PODS = 500
"""Clusters with at least this many pods report progress on stderr."""


def parse_port_number(text: str) -> int:
    """Parse a destination port number (1-65535) for argparse."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} must be between 1 and 65535")
    return port


def parse_port(text: str) -> tuple[str, int]:
    """Parse ``80`` or ``53/UDP`` into (protocol, port) for argparse."""
    number, _, protocol = text.partition("/")
    protocol = (protocol or "TCP").upper()
    if protocol not in PROTOCOLS:
        raise argparse.ArgumentTypeError(f"unsupported protocol {protocol!r} in {text!r}")
    try:
        return protocol, parse_port_number(number)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"invalid port {text!r}: expected PORT or PORT/PROTOCOL with PORT in 1-65535"
        ) from None


def add_profile_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--profile NAME`` option shared by matrix and explain."""
    from netsim.policy.profile import PROFILES

    parser.add_argument(
        "--profile",
        default="upstream",
        choices=sorted(PROFILES),
        help="how the simulated CNI enforces policy (default: upstream)",
    )
    parser.add_argument(
        "--switch",
        dest="switches",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one switch of the profile, e.g. ipblock_matches_pod_ips=false, "
        "node_local_allowed=false, filter_icmp=true, end_port=false, host_network=pod "
        "(repeatable; see docs/BEHAVIOUR.md)",
    )


def profile_from_args(args: argparse.Namespace) -> Profile:
    """The profile named by ``--profile`` with every ``--switch`` applied."""
    from netsim.errors import NetsimError
    from netsim.policy.profile import profile_named, with_switches

    try:
        return with_switches(profile_named(args.profile), args.switches)
    except ValueError as exc:
        raise NetsimError(f"--switch: {exc}") from None


def register(subparsers: Any) -> None:
    """Add the ``matrix`` subcommand."""
    parser = subparsers.add_parser(
        "matrix",
        help="print the pod-to-pod reachability truth table",
        description="Load manifests and print, for each port, which pod can open a "
        "connection to which ('.' allowed, 'X' denied; rows from, columns to).",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="manifest file, directory or -")
    parser.add_argument(
        "--port",
        dest="ports",
        action="append",
        type=parse_port,
        metavar="PORT[/PROTO]",
        help="destination port, e.g. 80 or 53/UDP (repeatable; default 80/TCP)",
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print a JSON list of verdicts")
    output.add_argument(
        "--summary", action="store_true", help="counts per namespace pair and the identity table"
    )
    add_profile_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compute and print the truth tables; return the exit code."""
    from netsim.model.load import load_cluster
    from netsim.policy.engine import PolicyEngine

    cluster = load_cluster(args.paths)
    engine = PolicyEngine(cluster, profile_from_args(args))
    ports: list[tuple[str, int]] = list(dict.fromkeys(args.ports or [("TCP", 80)]))
    pods = engine.pods()
    progress = None
    if len(pods) >= PROGRESS_PODS:

        def progress(message: str) -> None:
            print(f"matrix: {len(pods)} pods: {message}", file=sys.stderr, flush=True)

    tables = engine.matrix(ports, progress=progress)
    names = [p.key for p in pods]
    if args.json:
        print(json.dumps(verdict_list(names, ports, tables), indent=1))
    elif args.summary:
        print(summary_text(engine, ports, tables))
    else:
        print(tables_text(names, ports, tables))
    return 0


def verdict_list(
    names: list[str], ports: list[tuple[str, int]], tables: Any
) -> list[dict[str, Any]]:
    """The ``--json`` form: one dict per (port, from, to)."""
    out = []
    for k, (protocol, port) in enumerate(ports):
        rows = tables[k].tolist()
        for i, src in enumerate(names):
            for j, dst in enumerate(names):
                out.append(
                    {
                        "from": src,
                        "to": dst,
                        "port": port,
                        "protocol": protocol,
                        "allowed": rows[i][j],
                    }
                )
    return out


def summary_text(engine: Any, ports: list[tuple[str, int]], tables: Any) -> str:
    """Allowed/denied counts per namespace pair and the table by identity, per port."""
    import numpy as np

    pods = engine.pods()
    namespaces = sorted({p.namespace for p in pods})
    ns_index = np.array([namespaces.index(p.namespace) for p in pods], dtype=np.intp)
    identities = sorted({(p.namespace, str(p.labels)) for p in pods})
    ident_names = [f"{ns}{{{labels}}}" for ns, labels in identities]
    id_index = np.array(
        [identities.index((p.namespace, str(p.labels))) for p in pods], dtype=np.intp
    )
    blocks = []
    for k, (protocol, port) in enumerate(ports):
        table = tables[k]
        allowed_ns = group_sums(table, ns_index, len(namespaces))
        total_ns = group_sums(np.ones_like(table), ns_index, len(namespaces))
        lines = [f"port {port}/{protocol}:", "from-namespace\tto-namespace\tallowed\tdenied"]
        for a, src in enumerate(namespaces):
            for b, dst in enumerate(namespaces):
                ok, all_ = int(allowed_ns[a, b]), int(total_ns[a, b])
                lines.append(f"{src}\t{dst}\t{ok}\t{all_ - ok}")
        allowed_id = group_sums(table, id_index, len(identities))
        total_id = group_sums(np.ones_like(table), id_index, len(identities))
        marks = [
            ["." if a == t else "X" if a == 0 else "~" for a, t in zip(ra, rt, strict=True)]
            for ra, rt in zip(allowed_id.tolist(), total_id.tolist(), strict=True)
        ]
        lines += ["", "by identity:", truth_table(ident_names, ident_names, marks)]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def group_sums(table: Any, groups: Any, n_groups: int) -> Any:
    """Sum a square bool table over row groups and column groups (no pair loop).

    Sorts rows and columns by group, then adds each contiguous run with
    ``reduceat``; the result is indexed [row group, column group].
    """
    import numpy as np

    out = np.zeros((n_groups, n_groups), dtype=np.int64)
    if len(groups) == 0:
        return out
    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    present = ordered[starts]
    grouped = table.take(order, axis=0).take(order, axis=1)
    rows = np.add.reduceat(grouped, starts, axis=0, dtype=np.int32)
    sums = np.add.reduceat(rows, starts, axis=1, dtype=np.int64)
    out[np.ix_(present, present)] = sums
    return out
