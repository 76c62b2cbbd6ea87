"""busybox 1.36 ``nslookup`` (the resolver of its own, ``FEATURE_NSLOOKUP_BIG``).

What it does, from busybox's ``networking/nslookup.c``:

- Servers: ``nslookup NAME SERVER`` asks SERVER (a name is resolved first;
  failing that: ``nslookup: bad address 'SERVER'``) and reads no
  resolv.conf, so no search list applies. Otherwise every ``nameserver`` of
  ``/etc/resolv.conf`` in turn (127.0.0.1 when there is none), and its
  last ``search`` (or ``domain``) line is the search list.
- Queries: a name that parses as an address is a PTR query for its reverse
  name; otherwise an A and an AAAA query (or the ``-type=`` ones). A name
  without a dot gets one query per search domain *instead of* the bare name
  (no ndots logic: ``nginx`` is asked as ``nginx.<ns>.svc.cluster.local``,
  ``nginx.svc.cluster.local``, ``nginx.cluster.local``); a name with a dot
  is asked as it is, with no search at all.
- All queries go out at once on one UDP socket; those not answered are sent
  again every ``timeout / retry`` (5 s / 2) until ``timeout`` has passed
  since the start. SERVFAIL is retried at once.
- Every reply is printed when it arrives, followed by a blank line: the
  first one is preceded by ``Server:\\t\\t<server>`` and ``Address:\\t<ip>:53``
  and a blank line; an error rcode prints ``** server can't find NAME:
  NXDOMAIN`` and makes the exit code 1; an answer prints ``Non-authoritative
  answer:`` when the AA bit is clear, then ``Name:\\tNAME`` / ``Address:
  IP`` per record; an answer without records (the AAAA of an IPv4-only
  Service) prints only the blank line.
- No reply at all from any server: ``;; connection timed out; no servers
  could be reached`` and a blank line, exit 1. Queries never answered:
  ``*** Can't find NAME: No answer`` (the exit code is left alone).

In the simulator the queries are real packets through the simulated
network, so NetworkPolicy applies to them. Loopback servers are the
exception: on a node or an external host ``127.0.0.53`` is the local stub
resolver (see :mod:`netsim.sim.shellutils`), which answers at once, not
authoritatively, the names the simulator knows outside the cluster; any
other loopback server refuses (``nslookup: read: Connection refused`` once
per round of sends: the socket keeps one pending error) as no DNS server
listens there.
"""

from __future__ import annotations

import ipaddress
import re
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import simpy

from netsim.addr import int_to_ip, is_ip, parse_ip
from netsim.sim.flow import Frame
from netsim.sim.packet import (
    QTYPE_A,
    QTYPE_AAAA,
    DnsQuestion,
    dns_parse_response,
    dns_query,
    dns_response,
)
from netsim.sim.shellutils import (
    BANNER,
    STUB_RESOLVER,
    Terminal,
    index_in_substrings,
    resolv_conf,
)

if TYPE_CHECKING:
    from netsim.sim.contracts import SimNet
    from netsim.sim.topology import Host

Proc = Generator[simpy.Event, Any, Any]
Resolver = Callable[["SimNet", "Host", str], Proc]

QTYPES: Final = (
    ("SOA", 6),
    ("NS", 2),
    ("A", QTYPE_A),
    ("AAAA", QTYPE_AAAA),
    ("CNAME", 5),
    ("MX", 15),
    ("TXT", 16),
    ("SRV", 33),
    ("PTR", 12),
    ("ANY", 255),
)
"""busybox's query types, in the order it sends them."""
QTYPE_PTR: Final = 12
RCODES: Final = (
    "NOERROR",
    "FORMERR",
    "SERVFAIL",
    "NXDOMAIN",
    "NOTIMP",
    "REFUSED",
    "YXDOMAIN",
    "YXRRSET",
    "NXRRSET",
    "NOTAUTH",
    "NOTZONE",
    "11",
    "12",
    "13",
    "14",
    "15",
)
OPTIONS: Final = ("type", "querytype", "port", "retry", "debug", "t", "timeout")
USAGE: Final = (
    "Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]",
    "",
    "Query DNS about HOST",
    "",
    "QUERY_TYPE: soa,ns,a,aaaa,cname,mx,txt,ptr,srv,any",
)
TIMED_OUT: Final = ";; connection timed out; no servers could be reached"
REFUSED: Final = "nslookup: read: Connection refused"
FLAG_AA_BYTE: Final = 0x04
"""The AA bit in the third octet of a DNS header."""


