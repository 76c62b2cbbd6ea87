"""Probe every pod pair with real sockets, from one process, all probes in flight at once.

The prober opens, in every pod namespace, a listener on every probed
(protocol, port): a TCP listening socket that accepts and closes, a UDP socket
that echoes. Clients are created by entering the source pod's namespace with
``setns`` on the calling thread (a socket stays in the namespace it was made
in), so no process is spawned per probe. One selector loop drives listeners
and clients; a probe that gets no answer within half its timeout is retried
once, so the whole phase costs about one timeout however many probes there are.

SCTP: where the kernel has no SCTP sockets (no ``sctp`` module, as on this
project's CI machine), each pod gets a raw IPPROTO_SCTP socket that answers
INIT with INIT-ACK, and the client sends a raw INIT; an INIT-ACK back means the
association's first packet passed both policy checks. :attr:`Prober.sctp_mode`
says which way was used.
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
import resource
import selectors
import socket
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Literal

from netsim.dataplane import sctp
from netsim.dataplane.harness import Harness
from netsim.dataplane.system import NETNS_DIR, setns
from netsim.errors import UnsupportedError

Port = tuple[str, int]
"""A probed destination port: (protocol, number), e.g. ("UDP", 53)."""
SctpMode = Literal["none", "kernel", "raw"]
DEFAULT_TIMEOUT = 1.0
MAX_TIMEOUT = 600.0
"""The longest per-probe timeout accepted (seconds): the probe phase costs about one."""
MAX_ATTEMPTS = 2
START_BURST = 200
"""Probes started between two passes over ready sockets (so answers are read in time)."""


def timeout_problem(seconds: float) -> str | None:
    """Why ``seconds`` cannot be a probe timeout (not a finite number in (0, 600]), or None."""
    if not math.isfinite(seconds) or not 0 < seconds <= MAX_TIMEOUT:
        return f"the probe timeout must be more than 0 and at most {MAX_TIMEOUT:g} seconds"
    return None


def check_timeout(seconds: float) -> float:
    """``seconds`` when it is a usable probe timeout; UnsupportedError saying why not."""
    problem = timeout_problem(seconds)
    if problem:
        raise UnsupportedError(f"timeout {seconds}: {problem}")
    return seconds


def kernel_has_sctp() -> bool:
    """True when this kernel offers SCTP sockets (``socket(..., IPPROTO_SCTP)`` works)."""
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP).close()
    except OSError:
        return False
    return True


@dataclass(frozen=True, slots=True, order=True)
class Probe:
    """One connection attempt from ``src`` to ``dst`` on a port.

    Each end is a pod (``ns/name``) or an external host (its IP).
    """

    src: str
    dst: str
    protocol: str
    port: int


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What the kernel did with a probe.

    ``outcome`` is ``connected`` (TCP handshake done, UDP echo or SCTP INIT-ACK
    received), ``timeout`` (dropped: what a NetworkPolicy drop looks like),
    ``refused`` or ``unreachable`` (an answer that is not a policy verdict,
    a harness fault).
    """

    probe: Probe
    outcome: str
    attempts: int

    @property
    def connected(self) -> bool:
        """True when the connection got through."""
        return self.outcome == "connected"


@dataclass(eq=False)
class _Attempt:
    probe: Probe
    number: int
    deadline: float
    sock: socket.socket | None = None
    token: bytes = b""
    sctp_key: tuple[str, str, int, int, int] | None = None


_Finish = Callable[[_Attempt, str], None]


