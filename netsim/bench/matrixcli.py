"""``netsim matrix`` as a user runs it: a fresh process on manifest files, wall time and peak RSS.

:func:`write_manifests` writes a synthetic cluster (namespaces, pods, policies)
as one multi-document YAML file, the input both ``netsim matrix`` and
network-config-analyzer read (``benchmarks/nca/compare.sh``).
:func:`run_matrix_cli` runs ``python -m netsim matrix FILE --port ...`` with
stdout sent to ``/dev/null`` (the text is still rendered and written) and reads
the child's own peak RSS from ``wait4``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from netsim.bench.generate import Synthetic
from netsim.model.yamlsafe import dump_yaml_all
from netsim.scenario.kubectl_yaml import namespace_manifest, pod_manifest, policy_manifest

IMAGE = "registry.k8s.io/pause:3.9"
"""The container image of pods the generator left without one (the apiserver requires one)."""
CREATED = 0.0
"""The creation time written into every manifest (the output must not depend on the clock)."""


def matrix_ports(count: int) -> list[tuple[str, int]]:
    """``count`` distinct TCP ports: those the generated policies use first, then 9000 on."""
    known = [80, 8080, 443, 9090, 5432, 6379, 9200, 8000, 8443, 53, 3000, 30080]
    ports = known[:count] + [9000 + i for i in range(max(0, count - len(known)))]
    return [("TCP", p) for p in ports]


def write_manifests(synthetic: Synthetic, path: Path) -> Path:
    """Write the cluster's namespaces, pods and policies to ``path`` (YAML); return it."""
    cluster = synthetic.cluster
    documents: list[object] = [
        namespace_manifest(ns, CREATED) for _, ns in sorted(cluster.namespaces.items())
    ]
    for _, pod in sorted(cluster.pods.items()):
        doc = pod_manifest(cluster, pod, CREATED)
        for container in doc["spec"]["containers"]:
            container["image"] = container["image"] or IMAGE  # generated pods name none
        documents.append(doc)
    documents += [policy_manifest(p, CREATED) for _, p in sorted(cluster.policies.items())]
    path.write_text(dump_yaml_all(documents), encoding="utf-8")
    return path


@dataclass(frozen=True, slots=True)
class ProcessRun:
    """One child process: wall seconds, its peak RSS in MiB and its exit code."""

    seconds: float
    peak_rss_mib: float
    returncode: int


def run_process(command: list[str], stdout: int | None = subprocess.DEVNULL) -> ProcessRun:
    """Run ``command``; time it and read its peak RSS (``ru_maxrss``) from ``wait4``."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=stdout, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    return ProcessRun(seconds, usage.ru_maxrss / 1024.0, child.returncode)


def run_matrix_cli(path: Path, ports: list[tuple[str, int]], *options: str) -> ProcessRun:
    """``netsim matrix PATH --port P/PROTO ...`` in a fresh interpreter."""
    command = [sys.executable, "-m", "netsim", "matrix", str(path), *options]
    for protocol, port in ports:
        command += ["--port", f"{port}/{protocol}"]
    return run_process(command)
