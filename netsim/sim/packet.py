"""Wire formats at the edge: bytes of frames, DNS messages, pcap and pcapng files, and
users' scapy packets turned into frames (``Network.send``, ``netsim replay``).

The only module of netsim that imports scapy, and only when a frame is
rendered (a capture is written), a user's packet is read or a capture replayed:
scapy takes about half a second to import (``scapy.all`` seconds), which a run
that writes no capture never pays. Each
flow direction gets a header template built once with scapy; every frame of
that flow is rendered by copying the template and patching lengths,
sequence numbers, flags, TTL and checksums as ints. The data path itself
never touches scapy.

DNS messages travel in frame payloads on the data path (every name lookup),
so they are encoded and decoded here with ``struct`` per RFC 1035 (section
4.1): a 12-byte header, the question, and A/AAAA resource records, names
written uncompressed (as scapy writes them), compression pointers followed
when reading. The tests check the bytes against scapy's.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from netsim.addr import int_to_ip, parse_ip
from netsim.errors import NetsimError, UnsupportedError
from netsim.fileio import write_atomically
from netsim.sim.flow import (
    ETH_ARP,
    PROTO_ICMP,
    PROTO_ICMPV6,
    PROTO_SCTP,
    PROTO_TCP,
    PROTO_UDP,
    Addressed,
    Frame,
)

if TYPE_CHECKING:
    from scapy.packet import Packet as Packet  # re-exported: the one scapy import of netsim


QTYPE_A = 1
QTYPE_AAAA = 28
RCODE_NOERROR = 0
RCODE_NXDOMAIN = 3

SCTP_INIT = 1
SCTP_INIT_ACK = 2
SCTP_ABORT = 6

LINKTYPE_ETHERNET = 1
PCAP_MAGIC_NS = 0xA1B23C4D
"""pcap with nanosecond timestamps (scapy's rdpcap and Wireshark read it)."""


def mac_text(value: int) -> str:
    """``0x0a580af40102`` -> ``0a:58:0a:f4:01:02``."""
    raw = value.to_bytes(6, "big")
    return ":".join(f"{b:02x}" for b in raw)


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return int(~total & 0xFFFF)


def _pseudo_header(frame: Frame, length: int) -> bytes:
    if frame.version == 4:
        return struct.pack("!IIBBH", frame.src, frame.dst, 0, frame.proto, length)
    return (
        frame.src.to_bytes(16, "big")
        + frame.dst.to_bytes(16, "big")
        + struct.pack("!I3xB", length, frame.proto)
    )


class FrameRenderer:
    """Renders :class:`Frame` values to wire bytes from cached per-flow templates."""

    def __init__(self) -> None:
        self._templates: dict[tuple[int, ...], bytes] = {}

    def render(self, frame: Frame) -> bytes:
        """Return the Ethernet frame's bytes (checksums correct)."""
        if frame.proto == 0:
            return self._arp(frame)
        if frame.proto not in (PROTO_TCP, PROTO_UDP, PROTO_ICMP, PROTO_ICMPV6):
            return bytes(self._scapy(frame))  # SCTP and other IP protocols (GRE...)
        key = (
            frame.version,
            frame.proto,
            frame.src,
            frame.sport,
            frame.dst,
            frame.dport,
            frame.src_mac,
            frame.dst_mac,
        )
        template = self._templates.get(key)
        if template is None:
            template = bytes(self._scapy(frame, header_only=True))
            self._templates[key] = template
        return self._patch(template, frame)

    def _patch(self, template: bytes, frame: Frame) -> bytes:
        ip_len = 20 if frame.version == 4 else 40
        l4_off = 14 + ip_len
        header = bytearray(template)
        payload = frame.payload
        if frame.proto == PROTO_TCP:
            struct.pack_into("!IIBB", header, l4_off + 4, frame.seq, frame.ack, 0x50, frame.flags)
            struct.pack_into("!H", header, l4_off + 16, 0)
            l4 = bytes(header[l4_off:]) + payload
        elif frame.proto == PROTO_UDP:
            struct.pack_into("!HH", header, l4_off + 4, 8 + len(payload), 0)
            l4 = bytes(header[l4_off:]) + payload
        else:  # ICMP / ICMPv6 echo
            struct.pack_into("!BBHHH", header, l4_off, frame.flags, 0, 0, frame.sport, frame.seq)
            l4 = bytes(header[l4_off:]) + payload
        l4_len = len(l4)
        if frame.proto == PROTO_ICMP:
            csum = _checksum(l4)
        else:
            csum = _checksum(_pseudo_header(frame, l4_len) + l4)
            if frame.proto == PROTO_UDP and csum == 0:
                csum = 0xFFFF
        csum_off = {PROTO_TCP: 16, PROTO_UDP: 6}.get(frame.proto, 2)
        l4 = l4[:csum_off] + struct.pack("!H", csum) + l4[csum_off + 2 :]
        ip = bytearray(header[14:l4_off])
        if frame.version == 4:
            struct.pack_into("!H", ip, 2, ip_len + l4_len)
            ip[8] = frame.ttl
            struct.pack_into("!H", ip, 10, 0)
            struct.pack_into("!H", ip, 10, _checksum(bytes(ip)))
        else:
            struct.pack_into("!H", ip, 4, l4_len)
            ip[7] = frame.ttl
        return bytes(header[:14]) + bytes(ip) + l4

    def _arp(self, frame: Frame) -> bytes:
        from scapy.layers.l2 import ARP, Ether

        eth = Ether(src=mac_text(frame.src_mac), dst=mac_text(frame.dst_mac), type=ETH_ARP)
        target_mac = "00:00:00:00:00:00" if frame.flags == 1 else mac_text(frame.dst_mac)
        arp = ARP(
            op=frame.flags,
            hwsrc=mac_text(frame.src_mac),
            psrc=int_to_ip(frame.src, 4),
            hwdst=target_mac,
            pdst=int_to_ip(frame.dst, 4),
        )
        return bytes(eth / arp)

    def _scapy(self, frame: Frame, header_only: bool = False) -> Packet:
        from scapy.layers.inet import ICMP, IP, TCP, UDP
        from scapy.layers.inet6 import ICMPv6EchoReply, ICMPv6EchoRequest, IPv6
        from scapy.layers.l2 import Ether
        from scapy.layers.sctp import SCTP, SCTPChunkAbort, SCTPChunkInit, SCTPChunkInitAck
        from scapy.packet import Raw

        eth = Ether(src=mac_text(frame.src_mac), dst=mac_text(frame.dst_mac))
        src = int_to_ip(frame.src, frame.version)
        dst = int_to_ip(frame.dst, frame.version)
        ip: Packet
        if frame.version == 4:
            ip = IP(src=src, dst=dst, ttl=frame.ttl, flags="DF", id=0)
        else:
            ip = IPv6(src=src, dst=dst, hlim=frame.ttl)
        l4: Packet
        if frame.proto == PROTO_TCP:
            l4 = TCP(sport=frame.sport, dport=frame.dport, window=64240)
        elif frame.proto == PROTO_UDP:
            l4 = UDP(sport=frame.sport, dport=frame.dport)
        elif frame.proto == PROTO_ICMP:
            l4 = ICMP(type=frame.flags, id=frame.sport, seq=frame.seq)
        elif frame.proto == PROTO_ICMPV6:
            cls = ICMPv6EchoRequest if frame.flags == 128 else ICMPv6EchoReply
            l4 = cls(id=frame.sport, seq=frame.seq)
        elif frame.proto != PROTO_SCTP:  # another IP protocol: its payload as it came
            if frame.version == 4:
                ip.proto = frame.proto
            else:
                ip.nh = frame.proto
            return eth / ip / Raw(frame.payload) if frame.payload else eth / ip
        else:
            chunk: Packet
            if frame.flags == SCTP_INIT:
                chunk = SCTPChunkInit(init_tag=frame.seq, n_in_streams=1, n_out_streams=1)
            elif frame.flags == SCTP_INIT_ACK:
                chunk = SCTPChunkInitAck(init_tag=frame.seq, n_in_streams=1, n_out_streams=1)
            else:
                chunk = SCTPChunkAbort()
            l4 = SCTP(sport=frame.sport, dport=frame.dport, tag=frame.ack) / chunk
        packet: Packet = eth / ip / l4
        if frame.payload and not header_only:
            packet = packet / Raw(frame.payload)
        return packet


def parse_frame(data: bytes) -> Packet:
    """An Ethernet frame's bytes as a scapy packet (imports scapy)."""
    from scapy.layers.l2 import Ether

    return Ether(data)


@dataclass(frozen=True, slots=True)
class DnsQuestion:
    """A decoded DNS query: transaction ``id``, ``name`` (no trailing dot), ``qtype``."""

    id: int
    name: str
    qtype: int


@dataclass(frozen=True, slots=True)
class DnsAnswer:
    """A decoded DNS response: ``rcode`` and the addresses of its A/AAAA records."""

    id: int
    name: str
    qtype: int
    rcode: int
    addresses: tuple[str, ...]


DNS_HEADER = struct.Struct("!HHHHHH")
"""id, flags, QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT (RFC 1035 4.1.1)."""
FLAG_QR = 0x8000
FLAG_AA = 0x0400
FLAG_RD = 0x0100
FLAG_RA = 0x0080
CLASS_IN = 1
MAX_LABEL = 63
MAX_NAME = 255
MAX_POINTERS = 64
"""A name with more compression pointers than this loops: the message is malformed."""


class _Malformed(Exception):
    """A DNS message that does not decode (truncated, looping pointers, bad lengths)."""


def _encode_name(name: str) -> bytes:
    """``name`` (no trailing dot; "" is the root) as length-prefixed labels and a 0 octet.

    Raises ValueError for a name RFC 1035 cannot carry: an empty label, a label
    longer than 63 octets or a name longer than 255 (glibc's res_mkquery
    fails on those, and no query is sent).
    """
    out = bytearray()
    if name:
        for label in name.encode("utf-8").split(b"."):
            if not 0 < len(label) <= MAX_LABEL:
                raise ValueError(f"cannot encode DNS name {name!r}: bad label length")
            out.append(len(label))
            out += label
    out.append(0)
    if len(out) > MAX_NAME:
        raise ValueError(f"cannot encode DNS name {name!r}: longer than 255 octets")
    return bytes(out)


def _decode_name(data: bytes, offset: int) -> tuple[str, int]:
    """The name at ``offset`` (no trailing dot) and the offset just after it."""
    labels: list[str] = []
    end = -1
    for _ in range(MAX_POINTERS):
        if offset >= len(data):
            raise _Malformed("name runs past the end")
        length = data[offset]
        if length & 0xC0 == 0xC0:  # compression pointer (RFC 1035 4.1.4)
            if offset + 1 >= len(data):
                raise _Malformed("truncated pointer")
            if end < 0:
                end = offset + 2
            offset = ((length & 0x3F) << 8) | data[offset + 1]
            continue
        if length & 0xC0:
            raise _Malformed("reserved label type")
        offset += 1
        if length == 0:
            return ".".join(labels), (offset if end < 0 else end)
        if offset + length > len(data):
            raise _Malformed("label runs past the end")
        labels.append(data[offset : offset + length].decode("ascii", "replace"))
        offset += length
    raise _Malformed("compression pointer loop")


def _question(data: bytes, offset: int) -> tuple[str, int, int]:
    """The question at ``offset``: (name, qtype, offset after it)."""
    name, offset = _decode_name(data, offset)
    if offset + 4 > len(data):
        raise _Malformed("truncated question")
    qtype, _qclass = struct.unpack_from("!HH", data, offset)
    return name, qtype, offset + 4


def dns_query(txid: int, name: str, qtype: int) -> bytes:
    """Encode a recursive (RD) query for ``name`` (A or AAAA, class IN).

    Raises ValueError when ``name`` cannot be encoded (see :func:`_encode_name`).
    """
    header = DNS_HEADER.pack(txid, FLAG_RD, 1, 0, 0, 0)
    return header + _encode_name(name) + struct.pack("!HH", qtype, CLASS_IN)


def dns_parse_query(payload: bytes) -> DnsQuestion | None:
    """Decode a query (QR clear, at least one question; the first one is returned).

    None when it is not a well-formed query: malformed input from the wire is
    not an error of the caller.
    """
    try:
        if len(payload) < DNS_HEADER.size:
            return None
        txid, flags, qdcount, _, _, _ = DNS_HEADER.unpack_from(payload)
        if flags & FLAG_QR or qdcount == 0:
            return None
        name, qtype, _ = _question(payload, DNS_HEADER.size)
        return DnsQuestion(txid, name, qtype)
    except _Malformed:
        return None


def dns_response(question: DnsQuestion, rcode: int, addresses: Sequence[str], ttl: int) -> bytes:
    """Encode an authoritative answer (QR AA RD RA) to ``question``: the question echoed,
    then one A/AAAA record of class IN and ``ttl`` per address."""
    flags = FLAG_QR | FLAG_AA | FLAG_RD | FLAG_RA | (rcode & 0xF)
    name = _encode_name(question.name)
    out = [
        DNS_HEADER.pack(question.id, flags, 1, len(addresses), 0, 0),
        name,
        struct.pack("!HH", question.qtype, CLASS_IN),
    ]
    for address in addresses:
        version, value = parse_ip(address)
        rdata = value.to_bytes(4 if version == 4 else 16, "big")
        out += [name, struct.pack("!HHIH", question.qtype, CLASS_IN, ttl, len(rdata)), rdata]
    return b"".join(out)


def dns_parse_response(payload: bytes) -> DnsAnswer | None:
    """Decode a response: the first question, the rcode and the A/AAAA addresses answered.

    None when it is not a well-formed response (QR set, a question, records
    within the message).
    """
    try:
        if len(payload) < DNS_HEADER.size:
            return None
        txid, flags, qdcount, ancount, _, _ = DNS_HEADER.unpack_from(payload)
        if not flags & FLAG_QR or qdcount == 0:
            return None
        name, qtype, offset = _question(payload, DNS_HEADER.size)
        for _ in range(qdcount - 1):
            _, _, offset = _question(payload, offset)
        addresses: list[str] = []
        for _ in range(ancount):
            _, offset = _decode_name(payload, offset)
            if offset + 10 > len(payload):
                raise _Malformed("truncated record")
            rtype, _rclass, _ttl, rdlength = struct.unpack_from("!HHIH", payload, offset)
            offset += 10
            rdata = payload[offset : offset + rdlength]
            if len(rdata) != rdlength:
                raise _Malformed("truncated rdata")
            offset += rdlength
            if rtype == QTYPE_A and rdlength == 4:
                addresses.append(int_to_ip(int.from_bytes(rdata, "big"), 4))
            elif rtype == QTYPE_AAAA and rdlength == 16:
                addresses.append(int_to_ip(int.from_bytes(rdata, "big"), 6))
        return DnsAnswer(txid, name, qtype, flags & 0xF, tuple(addresses))
    except _Malformed:
        return None


def write_pcap(path: str | Path, records: Iterable[tuple[float, bytes]]) -> int:
    """Write ``(time, frame bytes)`` records as a nanosecond pcap; return the record count.

    Timestamps are simulated seconds since the start of the run, so the
    file is byte-identical for identical runs. The file is written under a
    temporary name and renamed when complete (NetsimError when it cannot be).
    """
    count = 0
    out = [struct.pack("<IHHiIII", PCAP_MAGIC_NS, 2, 4, 0, 0, 262144, LINKTYPE_ETHERNET)]
    for time, data in records:
        ns = round(time * 1_000_000_000)
        sec, nsec = divmod(ns, 1_000_000_000)
        out.append(struct.pack("<IIII", sec, nsec, len(data), len(data)))
        out.append(data)
        count += 1
    write_atomically(path, b"".join(out))
    return count


CAPTURE_START_NS = 1_704_067_200 * 1_000_000_000
"""Wall-clock time of simulated second 0 in captures: 2024-01-01T00:00:00Z, fixed, so the
same run writes the same bytes (and no tool shows 1970)."""

_SHB, _IDB, _EPB = 0x0A0D0D0A, 0x00000001, 0x00000006
_OPT_IF_NAME, _OPT_IF_TSRESOL = 2, 9


def _block(kind: int, body: bytes) -> bytes:
    """A pcapng block: type, total length, body padded to 32 bits, total length again."""
    body += b"\0" * (-len(body) % 4)
    length = 12 + len(body)
    return struct.pack("<II", kind, length) + body + struct.pack("<I", length)


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def write_pcapng(
    path: str | Path,
    interfaces: Sequence[str],
    records: Iterable[tuple[float, int, bytes]],
    start_ns: int = CAPTURE_START_NS,
) -> int:
    """Write a pcapng file: one Interface Description Block per name in ``interfaces``
    (Ethernet, ``if_name`` the name, nanosecond ``if_tsresol``), then one Enhanced Packet
    Block per ``(simulated time, interface index, frame bytes)`` record, stamped
    ``start_ns`` + the simulated time. Returns the record count; written atomically."""
    section = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
    out = [_block(_SHB, section)]
    for name in interfaces:
        options = _option(_OPT_IF_NAME, name.encode()) + _option(_OPT_IF_TSRESOL, b"\x09")
        options += struct.pack("<HH", 0, 0)
        out.append(_block(_IDB, struct.pack("<HHI", LINKTYPE_ETHERNET, 0, 262144) + options))
    count = 0
    for time, index, data in records:
        ns = start_ns + round(time * 1_000_000_000)
        header = struct.pack("<IIIII", index, ns >> 32, ns & 0xFFFFFFFF, len(data), len(data))
        out.append(_block(_EPB, header + data))
        count += 1
    write_atomically(path, b"".join(out))
    return count


# ------------------------------------------------------------ packets from users
# Network.send accepts any packet a user can build with scapy: Ether (its MACs are
# ignored: the sending host's stack puts its own on the wire), IP or IPv6 over TCP,
# UDP, SCTP, ICMP/ICMPv6 or any other IP protocol (GRE, ESP...: the IP payload
# travels as opaque bytes), or raw bytes of an IP packet (first nibble 4 or 6) or of
# an Ethernet frame. Fields the user left unset take the sending host's values
# (source address) or the stack's defaults (TTL 64). ARP and other non-IP frames are
# refused: the hosts resolve their neighbours themselves.


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


def frame_from_packet(packet: Packet | bytes, host: Addressed) -> Frame:
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


def is_ip_packet(packet: Packet) -> bool:
    """Whether a scapy packet holds an IPv4 or IPv6 layer."""
    from scapy.layers.inet import IP
    from scapy.layers.inet6 import IPv6

    return bool(packet.haslayer(IP) or packet.haslayer(IPv6))


def read_capture(path: str | Path) -> list[Packet]:
    """Every frame of a pcap or pcapng file; NetsimError naming the file when unreadable."""
    from scapy.error import Scapy_Exception
    from scapy.utils import rdpcap

    try:
        return list(rdpcap(str(path)))
    except FileNotFoundError:
        raise NetsimError(f"{path}: no such file") from None
    except (Scapy_Exception, OSError, EOFError, ValueError) as exc:
        raise NetsimError(f"{path}: not a readable pcap or pcapng capture ({exc})") from None


def build_packet(
    dst: str,
    proto: int,
    *,
    src: str = "",
    sport: int = 0,
    dport: int = 0,
    flags: str = "S",
    ttl: int = 64,
    payload: bytes = b"",
) -> Packet:
    """A scapy IP/IPv6 packet from plain fields (a scenario's ``send:`` step).

    TCP carries ``flags``; ICMP/ICMPv6 is an echo request with identifier
    ``sport``; any other protocol carries ``payload`` as its IP payload. An empty
    ``src`` leaves the source to the sending host.
    """
    from scapy.layers.inet import ICMP, IP, TCP, UDP
    from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6
    from scapy.layers.sctp import SCTP, SCTPChunkInit
    from scapy.packet import Raw

    version = parse_ip(dst)[0]
    ip: Packet = IP(dst=dst, ttl=ttl, proto=proto) if version == 4 else IPv6(dst=dst, hlim=ttl)
    if version == 6:
        ip.nh = proto
    if src:
        ip.src = src
    l4: Packet
    if proto == PROTO_TCP:
        l4 = TCP(sport=sport, dport=dport, flags=flags, seq=1)
    elif proto == PROTO_UDP:
        l4 = UDP(sport=sport, dport=dport)
    elif proto == PROTO_SCTP:
        l4 = SCTP(sport=sport, dport=dport, tag=0) / SCTPChunkInit(init_tag=1)
    elif proto == PROTO_ICMP and version == 4:
        l4 = ICMP(type=8, id=sport, seq=1)
    elif proto in (PROTO_ICMP, PROTO_ICMPV6):
        l4 = ICMPv6EchoRequest(id=sport, seq=1)
        ip.nh = PROTO_ICMPV6
    else:
        return ip / Raw(payload) if payload else ip
    return ip / l4 / Raw(payload) if payload else ip / l4
