"""The host prompt's file commands: ``ls``, ``cat``, ``pwd``, ``echo`` and ``history``.

They read the learner's working folder (the manifests they write and apply) and
print what coreutils print for the common cases. The editor itself is the
terminal's business (:mod:`netsim.shell.terminal`); here is only its name list.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

EDITORS = frozenset({"vi", "vim", "nano", "edit", "emacs"})
"""Commands that open ``$EDITOR`` on a file."""
MAX_CAT_BYTES = 1024 * 1024


def resolve(workdir: Path, name: str) -> Path:
    """``name`` relative to the working folder (absolute paths and ``~`` as given)."""
    path = Path(name).expanduser()
    return path if path.is_absolute() else workdir / path


def ls(workdir: Path, args: list[str]) -> tuple[str, int]:
    """``ls [-a] [PATH...]``: names sorted, folders marked with ``/``, one per line."""
    show_all = any(a in ("-a", "-la", "-al") for a in args)
    targets = [a for a in args if not a.startswith("-")] or ["."]
    out: list[str] = []
    code = 0
    for target in targets:
        path = resolve(workdir, target)
        if path.is_dir():
            names = sorted(
                p.name + ("/" if p.is_dir() else "")
                for p in path.iterdir()
                if show_all or not p.name.startswith(".")
            )
            if len(targets) > 1:
                out.append(f"{target}:")
            out += names
        elif path.exists():
            out.append(target)
        else:
            out.append(f"ls: cannot access '{target}': No such file or directory")
            code = 2
    return "\n".join(out), code


def cat(workdir: Path, args: list[str]) -> tuple[str, int]:
    """``cat FILE...``: the files' text, or coreutils' error for a missing one."""
    if not args:
        return "cat: missing file operand", 1
    out: list[str] = []
    code = 0
    for name in args:
        path = resolve(workdir, name)
        try:
            if path.is_dir():
                out.append(f"cat: {name}: Is a directory")
                code = 1
                continue
            data = path.read_bytes()[:MAX_CAT_BYTES]
        except OSError as exc:
            reason = exc.strerror or "cannot read"
            out.append(f"cat: {name}: {reason}")
            code = 1
            continue
        out.append(data.decode("utf-8", errors="replace").rstrip("\n"))
    return "\n".join(out), code


def pwd(workdir: Path, args: list[str]) -> tuple[str, int]:
    """``pwd``: the working folder."""
    return str(workdir), 0


def echo(workdir: Path, args: list[str]) -> tuple[str, int]:
    """``echo WORDS``: the words."""
    return " ".join(args), 0


def history_text(history: list[str]) -> str:
    """bash's ``history`` listing: right-aligned numbers, two spaces, the line."""
    return "\n".join(f"{i:5d}  {line}" for i, line in enumerate(history, 1))


COMMANDS: dict[str, Callable[[Path, list[str]], tuple[str, int]]] = {
    "ls": ls,
    "cat": cat,
    "pwd": pwd,
    "echo": echo,
}
"""File commands of the host prompt, by name."""
