"""Measure the policy engine against the issue-3 targets (a script, not a test).

Usage: ``python tests/policy/measure_engine.py [mid|big|lpm]``

- ``mid``: 10,000 pods / 1,000 policies (netsim.bench.generate's shape):
  verdicts on never-seen and on repeated flows, the pod-by-pod matrix,
  incremental updates;
- ``big``: compile time and memory at 150,000 pods / 10,000 policies /
  65,000 identities;
- ``lpm``: CidrTrie against pytricia on the same 10,000 prefixes.

Times are CPU time of this process (``time.process_time``), so other
processes on a shared machine disturb them less.
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np

from netsim.addr import int_to_ip
from netsim.bench.generate import (
    ClusterShape,
    extra_policy,
    generate,
    prefix_workload,
    relabelled_pod,
    sample_external_flows,
    sample_flows,
)
from netsim.match.cidrtrie import CidrTrie
from netsim.policy.engine import PolicyEngine

Flow = tuple[str, str, str, int]


def rate(engine: PolicyEngine, flows: list[Flow], rounds: int = 1) -> float:
    """Verdicts per CPU second of ``engine.allowed`` over ``flows`` (``rounds`` times)."""
    allowed = engine.allowed
    start = time.process_time()
    for _ in range(rounds):
        for src, dst, protocol, port in flows:
            allowed(src, dst, protocol, port)
    return len(flows) * rounds / (time.process_time() - start)


def mid() -> None:
    """10k pods / 1k policies."""
    synthetic = generate(ClusterShape(10_000, 1_000))
    cluster = synthetic.cluster
    start = time.process_time()
    engine = PolicyEngine(cluster)
    print(f"compile: {time.process_time() - start:.3f} s, {len(engine.tables.identities)} ids")
    for kind, sample in (("pod", sample_flows), ("external", sample_external_flows)):
        flows = [(f.src_ip, f.dst_ip, f.protocol, f.dst_port) for f in sample(synthetic, 120_000)]
        print(f"{kind}: first 40k flows (cold caches): {rate(engine, flows[:40_000]):,.0f}/s")
        rate(engine, flows)  # warm the per-address and per-group tables, not the flows
        engine._flows.clear()
        print(f"{kind}: 40k never-seen flows: {rate(engine, flows[40_000:80_000]):,.0f}/s")
        print(f"{kind}: a 500-flow batch seen before: {rate(engine, flows[-500:], 200):,.0f}/s")
    for port in (("TCP", 80), ("TCP", 8080)):
        start = time.process_time()
        table = engine.matrix([port])
        seconds = time.process_time() - start
        n = table.shape[1]
        print(f"matrix {port}: {n}x{n} in {seconds:.2f} s = {n * n / seconds / 1e6:.0f} M pairs/s")
    policy = extra_policy(synthetic)
    for label, change in (
        ("add policy", lambda: cluster.add(policy)),
        ("relabel pod", lambda: cluster.apply(relabelled_pod(synthetic))),
        ("delete policy", lambda: cluster.delete("NetworkPolicy", policy.key)),
    ):
        engine.allowed(*flows[0])
        start = time.process_time()
        change()
        print(f"{label}: {(time.process_time() - start) * 1e3:.2f} ms")


def big() -> None:
    """150k pods / 10k policies / 65k identities: compile time and memory."""
    synthetic = generate(ClusterShape(150_000, 10_000, identities=65_000))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.process_time()
    engine = PolicyEngine(synthetic.cluster)
    seconds = time.process_time() - start
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"compile: {seconds:.2f} s, {len(engine.tables.identities)} identities, "
        f"max RSS {before:.0f} MiB before, {after:.0f} MiB after"
    )


def lpm() -> None:
    """CidrTrie against pytricia on 10,000 prefixes and 200,000 addresses."""
    import pytricia

    prefixes, addresses = prefix_workload(10_000, 200_000)
    trie: CidrTrie[int] = CidrTrie()
    reference = pytricia.PyTricia(32)
    for i, prefix in enumerate(prefixes):
        trie.insert(prefix, i)
        reference[str(prefix)] = i
    texts = [int_to_ip(a) for a in addresses]
    assert trie.lookup_all(4, addresses[:5000]) == [reference.get(t) for t in texts[:5000]]
    results = {}
    for name, call, args in (
        ("CidrTrie.lookup4(int)", trie.lookup4, addresses),
        ("pytricia.get(int)", reference.get, addresses),
        ("pytricia.get(str)", reference.get, texts),
    ):
        start = time.process_time()
        for arg in args:
            call(arg)
        results[name] = len(args) / (time.process_time() - start)
    start = time.process_time()
    trie.lookup_many4(np.array(addresses, dtype=np.uint32))
    results["CidrTrie.lookup_many4(array)"] = len(addresses) / (time.process_time() - start)
    for name, per_second in results.items():
        print(f"{name}: {per_second:,.0f}/s")


if __name__ == "__main__":
    {"mid": mid, "big": big, "lpm": lpm}[sys.argv[1] if len(sys.argv) > 1 else "mid"]()
