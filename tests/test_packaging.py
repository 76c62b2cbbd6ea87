"""The wheel carries everything ``netsim`` needs at run time (package data), so a packaging
regression fails here and not on a user's ``pip install .``.

The wheel is built from a copy of the sources (pyproject.toml, README.md, netsim/) in a
temporary folder, so the build leaves nothing in the working tree. It is built as
``pip install .`` builds it: in an isolated environment holding the build requirements of
pyproject.toml, unless the running environment already has them (then without isolation,
which needs no package index).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "netsim"


def _has_build_requirements() -> bool:
    """setuptools>=68 with ``wheel`` importable (setuptools>=70.1 builds wheels by itself)."""
    try:
        parts = tuple(int(p) for p in version("setuptools").split(".")[:2])
    except Exception:
        return False
    if parts >= (70, 1):
        return True
    return parts >= (68, 0) and importlib.util.find_spec("wheel") is not None


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Build the wheel once for this module; return it and the copy it was built from."""
    root = tmp_path_factory.mktemp("wheel")
    src, out = root / "src", root / "dist"
    src.mkdir()
    shutil.copy2(REPO / "pyproject.toml", src)
    shutil.copy2(REPO / "README.md", src)
    shutil.copytree(PACKAGE, src / "netsim", ignore=shutil.ignore_patterns("__pycache__"))
    argv = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)]
    if _has_build_requirements():
        argv.insert(4, "--no-build-isolation")
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (found,) = out.glob("netsim-*.whl")
    return found, src / "netsim"


@pytest.fixture
def wheel(built: tuple[Path, Path]) -> Path:
    return built[0]


@pytest.fixture
def package(built: tuple[Path, Path]) -> Path:
    """The copy of netsim/ the wheel was built from (others may edit the tree meanwhile)."""
    return built[1]


def _names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def _package_files(folder: Path) -> list[str]:
    """Every file under ``folder`` (in a copy of netsim/) as its name in the wheel."""
    return sorted(
        f"netsim/{p.relative_to(folder.parent).as_posix()}"
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


def test_the_wheel_holds_every_scenario_file(wheel: Path, package: Path) -> None:
    expected = _package_files(package / "scenarios")
    assert "netsim/scenarios/nginx-walkthrough.yaml" in expected
    assert "netsim/scenarios/nginx-walkthrough.out" in expected
    assert "netsim/scenarios/policies/09-access-nginx.yaml" in expected
    missing = sorted(set(expected) - _names(wheel))
    assert not missing, f"not in {wheel.name}: {missing}"


def test_the_wheel_holds_every_lab(wheel: Path, package: Path) -> None:
    labs = package / "labs"
    expected = [f"netsim/labs/{p.parent.name}/lab.yaml" for p in sorted(labs.glob("*/lab.yaml"))]
    assert expected, "no lab folder with a lab.yaml"
    if (labs / "README.md").is_file():
        expected.append("netsim/labs/README.md")
    missing = sorted(set(expected) - _names(wheel))
    assert not missing, f"not in {wheel.name}: {missing}"


def test_the_demo_runs_from_the_wheel_in_another_folder(wheel: Path, tmp_path: Path) -> None:
    """The unpacked wheel alone (no source checkout on the path) replays the walkthrough."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    proc = subprocess.run(
        [sys.executable, "-m", "netsim", "demo", "--quiet"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("PASS nginx-walkthrough: ")
    probe = subprocess.run(
        [sys.executable, "-c", "import netsim; print(netsim.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip().startswith(str(site))
