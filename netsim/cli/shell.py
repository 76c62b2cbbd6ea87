"""``netsim shell``: a terminal on a simulated cluster (kubectl at the host, busybox in pods).

Interactive in a terminal; when standard input is a pipe or a file, or with
``-c``, each line is echoed after its prompt and run, so a file of commands
replays like a session. ``--record`` writes the transcript, ``--export`` the
session as a scenario file for ``netsim run``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netsim.cli.inputs import parse_seed
from netsim.fileio import write_atomically

if TYPE_CHECKING:
    from netsim.scenario.schema import Scenario
    from netsim.shell.session import ShellSession

WALKTHROUGH_NGINX_IP = "10.100.0.16"
"""The ClusterIP the published walkthrough shows for ``nginx``; a bare shell pins it so
typing the walkthrough prints what it prints (real clusters pick one at random)."""


def register(subparsers: Any) -> None:
    """Add the ``shell`` subcommand."""
    from netsim.policy.profile import PROFILES

    parser = subparsers.add_parser(
        "shell",
        help="type kubectl and busybox commands on a simulated cluster",
        description="An interactive shell on a simulated cluster: kubectl at the "
        "'controlplane $' prompt, busybox wget/nc/ping/nslookup at a pod's '/ #' prompt "
        "(after `kubectl run NAME --rm -ti --image=busybox -- /bin/sh`). Type 'help' inside. "
        "Lines piped on standard input are echoed and run one by one.",
    )
    start = parser.add_mutually_exclusive_group()
    start.add_argument("--cluster", metavar="FILE", help="manifests to create first")
    start.add_argument("--scenario", metavar="FILE", help="a scenario file to replay first")
    start.add_argument("--lab", metavar="ID", help="start on a lab's cluster (see netsim lab list)")
    parser.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default=None,
        help="how the simulated CNI enforces policy (default: calico, or the scenario's)",
    )
    parser.add_argument("--seed", type=parse_seed, default=None, help="random seed (default 0)")
    parser.add_argument(
        "-c",
        dest="commands",
        action="append",
        metavar="COMMAND",
        help="run this line instead of reading input (repeatable)",
    )
    parser.add_argument("--record", metavar="FILE", help="write the transcript to FILE")
    parser.add_argument("--export", metavar="FILE", help="write the session as a scenario file")
    parser.add_argument(
        "--workdir", metavar="DIR", default=".", help="where -f, cat and ls look (default: .)"
    )
    parser.set_defaults(func=run)


def _scenario(args: argparse.Namespace, workdir: Path) -> Scenario:
    """The cluster and setup steps the session starts from."""
    import dataclasses

    from netsim.scenario.load import load_scenario
    from netsim.scenario.schema import ClusterSpec, Scenario, Step

    if args.scenario:
        scenario = load_scenario(args.scenario)
        if args.profile:
            cluster = dataclasses.replace(scenario.cluster, cni=args.profile)
            scenario = dataclasses.replace(scenario, cluster=cluster)
        return scenario
    cluster = ClusterSpec(
        cni=args.profile or "calico",
        cluster_ips=(("default/nginx", WALKTHROUGH_NGINX_IP),),
    )
    steps: tuple[Step, ...] = ()
    if args.cluster:
        from netsim.fileio import check_named_path

        check_named_path(args.cluster)  # missing, too long, a loop: said before anything runs
        steps = (Step("cluster", "create", str(Path(args.cluster).resolve())),)
    return Scenario("<shell>", workdir, "netsim shell", "", 0, cluster, steps)


def history_path(name: str) -> Path:
    """The history file of a shell or a lab: ``$NETSIM_HISTORY_DIR/<name>``
    (default ``~/.netsim/history/<name>``)."""
    folder = os.environ.get("NETSIM_HISTORY_DIR") or str(Path.home() / ".netsim" / "history")
    return Path(folder) / name


def open_session(args: argparse.Namespace) -> tuple[ShellSession, str]:
    """The session the arguments ask for and the name of its history file."""
    from netsim.shell.session import ShellSession

    workdir = Path(args.workdir).resolve()
    if args.lab:
        from netsim.lab.session import open_lab_session

        lab_session: tuple[ShellSession, str] = open_lab_session(
            args.lab, workdir, seed=args.seed, profile=args.profile
        )
        return lab_session
    session = ShellSession(_scenario(args, workdir), workdir=workdir, seed=args.seed)
    return session, "shell"


def interact(session: ShellSession, args: argparse.Namespace, history: str) -> int:
    """Run the session's loop (terminal, pipe or ``-c``) and write what was asked."""
    from netsim.shell.export import export_scenario
    from netsim.shell.terminal import run_script, run_terminal

    commands = getattr(args, "commands", None)
    try:
        if commands:
            code = run_script(session, commands, sys.stdout)
        elif sys.stdin.isatty() and sys.stdout.isatty():
            print("netsim shell: type 'help' for the commands, 'exit' to leave.", file=sys.stderr)
            code = run_terminal(session, history_path(history))
        else:
            code = run_script(session, sys.stdin, sys.stdout)
        if getattr(args, "record", None):
            write_atomically(Path(args.record), "\n".join(session.transcript) + "\n")
        if getattr(args, "export", None):
            target = Path(args.export)
            write_atomically(target, export_scenario(session, target))
    finally:
        session.close()
    return code


def run(args: argparse.Namespace) -> int:
    """Open the session and run it; return the last command's exit code."""
    session, history = open_session(args)
    return interact(session, args, history)
