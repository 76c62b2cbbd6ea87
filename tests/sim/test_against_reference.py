"""Packets agree with the reference oracle: a probe connects exactly when policy allows it.

For random clusters (tests/strategies.py), every pod (hostNetwork ones from
their node's stack) probes every other pod on every probe port over the
simulated data path (ARP, bridge, routing, conntrack, both enforcement
points). The outcome must be what ``ReferenceEvaluator.allowed`` says,
refined by what listens on the port:
allowed + listening = connected; allowed + closed = refused for TCP (RST)
and SCTP (ABORT), silence for UDP; denied = timeout (dropped silently).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from strategies import PROBE_PORTS, World, build_cluster, worlds

from netsim.policy.reference import ReferenceEvaluator
from netsim.sim.network import Network


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(worlds(max_pods=4, max_policies=4))
def test_probes_match_the_reference_evaluator(world: World) -> None:
    cluster = build_cluster(world)
    net = Network(cluster, seed=0, dns=False)
    oracle = ReferenceEvaluator(cluster)
    pods = cluster.sorted_pods()
    for src in pods:
        for dst in pods:
            if src.ip == dst.ip:  # the same pod, or hostNetwork pods of one node
                continue
            # hostNetwork pods share their node's stack: its ports are all of theirs.
            peers = [p for p in pods if p.ip == dst.ip] if dst.host_network else [dst]
            for protocol, port in PROBE_PORTS:
                allowed = oracle.allowed(src.ip, dst.ip, protocol, port)
                listening = any(
                    cp.port == port and cp.protocol == protocol
                    for peer in peers
                    for cp in peer.container_ports
                )
                if not allowed:
                    expected = "timeout"
                elif listening:
                    expected = "connected"
                else:
                    expected = "timeout" if protocol == "UDP" else "refused"
                got = net.probe(src.key, dst.ip, port, protocol, timeout=0.5)
                assert got == expected, (src.key, dst.key, protocol, port, net.drops()[-3:])
