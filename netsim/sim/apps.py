"""Programs that run on simulated hosts: busybox wget/nc/ping, an nginx-like server, CoreDNS.

The clients print what busybox 1.36 prints (messages taken from busybox's
``networking/wget.c``, ``nc_bloaty.c`` and ``ping.c``) and exit with its
codes. They run as simpy processes; every wait is simulated time.

- ``wget [-q] [-O FILE] [-T SEC|--timeout=SEC] [--spider] [-S] [-U AGENT] URL``:
  ``Connecting to HOST (IP:PORT)``; the connect is guarded by the timeout
  alarm (default 900 s), whose expiry prints ``wget: download timed out``;
  ``--spider`` prints ``remote file exists``; a download prints ``saving to
  'FILE'``, the progress bar and ``'FILE' saved`` (``writing to stdout`` /
  ``written to stdout`` and the body for ``-O -``); name resolution failure
  prints ``wget: bad address 'HOST'``; a refused connection ``wget: can't
  connect to remote host (IP): Connection refused``; an HTTP error ``wget:
  server returned error: HTTP/1.1 404 Not Found``.
- ``nc [-z] [-v] [-u] [-w SEC] HOST PORT``: silent unless ``-v`` (``HOST
  (IP:PORT) open``); exit 0 when the connection opened, 1 otherwise.
  Without ``-z`` the connection is opened and closed at once (there is no
  stdin to relay).
- ``ping [-c N] [-W SEC] [-w SEC] [-i SEC] [-s SIZE] [-q] HOST``: busybox's
  lines and statistics; exit 0 when a reply came back.
- ``nslookup [-type=T] [-debug] [-port=N] [-retry=N] [-timeout=SEC] NAME
  [SERVER]``: DNS queries through the simulated network to the pod's
  nameserver, printed as busybox prints them (see :mod:`netsim.sim.nslookup`).
- ``cat``, ``hostname``, ``ip addr``/``ip link``, ``echo``, ``true``,
  ``false``: the host's files and interfaces, without simulated time (see
  :mod:`netsim.sim.shellutils`).

Any other command prints ``sh: NAME: not found`` and exits 127 (busybox has
no ``curl``, for one).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import simpy

from netsim.addr import is_ip, parse_ip
from netsim.errors import UnsupportedError
from netsim.model import Pod
from netsim.sim.dns import ATTEMPTS, DNS_NAMESPACE, DNS_SERVICE, TIMEOUT, candidates
from netsim.sim.flow import Frame
from netsim.sim.nslookup import nslookup as run_nslookup
from netsim.sim.packet import (
    QTYPE_A,
    QTYPE_AAAA,
    SCTP_INIT_ACK,
    dns_parse_query,
    dns_parse_response,
    dns_query,
    dns_response,
)
from netsim.sim.posix import ShellSyntaxError, parse_list, runs
from netsim.sim.shellutils import SHELL_COMMANDS
from netsim.sim.sockets import TcpConn

if TYPE_CHECKING:
    from netsim.sim.contracts import SimNet
    from netsim.sim.topology import Host

Proc = Generator[simpy.Event, Any, Any]

NGINX_INDEX = (
    b"<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n<style>\n"
    b"html { color-scheme: light dark; }\nbody { width: 35em; margin: 0 auto;\n"
    b"font-family: Tahoma, Verdana, Arial, sans-serif; }\n</style>\n</head>\n<body>\n"
    b"<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is "
    b"successfully installed and\nworking. Further configuration is required.</p>\n\n"
    b'<p>For online documentation and support please refer to\n<a href="http://nginx.org/">'
    b'nginx.org</a>.<br/>\nCommercial support is available at\n<a href="http://nginx.com/">'
    b"nginx.com</a>.</p>\n\n<p><em>Thank you for using nginx.</em></p>\n</body>\n</html>\n"
)
NGINX_404 = (
    b"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
    b"<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
WGET_DEFAULT_TIMEOUT = 900.0
WGET_TAKES_ARG = frozenset("OoPYUTt") | {"header", "post-data", "post-file"}
WGET_FLAGS = frozenset("cqSn") | {"spider", "no-check-certificate"}
WGET_LONG = {
    "continue": "c",
    "quiet": "q",
    "server-response": "S",
    "output-document": "O",
    "output-file": "o",
    "directory-prefix": "P",
    "proxy": "Y",
    "user-agent": "U",
    "timeout": "T",
    "tries": "t",
    "header": "header",
    "post-data": "post-data",
    "post-file": "post-file",
    "spider": "spider",
    "no-check-certificate": "no-check-certificate",
    "passive-ftp": "n",
    "no-cache": "n",
    "no-verbose": "n",
    "no-clobber": "n",
    "no-host-directories": "n",
    "no-parent": "n",
}
"""busybox wget's long options -> the short option (or long name) they stand for."""
PING_DEFAULT_WAIT = 10.0


