"""``netsim validate PATH...``: check manifests as the apiserver would.

Prints ``OK <file>: <Kind> <ns/name>`` on stdout for each valid object
(nothing with ``-q``) and each error on stderr as
``<file> (document N): <Kind> <ns/name>: <field path>: <message>``; warnings
and notes about skipped kinds go to stderr too. Exit 0 when everything is
valid, 2 when any file is unreadable or any document invalid. Each file is
checked on its own, as ``kubectl create -f FILE`` would (``already exists``
within one file).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

EXIT_INVALID = 2


def register(subparsers: Any) -> None:
    """Add the ``validate`` subcommand."""
    parser = subparsers.add_parser(
        "validate",
        help="validate Kubernetes manifests (files, directories, - for stdin)",
        description="Validate manifests as the Kubernetes apiserver does: field paths "
        "and messages in its words; exit 2 if anything is invalid.",
    )
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="a manifest file, a directory (its *.yaml, *.yml, *.json, not recursive) or -",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing for valid input, only errors"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate every file of ``args.paths``; return the exit code."""
    from netsim.errors import NetsimError
    from netsim.model.load import check_bytes, expand_paths, read_source

    debug = bool(getattr(args, "debug", False))
    status = 0
    files: list[str] = []
    for path in args.paths:
        try:
            files += expand_paths([path])
        except NetsimError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = EXIT_INVALID
    for path in files:
        try:
            source, data = read_source(path)
            manifests, errors = check_bytes(data, source)
        except NetsimError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = EXIT_INVALID
            continue
        except Exception as exc:  # a bug must still not print a traceback for user input
            if debug:
                raise
            print(
                f"error: {path}: internal error ({type(exc).__name__}: {exc}); "
                "rerun with --debug for the traceback",
                file=sys.stderr,
            )
            status = EXIT_INVALID
            continue
        if not args.quiet:
            for decoded in manifests.declared:
                print(f"OK {source}: {decoded.ref}")
            for note in manifests.notes:
                print(f"note: {note}", file=sys.stderr)
        for warning in manifests.warnings:
            print(warning, file=sys.stderr)
        for error in errors:
            print(str(error), file=sys.stderr)
        if errors:
            status = EXIT_INVALID
    return status
