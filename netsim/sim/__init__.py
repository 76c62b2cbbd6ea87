"""The packet-level network simulator: simpy engine, scapy frames, conntrack, kube-proxy, DNS.

``netsim.sim.network.Network`` is the entry point; ``bench_packets`` drives a
packet flood for throughput measurements. Import submodules directly: this
package imports nothing heavy itself (scapy loads only when captured frames
are rendered, to write a pcap; DNS messages are encoded without it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netsim.sim.bench import BenchResult


def bench_packets(packets: int = 100_000, **options: Any) -> BenchResult:
    """Flood a 100-pod cluster with ``packets`` echoed datagrams; see netsim.sim.bench."""
    from netsim.sim.bench import bench_packets as run

    return run(packets, **options)


__all__ = ["bench_packets"]
