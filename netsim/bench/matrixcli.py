"""``netsim matrix`` as a user runs it: a fresh process on manifest files, wall time and peak RSS.

:func:`write_manifests` writes a synthetic cluster (namespaces, pods, policies)
as one multi-document YAML file, the input both ``netsim matrix`` and
network-config-analyzer read (``benchmarks/nca/compare.sh``).
:func:`run_matrix_cli` runs ``python -m netsim matrix FILE --port ...`` with
stdout sent to ``/dev/null`` (the text is still rendered and written) and reads
the command's own peak RSS (:data:`LAUNCHER`).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
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


LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""
"""Runs a command and writes its peak RSS (KiB) and exit code to a file.

A child's ``ru_maxrss`` counts the memory of the process it was forked from
before ``exec``; forked from this small launcher rather than from the (large)
benchmark process, the figure is the command's own.
"""


def run_process(command: list[str], stdout: int | None = subprocess.DEVNULL) -> ProcessRun:
    """Run ``command`` (through :data:`LAUNCHER`); time it and read its own peak RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "rusage"
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", LAUNCHER, str(report), *command],
            stdout=stdout,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        seconds = time.perf_counter() - start
        text = report.read_text(encoding="utf-8") if report.exists() else "0 -1"
    maxrss, code = (int(x) for x in text.split())
    return ProcessRun(seconds, maxrss / 1024.0, code)


def run_matrix_cli(path: Path, ports: list[tuple[str, int]], *options: str) -> ProcessRun:
    """``netsim matrix PATH --port P/PROTO ...`` in a fresh interpreter."""
    command = [sys.executable, "-m", "netsim", "matrix", str(path), *options]
    for protocol, port in ports:
        command += ["--port", f"{port}/{protocol}"]
    return run_process(command)
