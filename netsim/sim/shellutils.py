"""busybox 1.36 applets that read the simulated host instead of the network.

``cat``, ``hostname``, ``ip``, ``echo``, ``true`` and ``false``: what a learner
types at a pod's ``/ # `` prompt to look around before probing the network.
They take no simulated time. The texts follow busybox's ``coreutils/cat.c``,
``coreutils/echo.c``, ``networking/hostname.c`` and
``networking/libiproute/ipaddress.c``.

The files a pod has are the ones the kubelet and the container runtime write
for a pod on the pod network with ``dnsPolicy: ClusterFirst``:

- ``/etc/resolv.conf``: ``search <ns>.svc.<domain> svc.<domain> <domain>``,
  ``nameserver <kube-dns ClusterIP>``, ``options ndots:5`` (containerd writes
  search, nameserver, options in that order);
- ``/etc/hosts``: the kubelet's managed hosts file (header, localhost and ip6
  lines, then ``<podIP>\\t<hostname>``);
- ``/etc/hostname``: the pod's hostname (its name, cut to 63 characters as
  the kubelet does).

Nodes (``node/<name>``, also what a hostNetwork pod sees) and external hosts
are kept simple: their hostname is their name, ``/etc/hosts`` has the
localhost lines and their own address, and ``/etc/resolv.conf`` is a
systemd-resolved stub (``nameserver 127.0.0.53``, ``search .``), the local
resolver that answers the names the simulator knows outside the cluster.

``ip addr`` shows the interfaces the simulator models: in a pod ``lo`` and
``eth0@ifN``, one end of the veth pair the bridge CNI plugin makes (MAC
``0a:58:<ip>``, the address with the prefix length of the node's pod CIDR,
which is the pod's on-link network in this topology, and its broadcast
address; ``N`` is the host end's index, derived from the pod's address so
it is stable). A node shows ``lo``, ``eth0`` and the ``cni0`` bridge; an
external host ``lo`` and ``eth0``.
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import simpy

from netsim.addr import int_to_ip, parse_ip
from netsim.model.cluster import DEFAULT_NODE_NETWORK
from netsim.sim.dns import DNS_NAMESPACE, DNS_SERVICE, DNS_SERVICE_OFFSET, NDOTS

if TYPE_CHECKING:
    from netsim.sim.contracts import SimNet
    from netsim.sim.topology import Host

Proc = Generator[simpy.Event, Any, Any]

BANNER = "BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary."
MANAGED_HOSTS_HEADER = "# Kubernetes-managed hosts file."
"""The first line of the hosts file the kubelet writes (``managedHostsHeader``)."""
HOSTNAME_MAX = 63
"""The kubelet cuts a pod's hostname to 63 characters (a DNS label)."""
STUB_RESOLVER = "127.0.0.53"
"""The address of the local resolver nodes and external hosts use (systemd-resolved)."""
DIRECTORIES = frozenset({"/", "/etc", "/bin", "/tmp", "/root", "/home", "/var", "/proc", "/dev"})


class Terminal(Protocol):
    """Where an applet writes (the ``Output`` of :mod:`netsim.sim.apps`)."""

    def print(self, text: str) -> None:
        """Write one line."""

    def write(self, text: str) -> None:
        """Write text that need not end a line."""


Applet = Callable[["SimNet", "Host", list[str], Terminal], Proc]


def _instant(body: Callable[[SimNet, Host, list[str], Terminal], int]) -> Applet:
    """Make ``body`` an applet process that finishes without simulated time passing."""

    @functools.wraps(body)
    def run(net: SimNet, host: Host, args: list[str], out: Terminal) -> Proc:
        yield from ()
        return body(net, host, args, out)

    return run


def _usage(out: Terminal, *lines: str) -> int:
    """busybox's bb_show_usage: the banner, a blank line, the usage text; exit 1."""
    out.print(BANNER)
    out.print("")
    for line in lines:
        out.print(line)
    return 1


