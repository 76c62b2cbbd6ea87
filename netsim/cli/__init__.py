"""The ``netsim`` command: argument parsing, printing and exit codes only.

Each subcommand lives in its own module ``netsim.cli.<name>`` exposing
``register(subparsers)``, which adds its parser and sets ``func`` (a callable
taking the parsed arguments and returning the exit code). Modules import heavy
dependencies inside ``func`` so that ``netsim --help`` and ``netsim demo`` start fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from netsim import __version__
from netsim.errors import NetsimError

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

COMMANDS: tuple[str, ...] = (
    "validate",
    "matrix",
    "explain",
    "diff",
    "lint",
    "graph",
    "run",
    "replay",
    "demo",
    "shell",
    "lab",
    "bench",
    "dataplane",
)
"""Subcommand modules in help order; a module that is not there yet is skipped."""


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every available subcommand."""
    parser = NetsimParser(
        prog="netsim",
        description="Simulate Kubernetes NetworkPolicy: validate manifests, compute "
        "reachability, replay kubectl walkthroughs packet by packet.",
    )
    parser.add_argument("--version", action="version", version=f"netsim {__version__}")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks for errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"netsim.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"netsim.cli.{name}":
                continue
            raise
        module.register(subparsers)
    _debug_everywhere(parser)
    return parser


def _debug_everywhere(parser: argparse.ArgumentParser) -> None:
    """Let ``--debug`` follow any subcommand too (``netsim matrix x.yaml --debug``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                if "--debug" not in sub._option_string_actions:
                    sub.add_argument(
                        "--debug",
                        action="store_true",
                        default=argparse.SUPPRESS,
                        help="show Python tracebacks for errors",
                    )
                _debug_everywhere(sub)


class NetsimParser(argparse.ArgumentParser):
    """argparse's parser, except that a failed write of help or usage is not swallowed
    (argparse drops OSError there, so ``netsim --help > /dev/full`` exited 0 silently);
    subcommand parsers are of the same class."""

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if message:
            (file or sys.stderr).write(message)


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse ``argv``; help, usage and argparse's own exits flush standard output first, so a
    full device is an error (exit 2) rather than a silent exit 0."""
    try:
        return parser.parse_args(argv)
    except SystemExit as stop:
        try:
            sys.stdout.flush()
        except OSError as exc:
            raise SystemExit(_stdout_failed(exc)) from None
        raise stop
    except OSError as exc:
        raise SystemExit(_stdout_failed(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the process exit code."""
    parser = build_parser()
    if argv is not None and any("\x00" in str(arg) for arg in argv):
        # A real command line cannot hold one (argv strings end at NUL); only a Python
        # caller can pass it, and no path or value may contain it.
        parser.error("an argument holds a NUL byte")
    args = _parse(parser, argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # a full device fails here when the output was small
        return code
    except NetsimError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        if exc.filename is not None or args.debug:
            raise  # not a write to standard output: a bug to see
        return _stdout_failed(exc)


def _stdout_failed(exc: OSError) -> int:
    """Exit code after writing standard output failed: 0 for a closed pipe, else 2.

    A reader that went away (``netsim matrix ... | head``) is a normal end; a full
    device or an I/O error is said on stderr. Standard output is then pointed at
    /dev/null, so the interpreter's final flush of what is still buffered cannot fail
    again (with a second message and exit code 120).
    """
    _discard_stdout()
    if isinstance(exc, BrokenPipeError):
        return 0
    print(f"error: cannot write standard output: {exc.strerror or exc}", file=sys.stderr)
    return 2


def _discard_stdout() -> None:
    """Point the process's standard output at /dev/null (when it is a real file descriptor)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # replaced by a test's capture or closed: nothing of ours to flush later
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)
