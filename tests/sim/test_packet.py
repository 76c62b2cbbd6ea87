"""Frames rendered from templates are the bytes scapy builds; DNS and pcap round-trip."""

from __future__ import annotations

import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from scapy.layers.dns import DNS, DNSQR, DNSRR
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
    DnsAnswer,
    DnsQuestion,
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


# ---------------------------------------------------------------- DNS wire format
# netsim encodes DNS with struct (RFC 1035 4.1); scapy is the independent oracle.
NAMES = ("nginx.default.svc.cluster.local", "x", "a-b.c1.example", "")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("qtype", [QTYPE_A, QTYPE_AAAA])
def test_dns_query_bytes_are_what_scapy_builds(name: str, qtype: int) -> None:
    expected = bytes(DNS(id=513, rd=1, qd=DNSQR(qname=name + ".", qtype=qtype)))
    assert dns_query(513, name, qtype) == expected
    parsed = DNS(expected)
    assert parsed.qr == 0 and parsed.rd == 1 and parsed.qdcount == 1


@pytest.mark.parametrize(
    ("qtype", "rcode", "addresses"),
    [
        (QTYPE_A, 0, ["10.100.0.16"]),
        (QTYPE_A, 0, ["10.244.1.2", "10.244.2.3"]),
        (QTYPE_AAAA, 0, ["fd00:10:96::a", "2001:db8::1"]),
        (QTYPE_AAAA, 0, []),
        (QTYPE_A, RCODE_NXDOMAIN, []),
    ],
)
def test_dns_response_bytes_are_what_scapy_builds(
    qtype: int, rcode: int, addresses: list[str]
) -> None:
    question = DnsQuestion(0xBEEF, "web.default.svc.cluster.local", qtype)
    fqdn = question.name + "."
    expected = DNS(
        id=question.id,
        qr=1,
        aa=1,
        rd=1,
        ra=1,
        rcode=rcode,
        qd=DNSQR(qname=fqdn, qtype=qtype),
        an=[DNSRR(rrname=fqdn, type=qtype, rclass=1, ttl=30, rdata=a) for a in addresses],
    )
    data = dns_response(question, rcode, addresses, 30)
    assert data == bytes(expected)
    assert dns_parse_response(data) == DnsAnswer(
        question.id, question.name, qtype, rcode, tuple(addresses)
    )


def test_dns_parse_follows_compression_pointers_and_skips_other_records() -> None:
    fqdn = "a.b.c."
    message = DNS(
        id=3,
        qr=1,
        qd=DNSQR(qname=fqdn, qtype=QTYPE_A),
        an=[
            DNSRR(rrname=fqdn, type=QTYPE_A, rdata="1.2.3.4"),
            DNSRR(rrname=fqdn, type=5, rdata="x.b.c."),  # CNAME: not an address
            DNSRR(rrname=fqdn, type=QTYPE_A, rdata="5.6.7.8"),
        ],
    ).compress()
    data = bytes(message)
    assert b"\xc0\x0c" in data  # the records point back at the question's name
    assert dns_parse_response(data) == DnsAnswer(3, "a.b.c", QTYPE_A, 0, ("1.2.3.4", "5.6.7.8"))


def test_dns_parse_rejects_what_is_not_a_well_formed_message() -> None:
    query = dns_query(9, "web", QTYPE_A)
    response = dns_response(DnsQuestion(9, "web", QTYPE_A), 0, ["10.0.0.1"], 30)
    assert dns_parse_query(query) == DnsQuestion(9, "web", QTYPE_A)
    assert dns_parse_query(response) is None  # QR set: a response, not a query
    assert dns_parse_response(query) is None  # QR clear
    for cut in range(len(query)):
        assert dns_parse_query(query[:cut]) is None
    for cut in range(len(response)):
        assert dns_parse_response(response[:cut]) is None
    header = struct.pack("!HHHHHH", 9, 0x0100, 1, 0, 0, 0)
    # A name that is a pointer to itself (offset 12) loops forever: malformed.
    assert dns_parse_query(header + b"\xc0\x0c" + struct.pack("!HH", QTYPE_A, 1)) is None
    no_question = struct.pack("!HHHHHH", 9, 0x0100, 0, 0, 0, 0)
    assert dns_parse_query(no_question) is None


@pytest.mark.parametrize("name", ["a" * 64 + ".example", "a..b", ".".join(["abcdefgh"] * 29)])
def test_dns_query_refuses_names_rfc_1035_cannot_carry(name: str) -> None:
    with pytest.raises(ValueError, match="cannot encode DNS name"):
        dns_query(1, name, QTYPE_A)


def test_dns_and_the_data_path_never_import_scapy() -> None:
    # scapy costs about half a second to import; only rendering a capture needs it.
    code = (
        "import sys\n"
        "from netsim.model import Cluster, Labels, Pod, Service, ServicePort\n"
        "from netsim.sim.network import Network\n"
        "c = Cluster(); c.add_default_node(); c.ensure_namespace('default')\n"
        "c.add(Pod('web', 'default', labels=Labels.of(app='web'), image='nginx'))\n"
        "c.add(Service('web', 'default', ports=(ServicePort(80, 80),),"
        " selector=Labels.of(app='web')))\n"
        "c.add(Pod('client', 'default'))\n"
        "net = Network(c, seed=1)\n"
        "assert net.exec('default/client', 'wget -q --spider web').exit_code == 0\n"
        "assert 'scapy' not in sys.modules, 'scapy imported'\n"
        "net.write_pcap(sys.argv[1])\n"
        "assert 'scapy' in sys.modules\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        pcap = Path(tmp) / "run.pcap"
        subprocess.run([sys.executable, "-c", code, str(pcap)], check=True, timeout=120)
        assert any(p.haslayer(DNS) for p in rdpcap(str(pcap)))
