"""Shared fixtures: a folder holding the walkthrough's policy files and a shell on it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from netsim.shell.session import ShellSession

from .helpers import POLICIES, WALKTHROUGH, bare_scenario


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    shutil.copy(POLICIES / "08-walkthrough-default-deny.yaml", folder / "default-deny.yaml")
    shutil.copy(POLICIES / "09-access-nginx.yaml", folder / "nginx-policy.yaml")
    (folder / "walkthrough.txt").write_text(WALKTHROUGH, encoding="utf-8")
    return folder


@pytest.fixture
def shell(workdir: Path) -> Iterator[ShellSession]:
    session = ShellSession(bare_scenario(workdir), workdir=workdir)
    yield session
    session.close()
