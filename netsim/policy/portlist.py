"""The ports NetworkPolicies name: what ``netsim matrix`` probes when no ``--port`` is given.

Every literal port of every rule, both ends of an ``endPort`` range, and each number
a named port resolves to on some pod that declares it (§19), sorted by number, then
protocol. When they name none, probe :data:`DEFAULT_PORT` (a rule without ports
allows every port, so any port shows it).
"""

from __future__ import annotations

from netsim.model.cluster import Cluster

DEFAULT_PORT = ("TCP", 80)
"""What a policy set that names no port is probed on."""
PROBE_PROTOCOLS = ("TCP", "UDP", "SCTP")
"""The protocols a ``PORT/PROTO`` argument may name."""


def parse_port_text(text: str) -> tuple[str, int]:
    """``80`` or ``53/UDP`` (protocol in any case) -> (protocol, port); ValueError saying
    what is wrong otherwise. The one parser of ``--port`` values (matrix, the shell)."""
    number, _, protocol = text.partition("/")
    protocol = (protocol or "TCP").upper()
    if protocol not in PROBE_PROTOCOLS:
        raise ValueError(f"unsupported protocol {protocol!r} in {text!r}")
    try:
        value = int(number)
    except ValueError:
        value = 0
    if not 1 <= value <= 65535:
        raise ValueError(
            f"invalid port {text!r}: expected PORT or PORT/PROTOCOL with PORT in 1-65535"
        )
    return protocol, value


def policy_ports(cluster: Cluster) -> list[tuple[str, int]]:
    """(protocol, port) pairs the policies of ``cluster`` name (empty if none)."""
    ports: set[tuple[str, int]] = set()
    pods = cluster.sorted_pods()
    for _, policy in sorted(cluster.policies.items()):
        for rule in (*policy.ingress, *policy.egress):
            for port in rule.ports:
                if port.port is None:
                    continue
                if isinstance(port.port, str):
                    for pod in pods:
                        number = pod.named_port(port.port, port.protocol)
                        if number is not None:
                            ports.add((port.protocol, number))
                else:
                    ports.add((port.protocol, port.port))
                    if port.end_port is not None:
                        ports.add((port.protocol, port.end_port))
    return sorted(ports, key=lambda p: (p[1], p[0]))
