"""The wheel carries everything ``netsim`` needs at run time (package data), so a packaging
regression fails here and not on a user's ``pip install .``.

The wheel is built from a copy of the sources (pyproject.toml, setup.py, README.md,
netsim/ without compiled files) in a temporary folder, so the build leaves nothing in the
working tree. ``setup.py`` lists the optional C helpers: built where a C compiler exists
(CI installs one), left out without one, and netsim then runs pure Python; both builds
are checked here. It is built as
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
from needs import unavailable

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


def _build_wheel(root: Path, env: dict[str, str] | None = None) -> tuple[Path, Path]:
    """Build a wheel from a fresh copy of the sources under ``root``; return it and the copy."""
    src, out = root / "src", root / "dist"
    src.mkdir(parents=True)
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(REPO / name, src)
    ignored = shutil.ignore_patterns("__pycache__", "*.so", "*.pyd")
    shutil.copytree(PACKAGE, src / "netsim", ignore=ignored)
    argv = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)]
    if _has_build_requirements():
        argv.insert(4, "--no-build-isolation")
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (found,) = out.glob("netsim-*.whl")
    return found, src / "netsim"


HELPERS = ("netsim/match/_lpm", "netsim/policy/_sidefast")
"""The optional C helpers, as the start of their names in a wheel."""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Build the wheel once for this module; return it and the copy it was built from."""
    return _build_wheel(tmp_path_factory.mktemp("wheel"))


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


def _run_from(wheel: Path, tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """Run ``python argv...`` with only the unpacked wheel on the path, in another folder."""
    site = tmp_path / "site"
    if not site.exists():
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(site)
    work = tmp_path / "elsewhere"
    work.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, *argv], cwd=work, env=env, capture_output=True, text=True, check=False
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
    proc = _run_from(wheel, tmp_path, "-m", "netsim", "demo", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("PASS nginx-walkthrough: ")
    probe = _run_from(wheel, tmp_path, "-c", "import netsim; print(netsim.__file__)")
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip().startswith(str(tmp_path / "site"))


CHECK_HELPERS = (
    "import netsim.match.cidrtrie as c, netsim.policy.fastpath as f; print(c.COMPILED, f.COMPILED)"
)


def test_the_wheel_carries_the_compiled_helpers(wheel: Path, tmp_path: Path) -> None:
    """Where a C compiler exists, the wheel holds both helpers and netsim runs them."""
    if shutil.which(os.environ.get("CC", "cc")) is None:
        unavailable("no C compiler here: the wheel is pure Python (see the next test)")
    names = _names(wheel)
    for helper in HELPERS:
        assert any(n.startswith(helper) and n.endswith(".so") for n in names), helper
    proc = _run_from(wheel, tmp_path, "-c", CHECK_HELPERS)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "True"]


def test_without_a_compiler_the_wheel_builds_and_runs_pure_python(tmp_path: Path) -> None:
    """The issue's condition for a compiled path: install and run on a machine with no C
    compiler. The compiler is made to fail (CC and LDSHARED are /bin/false)."""
    env = {**os.environ, "CC": "/bin/false", "LDSHARED": "/bin/false", "CXX": "/bin/false"}
    wheel, _ = _build_wheel(tmp_path / "build", env)
    names = _names(wheel)
    assert not [n for n in names if n.endswith((".so", ".pyd"))]
    proc = _run_from(wheel, tmp_path, "-c", CHECK_HELPERS)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "False"]
    demo = _run_from(wheel, tmp_path, "-m", "netsim", "demo", "--quiet")
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.startswith("PASS nginx-walkthrough: ")
