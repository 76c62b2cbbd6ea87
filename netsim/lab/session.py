"""A shell session on a lab's cluster, with ``netsim check``, ``netsim hint`` and ``netsim task``.

``netsim shell --lab ID`` and ``netsim lab start ID`` open it: the lab's setup is
replayed, then the learner types. ``netsim check`` grades what the cluster holds now
(:func:`netsim.lab.grade.run_checks`: the same checks and causes as ``lab grade``),
``netsim hint`` shows the lab's hints one by one, ``netsim task`` the task again.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from netsim.lab.catalog import open_lab
from netsim.lab.checks import Snapshot, snapshot
from netsim.lab.grade import run_checks
from netsim.lab.report import render_text
from netsim.lab.schema import Lab
from netsim.shell.session import Builtin, ShellSession


def lab_builtins(lab: Lab, baseline: Snapshot | None = None) -> dict[str, Builtin]:
    """The ``netsim check|hint|task`` commands of a lab session.

    ``baseline`` is the cluster right after the setup (for ``unchanged`` checks; it is
    the same after ``netsim reset``, since the setup is deterministic).
    """
    shown = {"hints": 0}

    def check(session: ShellSession, args: list[str]) -> tuple[str, int]:
        report = run_checks(lab, session.runner, before=baseline)
        return render_text(report), report.exit_code

    def hint(session: ShellSession, args: list[str]) -> tuple[str, int]:
        if not lab.hints:
            return "this lab has no hints", 0
        index = min(shown["hints"], len(lab.hints) - 1)
        shown["hints"] = index + 1
        return f"hint {index + 1}/{len(lab.hints)}: {lab.hints[index]}", 0

    def task(session: ShellSession, args: list[str]) -> tuple[str, int]:
        return lab.task, 0

    return {"check": check, "hint": hint, "task": task}


def open_lab_session(
    ref: str, workdir: Path, *, seed: int | None = None, profile: str | None = None
) -> tuple[ShellSession, str]:
    """A shell session on lab ``ref`` (id or folder) working in ``workdir``, and the name of
    its history file. ``profile`` replaces the lab's CNI profile."""
    lab = open_lab(ref)
    scenario = lab.scenario()
    if profile:
        scenario = dataclasses.replace(
            scenario, cluster=dataclasses.replace(scenario.cluster, cni=profile)
        )
    session = ShellSession(scenario, workdir=workdir, seed=seed)
    session.extra_builtins.update(lab_builtins(lab, snapshot(session.runner)))
    return session, f"lab-{lab.name}"
