"""The ``lab.yaml`` format: frozen values and their validation with field paths.

:func:`lab_from_dict` checks every field and reports every problem at once, each as
``<file>: checks[2].reach.port: <message>`` in the apiserver's words, raising
:class:`LabError`. The ``cluster:`` and ``setup:`` sections are exactly a scenario's
``cluster:`` and ``steps:`` (checked by :mod:`netsim.scenario.schema`'s own readers),
and an ``exec`` check's ``expect`` is a scenario ``expect``. The format is documented
for teachers in ``netsim/labs/README.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from netsim.errors import NetsimError
from netsim.lab.checkspec import (
    CheckSpec,
    ExecSpec,
    ForbidSpec,
    MatrixSpec,
    ReachSpec,
    UnchangedSpec,
    parse_check,
)
from netsim.lab.misconceptions import CATALOGUE
from netsim.model.validate import is_dns1123_label
from netsim.scenario.schema import (
    ClusterSpec,
    Scenario,
    Step,
    _Checker,
    _cluster,
    _show,
    _step,
)

__all__ = [
    "API_VERSION",
    "CheckSpec",
    "ExecSpec",
    "ForbidSpec",
    "Lab",
    "LabCheck",
    "LabError",
    "MatrixSpec",
    "ReachSpec",
    "Submission",
    "UnchangedSpec",
    "WrongAnswer",
    "lab_from_dict",
]

API_VERSION = "netsim.dev/v1alpha1"
MAX_DIFFICULTY = 20
MAX_MINUTES = 24 * 60
SubmissionType = Literal["manifest", "commands"]
ANSWER_KINDS: tuple[str, ...] = ("NetworkPolicy", "Pod", "Service", "Namespace")
"""Kinds a manifest lab may accept in an answer."""


class LabError(NetsimError):
    """A lab (``lab.yaml`` or one of its files) or an answer that cannot be used; exit 2."""


@dataclass(frozen=True, slots=True)
class Submission:
    """What the learner hands in: a manifest file or a file of shell commands.

    ``file`` is the answer's file name (``lab start`` copies the starter there);
    ``kinds`` the object kinds a manifest answer may hold.
    """

    type: SubmissionType = "manifest"
    file: str = "answer.yaml"
    kinds: tuple[str, ...] = ("NetworkPolicy",)


@dataclass(frozen=True, slots=True)
class LabCheck:
    """One graded check: its id, points, optional description and what it checks."""

    id: str
    path: str
    spec: CheckSpec
    points: int = 1
    description: str = ""

    @property
    def kind(self) -> str:
        """``reach``, ``forbid``, ``matrix``, ``exec`` or ``unchanged``."""
        return self.spec.kind


@dataclass(frozen=True, slots=True)
class WrongAnswer:
    """A known-wrong answer: the checks it must fail, exactly, and the mistake it embodies."""

    file: str
    path: str
    fails: tuple[str, ...]
    misconception: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Lab:
    """A validated lab; file names are relative to ``base_dir`` (the lab's folder)."""

    source: str
    base_dir: Path
    name: str
    title: str
    difficulty: int
    minutes: int
    task: str
    submission: Submission
    checks: tuple[LabCheck, ...]
    solution: str
    cluster: ClusterSpec = ClusterSpec()
    setup: tuple[Step, ...] = ()
    misconceptions: tuple[str, ...] = ()
    starter: str | None = None
    hints: tuple[str, ...] = ()
    wrong: tuple[WrongAnswer, ...] = ()

    @property
    def max_score(self) -> int:
        """The sum of every check's points."""
        return sum(c.points for c in self.checks)

    def scenario(self) -> Scenario:
        """The lab's cluster and setup as a scenario (what the Runner and the shell take)."""
        return Scenario(self.source, self.base_dir, self.title, "", 0, self.cluster, self.setup)

    def check(self, check_id: str) -> LabCheck:
        """The check with this id (KeyError if none)."""
        for c in self.checks:
            if c.id == check_id:
                return c
        raise KeyError(check_id)


def _file(c: _Checker, value: Any, path: str, base: Path) -> str | None:
    """A file name relative to the lab folder that must exist there."""
    text = c.string(value, path)
    if text is None:
        return None
    if Path(text).is_absolute():
        c.add(path, f"Invalid value: {_show(text)}: must be relative to the lab folder")
        return None
    if not (base / text).is_file():
        c.add(path, f"Not found: {_show(text)}: no such file in the lab folder")
        return None
    return text


def _metadata(c: _Checker, value: Any, base: Path | None) -> dict[str, Any]:
    doc = c.mapping(value, "metadata") or {}
    c.known(doc, "metadata", ("name", "title", "difficulty", "minutes", "misconceptions"))
    out: dict[str, Any] = {}
    for key in ("name", "title"):
        if key not in doc:
            c.add(f"metadata.{key}", "Required value")
    if "name" in doc:
        name = c.string(doc["name"], "metadata.name")
        if name is not None:
            for message in is_dns1123_label(name):
                c.add("metadata.name", f"Invalid value: {_show(name)}: {message}")
            if base is not None and base.name and name != base.name:
                c.add(
                    "metadata.name",
                    f"Invalid value: {_show(name)}: must equal the lab's folder name "
                    f"{_show(base.name)}",
                )
            out["name"] = name
    if "title" in doc:
        out["title"] = (c.string(doc["title"], "metadata.title") or "").strip()
    out["difficulty"] = 1
    if "difficulty" in doc:
        out["difficulty"] = c.integer(doc["difficulty"], "metadata.difficulty", 1, MAX_DIFFICULTY)
    out["minutes"] = 10
    if "minutes" in doc:
        out["minutes"] = c.integer(doc["minutes"], "metadata.minutes", 1, MAX_MINUTES)
    ids: list[str] = []
    if "misconceptions" in doc:
        raw = doc["misconceptions"]
        if not isinstance(raw, list):
            c.add("metadata.misconceptions", f"Invalid value: {_show(raw)}: must be a list")
            raw = []
        for i, item in enumerate(raw):
            found = _misconception(c, item, f"metadata.misconceptions[{i}]")
            if found is not None:
                ids.append(found)
    out["misconceptions"] = tuple(ids)
    return out


def _misconception(c: _Checker, value: Any, path: str) -> str | None:
    text = c.string(value, path)
    if text is not None and text not in CATALOGUE:
        supported = ", ".join(f'"{k}"' for k in sorted(CATALOGUE))
        c.add(path, f"Unsupported value: {_show(text)}: supported values: {supported}")
        return None
    return text


def _submission(c: _Checker, value: Any) -> Submission:
    doc = c.mapping(value, "submission") or {}
    c.known(doc, "submission", ("type", "file", "kinds"))
    kind: SubmissionType = "manifest"
    if "type" in doc:
        given = doc["type"]
        if given in ("manifest", "commands"):
            kind = given
        else:
            c.add(
                "submission.type",
                f'Unsupported value: {_show(given)}: supported values: "commands", "manifest"',
            )
    file = "answer.yaml" if kind == "manifest" else "answer.txt"
    if "file" in doc:
        given_file = c.string(doc["file"], "submission.file")
        if given_file is not None and ("/" in given_file or given_file in (".", "..")):
            c.add("submission.file", f"Invalid value: {_show(given_file)}: must be a file name")
        elif given_file is not None:
            file = given_file
    kinds: tuple[str, ...] = ("NetworkPolicy",)
    if "kinds" in doc:
        if kind == "commands":
            c.add("submission.kinds", "Forbidden: only a manifest submission has kinds")
        kinds = c.strings(doc["kinds"], "submission.kinds")
        for i, k in enumerate(kinds):
            if k not in ANSWER_KINDS:
                supported = ", ".join(f'"{a}"' for a in ANSWER_KINDS)
                c.add(
                    f"submission.kinds[{i}]",
                    f"Unsupported value: {_show(k)}: supported values: {supported}",
                )
        if not kinds:
            c.add("submission.kinds", "Required value: at least one kind")
    return Submission(kind, file, kinds)


def _setup(c: _Checker, value: Any) -> tuple[Step, ...]:
    if not isinstance(value, list):
        c.add("setup", f"Invalid value: {_show(value)}: must be a list of scenario steps")
        return ()
    steps: list[Step] = []
    for i, raw in enumerate(value):
        step = _step(c, raw, f"setup[{i}]")
        if step is None:
            continue
        if step.action == "expect":
            c.add(f"setup[{i}].expect", "Invalid value: {...}: write expect beside its step")
            continue
        steps.append(step)
    return tuple(steps)


def _checks(c: _Checker, value: Any) -> tuple[LabCheck, ...]:
    if not isinstance(value, list) or not value:
        c.add("checks", "Required value: a non-empty list of checks")
        return ()
    out: list[LabCheck] = []
    seen: set[str] = set()
    for i, raw in enumerate(value):
        path = f"checks[{i}]"
        doc = c.mapping(raw, path)
        if doc is None:
            continue
        raw_id = doc.get("id")
        if isinstance(raw_id, str) and raw_id in seen:
            c.add(f"{path}.id", f"Duplicate value: {_show(raw_id)}")
        if isinstance(raw_id, str):
            seen.add(raw_id)
        found = parse_check(c, doc, path)
        if found is None:
            continue
        check_id, spec = found
        points = 1
        if "points" in doc:
            points = c.integer(doc["points"], f"{path}.points", 0, 1000) or 0
        description = ""
        if "description" in doc:
            description = (c.string(doc["description"], f"{path}.description") or "").strip()
        out.append(LabCheck(check_id, path, spec, points, description))
    if out and not sum(ch.points for ch in out) and not c.errors:
        c.add("checks", "Invalid value: [...]: the checks must be worth at least one point")
    return tuple(out)


def _wrong(c: _Checker, value: Any, base: Path, ids: set[str]) -> tuple[WrongAnswer, ...]:
    if not isinstance(value, list):
        c.add("wrong", f"Invalid value: {_show(value)}: must be a list")
        return ()
    out: list[WrongAnswer] = []
    for i, raw in enumerate(value):
        path = f"wrong[{i}]"
        doc = c.mapping(raw, path)
        if doc is None:
            continue
        c.known(doc, path, ("file", "fails", "misconception", "note"))
        for key in ("file", "fails"):
            if key not in doc:
                c.add(f"{path}.{key}", "Required value")
        file = _file(c, doc["file"], f"{path}.file", base) if "file" in doc else None
        fails: tuple[str, ...] = ()
        if "fails" in doc:
            raw_fails = doc["fails"]
            if not isinstance(raw_fails, list) or not raw_fails:
                c.add(f"{path}.fails", "Required value: the ids of the checks it must fail")
            else:
                fails = c.strings(raw_fails, f"{path}.fails")
                for j, check_id in enumerate(fails):
                    if ids and check_id not in ids:
                        c.add(f"{path}.fails[{j}]", f"Not found: {_show(check_id)}: no such check")
        misconception = None
        if "misconception" in doc:
            misconception = _misconception(c, doc["misconception"], f"{path}.misconception")
        note = (c.string(doc["note"], f"{path}.note") or "") if "note" in doc else ""
        if file is not None:
            out.append(WrongAnswer(file, path, tuple(sorted(set(fails))), misconception, note))
    return tuple(out)


TOP_FIELDS = (
    "apiVersion",
    "kind",
    "metadata",
    "cluster",
    "setup",
    "task",
    "submission",
    "starter",
    "checks",
    "hints",
    "solution",
    "wrong",
)


def lab_from_dict(doc: Any, source: str, base_dir: Path | None = None) -> Lab:
    """Validate a parsed ``lab.yaml``; raise LabError listing every problem with its path.

    ``base_dir`` is the lab's folder (default: the folder of ``source``): files are
    resolved there and ``metadata.name`` must equal its name.
    """
    base = base_dir if base_dir is not None else Path(source).parent
    if not isinstance(doc, Mapping):
        raise LabError(f"{source}: Invalid value: {_show(doc)}: a lab must be a mapping")
    c = _Checker()
    c.known(doc, "", TOP_FIELDS)
    if doc.get("apiVersion") != API_VERSION:
        c.add(
            "apiVersion",
            f'Unsupported value: {_show(doc.get("apiVersion"))}: supported values: "{API_VERSION}"',
        )
    if doc.get("kind") != "Lab":
        c.add("kind", f'Unsupported value: {_show(doc.get("kind"))}: supported values: "Lab"')
    for key in ("metadata", "task", "submission", "checks", "solution"):
        if key not in doc:
            c.add(key, "Required value")
    meta = _metadata(c, doc.get("metadata", {}), base)
    cluster = _cluster(c, doc["cluster"]) if "cluster" in doc else ClusterSpec()
    setup = _setup(c, doc["setup"]) if "setup" in doc else ()
    task = (c.string(doc["task"], "task") or "").strip() if "task" in doc else ""
    submission = _submission(c, doc.get("submission", {}))
    checks = _checks(c, doc.get("checks"))
    hints = c.strings(doc["hints"], "hints") if "hints" in doc else ()
    starter = _file(c, doc["starter"], "starter", base) if "starter" in doc else None
    solution = _file(c, doc["solution"], "solution", base) if "solution" in doc else None
    ids = {ch.id for ch in checks}
    wrong = _wrong(c, doc["wrong"], base, ids) if "wrong" in doc else ()
    if c.errors:
        raise LabError("\n".join(f"{source}: {e}" for e in c.errors))
    assert solution is not None
    return Lab(
        source=source,
        base_dir=base,
        name=meta["name"],
        title=meta["title"],
        difficulty=meta["difficulty"],
        minutes=meta["minutes"],
        task=task,
        submission=submission,
        checks=checks,
        solution=solution,
        cluster=cluster,
        setup=setup,
        misconceptions=meta["misconceptions"],
        starter=starter,
        hints=tuple(h.strip() for h in hints),
        wrong=wrong,
    )
