"""The scaling sweep behind ``netsim bench``: every figure with a same-run baseline.

For each cluster shape the sweep builds the synthetic cluster, compiles the
policy engine, and measures single verdicts, the full matrix and incremental
updates; then it measures longest-prefix lookup against pytricia, and the
simulator end to end when it is there. Each engine figure is stored next to a
baseline measured in the same process minutes apart (the naive loop, the
reference evaluator, pytricia, a full recompile, building the model), and the
ratio says how many times better the engine is: higher is better throughout.
"""

from __future__ import annotations

import gc
import importlib.util
import statistics
import subprocess
import sys
from collections.abc import Callable, Generator, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal, Protocol

from netsim.bench.generate import (
    ClusterShape,
    Flow,
    Synthetic,
    extra_policy,
    generate,
    prefix_workload,
    relabelled_pod,
    sample_external_flows,
    sample_flows,
    warm_flows,
)
from netsim.bench.measure import (
    FlowTuple,
    Machine,
    best_time,
    max_rss_mib,
    rate,
    timed,
    traced_peak,
)
from netsim.bench.naive import NaiveEvaluator
from netsim.policy.reference import ReferenceEvaluator

Progress = Callable[[str], None]
"""Called with a short label before each step of the sweep."""


class Verdicts(Protocol):
    """What the sweep needs of an evaluator: the fast-path verdict."""

    def allowed(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> bool:
        """True when the connection passes both enforcement points."""
        ...


@dataclass(frozen=True, slots=True)
class MetricInfo:
    """How to read one metric: its unit, whether higher values are better, what it means."""

    unit: str
    higher_is_better: bool
    meaning: str


METRICS: dict[str, MetricInfo] = {
    "model_build": MetricInfo("s", False, "generate the synthetic Cluster (model objects)"),
    "model_memory": MetricInfo("MiB", False, "peak allocations while building the Cluster"),
    "compile": MetricInfo("s", False, "PolicyEngine(cluster) plus its first verdict"),
    "compile_memory": MetricInfo("MiB", False, "peak allocations while compiling"),
    "add_policy": MetricInfo("ms", False, "cluster.add(one policy) plus the next verdict"),
    "relabel_pod": MetricInfo(
        "ms", False, "cluster.apply(one relabelled pod) plus the next verdict"
    ),
    "add_ipblock_policy": MetricInfo(
        "ms", False, "cluster.add(one policy with an ipBlock) plus the next verdict"
    ),
    "matrix_cli": MetricInfo(
        "s",
        False,
        "`netsim matrix FILE --port ...` (30 ports), a fresh process, output to /dev/null",
    ),
    "matrix_cli_rss": MetricInfo("MiB", False, "peak RSS of that `netsim matrix` process"),
    "add_policy_refill": MetricInfo(
        "ms", False, "re-asking up to 10k decided flows after adding one selector-only policy"
    ),
    "add_ipblock_refill": MetricInfo(
        "ms", False, "re-asking up to 10k decided flows after adding one policy with an ipBlock"
    ),
    "relabel_pod_refill": MetricInfo(
        "ms", False, "re-asking up to 10k already decided flows after relabelling one pod"
    ),
    "first_contact": MetricInfo(
        "s", False, "one verdict per pod and external IP (port 1): work deferred to first sight"
    ),
    "verdict_pod": MetricInfo(
        "verdicts/s", True, "allowed(pod IP, pod IP, proto, port), flows never asked before"
    ),
    "verdict_pod_repeat": MetricInfo(
        "verdicts/s", True, "allowed(pod, pod) over flows already asked (caches hit)"
    ),
    "verdict_external": MetricInfo(
        "verdicts/s", True, "allowed(external IP, pod IP, proto, port), new flows"
    ),
    "matrix": MetricInfo(
        "pairs/s", True, "first matrix([(TCP, 8080)]) after compile: pod pairs per second"
    ),
    "matrix_repeat": MetricInfo(
        "pairs/s", True, "matrix([(TCP, 8080)]) again (class-level tables cached)"
    ),
    "lpm": MetricInfo("lookups/s", True, "longest-prefix lookups of int IPv4 addresses"),
    "e2e": MetricInfo(
        "packets/s", True, "simulated packets per wall second, UDP echo flood (netsim.sim.bench)"
    ),
    "e2e_connect": MetricInfo(
        "packets/s", True, "simulated packets per wall second, `nc -z` pod->pod over Network.exec"
    ),
    "demo": MetricInfo("s", False, "`netsim demo` wall time, a fresh process"),
}


@dataclass(frozen=True, slots=True)
class Result:
    """One measured figure, with its baseline and target when it has them.

    ``ratio`` is how many times better ``value`` is than ``baseline_value``
    (throughput / baseline throughput, or baseline time / time), so > 1 means
    the measured implementation beats the baseline. ``prefixes`` is set for
    LPM figures, the cluster sizes for the others.
    """

    metric: str
    impl: str
    value: float
    unit: str
    pods: int = 0
    policies: int = 0
    identities: int = 0
    prefixes: int = 0
    baseline: str = ""
    baseline_value: float | None = None
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def size(self) -> str:
        """The size this figure was taken at, for tables (``10000p/1000np/3333id``)."""
        if self.prefixes:
            return f"{self.prefixes} prefixes"
        if not self.pods:
            return ""
        return f"{self.pods}p/{self.policies}np/{self.identities}id"


@dataclass(frozen=True, slots=True)
class Target:
    """A goal from the issue: a bound on a value and/or a ratio, at one size."""

    metric: str
    impl: str
    pods: int = 0
    prefixes: int = 0
    baseline: str = ""
    at_least: float | None = None
    at_most: float | None = None
    ratio_at_least: float | None = None

    def applies(self, r: Result) -> bool:
        """Tell whether this target judges result ``r``."""
        return (
            r.metric == self.metric
            and r.impl == self.impl
            and (not self.pods or r.pods == self.pods)
            and (not self.prefixes or r.prefixes == self.prefixes)
            and (not self.baseline or r.baseline == self.baseline)
        )

    def judge(self, r: Result) -> Result:
        """Return ``r`` with ``target`` text and ``met`` filled in."""
        parts: list[str] = []
        met = True
        if self.at_least is not None:
            parts.append(f">= {_fmt(self.at_least)}")
            met = met and r.value >= self.at_least
        if self.at_most is not None:
            parts.append(f"<= {_fmt(self.at_most)}")
            met = met and r.value <= self.at_most
        if self.ratio_at_least is not None:
            parts.append(f">= {_fmt(self.ratio_at_least)}x")
            met = met and r.ratio is not None and r.ratio >= self.ratio_at_least
        return replace(r, target=", ".join(parts), met=met)


TARGETS: tuple[Target, ...] = (
    Target("verdict_pod", "engine", baseline="naive", at_least=3e6, ratio_at_least=1000),
    Target(
        "verdict_pod_repeat",
        "engine",
        pods=10_000,
        baseline="naive",
        at_least=3e6,
        ratio_at_least=100,
    ),
    Target("matrix", "engine", pods=10_000, at_least=5e7),
    Target("lpm", "trie", baseline="pytricia", ratio_at_least=1.5),
    Target("compile", "engine", pods=150_000, at_most=2.5),
    Target("compile_memory", "engine", pods=150_000, at_most=2048.0),
    Target("add_policy", "engine", pods=10_000, at_most=10.0),
    Target("add_ipblock_policy", "engine", pods=10_000, at_most=0.5),
    Target("relabel_pod", "engine", pods=10_000, at_most=10.0),
    Target("matrix_cli", "netsim", pods=5_000, baseline="nca", ratio_at_least=1 / 0.3),
    Target("matrix_cli", "netsim", pods=1_000, baseline="nca", ratio_at_least=1 / 0.2),
    Target("matrix_cli_rss", "netsim", pods=5_000, at_most=1024.0),
    Target("e2e", "sim", at_least=5e4),
    Target("demo", "netsim", at_most=2.0),
)
"""The targets of issues 6 and 14; every other figure is reported without one.

Issue 14's: new-flow verdicts >= 3 M/s and >= 1,000x the naive loop at every
size; LPM >= 1.5x pytricia at every prefix count; one ipBlock policy added plus
the next verdict <= 0.5 ms at 10k pods; compile <= 2.5 s at 150k pods;
``netsim matrix`` (30 ports) <= 0.3x network-config-analyzer's time at 5,000
pods and <= 0.2x at 1,000 (ratio = NCA time / ours, so >= 3.3x and >= 5x), peak
RSS <= 1 GiB. The NCA baseline is measured only when ``NETSIM_NCA`` names its
``nca`` executable (see ``benchmarks/nca/compare.sh``).
"""


def _fmt(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:g}M"
    if x >= 1e4:
        return f"{x / 1e3:g}k"
    return f"{x:g}"


@dataclass(frozen=True, slots=True)
class SweepConfig:
    """What a sweep measures and how long it may spend on each figure."""

    name: str
    shapes: tuple[ClusterShape, ...]
    prefix_counts: tuple[int, ...]
    budget: float
    """Seconds per engine throughput figure."""
    baseline_budget: float
    """Seconds per naive or reference throughput figure."""
    flows: int
    """Flows sampled per shape; the engine decides all of them (distinct ones) once."""
    memory: bool = True
    matrix_max_pods: int = 12_000
    """Above this the bool matrix itself (pods² bytes) would not fit comfortably."""
    matrix_max_seconds: float = 30.0
    incremental_reps: int = 5
    refill_flows: int = 10_000
    """Known flows re-asked after one change (the cost of refilling dropped caches)."""
    matrix_cli_shapes: tuple[ClusterShape, ...] = ()
    """Clusters ``netsim matrix`` runs on as a fresh process (``matrix_cli_ports`` ports)."""
    matrix_cli_ports: int = 30
    e2e_shape: ClusterShape | None = ClusterShape(1_000, 100)
    """The cluster the end-to-end simulation runs on (None: skip)."""
    e2e_flows: int = 200
    e2e_packets: int = 100_000
    demo: bool = True


QUICK = SweepConfig(
    name="quick",
    shapes=(
        ClusterShape(100, 10),
        ClusterShape(1_000, 100),
        ClusterShape(10_000, 1_000),
    ),
    prefix_counts=(1_000, 10_000, 100_000),
    matrix_cli_shapes=(ClusterShape(1_000, 100),),
    budget=0.2,
    baseline_budget=0.2,
    flows=10_000,
    matrix_max_seconds=5.0,
    incremental_reps=3,
    e2e_packets=20_000,
    e2e_flows=100,
)
FULL = SweepConfig(
    name="full",
    shapes=(
        ClusterShape(100, 10),
        ClusterShape(1_000, 100),
        ClusterShape(10_000, 1_000),
        ClusterShape(50_000, 5_000),
        ClusterShape(150_000, 10_000, identities=65_000),
    ),
    prefix_counts=(1_000, 10_000, 100_000),
    matrix_cli_shapes=(ClusterShape(1_000, 100), ClusterShape(5_000, 500)),
    budget=1.0,
    baseline_budget=1.0,
    flows=50_000,
)


@dataclass(frozen=True, slots=True)
class Sweep:
    """The outcome of a sweep: the machine, the configuration's name, every result."""

    machine: Machine
    config: str
    results: tuple[Result, ...]
    max_rss_mib: float
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (results in measurement order)."""
        return {
            "config": self.config,
            "machine": asdict(self.machine),
            "max_rss_mib": round(self.max_rss_mib, 1),
            "notes": list(self.notes),
            "metrics": {k: asdict(v) for k, v in sorted(METRICS.items())},
            "results": [asdict(r) for r in self.results],
        }


def engine_available() -> bool:
    """Tell whether the compiled policy engine module is importable."""
    return importlib.util.find_spec("netsim.policy.engine") is not None


def _flow_tuples(flows: Sequence[Flow]) -> list[FlowTuple]:
    """Distinct (src, dst, protocol, port) tuples, first occurrence order."""
    return list(dict.fromkeys((f.src_ip, f.dst_ip, f.protocol, f.dst_port) for f in flows))


def _ratio(value: float, baseline: float, higher_is_better: bool) -> float | None:
    if value <= 0 or baseline <= 0:
        return None
    return value / baseline if higher_is_better else baseline / value


class Recorder:
    """Collects results at one size, attaching baselines, ratios and the issue's targets."""

    def __init__(
        self, pods: int = 0, policies: int = 0, identities: int = 0, prefixes: int = 0
    ) -> None:
        self.pods, self.policies, self.identities = pods, policies, identities
        self.prefixes = prefixes
        self.results: list[Result] = []

    def add(
        self,
        metric: str,
        impl: str,
        value: float,
        baseline: tuple[str, float] | None = None,
        note: str = "",
    ) -> Result:
        """Record ``value`` of ``metric`` for ``impl``, with an optional (name, value) baseline."""
        info = METRICS[metric]
        result = Result(
            metric,
            impl,
            value,
            info.unit,
            pods=self.pods,
            policies=self.policies,
            identities=self.identities,
            prefixes=self.prefixes,
            note=note,
        )
        if baseline is not None:
            name, base = baseline
            result = replace(
                result,
                baseline=name,
                baseline_value=base,
                ratio=_ratio(value, base, info.higher_is_better),
            )
        for target in TARGETS:
            if target.applies(result):
                result = target.judge(result)
        self.results.append(result)
        return result


def measure_shape(
    synthetic: Synthetic,
    config: SweepConfig,
    build_seconds: float,
    progress: Progress,
    matrix_rate: float = 0.0,
) -> list[Result]:
    """Measure compile, incremental updates, verdicts and matrix on one synthetic cluster.

    ``matrix_rate`` (pairs/s at the previous, smaller size) predicts the matrix
    time; a matrix predicted to take over ``config.matrix_max_seconds`` is skipped.
    """
    from netsim.policy.engine import PolicyEngine

    cluster = synthetic.cluster
    shape = synthetic.shape
    rec = Recorder(shape.pods, shape.policies, synthetic.identities)
    label = f"{shape.pods} pods/{shape.policies} policies"
    rec.add("model_build", "model", build_seconds)
    model_mib = 0.0
    if config.memory:
        progress(f"model memory, {label}")
        _, model_mib, _ = traced_peak(lambda: generate(shape))
        rec.add("model_memory", "model", model_mib)

    probe = _flow_tuples(sample_flows(synthetic, 1, seed=99))[0]

    def make_engine() -> PolicyEngine:
        engine = PolicyEngine(cluster)
        engine.allowed(*probe)
        return engine

    peak = 0.0
    if config.memory:
        # Measured first and thrown away, so two compiled engines never coexist.
        progress(f"compile memory, {label}")
        spare, peak, _ = traced_peak(make_engine)
        spare.close()
        del spare
        gc.collect()
    progress(f"compile, {label}")
    engine, compile_s = timed(make_engine)
    rec.add("compile", "engine", compile_s, ("model-build", build_seconds))
    if config.memory:
        rec.add("compile_memory", "engine", peak, ("model", model_mib))

    progress(f"verdicts pod->pod, {label}")
    warm = _flow_tuples(warm_flows(synthetic))
    _, warm_s = timed(lambda: [engine.allowed(*f) for f in warm])
    rec.add("first_contact", "engine", warm_s, ("compile", compile_s))
    flows = _flow_tuples(sample_flows(synthetic, config.flows, seed=1))
    external = _flow_tuples(sample_external_flows(synthetic, config.flows, seed=2))
    naive = NaiveEvaluator(cluster)
    reference = ReferenceEvaluator(cluster)
    _verdicts(rec, "verdict_pod", engine, naive, reference, flows, config)
    repeat = flows[: min(len(flows), 4096)]
    rec.add(
        "verdict_pod_repeat",
        "engine",
        rate(engine.allowed, repeat, config.budget, repeat=True),
        ("naive", rate(naive.allowed, repeat, config.baseline_budget, repeat=True)),
    )
    progress(f"verdicts external->pod, {label}")
    _verdicts(rec, "verdict_external", engine, naive, reference, external, config)
    naive.close()

    progress(f"matrix, {label}")
    naive_rate = next(
        r.value for r in rec.results if r.metric == "verdict_pod" and r.impl == "naive"
    )
    expected = shape.pods**2 / matrix_rate if matrix_rate else 0.0
    if shape.pods > config.matrix_max_pods:
        gib = shape.pods**2 / 2**30
        rec.add("matrix", "engine", 0.0, note=f"skipped: {gib:.0f} GiB")
    elif expected > config.matrix_max_seconds:
        rec.add(
            "matrix",
            "engine",
            0.0,
            note=f"skipped: ~{expected:.0f} s",
        )
    else:
        ports = [("TCP", 8080)]
        _, first = timed(lambda: engine.matrix(ports))
        rec.add("matrix", "engine", shape.pods**2 / first, ("naive", naive_rate))
        again = best_time(lambda: engine.matrix(ports), config.budget, at_most=2)
        rec.add("matrix_repeat", "engine", shape.pods**2 / again, ("naive", naive_rate))
    progress(f"incremental updates, {label}")
    engine_rate = next(
        r.value for r in rec.results if r.metric == "verdict_pod" and r.impl == "engine"
    )
    known = flows[: min(len(flows), config.refill_flows)]
    _incremental(
        rec, synthetic, engine, probe, compile_s, config.incremental_reps, known, engine_rate
    )
    engine.close()
    return rec.results


def _verdicts(
    rec: Recorder,
    metric: str,
    engine: Verdicts,
    naive: Verdicts,
    reference: Verdicts,
    flows: list[FlowTuple],
    config: SweepConfig,
) -> None:
    # Baselines get distinct flows too, taken from the end so the engine's are fresh.
    tail = flows[len(flows) // 2 :]
    naive_rate = rate(naive.allowed, tail, config.baseline_budget, repeat=True)
    reference_rate = rate(reference.allowed, tail[::-1], config.baseline_budget, repeat=True)
    # A fixed amount of work, not a time budget: the engine's rate on new flows climbs
    # as its per-class decisions fill, so a faster machine must not see a later window.
    engine_rate = rate(engine.allowed, flows, float("inf"), repeat=False)
    rec.add(metric, "naive", naive_rate)
    rec.add(metric, "reference", reference_rate)
    rec.add(metric, "engine", engine_rate, ("naive", naive_rate))
    rec.add(metric, "engine", engine_rate, ("reference", reference_rate))


def _incremental(
    rec: Recorder,
    synthetic: Synthetic,
    engine: Verdicts,
    probe: FlowTuple,
    compile_s: float,
    reps: int,
    known: Sequence[FlowTuple] = (),
    known_rate: float = 0.0,
) -> None:
    """Add/relabel timings; with ``known`` flows (decided at ``known_rate``) the refill too."""
    cluster = synthetic.cluster
    add_times: list[float] = []
    added: list[str] = []
    for i in range(reps):
        policy = extra_policy(synthetic, seed=100 + i)
        if policy.key in cluster.policies:
            continue
        _, seconds = timed(lambda p=policy: (cluster.add(p), engine.allowed(*probe)))  # type: ignore[misc]
        add_times.append(seconds)
        added.append(policy.key)
    block_times: list[float] = []
    for i in range(reps):
        policy = extra_policy(synthetic, seed=150 + i, ip_block=True)
        if policy.key in cluster.policies:
            continue
        _, seconds = timed(lambda p=policy: (cluster.add(p), engine.allowed(*probe)))  # type: ignore[misc]
        block_times.append(seconds)
        cluster.delete("NetworkPolicy", policy.key)
        engine.allowed(*probe)
    relabel_times: list[float] = []
    for i in range(reps):
        changed = relabelled_pod(synthetic, seed=200 + i)
        original = cluster.pods[changed.key]
        _, seconds = timed(lambda c=changed: (cluster.apply(c), engine.allowed(*probe)))  # type: ignore[misc]
        relabel_times.append(seconds)
        cluster.apply(original)
    for key in added:
        cluster.delete("NetworkPolicy", key)
    engine.allowed(*probe)
    full_ms = compile_s * 1e3
    if add_times:
        rec.add("add_policy", "engine", statistics.median(add_times) * 1e3, ("recompile", full_ms))
    if block_times:
        median = statistics.median(block_times) * 1e3
        rec.add("add_ipblock_policy", "engine", median, ("recompile", full_ms))
    rec.add("relabel_pod", "engine", statistics.median(relabel_times) * 1e3, ("recompile", full_ms))
    if not known:
        return
    # What the change costs the flows already decided: an engine that drops its
    # caches on a change pays here, not in the figures above.
    base = ("recompile+reask", full_ms + len(known) / known_rate * 1e3)
    for metric, with_block in (("add_policy_refill", False), ("add_ipblock_refill", True)):
        policy = extra_policy(synthetic, seed=99, ip_block=with_block)
        refill = _refill(
            engine,
            known,
            lambda p=policy: cluster.add(p),  # type: ignore[misc]
            lambda p=policy: cluster.delete("NetworkPolicy", p.key),  # type: ignore[misc]
        )
        rec.add(metric, "engine", refill * 1e3, base)
    changed = relabelled_pod(synthetic, seed=199)
    original = cluster.pods[changed.key]
    refill = _refill(engine, known, lambda: cluster.apply(changed), lambda: cluster.apply(original))
    rec.add("relabel_pod_refill", "engine", refill * 1e3, base)


def _refill(
    engine: Verdicts,
    known: Sequence[FlowTuple],
    change: Callable[[], object],
    undo: Callable[[], object],
) -> float:
    """Seconds to re-answer ``known`` flows (all answered just before) after ``change``."""
    for f in known:
        engine.allowed(*f)
    change()
    _, seconds = timed(lambda: [engine.allowed(*f) for f in known])
    undo()
    return seconds


def measure_lpm(prefixes: int, budget: float, seed: int = 0) -> list[Result]:
    """Longest-prefix lookups: our CidrTrie against pytricia on the same prefixes and ints.

    ``trie`` calls ``lookup4`` once per address, as pytricia's ``get`` is called
    (the per-packet case); ``trie-batch`` hands all addresses to ``lookup_all``
    at once, which pytricia has no counterpart for. Trie and pytricia are timed
    alternately (ABAB...) and the best run of each counts, so a burst of load on
    a shared machine hits both alike. The ``trie`` row's note names the path that
    ran: the C helper (``netsim.match._lpm``) or pure Python (not compiled).
    """
    from netsim.match.cidrtrie import CidrTrie

    table, addresses = prefix_workload(prefixes, 10_000, seed)
    rec = Recorder(prefixes=prefixes)
    trie: CidrTrie[int] = CidrTrie()
    for i, p in enumerate(table):
        trie.insert(p, i)
    lookup4 = trie.lookup4
    lookup4(addresses[0])
    path = f"lookup4: {helper_path(trie.compiled)}"

    def ours() -> None:
        for a in addresses:
            lookup4(a)

    n = len(addresses)
    batch = n / best_time(lambda: trie.lookup_all(4, addresses), budget / 4)
    try:
        import pytricia
    except ImportError:
        trie_rate = n / best_time(ours, budget)
        rec.add("lpm", "trie", trie_rate, note="pytricia not installed: no baseline")
        rec.add("lpm", "trie-batch", batch)
        return rec.results
    pt = pytricia.PyTricia(32)
    for i, p in enumerate(table):
        pt.insert(str(p), i)
    get = pt.get

    def theirs() -> None:
        for a in addresses:
            get(a)

    mine, base = float("inf"), float("inf")
    spent, rounds = 0.0, 0
    while rounds < 5 or (spent < budget and rounds < 50):
        _, a = timed(ours)
        _, b = timed(theirs)
        mine, base = min(mine, a), min(base, b)
        spent += a + b
        rounds += 1
    rec.add("lpm", "pytricia", n / base)
    rec.add("lpm", "trie", n / mine, ("pytricia", n / base), note=path)
    rec.add("lpm", "trie-batch", batch, ("pytricia", n / base))
    return rec.results


def lpm_agrees(prefixes: int, seed: int = 0) -> bool:
    """Tell whether our trie and pytricia give the same answer for every workload address."""
    import pytricia

    from netsim.match.cidrtrie import CidrTrie

    table, addresses = prefix_workload(prefixes, 2_000, seed)
    trie: CidrTrie[int] = CidrTrie()
    pt = pytricia.PyTricia(32)
    for i, p in enumerate(table):
        trie.insert(p, i)
        pt.insert(str(p), i)
    return all(trie.lookup4(a) == pt.get(a) for a in addresses) and trie.lookup_all(
        4, addresses
    ) == [pt.get(a) for a in addresses]


def measure_matrix_cli(shape: ClusterShape, ports: int) -> list[Result]:
    """``netsim matrix`` on the cluster written as manifests, a fresh process: time, peak RSS.

    With ``NETSIM_NCA`` set to network-config-analyzer's ``nca`` executable, its
    ``--connectivity`` run on the same file is the baseline (ratio = NCA time / ours).
    """
    import os
    import tempfile
    from pathlib import Path

    from netsim.bench.matrixcli import matrix_ports, run_matrix_cli, run_process, write_manifests

    synthetic = generate(shape)
    rec = Recorder(shape.pods, shape.policies, synthetic.identities)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_manifests(synthetic, Path(tmp) / "cluster.yaml")
        del synthetic
        ours = run_matrix_cli(path, matrix_ports(ports))
        nca = os.environ.get("NETSIM_NCA", "")
        theirs = None
        if nca:
            file = str(path)
            inputs = ["--pod_list", file, "--ns_list", file, "--output_format", "csv"]
            theirs = run_process([nca, "--connectivity", file, *inputs])
    if ours.returncode != 0:
        rec.add("matrix_cli", "netsim", 0.0, note=f"skipped: exit {ours.returncode}")
        return rec.results
    if theirs is not None and theirs.returncode == 0:
        rec.add("matrix_cli", "nca", theirs.seconds)
        rec.add("matrix_cli", "netsim", ours.seconds, ("nca", theirs.seconds))
        rec.add("matrix_cli_rss", "nca", theirs.peak_rss_mib)
        rec.add("matrix_cli_rss", "netsim", ours.peak_rss_mib, ("nca", theirs.peak_rss_mib))
    else:
        note = "NETSIM_NCA not set: no baseline" if theirs is None else "nca failed"
        rec.add("matrix_cli", "netsim", ours.seconds, note=note)
        rec.add("matrix_cli_rss", "netsim", ours.peak_rss_mib)
    return rec.results


def sim_available() -> bool:
    """Tell whether the packet-level simulator is importable."""
    return importlib.util.find_spec("netsim.sim.network") is not None


def _simulate(
    shape: ClusterShape, flows: int, hook: Literal["engine", "naive"]
) -> tuple[float, int]:
    """Run ``nc -z`` pod->pod connections through a fresh Network; (wall seconds, packets)."""
    from netsim.sim.network import Network

    synthetic = generate(shape)
    cluster = synthetic.cluster
    by_ip = {p.ip: p.key for p in cluster.pods.values()}
    chosen = [f for f in sample_flows(synthetic, flows * 2, seed=5) if f.protocol == "TCP"][:flows]
    naive = NaiveEvaluator(cluster) if hook == "naive" else None
    network = Network(cluster, seed=0, engine=naive)
    network.exec(by_ip[chosen[0].src_ip], f"nc -z -w 1 {chosen[0].dst_ip} {chosen[0].dst_port}")
    before = network.counters().packets

    def drive() -> None:
        for f in chosen[1:]:
            network.exec(by_ip[f.src_ip], f"nc -z -w 1 {f.dst_ip} {f.dst_port}")

    _, seconds = timed(drive)
    packets = network.counters().packets - before
    network.close()
    if naive is not None:
        naive.close()
    return seconds, packets


def simpy_floor(events: int) -> float:
    """Bare simpy timeouts with one callback each, per wall second: the simulator's ceiling.

    Every simulated packet costs at least this (one delivery event), so it is
    the baseline of the end-to-end figure.
    """
    import simpy

    env = simpy.Environment()
    landed: list[object] = []

    def driver() -> Generator[simpy.Event, Any, None]:
        for _ in range(events // 100):
            for _ in range(100):
                env.timeout(20e-6).callbacks.append(landed.append)
            yield env.timeout(0.001)

    process = env.process(driver())
    _, seconds = timed(lambda: env.run(until=process))
    return len(landed) / seconds


def measure_e2e(shape: ClusterShape, flows: int, packets: int) -> list[Result]:
    """End-to-end simulated packets per wall second, two ways.

    ``e2e``: the simulator's own UDP echo flood (``netsim.sim.bench``; most
    packets follow conntrack), against bare simpy events. ``e2e_connect``:
    busybox ``nc -z -w 1 IP PORT`` from pods to pod ports of a synthetic
    cluster (every connection is a new flow through both policy points),
    with the engine as the policy hook against the naive loop as the hook.
    """
    from netsim.sim.bench import bench_packets

    flood_rec = Recorder()
    floor = simpy_floor(packets)
    flood = bench_packets(packets)
    flood_rec.add("e2e", "simpy-floor", floor)
    flood_rec.add("e2e", "sim", flood.packets_per_second, ("simpy-floor", floor))
    seconds, count = _simulate(shape, flows, "engine")
    base_seconds, base_count = _simulate(shape, flows, "naive")
    base = base_count / base_seconds
    rec = Recorder(shape.pods, shape.policies, shape.resolved_identities)
    rec.add("e2e_connect", "sim-naive-hook", base)
    rec.add("e2e_connect", "sim", count / seconds, ("sim-naive-hook", base))
    return flood_rec.results + rec.results


def measure_demo(budget: float) -> list[Result]:
    """Wall time of ``netsim demo`` in a fresh interpreter, against bare interpreter startup."""
    command = [sys.executable, "-m", "netsim", "demo"]
    startup = best_time(
        lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), budget, at_most=3
    )
    rec = Recorder()
    completed = subprocess.run(command, capture_output=True, check=False)
    if completed.returncode != 0:
        note = completed.stderr.decode(errors="replace").strip().splitlines()[-1:]
        rec.add("demo", "netsim", 0.0, note=f"skipped: netsim demo failed: {' '.join(note)}")
        return rec.results
    seconds = best_time(
        lambda: subprocess.run(command, capture_output=True, check=True), budget, at_most=3
    )
    rec.add("demo", "python-startup", startup)
    rec.add("demo", "netsim", seconds, ("python-startup", startup))
    return rec.results


def helper_path(compiled: bool) -> str:
    """How a result names the path that ran: an optional C helper, or its Python fallback."""
    return "C helper" if compiled else "pure Python (C helper not built)"


def compiled_helpers() -> str:
    """Which of the optional C helpers this install runs (the figures depend on it)."""
    from netsim.match import cidrtrie
    from netsim.policy import fastpath

    return (
        f"CidrTrie.lookup4: {helper_path(cidrtrie.COMPILED)}; "
        f"PolicyEngine.allowed fast path: {helper_path(fastpath.COMPILED)}"
    )


def run_sweep(config: SweepConfig, progress: Progress | None = None) -> Sweep:
    """Run every measurement of ``config`` and return the results in order."""
    say = progress or (lambda _label: None)
    results: list[Result] = []
    notes: list[str] = []
    have_engine = engine_available()
    matrix_rate = 0.0
    if not have_engine:
        notes.append("netsim.policy.engine is not there yet: engine figures skipped")
    else:
        notes.append(compiled_helpers())
    for shape in config.shapes:
        label = f"{shape.pods} pods/{shape.policies} policies"
        say(f"generate, {label}")
        synthetic, seconds = timed(lambda s=shape: generate(s))  # type: ignore[misc]
        if have_engine:
            found = measure_shape(synthetic, config, seconds, say, matrix_rate)
            matrix_rate = next(
                (r.value for r in found if r.metric == "matrix" and r.value > 0), matrix_rate
            )
            results += found
        else:
            results.append(
                Recorder(shape.pods, shape.policies, synthetic.identities).add(
                    "model_build", "model", seconds
                )
            )
        del synthetic
    for count in config.prefix_counts:
        say(f"longest-prefix match, {count} prefixes")
        results += measure_lpm(count, config.budget)
    for shape in config.matrix_cli_shapes:
        say(f"netsim matrix process, {shape.pods} pods, {config.matrix_cli_ports} ports")
        results += measure_matrix_cli(shape, config.matrix_cli_ports)
    if config.e2e_shape is not None:
        say(f"end to end, {config.e2e_shape.pods} pods")
        if have_engine and sim_available():
            results += measure_e2e(config.e2e_shape, config.e2e_flows, config.e2e_packets)
        else:
            notes.append("netsim.sim is not there yet: end-to-end figure skipped")
    if config.demo:
        say("netsim demo")
        results += measure_demo(config.budget)
    return Sweep(Machine.current(), config.name, tuple(results), max_rss_mib(), tuple(notes))


def sweep_steps(config: SweepConfig) -> int:
    """How many progress labels :func:`run_sweep` emits for ``config`` (for a progress bar)."""
    per_shape = 6 + (2 if config.memory else 0) if engine_available() else 1
    extra = (config.e2e_shape is not None) + config.demo
    extra += len(config.matrix_cli_shapes)
    return len(config.shapes) * per_shape + len(config.prefix_counts) + extra
