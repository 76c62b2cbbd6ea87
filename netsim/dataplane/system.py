"""The Linux side of the dataplane check: capability checks, netns entry, commands.

Everything here touches only network namespaces this process creates: commands
run with ``ip -n NS`` or ``ip netns exec NS``, never in the root namespace's
routing table. Entering a namespace uses ``setns(2)`` on the calling thread
(Python 3.11 has no ``os.setns``, so libc's is called through ctypes).
"""

from __future__ import annotations

import ctypes
import itertools
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from netsim.errors import NetsimError

NETNS_DIR = Path("/run/netns")
CLONE_NEWNET = 0x40000000
UNAVAILABLE_EXIT = 77
"""Exit code for "this machine cannot run the check" (automake's SKIP code)."""


NETNS_PREFIX = "netsim"
_SEQ = itertools.count(1)


def process_start_time(pid: int) -> int | None:
    """The start time (clock ticks since boot) of process ``pid``, or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces; the fields after it are fixed.
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[19])


def new_run_id() -> str:
    """A run id unique on this machine: ``netsim-<pid>-<start ticks>-<seq>``."""
    pid = os.getpid()
    return f"{NETNS_PREFIX}-{pid}-{process_start_time(pid) or 0}-{next(_SEQ)}"


class DataplaneUnavailable(NetsimError):
    """The machine cannot build a real dataplane (not root, no ``ip netns``, no ``nft``)."""

    exit_code = UNAVAILABLE_EXIT


class DataplaneFailure(NetsimError):
    """A command that builds or inspects the dataplane failed (names the command)."""


def missing_capabilities() -> list[str]:
    """Say what this machine lacks for ``netsim dataplane``; empty when it can run.

    Checks: root (CAP_NET_ADMIN in practice), the ``ip`` tool with netns
    support, the ``nft`` tool, and that a namespace can actually be created.
    """
    missing = []
    if os.geteuid() != 0:
        missing.append("root privileges (network namespaces need CAP_NET_ADMIN)")
    if shutil.which("ip") is None:
        missing.append("the 'ip' tool (iproute2)")
    if shutil.which("nft") is None:
        missing.append("the 'nft' tool (apt-get install -y nftables)")
    if not hasattr(os, "setns") and _libc_setns() is None:
        missing.append("setns(2) (neither os.setns nor libc setns)")
    if not missing:
        probe = f"{new_run_id()}-cap"  # a run name, so `clean` finds it if we die here
        add = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
        if add.returncode != 0:
            missing.append(f"network namespaces ('ip netns add' failed: {add.stderr.strip()})")
        else:
            subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return missing


def require_capabilities() -> None:
    """Raise :class:`DataplaneUnavailable` naming everything missing, if anything is."""
    missing = missing_capabilities()
    if missing:
        raise DataplaneUnavailable(
            "this machine cannot build a real dataplane: missing " + "; ".join(missing)
        )


def run(args: Sequence[str], *, stdin: str | None = None, check: bool = True) -> str:
    """Run a command, return its stdout; raise DataplaneFailure naming it on failure."""
    done = subprocess.run(list(args), input=stdin, capture_output=True, text=True)
    if check and done.returncode != 0:
        detail = done.stderr.strip() or done.stdout.strip()
        raise DataplaneFailure(f"command failed ({done.returncode}): {' '.join(args)}: {detail}")
    return done.stdout


def ip_batch(netns: str | None, lines: Sequence[str]) -> None:
    """Run ``ip`` commands (one per line, without the leading ``ip``) in a namespace.

    ``netns`` None runs in the current namespace: only ``netns add``/``del``
    lines belong there.
    """
    if not lines:
        return
    args = ["ip", "-n", netns, "-batch", "-"] if netns else ["ip", "-batch", "-"]
    run(args, stdin="\n".join(lines) + "\n")


def nft(netns: str, args: Sequence[str], stdin: str | None = None) -> str:
    """Run ``nft ARGS`` inside namespace ``netns``; return its stdout."""
    return run(["ip", "netns", "exec", netns, "nft", *args], stdin=stdin)


def list_netns() -> list[str]:
    """Names of the named network namespaces (``ip netns list``), sorted."""
    if not NETNS_DIR.is_dir():
        return []
    return sorted(p.name for p in NETNS_DIR.iterdir())


_LIBC: ctypes.CDLL | None = None


def _libc_setns() -> Any:
    global _LIBC
    if _LIBC is None:
        try:
            _LIBC = ctypes.CDLL(None, use_errno=True)
        except OSError:
            return None
    return getattr(_LIBC, "setns", None)


def setns(fd: int) -> None:
    """Move the calling thread into the network namespace open at ``fd``."""
    if hasattr(os, "setns"):
        os.setns(fd, CLONE_NEWNET)
        return
    func = _libc_setns()
    if func is None:
        raise DataplaneUnavailable("setns(2) is not available")
    if func(fd, CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


@contextmanager
def entered(netns: str) -> Iterator[None]:
    """Run the body with the calling thread inside namespace ``netns``.

    Sockets created inside stay in that namespace after the body returns;
    this is how one process probes from every pod.
    """
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        target = os.open(NETNS_DIR / netns, os.O_RDONLY)
        try:
            setns(target)
        finally:
            os.close(target)
        try:
            yield
        finally:
            setns(home)
    finally:
        os.close(home)


def write_sysctl(netns: str, name: str, value: str) -> None:
    """Set a ``net.*`` sysctl inside ``netns`` (``/proc/sys/net`` follows the thread's netns)."""
    path = Path("/proc/sys") / name.replace(".", "/")
    with entered(netns):
        path.write_text(value)