# ---------------------------------------------------------------- the files
def pod_hostname(host: Host) -> str:
    """The hostname of ``host``: a pod's name cut to 63 characters, else the host's name."""
    name = host.key.rsplit("/", 1)[-1]
    if host.kind == "pod" and len(name) > HOSTNAME_MAX:
        name = name[:HOSTNAME_MAX].rstrip("-.")
    return name


def cluster_dns_ip(net: SimNet) -> str:
    """The nameserver the kubelet puts in a pod's resolv.conf (its ``clusterDNS``).

    The kube-dns Service's ClusterIP; without one, the address kubeadm would
    have given it (the 10th of the Service CIDR), which then answers nothing.
    """
    svc = net.cluster.services.get(f"{DNS_NAMESPACE}/{DNS_SERVICE}")
    if svc is not None and svc.cluster_ip and svc.cluster_ip != "None":
        return svc.cluster_ip
    cidr = net.cluster.service_cidr
    return int_to_ip(cidr.address(DNS_SERVICE_OFFSET), cidr.version)


def resolv_conf(net: SimNet, host: Host) -> str:
    """The text of ``/etc/resolv.conf`` on ``host`` (see the module docstring)."""
    if host.kind != "pod":
        return f"nameserver {STUB_RESOLVER}\nsearch .\n"
    search = f"search {' '.join(host.search)}\n" if host.search else ""
    return f"{search}nameserver {cluster_dns_ip(net)}\noptions ndots:{NDOTS}\n"


def hosts_file(host: Host) -> str:
    """The text of ``/etc/hosts`` on ``host`` (the kubelet's managed file for a pod)."""
    lines = [
        "127.0.0.1\tlocalhost",
        "::1\tlocalhost ip6-localhost ip6-loopback",
        "fe00::0\tip6-localnet",
        "fe00::0\tip6-mcastprefix",
        "fe00::1\tip6-allnodes",
        "fe00::2\tip6-allrouters",
    ]
    if host.kind == "pod":
        lines.insert(0, MANAGED_HOSTS_HEADER)
    lines.append(f"{host.ip_text}\t{pod_hostname(host)}")
    return "".join(line + "\n" for line in lines)


def read_file(net: SimNet, host: Host, path: str) -> str | None:
    """The text of the file at ``path`` (relative to ``/``) on ``host``; None if absent."""
    path = posixpath.normpath(posixpath.join("/", path))
    if path == "/etc/resolv.conf":
        return resolv_conf(net, host)
    if path == "/etc/hosts":
        return hosts_file(host)
    if path == "/etc/hostname":
        return pod_hostname(host) + "\n"
    return None


# ---------------------------------------------------------------- cat
@_instant
def cat(net: SimNet, host: Host, args: list[str], out: Terminal) -> int:
    """busybox cat ``[-nbvteA] [FILE]...``: ``cat: can't open 'X': No such file or directory``.

    There is no stdin: ``cat`` without files (or ``-``) prints nothing.
    """
    flags: set[str] = set()
    files: list[str] = []
    for arg in args:
        if arg.startswith("-") and len(arg) > 1 and not files:
            for flag in arg[1:]:
                if flag not in "nbvteAu":
                    out.print(f"cat: invalid option -- '{flag}'")
                    return _usage(out, "Usage: cat [-nbvteA] [FILE]...")
                flags.update("vte" if flag == "A" else flag)
        else:
            files.append(arg)
    code = 0
    number = 0
    for name in files:
        if name == "-":
            continue
        full = posixpath.normpath(posixpath.join("/", name))
        text = read_file(net, host, name)
        if text is None:
            if full in DIRECTORIES:
                out.print("cat: read error: Is a directory")
            else:
                out.print(f"cat: can't open '{name}': No such file or directory")
            code = 1
            continue
        for line in text.splitlines():
            if "t" in flags:
                line = line.replace("\t", "^I")
            if "e" in flags:
                line += "$"
            if "b" in flags and line in ("", "$"):
                out.print(line)
            elif "n" in flags or "b" in flags:
                number += 1
                out.print(f"{number:6d}\t{line}")
            else:
                out.print(line)
    return code