@dataclass(frozen=True, slots=True)
class Settings:
    """What the command line asked for."""

    name: str
    server: str | None
    types: tuple[int, ...]
    port: int = 53
    retry: int = 2
    timeout: int = 5
    debug: bool = False


@dataclass(frozen=True, slots=True)
class Query:
    """One question: the name as busybox prints it, its type, id and wire bytes."""

    name: str
    qtype: int
    id: int
    payload: bytes


def parse_args(args: list[str], out: Terminal) -> Settings | int:
    """The settings of a command line, or the exit code after printing why not."""
    types: list[int] = []
    numbers = {"port": 53, "retry": 2, "timeout": 5}
    debug = False
    rest = list(args)
    while True:
        if not rest:
            return _usage(out)
        if not rest[0].startswith("-"):
            break
        key, _, value = rest.pop(0)[1:].partition("=")
        which = index_in_substrings(OPTIONS, key)
        if which < 0:
            return _usage(out)
        if which <= 1:
            found = [qtype for label, qtype in QTYPES if label.lower() == value.lower()]
            if not found:
                out.print(f'nslookup: invalid query type "{value}"')
                return 1
            types.append(found[0])
        elif which == 4:
            debug = True
        else:
            option = {2: "port", 3: "retry"}.get(which, "timeout")
            limit = {"port": 0xFFFF, "retry": 2**31 - 1, "timeout": (2**31 - 1) // 1000}[option]
            if not value.isdigit():
                out.print(f"nslookup: invalid number '{value}'")
                return 1
            if not 1 <= int(value) <= limit:
                out.print(f"nslookup: number {value} is not in 1..{limit} range")
                return 1
            numbers[option] = int(value)
    if len(rest) > 2:
        return _usage(out)
    order = [qtype for _, qtype in QTYPES]
    chosen = tuple(sorted(set(types), key=order.index))
    server = rest[1] if len(rest) > 1 else None
    return Settings(
        rest[0], server, chosen, numbers["port"], numbers["retry"], numbers["timeout"], debug
    )


def _usage(out: Terminal) -> int:
    out.print(BANNER)
    out.print("")
    for line in USAGE:
        out.print(line)
    return 1


def parse_resolv_conf(text: str) -> tuple[list[str], str | None]:
    """The nameservers and the search list (None for none) busybox reads from resolv.conf.

    Each line is a keyword and the rest of the line; the last ``search``
    wins, ``domain`` counts only without any ``search``; ``search .`` is none.
    """
    servers: list[str] = []
    search: str | None = None
    have_search = False
    for line in text.splitlines():
        match = re.match(r"[ \t]*([^ \t]+)[ \t]?(.*)", line)
        if match is None or not match.group(2):
            continue
        key, arg = match.groups()
        if key == "search" or (key == "domain" and not have_search):
            have_search = have_search or key == "search"
            search = arg
        elif key == "nameserver":
            servers.append(arg)
    if search == ".":
        search = None
    return servers, search


def reverse_name(text: str) -> str | None:
    """make_ptr: the PTR name of an address (``4.3.2.1.in-addr.arpa``), None for a name."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv4Address):
        return ".".join(reversed(str(address).split("."))) + ".in-addr.arpa"
    nibbles = address.exploded.replace(":", "")
    return ".".join(reversed(nibbles)) + ".ip6.arpa"


def build_queries(net: SimNet, settings: Settings, search: str | None) -> list[Query]:
    """The queries busybox makes for ``settings.name``, with ids from the network's generator."""
    wanted: list[tuple[int, str]] = []
    ptr = reverse_name(settings.name) if not settings.types else None
    if ptr is not None:
        wanted.append((QTYPE_PTR, ptr))
    else:
        for qtype in settings.types or (QTYPE_A, QTYPE_AAAA):
            if qtype == QTYPE_PTR or not search or "." in settings.name:
                wanted.append((qtype, settings.name))
            else:
                wanted += [(qtype, f"{settings.name}.{domain}") for domain in search.split()]
    queries = []
    for qtype, name in wanted:
        txid = net.rng.getrandbits(16)
        wire = name[:-1] if name.endswith(".") and name != "." else name
        try:
            payload = dns_query(txid, "" if wire == "." else wire, qtype)
        except ValueError:  # res_mkquery fails: nothing can be sent for it
            payload = b""
        queries.append(Query(name, qtype, txid, payload))
    return queries


class Exchange:
    """One server's socket: sends queries, collects replies (bytes) and read errors (None)."""

    def __init__(self, net: SimNet, host: Host, server: tuple[int, int], port: int) -> None:
        self.net = net
        self.host = host
        self.version, self.address = server
        self.port = port
        self.inbox: deque[bytes | None] = deque()
        self.arrived: simpy.Event = net.env.event()
        self.mode = "net"
        if ipaddress.ip_address(int_to_ip(self.address, self.version)).is_loopback:
            stub = server == parse_ip(STUB_RESOLVER) and port == 53 and host.kind != "pod"
            self.mode = "stub" if stub else "refused"
        self.local = host.stack.bind_udp(0, self._on_frame) if self.mode == "net" else 0

    def _on_frame(self, frame: Frame) -> None:
        if frame.src != self.address or frame.sport != self.port:
            return  # a connected UDP socket takes datagrams of its peer only
        self._deliver(frame.payload)

    def _deliver(self, item: bytes | None) -> None:
        self.inbox.append(item)
        if not self.arrived.triggered:
            self.arrived.succeed()

    def send(self, query: Query) -> None:
        """Send one query (a stub answers at once, a refusing port errors at once)."""
        if not query.payload:
            return
        if self.mode == "net":
            self.host.stack.send_udp(self.local, self.address, self.port, query.payload)
        elif self.mode == "refused":
            if None not in self.inbox:  # one pending socket error, however many ICMP errors
                self._deliver(None)
        else:
            self._deliver(self._stub_answer(query))

    def _stub_answer(self, query: Query) -> bytes:
        wanted = 4 if query.qtype == QTYPE_A else 6 if query.qtype == QTYPE_AAAA else 0
        address = self.net.dns.external.get(query.name.lower().rstrip("."))
        rcode = 0 if address is not None else 3
        answers = [address] if address and parse_ip(address)[0] == wanted else []
        question = DnsQuestion(query.id, query.name.rstrip("."), query.qtype)
        reply = bytearray(dns_response(question, rcode, answers, 30))
        reply[2] &= ~FLAG_AA_BYTE & 0xFF  # a forwarding resolver is not authoritative
        return bytes(reply)

    def receive(self, wait: float) -> Generator[simpy.Event, Any, bytes | bool | None]:
        """The next reply or read error, waiting at most ``wait`` seconds (then False)."""
        if not self.inbox and wait > 0:
            self.arrived = self.net.env.event()
            yield self.net.env.any_of([self.arrived, self.net.env.timeout(wait)])
        if not self.inbox:
            return False
        return self.inbox.popleft()

    def close(self) -> None:
        """Close the socket."""
        if self.mode == "net":
            self.host.stack.unbind_udp(self.local)


class Run:
    """One nslookup: its queries, which are answered, and its exit code."""

    def __init__(self, net: SimNet, settings: Settings, queries: list[Query], out: Terminal):
        self.net = net
        self.settings = settings
        self.queries = queries
        self.answered = [False] * len(queries)
        self.out = out
        self.exit_code = 0

    def send_queries(
        self, host: Host, server: str, address: tuple[int, int]
    ) -> Generator[simpy.Event, Any, int]:
        """busybox's send_queries: ask one server; the value is the number of replies used."""
        env = self.net.env
        exchange = Exchange(self.net, host, address, self.settings.port)
        start = env.now
        timeout = self.settings.timeout * 1000
        interval = timeout // self.settings.retry

        def now() -> int:
            return round((env.now - start) * 1000)

        seen = replies = 0
        tsent = tcur = 0
        servfail_retry = self._send_all(exchange)
        try:
            while True:
                item = yield from exchange.receive((interval - (tcur - tsent)) / 1000)
                tcur = now()
                if item is None:
                    self.out.print(REFUSED)
                elif isinstance(item, bytes):
                    if seen == 0:
                        self._print_server(server, address)
                    seen += 1
                    qn = self._match(item)
                    if qn >= 0 and item[3] & 0x0F == 2 and servfail_retry:
                        servfail_retry -= 1
                        exchange.send(self.queries[qn])
                    elif qn >= 0:
                        self._show(qn, item, tcur)
                        replies += 1
                        if replies >= len(self.queries):
                            return replies
                if tcur >= timeout:
                    return replies
                if tcur - tsent >= interval:
                    servfail_retry = self._send_all(exchange)
                    tsent = tcur
        finally:
            exchange.close()

    def _send_all(self, exchange: Exchange) -> int:
        for query, done in zip(self.queries, self.answered, strict=True):
            if not done:
                exchange.send(query)
        return 2 * len(self.queries)

    def _print_server(self, server: str, address: tuple[int, int]) -> None:
        version, value = address
        text = int_to_ip(value, version)
        dotted = (
            f"[{text}]:{self.settings.port}" if version == 6 else f"{text}:{self.settings.port}"
        )
        self.out.print(f"Server:\t\t{server}")
        self.out.print(f"Address:\t{dotted}")
        self.out.print("")

    def _match(self, reply: bytes) -> int:
        """The query a reply answers (by id, first match), -1 when none or already answered."""
        if len(reply) < 4:
            return -1
        txid = int.from_bytes(reply[:2], "big")
        for qn, query in enumerate(self.queries):
            if query.id == txid:
                return -1 if self.answered[qn] else qn
        return -1

    def _show(self, qn: int, reply: bytes, elapsed: int) -> None:
        query = self.queries[qn]
        self.answered[qn] = True
        if self.settings.debug:
            self.out.print(f"Query #{qn} completed in {elapsed}ms:")
        rcode = reply[3] & 0x0F
        if rcode:
            self.out.print(f"** server can't find {query.name}: {RCODES[rcode]}")
            self.exit_code = 1
        else:
            if not reply[2] & FLAG_AA_BYTE:
                self.out.print("Non-authoritative answer:")
            elif self.settings.debug:
                self.out.print("authoritative answer:")
            parsed = dns_parse_response(reply)
            if parsed is None:
                self.out.print(f"*** Can't find {query.name}: Parse error")
                self.exit_code = 1
            else:
                for address in parsed.addresses:
                    self.out.print(f"Name:\t{parsed.name}")
                    self.out.print(f"Address: {address}")
        self.out.print("")


def nslookup(net: SimNet, host: Host, args: list[str], out: Terminal, resolver: Resolver) -> Proc:
    """busybox nslookup (see the module docstring); ``resolver`` resolves a server's name."""
    settings = parse_args(args, out)
    if isinstance(settings, int):
        return settings
    if settings.server is not None:
        servers, search = [settings.server], None
    else:
        servers, search = parse_resolv_conf(resolv_conf(net, host))
        servers = servers or ["127.0.0.1"]
    addresses: list[tuple[int, int]] = []
    for server in servers:
        text = server if is_ip(server) else (yield from resolver(net, host, server))
        if text is None:
            out.print(f"nslookup: bad address '{server}'")
            return 1
        addresses.append(parse_ip(text))
    run = Run(net, settings, build_queries(net, settings, search), out)
    for server, address in zip(servers, addresses, strict=True):
        if (yield from run.send_queries(host, server, address)) > 0:
            break
    else:
        out.print(TIMED_OUT)
        out.print("")
        return 1
    missing = [q.name for q, done in zip(run.queries, run.answered, strict=True) if not done]
    for name in missing:
        out.print(f"*** Can't find {name}: No answer")
    if missing:
        out.print("")
    return run.exit_code