@dataclass(frozen=True, slots=True)
class ExecResult:
    """What a command printed (stdout and stderr interleaved) and its exit code.

    ``started``/``ended`` are the simulated times the command ran between.
    """

    output: str
    exit_code: int
    started: float = 0.0
    ended: float = 0.0


class Session:
    """A TCP connection seen as a queue of events a process can wait on."""

    def __init__(self, env: simpy.Environment, conn: TcpConn) -> None:
        self.env = env
        self.conn = conn
        self.events: deque[tuple[str, bytes]] = deque()
        self._waiter: simpy.Event | None = None
        conn.on_event = self._on_event

    def _on_event(self, kind: str, data: bytes) -> None:
        self.events.append((kind, data))
        if self._waiter is not None and not self._waiter.triggered:
            self._waiter.succeed()

    def next(self, timeout: float) -> Generator[simpy.Event, Any, tuple[str, bytes]]:
        """Wait for the next event, at most ``timeout`` seconds (then ``("alarm", b"")``)."""
        if not self.events:
            self._waiter = self.env.event()
            yield self.env.any_of([self._waiter, self.env.timeout(timeout)])
            self._waiter = None
            if not self.events:
                return ("alarm", b"")
        return self.events.popleft()

    def read_into(
        self, buffer: bytearray, enough: Callable[[], bool], timeout: float
    ) -> Generator[simpy.Event, Any, str]:
        """Append received data to ``buffer`` until ``enough()``; say why reading stopped.

        Returns ``"enough"``, ``"eof"`` (the peer closed), ``"alarm"`` (``timeout``
        seconds passed without an event) or the kind of the event that ended the
        stream (a reset).
        """
        while not enough():
            kind, chunk = yield from self.next(timeout)
            if kind != "data":
                return kind
            buffer += chunk
        return "enough"


# ---------------------------------------------------------------- servers
def install_servers(net: SimNet, host: Host, pod: Pod | None) -> None:
    """Start the server side of a host: its container ports, nginx, CoreDNS, echo."""
    stack = host.stack
    if pod is None:  # external client: a web server on 80
        stack.tcp_listeners[80] = http_server
        return
    if pod.namespace == DNS_NAMESPACE and pod.labels.get("k8s-app") == "kube-dns":
        stack.bind_udp(53, lambda frame: _dns_answer(net, host, frame))
        stack.tcp_listeners[53] = lambda conn: None
        stack.tcp_listeners[9153] = http_server
        return
    for cp in pod.container_ports:
        if cp.protocol == "TCP":
            stack.tcp_listeners[cp.port] = http_server
        elif cp.protocol == "UDP":
            stack.bind_udp(cp.port, partial(udp_echo, host))
        else:
            stack.sctp_listeners.add(cp.port)
    if "nginx" in pod.image.split("/")[-1].split(":")[0]:
        stack.tcp_listeners.setdefault(80, http_server)


def udp_echo(host: Host, frame: Frame) -> None:
    """A UDP echo server: send every datagram back to where it came from."""
    host.stack.send_udp(frame.dport, frame.src, frame.sport, frame.payload)


def _dns_answer(net: SimNet, host: Host, frame: Frame) -> None:
    question = dns_parse_query(frame.payload)
    if question is None:
        return
    rcode, addresses = net.dns.answer(question)
    payload = dns_response(question, rcode, addresses, 30)
    host.stack.send_udp(frame.dport, frame.src, frame.sport, payload)


def http_server(conn: TcpConn) -> None:
    """An nginx-like HTTP/1.1 server on one accepted connection."""
    buffer = bytearray()

    def on_event(kind: str, data: bytes) -> None:
        if kind == "data":
            buffer.extend(data)
            while b"\r\n\r\n" in buffer:
                head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
                buffer[:] = rest
                _http_respond(conn, head)
        elif kind == "eof":
            conn.close()

    conn.on_event = on_event


