"""Time ``PolicyEngine(cluster)`` on the 150k-pod shape, with what the cyclic GC did meanwhile.

Usage: ``python benchmarks/compile_timing.py [COMPILES] [TAG]`` (``PYTHONPATH`` picks the
netsim tree, so two trees can be compared in alternating fresh processes). Builds the
150,000-pod / 10,000-policy / 65,000-identity cluster (~6 s), then compiles it COMPILES
times (default 2) like ``netsim.bench.sweep.measure_shape``'s ``make_engine`` (the engine
plus one verdict), printing per compile: wall and CPU seconds, generation-2 and
generation-1 collections, seconds spent in collections, and the 1-minute load average.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from typing import Any

import netsim
from netsim.bench.generate import ClusterShape, generate, sample_flows
from netsim.policy.engine import PolicyEngine

stats: dict[Any, float] = {}


def on_gc(phase: str, info: dict[str, int]) -> None:
    """gc.callbacks hook: count collections per generation and their time."""
    if phase == "start":
        stats["t"] = time.perf_counter()
    else:
        generation = info["generation"]
        stats[generation] = stats.get(generation, 0) + 1
        stats["s"] = stats.get("s", 0.0) + time.perf_counter() - stats["t"]


def main() -> None:
    """Build the cluster once, then time the compiles."""
    compiles = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    tag = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.dirname(netsim.__file__))
    synthetic = generate(ClusterShape(150_000, 10_000, identities=65_000))
    probe = sample_flows(synthetic, 1, seed=99)[0]
    for _ in range(compiles):
        stats.clear()
        gc.callbacks.append(on_gc)
        wall, cpu = time.perf_counter(), time.process_time()
        engine = PolicyEngine(synthetic.cluster)
        engine.allowed(probe.src_ip, probe.dst_ip, probe.protocol, probe.dst_port)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        gc.callbacks.remove(on_gc)
        engine.close()
        del engine
        gc.collect()
        print(
            f"{tag}: wall {wall:.2f} cpu {cpu:.2f} gen2 {stats.get(2, 0):.0f} "
            f"gen1 {stats.get(1, 0):.0f} gc {stats.get('s', 0.0):.2f}s "
            f"load {os.getloadavg()[0]:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
