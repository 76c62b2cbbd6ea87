"""The simulator end to end, and `netsim demo`.

``e2e``: the simulator's UDP echo flood (``netsim.sim.bench``) against bare
simpy events (one timeout and callback per packet: the floor any simpy
simulator pays). ``demo``: ``netsim demo`` in a fresh interpreter against a
bare interpreter start.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from typing import Any

from netsim_bench_support import Ratios, mean_seconds

from netsim.bench.sweep import Recorder, simpy_floor

PACKETS = 20_000
RECORDER = Recorder()


def test_simpy_floor(benchmark: Any, ratios: Ratios) -> None:
    """Baseline: PACKETS bare simpy timeouts with a callback each."""
    benchmark.group = f"end to end, {PACKETS} packets"
    benchmark.pedantic(simpy_floor, (PACKETS,), rounds=3, iterations=1)
    seconds = mean_seconds(benchmark)
    if seconds is not None:
        ratios.add(RECORDER, "e2e", "simpy-floor", PACKETS / seconds)


def test_flood(benchmark: Any, ratios: Ratios) -> None:
    """The simulator's UDP echo flood: veth -> bridge -> conntrack/policy -> veth, and back."""
    from netsim.sim.bench import bench_packets

    benchmark.group = f"end to end, {PACKETS} packets"
    results = []

    def run() -> None:
        results.append(bench_packets(PACKETS))

    benchmark.pedantic(run, rounds=3, iterations=1)
    rate = statistics.median(r.packets_per_second for r in results)
    benchmark.extra_info.update(packets_per_second=round(rate))
    if mean_seconds(benchmark) is not None:
        ratios.add(RECORDER, "e2e", "sim", rate, ("e2e", "simpy-floor"))


def test_python_startup(benchmark: Any, ratios: Ratios) -> None:
    """Baseline: starting an interpreter that does nothing."""
    benchmark.group = "netsim demo"
    benchmark.pedantic(
        subprocess.run, ([sys.executable, "-c", "pass"],), {"check": True}, rounds=3, iterations=1
    )
    seconds = mean_seconds(benchmark)
    if seconds is not None:
        ratios.add(RECORDER, "demo", "python-startup", seconds)


def test_demo(benchmark: Any, ratios: Ratios) -> None:
    """`netsim demo` (the nginx walkthrough) in a fresh interpreter (target: <= 2 s)."""
    benchmark.group = "netsim demo"
    command = [sys.executable, "-m", "netsim", "demo"]
    benchmark.pedantic(
        subprocess.run, (command,), {"check": True, "capture_output": True}, rounds=3, iterations=1
    )
    seconds = mean_seconds(benchmark)
    if seconds is not None:
        ratios.add(RECORDER, "demo", "netsim", seconds, ("demo", "python-startup"))
