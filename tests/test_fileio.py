"""netsim.fileio: bounded reads that refuse devices and FIFOs, atomic writes, clear path errors."""

from __future__ import annotations

import os
import stat
import sys
import threading
from pathlib import Path

import pytest

from netsim.errors import LoadError, NetsimError
from netsim.fileio import check_named_path, read_limited, read_stdin, write_atomically


def test_write_atomically_writes_text_and_bytes_with_the_usual_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_atomically(target, "héllo\n")
    assert target.read_bytes() == "héllo\n".encode()
    write_atomically(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_a_failed_rename_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "capture.pcap"
    target.write_bytes(b"old")

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(NetsimError, match=r"capture\.pcap: cannot write: no space left"):
        write_atomically(target, b"new" * 1000)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["capture.pcap"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("missing/out.txt", "No such file or directory"),
        ("afile/out.txt", "Not a directory"),
        ("x" * 300, "File name too long"),
        ("adir", "is a directory"),
        ("", "the file name is empty"),
    ],
)
def test_write_errors_name_the_path_and_reason(tmp_path: Path, name: str, reason: str) -> None:
    (tmp_path / "afile").write_text("")
    (tmp_path / "adir").mkdir()
    path = tmp_path / name if name else ""
    with pytest.raises(NetsimError, match=reason):
        write_atomically(path, "x")


def test_read_limited_refuses_devices_and_oversized_files(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="/dev/zero: is a character device"):
        read_limited("/dev/zero", 1024)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a" * 1025)
    with pytest.raises(LoadError, match="too large \\(1025 bytes; the limit is 1024\\)"):
        read_limited(big, 1024)
    assert read_limited(big, 1025) == b"a" * 1025
    with pytest.raises(LoadError, match="is a directory"):
        read_limited(tmp_path, 1024)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []
    thread = threading.Thread(target=lambda: _capture(outcome, fifo), daemon=True)
    thread.start()
    thread.join(5)
    assert not thread.is_alive(), "reading a FIFO blocked"
    assert isinstance(outcome[0], LoadError)
    assert "FIFO" in str(outcome[0])


def _capture(outcome: list[BaseException], path: Path) -> None:
    try:
        read_limited(path, 1024)
    except BaseException as exc:
        outcome.append(exc)


def test_stdin_is_bounded_and_a_closed_stdin_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with open("/dev/zero", "rb") as zero:
        monkeypatch.setattr(sys, "stdin", type("In", (), {"buffer": zero})())
        with pytest.raises(LoadError, match="<stdin>: file is too large"):
            read_stdin(4096)
    monkeypatch.setattr(sys, "stdin", None)
    with pytest.raises(LoadError, match="<stdin>: cannot read: standard input is closed"):
        read_stdin(4096)


def test_named_path_errors_say_why(tmp_path: Path) -> None:
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    with pytest.raises(LoadError, match=r"loop\.yaml: cannot read: too many levels of symbolic"):
        check_named_path(str(loop))
    with pytest.raises(LoadError, match="an empty path names no file"):
        check_named_path("")
    # from Python; the CLI refuses a NUL in any argument before this (main() exits 2)
    with pytest.raises(LoadError, match=r"not a valid path \(it holds a NUL byte\)"):
        check_named_path("x\x00y")
    with pytest.raises(LoadError, match=r"nope\.yaml: no such file or directory"):
        check_named_path(str(tmp_path / "nope.yaml"))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "error: '': an empty path names no file"),
        ("x" * 300, f"error: {'x' * 300}: cannot read: File name too long"),
        ("missing.yaml", "error: missing.yaml: no such file or directory"),
        ("loop.yaml", "error: loop.yaml: cannot read: too many levels of symbolic links"),
    ],
)
def test_paths_named_on_the_command_line_say_why_they_cannot_be_read(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    message: str,
) -> None:
    from netsim.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    for command in (["validate"], ["matrix"], ["lint"], ["diff"]):
        argv = [*command, name] + (["other.yaml"] if command == ["diff"] else [])
        assert main(argv) == 2, command
        assert capsys.readouterr().err.startswith(message), command
