"""Build a cluster as real network namespaces, Calico-style, and tear it down again.

One namespace per pod: ``eth0`` with the pod's ``/32`` and a default route to
the link-local gateway ``169.254.1.1``, which the node's end of the veth
answers for with the fixed MAC ``ee:ee:ee:ee:ee:ee`` (as Calico does). One
namespace per node routes at layer 3 (a ``/32`` route per local pod on its
``cali*`` veth) and holds that node's nftables table. With several nodes, each
node's ``ul0`` joins an underlay bridge in one more namespace, and every node
routes the other nodes' pods via their node IP. Neighbour entries are static,
so no ARP is needed on pod links. An external host (an address outside the
cluster) is one more such namespace, behind the first node; its address, like
the pods', exists only inside this run's namespaces.

Names carry a run id ``netsim-<pid>-<start>-<seq>`` (pid, the process start
time in clock ticks, a per-process counter), so parallel runs never collide
and :func:`clean_dead_runs` can tell a dead run's leftovers from a live one's.
Teardown runs from ``finally``, ``atexit`` and SIGTERM/SIGHUP/SIGQUIT handlers.
"""

from __future__ import annotations

import atexit
import hashlib
import ipaddress
import re
import signal
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import FrameType, TracebackType
from typing import Any

from netsim.addr import ip_to_int, ip_version
from netsim.dataplane.render import host_interface
from netsim.dataplane.system import (
    NETNS_PREFIX,
    DataplaneFailure,
    ip_batch,
    list_netns,
    new_run_id,
    nft,
    process_start_time,
    run,
    write_sysctl,
)
from netsim.errors import UnsupportedError
from netsim.model import Cluster

GATEWAY_IP = "169.254.1.1"
GATEWAY_MAC = "ee:ee:ee:ee:ee:ee"
TABLE = "netsim"
_RUN_NAME = re.compile(rf"^{NETNS_PREFIX}-(\d+)-(\d+)-(\d+)-")
_LIVE: dict[str, Harness] = {}
_LIVE_LOCK = threading.Lock()


def pod_mac(index: int) -> str:
    """The deterministic, locally administered MAC of the ``index``-th pod's eth0."""
    return "02:00:" + ":".join(f"{(index >> s) & 0xFF:02x}" for s in (24, 16, 8, 0))


@dataclass(frozen=True, slots=True)
class PodPlumbing:
    """Where a pod lives in the real dataplane: its netns and its node's veth end."""

    key: str
    ip: str
    node: str
    netns: str
    host_if: str
    mac: str


@dataclass(frozen=True, slots=True)
class NodePlumbing:
    """A node namespace: it routes its pods and enforces their policies."""

    name: str
    ip: str
    netns: str


