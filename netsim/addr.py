"""Addresses and prefixes as integers: parse at the edge, ints inside.

An address is a pair (version, value) where ``value`` is the address as an
unsigned integer (32 bits for IPv4, 128 for IPv6). A :class:`Prefix` is a
network address plus a length; host bits are always zero.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

IPV4_BITS = 32
IPV6_BITS = 128


def bits_for(version: int) -> int:
    """Return the address width in bits of IP ``version`` (4 or 6)."""
    return IPV4_BITS if version == 4 else IPV6_BITS


def unmap(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, length: int | None = None
) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int | None]:
    """The one rule for IPv4-mapped IPv6 (``::ffff:a.b.c.d``): it is the IPv4 address.

    As Go's ``net`` package (which the apiserver, kube-proxy and the CNIs use)
    matches it: ``net.IP.To4`` turns a mapped address into the IPv4 one, and an
    ``IPNet`` written as a mapped prefix of length >= 96 contains the IPv4
    addresses of its last 32 bits (``::ffff:10.0.0.0/104`` is ``10.0.0.0/8``). A
    shorter mapped prefix stays IPv6 and holds no IPv4 address. ``length`` is a
    prefix length to adjust with the address (None for a lone address).
    """
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        if length is None:
            return address.ipv4_mapped, None
        if length >= 96:
            return address.ipv4_mapped, length - 96
    return address, length


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    address, _ = unmap(ipaddress.ip_address(text.strip()))
    return address


def parse_ip(text: str) -> tuple[int, int]:
    """Parse an IPv4 or IPv6 address into (version, int); raise ValueError if malformed.

    An IPv4-mapped IPv6 address is its IPv4 address (see :func:`unmap`).
    """
    address = _address(text)
    return address.version, int(address)


def ip_to_int(text: str) -> int:
    """Return the integer value of an IPv4 or IPv6 address string (mapped IPv6 is IPv4)."""
    return int(_address(text))


def int_to_ip(value: int, version: int = 4) -> str:
    """Format an integer as an address string of the given IP version."""
    if version == 4:
        return str(ipaddress.IPv4Address(value))
    return str(ipaddress.IPv6Address(value))


def ip_version(text: str) -> int:
    """Return 4 or 6 for an address string (mapped IPv6 is 4); raise ValueError if malformed."""
    return _address(text).version


def is_ip(text: str) -> bool:
    """Tell whether ``text`` is an IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(text.strip())
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True, order=True)
class Prefix:
    """An IP prefix: ``version`` 4 or 6, ``network`` as int (host bits zero), ``length``."""

    version: int
    network: int
    length: int

    @classmethod
    def parse(cls, text: str) -> Prefix:
        """Parse ``a.b.c.d/n`` or ``x::/n`` leniently: host bits are masked off.

        This is Go's ``ParseCIDRSloppy`` behaviour the apiserver uses for
        ``ipBlock.cidr`` (``10.1.2.3/8`` means ``10.0.0.0/8``). Raises
        ValueError for anything that is not a CIDR.
        """
        if "/" not in text:
            raise ValueError(f"not a CIDR: {text!r}")
        network = ipaddress.ip_network(text.strip(), strict=False)
        address, length = unmap(network.network_address, network.prefixlen)
        if length is not None and address.version == 4:
            network = ipaddress.ip_network((address, length), strict=False)
        return cls(network.version, int(network.network_address), network.prefixlen)

    @classmethod
    def host(cls, version: int, value: int) -> Prefix:
        """Return the single-address prefix (/32 or /128) of an address."""
        return cls(version, value, bits_for(version))

    @property
    def bits(self) -> int:
        """Address width of this prefix's family."""
        return bits_for(self.version)

    @property
    def last(self) -> int:
        """The highest address inside the prefix, as an int."""
        return self.network | ((1 << (self.bits - self.length)) - 1)

    def contains_ip(self, version: int, value: int) -> bool:
        """Tell whether address (version, value) lies inside this prefix."""
        return version == self.version and self.network <= value <= self.last

    def contains(self, other: Prefix) -> bool:
        """Tell whether ``other`` lies entirely inside this prefix."""
        return (
            other.version == self.version
            and other.length >= self.length
            and self.network <= other.network <= self.last
        )

    def address(self, offset: int) -> int:
        """Return the address ``offset`` places after the network address."""
        if offset < 0 or self.network + offset > self.last:
            raise ValueError(f"offset {offset} outside {self}")
        return self.network + offset

    def __str__(self) -> str:
        return f"{int_to_ip(self.network, self.version)}/{self.length}"
