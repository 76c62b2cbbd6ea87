"""A capture that cannot be written is a clear error and leaves no partial file (issue
13: ``--pcap`` into a read-only or full place).

Root writes into any folder whatever its mode bits, so the refusal is made as the kernel
makes it on a read-only mount (EROFS) or a full disk (ENOSPC): creating or writing the
file fails with that OSError.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from netsim.cli import main

SCENARIO = """\
title: one wget
steps:
  - kubectl: run nginx --image=nginx
  - kubectl: expose deployment nginx --port=80
  - shell: kubectl run busybox --rm -ti --image=busybox /bin/sh
    commands:
      - run: wget --spider --timeout=1 nginx
        expect: {allowed: true}
"""


def run_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int) -> tuple[int, Path]:
    """``netsim run --pcap DIR`` where creating a file in DIR fails with ``code``."""
    scenario = tmp_path / "one.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    captures = tmp_path / "caps"
    real = tempfile.mkstemp

    def refuse(*args: Any, **kwargs: Any) -> tuple[int, str]:
        if Path(kwargs.get("dir", "")) == captures:
            raise OSError(code, os.strerror(code))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    return main(["run", "--pcap", str(captures), str(scenario)]), captures


@pytest.mark.parametrize(
    ("code", "reason"),
    [(errno.EROFS, "Read-only file system"), (errno.ENOSPC, "no space left on device")],
)
def test_a_capture_that_cannot_be_written_is_an_error_and_no_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    code: int,
    reason: str,
) -> None:
    status, captures = run_refused(tmp_path, monkeypatch, code)
    assert status == 2
    err = capsys.readouterr().err
    assert err == f"error: {captures / 'one.pcap'}: cannot write: {reason}\n"
    assert list(captures.iterdir()) == []


def test_the_transcript_is_still_printed_when_the_capture_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _ = run_refused(tmp_path, monkeypatch, errno.EROFS)
    out, err = capsys.readouterr()
    assert status == 2
    assert "wget --spider --timeout=1 nginx" in out
    assert "remote file exists" in out
    assert err.startswith("error: ") and "Read-only file system" in err