class Harness:
    """One live build of a cluster as namespaces; a context manager that always cleans up.

    ``pods`` and ``nodes`` are filled by :meth:`build`. hostNetwork pods get no
    namespace of their own (they are node traffic under the upstream profile) and
    are listed in ``skipped``.
    """

    def __init__(
        self, cluster: Cluster, run_id: str | None = None, externals: Sequence[str] = ()
    ) -> None:
        self.cluster = cluster
        self.run_id = run_id or new_run_id()
        self.pods: dict[str, PodPlumbing] = {}
        self.externals: dict[str, PodPlumbing] = {}
        self.node_ends: dict[str, PodPlumbing] = {}
        self._external_ips = sorted(set(externals), key=ip_to_int)
        self.nodes: dict[str, NodePlumbing] = {}
        self.underlay: str | None = None
        self.skipped: list[str] = []
        self._created: list[str] = []
        self._plan()

    # ------------------------------------------------------------------ plan
    def _plan(self) -> None:
        pods = [p for p in self.cluster.sorted_pods() if not p.host_network]
        self.skipped = [p.key for p in self.cluster.sorted_pods() if p.host_network]
        for pod in pods:
            if not pod.ip or ip_version(pod.ip) != 4:
                raise UnsupportedError(
                    f"pods {pod.key!r}: the dataplane check supports IPv4 pod IPs only "
                    f"(status.podIP {pod.ip or '<none>'!r})"
                )
        used = sorted({p.node for p in pods})
        for index, name in enumerate(used):
            node = self.cluster.nodes[name]
            self.nodes[name] = NodePlumbing(name, node.ip, f"{self.run_id}-n{index}")
        for index, pod in enumerate(pods):
            self.pods[pod.key] = PodPlumbing(
                pod.key,
                pod.ip,
                pod.node,
                f"{self.run_id}-p{index}",
                host_interface(pod.key),
                pod_mac(index + 1),
            )
        taken = {p.ip for p in pods} | {n.ip for n in self.cluster.nodes.values()}
        for index, ip in enumerate(self._external_ips):
            problem = external_address_problem(ip)
            if problem:
                raise UnsupportedError(f"external host {ip}: {problem}")
            if ip in taken:
                raise UnsupportedError(
                    f"external host {ip}: the dataplane check supports IPv4 addresses that "
                    "belong to no pod and no node"
                )
            if not self.nodes:
                raise UnsupportedError("external hosts need at least one pod (and so one node)")
            self.externals[ip] = PodPlumbing(
                ip,
                ip,
                next(iter(self.nodes)),
                f"{self.run_id}-x{index}",
                "ext" + hashlib.sha1(ip.encode()).hexdigest()[:12],
                pod_mac(len(pods) + index + 1),
            )
        for name, plumbing in self.nodes.items():
            self.node_ends[f"node:{name}"] = PodPlumbing(
                f"node:{name}", plumbing.ip, name, plumbing.netns, "", ""
            )
        if len(self.nodes) > 1:
            self.underlay = f"{self.run_id}-ul"

    @property
    def probe_ends(self) -> dict[str, PodPlumbing]:
        """Every end a probe can start or stop at: pods, external hosts and nodes.

        A node end (``node:NAME``) is the node namespace itself, with the node's
        IP: traffic from it to its own pods never crosses the forward hook, as
        node-local traffic is always allowed (SEMANTICS §5.26).
        """
        return {**self.endpoints, **self.node_ends}

    @property
    def endpoints(self) -> dict[str, PodPlumbing]:
        """Pods (by ``ns/name``) and external hosts (by IP): everything that can be probed.

        An external host is a namespace behind the first node, standing for an
        address outside the cluster; it lives only inside this run's namespaces.
        """
        return {**self.pods, **self.externals}

    @property
    def namespaces(self) -> list[str]:
        """Every namespace name this harness creates, in creation order."""
        names = [n.netns for n in self.nodes.values()]
        names += [p.netns for p in self.endpoints.values()]
        if self.underlay:
            names.append(self.underlay)
        return names

    def address(self, key: str) -> str:
        """The IP of a probe end: a pod, an external host, ``node:NAME`` or ``svc:ns/name``
        (its ClusterIP)."""
        if key.startswith("svc:"):
            return self.cluster.service(key[4:]).cluster_ip
        return self.probe_ends[key].ip

    # ----------------------------------------------------------------- build
    def build(self) -> None:
        """Create every namespace, veth, address, route and sysctl; idempotent per run."""
        with _LIVE_LOCK:
            _LIVE[self.run_id] = self
        _install_signal_handlers()
        names = self.namespaces
        self._created = list(names)
        ip_batch(None, [f"netns add {name}" for name in names])
        for node in self.nodes.values():
            self._build_node(node)
        for pod in self.endpoints.values():
            ip_batch(
                pod.netns,
                [
                    "link set lo up",
                    "link set eth0 up",
                    f"addr add {pod.ip}/32 dev eth0",
                    f"neigh add {GATEWAY_IP} lladdr {GATEWAY_MAC} dev eth0 nud permanent",
                    f"route add {GATEWAY_IP} dev eth0 scope link",
                    f"route add default via {GATEWAY_IP} dev eth0",
                ],
            )
        if self.underlay:
            self._build_underlay()

    def _build_node(self, node: NodePlumbing) -> None:
        lines = ["link set lo up", f"addr add {node.ip}/32 dev lo"]
        for pod in self.endpoints.values():
            if pod.node != node.name:
                continue
            lines += [
                f"link add {pod.host_if} address {GATEWAY_MAC} type veth "
                f"peer name eth0 address {pod.mac} netns {pod.netns}",
                f"link set {pod.host_if} up",
                f"neigh add {pod.ip} lladdr {pod.mac} dev {pod.host_if} nud permanent",
                f"route add {pod.ip}/32 dev {pod.host_if}",
            ]
        ip_batch(node.netns, lines)
        for name, value in (
            ("net.ipv4.ip_forward", "1"),
            ("net.ipv4.conf.all.rp_filter", "0"),
            ("net.ipv4.conf.default.rp_filter", "0"),
        ):
            write_sysctl(node.netns, name, value)

    def _build_underlay(self) -> None:
        assert self.underlay
        lines = ["link set lo up", "link add br0 type bridge", "link set br0 up"]
        for index, node in enumerate(self.nodes.values()):
            lines += [
                f"link add u{index} type veth peer name ul0 netns {node.netns}",
                f"link set u{index} master br0",
                f"link set u{index} up",
            ]
        ip_batch(self.underlay, lines)
        for node in self.nodes.values():
            node_lines = ["link set ul0 up"]
            for other in self.nodes.values():
                if other.name == node.name:
                    continue
                node_lines.append(f"route add {other.ip}/32 dev ul0 src {node.ip}")
                node_lines += [
                    f"route add {pod.ip}/32 via {other.ip} dev ul0"
                    for pod in self.endpoints.values()
                    if pod.node == other.name
                ]
            ip_batch(node.netns, node_lines)

    # ----------------------------------------------------------------- rules
    def load_rules(self, rulesets: Mapping[str, str]) -> None:
        """Replace the nftables table of each named node with the given ruleset text."""
        for name, text in sorted(rulesets.items()):
            netns = self.nodes[name].netns
            nft(netns, ["-f", "-"], stdin=f"table inet {TABLE}\ndelete table inet {TABLE}\n{text}")

    def ruleset_json(self, node: str) -> str:
        """``nft -j list table inet netsim`` of one node (rules with counters and comments)."""
        return nft(self.nodes[node].netns, ["-j", "list", "table", "inet", TABLE])

    # -------------------------------------------------------------- teardown
    def teardown(self) -> None:
        """Delete every namespace of this run (their links and rulesets go with them)."""
        with _LIVE_LOCK:
            _LIVE.pop(self.run_id, None)
        existing = set(list_netns())
        doomed = [name for name in self._created if name in existing]
        self._created = []
        if doomed:
            run(
                ["ip", "-force", "-batch", "-"],
                stdin="".join(f"netns del {n}\n" for n in doomed),
                check=False,
            )
        _restore_signal_handlers()
        left = sorted(set(doomed) & set(list_netns()))
        if left:
            raise DataplaneFailure(f"could not delete network namespaces: {', '.join(left)}")

    def __enter__(self) -> Harness:
        try:
            self.build()
        except BaseException:
            self.teardown()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.teardown()


