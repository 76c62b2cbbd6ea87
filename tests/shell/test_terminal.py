"""``netsim shell`` in a real terminal: tmux types the walkthrough and reads the screen back.

CI installs tmux (.ci/run); elsewhere the tests skip when it is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

SCENARIO_POLICIES = Path(__file__).resolve().parents[2] / "scenarios" / "policies"

if shutil.which("tmux") is None:
    if os.environ.get("CI"):
        raise RuntimeError("tmux is missing on CI: .ci/run must install it")
    pytest.skip("tmux is not installed", allow_module_level=True)


class Tmux:
    """One detached tmux session (on a server of its own) running ``netsim shell``."""

    def __init__(self, workdir: Path, history: Path, args: str = "shell --seed 1") -> None:
        self.name = f"netsim-test-{uuid.uuid4().hex[:8]}"
        env = {
            **os.environ,
            "NETSIM_HISTORY_DIR": str(history),
            "TERM": "xterm-256color",
            "PYTHONUNBUFFERED": "1",
            # an "editor" that appends a line, so the test sees the file change
            "EDITOR": "sh -c 'echo edited-in-the-editor >> \"$1\"' editor",
        }
        command = f"cd {workdir} && {sys.executable} -m netsim {args}"
        subprocess.run(
            [
                "tmux",
                "-L",
                self.name,
                "new-session",
                "-d",
                "-s",
                self.name,
                "-x",
                "160",
                "-y",
                "60",
                command,
            ],
            check=True,
            env=env,
        )

    def send(self, *keys: str) -> None:
        """Type keys (tmux key names such as Enter, Tab, Up are keys, the rest literal)."""
        subprocess.run(["tmux", "-L", self.name, "send-keys", "-t", self.name, *keys], check=True)

    def type_line(self, text: str) -> None:
        """Type a line literally and press Enter."""
        subprocess.run(
            ["tmux", "-L", self.name, "send-keys", "-t", self.name, "-l", text], check=True
        )
        self.send("Enter")

    def screen(self) -> str:
        """The pane's text, history included."""
        done = subprocess.run(
            ["tmux", "-L", self.name, "capture-pane", "-p", "-J", "-S", "-1000", "-t", self.name],
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout

    def wait_for(self, text: str, count: int = 1, timeout: float = 30.0) -> str:
        """Wait until ``text`` shows ``count`` times; return the screen."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if screen.count(text) >= count:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} x{count} did not appear; screen:\n{screen}")

    def close(self) -> None:
        """Kill the tmux session."""
        subprocess.run(["tmux", "-L", self.name, "kill-server", "-t", self.name], check=False)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    shutil.copy(
        SCENARIO_POLICIES / "08-walkthrough-default-deny.yaml", folder / "default-deny.yaml"
    )
    shutil.copy(SCENARIO_POLICIES / "09-access-nginx.yaml", folder / "nginx-policy.yaml")
    return folder


@pytest.fixture
def term(workdir: Path, tmp_path: Path) -> Iterator[Tmux]:
    tmux = Tmux(workdir, tmp_path / "history")
    try:
        tmux.wait_for("controlplane $")
        yield tmux
    finally:
        tmux.close()


def test_walkthrough_typed_in_a_terminal(term: Tmux) -> None:
    term.type_line("kubectl run nginx --image=nginx --replicas=2")
    term.wait_for('deployment "nginx" created')
    term.type_line("kubectl expose deployment nginx --port=80")
    term.wait_for('service "nginx" exposed')
    term.type_line("kubectl run busybox --rm -ti --image=busybox -- /bin/sh")
    term.wait_for("Hit enter for command prompt")
    term.type_line("wget --spider --timeout=1 nginx")
    term.wait_for("remote file exists")
    term.type_line("exit")
    term.wait_for('deployment "busybox" deleted')
    term.type_line("kubectl create -f default-deny.yaml")
    term.wait_for('networkpolicy "default-deny" created')
    term.type_line("kubectl run busybox --rm -ti --image=busybox -- /bin/sh")
    term.wait_for("Hit enter for command prompt", 2)
    started = time.monotonic()
    term.type_line("wget --spider --timeout=1 nginx")
    screen = term.wait_for("wget: download timed out")
    assert "Connecting to nginx (10.100.0.16:80)\nwget: download timed out" in screen
    term.type_line("exit")
    term.wait_for('deployment "busybox" deleted', 2)
    term.type_line("kubectl create -f nginx-policy.yaml")
    term.wait_for('networkpolicy "access-nginx" created')
    term.type_line('kubectl run busybox --rm -ti --labels="access=true" --image=busybox -- /bin/sh')
    term.wait_for("Hit enter for command prompt", 3)
    term.type_line("wget --spider --timeout=1 nginx")
    screen = term.wait_for("remote file exists", 2)
    tail = screen.rsplit("/ # wget --spider --timeout=1 nginx", 1)[1]
    assert "Connecting to nginx (10.100.0.16:80)\nremote file exists" in tail
    term.type_line("exit")
    term.wait_for('deployment "busybox" deleted', 3)
    assert time.monotonic() - started < 20, "simulated timeouts must not wait in wall time"


def test_tab_completes_from_live_state(term: Tmux) -> None:
    term.send("-l", "kubectl ge")
    term.send("Tab")
    term.wait_for("controlplane $ kubectl get")
    term.send("-l", " po")
    term.send("Tab")
    term.send("C-u")
    term.type_line("kubectl run nginx --image=nginx --replicas=2")
    term.wait_for('deployment "nginx" created')
    term.type_line("kubectl expose deployment nginx --port=80")
    term.wait_for('service "nginx" exposed')
    # a Service name at the pod prompt comes from the cluster as it is now
    term.type_line("kubectl run busybox --rm -ti --image=busybox -- /bin/sh")
    term.wait_for("Hit enter for command prompt")
    term.send("-l", "wget --spider --timeout=1 ngi")
    term.send("Tab")
    term.wait_for("/ # wget --spider --timeout=1 nginx")
    term.send("Enter")
    term.wait_for("remote file exists")


def test_history_recalls_the_last_line(term: Tmux) -> None:
    term.type_line("kubectl get ns")
    term.wait_for("kube-system")
    term.send("Up")
    term.wait_for("controlplane $ kubectl get ns", 2)
    term.send("Enter")
    term.wait_for("kube-system", 2)
    term.type_line("history")
    screen = term.wait_for("3  history")
    assert "1  kubectl get ns" in screen
    assert "2  kubectl get ns" in screen


def test_editor_opens_on_a_file(term: Tmux) -> None:
    term.type_line("vi notes.txt")
    term.type_line("cat notes.txt")
    term.wait_for("edited-in-the-editor")


def test_lab_start_opens_the_shell_on_the_lab(workdir: Path, tmp_path: Path) -> None:
    tmux = Tmux(workdir, tmp_path / "history", "lab start label-the-client --dir mine")
    try:
        tmux.wait_for("controlplane $")
        tmux.type_line("netsim check")
        screen = tmux.wait_for("score ")
        assert "FAIL" in screen
        tmux.type_line("kubectl label pod client access=true")
        tmux.wait_for('pod "client" labeled')
        tmux.type_line("netsim check")
        screen = tmux.wait_for("score ", 2)
        last = screen.rsplit("controlplane $ netsim check", 1)[1]
        assert "FAIL" not in last
        assert (workdir / "mine").is_dir()
    finally:
        tmux.close()