def _http_respond(conn: TcpConn, head: bytes) -> None:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split()
    method = parts[0] if parts else ""
    path = parts[1] if len(parts) > 1 else "/"
    version = parts[2] if len(parts) > 2 else "HTTP/1.0"
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    if path in ("/", "/index.html"):
        status, body = "200 OK", NGINX_INDEX
    else:
        status, body = "404 Not Found", NGINX_404
    close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
    response = (
        f"HTTP/1.1 {status}\r\nServer: nginx/1.25.3\r\nContent-Type: text/html\r\n"
        f"Content-Length: {len(body)}\r\nConnection: {'close' if close else 'keep-alive'}"
        "\r\n\r\n"
    ).encode("latin-1")
    conn.send(response + (b"" if method == "HEAD" else body))
    if close:
        conn.close()


# ---------------------------------------------------------------- resolver
def resolve(net: SimNet, host: Host, name: str) -> Proc:
    """Resolve ``name`` as the host's libc would; return the address text or None."""
    if is_ip(name.strip("[]")):
        return name.strip("[]")
    if not name.isascii():
        return None  # a name libc cannot put in a query (no IDNA in busybox): bad address
    if host.kind != "pod":
        return net.dns.external.get(name.lower().rstrip("."))
    svc = net.cluster.services.get(f"{DNS_NAMESPACE}/{DNS_SERVICE}")
    if svc is None or not svc.cluster_ip:
        return None
    server = parse_ip(svc.cluster_ip)[1]
    env = net.env
    stack = host.stack
    for candidate in candidates(name, host.search):
        # glibc: one socket and one pair of query ids per name; a retry resends them.
        answers: dict[int, tuple[int, tuple[str, ...]]] = {}
        ids = {QTYPE_A: net.rng.getrandbits(16), QTYPE_AAAA: net.rng.getrandbits(16)}
        try:
            queries = {qtype: dns_query(txid, candidate, qtype) for qtype, txid in ids.items()}
        except ValueError:  # res_mkquery fails (a label over 63 octets...): nothing is sent
            continue
        done = env.event()

        def on_reply(
            frame: Frame,
            ids: dict[int, int] = ids,
            done: simpy.Event = done,
            answers: dict[int, tuple[int, tuple[str, ...]]] = answers,
        ) -> None:
            answer = dns_parse_response(frame.payload)
            if answer is None or ids.get(answer.qtype) != answer.id:
                return
            answers[answer.qtype] = (answer.rcode, answer.addresses)
            if len(answers) == 2 and not done.triggered:
                done.succeed()

        port = stack.bind_udp(0, on_reply)
        for _attempt in range(ATTEMPTS):
            for qtype in (QTYPE_A, QTYPE_AAAA):
                if qtype not in answers:
                    stack.send_udp(port, server, 53, queries[qtype])
            yield env.any_of([done, env.timeout(TIMEOUT)])
            if len(answers) == 2:
                break
        stack.unbind_udp(port)
        if len(answers) < 2:
            return None
        for qtype in (QTYPE_A, QTYPE_AAAA):
            _rcode, addresses = answers[qtype]
            if addresses:
                return addresses[0]
    return None


# ---------------------------------------------------------------- clients
class Output:
    """A terminal: lines of stdout and stderr in the order they were written."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.partial = ""
        """Text written after the last newline (``echo -n``)."""

    def print(self, text: str) -> None:
        """Write one line."""
        self.write(text + "\n")

    def write(self, text: str) -> None:
        """Write text that need not end a line."""
        *complete, self.partial = (self.partial + text).split("\n")
        self.lines.extend(complete)

    def text(self) -> str:
        """Everything written, one line each, with a final newline when non-empty.

        Text after the last newline comes last, as it is.
        """
        return "".join(line + "\n" for line in self.lines) + self.partial


def _hostport(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


UINT_MAX = 2**32 - 1
INT_MAX = 2**31 - 1
MAX_PACKETS = 100_000
"""Most packets one simulated ping may send (a longer run is an UnsupportedError)."""
MAX_SIMULATED_SECONDS = 86_400.0
UDP_TEST_PORT = 31337
"""nc_bloaty's SLEAZE_PORT: the refused TCP port whose RST times a UDP scan without -w."""
UDP_TEST_WAIT = 5.0
"""The alarm nc_bloaty's udptest() sets on that connect."""
"""Longest simulated time one command may ask for (``-w``, ``-W``, ``-T``, ``-i`` x ``-c``)."""