def external_address_problem(ip: str) -> str | None:
    """Why ``ip`` cannot be an external host of a run, or None when it can.

    An external host is one more namespace with that address on its ``eth0``, routed
    like a pod. Only a unicast IPv4 address works: the kernel answers loopback
    (127/8) itself and never routes "this network" (0/8) or link-local
    (169.254/16, where the pods' gateway 169.254.1.1 lives) off-link; multicast and
    the limited broadcast are not a host's address. Probes to such an address would
    report false mismatches, so the run refuses it.
    """
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return "not an IP address"
    if address.version != 4:
        return "not an IPv4 address (the dataplane check builds IPv4 only)"
    assert isinstance(address, ipaddress.IPv4Address)
    for network, what in _NOT_A_HOST:
        if address in network:
            return f"{what} ({network}), not a host's unicast address"
    return None


_NOT_A_HOST = tuple(
    (ipaddress.IPv4Network(cidr), what)
    for cidr, what in (
        ("0.0.0.0/8", "an unspecified, this-network address"),
        ("127.0.0.0/8", "a loopback address"),
        ("169.254.0.0/16", "a link-local address"),
        ("224.0.0.0/4", "a multicast address"),
        ("255.255.255.255/32", "the limited broadcast address"),
    )
)
"""Address blocks that are no external host's (RFC 1122 3.2.1.3, RFC 3927, RFC 5771, RFC 919)."""


# ---------------------------------------------------------------- cleanup
def _teardown_all() -> None:
    with _LIVE_LOCK:
        live = list(_LIVE.values())
    for harness in live:
        harness.teardown()


atexit.register(_teardown_all)
_PREVIOUS_HANDLERS: dict[signal.Signals, Any] = {}


def _on_signal(signum: int, frame: FrameType | None) -> None:
    # Raising here unwinds the main thread through every ``finally``/``with``.
    raise SystemExit(128 + signum)


UNWINDING_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
"""Signals that unwind a run through its teardown (SIGINT already does: KeyboardInterrupt).

SIGQUIT (Ctrl-\\) would dump core and leave the namespaces behind; it is handled like
SIGTERM. Only SIGKILL leaves them, for ``netsim dataplane clean``."""


def _install_signal_handlers() -> None:
    """Make SIGTERM, SIGHUP and SIGQUIT unwind (so teardown runs), unless someone handles them.

    The previous handlers come back when the last live harness is torn down.
    """
    if _PREVIOUS_HANDLERS or threading.current_thread() is not threading.main_thread():
        return
    for sig in UNWINDING_SIGNALS:
        current = signal.getsignal(sig)
        if current in (signal.SIG_DFL, None):
            _PREVIOUS_HANDLERS[sig] = current
            signal.signal(sig, _on_signal)


def _restore_signal_handlers() -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    with _LIVE_LOCK:
        if _LIVE:
            return
    for sig, handler in list(_PREVIOUS_HANDLERS.items()):
        signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
    _PREVIOUS_HANDLERS.clear()


def run_namespaces() -> dict[str, list[str]]:
    """Namespaces of every netsim run on this machine, grouped by run id."""
    runs: dict[str, list[str]] = {}
    for name in list_netns():
        match = _RUN_NAME.match(name)
        if match:
            run_id = name[: match.end() - 1]
            runs.setdefault(run_id, []).append(name)
    return runs


def run_is_alive(run_id: str) -> bool:
    """True when the process that made run ``run_id`` is still running."""
    match = _RUN_NAME.match(run_id + "-")
    if not match:
        return False
    pid, start = int(match.group(1)), int(match.group(2))
    return process_start_time(pid) == start


def clean_dead_runs(*, include_live: bool = False) -> list[str]:
    """Delete the namespaces of runs whose process is gone; return their names, sorted.

    ``include_live`` also deletes live runs' namespaces (for a machine nobody
    else is using). Deleting a namespace removes its links and nftables tables.
    """
    doomed = []
    for run_id, names in sorted(run_namespaces().items()):
        if include_live or not run_is_alive(run_id):
            doomed += names
    if doomed:
        run(
            ["ip", "-force", "-batch", "-"],
            stdin="".join(f"netns del {n}\n" for n in doomed),
            check=False,
        )
    return sorted(set(doomed) - set(list_netns()))
