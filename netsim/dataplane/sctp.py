"""SCTP INIT and INIT-ACK packets as bytes, for kernels without SCTP sockets.

Where ``socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP)`` fails (no ``sctp``
module), the probes send an INIT chunk through a raw IPPROTO_SCTP socket and
the destination pod's raw socket answers with an INIT-ACK (RFC 9260 §5.1): the
first two packets of an association are what NetworkPolicy filters (the
INIT-ACK is a reply and passes as ``ct state established``). The checksum is
CRC32c (RFC 9260 Appendix A), which conntrack verifies.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

CHUNK_INIT = 1
CHUNK_INIT_ACK = 2
PARAM_STATE_COOKIE = 7
_CRC32C_POLY = 0x82F63B78


def _table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _CRC32C_POLY if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _table()


def crc32c(data: bytes) -> int:
    """CRC32c (Castagnoli) of ``data``, as SCTP's checksum uses it."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class SctpInit:
    """The fields of an INIT or INIT-ACK that the probes use."""

    sport: int
    dport: int
    vtag: int
    chunk: int
    initiate_tag: int


def _packet(sport: int, dport: int, vtag: int, chunk: bytes) -> bytes:
    header = struct.pack("!HHII", sport, dport, vtag, 0)
    body = header + chunk
    checksum = crc32c(body)
    return body[:8] + struct.pack("<I", checksum) + body[12:]


def build_init(sport: int, dport: int, initiate_tag: int) -> bytes:
    """An SCTP packet with one INIT chunk (verification tag 0, as RFC 9260 requires)."""
    chunk = struct.pack("!BBHIIHHI", CHUNK_INIT, 0, 20, initiate_tag, 65535, 1, 1, initiate_tag)
    return _packet(sport, dport, 0, chunk)


def build_init_ack(init: SctpInit, own_tag: int) -> bytes:
    """The INIT-ACK answering ``init``: tagged with the peer's initiate tag, with a cookie."""
    cookie = struct.pack("!HH", PARAM_STATE_COOKIE, 8) + struct.pack("!I", own_tag)
    length = 20 + len(cookie)
    chunk = (
        struct.pack("!BBHIIHHI", CHUNK_INIT_ACK, 0, length, own_tag, 65535, 1, 1, own_tag) + cookie
    )
    return _packet(init.dport, init.sport, init.initiate_tag, chunk)


def parse(datagram: bytes) -> tuple[str, SctpInit] | None:
    """Parse an IPv4 datagram from a raw socket: (source IP, INIT/INIT-ACK), else None."""
    if len(datagram) < 20 or datagram[0] >> 4 != 4:
        return None
    ihl = (datagram[0] & 0x0F) * 4
    packet = datagram[ihl:]
    if len(packet) < 32:
        return None
    sport, dport, vtag = struct.unpack("!HHI", packet[:8])
    chunk, _, _, initiate_tag = struct.unpack("!BBHI", packet[12:20])
    if chunk not in (CHUNK_INIT, CHUNK_INIT_ACK):
        return None
    source = ".".join(str(b) for b in datagram[12:16])
    return source, SctpInit(sport, dport, vtag, chunk, initiate_tag)
