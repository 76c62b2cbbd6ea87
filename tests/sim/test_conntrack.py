"""Conntrack entries: both directions match, NAT is remembered, Linux timeouts apply."""

from __future__ import annotations

from netsim.sim.conntrack import TCP_SYN_SENT_TIMEOUT, UDP_TIMEOUT, Conntrack, Entry
from netsim.sim.flow import ACK, PROTO_TCP, PROTO_UDP, SYN

CLIENT, VIP, POD = 1, 100, 50


def test_dnat_entry_matches_both_directions() -> None:
    table = Conntrack()
    orig = (PROTO_TCP, CLIENT, 40000, VIP, 80)
    reply = (PROTO_TCP, POD, 8080, CLIENT, 40000)
    entry = Entry(orig, reply, 4, now=0.0)
    assert entry.dnat and not entry.snat
    table.confirm(entry)
    assert table.lookup(orig, 1.0) == (entry, False)
    assert table.lookup(reply, 1.0) == (entry, True)
    assert len(table) == 1


def test_unreplied_entries_expire_and_replies_extend_them() -> None:
    table = Conntrack()
    tcp = Entry((PROTO_TCP, 1, 2, 3, 4), (PROTO_TCP, 3, 4, 1, 2), 4, now=0.0)
    udp = Entry((PROTO_UDP, 1, 5, 3, 53), (PROTO_UDP, 3, 53, 1, 5), 4, now=0.0)
    table.confirm(tcp)
    table.confirm(udp)
    assert table.lookup(udp.orig, UDP_TIMEOUT + 1) is None
    assert table.lookup(tcp.orig, TCP_SYN_SENT_TIMEOUT - 1) is not None
    Conntrack.update(tcp, True, SYN | ACK, PROTO_TCP, 1.0)
    Conntrack.update(tcp, False, ACK, PROTO_TCP, 1.0)
    assert table.lookup(tcp.orig, TCP_SYN_SENT_TIMEOUT + 10) is not None
    table.remove(tcp)
    assert table.lookup(tcp.reply, 2.0) is None and len(table) == 0
