"""A folder that cannot be listed is a clear error naming it, not a traceback (issue 13).

Root reads any folder whatever its mode bits, so the refusal is made the way the
kernel makes it for other users: listing raises ``PermissionError`` (EACCES).
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path

import pytest

from netsim.cli import main

POLICY = (
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n"
    "spec:\n  podSelector: {}\n"
)


@pytest.fixture()
def locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path/locked``, holding a valid manifest, that no one may list."""
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "deny.yaml").write_text(POLICY, encoding="utf-8")
    real = Path.iterdir

    def iterdir(path: Path) -> Iterator[Path]:
        if path == folder:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    return folder


@pytest.mark.parametrize("recursive", [False, True])
def test_validate_names_the_folder_it_cannot_list(
    locked: Path, capsys: pytest.CaptureFixture[str], recursive: bool
) -> None:
    argv = ["validate", *(["-R"] if recursive else []), str(locked)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == f"error: {locked}: cannot list the directory: Permission denied\n"


def test_a_locked_subfolder_under_r_is_named_too(
    locked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "-q", "-R", str(locked.parent)]) == 2
    assert f"{locked}: cannot list the directory: Permission denied" in capsys.readouterr().err
