"""``netsim matrix PATH...``: the reachability truth table of every pod pair.

One table per port: rows are sources (``from``), columns destinations
(``to``), ``.`` allowed and ``X`` denied, columns padded to line up. Without
``--port`` every port the policies name is probed (80/TCP if they name none) and
the ports used are said on stderr. ``--group-by workload|namespace`` folds the
table (``~`` where the pods of a group pair disagree). ``--json`` prints
``{"ports", "group_by", "ignored", "verdicts"}``, ``verdicts`` a list of
``{"from", "to", "port", "protocol", "allowed"}`` (``allowed`` is true, false or
``"mixed"`` for groups); ``--summary`` prints allowed/denied counts per namespace
pair and the table by identity (namespace + labels). Progress goes to stderr for
large clusters.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from netsim.cli.inputs import add_input_arguments, ignored_json, load_inputs
from netsim.policy.groups import GROUP_BY, grouped_marks
from netsim.policy.portlist import PROBE_PROTOCOLS
from netsim.policy.truthtable import aligned_table

if TYPE_CHECKING:
    from netsim.policy.profile import Profile

PROTOCOLS = PROBE_PROTOCOLS
ALIGNED_MAX_PODS = 200
"""Up to this many pods the table's columns are padded to line up in a terminal; a
larger table is tab-separated (as upstream's e2e prints it), since no terminal shows it
whole and padding each cell to a pod name's width multiplies its size."""
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
    from netsim.policy.portlist import parse_port_text

    try:
        return parse_port_text(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_profile_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--profile NAME`` option shared by matrix and explain."""
    from netsim.policy.profile import PROFILES

    parser.add_argument(
        "--profile",
        default="upstream",
        choices=sorted(PROFILES),
        help="whose behaviour to simulate where network plugins differ: Kubernetes' own "
        "tests (upstream, the default), Calico, Cilium, or Flannel (which enforces no policy)",
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
        help="print which pods can connect to which (a table per port)",
        description="Load manifests and print, for each port, which pod can open a "
        "connection to which ('.' allowed, 'X' denied, '~' some pods of the group yes, "
        "some no; rows are the clients, columns the servers).",
    )
    add_input_arguments(parser)
    parser.add_argument(
        "--port",
        dest="ports",
        action="append",
        type=parse_port,
        metavar="PORT[/PROTO]",
        help="destination port, e.g. 80 or 53/UDP (repeatable; default: every port the "
        "policies name, or 80/TCP if they name none)",
    )
    parser.add_argument(
        "--group-by",
        choices=GROUP_BY,
        default="pod",
        help="one row and column per pod (default), per workload (Deployment, "
        "StatefulSet, ...) or per namespace",
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    output.add_argument(
        "--summary",
        action="store_true",
        help="allowed/denied counts per namespace pair, and the table by label set",
    )
    add_profile_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compute and print the truth tables; return the exit code."""
    from netsim.policy.engine import PolicyEngine
    from netsim.policy.portlist import DEFAULT_PORT, policy_ports

    manifests, cluster = load_inputs(args)
    engine = PolicyEngine(cluster, profile_from_args(args))
    ports: list[tuple[str, int]] = list(dict.fromkeys(args.ports or policy_ports(cluster)))
    if not args.ports:
        used = ", ".join(f"{port}/{protocol}" for protocol, port in ports)
        said = f"probing the ports the policies name: {used}" if ports else ""
        ports = ports or [DEFAULT_PORT]
        said = said or f"the policies name no port: probing {DEFAULT_PORT[1]}/{DEFAULT_PORT[0]}"
        print(f"matrix: {said} (choose with --port)", file=sys.stderr)
    pods = engine.pods()
    progress = None
    if len(pods) >= PROGRESS_PODS:

        def progress(message: str) -> None:
            print(f"matrix: {len(pods)} pods: {message}", file=sys.stderr, flush=True)

    if args.summary:
        for k, block in enumerate(summary_blocks(engine, ports)):
            print(f"\n{block}" if k else block)
        return 0
    if args.group_by == "pod" and not args.json:
        write_pod_tables(engine, ports, progress)
        return 0
    tables = engine.matrix(ports, progress=progress)
    names, marks = grouped_marks(pods, list(tables), args.group_by)
    if args.json:
        out = {
            "ports": [f"{port}/{protocol}" for protocol, port in ports],
            "group_by": args.group_by,
            "ignored": ignored_json(manifests),
            "verdicts": verdict_list(names, ports, marks),
        }
        print(json.dumps(out, indent=1))
    else:
        print(
            "\n\n".join(
                f"port {port}/{protocol}:\n" + aligned_table(names, names, marks[k])
                for k, (protocol, port) in enumerate(ports)
            )
        )
    return 0


def verdict_list(
    names: list[str], ports: list[tuple[str, int]], marks: list[list[list[str]]]
) -> list[dict[str, Any]]:
    """The ``verdicts`` of ``--json``: one dict per (port, from, to), ``allowed`` per mark."""
    value = {".": True, "X": False, "~": "mixed"}
    out = []
    for k, (protocol, port) in enumerate(ports):
        for i, src in enumerate(names):
            for j, dst in enumerate(names):
                out.append(
                    {
                        "from": src,
                        "to": dst,
                        "port": port,
                        "protocol": protocol,
                        "allowed": value[marks[k][i][j]],
                    }
                )
    return out


def write_pod_tables(engine: Any, ports: list[tuple[str, int]], progress: Any = None) -> None:
    """Print the pod-by-pod tables one port at a time, rendered with numpy (bounded memory)."""
    from netsim.policy.tablewriter import Layout, write_tables

    names = [p.key for p in engine.pods()]

    def tables() -> Iterator[Any]:
        for k, (protocol, port) in enumerate(ports):
            if progress is not None:
                progress(f"port {port}/{protocol} ({k + 1}/{len(ports)})")
            yield engine.matrix([(protocol, port)])[0]

    layout: Layout = "aligned" if len(names) <= ALIGNED_MAX_PODS else "tab"
    if layout == "tab":
        print(
            f"matrix: {len(names)} pods: cells tab-separated, not padded (padding would "
            "write ~40x the text); --summary or --group-by workload|namespace read better",
            file=sys.stderr,
        )
    sys.stdout.flush()
    sink = getattr(sys.stdout, "buffer", None) or _TextSink()
    write_tables(sink, names, ports, tables(), layout)
    sink.flush()


class _TextSink:
    """Bytes written to a text-only ``sys.stdout`` (a test's StringIO)."""

    def write(self, data: bytes | memoryview) -> int:
        return sys.stdout.write(bytes(data).decode())

    def flush(self) -> None:
        sys.stdout.flush()


def summary_blocks(engine: Any, ports: list[tuple[str, int]]) -> Iterator[str]:
    """Per port: allowed/denied counts per namespace pair and the table by identity.

    Counted from the engine's class-level tables (:mod:`netsim.policy.groupcounts`),
    not from pod-by-pod tables; the identity table is rendered with numpy.
    """
    import io

    import numpy as np

    from netsim.policy.groupcounts import allowed_counts, group_totals
    from netsim.policy.tablewriter import write_table

    pods = engine.pods()
    namespaces = sorted({p.namespace for p in pods})
    ns_of = {ns: i for i, ns in enumerate(namespaces)}
    ns_index = np.array([ns_of[p.namespace] for p in pods], dtype=np.intp)
    identities = sorted({(p.namespace, str(p.labels)) for p in pods})
    ident_names = [f"{ns}{{{labels}}}" for ns, labels in identities]
    id_of = {ident: i for i, ident in enumerate(identities)}
    id_index = np.array([id_of[(p.namespace, str(p.labels))] for p in pods], dtype=np.intp)
    total_ns = group_totals(ns_index, len(namespaces))
    total_id = group_totals(id_index, len(identities))
    for protocol, port in ports:
        allowed_ns = allowed_counts(engine, protocol, port, ns_index, len(namespaces))
        lines = [f"port {port}/{protocol}:", "from-namespace\tto-namespace\tallowed\tdenied"]
        for a, src in enumerate(namespaces):
            for b, dst in enumerate(namespaces):
                ok, all_ = int(allowed_ns[a, b]), int(total_ns[a, b])
                lines.append(f"{src}\t{dst}\t{ok}\t{all_ - ok}")
        allowed_id = allowed_counts(engine, protocol, port, id_index, len(identities))
        marks = np.where(
            allowed_id == total_id, ord("."), np.where(allowed_id == 0, ord("X"), ord("~"))
        ).astype(np.uint8)
        table = io.BytesIO()
        write_table(table, ident_names, ident_names, marks, "tab")
        lines += ["", "by identity:", table.getvalue().decode()[:-1]]
        yield "\n".join(lines)


def summary_text(engine: Any, ports: list[tuple[str, int]]) -> str:
    """The ``--summary`` text of every port (:func:`summary_blocks`, blank-line separated)."""
    return "\n\n".join(summary_blocks(engine, ports))
