"""The live cluster network: hosts, bridges, veths, routes, conntrack, kube-proxy, policy.

Topology (the Linux "bridge" CNI plugin with host-gw style direct routing):

- every node has a bridge ``cni0`` holding the first address of its pod CIDR
  (``10.244.1.1``), with MAC learning (a forwarding database filled from the
  source MAC of each frame) and an ARP responder for that gateway address;
- every pod has ``eth0`` (IP, MAC ``0a:58:<ip>`` as the bridge plugin derives
  it) on a veth pair whose host end is a bridge port; pods reach pods of the
  same node over the bridge (after ARP) and everything else via the gateway;
- nodes share one L2 network (``172.18.0.0/16``) and route each other's pod
  CIDRs directly to the owning node's IP (*direct routing*, as flannel
  host-gw, kube-router or Calico without IPIP/VXLAN; there is no overlay
  encapsulation, so a capture between nodes shows the pod IPs);
- an external network (the internet) holds external clients; it reaches
  NodePorts on node IPs and LoadBalancer IPs, which the load balancer sends to
  the first node (in name order) that may serve them.

Each node runs br_netfilter, so bridged and routed pod traffic alike passes
conntrack, kube-proxy's DNAT (iptables mode: before the filter) and the
policy hook, which sits at the host side of each veth: egress of a local
source pod, ingress of a local destination pod, on the post-DNAT pod IP and
target port, for the first packet of a flow only. Later packets match the
node's conntrack entry and skip policy. Denied packets are dropped silently
(as Calico does), with a trace event naming the reason and rule.

Source NAT comes after policy on the node that does it, as in kube-proxy's
iptables mode with Calico: kube-proxy only *marks* a packet for masquerade
in PREROUTING (with its DNAT); the MASQUERADE runs in POSTROUTING, after
Calico's workload policy in the filter FORWARD chain. So an external client
of a NodePort/LoadBalancer Service with ``externalTrafficPolicy: Cluster``
is seen by the ingress policy of an endpoint pod on the receiving node with
its own (client) IP; an endpoint pod on another node is reached by a packet
the receiving node has already SNATed, so its ingress policy sees the
receiving node's IP, which is not the pod's own node (no node-local
exception): an ipBlock covering the client does not match it, one covering
that node's IP does (the documented "client IP is lost"). Either way an
external client never passes an ingress default-deny. With ``Local`` there
is no SNAT and policy always sees the client IP. Pods reaching a
NodePort or LoadBalancer IP of a ``Cluster`` Service are masqueraded the
same way (kube-proxy marks all traffic to external destinations), so an
endpoint on another node sees the client pod's node, not the pod; pods
leaving the pod network for external IPs are masqueraded after their
egress policy.

A packet's whole path is computed when it is sent (the state of that instant
applies to it) and it is delivered after the sum of the link latencies; each
interface it crosses records it at the time it would cross it. IPv4
neighbours are resolved with ARP frames (request flooded by the bridge,
reply unicast, at most ``unres_qlen`` = 3 packets queued meanwhile); IPv6
neighbours are known without NDP frames.

Differences from a real node that a reader of traces may meet: kube-proxy's
REJECT for a Service without endpoints is a TCP RST from the Service address
(iptables sends ICMP port-unreachable; connect() fails with ECONNREFUSED
either way); external-frontend and hairpin masquerading use the node's IP
and the bridge address respectively (MASQUERADE would pick the bridge
address for an endpoint on the same node too; policy never sees it).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, Protocol, cast

import simpy

from netsim.addr import int_to_ip, parse_ip
from netsim.errors import LookupFailed, NetsimError
from netsim.model import Change, Cluster, Pod
from netsim.policy.profile import UPSTREAM, Profile
from netsim.policy.verdict import SideDecision
from netsim.sim.apiserver import apiserver
from netsim.sim.conntrack import Conntrack, Entry
from netsim.sim.dns import DNS_NAMESPACE, DNS_SERVICE, ClusterDns, dns_objects, search_path
from netsim.sim.fate import FateWatch, PacketFate
from netsim.sim.flow import (
    ACK,
    BROADCAST_MAC,
    L4_NUMBERS,
    PROTO_ICMP,
    PROTO_ICMPV6,
    PROTO_TCP,
    RST,
    FlowKey,
    Frame,
    policy_protocol,
)
from netsim.sim.kubeproxy import APISERVER_PORT, Frontend, KubeProxy
from netsim.sim.sockets import Stack
from netsim.sim.topology import DEFAULT_LINKS, Capture, Host, Links, NodeState, mac_for
from netsim.sim.trace import Counters, TraceEvent, event_for

if TYPE_CHECKING:
    from netsim.policy.engine import PolicyEngine
    from netsim.sim.apps import ExecResult, Session
    from netsim.sim.packet import Packet

SETTLE: Final = 0.001
"""exec() lets in-flight packets land for this long after the command exits."""
SEND_WAIT: Final = 0.1
"""send() runs the network this long for the packet to land and its reply to come back."""
ARP_QUEUE: Final = 3
ICMP_PROTOS: Final = frozenset((PROTO_ICMP, PROTO_ICMPV6))
EXTERNAL_GATEWAY_MAC: Final = 0x02_00_00_00_00_FE

TraceLevel = Literal["drops", "all"]


class PolicyHook(Protocol):
    """What the network needs from the policy engine (netsim.policy.engine.PolicyEngine)."""

    def egress(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> SideDecision:
        """The source pod's egress decision for a new flow."""
        ...

    def ingress(self, src_ip: str, dst_ip: str, protocol: str, dst_port: int) -> SideDecision:
        """The destination pod's ingress decision for a new flow."""
        ...


