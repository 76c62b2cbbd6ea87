"""``netsim validate PATH...``: check manifests as the apiserver would.

Prints ``OK <file>: <Kind> <ns/name>`` on stdout for each valid object
(nothing with ``-q``) and each error on stderr as
``<file>:<line> (document N): <Kind> <ns/name>: <field path>: <message>``; warnings
and notes about skipped kinds go to stderr too. Exit 0 when everything is
valid, 2 when any file is unreadable or any document invalid. Each file is
checked on its own, as ``kubectl create -f FILE`` would (``already exists``
within one file; with ``--apply`` as ``kubectl apply`` would: the last wins).
Policies netsim does not evaluate (Calico, Cilium, ...) are warned about (exit 2
with ``--strict``). ``--json`` prints ``{"valid", "objects", "errors", "notes",
"warnings", "ignored"}`` instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from netsim.cli.inputs import add_input_arguments, strict_text, warning_text

if TYPE_CHECKING:
    from netsim.model.ignored import IgnoredPolicy

EXIT_INVALID = 2


def register(subparsers: Any) -> None:
    """Add the ``validate`` subcommand."""
    parser = subparsers.add_parser(
        "validate",
        help="validate Kubernetes manifests (files, directories, - for stdin)",
        description="Validate manifests as the Kubernetes apiserver does: field paths "
        "and messages in its words; exit 2 if anything is invalid.",
    )
    add_input_arguments(parser, nodes=False)
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing for valid input, only errors"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--apply",
        action="store_true",
        help="check as kubectl apply does: an object given twice is applied twice (the "
        "last wins) instead of 'already exists' as kubectl create says",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate every file of ``args.paths``; return the exit code."""
    from netsim.errors import NetsimError
    from netsim.model.inputs import expand_inputs
    from netsim.model.load import check_bytes, read_source

    debug = bool(getattr(args, "debug", False))
    status = 0
    report: dict[str, list[Any]] = {
        key: [] for key in ("objects", "errors", "notes", "warnings", "ignored")
    }
    out = sys.stdout if not args.json else None
    err = sys.stderr if not args.json else None

    def say(text: str, stream: Any) -> None:
        if stream is not None:  # --json prints only the report
            print(text, file=stream)

    if not args.paths and not args.kustomize:
        print("error: no manifests: give a PATH (file, directory or -) or -k DIR", file=sys.stderr)
        return EXIT_INVALID
    inputs, problems = expand_inputs(args.paths, args.recursive, args.kustomize)
    for exc in problems:
        report["errors"].append(str(exc))
        say(f"error: {exc}", err)
        status = EXIT_INVALID
    ignored: list[IgnoredPolicy] = []
    for item in inputs:
        path = item.path
        try:
            source, data = read_source(path)
            manifests, errors = check_bytes(
                data,
                source,
                item.namespace,
                args.namespace,
                apply=args.apply,
                allow_removed=args.allow_removed_apis,
            )
        except NetsimError as exc:
            report["errors"].append(str(exc))
            say(f"error: {exc}", err)
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
        report["objects"] += [f"{source}: {d.ref}" for d in manifests.declared]
        report["notes"] += list(manifests.notes)
        report["warnings"] += list(manifests.warnings)
        report["errors"] += [str(e) for e in errors]
        ignored += manifests.ignored
        if not args.quiet:
            for decoded in manifests.declared:
                say(f"OK {source}: {decoded.ref}", out)
            for note in manifests.notes:
                say(f"note: {note}", err)
        for warning in manifests.warnings:
            say(warning, err)
        for error in errors:
            say(str(error), err)
        if errors:
            status = EXIT_INVALID
    if ignored:
        report["ignored"] = [item.to_dict() for item in ignored]
        if args.strict:
            say(f"error: {strict_text(tuple(ignored))}", err)
            status = EXIT_INVALID
        else:
            say(warning_text(tuple(ignored)), err)
    if args.json:
        print(json.dumps({"valid": status == 0, **report}, indent=1))
    return status
