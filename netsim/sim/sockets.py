"""A small host network stack: TCP, UDP, SCTP INIT and ICMP echo, enough for the tools.

TCP does the three-way handshake, retransmits unacknowledged segments with
exponential backoff (SYN: initial RTO 1 s, ``tcp_syn_retries`` = 6 and
``tcp_synack_retries`` = 5, as Linux; data: RTO 200 ms, 15 retries),
answers a SYN to a closed port with RST/ACK and closes with FIN. There is
no windowing, no MSS split, no TIME_WAIT: a connection is forgotten once
both FINs are acknowledged. A datagram to a closed UDP port is dropped
silently (Linux would send ICMP port-unreachable; busybox tools here never
look at it).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Final, Literal

import simpy

from netsim.sim.flow import (
    ACK,
    FIN,
    ICMP_ECHO_REPLY,
    ICMP_ECHO_REQUEST,
    ICMPV6_ECHO_REPLY,
    ICMPV6_ECHO_REQUEST,
    PROTO_ICMP,
    PROTO_ICMPV6,
    PROTO_SCTP,
    PROTO_TCP,
    PROTO_UDP,
    PSH,
    RST,
    SYN,
    Addressed,
    Frame,
)
from netsim.sim.packet import SCTP_ABORT, SCTP_INIT, SCTP_INIT_ACK

SYN_RTO: Final = 1.0
DATA_RTO: Final = 0.2
SYN_RETRIES: Final = 6
SYNACK_RETRIES: Final = 5
DATA_RETRIES: Final = 15
EPHEMERAL_LOW: Final = 32768
EPHEMERAL_HIGH: Final = 60999

TcpEvent = Literal["established", "refused", "data", "eof", "reset", "timeout", "closed"]
TcpListener = Callable[["TcpConn"], None]
UdpHandler = Callable[[Frame], None]


class TcpConn:
    """One TCP connection end. ``on_event(kind, data)`` tells its owner what happened."""

    def __init__(self, stack: Stack, lport: int, rip: int, rport: int, iss: int) -> None:
        self.stack = stack
        self.lport = lport
        self.rip = rip
        self.rport = rport
        self.state = "CLOSED"
        self.snd_una = iss
        self.snd_nxt = iss
        self.rcv_nxt = 0
        self.unacked: list[tuple[int, int, bytes]] = []  # (seq, flags, payload)
        self.rto = SYN_RTO
        self.retries = 0
        self.timer_gen = 0
        self.fin_sent = False
        self.fin_received = False
        self.received = bytearray()
        self.on_event: Callable[[TcpEvent, bytes], None] = lambda kind, data: None

    # ------------------------------------------------------------------ sending
    def _emit(self, flags: int, seq: int, payload: bytes = b"") -> None:
        host = self.stack.host
        frame = Frame(
            host.version,
            PROTO_TCP,
            host.ip,
            self.lport,
            self.rip,
            self.rport,
            flags,
            seq,
            self.rcv_nxt if flags & ACK else 0,
            payload,
        )
        self.stack.send(frame)

    def _send_segment(self, flags: int, payload: bytes = b"") -> None:
        seq = self.snd_nxt
        length = len(payload) + (1 if flags & (SYN | FIN) else 0)
        self.snd_nxt = (self.snd_nxt + length) & 0xFFFFFFFF
        if length:
            self.unacked.append((seq, flags, payload))
            if len(self.unacked) == 1:
                self._arm_timer()
        self._emit(flags, seq, payload)

    def _arm_timer(self) -> None:
        self.timer_gen += 1
        gen = self.timer_gen
        self.stack.after(self.rto, lambda: self._on_timer(gen))

    def _on_timer(self, gen: int) -> None:
        if gen != self.timer_gen or not self.unacked or self.state == "CLOSED":
            return
        limits = {"SYN_SENT": SYN_RETRIES, "SYN_RCVD": SYNACK_RETRIES}
        limit = limits.get(self.state, DATA_RETRIES)
        if self.retries >= limit:
            self._close("timeout")
            return
        self.retries += 1
        self.rto *= 2
        seq, flags, payload = self.unacked[0]
        self._emit(flags, seq, payload)
        self._arm_timer()

    def connect(self) -> None:
        """Send the SYN (state SYN_SENT)."""
        self.state = "SYN_SENT"
        self.rto = SYN_RTO
        self._send_segment(SYN)

    def send(self, data: bytes) -> None:
        """Send ``data`` as one PSH/ACK segment."""
        if self.state in ("ESTABLISHED", "CLOSE_WAIT") and not self.fin_sent:
            self._send_segment(PSH | ACK, data)

    def close(self) -> None:
        """Send FIN (or forget the connection if it never got established)."""
        if self.state in ("SYN_SENT", "CLOSED"):
            self._close("closed", notify=False)
            return
        if not self.fin_sent:
            self.fin_sent = True
            self._send_segment(FIN | ACK)
            self._maybe_done()

    def reset(self) -> None:
        """Close with RST, as Linux does when a socket is closed with unread data."""
        if self.state not in ("CLOSED", "SYN_SENT"):
            self._emit(RST | ACK, self.snd_nxt)
        self._close("closed", notify=False)

    def abort(self) -> None:
        """Forget the connection without sending anything (the process died)."""
        self._close("closed", notify=False)

    def _close(self, kind: TcpEvent, notify: bool = True) -> None:
        if self.state == "CLOSED" and not notify:
            self.stack.forget(self)
            return
        self.state = "CLOSED"
        self.timer_gen += 1
        self.unacked.clear()
        self.stack.forget(self)
        if notify:
            self.on_event(kind, b"")

    def _maybe_done(self) -> None:
        if self.fin_sent and self.fin_received and not self.unacked:
            self._close("closed")

    # ---------------------------------------------------------------- receiving
    def receive(self, frame: Frame) -> None:
        """Handle one segment addressed to this connection."""
        flags = frame.flags
        if flags & RST:
            was = self.state
            self._close("refused" if was == "SYN_SENT" else "reset")
            return
        if self.state == "SYN_SENT":
            if flags & SYN and flags & ACK and frame.ack == self.snd_nxt:
                self.rcv_nxt = (frame.seq + 1) & 0xFFFFFFFF
                self._acked(frame.ack)
                self.state = "ESTABLISHED"
                self.rto = DATA_RTO
                self._emit(ACK, self.snd_nxt)
                self.on_event("established", b"")
            return
        if flags & SYN:  # retransmitted SYN or SYN/ACK: acknowledge again
            if self.state == "SYN_RCVD":
                seq, sflags, payload = self.unacked[0] if self.unacked else (0, 0, b"")
                if sflags:
                    self._emit(sflags, seq, payload)
            else:
                self._emit(ACK, self.snd_nxt)
            return
        if flags & ACK:
            self._acked(frame.ack)
            if self.state == "SYN_RCVD":
                self.state = "ESTABLISHED"
                self.rto = DATA_RTO
                self.on_event("established", b"")
        advance = 0
        if frame.payload and frame.seq == self.rcv_nxt:
            self.received += frame.payload
            advance += len(frame.payload)
        if flags & FIN and ((frame.seq + len(frame.payload)) & 0xFFFFFFFF) == (
            (self.rcv_nxt + advance) & 0xFFFFFFFF
        ):
            advance += 1
        if advance:
            self.rcv_nxt = (self.rcv_nxt + advance) & 0xFFFFFFFF
            self._emit(ACK, self.snd_nxt)
            if frame.payload:
                self.on_event("data", frame.payload)
            if flags & FIN and not self.fin_received:
                self.fin_received = True
                if self.state == "ESTABLISHED":
                    self.state = "CLOSE_WAIT"
                self.on_event("eof", b"")
        elif frame.payload or flags & FIN:
            self._emit(ACK, self.snd_nxt)  # duplicate: re-acknowledge
        self._maybe_done()

    def _acked(self, ack: int) -> None:
        before = len(self.unacked)
        while self.unacked:
            seq, flags, payload = self.unacked[0]
            end = (seq + len(payload) + (1 if flags & (SYN | FIN) else 0)) & 0xFFFFFFFF
            if ((ack - end) & 0xFFFFFFFF) < 0x80000000:
                self.unacked.pop(0)
                self.snd_una = end
            else:
                break
        if len(self.unacked) != before:
            self.retries = 0
            self.timer_gen += 1
            if self.unacked:
                self._arm_timer()


class Stack:
    """The sockets of one host (pod, node or external client)."""

    def __init__(
        self,
        host: Addressed,
        env: simpy.Environment,
        rng: random.Random,
        send: Callable[[Frame], None],
    ) -> None:
        self.host = host
        self.env = env
        self.rng = rng
        self.send = send
        self.tcp_listeners: dict[int, TcpListener] = {}
        self.udp_sockets: dict[int, UdpHandler] = {}
        self.sctp_listeners: set[int] = set()
        self.sctp_waiters: dict[int, Callable[[int], None]] = {}
        self.icmp_waiters: dict[int, Callable[[Frame], None]] = {}
        self.conns: dict[tuple[int, int, int], TcpConn] = {}
        self._next_port = EPHEMERAL_LOW + rng.randrange(EPHEMERAL_HIGH - EPHEMERAL_LOW)
        self._next_icmp_id = rng.randrange(1, 0xFFFF)

    def after(self, delay: float, callback: Callable[[], None]) -> None:
        """Call ``callback`` after ``delay`` simulated seconds."""
        timeout = self.env.timeout(delay)
        timeout.callbacks.append(lambda _event: callback())

    def ephemeral_port(self) -> int:
        """The next free local port of the ephemeral range (Linux ip_local_port_range)."""
        span = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1
        for _ in range(span):
            port = self._next_port
            self._next_port = EPHEMERAL_LOW + (port + 1 - EPHEMERAL_LOW) % span
            if port not in self.udp_sockets and not any(k[0] == port for k in self.conns):
                return port
        raise RuntimeError("ephemeral ports exhausted")

    def icmp_id(self) -> int:
        """A fresh ICMP echo identifier."""
        self._next_icmp_id = self._next_icmp_id % 0xFFFF + 1
        return self._next_icmp_id

    # -------------------------------------------------------------------- TCP
    def connect(self, rip: int, rport: int) -> TcpConn:
        """Open a TCP connection (returns at once; watch ``on_event``)."""
        lport = self.ephemeral_port()
        conn = TcpConn(self, lport, rip, rport, self.rng.getrandbits(32))
        self.conns[(lport, rip, rport)] = conn
        conn.connect()
        return conn

    def forget(self, conn: TcpConn) -> None:
        """Drop a closed connection from the table."""
        key = (conn.lport, conn.rip, conn.rport)
        if self.conns.get(key) is conn:
            del self.conns[key]

    def _tcp_input(self, frame: Frame) -> None:
        conn = self.conns.get((frame.dport, frame.src, frame.sport))
        if conn is not None:
            conn.receive(frame)
            return
        flags = frame.flags
        if flags & RST:
            return
        listener = self.tcp_listeners.get(frame.dport)
        if flags & SYN and not flags & ACK and listener is not None:
            conn = TcpConn(self, frame.dport, frame.src, frame.sport, self.rng.getrandbits(32))
            conn.state = "SYN_RCVD"
            conn.rcv_nxt = (frame.seq + 1) & 0xFFFFFFFF
            self.conns[(frame.dport, frame.src, frame.sport)] = conn
            listener(conn)
            conn._send_segment(SYN | ACK)
            return
        # RFC 793 reset generation for a segment to no connection.
        host = self.host
        if flags & ACK:
            reply = Frame(host.version, PROTO_TCP, host.ip, frame.dport, frame.src, frame.sport)
            reply.flags, reply.seq = RST, frame.ack
        else:
            length = len(frame.payload) + (1 if flags & SYN else 0) + (1 if flags & FIN else 0)
            reply = Frame(host.version, PROTO_TCP, host.ip, frame.dport, frame.src, frame.sport)
            reply.flags, reply.ack = RST | ACK, (frame.seq + length) & 0xFFFFFFFF
        self.send(reply)

    # -------------------------------------------------------------------- UDP
    def bind_udp(self, port: int, handler: UdpHandler) -> int:
        """Bind a UDP port (0: an ephemeral one) to ``handler``; return the port."""
        if port == 0:
            port = self.ephemeral_port()
        self.udp_sockets[port] = handler
        return port

    def unbind_udp(self, port: int) -> None:
        """Close a UDP socket."""
        self.udp_sockets.pop(port, None)

    def send_udp(self, lport: int, rip: int, rport: int, payload: bytes) -> None:
        """Send one datagram."""
        host = self.host
        self.send(Frame(host.version, PROTO_UDP, host.ip, lport, rip, rport, payload=payload))

    # ------------------------------------------------------------------- SCTP
    def sctp_init(self, rip: int, rport: int, on_answer: Callable[[int], None]) -> int:
        """Send an SCTP INIT; ``on_answer`` gets INIT_ACK or ABORT's chunk type."""
        lport = self.ephemeral_port()
        tag = self.rng.getrandbits(32)
        self.sctp_waiters[lport] = on_answer
        host = self.host
        frame = Frame(host.version, PROTO_SCTP, host.ip, lport, rip, rport, SCTP_INIT, tag, 0)
        self.send(frame)
        return lport

    def _sctp_input(self, frame: Frame) -> None:
        if frame.flags == SCTP_INIT:
            host = self.host
            answer = SCTP_INIT_ACK if frame.dport in self.sctp_listeners else SCTP_ABORT
            tag = self.rng.getrandbits(32)
            reply = Frame(host.version, PROTO_SCTP, host.ip, frame.dport, frame.src, frame.sport)
            reply.flags, reply.seq, reply.ack = answer, tag, frame.seq
            self.send(reply)
            return
        waiter = self.sctp_waiters.pop(frame.dport, None)
        if waiter is not None:
            waiter(frame.flags)

    # ------------------------------------------------------------------- ICMP
    def ping(self, rip: int, ident: int, seq: int, payload: bytes) -> None:
        """Send one ICMP echo request."""
        host = self.host
        proto, kind = (PROTO_ICMP, ICMP_ECHO_REQUEST) if host.version == 4 else (PROTO_ICMPV6, 128)
        self.send(Frame(host.version, proto, host.ip, ident, rip, 0, kind, seq, 0, payload))

    def _icmp_input(self, frame: Frame) -> None:
        if frame.flags in (ICMP_ECHO_REQUEST, ICMPV6_ECHO_REQUEST):
            host = self.host
            kind = ICMP_ECHO_REPLY if frame.proto == PROTO_ICMP else ICMPV6_ECHO_REPLY
            self.send(
                Frame(
                    host.version,
                    frame.proto,
                    host.ip,
                    frame.sport,
                    frame.src,
                    0,
                    kind,
                    frame.seq,
                    0,
                    frame.payload,
                )
            )
            return
        waiter = self.icmp_waiters.get(frame.sport)
        if waiter is not None:
            waiter(frame)

    # ------------------------------------------------------------------ input
    def receive(self, frame: Frame) -> None:
        """Deliver one frame that reached this host."""
        proto = frame.proto
        if proto == PROTO_TCP:
            self._tcp_input(frame)
        elif proto == PROTO_UDP:
            handler = self.udp_sockets.get(frame.dport)
            if handler is not None:
                handler(frame)
        elif proto in (PROTO_ICMP, PROTO_ICMPV6):
            self._icmp_input(frame)
        elif proto == PROTO_SCTP:
            self._sctp_input(frame)
