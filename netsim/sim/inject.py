"""A user's packet into the simulator's frame: scapy (or raw bytes) in, :class:`Frame` out.

``Network.send`` accepts any packet a user can build with scapy: ``Ether``
(its MACs are ignored: the sending host's stack puts its own on the wire),
``IP`` or ``IPv6`` over TCP, UDP, SCTP, ICMP/ICMPv6 or any other IP protocol
(GRE, ESP...: the IP payload travels as opaque bytes), or raw bytes of an IP
packet (first nibble 4 or 6) or of an Ethernet frame. Fields the user left
unset take the sending host's values (source address) or the stack's
defaults (TTL 64). ARP and other non-IP frames are refused with a clear error:
the hosts resolve their neighbours themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netsim.addr import parse_ip
from netsim.errors import UnsupportedError
from netsim.sim.flow import (
    PROTO_ICMP,
    PROTO_ICMPV6,
    PROTO_SCTP,
    PROTO_TCP,
    PROTO_UDP,
    Frame,
)
from netsim.sim.packet import SCTP_INIT

if TYPE_CHECKING:
    from scapy.packet import Packet

    from netsim.sim.topology import Host


def as_scapy(packet: Packet | bytes) -> Packet:
    """``packet`` itself, or raw bytes parsed as an IP packet or an Ethernet frame."""
    if not isinstance(packet, bytes | bytearray):
        return packet
    from scapy.layers.inet import IP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.l2 import Ether

    data = bytes(packet)
    if not data:
        raise UnsupportedError("cannot send an empty packet")
    nibble = data[0] >> 4
    if nibble == 4:
        return IP(data)
    if nibble == 6:
        return IPv6(data)
    return Ether(data)


def frame_from_packet(packet: Packet | bytes, host: Host) -> Frame:
    """The :class:`Frame` ``host`` would put on its interface for ``packet``.

    Raises :class:`UnsupportedError` for a packet with no IP layer, or of an
    IP version the host has no address of.
    """
    from scapy.layers.inet import IP
    from scapy.layers.inet6 import IPv6

    pkt = as_scapy(packet)
    ip = pkt.getlayer(IP) or pkt.getlayer(IPv6)
    if ip is None:
        raise UnsupportedError(
            f"cannot send {pkt.summary()!r}: only IP packets (IPv4 or IPv6) can be sent; "
            "hosts resolve their neighbours themselves"
        )
    version = 4 if isinstance(ip, IP) else 6
    if version != host.version:
        raise UnsupportedError(
            f"cannot send an IPv{version} packet from {host.key}, which has an "
            f"IPv{host.version} address only"
        )
    src = parse_ip(ip.src)[1] if "src" in ip.fields else host.ip
    dst = parse_ip(str(ip.dst))[1]
    if version == 4:
        proto, ttl = int(ip.proto), int(ip.ttl)
    else:
        proto, ttl = int(ip.nh), int(ip.hlim)
    frame = Frame(version, proto, src, 0, dst, 0, ttl=ttl)
    l4 = ip.payload
    if proto in (PROTO_TCP, PROTO_UDP, PROTO_SCTP):
        frame.sport, frame.dport = int(l4.sport), int(l4.dport)
    if proto == PROTO_TCP:
        frame.flags, frame.seq, frame.ack = int(l4.flags), int(l4.seq), int(l4.ack)
        frame.payload = bytes(l4.payload)
    elif proto == PROTO_UDP:
        frame.payload = bytes(l4.payload)
    elif proto == PROTO_SCTP:
        _sctp_fields(frame, l4)
    elif proto in (PROTO_ICMP, PROTO_ICMPV6):
        _icmp_fields(frame, bytes(l4))
    else:
        frame.payload = bytes(l4)
    return frame


def _sctp_fields(frame: Frame, sctp: Packet) -> None:
    """The first chunk's type in ``flags``; an INIT's tag in ``seq``, the header tag in ``ack``."""
    frame.ack = int(sctp.tag)
    chunk = sctp.payload
    frame.flags = int(getattr(chunk, "type", SCTP_INIT))
    frame.seq = int(getattr(chunk, "init_tag", 0) or 0)


def _icmp_fields(frame: Frame, raw: bytes) -> None:
    """Type in ``flags``; for echo, identifier in ``sport`` and sequence in ``seq``."""
    if len(raw) < 8:
        raise UnsupportedError(f"an ICMP message needs 8 bytes of header, got {len(raw)}")
    frame.flags = raw[0]
    frame.sport = int.from_bytes(raw[4:6], "big")
    frame.seq = int.from_bytes(raw[6:8], "big")
    frame.payload = raw[8:]
