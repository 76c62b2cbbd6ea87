"""Frames as the simulator carries them: integer fields, no scapy on the hot path.

A :class:`Frame` is one Ethernet frame in flight. Its header fields are plain
ints so that bridging, conntrack, NAT and policy never touch scapy; the wire
bytes are rendered from a per-flow template (:mod:`netsim.sim.packet`) only
when a capture is written. A :data:`ConnKey` ``(proto, src, sport, dst, dport)``
identifies the flow for conntrack and for the policy hook.
"""

from __future__ import annotations

from typing import Final, Protocol

ETH_IPV4: Final = 0x0800
ETH_ARP: Final = 0x0806
ETH_IPV6: Final = 0x86DD

PROTO_ICMP: Final = 1
PROTO_TCP: Final = 6
PROTO_UDP: Final = 17
PROTO_ICMPV6: Final = 58
PROTO_SCTP: Final = 132

PROTO_NAMES: Final[dict[int, str]] = {
    PROTO_ICMP: "ICMP",
    PROTO_TCP: "TCP",
    PROTO_UDP: "UDP",
    PROTO_ICMPV6: "ICMP",
    PROTO_SCTP: "SCTP",
}
"""IP protocol number -> the protocol string of the policy API (ICMPv6 is ``ICMP``)."""

L4_NUMBERS: Final = frozenset((PROTO_TCP, PROTO_UDP, PROTO_SCTP))
"""The IP protocols NetworkPolicy ``ports`` can name; every other one is judged without a port."""

OTHER_PROTOCOLS: Final[dict[int, str]] = {
    4: "IPIP",
    41: "IPV6",
    47: "GRE",
    50: "ESP",
    51: "AH",
    89: "OSPF",
    112: "VRRP",
    136: "UDPLITE",
}
"""Names for the policy hook and traces of a few IP protocols NetworkPolicy has no word for."""


def policy_protocol(proto: int) -> str:
    """The protocol string the policy engine judges IP protocol ``proto`` as.

    TCP, UDP and SCTP as the API spells them; ICMP and ICMPv6 as ``ICMP``;
    any other protocol by its name (``GRE``) or ``IP-<number>``. The engine
    treats every name but TCP, UDP and SCTP alike: unfiltered unless the
    profile's ``filter_icmp`` is on, and then admitted only by rules without
    ``ports`` (a ``ports`` entry names TCP, UDP or SCTP).
    """
    name = PROTO_NAMES.get(proto)
    if name is None:
        name = OTHER_PROTOCOLS.get(proto, f"IP-{proto}")
    return name


PROTO_NUMBERS: Final[dict[str, int]] = {"TCP": PROTO_TCP, "UDP": PROTO_UDP, "SCTP": PROTO_SCTP}
"""Kubernetes protocol string -> IP protocol number."""

# TCP flag bits (RFC 793).
FIN: Final = 0x01
SYN: Final = 0x02
RST: Final = 0x04
PSH: Final = 0x08
ACK: Final = 0x10

ICMP_ECHO_REPLY: Final = 0
ICMP_UNREACH: Final = 3
ICMP_ECHO_REQUEST: Final = 8
ICMPV6_ECHO_REQUEST: Final = 128
ICMPV6_ECHO_REPLY: Final = 129

BROADCAST_MAC: Final = 0xFFFFFFFFFFFF

ConnKey = tuple[int, int, int, int, int]
"""``(proto, src, sport, dst, dport)`` with addresses as ints; ICMP echo uses (id, 0)."""


class Addressed(Protocol):
    """What a socket stack or a packet builder needs of its host: its name and address."""

    @property
    def key(self) -> str:
        """``ns/pod``, ``node/NAME`` or ``external/NAME``."""
        ...

    @property
    def version(self) -> int:
        """4 or 6."""
        ...

    @property
    def ip(self) -> int:
        """The host's address as int."""
        ...


class Frame:
    """One frame in flight: Ethernet + IP + L4 header fields as ints, payload as bytes.

    Mutable on purpose: NAT rewrites addresses in place as the frame crosses a
    node. For ARP frames ``proto`` is 0 and ``flags`` holds the ARP opcode,
    ``src``/``dst`` the sender and target protocol addresses. For ICMP echo
    ``sport`` is the identifier, ``dport`` 0, ``flags`` the ICMP type and
    ``seq`` the sequence number.
    """

    __slots__ = (
        "ack",
        "dport",
        "dst",
        "dst_mac",
        "flags",
        "payload",
        "proto",
        "seq",
        "sport",
        "src",
        "src_mac",
        "ttl",
        "version",
    )

    def __init__(
        self,
        version: int,
        proto: int,
        src: int,
        sport: int,
        dst: int,
        dport: int,
        flags: int = 0,
        seq: int = 0,
        ack: int = 0,
        payload: bytes = b"",
        src_mac: int = 0,
        dst_mac: int = 0,
        ttl: int = 64,
    ) -> None:
        self.version = version
        self.proto = proto
        self.src = src
        self.sport = sport
        self.dst = dst
        self.dport = dport
        self.flags = flags
        self.seq = seq
        self.ack = ack
        self.payload = payload
        self.src_mac = src_mac
        self.dst_mac = dst_mac
        self.ttl = ttl

    @property
    def key(self) -> ConnKey:
        """The conntrack tuple of this frame."""
        return (self.proto, self.src, self.sport, self.dst, self.dport)

    def copy(self) -> Frame:
        """A new frame with the same fields (a retransmission, a flooded copy)."""
        return Frame(
            self.version,
            self.proto,
            self.src,
            self.sport,
            self.dst,
            self.dport,
            self.flags,
            self.seq,
            self.ack,
            self.payload,
            self.src_mac,
            self.dst_mac,
            self.ttl,
        )


def reverse(key: ConnKey) -> ConnKey:
    """The tuple a reply to ``key`` carries."""
    proto, src, sport, dst, dport = key
    return (proto, dst, dport, src, sport)
