"""The namespace harness: connectivity, isolation from the root namespace, cleanup."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from netsim.dataplane.harness import (
    Harness,
    clean_dead_runs,
    run_is_alive,
    run_namespaces,
)
from netsim.dataplane.system import list_netns, run

from .clusters import two_node_cluster

pytestmark = pytest.mark.dataplane
REPO = Path(__file__).resolve().parents[2]


def root_state() -> tuple[str, str, str]:
    """The root namespace's links, addresses and routes (must never change)."""
    return (
        run(["ip", "-o", "link", "show"]),
        run(["ip", "-o", "addr", "show"]),
        run(["ip", "route", "show", "table", "all"]),
    )


def ours(harness: Harness) -> list[str]:
    return [n for n in list_netns() if n.startswith(harness.run_id + "-")]


def test_builds_pods_and_nodes_and_leaves_root_namespace_alone() -> None:
    cluster = two_node_cluster()
    before = root_state()
    with Harness(cluster, externals=["192.0.2.7"]) as harness:
        assert sorted(ours(harness)) == sorted(harness.namespaces)
        assert len(harness.namespaces) == 3 + 1 + 2 + 1  # pods, external, nodes, underlay
        # The external host's address, too, lives only inside the run's namespaces.
        assert "192.0.2.7" not in "".join(root_state())
        pod = harness.pods["x/a"]
        assert pod.netns.startswith(harness.run_id)
        routes = run(["ip", "-n", pod.netns, "route", "show"])
        assert "default via 169.254.1.1 dev eth0" in routes
        addrs = run(["ip", "-n", pod.netns, "-o", "addr", "show", "dev", "eth0"])
        assert f"{pod.ip}/32" in addrs
        # Pod addresses exist only inside the namespaces.
        assert pod.ip not in "".join(root_state())
        assert root_state() == before
    assert ours(harness) == []
    assert root_state() == before


def test_parallel_runs_get_distinct_names() -> None:
    cluster = two_node_cluster()
    with Harness(cluster) as first, Harness(cluster) as second:
        assert first.run_id != second.run_id
        assert not set(first.namespaces) & set(second.namespaces)
        assert run_is_alive(first.run_id)
    assert ours(first) == [] and ours(second) == []


def test_nothing_left_after_a_failed_run() -> None:
    harness = Harness(two_node_cluster())
    with pytest.raises(RuntimeError), harness:
        assert ours(harness)
        raise RuntimeError("probe phase blew up")
    assert ours(harness) == []


def test_nothing_left_when_the_build_itself_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    harness = Harness(two_node_cluster())

    def broken() -> None:
        raise RuntimeError("underlay failed")

    monkeypatch.setattr(harness, "_build_underlay", broken)
    with pytest.raises(RuntimeError), harness:
        pass
    assert ours(harness) == []


CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {tests!r})
    from dataplane.clusters import two_node_cluster
    from netsim.dataplane.harness import Harness
    harness = Harness(two_node_cluster())
    with harness:
        print(harness.run_id, flush=True)
        time.sleep(60)
    """
)


def start_child() -> tuple[subprocess.Popen[str], str]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(tests=str(REPO / "tests"))],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    run_id = child.stdout.readline().strip()
    assert run_id.startswith("netsim-"), run_id
    assert run_id in run_namespaces()
    return child, run_id


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT])
def test_nothing_left_after_an_interrupted_run(sig: signal.Signals) -> None:
    child, run_id = start_child()
    child.send_signal(sig)
    child.wait(timeout=30)
    assert run_id not in run_namespaces()


def test_clean_removes_a_killed_run_but_not_a_live_one() -> None:
    child, dead_id = start_child()
    child.kill()  # SIGKILL: no handler runs, the namespaces stay behind
    child.wait(timeout=30)
    assert dead_id in run_namespaces()
    with Harness(two_node_cluster()) as live:
        removed = clean_dead_runs()
        assert any(name.startswith(dead_id + "-") for name in removed)
        assert not any(name.startswith(live.run_id + "-") for name in removed)
        assert dead_id not in run_namespaces()
        assert live.run_id in run_namespaces()
        assert not run_is_alive(dead_id)


def test_teardown_is_idempotent() -> None:
    harness = Harness(two_node_cluster())
    harness.build()
    harness.teardown()
    harness.teardown()
    assert ours(harness) == []


def test_signal_handlers_are_restored_after_the_last_run() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with Harness(two_node_cluster()):
        during = signal.getsignal(signal.SIGTERM)
    assert signal.getsignal(signal.SIGTERM) == before
    if before == signal.SIG_DFL:
        assert during != signal.SIG_DFL  # a SIGTERM mid-run unwinds through teardown
