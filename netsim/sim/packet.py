"""Scapy at the edge: wire bytes of frames, DNS messages, and pcap files.

The only module of netsim that imports scapy (and only the layers it uses:
``scapy.all`` takes seconds to import). Each flow direction gets a header
template built once with scapy; every frame of that flow is rendered by
copying the template and patching lengths, sequence numbers, flags, TTL and
checksums as ints. Rendering happens only when a capture is written, so the
data path itself never touches scapy.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scapy.layers.dns import DNS, DNSQR, DNSRR
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import ICMPv6EchoReply, ICMPv6EchoRequest, IPv6
from scapy.layers.l2 import ARP, Ether
from scapy.layers.sctp import SCTP, SCTPChunkAbort, SCTPChunkInit, SCTPChunkInitAck
from scapy.packet import Packet, Raw

from netsim.addr import int_to_ip
from netsim.sim.flow import (
    ETH_ARP,
    PROTO_ICMP,
    PROTO_ICMPV6,
    PROTO_SCTP,
    PROTO_TCP,
    PROTO_UDP,
    Frame,
)

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
        if frame.proto == PROTO_SCTP:
            return bytes(self._scapy(frame))
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


def dns_query(txid: int, name: str, qtype: int) -> bytes:
    """Encode a recursive query for ``name`` (A or AAAA)."""
    return bytes(DNS(id=txid, rd=1, qd=DNSQR(qname=name + ".", qtype=qtype)))


def dns_parse_query(payload: bytes) -> DnsQuestion | None:
    """Decode a query; None when it is not a well-formed one-question query."""
    try:
        msg = DNS(payload)
        qd = msg.qd
        if msg.qr or qd is None:
            return None
        question = qd[0] if isinstance(qd, list) else qd
        name = question.qname.decode("ascii", "replace").rstrip(".")
        return DnsQuestion(int(msg.id), name, int(question.qtype))
    except Exception:  # malformed input from the wire is not an error of the caller
        return None


def dns_response(question: DnsQuestion, rcode: int, addresses: Sequence[str], ttl: int) -> bytes:
    """Encode an authoritative answer to ``question`` with A/AAAA records for ``addresses``."""
    fqdn = question.name + "."
    answers = [
        DNSRR(rrname=fqdn, type=question.qtype, rclass=1, ttl=ttl, rdata=address)
        for address in addresses
    ]
    msg = DNS(
        id=question.id,
        qr=1,
        aa=1,
        rd=1,
        ra=1,
        rcode=rcode,
        qd=DNSQR(qname=fqdn, qtype=question.qtype),
        an=answers,
    )
    return bytes(msg)


def dns_parse_response(payload: bytes) -> DnsAnswer | None:
    """Decode a response; None when it is not a well-formed response."""
    try:
        msg = DNS(payload)
        if not msg.qr or msg.qd is None:
            return None
        qd = msg.qd[0] if isinstance(msg.qd, list) else msg.qd
        addresses: list[str] = []
        records = msg.an if isinstance(msg.an, list) else ([msg.an] if msg.an else [])
        for record in records:
            if int(record.type) in (QTYPE_A, QTYPE_AAAA):
                addresses.append(str(record.rdata))
        name = qd.qname.decode("ascii", "replace").rstrip(".")
        return DnsAnswer(int(msg.id), name, int(qd.qtype), int(msg.rcode), tuple(addresses))
    except Exception:  # malformed input from the wire is not an error of the caller
        return None


def write_pcap(path: str | Path, records: Iterable[tuple[float, bytes]]) -> int:
    """Write ``(time, frame bytes)`` records as a nanosecond pcap; return the record count.

    Timestamps are simulated seconds since the start of the run, so the
    file is byte-identical for identical runs.
    """
    count = 0
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", PCAP_MAGIC_NS, 2, 4, 0, 0, 262144, LINKTYPE_ETHERNET))
        for time, data in records:
            ns = round(time * 1_000_000_000)
            sec, nsec = divmod(ns, 1_000_000_000)
            out.write(struct.pack("<IIII", sec, nsec, len(data), len(data)))
            out.write(data)
            count += 1
    return count
