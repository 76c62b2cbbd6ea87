"""A packet flood through the simulated network, for throughput measurements.

``bench_packets`` builds a cluster of ``pods`` pods over ``nodes`` nodes
(half clients ``role=client``, half servers ``role=server`` with a UDP echo
on 5000), a default-deny-ingress policy plus a rule admitting clients to
servers on UDP 5000, then sends ``packets`` datagrams round-robin over
``flows`` seeded (client, server) pairs; every datagram is echoed, so half
the traffic is reply traffic following conntrack. The first packet of each
flow goes through kube-proxy-free routing, ARP and both policy points; the
rest follow conntrack. Wall time covers only the simulation run.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

from netsim.addr import parse_ip
from netsim.model import (
    Cluster,
    ContainerPort,
    Labels,
    LabelSelector,
    NetworkPolicy,
    Pod,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
)
from netsim.sim.network import Network

BENCH_PORT = 5000


@dataclass(frozen=True, slots=True)
class BenchResult:
    """Outcome of one flood: simulated packets, wall seconds, and their ratio."""

    pods: int
    flows: int
    packets: int
    dropped: int
    wall_seconds: float
    cpu_seconds: float
    simulated_seconds: float

    @property
    def packets_per_second(self) -> float:
        """Simulated packets handled per wall-clock second."""
        return self.packets / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def packets_per_cpu_second(self) -> float:
        """Simulated packets per second of this process's CPU time (robust to a busy machine)."""
        return self.packets / self.cpu_seconds if self.cpu_seconds else 0.0


def bench_cluster(pods: int = 100, nodes: int = 4) -> Cluster:
    """The flood's cluster: ``pods`` pods, half clients and half UDP echo servers."""
    cluster = Cluster()
    for _ in range(nodes):
        cluster.add_default_node()
    cluster.ensure_namespace("bench")
    for index in range(pods):
        role = "server" if index % 2 else "client"
        cluster.add(
            Pod(
                f"{role}-{index:03d}",
                "bench",
                labels=Labels.of(role=role),
                container_ports=(ContainerPort(BENCH_PORT, "UDP", "echo"),)
                if role == "server"
                else (),
            )
        )
    cluster.add(NetworkPolicy("default-deny", "bench", LabelSelector(), ("Ingress",)))
    cluster.add(
        NetworkPolicy(
            "allow-clients",
            "bench",
            LabelSelector((("role", "server"),)),
            ("Ingress",),
            ingress=(
                PolicyRule(
                    peers=(PolicyPeer(pod_selector=LabelSelector((("role", "client"),))),),
                    ports=(PolicyPort("UDP", BENCH_PORT),),
                ),
            ),
        )
    )
    return cluster


def bench_packets(
    packets: int = 100_000,
    *,
    pods: int = 100,
    nodes: int = 4,
    flows: int = 200,
    burst: int = 100,
    seed: int = 0,
) -> BenchResult:
    """Flood the network with ``packets`` request datagrams (each echoed) and time it."""
    cluster = bench_cluster(pods, nodes)
    net = Network(cluster, seed=seed, capture=False, dns=False)
    rng = random.Random(seed)
    clients = [p for p in cluster.sorted_pods() if p.labels.get("role") == "client"]
    servers = [p for p in cluster.sorted_pods() if p.labels.get("role") == "server"]
    pairs = []
    for _ in range(flows):
        client = net.host(rng.choice(clients).key)
        server = rng.choice(servers)
        sport = client.stack.bind_udp(0, lambda frame: None)
        pairs.append((client.stack, sport, parse_ip(server.ip)[1]))
    payload = b"x" * 64

    def driver() -> Any:
        sent = 0
        while sent < packets:
            for _ in range(min(burst, packets - sent)):
                stack, sport, dst = pairs[sent % flows]
                stack.send_udp(sport, dst, BENCH_PORT, payload)
                sent += 1
            yield net.env.timeout(0.001)

    process = net.env.process(driver())
    start, cpu_start = time.perf_counter(), time.process_time()
    net.env.run(until=process)
    net.env.run(until=net.env.now + 0.01)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    counters = net.counters()
    return BenchResult(
        pods=pods,
        flows=flows,
        packets=counters.packets,
        dropped=sum(counters.drops.values()),
        wall_seconds=wall,
        cpu_seconds=cpu,
        simulated_seconds=net.now,
    )


def main() -> None:
    """Print one measurement (``python -m netsim.sim.bench``)."""
    result = bench_packets()
    print(
        f"{result.packets} simulated packets ({result.pods} pods, {result.flows} flows) "
        f"in {result.wall_seconds:.3f} s wall = {result.packets_per_second:,.0f} packets/s "
        f"({result.cpu_seconds:.3f} s CPU = {result.packets_per_cpu_second:,.0f} packets/s)"
    )


if __name__ == "__main__":
    main()