class Prober:
    """Listeners in every pod of a built :class:`Harness`, and the probe loop.

    Use as a context manager: entering opens the listeners, leaving closes
    every socket (before the harness deletes the namespaces). ``timeout`` is
    per probe: each of its two attempts gets half.
    """

    def __init__(
        self,
        harness: Harness,
        ports: Sequence[Port],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_in_flight: int | None = None,
    ) -> None:
        self.harness = harness
        self.ports = sorted(set(ports))
        self.timeout = check_timeout(timeout)
        self.sctp_mode: SctpMode = "none"
        if any(proto == "SCTP" for proto, _ in self.ports):
            self.sctp_mode = "kernel" if kernel_has_sctp() else "raw"
        self._sctp_ports = {n for proto, n in self.ports if proto == "SCTP"}
        self._selector = selectors.DefaultSelector()
        self._owned: list[socket.socket] = []
        self._ns_fds: dict[str, int] = {}
        self._home = -1
        self._raw: dict[str, socket.socket] = {}
        self._pending_sctp: dict[tuple[str, str, int, int, int], _Attempt] = {}
        self._counter = 0
        self._max_in_flight = max_in_flight or self._raise_fd_limit()

    @staticmethod
    def _raise_fd_limit() -> int:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard == resource.RLIM_INFINITY or hard > soft:
            wanted = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
            resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
            soft = max(soft, wanted)
        return max(64, min(8000, soft // 2 - 256))

    # --------------------------------------------------------------- setup
    def __enter__(self) -> Prober:
        try:
            self.open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _enter(self, pod_key: str) -> None:
        setns(self._ns_fds[pod_key])

    def _leave(self) -> None:
        setns(self._home)

    def open(self) -> None:
        """Open a namespace handle and the listeners of every pod."""
        self._home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        for key, pod in self.harness.probe_ends.items():
            self._ns_fds[key] = os.open(NETNS_DIR / pod.netns, os.O_RDONLY)
        for key in self.harness.probe_ends:
            self._enter(key)
            try:
                self._open_listeners(key)
            finally:
                self._leave()

    def _own(self, sock: socket.socket, data: object) -> None:
        sock.setblocking(False)
        self._owned.append(sock)
        self._selector.register(sock, selectors.EVENT_READ, data)

    def _open_listeners(self, key: str) -> None:
        for proto, number in self.ports:
            if proto == "TCP" or (proto == "SCTP" and self.sctp_mode == "kernel"):
                ipproto = socket.IPPROTO_TCP if proto == "TCP" else socket.IPPROTO_SCTP
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, ipproto)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(("0.0.0.0", number))
                sock.listen(4096)
                self._own(sock, ("listen", key))
            elif proto == "UDP":
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sock.bind(("0.0.0.0", number))
                self._own(sock, ("echo", key))
        if self.sctp_mode == "raw":
            raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_SCTP)
            self._raw[key] = raw
            self._own(raw, ("raw", key))

    def close(self) -> None:
        """Close every socket and namespace handle this prober opened."""
        for sock in self._owned:
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(sock)
            sock.close()
        self._owned.clear()
        self._selector.close()
        for fd in self._ns_fds.values():
            os.close(fd)
        self._ns_fds.clear()
        if self._home >= 0:
            os.close(self._home)
            self._home = -1

    # ---------------------------------------------------------------- probes
    def all_probes(self, ports: Sequence[Port] | None = None) -> list[Probe]:
        """Every (source pod, destination pod, port), then each pod to and from each
        external host; sources and destinations in key order.

        ``ports`` defaults to every port listened on.
        """
        chosen = sorted(set(ports)) if ports is not None else self.ports
        keys = sorted(self.harness.pods)
        probes = [Probe(s, d, proto, n) for proto, n in chosen for s in keys for d in keys]
        for ext in sorted(self.harness.externals):
            for proto, n in chosen:
                probes += [Probe(ext, pod, proto, n) for pod in keys]
                probes += [Probe(pod, ext, proto, n) for pod in keys]
        return probes

    def run(
        self,
        probes: Sequence[Probe] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> dict[Probe, ProbeResult]:
        """Run ``probes`` (default: all) concurrently; return each one's result.

        ``progress(done, total)`` is called each time another tenth of the probes is done,
        and once at the end.
        """
        queue: deque[tuple[Probe, int]] = deque((p, 1) for p in probes or self.all_probes())
        flying: OrderedDict[int, _Attempt] = OrderedDict()
        results: dict[Probe, ProbeResult] = {}
        total = len(queue)
        step = max(1, total // 10)
        reported = 0

        def finish(attempt: _Attempt, outcome: str) -> None:
            """Close an attempt; a first timeout queues the one retry."""
            flying.pop(id(attempt), None)
            self._drop(attempt)
            if outcome == "timeout" and attempt.number < MAX_ATTEMPTS:
                queue.append((attempt.probe, attempt.number + 1))
            else:
                results[attempt.probe] = ProbeResult(attempt.probe, outcome, attempt.number)

        while queue or flying:
            burst = 0
            while queue and len(flying) < self._max_in_flight and burst < START_BURST:
                burst += 1
                probe, number = queue.popleft()
                attempt = self._start(probe, number)
                if attempt.deadline < 0:
                    results[probe] = ProbeResult(probe, "unreachable", number)
                    continue
                flying[id(attempt)] = attempt
            wait = 0.0
            if flying and not (queue and len(flying) < self._max_in_flight):
                wait = max(0.0, next(iter(flying.values())).deadline - time.monotonic())
            for ready, _ in self._selector.select(wait):
                self._handle(ready.fileobj, ready.data, finish)  # type: ignore[arg-type]
            now = time.monotonic()
            while flying:
                first = next(iter(flying.values()))
                if first.deadline > now:
                    break
                finish(first, "timeout")
            if progress is not None and len(results) >= reported + step:
                reported = len(results) - len(results) % step
                progress(len(results), total)
        if progress is not None and reported < len(results):
            progress(len(results), total)
        return results

    def _start(self, probe: Probe, number: int) -> _Attempt:
        dst_ip = self.harness.address(probe.dst)
        attempt = _Attempt(probe, number, time.monotonic() + self.timeout / MAX_ATTEMPTS)
        self._counter += 1
        if probe.protocol == "SCTP" and self.sctp_mode == "raw":
            sport = 20000 + self._counter % 40000
            tag = self._counter
            attempt.sctp_key = (probe.src, dst_ip, sport, probe.port, tag)
            self._pending_sctp[attempt.sctp_key] = attempt
            self._raw[probe.src].sendto(sctp.build_init(sport, probe.port, tag), (dst_ip, 0))
            return attempt
        self._enter(probe.src)
        try:
            if probe.protocol == "UDP":
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            else:
                ipproto = socket.IPPROTO_TCP if probe.protocol == "TCP" else socket.IPPROTO_SCTP
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, ipproto)
        finally:
            self._leave()
        sock.setblocking(False)
        attempt.sock = sock
        if probe.protocol == "UDP":
            attempt.token = f"netsim-probe-{self._counter}".encode()
            try:
                sock.connect((dst_ip, probe.port))
                sock.send(attempt.token)
            except OSError:
                sock.close()
                attempt.deadline = -1.0
                return attempt
            self._selector.register(sock, selectors.EVENT_READ, ("client", attempt))
        else:
            code = sock.connect_ex((dst_ip, probe.port))
            if code not in (0, errno.EINPROGRESS):
                sock.close()
                attempt.deadline = -1.0
                return attempt
            self._selector.register(sock, selectors.EVENT_WRITE, ("client", attempt))
        return attempt

    def _drop(self, attempt: _Attempt) -> None:
        if attempt.sock is not None:
            self._selector.unregister(attempt.sock)
            if attempt.probe.protocol != "UDP":
                # Reset instead of FIN: no TIME_WAIT build-up across thousands of probes.
                attempt.sock.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
            attempt.sock.close()
            attempt.sock = None
        if attempt.sctp_key is not None:
            self._pending_sctp.pop(attempt.sctp_key, None)

    def _handle(self, sock: socket.socket, data: tuple[str, object], done: _Finish) -> None:
        kind, payload = data
        if kind == "listen":
            with contextlib.suppress(OSError):
                while True:  # drain: a backlog of handshakes may be waiting
                    conn, _ = sock.accept()
                    conn.close()
        elif kind == "echo":
            with contextlib.suppress(OSError):
                while True:
                    message, peer = sock.recvfrom(2048)
                    sock.sendto(message, peer)
        elif kind == "raw":
            self._handle_raw(sock, str(payload), done)
        else:
            attempt = payload
            assert isinstance(attempt, _Attempt)
            if attempt.probe.protocol == "UDP":
                try:
                    reply = sock.recv(2048)
                except OSError as exc:
                    done(attempt, _outcome_of(exc.errno))
                    return
                if reply == attempt.token:
                    done(attempt, "connected")
            else:
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                done(attempt, "connected" if code == 0 else _outcome_of(code))

    def _handle_raw(self, sock: socket.socket, key: str, done: _Finish) -> None:
        while True:
            try:
                datagram, _ = sock.recvfrom(4096)
            except OSError:
                return
            self._sctp_packet(sock, key, datagram, done)

    def _sctp_packet(self, sock: socket.socket, key: str, datagram: bytes, done: _Finish) -> None:
        parsed = sctp.parse(datagram)
        if parsed is None:
            return
        source, chunk = parsed
        if chunk.chunk == sctp.CHUNK_INIT and chunk.dport in self._sctp_ports:
            self._counter += 1
            answer = sctp.build_init_ack(chunk, 0x5C7A0000 + self._counter)
            sock.sendto(answer, (source, 0))
        elif chunk.chunk == sctp.CHUNK_INIT_ACK:
            attempt = self._pending_sctp.get((key, source, chunk.dport, chunk.sport, chunk.vtag))
            if attempt is not None:
                done(attempt, "connected")


def _outcome_of(code: int | None) -> str:
    if code == errno.ECONNREFUSED:
        return "refused"
    if code == errno.ETIMEDOUT:
        return "timeout"
    return "unreachable"
