"""The ports policies name: what ``netsim matrix`` probes when no ``--port`` is given.

Every literal port of every rule, both ends of an ``endPort`` range, and each number
a named port resolves to on some pod that declares it (§19), sorted by number, then
protocol. When they name none, probe :data:`DEFAULT_PORT` (a rule without ports
allows every port, so any port shows it).
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class PortTerm:
    """One port term of a policy rule.

    ``protocol`` None means any L4 protocol (a cluster-wide policy's named port matches in
    the protocol the pod declares it with); ``port`` a number, a name or None (every port
    of ``protocol``); ``end_port`` the inclusive end of a range; ``cluster_wide`` True for
    an AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy term (whose
    range no profile narrows, unlike a NetworkPolicy ``endPort``).
    """

    protocol: str | None
    port: int | str | None
    end_port: int | None = None
    cluster_wide: bool = False


def port_terms(cluster: Cluster) -> list[PortTerm]:
    """The port terms of every NetworkPolicy and cluster-wide policy rule, in a fixed order."""
    terms: list[PortTerm] = []
    for _, policy in sorted(cluster.policies.items()):
        for rule in (*policy.ingress, *policy.egress):
            terms += [PortTerm(p.protocol, p.port, p.end_port) for p in rule.ports]
    for _, cluster_policy in sorted(cluster.cluster_policies.items()):
        for admin_rule in (*cluster_policy.ingress, *cluster_policy.egress):
            for a in admin_rule.ports:
                if a.named_port is not None:
                    terms.append(PortTerm(None, a.named_port, None, True))
                else:
                    terms.append(PortTerm(a.protocol, a.port, a.end_port, True))
    return terms


def policy_ports(cluster: Cluster) -> list[tuple[str, int]]:
    """(protocol, port) pairs the policies of ``cluster`` name (empty if none): NetworkPolicy
    and the cluster-wide policies (a named port of theirs resolves with any protocol)."""
    ports: set[tuple[str, int]] = set()
    pods = cluster.sorted_pods()
    for term in port_terms(cluster):
        protocol, port, end_port = term.protocol, term.port, term.end_port
        if port is None:
            continue
        if isinstance(port, str):
            for pod in pods:
                for proto in (protocol,) if protocol is not None else PROBE_PROTOCOLS:
                    number = pod.named_port(port, proto)  # type: ignore[arg-type]
                    if number is not None:
                        ports.add((proto, number))
        elif protocol is not None:
            ports.add((protocol, port))
            if end_port is not None:
                ports.add((protocol, end_port))
    return sorted(ports, key=lambda p: (p[1], p[0]))
