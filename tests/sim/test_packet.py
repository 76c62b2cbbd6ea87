"""Frames rendered from templates are the bytes scapy builds; DNS and pcap round-trip."""

from __future__ import annotations

from pathlib import Path

from scapy.layers.dns import DNS
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import ARP, Ether
from scapy.utils import rdpcap

from netsim.addr import ip_to_int
from netsim.sim.flow import ACK, PROTO_ICMP, PROTO_TCP, PROTO_UDP, PSH, SYN, Frame
from netsim.sim.packet import (
    QTYPE_A,
    QTYPE_AAAA,
    RCODE_NXDOMAIN,
    FrameRenderer,
    dns_parse_query,
    dns_parse_response,
    dns_query,
    dns_response,
    write_pcap,
)

A = ip_to_int("10.244.1.2")
B = ip_to_int("10.244.2.3")


def _rebuilt(data: bytes, *layers: type) -> bytes:
    """What scapy makes of ``data`` after recomputing every checksum and length."""
    packet = Ether(data)
    for layer in layers:
        for field in ("chksum", "len", "plen"):
            if field in packet[layer].fields:
                delattr(packet[layer], field)
    return bytes(packet)


def test_tcp_frames_from_one_template_have_valid_checksums() -> None:
    renderer = FrameRenderer()
    for flags, seq, payload in ((SYN, 1000, b""), (PSH | ACK, 1001, b"GET / HTTP/1.1\r\n\r\n")):
        frame = Frame(4, PROTO_TCP, A, 40000, B, 80, flags, seq, 77, payload, 0x0A58, 0x0A59, 63)
        data = renderer.render(frame)
        assert _rebuilt(data, IP, TCP) == data
        parsed = Ether(data)
        assert parsed[TCP].seq == seq and parsed[TCP].ack == 77 and parsed[IP].ttl == 63
        assert bytes(parsed[TCP].payload) == payload
    assert len(renderer._templates) == 1


def test_udp_icmp_ipv6_and_arp_frames() -> None:
    renderer = FrameRenderer()
    udp = renderer.render(Frame(4, PROTO_UDP, A, 5000, B, 53, payload=b"abc"))
    assert _rebuilt(udp, IP, UDP) == udp
    icmp = renderer.render(Frame(4, PROTO_ICMP, A, 7, B, 0, 8, 3, 0, bytes(56)))
    assert _rebuilt(icmp, IP, ICMP) == icmp
    assert Ether(icmp)[ICMP].id == 7 and Ether(icmp)[ICMP].seq == 3
    v6 = renderer.render(Frame(6, PROTO_TCP, 1, 1234, 2, 80, SYN, 9))
    assert _rebuilt(v6, IPv6, TCP) == v6
    arp = Ether(renderer.render(Frame(4, 0, A, 0, B, 0, 1, src_mac=5, dst_mac=0xFFFFFFFFFFFF)))
    assert arp[ARP].op == 1 and arp[ARP].pdst == "10.244.2.3"


def test_dns_messages_round_trip() -> None:
    question = dns_parse_query(dns_query(42, "nginx.default.svc.cluster.local", QTYPE_A))
    assert question is not None and question.name == "nginx.default.svc.cluster.local"
    answer = dns_parse_response(dns_response(question, 0, ["10.100.0.16"], 30))
    assert answer is not None and answer.addresses == ("10.100.0.16",) and answer.id == 42
    nx = dns_parse_query(dns_query(1, "nosuch", QTYPE_AAAA))
    assert nx is not None
    parsed = dns_parse_response(dns_response(nx, RCODE_NXDOMAIN, [], 30))
    assert parsed is not None and parsed.rcode == RCODE_NXDOMAIN and parsed.addresses == ()
    assert DNS(dns_query(5, "x", QTYPE_A)).rd == 1
    assert dns_parse_query(b"\x00") is None


def test_pcap_has_simulated_nanosecond_timestamps(tmp_path: Path) -> None:
    renderer = FrameRenderer()
    frames = [renderer.render(Frame(4, PROTO_UDP, A, 1, B, 2, payload=b"x"))] * 2
    path = tmp_path / "t.pcap"
    assert write_pcap(path, [(0.0, frames[0]), (1.000000123, frames[1])]) == 2
    packets = rdpcap(str(path))
    assert [float(p.time) for p in packets] == [0.0, 1.000000123]
    assert bytes(packets[1]) == frames[1]
