"""Setup, probe and total time of ``verify`` at 10, 30 and 60 pods (not a test).

Run as root from the repository root: ``python -m tests.dataplane.timing`` is not
possible (tests is no package), so: ``cd tests && python -m dataplane.timing``.
Each cluster is ``generate.random_cluster(7, n, n)`` on two nodes, probed on the
six ports of ``strategies.PROBE_PORTS`` with the default 1 s per-probe timeout.
"""

from __future__ import annotations

import time

from strategies import PROBE_PORTS

from netsim.dataplane.verify import verify

from .generate import random_cluster


def main() -> None:
    """Print one line per cluster size."""
    for size in (10, 30, 60):
        cluster = random_cluster(7, size, size)
        started = time.monotonic()
        report = verify(cluster, list(PROBE_PORTS))
        wall = time.monotonic() - started
        t = report.timings
        print(
            f"{size} pods ({len(report.pods)} probed, {len(report.expected)} probes, "
            f"agreed={report.agreed}): setup {t.setup:.2f}s probe {t.probe:.2f}s "
            f"total {t.total:.2f}s (wall {wall:.2f}s)"
        )


if __name__ == "__main__":
    main()