def _parse_seconds(text: str) -> float:
    """A non-negative finite number of seconds (``ping -i``, which takes fractions)."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"invalid number '{text}'") from None
    if not math.isfinite(value) or value < 0 or not text.strip()[:1].isdigit():
        raise ValueError(f"invalid number '{text}'")
    return value


def _parse_uint(text: str, high: int) -> int:
    """busybox's xatou_range: ASCII digits only, no sign; the message busybox prints if not."""
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"invalid number '{text}'")
    value = int(text) if len(text) <= 20 else high + 1
    if value > high:
        raise ValueError(f"number {text[:30]} is not in 0..{high} range")
    return value


def _port_number(text: str) -> int | None:
    """A port as busybox's str2sockaddr takes it (0..65535, ASCII digits), None if not."""
    try:
        return _parse_uint(text, 0xFFFF)
    except ValueError:
        return None


def _check_duration(seconds: float, what: str) -> None:
    if seconds > MAX_SIMULATED_SECONDS:
        raise UnsupportedError(
            f"{what} would run {seconds:g} simulated seconds; netsim simulates at most "
            f"{MAX_SIMULATED_SECONDS:g} seconds per command"
        )


def _unreachable(host: Host, address: str) -> bool:
    """Whether ``address`` is of a family the host has no address of (IPv6 from an IPv4 pod)."""
    return parse_ip(address)[0] != host.version


def _connect_with_alarm(
    net: SimNet, host: Host, address: str, port: int, timeout: float | None
) -> Generator[simpy.Event, Any, tuple[TcpConn, Session, str]]:
    """connect() under alarm(timeout): the alarm kills the attempt before any timer due then.

    busybox arms the alarm before calling connect(), so an alarm and a SYN
    retransmission due at the same instant resolve in the alarm's favour.
    """
    env = net.env
    alarm = env.timeout(timeout) if timeout is not None else env.event()
    conn = host.stack.connect(parse_ip(address)[1], port)
    session = Session(env, conn)

    def on_alarm(_event: simpy.Event) -> None:
        if conn.state in ("SYN_SENT", "CLOSED"):
            conn.abort()

    alarm.callbacks.append(on_alarm)
    if not session.events:
        session._waiter = env.event()
        yield env.any_of([session._waiter, alarm])
        session._waiter = None
    kind = session.events.popleft()[0] if session.events else "alarm"
    return conn, session, kind


