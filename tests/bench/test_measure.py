"""Timing and memory primitives."""

from __future__ import annotations

from netsim.bench.measure import Machine, best_time, rate, traced_peak


def test_rate_without_repeat_asks_each_flow_at_most_once() -> None:
    flows = [("a", str(i), "TCP", i) for i in range(100)]
    seen: list[str] = []
    per_second = rate(lambda s, d, p, port: seen.append(d), flows, budget=10.0, repeat=False)
    assert sorted(seen, key=int) == [str(i) for i in range(100)]
    assert per_second > 0


def test_rate_with_repeat_cycles_until_the_budget() -> None:
    flows = [("a", "b", "TCP", 1), ("a", "c", "TCP", 2)]
    calls: list[int] = []
    rate(lambda s, d, p, port: calls.append(port), flows, budget=0.01, repeat=True)
    assert len(calls) > 2
    assert calls[:4] == [1, 2, 1, 2]


def test_traced_peak_sees_a_transient_allocation() -> None:
    def churn() -> int:
        block = bytearray(8 * 1024 * 1024)
        return len(block)

    result, peak, retained = traced_peak(churn)
    assert result == 8 * 1024 * 1024
    assert 7.9 <= peak <= 9.0
    assert retained < 1.0


def test_best_time_runs_at_least_once_and_at_most_the_limit() -> None:
    calls: list[int] = []
    seconds = best_time(lambda: calls.append(1), budget=10.0, at_most=3)
    assert len(calls) == 3 and seconds >= 0
    calls.clear()
    best_time(lambda: calls.append(1), budget=0.0, at_most=3)
    assert len(calls) == 1


def test_machine_is_described() -> None:
    machine = Machine.current()
    assert machine.cpus >= 1
    assert machine.python.count(".") == 2
    assert machine.cpu_model