# ---------------------------------------------------------------- hostname, echo, true, false
@_instant
def hostname(net: SimNet, host: Host, args: list[str], out: Terminal) -> int:
    """busybox hostname ``[-sfid]``: the hostname; setting it is not permitted in a pod."""
    flags = ""
    rest: list[str] = []
    for arg in args:
        if arg in ("--fqdn", "--domain"):
            flags += arg[2]
        elif arg.startswith("-") and len(arg) > 1:
            for flag in arg[1:]:
                if flag not in "dfisv":
                    out.print(f"hostname: invalid option -- '{flag}'")
                    return _usage(out, "Usage: hostname [-sfi] [HOSTNAME | -F FILE]")
                flags += flag
        else:
            rest.append(arg)
    name = pod_hostname(host)
    # -d, -f, -i look the name up in /etc/hosts: its line is "<ip>\t<name>".
    if "f" in flags or "s" in flags:
        out.print(name.split(".", 1)[0] if "s" in flags and "f" not in flags else name)
    elif "d" in flags:
        if "." in name:
            out.print(name.split(".", 1)[1])
    elif "i" in flags:
        if host.version == 4:
            out.print(host.ip_text)
    elif rest:
        out.print("hostname: sethostname: Operation not permitted")
        return 1
    else:
        out.print(name)
    return 0


