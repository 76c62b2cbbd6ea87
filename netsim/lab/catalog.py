"""Finding labs: the ones shipped in the package (``netsim/labs/<id>/``) and folders given by path.

The shipped labs are package data, found next to this package, so every command
works after a plain ``pip install`` from any folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from netsim.errors import NetsimError
from netsim.lab.answer import read_text
from netsim.lab.schema import Lab, LabError, lab_from_dict
from netsim.model.load import parse_yaml_text

LAB_FILE = "lab.yaml"


def shipped_dir() -> Path:
    """The folder of the labs that ship with netsim."""
    return Path(__file__).resolve().parent.parent / "labs"


@dataclass(frozen=True, slots=True)
class LabSummary:
    """One line of ``netsim lab list``."""

    name: str
    title: str
    difficulty: int
    minutes: int
    misconceptions: tuple[str, ...] = ()


def load_lab(folder: Path) -> Lab:
    """Read and validate ``folder/lab.yaml``; LabError naming the file and field."""
    path = folder / LAB_FILE
    source = str(path)
    if not path.is_file():
        raise LabError(f"{folder}: not a lab: no {LAB_FILE}")
    text = read_text(path, source)
    try:
        documents = parse_yaml_text(text, source)
    except NetsimError as exc:
        raise LabError(str(exc)) from None
    if len(documents) != 1:
        raise LabError(
            f"{source}: a lab file holds exactly one YAML document, found {len(documents)}"
        )
    return lab_from_dict(documents[0], source, folder)


def shipped_ids() -> list[str]:
    """Ids of the shipped labs (folders holding a lab.yaml), sorted."""
    root = shipped_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / LAB_FILE).is_file())


def find_lab(ref: str) -> Path:
    """The folder of a lab given by path (a folder or its lab.yaml) or by id (a shipped lab).

    A folder holding a ``lab.yaml`` wins over a shipped lab of the same name.
    """
    path = Path(ref)
    if path.name == LAB_FILE and path.is_file():
        return path.parent
    if (path / LAB_FILE).is_file():
        return path
    if ref in shipped_ids():
        return shipped_dir() / ref
    known = ", ".join(shipped_ids()) or "none"
    raise LabError(f'lab "{ref}" not found: neither a shipped lab ({known}) nor a lab folder')


def open_lab(ref: str) -> Lab:
    """Find and load a lab by id or path."""
    return load_lab(find_lab(ref))


def summaries() -> list[LabSummary]:
    """The shipped labs, sorted by (difficulty, name), for ``lab list``."""
    out = []
    for name in shipped_ids():
        lab = load_lab(shipped_dir() / name)
        out.append(LabSummary(lab.name, lab.title, lab.difficulty, lab.minutes, lab.misconceptions))
    return sorted(out, key=lambda s: (s.difficulty, s.name))
