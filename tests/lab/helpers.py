"""Shared helpers of the lab tests: the fixture lab and answers written to a tmp folder."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from netsim.lab.catalog import load_lab
from netsim.lab.schema import Lab

FIXTURE = Path(__file__).parent / "fixtures" / "mini"


def mini() -> Lab:
    """The fixture lab."""
    return load_lab(FIXTURE)


def lab_doc() -> dict[str, Any]:
    """The fixture's lab.yaml as a dict, to edit."""
    doc = yaml.safe_load((FIXTURE / "lab.yaml").read_text())
    assert isinstance(doc, dict)
    return doc


def copy_lab(tmp: Path, doc: dict[str, Any] | None = None, name: str = "mini") -> Path:
    """A copy of the fixture in ``tmp/name`` with ``doc`` as its lab.yaml."""
    folder = tmp / name
    shutil.copytree(FIXTURE, folder)
    if doc is not None:
        (folder / "lab.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return folder


def write(tmp: Path, text: str, name: str = "answer.yaml") -> Path:
    """Write an answer file."""
    path = tmp / name
    path.write_text(text)
    return path
