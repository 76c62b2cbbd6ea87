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

The stages of one node live in :mod:`netsim.sim.nodestack` (see there and
docs/ARCHITECTURE.md for a packet's path); the bridge, ARP, veths, links and
the internet in modules of their own; this module builds them from the
Cluster, follows its changes and offers the API.

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
from typing import TYPE_CHECKING, Final

import simpy

from netsim.errors import LookupFailed, NetsimError
from netsim.model import Cluster
from netsim.policy.profile import UPSTREAM, Profile
from netsim.sim import apps
from netsim.sim.dns import DNS_NAMESPACE, DNS_SERVICE, ClusterDns, dns_objects
from netsim.sim.fate import FateWatch, PacketFate
from netsim.sim.hook import EngineHook, PolicyHook, TextPolicy
from netsim.sim.kubeproxy import KubeProxy
from netsim.sim.link import DEFAULT_LINKS, Links
from netsim.sim.nodestack import NodeStack
from netsim.sim.recorder import Recorder, TraceLevel
from netsim.sim.topology import Capture, Host
from netsim.sim.trace import Counters, TraceEvent
from netsim.sim.wiring import Wiring
from netsim.sim.world import World

if TYPE_CHECKING:
    from netsim.policy.engine import PolicyEngine
    from netsim.sim.packet import Packet

SETTLE: Final = 0.001
"""exec() lets in-flight packets land for this long after the command exits."""
SEND_WAIT: Final = 0.1
"""send() runs the network this long for the packet to land and its reply to come back."""


class Network:
    """The live simulation of a Cluster's network; follows the Cluster's changes.

    ``seed`` drives every random choice (ephemeral ports, TCP sequence
    numbers, DNS ids, kube-proxy endpoint choice): the same cluster and seed
    give the same packets, timestamps and outputs. ``dns`` adds the kube-dns
    Service and its CoreDNS pod to the cluster (as kubeadm does) when no
    ``kube-system/kube-dns`` Service exists. The policy hook is ``hook`` (a
    :class:`~netsim.sim.hook.PolicyHook`), else ``engine`` (string-typed,
    as :class:`~netsim.policy.engine.PolicyEngine`; tests, the scenario's
    profile switch), else ``PolicyEngine(cluster, profile)``.
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
        engine: TextPolicy | None = None,
        hook: PolicyHook | None = None,
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
        self.links = links
        self.recorder = Recorder(self.env, capture, trace)
        self.kube_proxy = KubeProxy()
        self.dns = ClusterDns(cluster)
        if dns and f"{DNS_NAMESPACE}/{DNS_SERVICE}" not in cluster.services:
            cluster.ensure_namespace(DNS_NAMESPACE)
            pod, service = dns_objects(cluster)
            if pod.key not in cluster.pods:
                cluster.add(pod)
            cluster.add(service)
        self._own_engine: PolicyEngine | None = None
        names: EngineHook | None = None
        if hook is None:
            if engine is None:
                from netsim.policy.engine import PolicyEngine

                engine = self._own_engine = PolicyEngine(cluster, profile)
            hook = names = EngineHook(engine)
        self.world = World(self.env, self.rng, links, self.recorder, self.kube_proxy, hook)
        self.wiring = Wiring(cluster, self.world, names, partial(apps.install_servers, self))
        self.nodes: dict[str, NodeStack] = self.wiring.nodes
        """The node stacks by node name."""
        self.hosts: dict[str, Host] = self.wiring.hosts
        """Every host (pod, node, external client) by key."""
        self.wiring.build()
        cluster.subscribe(self.wiring.on_change)

    # ------------------------------------------------------------------ API
    @property
    def now(self) -> float:
        """Simulated seconds since the network started."""
        return float(self.env.now)

    @property
    def trace(self) -> list[TraceEvent]:
        """Every trace event so far, in the order they were recorded."""
        return self.recorder.trace

    @property
    def trace_level(self) -> TraceLevel:
        """``"drops"`` (drops and rejects are traced) or ``"all"`` (also allows and NAT)."""
        return self.recorder.trace_level

    @trace_level.setter
    def trace_level(self, level: TraceLevel) -> None:
        self.recorder.trace_level = level

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass (timers fire, packets land)."""
        if seconds < 0:
            raise NetsimError(f"cannot advance time by a negative amount ({seconds})")
        self.env.run(until=self.env.now + seconds)

    def _run(self, process: apps.Proc, settle: bool = True) -> object:
        """Run a host process to its end (and let in-flight packets land); its value."""
        done = self.env.process(process)
        self.env.run(until=done)
        if settle:
            self.env.run(until=self.env.now + SETTLE)
        return done.value

    def exec(self, pod_key: str, command: str) -> apps.ExecResult:
        """Run a busybox command line in a pod (``ns/name``) to completion in simulated time.

        Also accepts ``node/<name>`` (the node's root namespace) and
        ``external/<name>`` (an external client). Returns what the command
        printed (stdout and stderr interleaved, as a terminal shows them) and
        its exit code.
        """
        result = self._run(apps.run_command(self, self.host(pod_key), command))
        assert isinstance(result, apps.ExecResult)
        return result

    def open_tcp(
        self, pod_key: str, address: str, port: int, timeout: float = 1.0
    ) -> apps.Session | None:
        """Open a TCP connection from a host and keep it (None when refused or timed out).

        Runs until the handshake ends or ``timeout`` passes. The session stays
        open across later calls, to watch an established flow across policy
        changes with :meth:`request`.
        """
        host = self.host(pod_key)
        session = self._run(apps.open_tcp(self, host, address, port, timeout), settle=False)
        return session if isinstance(session, apps.Session) else None

    def probe(
        self, pod_key: str, address: str, port: int, protocol: str = "TCP", timeout: float = 1.0
    ) -> str:
        """Try one TCP/UDP/SCTP connection from a host: ``connected``, ``refused`` or ``timeout``.

        UDP counts as connected when the server answers (the pods' UDP
        container ports run an echo server).
        """
        host = self.host(pod_key)
        return str(self._run(apps.probe(self, host, address, port, protocol, timeout)))

    def request(self, session: apps.Session, data: bytes, timeout: float = 1.0) -> bytes:
        """Send ``data`` on an open session; return the first answer's bytes (b"" on timeout)."""
        answer = self._run(apps.exchange(session, data, timeout))
        assert isinstance(answer, bytes)
        return answer

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
        watch = self.recorder.watch = FateWatch(frame)
        try:
            host.stack.send(frame)
            self.env.run(until=self.env.now + wait)
        finally:
            self.recorder.watch = None
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
        host = self.host(pod_key)
        if protocol == "TCP":
            host.stack.tcp_listeners[port] = apps.http_server
        elif protocol == "UDP":
            host.stack.bind_udp(port, partial(apps.udp_echo, host))
        elif protocol == "SCTP":
            host.stack.sctp_listeners.add(port)
        else:
            raise NetsimError(
                f'Unsupported value: "{protocol}": supported values: "SCTP", "TCP", "UDP"'
            )

    def add_external_host(self, name: str, ip: str, dns_name: str | None = None) -> str:
        """Add an internet client ``external/<name>``; ``dns_name`` makes cluster DNS answer it."""
        key = f"external/{name}"
        if key in self.hosts:
            raise NetsimError(f'external host "{name}" already exists')
        self.wiring.add_external(key, ip)
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
        return self.recorder.counters

    def drops(self) -> list[TraceEvent]:
        """The trace events of dropped packets, in time order."""
        return [e for e in self.recorder.trace if e.kind == "drop"]

    def interfaces(self) -> list[str]:
        """Every interface name a capture can be filtered on, sorted."""
        names = [h.iface for h in self.hosts.values()]
        return sorted(names + [n.iface for n in self.nodes.values()])

    def captured(self, interface: str | None = None) -> list[Capture]:
        """Captured frames in time order, optionally of one interface only."""
        return self.recorder.captured(interface)

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
        return self.recorder.write_pcap(path, interface, self.interfaces())

    def capture(self, path: str | Path, interface: str | Sequence[str] | None = None) -> int:
        """Same as :meth:`write_pcap` (the name of the contract)."""
        return self.write_pcap(path, interface)

    def close(self) -> None:
        """Stop following the cluster (and close the policy engine the network made)."""
        self.cluster.unsubscribe(self.wiring.on_change)
        if self._own_engine is not None:
            self._own_engine.close()
            self._own_engine = None
