"""Connection tracking, one table per node, as Linux's nf_conntrack keeps it.

An entry holds the original tuple (as the first packet left its sender) and the
reply tuple (what the answer carries after NAT), so a packet matching either
side is *established* traffic: it follows the entry's NAT and skips policy,
which is what makes NetworkPolicy stateful ("Reply traffic for those allowed
connections will also be implicitly allowed").

Timeouts are Linux's defaults (``nf_conntrack_tcp_timeout_*``,
``nf_conntrack_udp_timeout*``, ``nf_conntrack_icmp_timeout``); entries expire
lazily on lookup.
"""

from __future__ import annotations

from typing import Final

from netsim.sim.flow import (
    ACK,
    FIN,
    PROTO_ICMP,
    PROTO_ICMPV6,
    PROTO_TCP,
    PROTO_UDP,
    RST,
    SYN,
    ConnKey,
    Frame,
)

TCP_SYN_SENT_TIMEOUT: Final = 120.0
TCP_ESTABLISHED_TIMEOUT: Final = 432000.0
TCP_CLOSE_TIMEOUT: Final = 10.0
TCP_TIME_WAIT_TIMEOUT: Final = 120.0
UDP_TIMEOUT: Final = 30.0
UDP_STREAM_TIMEOUT: Final = 120.0
OTHER_TIMEOUT: Final = 30.0


class Entry:
    """One tracked connection.

    ``orig``/``reply`` are the two tuples; ``dnat``/``snat`` say whether the
    node rewrote the destination (kube-proxy) or the source (masquerade).
    ``assured`` is set once a reply was seen, ``closing`` once a FIN was,
    ``closed`` once a RST was. ``rules`` are the policy rules
    (RuleRef text) that allowed the flow at this node, for per-rule counters.
    """

    __slots__ = (
        "assured",
        "closed",
        "closing",
        "dnat",
        "expires",
        "orig",
        "reply",
        "rules",
        "snat",
        "version",
    )

    def __init__(self, orig: ConnKey, reply: ConnKey, version: int, now: float) -> None:
        self.orig = orig
        self.reply = reply
        self.version = version
        if orig[0] in (PROTO_ICMP, PROTO_ICMPV6):  # (id, 0) in both directions
            self.dnat = orig[3] != reply[1]
            self.snat = orig[1] != reply[3]
        else:
            self.dnat = orig[3] != reply[1] or orig[4] != reply[2]
            self.snat = orig[1] != reply[3] or orig[2] != reply[4]
        self.assured = False
        self.closing = False
        self.closed = False
        self.rules: tuple[str, ...] = ()
        self.expires = now + _new_timeout(orig[0])


def _new_timeout(proto: int) -> float:
    if proto == PROTO_TCP:
        return TCP_SYN_SENT_TIMEOUT
    if proto == PROTO_UDP:
        return UDP_TIMEOUT
    return OTHER_TIMEOUT


class Conntrack:
    """A node's conntrack table: tuple -> (entry, is_reply)."""

    def __init__(self) -> None:
        self.table: dict[ConnKey, tuple[Entry, bool]] = {}

    def __len__(self) -> int:
        return len({id(e) for e, _ in self.table.values()})

    def lookup(self, key: ConnKey, now: float) -> tuple[Entry, bool] | None:
        """Find the entry a packet belongs to and whether it travels the reply way."""
        hit = self.table.get(key)
        if hit is None:
            return None
        if hit[0].expires < now:
            self.remove(hit[0])
            return None
        return hit

    def confirm(self, entry: Entry) -> None:
        """Insert a new entry (after the first packet passed every check)."""
        self.table[entry.orig] = (entry, False)
        self.table[entry.reply] = (entry, True)

    def remove(self, entry: Entry) -> None:
        """Forget an entry (expiry, RST, or a policy change that cuts flows)."""
        if self.table.get(entry.orig, (None,))[0] is entry:
            del self.table[entry.orig]
        if self.table.get(entry.reply, (None,))[0] is entry:
            del self.table[entry.reply]

    def entries(self) -> list[Entry]:
        """Distinct live entries in insertion order."""
        seen: dict[int, Entry] = {}
        for entry, _ in self.table.values():
            seen.setdefault(id(entry), entry)
        return list(seen.values())

    @staticmethod
    def translate(entry: Entry, is_reply: bool, frame: Frame) -> None:
        """Apply the entry's NAT to a later packet of its flow (undone on replies)."""
        if not (entry.dnat or entry.snat):
            return
        if frame.dport == 0 and frame.proto in (PROTO_ICMP, PROTO_ICMPV6):
            # ICMP echo: the identifier stays, only addresses are NATed.
            frame.src, frame.dst = (
                (entry.orig[3], entry.orig[1]) if is_reply else (entry.reply[3], entry.reply[1])
            )
        elif is_reply:
            _, frame.dst, frame.dport, frame.src, frame.sport = entry.orig
        else:
            _, frame.dst, frame.dport, frame.src, frame.sport = entry.reply

    @staticmethod
    def update(entry: Entry, is_reply: bool, flags: int, proto: int, now: float) -> None:
        """Advance the entry's state and timeout for one more packet."""
        if is_reply:
            entry.assured = True
        if proto == PROTO_TCP:
            if flags & RST:
                entry.closed = True
                entry.expires = now + TCP_CLOSE_TIMEOUT
            elif flags & FIN:
                entry.closing = True
                entry.expires = now + TCP_TIME_WAIT_TIMEOUT
            elif entry.assured and not entry.closing and flags & ACK and not flags & SYN:
                entry.expires = now + TCP_ESTABLISHED_TIMEOUT
        elif proto == PROTO_UDP:
            entry.expires = now + (UDP_STREAM_TIMEOUT if entry.assured else UDP_TIMEOUT)
        else:
            entry.expires = now + OTHER_TIMEOUT

    @staticmethod
    def reopens(entry: Entry, is_reply: bool, flags: int, proto: int) -> bool:
        """Whether a packet starts a new connection over a closed or closing entry.

        A SYN (no ACK) in the original direction on an entry that saw a RST or
        FIN: Linux kills the old entry and handles the SYN as the first packet
        of a new connection (nf_conntrack_proto_tcp: SYN in CLOSE or TIME_WAIT),
        so it passes the policy hook again.
        """
        return (
            proto == PROTO_TCP
            and not is_reply
            and flags & (SYN | ACK) == SYN
            and (entry.closed or entry.closing)
        )
