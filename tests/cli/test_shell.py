"""``netsim shell`` as a user meets it with a pipe: prompts echoed, files written, exit codes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from shell.helpers import WALKTHROUGH

POLICIES = Path(__file__).resolve().parents[2] / "scenarios" / "policies"
SCENARIOS = POLICIES.parent


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copy(POLICIES / "08-walkthrough-default-deny.yaml", tmp_path / "default-deny.yaml")
    shutil.copy(POLICIES / "09-access-nginx.yaml", tmp_path / "nginx-policy.yaml")
    (tmp_path / "walk.txt").write_text(WALKTHROUGH, encoding="utf-8")
    return tmp_path


def netsim(
    args: list[str], cwd: Path, stdin: str = "", hash_seed: str = "0"
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "NETSIM_HISTORY_DIR": str(cwd / "h")}
    return subprocess.run(
        [sys.executable, "-m", "netsim", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_piped_walkthrough_echoes_prompts(workdir: Path) -> None:
    done = netsim(["shell"], workdir, WALKTHROUGH)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("controlplane $ kubectl run nginx --image=nginx --replicas=2\n")
    assert "/ # wget --spider --timeout=1 nginx\nConnecting to nginx (10.100.0.16:80)\n" in out
    blocks = out.split("/ # wget --spider --timeout=1 nginx\n")[1:]
    assert [b.splitlines()[1] for b in blocks] == [
        "remote file exists",  # no policy
        "wget: download timed out",  # default-deny
        "wget: download timed out",  # access-nginx, client without access=true
        "remote file exists",  # access=true
    ]
    assert "controlplane $ kubectl create -f default-deny.yaml\n" in out
    assert done.stderr == ""


def test_record_export_and_determinism(workdir: Path) -> None:
    first = netsim(["shell", "--record", "a.txt", "--export", "a.yaml"], workdir, WALKTHROUGH)
    second = netsim(["shell", "--record", "b.txt"], workdir, WALKTHROUGH, hash_seed="123")
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout
    assert (workdir / "a.txt").read_bytes() == (workdir / "b.txt").read_bytes()
    assert (workdir / "a.txt").read_text() == first.stdout
    replay = netsim(["run", "a.yaml"], workdir)
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert "expectations hold" in replay.stdout
    reseeded = netsim(["shell", "--seed", "7"], workdir, WALKTHROUGH)
    assert reseeded.stdout != first.stdout  # pod-name suffixes follow the seed


def test_dash_c_and_exit_code_of_last_line(workdir: Path) -> None:
    done = netsim(["shell", "-c", "kubectl get ns", "-c", "kubectl get pods nosuch"], workdir)
    assert done.returncode == 1
    assert "controlplane $ kubectl get ns\nNAME" in done.stdout
    assert 'pods "nosuch" not found' in done.stdout


def test_cluster_and_scenario_start_points(workdir: Path) -> None:
    examples = SCENARIOS.parent / "examples" / "test-network-policy.yaml"
    done = netsim(["shell", "--cluster", str(examples), "-c", "kubectl get netpol"], workdir)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "test-network-policy" in done.stdout
    scenario = SCENARIOS / "default-deny-ingress.yaml"
    done = netsim(["shell", "--scenario", str(scenario), "-c", "kubectl get netpol"], workdir)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "default-deny" in done.stdout


def test_bad_start_points_exit_2_without_traceback(workdir: Path) -> None:
    for args in (
        ["shell", "--cluster", "nope.yaml"],
        ["shell", "--scenario", "nope.yaml"],
        ["shell", "--seed", "x"],
        ["shell", "--profile", "weave"],
    ):
        done = netsim(args, workdir, "kubectl get ns\n")
        assert done.returncode == 2, args
        assert "Traceback" not in done.stderr
        assert done.stderr.strip(), args