def wget(net: SimNet, host: Host, args: list[str], out: Output) -> Proc:
    """busybox wget (see the module docstring)."""
    quiet = spider = False
    output_name: str | None = None
    timeout = WGET_DEFAULT_TIMEOUT
    urls: list[str] = []
    options: list[tuple[str, str | None]] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg[2:].partition("=")
            if name not in WGET_LONG:
                out.print(f"wget: unrecognized option '{arg}'")
                return 1
            short = WGET_LONG[name]
            if short in WGET_TAKES_ARG and not eq:
                i += 1
                if i >= len(args):
                    out.print(f"wget: option '--{name}' requires an argument")
                    return 1
                value = args[i]
            options.append((short, value if short in WGET_TAKES_ARG else None))
        elif arg.startswith("-") and len(arg) > 1:
            j = 1
            while j < len(arg):  # getopt: a bundle like -qO- or -T1
                flag = arg[j]
                if flag in WGET_TAKES_ARG:
                    value = arg[j + 1 :]
                    if not value:
                        i += 1
                        if i >= len(args):
                            out.print(f"wget: option requires an argument -- '{flag}'")
                            return 1
                        value = args[i]
                    options.append((flag, value))
                    break
                if flag not in WGET_FLAGS:
                    out.print(f"wget: invalid option -- '{flag}'")
                    return 1
                options.append((flag, None))
                j += 1
        else:
            urls.append(arg)
        i += 1
    for flag, argument in options:
        if flag == "q":
            quiet = True
        elif flag == "spider":
            spider = True
        elif flag == "O":
            output_name = argument
        elif flag == "T":
            try:
                timeout = _parse_uint(argument or "", INT_MAX)
            except ValueError as exc:
                out.print(f"wget: {exc}")
                return 1
            _check_duration(timeout, "wget -T")
    if not urls:
        out.print("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.")
        out.print("")
        out.print("Usage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]")
        return 1
    url = urls[0]
    scheme = "http"
    if "://" in url:
        scheme, url = url.split("://", 1)
        if scheme not in ("http", "https", "ftp"):
            out.print(f"wget: not an http or ftp url: {scheme}://{url}")
            return 1
    hostpart, slash, path = url.partition("/")
    for sep in "?#":
        if sep in hostpart:
            hostpart, _, rest = hostpart.partition(sep)
            path = sep + rest + slash + path
    port = 443 if scheme == "https" else 21 if scheme == "ftp" else 80
    hostname = hostpart
    port_text: str | None = None
    if hostpart.startswith("["):
        end = hostpart.find("]")
        if end < 0 or (hostpart[end + 1 :] not in ("",) and hostpart[end + 1] != ":"):
            out.print(f"wget: bad address '{hostpart}'")
            return 1
        hostname = hostpart[1:end]
        if hostpart[end + 1 : end + 2] == ":":
            port_text = hostpart[end + 2 :]
    elif ":" in hostpart:
        hostname, _, port_text = hostpart.partition(":")
    if port_text is not None:
        number = _port_number(port_text)
        if number is None:
            out.print(f"wget: bad port spec '{hostpart}'")
            return 1
        port = number
    address = yield from resolve(net, host, hostname)
    if address is None:
        # busybox hands "host:port" whole to xhost2sockaddr, which names it whole
        out.print(f"wget: bad address '{hostpart}'")
        return 1
    if not quiet:
        out.print(f"Connecting to {hostpart} ({_hostport(address, port)})")
    if _unreachable(host, address):
        out.print(f"wget: can't connect to remote host ({address}): Network is unreachable")
        return 1
    # -T 0 arms no alarm (busybox: "if (G.timeout_seconds) alarm(...)"): connect() waits
    # for the kernel to give up, reads for the per-command bound of simulated time.
    alarm = timeout if timeout else None
    if not timeout:
        timeout = MAX_SIMULATED_SECONDS
    conn, session, kind = yield from _connect_with_alarm(net, host, address, port, alarm)
    if kind == "alarm":
        return _download_timed_out(conn, out)
    if kind != "established":
        reason = "Connection refused" if kind == "refused" else "Connection timed out"
        out.print(f"wget: can't connect to remote host ({address}): {reason}")
        return 1
    request = (
        f"GET /{path} HTTP/1.1\r\nHost: {hostpart}\r\nUser-Agent: Wget\r\nConnection: close\r\n\r\n"
    )
    conn.send(request.encode("latin-1"))
    data = bytearray()
    ended = yield from session.read_into(data, lambda: b"\r\n\r\n" in data, timeout)
    if ended == "alarm":
        return _download_timed_out(conn, out)
    if ended not in ("enough", "eof"):
        out.print("wget: error getting response: Connection reset by peer")
        return 1
    head, _, body = bytes(data).partition(b"\r\n\r\n")
    if not head:
        out.print("wget: error getting response")
        return 1
    lines = head.decode("latin-1").split("\r\n")
    status_parts = lines[0].split()
    status = int(status_parts[1]) if len(status_parts) > 1 and status_parts[1].isdigit() else 0
    if not (200 <= status <= 204 or status in (300, 301, 302, 303, 307, 308)):
        conn.abort()
        out.print(f"wget: server returned error: {lines[0]}")
        return 1
    if spider:
        # busybox closes after the headers; the unread body makes the kernel send RST.
        if body:
            conn.reset()
        else:
            conn.close()
        if not quiet:
            out.print("remote file exists")
        return 0
    length = None
    for line in lines[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == "content-length" and value.strip().isdigit():
            length = int(value.strip())
    body_buf = bytearray(body)
    if ended != "eof":
        ended = yield from session.read_into(
            body_buf, lambda: length is not None and len(body_buf) >= length, timeout
        )
        if ended == "alarm":
            return _download_timed_out(conn, out)
    conn.close()
    to_stdout = output_name == "-"
    name = output_name or (path.rsplit("/", 1)[-1] or "index.html")
    if not quiet:
        out.print("writing to stdout" if to_stdout else f"saving to '{name}'")
    if to_stdout:
        out.lines.extend(bytes(body_buf).decode("utf-8", "replace").splitlines())
    if not quiet:
        bar = "*" * 32
        label = "-" if to_stdout else name.rsplit("/", 1)[-1]
        out.print(f"{label[:20]:<20}{100:4d}% |{bar}|{len(body_buf):6d}  0:00:00 ETA")
        out.print("written to stdout" if to_stdout else f"'{name}' saved")
    return 0


def _download_timed_out(conn: TcpConn, out: Output) -> int:
    """busybox wget's alarm: drop the connection, say so, exit 1."""
    conn.abort()
    out.print("wget: download timed out")
    return 1


def nc(net: SimNet, host: Host, args: list[str], out: Output) -> Proc:
    """busybox nc (nc_bloaty) as a connect probe (see the module docstring)."""
    verbose = 0
    udp = False
    wait: float | None = None
    positional: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("-") and len(arg) > 1:
            j = 1
            while j < len(arg):
                flag = arg[j]
                if flag == "v":
                    verbose += 1
                elif flag == "u":
                    udp = True
                elif flag in ("w", "i", "p", "s", "q"):
                    value = arg[j + 1 :]
                    if not value:
                        i += 1
                        value = args[i] if i < len(args) else ""
                    if flag == "w":
                        try:
                            wait = _parse_uint(value, UINT_MAX)
                        except ValueError as exc:
                            out.print(f"nc: {exc}")
                            return 1
                        _check_duration(wait, "nc -w")
                    break
                j += 1
        else:
            positional.append(arg)
        i += 1
    if len(positional) < 2:
        out.print("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.")
        out.print("")
        out.print("Usage: nc [OPTIONS] HOST PORT  - connect")
        return 1
    name, port_text = positional[0], positional[1]
    nc_port = _port_number(port_text)
    if nc_port is None:
        out.print(f"nc: bad port '{port_text}'")
        return 1
    port = nc_port
    address = yield from resolve(net, host, name)
    if address is None:
        out.print(f"nc: bad address '{name}'")
        return 1
    if _unreachable(host, address):
        out.print(f"nc: can't connect to remote host ({address}): Network is unreachable")
        return 1
    dotted = _hostport(address, port)
    if udp:
        code = yield from _udp_test(net, host, address, port, wait)
        if verbose:
            out.print(f"{name} ({dotted}) open")
    else:
        conn, _session, kind = yield from _connect_with_alarm(net, host, address, port, wait)
        if kind == "established":
            if verbose:
                out.print(f"{name} ({dotted}) open")
            conn.close()
            code = 0
        else:
            conn.abort()
            refused = kind == "refused"
            if verbose > 1 or (verbose and not refused):
                reason = "Connection refused" if refused else "Connection timed out"
                out.print(f"nc: {name} ({dotted}): {reason}")
            code = 1
    if verbose > 1:  # nc_bloaty's last words at -vv; -z moves no data
        out.print("sent 0, rcvd 0")
    return code


def _udp_test(net: SimNet, host: Host, address: str, port: int, wait: float | None) -> Proc:
    """nc_bloaty's udptest(): a 1-byte datagram, a pause, a second one; 0 = "open".

    The pause is ``-w`` seconds, or without ``-w`` the "tcp ping" trick: a
    connect to port 31337 of the target under a 5-second alarm. The second
    write fails only on an ICMP port-unreachable, which the simulated stacks
    do not send, so a UDP scan always reports open (as it does through any
    firewall that drops silently).
    """
    stack = host.stack
    target = parse_ip(address)[1]
    lport = stack.bind_udp(0, lambda frame: None)
    stack.send_udp(lport, target, port, b"\0")
    if wait:
        yield net.env.timeout(wait)
    else:
        conn, _session, _kind = yield from _connect_with_alarm(
            net, host, address, UDP_TEST_PORT, UDP_TEST_WAIT
        )
        conn.abort()
    stack.send_udp(lport, target, port, b"\0")
    stack.unbind_udp(lport)
    return 0


def ping(net: SimNet, host: Host, args: list[str], out: Output) -> Proc:
    """busybox ping (see the module docstring)."""
    count: int | None = None
    wait = PING_DEFAULT_WAIT
    deadline: float | None = None
    interval = 1.0
    size = 56
    quiet = False
    positional: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("-") and len(arg) > 1:
            flag = arg[1]
            if flag == "q":
                quiet = True
            elif flag in "cWwis":
                value = arg[2:]
                if not value:
                    i += 1
                    value = args[i] if i < len(args) else ""
                try:
                    if flag == "i":
                        interval = _parse_seconds(value)
                    elif flag == "s":
                        size = _parse_uint(value, 0xFFFF)
                    else:
                        number = _parse_uint(value, UINT_MAX)
                        if flag == "c":
                            count = number
                        elif flag == "W":
                            wait = number
                        else:
                            deadline = number
                except ValueError as exc:
                    out.print(f"ping: {exc}")
                    return 1
        else:
            positional.append(arg)
        i += 1
    if not positional:
        out.print("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.")
        out.print("")
        out.print("Usage: ping [OPTIONS] HOST")
        return 1
    if count is None and deadline is None:
        raise UnsupportedError(
            "ping without -c or -w never ends in busybox; give -c COUNT or -w SECONDS"
        )
    packets = count if count is not None else math.inf
    if deadline is not None:
        packets = min(packets, deadline / interval + 1 if interval > 0 else math.inf)
        _check_duration(deadline, "ping -w")
    if packets > MAX_PACKETS:
        raise UnsupportedError(
            f"ping would send {'unbounded' if math.isinf(packets) else int(packets)} packets; "
            f"netsim simulates at most {MAX_PACKETS} per command (lower -c, or raise -i)"
        )
    _check_duration(wait + (packets - 1) * interval if packets else wait, "ping")
    name = positional[0]
    address = yield from resolve(net, host, name)
    if address is None:
        out.print(f"ping: bad address '{name}'")
        return 1
    if _unreachable(host, address):
        out.print("ping: sendto: Network is unreachable")
        return 1
    env = net.env
    start = env.now
    out.print(f"PING {name} ({address}): {size} data bytes")
    ident = host.stack.icmp_id()
    sent: dict[int, float] = {}
    rtts: list[float] = []
    got_all = env.event()
    target = parse_ip(address)[1]

    def on_reply(frame: Frame) -> None:
        if frame.src != target or frame.seq not in sent:
            return
        rtt = env.now - sent.pop(frame.seq)
        rtts.append(rtt)
        if not quiet:
            us = round(rtt * 1_000_000)
            out.print(
                f"{len(frame.payload) + 8} bytes from {address}: seq={frame.seq} "
                f"ttl={frame.ttl} time={us // 1000}.{us % 1000:03d} ms"
            )
        if count is not None and len(rtts) >= count and not got_all.triggered:
            got_all.succeed()

    host.stack.icmp_waiters[ident] = on_reply
    transmitted = 0
    payload = bytes(size)
    while count is None or transmitted < count:
        if deadline is not None and env.now - start >= deadline:
            break
        seq = transmitted & 0xFFFF  # icmp_seq is 16 bits: busybox sends htons(ntransmitted)
        sent[seq] = env.now
        host.stack.ping(target, ident, seq, payload)
        transmitted += 1
        if count is not None and transmitted >= count:
            break
        yield env.timeout(interval)
    remaining = wait
    if deadline is not None:
        remaining = max(0.0, deadline - (env.now - start))
    if not got_all.triggered:
        yield env.any_of([got_all, env.timeout(remaining)])
    del host.stack.icmp_waiters[ident]
    received = len(rtts)
    loss = (transmitted - received) * 100 // transmitted if transmitted else 0
    out.print("")
    out.print(f"--- {name} ping statistics ---")
    out.print(
        f"{transmitted} packets transmitted, {received} packets received, {loss}% packet loss"
    )
    if rtts:
        values = [round(r * 1_000_000) for r in rtts]
        lo, hi, avg = min(values), max(values), sum(values) // len(values)
        out.print(
            "round-trip min/avg/max = "
            + "/".join(f"{v // 1000}.{v % 1000:03d}" for v in (lo, avg, hi))
            + " ms"
        )
    # busybox: exit(nrecv == 0 || (deadline_us && nrecv < pingcount))
    short = deadline is not None and count is not None and received < count
    return 1 if not rtts or short else 0


def nslookup(net: SimNet, host: Host, args: list[str], out: Output) -> Proc:
    """busybox nslookup (see :mod:`netsim.sim.nslookup`); a server's name resolves as wget's."""
    return (yield from run_nslookup(net, host, args, out, resolve))


COMMANDS: dict[str, Callable[[SimNet, Host, list[str], Output], Proc]] = {
    "wget": wget,
    "nc": nc,
    "ping": ping,
    "nslookup": nslookup,
    **SHELL_COMMANDS,
}
"""The busybox applets the simulator runs."""


def run_command(net: SimNet, host: Host, command: str) -> Proc:
    """Run one command line on ``host``; the process's value is an :class:`ExecResult`."""
    started = float(net.env.now)
    out = Output()
    code = yield from _run_list(net, host, command, out, 0)
    return ExecResult(out.text(), int(code), started, float(net.env.now))


def _run_list(net: SimNet, host: Host, line: str, out: Output, status: int) -> Proc:
    """Run a shell list (``a && b || c; d``, :mod:`netsim.sim.posix`); its exit status."""
    try:
        steps = parse_list(line)
    except ShellSyntaxError as exc:
        out.print(f"sh: syntax error: {exc}")
        return 2
    for step in steps:
        if not runs(step, status):
            continue
        argv = step.argv(status)
        while argv and argv[0] in ("busybox", "/bin/busybox"):
            argv = argv[1:]
        if len(argv) >= 3 and argv[0] in ("sh", "/bin/sh", "ash") and argv[1] == "-c":
            status = yield from _run_list(net, host, argv[2], out, status)
            continue
        program = COMMANDS.get(argv[0].rsplit("/", 1)[-1]) if argv else None
        if program is None:
            out.print(f"sh: {argv[0]}: not found")
            status = 127
            continue
        status = int((yield from program(net, host, argv[1:], out)))
    return status


def open_tcp(net: SimNet, host: Host, address: str, port: int, timeout: float) -> Proc:
    """Connect and return a :class:`Session` (None when refused or timed out)."""
    conn = host.stack.connect(parse_ip(address)[1], port)
    session = Session(net.env, conn)
    kind, _ = yield from session.next(timeout)
    if kind != "established":
        conn.abort()
        return None
    return session


def probe(net: SimNet, host: Host, address: str, port: int, protocol: str, timeout: float) -> Proc:
    """Try one connection; the value is ``connected``, ``refused`` or ``timeout``.

    TCP: the handshake (RST = refused). UDP: a datagram that an echo server
    answers (nothing back = timeout, as UDP has no refusal here). SCTP: INIT
    answered by INIT_ACK (connected) or ABORT (refused).
    """
    env = net.env
    target = parse_ip(address)[1]
    if protocol == "TCP":
        conn, _session, kind = yield from _connect_with_alarm(net, host, address, port, timeout)
        if kind == "established":
            conn.close()
            return "connected"
        conn.abort()
        return "refused" if kind == "refused" else "timeout"
    answered = env.event()
    result: list[str] = []

    def answer(value: str) -> None:
        result.append(value)
        if not answered.triggered:
            answered.succeed()

    stack = host.stack
    if protocol == "UDP":
        lport = stack.bind_udp(0, lambda frame: answer("connected"))
        stack.send_udp(lport, target, port, b"netsim probe\n")
        yield env.any_of([answered, env.timeout(timeout)])
        stack.unbind_udp(lport)
    else:
        lport = stack.sctp_init(
            target, port, lambda chunk: answer("connected" if chunk == SCTP_INIT_ACK else "refused")
        )
        yield env.any_of([answered, env.timeout(timeout)])
        stack.sctp_waiters.pop(lport, None)
    return result[0] if result else "timeout"


def exchange(session: Session, data: bytes, timeout: float) -> Proc:
    """Send ``data`` and return the bytes of the first answer (b"" on timeout or close)."""
    session.conn.send(data)
    while True:
        kind, chunk = yield from session.next(timeout)
        if kind == "data":
            return chunk
        if kind != "eof":
            return b""
