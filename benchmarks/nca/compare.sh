#!/bin/sh
# netsim matrix against network-config-analyzer (NCA) --connectivity, whole process, same input.
#
# Not part of the test run. NCA lives in its own virtual environment (NCA_VENV, default
# ./.nca-venv), installed from PyPI the first time: pip install network-config-analyzer.
# For each size the synthetic cluster (netsim.bench.generate, seed 0) is written once as
# manifests (namespaces, pods, policies); then both tools run on that file in fresh
# processes, one after the other, and wall seconds and peak RSS (from wait4) are printed.
# netsim probes PORTS TCP ports (default 30) and writes every pod-by-pod table to
# /dev/null; NCA prints its connectivity map (all ports at once, grouped) as CSV.
#
# Usage: benchmarks/nca/compare.sh [PODS...]     (default: 1000 5000)
# Run from the repository root with netsim's environment active.
set -eu
NCA_VENV=${NCA_VENV:-.nca-venv}
PORTS=${PORTS:-30}
OUT=${OUT:-bench-nca}
if [ ! -x "$NCA_VENV/bin/nca" ]; then
    python3 -m venv "$NCA_VENV"
    "$NCA_VENV/bin/pip" install -q network-config-analyzer
fi
mkdir -p "$OUT"
[ $# -gt 0 ] || set -- 1000 5000
for pods in "$@"; do
    python - "$pods" "$PORTS" "$OUT" "$NCA_VENV/bin/nca" <<'PY'
import sys
from pathlib import Path

from netsim.bench.generate import ClusterShape, generate
from netsim.bench.matrixcli import matrix_ports, run_matrix_cli, run_process, write_manifests

pods, ports, out, nca = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
path = write_manifests(generate(ClusterShape(pods, pods // 10)), out / f"cluster-{pods}.yaml")
ours = run_matrix_cli(path, matrix_ports(ports))
with open(out / f"nca-{pods}.csv", "wb") as csv:
    theirs = run_process(
        [nca, "--connectivity", str(path), "--pod_list", str(path), "--ns_list", str(path),
         "--output_format", "csv"],
        stdout=csv.fileno(),
    )
print(
    f"{pods} pods, {pods // 10} policies, {ports} ports: netsim matrix {ours.seconds:.1f} s "
    f"{ours.peak_rss_mib:.0f} MiB (exit {ours.returncode}); nca --connectivity "
    f"{theirs.seconds:.1f} s {theirs.peak_rss_mib:.0f} MiB (exit {theirs.returncode}); "
    f"time ratio netsim/nca {ours.seconds / theirs.seconds:.2f}"
)
PY
done
