"""The common partition two clusters are compared on: port cuts and address ranges.

A verdict can change only at a policy's port edges (NetworkPolicy and cluster-wide
policies alike, :mod:`netsim.policy.portcuts`) and, for an address outside the
cluster, only at an ipBlock's ``cidr`` or ``except`` edges or a cluster-wide policy's
``networks`` prefix. Cutting the port line
and the address line at every such edge of *every* input gives segments within
which every port (every address) gets the same verdict in each input, so one
probe per segment decides the whole segment.
"""

from __future__ import annotations

import ipaddress
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from netsim.addr import Prefix, bits_for, int_to_ip, parse_ip
from netsim.model.cluster import Cluster
from netsim.model.netpol import PROTOCOLS, Direction
from netsim.policy.portcuts import MAX_PORT, port_cuts

DIRECTIONS: tuple[Direction, ...] = ("ingress", "egress")


@dataclass(frozen=True, slots=True, order=True)
class AddressRange:
    """Addresses ``first``..``last`` (inclusive) of one IP family, outside every cluster given.

    ``probe`` is an address of the range that is no pod's or node's IP in any
    input: the host that stands for the whole range.
    """

    version: int
    first: int
    last: int
    probe: int

    @property
    def probe_ip(self) -> str:
        """The probe address as text."""
        return int_to_ip(self.probe, self.version)

    def cidrs(self) -> list[str]:
        """The range as the fewest CIDRs that cover exactly it."""
        make = ipaddress.IPv4Address if self.version == 4 else ipaddress.IPv6Address
        nets = ipaddress.summarize_address_range(make(self.first), make(self.last))
        return [str(n) for n in nets]

    def __str__(self) -> str:
        """The CIDRs, comma-separated (one CIDR for most ranges)."""
        return ",".join(self.cidrs())


def cidr_prefixes(clusters: Sequence[Cluster]) -> Iterator[Prefix]:
    """Every ipBlock ``cidr`` and ``except`` prefix of every policy of ``clusters``, then
    every ``networks`` prefix of their cluster-wide policies."""
    for cluster in clusters:
        for _, policy in sorted(cluster.policies.items()):
            for direction in DIRECTIONS:
                for rule in policy.rules(direction):
                    for peer in rule.peers:
                        if peer.ip_block is not None:
                            yield peer.ip_block.cidr
                            yield from peer.ip_block.except_
        for _, cluster_policy in sorted(cluster.cluster_policies.items()):
            for admin_rule in cluster_policy.egress:
                for admin_peer in admin_rule.peers:
                    yield from admin_peer.networks


def used_addresses(clusters: Sequence[Cluster]) -> dict[int, list[int]]:
    """Pod and node IPs of every cluster, per family, sorted."""
    found: dict[int, set[int]] = {4: set(), 6: set()}
    for cluster in clusters:
        ips = [p.ip for p in cluster.pods.values() if p.ip]
        ips += [n.ip for n in cluster.nodes.values() if n.ip]
        for ip in ips:
            version, value = parse_ip(ip)
            found[version].add(value)
    return {v: sorted(s) for v, s in found.items()}


def _free_address(first: int, last: int, used: list[int]) -> int | None:
    """The lowest address of first..last not in ``used`` (sorted), or None."""
    candidate = first
    index = bisect_left(used, candidate)
    while index < len(used) and used[index] == candidate:
        candidate += 1
        index += 1
    return candidate if candidate <= last else None


def address_ranges(clusters: Sequence[Cluster]) -> tuple[AddressRange, ...]:
    """The address space cut at every ipBlock edge of ``clusters``.

    IPv4 always; IPv6 when some ipBlock or pod is IPv6. A range made only of
    pod and node addresses has no outside host and is left out.
    """
    prefixes = list(cidr_prefixes(clusters))
    used = used_addresses(clusters)
    versions = [4]
    if used[6] or any(p.version == 6 for p in prefixes):
        versions.append(6)
    out: list[AddressRange] = []
    for version in versions:
        end = (1 << bits_for(version)) - 1
        cuts = {0}
        for p in prefixes:
            if p.version == version:
                cuts.add(p.network)
                if p.last < end:
                    cuts.add(p.last + 1)
        starts = sorted(cuts)
        for i, first in enumerate(starts):
            last = starts[i + 1] - 1 if i + 1 < len(starts) else end
            probe = _free_address(first, last, used[version])
            if probe is not None:
                out.append(AddressRange(version, first, last, probe))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Grid:
    """The common partition: port segments per protocol and outside address ranges."""

    ports: tuple[tuple[str, tuple[int, ...]], ...]
    ranges: tuple[AddressRange, ...]

    @classmethod
    def of(cls, clusters: Sequence[Cluster]) -> Grid:
        """The partition cut at every edge of every cluster in ``clusters``."""
        return cls(tuple((p, port_cuts(clusters, p)) for p in PROTOCOLS), address_ranges(clusters))

    def segments(self, protocol: str) -> list[tuple[int, int]]:
        """``protocol``'s port segments as inclusive (first, last) pairs."""
        starts = dict(self.ports)[protocol]
        return [
            (s, starts[i + 1] - 1 if i + 1 < len(starts) else MAX_PORT)
            for i, s in enumerate(starts)
        ]
