"""``netsim lab list|start|grade|test|new``: teaching labs graded by behaviour.

- ``list``: the shipped labs (id, difficulty, minutes, title);
- ``start ID``: copy the starter into a working folder, print the task, open the shell;
- ``grade ID --answer FILE``: exit 0 all checks passed, 1 some failed, 2 invalid answer;
- ``test [ID...]``: the lab's self-test and mutation audit (exit 1 if any lab fails);
- ``new ID``: scaffold a lab for a teacher.

ID is a shipped lab's id or a lab folder's path. The format is in ``netsim/labs/README.md``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netsim.cli.inputs import parse_seed

if TYPE_CHECKING:
    from netsim.lab.schema import Lab


def register(subparsers: Any) -> None:
    """Add the ``lab`` subcommand and its own subcommands."""
    parser = subparsers.add_parser(
        "lab",
        help="teaching labs: list, start, grade, self-test, scaffold",
        description="Exercises on a simulated cluster, graded by the traffic the answer "
        "allows, not by how it is written.",
    )
    sub = parser.add_subparsers(dest="lab_command", metavar="SUBCOMMAND")
    parser.set_defaults(func=lambda args: _usage(parser))

    p = sub.add_parser("list", help="list the shipped labs")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run_list)

    p = sub.add_parser("start", help="copy the starter to a folder, show the task, open the shell")
    p.add_argument("lab", metavar="ID", help="lab id or lab folder")
    p.add_argument("--dir", metavar="DIR", help="working folder (default: ./ID)")
    p.add_argument("--no-shell", action="store_true", help="only copy the files and print the task")
    p.set_defaults(func=run_start)

    p = sub.add_parser("grade", help="grade an answer (exit 0 passed, 1 failed, 2 invalid)")
    p.add_argument("lab", metavar="ID", help="lab id or lab folder")
    p.add_argument("--answer", required=True, metavar="FILE", help="the answer file")
    p.add_argument("--format", choices=("text", "json", "junit"), default="text")
    p.add_argument("--seed", type=parse_seed, default=None, help="random seed (default: 0)")
    p.set_defaults(func=run_grade)

    p = sub.add_parser("test", help="self-test labs: solution, starter, wrong answers, mutants")
    p.add_argument(
        "labs", nargs="*", metavar="ID", help="lab ids or folders (default: all shipped)"
    )
    p.add_argument("--no-mutants", action="store_true", help="skip the mutation audit")
    p.set_defaults(func=run_test)

    p = sub.add_parser("new", help="scaffold a new lab")
    p.add_argument("id", metavar="ID", help="the new lab's id (a DNS label)")
    p.add_argument(
        "--from",
        dest="scenario",
        metavar="SCENARIO",
        help="take cluster and setup from a scenario file",
    )
    p.add_argument("--dir", metavar="DIR", default=".", help="parent folder (default: .)")
    p.set_defaults(func=run_new)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def run_list(args: argparse.Namespace) -> int:
    """Print the shipped labs sorted by difficulty."""
    from netsim.lab.catalog import summaries

    found = summaries()
    if args.json:
        rows = [
            {
                "id": s.name,
                "title": s.title,
                "difficulty": s.difficulty,
                "minutes": s.minutes,
                "misconceptions": list(s.misconceptions),
            }
            for s in found
        ]
        print(json.dumps(rows, indent=2, sort_keys=True))
        return 0
    width = max([len(s.name) for s in found] + [2])
    print(f"{'ID':<{width}}  DIFFICULTY  MINUTES  TITLE")
    for s in found:
        print(f"{s.name:<{width}}  {s.difficulty:>10}  {s.minutes:>7}  {s.title}")
    return 0


def _open_lab(ref: str) -> Lab:
    """The lab ``ref`` names (id or folder); a NetsimError when the name cannot be a path.

    The catalog looks ``ref`` up as a folder first, and the file system refuses some
    names outright (too long, a symlink loop): that is bad input, not a crash.
    """
    from netsim.errors import NetsimError
    from netsim.fileio import describe_os_error
    from netsim.lab.catalog import open_lab

    try:
        return open_lab(ref)
    except OSError as exc:
        raise NetsimError(f"{ref}: cannot read: {describe_os_error(exc)}") from None


def run_start(args: argparse.Namespace) -> int:
    """Copy the starter into the working folder, print the task, open the shell."""
    from netsim.errors import NetsimError

    lab = _open_lab(args.lab)
    folder = Path(args.dir or lab.name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / lab.submission.file
        if target.exists():
            note = f"{target} exists: kept as it is"
        elif lab.starter is not None:
            shutil.copyfile(lab.base_dir / lab.starter, target)
            note = f"{target}: the starter, to edit"
        else:
            target.write_text("", encoding="utf-8")
            note = f"{target}: empty, write your answer there"
    except OSError as exc:
        raise NetsimError(f"{folder}: cannot write: {exc.strerror or exc}") from None
    print(f"lab {lab.name}: {lab.title} (difficulty {lab.difficulty}, ~{lab.minutes} min)\n")
    print(lab.task.rstrip() + "\n")
    print(note)
    print(f"grade it with: netsim lab grade {args.lab} --answer {target}")
    if args.no_shell:
        return 0
    try:
        from netsim.cli.shell import interact
        from netsim.lab.session import open_lab_session
    except ImportError:
        return 0
    session, history = open_lab_session(str(lab.base_dir), folder.resolve())
    return interact(session, args, history)


def run_grade(args: argparse.Namespace) -> int:
    """Grade the answer and print the report; the exit code says passed/failed/invalid."""
    from netsim.lab.grade import grade
    from netsim.lab.report import render

    lab = _open_lab(args.lab)
    report = grade(lab, args.answer, seed=args.seed)
    print(render(report, args.format))
    return report.exit_code


def run_test(args: argparse.Namespace) -> int:
    """Self-test the labs; exit 1 if any fails."""
    from netsim.errors import NetsimError
    from netsim.lab.catalog import shipped_ids
    from netsim.lab.selftest import selftest_lab

    refs = args.labs or shipped_ids()
    if not refs:
        print("no labs to test", file=sys.stderr)
        return 2
    failed = []
    for ref in refs:
        try:
            lab = _open_lab(ref)
        except NetsimError as exc:
            print(f"lab {ref}:\n  FAIL lab.yaml: {exc}\nFAIL {ref}")
            failed.append(ref)
            continue
        result = selftest_lab(lab, mutation=not args.no_mutants)
        print(result.render())
        if not result.passed:
            failed.append(lab.name)
    print(
        f"\n{len(refs) - len(failed)}/{len(refs)} labs passed"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


def run_new(args: argparse.Namespace) -> int:
    """Scaffold a lab folder."""
    from netsim.lab.scaffold import scaffold

    folder = scaffold(args.id, Path(args.dir), scenario=args.scenario)
    print(f"created {folder}: edit lab.yaml, solution.yaml, starter/ and wrong/, then run")
    print(f"  netsim lab test {folder}")
    return 0