class Network:
    """The live simulation of a Cluster's network; follows the Cluster's changes.

    ``seed`` drives every random choice (ephemeral ports, TCP sequence
    numbers, DNS ids, kube-proxy endpoint choice): the same cluster and seed
    give the same packets, timestamps and outputs. ``dns`` adds the kube-dns
    Service and its CoreDNS pod to the cluster (as kubeadm does) when no
    ``kube-system/kube-dns`` Service exists. ``engine`` replaces the policy
    engine (tests); by default ``PolicyEngine(cluster, profile)``.
    ``capture`` records frames for :meth:`write_pcap`; ``trace`` is
    ``"drops"`` (every drop and reject) or ``"all"`` (also allows and NAT);
    ``links`` sets latencies, loss and bandwidth (:class:`Links`).
    """

    def __init__(
        self,
        cluster: Cluster,
        *,
        seed: int = 0,
        profile: Profile = UPSTREAM,
        engine: PolicyHook | None = None,
        dns: bool = True,
        capture: bool = True,
        trace: TraceLevel = "drops",
        links: Links = DEFAULT_LINKS,
    ) -> None:
        self.cluster = cluster
        self.profile = profile
        self.seed = seed
        self.rng = random.Random(seed)
        self.env = simpy.Environment()
        self.capturing = capture
        self.links = links
        self._veth = links.veth_latency
        self._node_latency = links.node_latency
        self._external = links.external_latency
        self.trace_level = trace
        self.captures: list[Capture] = []
        self.trace: list[TraceEvent] = []
        self._counters = Counters.empty()
        self.kube_proxy = KubeProxy()
        self.dns = ClusterDns(cluster)
        self.nodes: dict[str, NodeState] = {}
        self.hosts: dict[str, Host] = {}
        self.by_ip: dict[int, Host] = {}
        self.node_by_ip: dict[int, NodeState] = {}
        self.external: dict[int, Host] = {}
        self._ip_text: dict[tuple[int, int], str] = {}
        self._order = 0
        self._watch: FateWatch | None = None
        if dns and f"{DNS_NAMESPACE}/{DNS_SERVICE}" not in cluster.services:
            cluster.ensure_namespace(DNS_NAMESPACE)
            pod, service = dns_objects(cluster)
            if pod.key not in cluster.pods:
                cluster.add(pod)
            cluster.add(service)
        self._own_engine: PolicyEngine | None = None
        if engine is None:
            from netsim.policy.engine import PolicyEngine

            engine = self._own_engine = PolicyEngine(cluster, profile)
        self.engine: PolicyHook = engine
        for name in sorted(cluster.nodes):
            self._add_node(name)
        for pod in cluster.sorted_pods():
            self._add_pod(pod)
        self.kube_proxy.rebuild(cluster)
        cluster.subscribe(self._on_change)

    # ------------------------------------------------------------------ API
    @property
    def now(self) -> float:
        """Simulated seconds since the network started."""
        return float(self.env.now)

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass (timers fire, packets land)."""
        if seconds < 0:
            raise NetsimError(f"cannot advance time by a negative amount ({seconds})")
        self.env.run(until=self.env.now + seconds)

    def exec(self, pod_key: str, command: str) -> ExecResult:
        """Run a busybox command line in a pod (``ns/name``) to completion in simulated time.

        Also accepts ``node/<name>`` (the node's root namespace) and
        ``external/<name>`` (an external client). Returns what the command
        printed (stdout and stderr interleaved, as a terminal shows them) and
        its exit code.
        """
        from netsim.sim.apps import run_command

        host = self.host(pod_key)
        process = self.env.process(run_command(self, host, command))
        self.env.run(until=process)
        self.env.run(until=self.env.now + SETTLE)
        result = process.value
        assert result is not None
        return cast("ExecResult", result)

    def open_tcp(
        self, pod_key: str, address: str, port: int, timeout: float = 1.0
    ) -> Session | None:
        """Open a TCP connection from a host and keep it (None when refused or timed out).

        Runs until the handshake ends or ``timeout`` passes. The session stays
        open across later calls, to watch an established flow across policy
        changes with :meth:`request`.
        """
        from netsim.sim.apps import open_tcp

        host = self.host(pod_key)
        process = self.env.process(open_tcp(self, host, address, port, timeout))
        self.env.run(until=process)
        return cast("Session | None", process.value)

    def probe(
        self, pod_key: str, address: str, port: int, protocol: str = "TCP", timeout: float = 1.0
    ) -> str:
        """Try one TCP/UDP/SCTP connection from a host: ``connected``, ``refused`` or ``timeout``.

        UDP counts as connected when the server answers (the pods' UDP
        container ports run an echo server).
        """
        from netsim.sim.apps import probe

        host = self.host(pod_key)
        process = self.env.process(probe(self, host, address, port, protocol, timeout))
        self.env.run(until=process)
        self.env.run(until=self.env.now + SETTLE)
        return cast(str, process.value)

    def request(self, session: Session, data: bytes, timeout: float = 1.0) -> bytes:
        """Send ``data`` on an open session; return the first answer's bytes (b"" on timeout)."""
        from netsim.sim.apps import exchange

        process = self.env.process(exchange(session, data, timeout))
        self.env.run(until=process)
        self.env.run(until=self.env.now + SETTLE)
        return cast(bytes, process.value)

    def send(self, packet: Packet | bytes, at: str, wait: float = SEND_WAIT) -> PacketFate:
        """Put one packet on the interface of ``at`` (``ns/pod``, ``node/NAME``,
        ``external/NAME``) and return its :class:`~netsim.sim.fate.PacketFate`.

        ``packet`` is a scapy packet (Ether, IP, IPv6 over TCP, UDP, SCTP, ICMP
        or any other IP protocol) or raw bytes (:func:`netsim.sim.packet.frame_from_packet`). It
        takes the path of every other frame (ARP, bridge, conntrack, kube-proxy,
        the policy hook, routing, NAT) and the network runs ``wait`` simulated
        seconds for it to land and an answer to come back. The sender's own
        stack sees the answer as it would any other (a SYN-ACK it did not ask
        for is answered with a RST, as a real kernel does).
        """
        from netsim.sim.packet import FrameRenderer, frame_from_packet, parse_frame

        if wait < 0:
            raise NetsimError(f"cannot wait a negative time ({wait})")
        host = self.host(at)
        frame = frame_from_packet(packet, host)
        watch = self._watch = FateWatch(frame)
        try:
            host.stack.send(frame)
            self.env.run(until=self.env.now + wait)
        finally:
            self._watch = None
        renderer = FrameRenderer()
        return watch.fate(lambda f: parse_frame(renderer.render(f)))

    def host(self, key: str) -> Host:
        """The host of a pod (``ns/name``), node (``node/<name>``) or external client."""
        host = self.hosts.get(key)
        if host is not None:
            return host
        pod = self.cluster.pods.get(key)
        if pod is not None and pod.host_network:
            return self.nodes[pod.node].host
        if pod is not None:
            raise LookupFailed(f'pod "{key}" has no network yet (no IP)')
        raise LookupFailed(f'pods "{key.rsplit("/", 1)[-1]}" not found')

    def serve(self, pod_key: str, port: int, protocol: str = "TCP") -> None:
        """Start a server in a host on ``port`` (as ``nc -l -p PORT`` would, but it stays).

        TCP answers HTTP like nginx, UDP echoes, SCTP accepts associations.
        """
        from netsim.sim.apps import http_server, udp_echo

        stack = self.host(pod_key).stack
        if protocol == "TCP":
            stack.tcp_listeners[port] = http_server
        elif protocol == "UDP":
            stack.bind_udp(port, partial(udp_echo, stack.host))
        elif protocol == "SCTP":
            stack.sctp_listeners.add(port)
        else:
            raise NetsimError(
                f'Unsupported value: "{protocol}": supported values: "SCTP", "TCP", "UDP"'
            )

    def add_external_host(self, name: str, ip: str, dns_name: str | None = None) -> str:
        """Add an internet client ``external/<name>``; ``dns_name`` makes cluster DNS answer it."""
        key = f"external/{name}"
        if key in self.hosts:
            raise NetsimError(f'external host "{name}" already exists')
        host = Host(key, "external", ip, "", mac_for(parse_ip(ip)[1], 0x0200))
        host.stack = Stack(host, self.env, self.rng, partial(self._host_send, host))
        host.search = ()
        self.hosts[key] = host
        self.external[host.ip] = host
        from netsim.sim.apps import install_servers

        install_servers(self, host, None)
        if dns_name:
            self.dns.external[dns_name.lower().rstrip(".")] = ip
        return key

    def node_port(self, service_key: str, port: int) -> int:
        """The NodePort kube-proxy opened for ``port`` of a NodePort/LoadBalancer Service."""
        try:
            return self.kube_proxy.assigned_node_ports[(service_key, port)]
        except KeyError:
            raise LookupFailed(f'service "{service_key}" has no NodePort for port {port}') from None

    def load_balancer_ip(self, service_key: str) -> str:
        """The load-balancer IP of a LoadBalancer Service."""
        try:
            return self.kube_proxy.assigned_lb_ips[service_key]
        except KeyError:
            raise LookupFailed(f'service "{service_key}" is not a LoadBalancer') from None

    def counters(self) -> Counters:
        """Packet counters per interface, per allowing rule and per drop reason."""
        return self._counters

    def drops(self) -> list[TraceEvent]:
        """The trace events of dropped packets, in time order."""
        return [e for e in self.trace if e.kind == "drop"]

    def interfaces(self) -> list[str]:
        """Every interface name a capture can be filtered on, sorted."""
        names = [h.iface for h in self.hosts.values()]
        names += [n.iface for n in self.nodes.values()]
        return sorted(names)

    def captured(self, interface: str | None = None) -> list[Capture]:
        """Captured frames in time order, optionally of one interface only."""
        items = sorted(self.captures, key=lambda c: (c.time, c.order))
        if interface is None:
            return items
        return [c for c in items if c.interface == interface]

    def write_pcap(self, path: str | Path, interface: str | Sequence[str] | None = None) -> int:
        """Write the captured frames to a pcapng file; return how many.

        ``interface`` chooses: None every interface, else one name or several
        (``"node-1 eth0"``, ``"default/busybox eth0"``; an unknown name is a
        :class:`LookupFailed` listing the known ones). The file has one
        interface block per interface that captured a frame, named as here,
        sorted, and timestamps from the fixed capture start
        (:data:`netsim.sim.packet.CAPTURE_START_NS`) plus simulated time: the
        same run writes the same bytes.
        """
        from netsim.sim.packet import FrameRenderer, write_pcapng

        frames = self.captured()
        if interface is not None:
            wanted = {interface} if isinstance(interface, str) else set(interface)
            known = set(self.interfaces()) | {c.interface for c in frames}
            unknown = sorted(wanted - known)
            if unknown:
                raise LookupFailed(
                    f"no interface {unknown[0]!r}: the interfaces are {', '.join(sorted(known))}"
                )
            frames = [c for c in frames if c.interface in wanted]
        names = sorted({c.interface for c in frames})
        index = {name: i for i, name in enumerate(names)}
        renderer = FrameRenderer()
        return write_pcapng(
            path, names, ((c.time, index[c.interface], renderer.render(c.frame)) for c in frames)
        )

    def capture(self, path: str | Path, interface: str | Sequence[str] | None = None) -> int:
        """Same as :meth:`write_pcap` (the name of the contract)."""
        return self.write_pcap(path, interface)

    def close(self) -> None:
        """Stop following the cluster (and close the policy engine the network made)."""
        self.cluster.unsubscribe(self._on_change)
        if self._own_engine is not None:
            self._own_engine.close()
            self._own_engine = None

    # ------------------------------------------------------------ topology
    def _add_node(self, name: str) -> None:
        node = self.cluster.nodes[name]
        cidr = node.pod_cidr
        state = NodeState(name, node.ip, cidr.network, cidr.last, cidr.version)
        host = Host(f"node/{name}", "node", node.ip, name, state.mac)
        host.iface = state.iface
        host.stack = Stack(host, self.env, self.rng, partial(self._node_send, state))
        state.host = host
        if not self.nodes:  # the first node is the control plane: the apiserver listens
            host.stack.tcp_listeners[APISERVER_PORT] = apiserver
        self.nodes[name] = state
        self.node_by_ip[state.ip] = state
        self.hosts[host.key] = host

    def _add_pod(self, pod: Pod) -> None:
        from netsim.sim.apps import install_servers

        if pod.host_network and pod.node in self.nodes:
            install_servers(self, self.nodes[pod.node].host, pod)  # it shares the node's stack
            return
        if not pod.ip or pod.node not in self.nodes:
            return
        node = self.nodes[pod.node]
        host = Host(pod.key, "pod", pod.ip, pod.node, 0)
        host.mac = mac_for(host.ip, 0x0A58)
        host.pod = pod
        host.on_link = node.cidr
        host.gateway = node.gateway
        host.search = search_path(pod.namespace, self.cluster.cluster_domain)
        host.stack = Stack(host, self.env, self.rng, partial(self._host_send, host))
        node.ports[pod.key] = host
        self.hosts[pod.key] = host
        self.by_ip[host.ip] = host
        install_servers(self, host, pod)

    def _remove_pod(self, pod: Pod) -> None:
        host = self.hosts.pop(pod.key, None)
        if host is None:
            return
        host.alive = False  # its timers may still fire: a deleted pod sends nothing
        self.by_ip.pop(host.ip, None)
        node = self.nodes.get(host.node)
        if node is not None:
            node.ports.pop(pod.key, None)
            node.fdb.pop(host.mac, None)

    def _on_change(self, change: Change) -> None:
        if change.kind == "Node" and change.op == "add":
            self._add_node(change.key)
        elif change.kind == "Pod":
            if isinstance(change.old, Pod):
                if isinstance(change.new, Pod) and change.old.ip == change.new.ip:
                    host = self.hosts.get(change.key)
                    if host is not None:
                        host.pod = change.new
                else:
                    self._remove_pod(change.old)
            if isinstance(change.new, Pod) and change.key not in self.hosts:
                self._add_pod(change.new)
            self.kube_proxy.rebuild(self.cluster)
        elif change.kind == "Service":
            self.kube_proxy.rebuild(self.cluster)
        if change.kind in ("NetworkPolicy", "Pod", "Namespace") and (
            self._profile().cut_established_on_change
        ):
            self._recheck_flows()

    def _recheck_flows(self) -> None:
        """Drop conntrack entries whose flow the policies no longer allow (the switch is on)."""
        for node in self.nodes.values():
            for entry in node.conntrack.entries():
                if not self._entry_allowed(node, entry):
                    node.conntrack.remove(entry)

    def _entry_allowed(self, node: NodeState, entry: Entry) -> bool:
        proto = policy_protocol(entry.orig[0])
        src, dst, port = entry.orig[1], entry.reply[1], entry.reply[2]
        if entry.orig[0] not in L4_NUMBERS:
            port = 0
        version = entry.version
        src_host = self.by_ip.get(src)
        if src_host is not None and src_host.node == node.name:
            d = self.engine.egress(self._text(src, version), self._text(dst, version), proto, port)
            if not d.allowed:
                return False
        dst_host = self.by_ip.get(dst)
        if dst_host is not None and dst_host.node == node.name:
            # The source as policy saw it: a node masquerades only after its policy
            # checks, so this is the original source (already the other node's IP for
            # traffic that node SNATed before forwarding it here).
            d = self.engine.ingress(self._text(src, version), self._text(dst, version), proto, port)
            if not d.allowed:
                return False
        return True

    # ------------------------------------------------------------ helpers
    def _text(self, ip: int, version: int) -> str:
        text = self._ip_text.get((version, ip))
        if text is None:
            text = int_to_ip(ip, version)
            self._ip_text[(version, ip)] = text
        return text

    def _cap(self, iface: str, frame: Frame, delay: float) -> None:
        self._counters.interfaces[iface] += 1
        if self.capturing:
            self._order += 1
            self.captures.append(Capture(self.env.now + delay, self._order, iface, frame.copy()))

    def _deliver(self, host: Host, frame: Frame, delay: float) -> None:
        def arrive(_event: object) -> None:
            if host.alive:
                if self._watch is not None:
                    self._watch.arrived(host.key, frame)
                host.stack.receive(frame)

        timeout = self.env.timeout(delay)
        timeout.callbacks.append(arrive)

    def _drop(
        self, where: str, frame: Frame, reason: str, delay: float, d: SideDecision | None = None
    ) -> None:
        if self._watch is not None:
            self._watch.dropped(frame, reason, d)
        counters = self._counters
        counters.drops[reason] += 1
        counters.drops_at[where] += 1
        isolating = d.isolating_policies if d is not None else ()
        if isolating:
            counters.policy_drops[",".join(isolating)] += 1
        self.trace.append(
            event_for(
                self.env.now + delay,
                "drop",
                where,
                frame.key,
                frame.version,
                reason if d is None else f"{reason}: {d.reason}",
                d.rule if d is not None else None,
                isolating,
            )
        )

    def _enforce(
        self,
        where: str,
        drop_reason: str,
        frame: Frame,
        d: SideDecision,
        delay: float,
        rules: list[str],
    ) -> bool:
        """Apply one enforcement point's decision: drop and trace it, or note the allowing rule.

        Returns whether the frame goes on.
        """
        if not d.allowed:
            self._drop(where, frame, drop_reason, delay, d)
            return False
        if d.rule is not None:
            rules.append(str(d.rule))
        if self._watch is not None:
            self._watch.allowed(frame, d)
        self._note("policy-allow", where, frame, d.reason, delay, d)
        return True

    def _note(
        self,
        kind: Literal["policy-allow", "dnat", "snat", "reject"],
        where: str,
        frame: Frame,
        reason: str,
        delay: float,
        d: SideDecision | None = None,
    ) -> None:
        if self.trace_level == "all" or kind == "reject":
            self.trace.append(
                event_for(
                    self.env.now + delay,
                    kind,
                    where,
                    frame.key,
                    frame.version,
                    reason,
                    d.rule if d is not None else None,
                )
            )

    # ------------------------------------------------------------ sending
    def _host_send(self, host: Host, frame: Frame) -> None:
        """A pod or external host puts a frame on its eth0."""
        if not host.alive:
            return
        self._counters.packets += 1
        frame.src_mac = host.mac
        if host.kind == "external":
            frame.dst_mac = EXTERNAL_GATEWAY_MAC
            self._cap(host.iface, frame, 0.0)
            self._from_external(frame)
            return
        if frame.dst == host.ip:  # the pod's own address goes over lo, never eth0
            self._deliver(host, frame, 0.0)
            return
        lo, hi = host.on_link
        hop = frame.dst if lo <= frame.dst <= hi else host.gateway
        mac = host.neigh.get(hop)
        if mac is None:
            if host.version == 6:
                mac = self._neighbour_mac(host, hop)
                if mac is None:
                    return
                host.neigh[hop] = mac
            else:
                self._arp(host, hop, frame)
                return
        frame.dst_mac = mac
        self._cap(host.iface, frame, 0.0)
        if frame.src != host.ip and self._profile().drop_spoofed:
            # Calico and Cilium admit from a workload interface only the workload's own
            # addresses (an RPF check at the host end of the veth).
            self._drop(host.iface, frame, "spoofed-source", self._veth)
            return
        node = self.nodes[host.node]
        node.fdb[host.mac] = host.key
        self._forward(node, frame, host, self._veth)

    def _node_send(self, node: NodeState, frame: Frame) -> None:
        """The node's own stack (and hostNetwork pods) sends a frame."""
        self._counters.packets += 1
        frame.src_mac = node.mac
        self._forward(node, frame, node.host, 0.0)

    def _neighbour_mac(self, host: Host, ip: int) -> int | None:
        node = self.nodes[host.node]
        if ip == node.gateway:
            return node.bridge_mac
        peer = self.by_ip.get(ip)
        if peer is not None and peer.node == host.node:
            return peer.mac
        return None

    def _arp(self, host: Host, hop: int, frame: Frame) -> None:
        queue = host.pending.setdefault(hop, [])
        if len(queue) >= ARP_QUEUE:
            # Linux keeps unres_qlen packets per unresolved neighbour and drops the rest.
            self._drop(host.iface, frame, "neighbour-queue-full", 0.0)
            return
        queue.append(frame)
        if len(queue) > 1:
            return
        node = self.nodes[host.node]
        request = Frame(4, 0, host.ip, 0, hop, 0, 1, src_mac=host.mac, dst_mac=BROADCAST_MAC)
        self._cap(host.iface, request, 0.0)
        node.fdb[host.mac] = host.key
        for key in sorted(node.ports):
            if key != host.key:
                self._cap(node.ports[key].iface, request, self._veth * 2)
        mac = self._neighbour_mac(host, hop)
        if mac is None:  # nobody answers: the kernel gives up on the queued packets
            for queued in host.pending.pop(hop, []):
                self._drop(host.iface, queued, "neighbour-unreachable", 0.0)
            return
        if mac != node.bridge_mac:
            node.fdb[mac] = self.by_ip[hop].key
        reply = Frame(4, 0, hop, 0, host.ip, 0, 2, src_mac=mac, dst_mac=host.mac)
        rtt = self._veth * (2 if mac == node.bridge_mac else 4)
        self._cap(host.iface, reply, rtt)

        def resolved(_event: object) -> None:
            host.neigh[hop] = mac
            for queued in host.pending.pop(hop, []):
                self._counters.packets -= 1
                self._host_send(host, queued)

        timeout = self.env.timeout(rtt)
        timeout.callbacks.append(resolved)

    def _from_external(self, frame: Frame) -> None:
        node = self.node_by_ip.get(frame.dst)
        if node is None:
            node = self._lb_node(frame)
        if node is None:
            self._drop("internet", frame, "no-route", self._external)
            return
        # The internet's last router routed it: one hop, and its MAC as the source.
        frame.ttl -= 1
        if frame.ttl <= 0:
            self._drop("internet", frame, "ttl-exceeded", self._external)
            return
        frame.src_mac, frame.dst_mac = EXTERNAL_GATEWAY_MAC, node.mac
        delay = self._wire_delay(frame, self._external)
        if delay < 0:
            self._drop("internet", frame, "link-loss", self._external)
            return
        self._cap(node.iface, frame, delay)
        self._forward(node, frame, None, delay)

    def _lb_node(self, frame: Frame) -> NodeState | None:
        frontend = self.kube_proxy.lb_ips.get((frame.proto, frame.dst, frame.dport))
        if frontend is None:
            return None
        names = sorted(self.nodes)
        if frontend.external_traffic_policy == "Local":
            local = sorted({e.node for e in frontend.endpoints})
            names = [n for n in names if n in local]
        return self.nodes[names[0]] if names else None

    # ------------------------------------------------------------ forwarding
    def _forward(self, node: NodeState, frame: Frame, origin: Host | None, delay: float) -> None:
        """Netfilter on ``node``: conntrack, kube-proxy, policy; then route."""
        now = self.env.now + delay
        key = (frame.proto, frame.src, frame.sport, frame.dst, frame.dport)
        hit = node.conntrack.table.get(key)
        if hit is not None and (
            hit[0].expires < now or Conntrack.reopens(hit[0], hit[1], frame.flags, frame.proto)
        ):
            node.conntrack.remove(hit[0])
            hit = None
        if hit is not None:
            entry, is_reply = hit
            if entry.dnat or entry.snat:
                if frame.dport == 0 and frame.proto in ICMP_PROTOS:
                    # ICMP echo: the identifier stays, only addresses are NATed.
                    frame.src, frame.dst = (
                        (entry.orig[3], entry.orig[1])
                        if is_reply
                        else (entry.reply[3], entry.reply[1])
                    )
                elif is_reply:
                    _, frame.dst, frame.dport, frame.src, frame.sport = entry.orig
                else:
                    _, frame.dst, frame.dport, frame.src, frame.sport = entry.reply
            Conntrack.update(entry, is_reply, frame.flags, frame.proto, now)
            if entry.rules:
                rule_packets = self._counters.rule_packets
                for rule in entry.rules:
                    rule_packets[rule] += 1
            self._route(node, frame, delay)
            return
        self._new_flow(node, frame, origin, key, delay)

    def _new_flow(
        self, node: NodeState, frame: Frame, origin: Host | None, key: FlowKey, delay: float
    ) -> None:
        version = frame.version
        proto_name = policy_protocol(frame.proto)
        local_pod = origin if origin is not None and origin.kind == "pod" else None
        kp = self.kube_proxy
        frontend: Frontend | None = None
        external_frontend = external_snat = False
        if frame.dst in kp.vips or frame.dst == node.ip:
            frontend = kp.cluster_ips.get((frame.proto, frame.dst, frame.dport))
            if frontend is None:
                frontend = kp.lb_ips.get((frame.proto, frame.dst, frame.dport))
                if frontend is None and frame.dst == node.ip:
                    # NodePort rules match local addresses only (-m addrtype --dst-type LOCAL)
                    frontend = kp.node_ports.get((frame.proto, frame.dport))
                external_frontend = frontend is not None
            if frontend is None and frame.dst in kp.vips:
                self._drop(node.name, frame, "no-route", delay)
                return
        if frontend is not None:
            endpoints = frontend.endpoints
            # Pods reaching an external frontend short-circuit to every endpoint
            # (kube-proxy: "-s <clusterCIDR> -j KUBE-SVC-..." in KUBE-EXT-...).
            local_only = (
                external_frontend
                and frontend.external_traffic_policy == "Local"
                and local_pod is None
            )
            if local_only:
                endpoints = tuple(e for e in endpoints if e.node == node.name)
            if not endpoints:
                if local_only and frontend.endpoints:
                    # kube-proxy: "has no local endpoints" -j DROP
                    self._drop(node.name, frame, "no-local-endpoints", delay)
                else:
                    # kube-proxy: "has no endpoints" -j REJECT
                    self._reject(node, frame, origin, "no-endpoints", delay)
                return
            ep = (
                endpoints[0]
                if len(endpoints) == 1
                else endpoints[self.rng.randrange(len(endpoints))]
            )
            frame.dst, frame.dport = ep.ip, ep.port
            self._note("dnat", node.name, frame, frontend.service, delay)
            # externalTrafficPolicy: Cluster: kube-proxy marks every packet to an external
            # frontend (KUBE-EXT-...: "masquerade traffic for ... external destinations",
            # pods' too); the MASQUERADE happens in POSTROUTING, after the policy checks
            # below. With Local, pods short-circuit and outsiders keep their address.
            external_snat = external_frontend and frontend.external_traffic_policy != "Local"
            if local_pod is not None and frame.dst == local_pod.ip:
                self._hairpin(node, frame, local_pod, key, delay)
                return
        port = frame.dport if frame.proto in L4_NUMBERS else 0
        rules: list[str] = []
        if local_pod is not None and local_pod.kind == "pod":
            d = self.engine.egress(
                local_pod.ip_text, self._text(frame.dst, version), proto_name, port
            )
            if not self._enforce(
                f"{local_pod.key} egress", "policy-egress", frame, d, delay, rules
            ):
                return
        dst_host = self.by_ip.get(frame.dst)
        masquerade = (
            local_pod is not None
            and dst_host is None
            and frame.dst not in self.node_by_ip
            and not self._in_pod_cidr(frame.dst)
        )
        if dst_host is not None and dst_host.node == node.name:
            d = self.engine.ingress(
                self._text(frame.src, version), dst_host.ip_text, proto_name, port
            )
            if not self._enforce(
                f"{dst_host.key} ingress", "policy-ingress", frame, d, delay, rules
            ):
                return
        if external_snat:
            frame.src = node.ip
            self._note("snat", node.name, frame, "externalTrafficPolicy: Cluster", delay)
        elif masquerade:
            frame.src = node.ip
        if not self._routable(frame):
            self._drop(node.name, frame, "no-route", delay)
            return
        if frame.proto in ICMP_PROTOS:
            # An echo reply carries the request's identifier in the same place.
            reply = (frame.proto, frame.dst, frame.sport, frame.src, 0)
        else:
            reply = (frame.proto, frame.dst, frame.dport, frame.src, frame.sport)
        entry = Entry(key, reply, version, self.env.now + delay)
        if rules:
            entry.rules = tuple(rules)
            counters = self._counters
            for rule in rules:
                counters.rules[rule] += 1
                counters.rule_packets[rule] += 1
        node.conntrack.confirm(entry)
        self._route(node, frame, delay)

    def _hairpin(
        self, node: NodeState, frame: Frame, pod: Host, key: FlowKey, delay: float
    ) -> None:
        """A pod reaching itself through its own Service (SEMANTICS.md §28).

        kube-proxy masquerades hairpin traffic (to the bridge address here) so
        the reply comes back through the bridge and is un-NATed. Whether
        policy may block it is the profile's ``hairpin_allowed`` switch.
        """
        profile = self._profile()
        if profile.enforce and not profile.hairpin_allowed:
            where = f"{pod.key} ingress"
            self._drop(where, frame, "policy-ingress", delay, SideDecision(False, "hairpin"))
            return
        frame.src = node.gateway
        self._note("snat", node.name, frame, "hairpin", delay)
        reply = (frame.proto, frame.dst, frame.dport, frame.src, frame.sport)
        node.conntrack.confirm(Entry(key, reply, frame.version, self.env.now + delay))
        self._route(node, frame, delay)

    def _profile(self) -> Profile:
        """The profile in force (the policy hook's, which a scenario may switch)."""
        profile = getattr(self.engine, "profile", self.profile)
        return profile if isinstance(profile, Profile) else self.profile

    def _in_pod_cidr(self, ip: int) -> bool:
        return any(lo <= ip <= hi for lo, hi in (n.cidr for n in self.nodes.values()))

    def _routable(self, frame: Frame) -> bool:
        dst = frame.dst
        return dst in self.by_ip or dst in self.node_by_ip or dst in self.external

    def _reject(
        self, node: NodeState, frame: Frame, origin: Host | None, reason: str, delay: float
    ) -> None:
        """kube-proxy's REJECT for a Service without (local) endpoints.

        iptables answers with ICMP port-unreachable, which makes connect()
        fail with ECONNREFUSED; the simulator sends the equivalent TCP RST
        from the Service address. Other protocols are dropped.
        """
        self._counters.drops[reason] += 1
        if self._watch is not None:
            self._watch.dropped(frame, reason, None)
        self._note("reject", node.name, frame, reason, delay)
        if frame.proto != PROTO_TCP:
            return
        rst = Frame(frame.version, PROTO_TCP, frame.dst, frame.dport, frame.src, frame.sport)
        rst.flags = RST | ACK
        rst.ack = (frame.seq + 1) & 0xFFFFFFFF
        if origin is None or origin.kind != "pod":
            rst.src_mac = node.mac
            self._route(node, rst, delay)
            return
        rst.src_mac = node.bridge_mac
        rst.dst_mac = origin.mac
        self._cap(origin.iface, rst, delay + self._veth)
        self._deliver(origin, rst, delay + self._veth)

    def _route(self, node: NodeState, frame: Frame, delay: float) -> None:
        """Send a frame on from ``node``: bridge it, or route it (one TTL decrement).

        A frame the node's own stack made (its source MAC is the node's) is
        output, not forwarded: it leaves with the TTL it was made with.
        """
        dst = frame.dst
        forwarded = frame.src_mac != node.mac
        host = self.by_ip.get(dst)
        if host is not None:
            if host.node == node.name:
                if frame.dst_mac == node.bridge_mac or frame.dst_mac != host.mac:
                    if forwarded and not self._hop(node, frame, delay):
                        return
                    frame.src_mac = node.bridge_mac  # routed by the node
                    frame.dst_mac = host.mac
                elif node.fdb.get(host.mac) != host.key:
                    self._flood(node, frame, host, delay + self._veth)  # unknown unicast
                delay += self._veth
                self._cap(host.iface, frame, delay)
                self._deliver(host, frame, delay)
                return
            if forwarded and not self._hop(node, frame, delay):
                return
            self._to_node(node, self.nodes[host.node], frame, delay)
            return
        target = self.node_by_ip.get(dst)
        if target is not None:
            if target is node:
                self._deliver(node.host, frame, delay)
            else:
                if forwarded and not self._hop(node, frame, delay):
                    return
                self._to_node(node, target, frame, delay)
            return
        ext = self.external.get(dst)
        if ext is not None:
            if forwarded and not self._hop(node, frame, delay):
                return
            frame.src_mac, frame.dst_mac = node.mac, EXTERNAL_GATEWAY_MAC
            self._cap(node.iface, frame, delay)
            wire = self._wire_delay(frame, self._external)
            if wire < 0:
                self._drop(node.name, frame, "link-loss", delay)
                return
            delay += wire
            frame.src_mac, frame.dst_mac = EXTERNAL_GATEWAY_MAC, ext.mac
            self._cap(ext.iface, frame, delay)
            self._deliver(ext, frame, delay)
            return
        self._drop(node.name, frame, "no-route", delay)

    def _flood(self, node: NodeState, frame: Frame, target: Host, delay: float) -> None:
        """A bridged frame to a MAC the fdb does not know goes out of every other port.

        The other pods' stacks discard it (not their MAC); their captures see it.
        """
        source = node.fdb.get(frame.src_mac)
        for key in sorted(node.ports):
            if key != target.key and key != source:
                self._cap(node.ports[key].iface, frame, delay)

    def _hop(self, node: NodeState, frame: Frame, delay: float) -> bool:
        """``node`` routes ``frame``: decrement its TTL; False (dropped) when it reaches 0."""
        frame.ttl -= 1
        if frame.ttl <= 0:
            self._drop(node.name, frame, "ttl-exceeded", delay)
            return False
        return True

    def _to_node(self, node: NodeState, target: NodeState, frame: Frame, delay: float) -> None:
        """Put ``frame`` on the node network to ``target``; both nodes' eth0 capture it."""
        frame.src_mac, frame.dst_mac = node.mac, target.mac
        self._cap(node.iface, frame, delay)
        wire = self._wire_delay(frame, self._node_latency)
        if wire < 0:
            self._drop(node.name, frame, "link-loss", delay)
            return
        self._cap(target.iface, frame, delay + wire)
        self._forward(target, frame, None, delay + wire)

    def _wire_delay(self, frame: Frame, latency: float) -> float:
        """Latency plus serialisation on a node or internet link; -1 when the frame is lost."""
        links = self.links
        if links.loss and self.rng.random() < links.loss:
            return -1.0
        if links.bandwidth:
            latency += (54 + len(frame.payload)) * 8 / links.bandwidth
        return latency