_ECHO_ESCAPES = {"\\": "\\", "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_ECHO_ESCAPES |= {"v": "\v", "e": "\x1b"}


def _unescape(text: str) -> tuple[str, bool]:
    """echo -e: the text with backslash escapes applied, and whether ``\\c`` stopped it."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char != "\\" or i + 1 >= len(text):
            out.append(char)
            i += 1
            continue
        code = text[i + 1]
        if code == "c":
            return "".join(out), True
        if code in _ECHO_ESCAPES:
            out.append(_ECHO_ESCAPES[code])
            i += 2
        elif code == "0":
            digits = ""
            i += 2
            while i < len(text) and len(digits) < 3 and text[i] in "01234567":
                digits += text[i]
                i += 1
            out.append(chr(int(digits or "0", 8)))
        else:
            out.append(char)
            i += 1
    return "".join(out), False


@_instant
def echo(net: SimNet, host: Host, args: list[str], out: Terminal) -> int:
    """busybox echo ``[-neE] ARG...``: the arguments separated by spaces."""
    newline = True
    escapes = False
    words = list(args)
    while words and len(words[0]) > 1 and words[0][0] == "-" and set(words[0][1:]) <= set("neE"):
        for flag in words.pop(0)[1:]:
            if flag == "n":
                newline = False
            else:
                escapes = flag == "e"
    text = " ".join(words)
    if escapes:
        text, stopped = _unescape(text)
        newline = newline and not stopped
    out.write(text + ("\n" if newline else ""))
    return 0


@_instant
def true(net: SimNet, host: Host, args: list[str], out: Terminal) -> int:
    """The shell's ``true``: exit 0."""
    return 0


@_instant
def false(net: SimNet, host: Host, args: list[str], out: Terminal) -> int:
    """The shell's ``false``: exit 1."""
    return 1


# ---------------------------------------------------------------- ip
@dataclass(frozen=True, slots=True)
class Address:
    """One address of an interface as ``ip addr`` prints it."""

    family: int
    text: str
    prefix: int
    scope: str
    broadcast: str = ""


@dataclass(frozen=True, slots=True)
class Link:
    """One interface as ``ip addr`` prints it."""

    index: int
    name: str
    flags: str
    mtu: int
    link_type: str
    mac: str
    broadcast_mac: str
    addresses: tuple[Address, ...]
    peer: str = ""


LOOPBACK = Link(
    1,
    "lo",
    "LOOPBACK,UP,LOWER_UP",
    65536,
    "loopback",
    "00:00:00:00:00:00",
    "00:00:00:00:00:00",
    (Address(4, "127.0.0.1", 8, "host"), Address(6, "::1", 128, "host")),
)
ETHER_FLAGS = "BROADCAST,MULTICAST,UP,LOWER_UP"
ETHER_BROADCAST = "ff:ff:ff:ff:ff:ff"


def mac_text(mac: int) -> str:
    """A MAC as int in colon notation."""
    return ":".join(f"{(mac >> shift) & 0xFF:02x}" for shift in range(40, -8, -8))


def link_local(mac: int) -> str:
    """The fe80::/64 address the kernel derives from ``mac`` (modified EUI-64)."""
    octets = [(mac >> shift) & 0xFF for shift in range(40, -8, -8)]
    octets[0] ^= 0x02
    eui = [*octets[:3], 0xFF, 0xFE, *octets[3:]]
    return int_to_ip((0xFE80 << 112) | int.from_bytes(bytes(eui), "big"), 6)


def _address(version: int, value: int, length: int, scope: str = "global") -> Address:
    bits = 32 if version == 4 else 128
    broadcast = ""
    if version == 4 and length < 31:
        broadcast = int_to_ip(value | ((1 << (bits - length)) - 1), 4)
    return Address(version, int_to_ip(value, version), length, scope, broadcast)


def _ether(index: int, name: str, mac: int, addresses: list[Address], peer: str = "") -> Link:
    """An Ethernet interface; the kernel adds the link-local address after the others."""
    flags = ETHER_FLAGS + (",M-DOWN" if peer else "")
    local = Address(6, link_local(mac), 64, "link")
    return Link(
        index, name, flags, 1500, "ether", mac_text(mac), ETHER_BROADCAST, (*addresses, local), peer
    )


def interfaces(net: SimNet, host: Host) -> list[Link]:
    """The interfaces of ``host`` (see the module docstring)."""
    bits = 32 if host.version == 4 else 128
    if host.kind == "pod":
        low, high = host.on_link
        length = bits - ((high - low + 1).bit_length() - 1) if high >= low else bits
        offset = host.ip - low
        peer = offset + 2 if offset < 0xFFFF else offset % 0xFFFF + 4
        own = _address(host.version, host.ip, length)
        return [LOOPBACK, _ether(2, "eth0", host.mac, [own], f"if{peer}")]
    if host.kind == "node":
        node = net.nodes[host.node]
        network = parse_ip(DEFAULT_NODE_NETWORK.split("/")[0])[1]
        inside = host.version == 4 and host.ip >> 16 == network >> 16
        own = _address(host.version, host.ip, 16 if inside else bits)
        low, high = node.cidr
        span = (high - low + 1).bit_length() - 1
        gateway = _address(node.version, node.gateway, (32 if node.version == 4 else 128) - span)
        return [
            LOOPBACK,
            _ether(2, "eth0", host.mac, [own]),
            _ether(3, "cni0", node.bridge_mac, [gateway]),
        ]
    return [LOOPBACK, _ether(2, "eth0", host.mac, [_address(host.version, host.ip, bits)])]


def _link_text(link: Link, family: int, separator: str) -> str:
    """print_linkinfo: the link line, and its link/ether line unless a family is chosen."""
    name = link.name + (f"@{link.peer}" if link.peer else "")
    text = f"{link.index}: {name}: <{link.flags}> mtu {link.mtu} qdisc noqueue qlen 1000"
    if family <= 0:
        text += f"{separator}    link/{link.link_type} {link.mac} brd {link.broadcast_mac}"
    return text


def _address_text(link: Link, address: Address, oneline: bool) -> str:
    """print_addrinfo: one address and its lifetimes (the trailing spaces are busybox's)."""
    kind = "inet" if address.family == 4 else "inet6"
    brd = f"brd {address.broadcast} " if address.broadcast else ""
    label = link.name if address.family == 4 else ""
    head = f"{link.index}: {link.name}" if oneline else ""
    separator = "\\" if oneline else "\n"
    return (
        f"{head}    {kind} {address.text}/{address.prefix} {brd}scope {address.scope} {label}"
        f"{separator}       valid_lft forever preferred_lft forever"
    )


def index_in_substrings(words: tuple[str, ...], key: str) -> int:
    """busybox's index_in_substrings: an exact match, else the one word ``key`` begins."""
    matched = -1
    for index, word in enumerate(words):
        if key and word.startswith(key):
            if word == key:
                return index
            if matched >= 0:
                return -1
            matched = index
    return matched


IP_USAGE = (
    "Usage: ip [OPTIONS] address|route|link|tunnel|neigh|rule [ARGS]",
    "",
    "OPTIONS := -f[amily] inet|inet6|link | -o[neline]",
)
IP_OPTIONS = ("oneline", "family", "4", "6", "0")
IP_OBJECTS = ("address", "route", "r", "link", "tunnel", "tunl", "rule", "neigh")
ADDR_COMMANDS = ("add", "change", "chg", "replace", "delete", "list", "show", "lst", "flush")
LINK_COMMANDS = ("add", "delete", "set", "show", "lst", "list")


@_instant
def ip(net: SimNet, host: Host, args: list[str], out: Terminal) -> int:
    """busybox ip: ``ip [-4|-6|-0|-o] address|link [show] [[dev] IFACE]``.

    ``route``, ``neigh``, ``rule`` and ``tunnel`` are not modelled (usage is
    printed); changing anything fails as without CAP_NET_ADMIN.
    """
    family = 0  # 4, 6, -1 (AF_PACKET: links only)
    oneline = False
    words = list(args)
    while words and words[0].startswith("-"):
        option = words.pop(0)[1:]
        option = option[1:] if option.startswith("-") else option
        which = index_in_substrings(IP_OPTIONS, option)
        if which < 0:
            return _usage(out, *IP_USAGE)
        if which == 0:
            oneline = True
        elif which == 1:
            if not words:
                return _usage(out, *IP_USAGE)
            name = words.pop(0)
            if name not in ("inet", "inet6", "link"):
                out.print(f"ip: invalid argument '{name}' to 'family'")
                return 1
            family = {"inet": 4, "inet6": 6, "link": -1}[name]
        else:
            family = {2: 4, 3: 6, 4: -1}[which]
    which = index_in_substrings(IP_OBJECTS, words.pop(0)) if words else -1
    if which not in (0, 3):
        return _usage(out, *IP_USAGE)
    commands = ADDR_COMMANDS if which == 0 else LINK_COMMANDS
    if which == 3:
        family = -1
    if words:
        command = index_in_substrings(commands, words[0])
        if command < 0:
            out.print(f"ip: invalid argument '{words[0]}' to 'ip'")
            return 1
        words.pop(0)
        if commands[command] not in ("list", "show", "lst"):
            out.print("ip: RTNETLINK answers: Operation not permitted")
            return 2
    device = ""
    while words:
        word = words.pop(0)
        if word == "dev" and words:
            word = words.pop(0)
        device = word
    links = interfaces(net, host)
    if device and device not in {link.name for link in links}:
        out.print(f"ip: can't find device '{device}'")
        return 1
    for link in links:
        if device and link.name != device:
            continue
        shown = [a for a in link.addresses if family in (0, a.family)]
        if family > 0 and not shown:
            continue
        if family < 0 or not oneline:  # "ip -o addr" prints no link lines
            for line in _link_text(link, family, "\\" if oneline else "\n").split("\n"):
                out.print(line)
        if family >= 0:
            for address in shown:
                for line in _address_text(link, address, oneline).split("\n"):
                    out.print(line)
    return 0


SHELL_COMMANDS: dict[str, Applet] = {
    "cat": cat,
    "hostname": hostname,
    "ip": ip,
    "echo": echo,
    "true": true,
    "false": false,
}
"""The applets of this module, by name (registered in ``netsim.sim.apps.COMMANDS``)."""
