"""Timing and memory primitives for the benchmarks, and the machine description.

Benchmarks are the one place netsim reads a clock: ``time.perf_counter`` for
durations, never the date. Throughputs come from adaptive loops with a time
budget, so a slow baseline costs no more than its budget.
"""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
FlowTuple = tuple[str, str, str, int]
Verdict = Callable[[str, str, str, int], object]


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """Call ``fn`` once; return its result and the elapsed seconds."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def traced_peak(fn: Callable[[], T]) -> tuple[T, float, float]:
    """Call ``fn`` under tracemalloc; return (result, peak MiB, retained MiB).

    Counts Python and numpy allocations made during the call (not memory that
    existed before it). tracemalloc slows allocation, so time separately.
    """
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    result = fn()
    current, peak = tracemalloc.get_traced_memory()
    if not was_tracing:
        tracemalloc.stop()
    mib = 1024.0 * 1024.0
    return result, (peak - before) / mib, (current - before) / mib


def max_rss_mib() -> float:
    """The process's peak resident set size so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def rate(call: Verdict, flows: Sequence[FlowTuple], budget: float, *, repeat: bool) -> float:
    """Calls per second of ``call`` over ``flows`` within about ``budget`` seconds.

    Chunks double from one flow, so a call that takes a second is made about
    once. With ``repeat`` False each flow is used at most once (a cache in the
    callee never sees the same question twice); with ``repeat`` True the flows
    cycle until the budget is spent.
    """
    if not flows:
        raise ValueError("no flows to measure")
    done = 0
    position = 0
    chunk = 1
    start = time.perf_counter()
    elapsed = 0.0
    while elapsed < budget:
        if position >= len(flows):
            if not repeat:
                break
            position = 0
        part = flows[position : position + chunk]
        for src, dst, protocol, port in part:
            call(src, dst, protocol, port)
        done += len(part)
        position += len(part)
        chunk = min(chunk * 2, 1 << 14)
        elapsed = time.perf_counter() - start
    return done / elapsed if elapsed > 0 else float("inf")


def best_time(fn: Callable[[], object], budget: float, *, at_most: int = 5) -> float:
    """The fastest of up to ``at_most`` runs of ``fn`` (at least one) within ``budget`` seconds."""
    best = float("inf")
    spent = 0.0
    for _ in range(at_most):
        _, elapsed = timed(fn)
        best = min(best, elapsed)
        spent += elapsed
        if spent >= budget:
            break
    return best


@dataclass(frozen=True, slots=True)
class Machine:
    """What the numbers were measured on (results are only comparable on one machine)."""

    cpus: int
    cpu_model: str
    python: str
    platform: str
    numpy: str

    @classmethod
    def current(cls) -> Machine:
        """Describe the machine this process runs on."""
        import numpy

        model = platform.processor() or "unknown"
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
                for line in cpuinfo:
                    if line.startswith("model name"):
                        model = line.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        return cls(
            cpus=os.cpu_count() or 1,
            cpu_model=model,
            python=sys.version.split()[0],
            platform=platform.platform(),
            numpy=numpy.__version__,
        )
