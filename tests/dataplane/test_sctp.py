"""SCTP packet building: checksums and chunk layout per RFC 9260."""

from __future__ import annotations

import struct

from netsim.dataplane import sctp


def test_crc32c_check_value() -> None:
    # The CRC-32C (Castagnoli) check value of "123456789" (RFC 3720 B.4 and the CRC catalogue).
    assert sctp.crc32c(b"123456789") == 0xE3069283
    # RFC 3720 B.4: 32 bytes of zeros.
    assert sctp.crc32c(bytes(32)) == 0x8A9136AA


def test_init_has_zero_vtag_and_valid_checksum() -> None:
    packet = sctp.build_init(40000, 90, 0xDEADBEEF)
    sport, dport, vtag, _ = struct.unpack("!HHII", packet[:12])
    assert (sport, dport, vtag) == (40000, 90, 0)  # RFC 9260 §8.5.1: INIT carries tag 0
    zeroed = packet[:8] + bytes(4) + packet[12:]
    assert struct.unpack("<I", packet[8:12])[0] == sctp.crc32c(zeroed)
    chunk_type, _, length, tag = struct.unpack("!BBHI", packet[12:20])
    assert (chunk_type, length, tag) == (sctp.CHUNK_INIT, 20, 0xDEADBEEF)


def test_init_ack_answers_with_the_initiate_tag() -> None:
    ip_header = bytes([0x45]) + bytes(11) + bytes([10, 0, 0, 1]) + bytes([10, 0, 0, 2])
    parsed = sctp.parse(ip_header + sctp.build_init(40000, 90, 77))
    assert parsed is not None
    source, init = parsed
    assert source == "10.0.0.1"
    assert (init.sport, init.dport, init.chunk, init.initiate_tag) == (40000, 90, 1, 77)
    ack = sctp.parse(ip_header + sctp.build_init_ack(init, 99))
    assert ack is not None
    _, answer = ack
    # The INIT-ACK goes back to the INIT's source port, tagged with the INIT's initiate tag.
    assert (answer.sport, answer.dport, answer.vtag, answer.chunk) == (90, 40000, 77, 2)
    assert answer.initiate_tag == 99


def test_parse_ignores_other_chunks_and_short_packets() -> None:
    ip_header = bytes([0x45]) + bytes(19)
    data_chunk = struct.pack("!HHII", 1, 2, 3, 0) + struct.pack("!BBHI", 0, 0, 16, 0) + bytes(12)
    assert sctp.parse(ip_header + data_chunk) is None
    assert sctp.parse(b"\x45") is None
