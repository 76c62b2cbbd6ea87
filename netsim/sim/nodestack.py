"""One node's network stack: netfilter's order as small named stages, then routing.

A frame entering a node (from a pod's veth, the node's own stack, or eth0)
goes through :meth:`NodeStack.receive`:

1. **prerouting / conntrack** (:meth:`NodeStack.conntrack`): a frame of a
   tracked flow follows the entry's NAT (both ways) and skips every later
   check; a TCP SYN over a closed entry starts a new flow.
2. **prerouting / DNAT** (:meth:`NodeStack.dnat`): kube-proxy's Service rules
   (:func:`netsim.sim.dnat.service_dnat`): DNAT to an endpoint, REJECT,
   DROP, or nothing. A pod reaching itself through its Service is a hairpin.
3. **filter / policy** (:meth:`NodeStack.policy`): the policy hook, one
   enforcement point per call, on the post-DNAT address and port: the
   egress of a source pod of this node, the ingress of a destination pod of
   this node.
4. **postrouting / SNAT** (:meth:`NodeStack.snat`): the masquerade kube-proxy
   marked (external frontends of ``Cluster`` Services), or of pods leaving the
   pod network; then the conntrack entry is confirmed.
5. **forwarding** (:meth:`NodeStack.route`): bridge to a local pod, or route
   (one TTL decrement per routed hop) to a local pod, another node, the
   internet; a frame of the node's own stack is output, not forwarded.
"""

from __future__ import annotations

from typing import Final

from netsim.addr import parse_ip
from netsim.policy.verdict import SideDecision
from netsim.sim.bridge import Bridge
from netsim.sim.conntrack import Conntrack, Entry
from netsim.sim.dnat import service_dnat
from netsim.sim.flow import (
    ACK,
    L4_NUMBERS,
    PROTO_ICMP,
    PROTO_ICMPV6,
    PROTO_TCP,
    RST,
    ConnKey,
    Frame,
)
from netsim.sim.hook import FlowKey
from netsim.sim.internet import to_internet
from netsim.sim.link import mac_for
from netsim.sim.topology import Host
from netsim.sim.world import NodeLike, World

ICMP_PROTOS: Final = frozenset((PROTO_ICMP, PROTO_ICMPV6))


class NodeStack:
    """A node's root namespace: eth0, the bridge, conntrack, kube-proxy's NAT, the policy hook."""

    def __init__(
        self, world: World, name: str, ip: str, cidr_lo: int, cidr_hi: int, version: int
    ) -> None:
        self.world = world
        self._env = world.env
        self._by_ip = world.by_ip
        self._recorder = world.recorder
        self.name = name
        self.ip_text = ip
        self.ip = parse_ip(ip)[1]
        self.version = version
        self.cidr = (cidr_lo, cidr_hi)
        self.gateway = cidr_lo + 1
        self.mac = mac_for(self.ip, 0x0242)
        self.bridge = Bridge(self.gateway, world.recorder)
        self.conntrack = Conntrack()
        self.iface = f"{name} eth0"
        self.host: Host

    @property
    def bridge_mac(self) -> int:
        """The MAC of ``cni0``."""
        return self.bridge.mac

    @property
    def fdb(self) -> dict[int, str]:
        """The bridge's forwarding database (MAC -> pod key)."""
        return self.bridge.fdb

    @property
    def ports(self) -> dict[str, Host]:
        """The bridge's ports (pod key -> pod)."""
        return self.bridge.ports

    def send_own(self, frame: Frame) -> None:
        """The node's own stack (and hostNetwork pods) sends a frame."""
        self.world.recorder.counters.packets += 1
        frame.src_mac = self.mac
        self.receive(frame, self.host, 0.0)

    # ------------------------------------------------------------ stages
    def receive(self, frame: Frame, origin: Host | None, delay: float) -> None:
        """Netfilter on this node: conntrack, DNAT, policy, SNAT; then route."""
        key = frame.key
        if self.conntrack_stage(frame, key, delay):
            self.route(frame, delay)
            return
        local_pod = origin if origin is not None and origin.kind == "pod" else None
        rules: list[str] = []
        masquerade = self.dnat(frame, origin, local_pod, key, delay)
        if masquerade is None or not self.policy(frame, local_pod, rules, delay):
            return
        if self.snat(frame, local_pod, masquerade, delay):
            self.confirm(key, frame, rules, delay)
            self.route(frame, delay)

    def conntrack_stage(self, frame: Frame, key: ConnKey, delay: float) -> bool:
        """Prerouting: a frame of a tracked flow follows its NAT; True when it was one."""
        now = self._env.now + delay
        table = self.conntrack
        hit = table.table.get(key)
        if hit is None:
            return False
        entry, is_reply = hit
        if entry.expires < now or Conntrack.reopens(entry, is_reply, frame.flags, frame.proto):
            table.remove(entry)
            return False
        if entry.dnat or entry.snat:
            Conntrack.translate(entry, is_reply, frame)
        Conntrack.update(entry, is_reply, frame.flags, frame.proto, now)
        if entry.rules:
            rule_packets = self._recorder.counters.rule_packets
            for rule in entry.rules:
                rule_packets[rule] += 1
        return True

    def dnat(
        self, frame: Frame, origin: Host | None, local_pod: Host | None, key: ConnKey, delay: float
    ) -> bool | None:
        """Prerouting: kube-proxy's DNAT; whether it marked the flow for masquerade.

        None when the frame stops here (dropped, rejected, or a hairpin handled whole).
        """
        world = self.world
        found = service_dnat(
            world.kube_proxy, self.ip, self.name, frame, local_pod is not None, world.rng
        )
        if found.kind == "pass":
            return False
        if found.kind in ("no-route", "no-local-endpoints"):
            world.recorder.drop(self.name, frame, found.kind, delay)
            return None
        if found.kind == "reject" or found.endpoint is None or found.frontend is None:
            self.reject(frame, origin, "no-endpoints", delay)
            return None
        frame.dst, frame.dport = found.endpoint.ip, found.endpoint.port
        world.recorder.note("dnat", self.name, frame, found.frontend.service, delay)
        if local_pod is not None and frame.dst == local_pod.ip:
            self.hairpin(frame, local_pod, key, delay)
            return None
        return found.masquerade

    def policy(self, frame: Frame, local_pod: Host | None, rules: list[str], delay: float) -> bool:
        """Filter: the egress of a local source pod, the ingress of a local destination pod."""
        world = self.world
        port = frame.dport if frame.proto in L4_NUMBERS else 0
        enforce = world.recorder.enforce
        if local_pod is not None:
            # Judged as the pod it comes from, whatever source address it claims.
            d = world.hook.egress(
                FlowKey(frame.version, local_pod.ip, frame.dst, frame.proto, port)
            )
            if not enforce(f"{local_pod.key} egress", "policy-egress", frame, d, delay, rules):
                return False
        dst_host = world.by_ip.get(frame.dst)
        if dst_host is not None and dst_host.node == self.name:
            d = world.hook.ingress(FlowKey(frame.version, frame.src, frame.dst, frame.proto, port))
            if not enforce(f"{dst_host.key} ingress", "policy-ingress", frame, d, delay, rules):
                return False
        return True

    def snat(self, frame: Frame, local_pod: Host | None, marked: bool, delay: float) -> bool:
        """Postrouting: masquerade to the node's IP; False (dropped) when no host owns the dst."""
        world = self.world
        dst = frame.dst
        if marked:
            frame.src = self.ip
            world.recorder.note("snat", self.name, frame, "externalTrafficPolicy: Cluster", delay)
        elif (
            local_pod is not None
            and dst not in world.by_ip
            and dst not in world.node_by_ip
            and not world.in_pod_cidr(dst)
        ):
            frame.src = self.ip  # a pod leaving the pod network
        if not world.routable(dst):
            world.recorder.drop(self.name, frame, "no-route", delay)
            return False
        return True

    def confirm(self, key: ConnKey, frame: Frame, rules: list[str], delay: float) -> None:
        """Insert the flow's conntrack entry (the reply tuple after NAT) and count its rules."""
        if frame.proto in ICMP_PROTOS:
            # An echo reply carries the request's identifier in the same place.
            reply = (frame.proto, frame.dst, frame.sport, frame.src, 0)
        else:
            reply = (frame.proto, frame.dst, frame.dport, frame.src, frame.sport)
        entry = Entry(key, reply, frame.version, self.world.env.now + delay)
        if rules:
            entry.rules = tuple(rules)
            counters = self.world.recorder.counters
            for rule in rules:
                counters.rules[rule] += 1
                counters.rule_packets[rule] += 1
        self.conntrack.confirm(entry)

    def hairpin(self, frame: Frame, pod: Host, key: ConnKey, delay: float) -> None:
        """A pod reaching itself through its own Service (SEMANTICS.md §28).

        kube-proxy masquerades hairpin traffic (to the bridge address here) so
        the reply comes back through the bridge and is un-NATed. Whether
        policy may block it is the profile's ``hairpin_allowed`` switch.
        """
        recorder = self.world.recorder
        profile = self.world.hook.profile
        if profile.enforce and not profile.hairpin_allowed:
            where = f"{pod.key} ingress"
            recorder.drop(where, frame, "policy-ingress", delay, SideDecision(False, "hairpin"))
            return
        frame.src = self.gateway
        recorder.note("snat", self.name, frame, "hairpin", delay)
        reply = (frame.proto, frame.dst, frame.dport, frame.src, frame.sport)
        self.conntrack.confirm(Entry(key, reply, frame.version, self.world.env.now + delay))
        self.route(frame, delay)

    def reject(self, frame: Frame, origin: Host | None, reason: str, delay: float) -> None:
        """kube-proxy's REJECT for a Service without (local) endpoints.

        iptables answers with ICMP port-unreachable, which makes connect()
        fail with ECONNREFUSED; the simulator sends the equivalent TCP RST
        from the Service address. Other protocols are dropped.
        """
        recorder = self.world.recorder
        recorder.reject(self.name, frame, reason, delay)
        if frame.proto != PROTO_TCP:
            return
        rst = Frame(frame.version, PROTO_TCP, frame.dst, frame.dport, frame.src, frame.sport)
        rst.flags = RST | ACK
        rst.ack = (frame.seq + 1) & 0xFFFFFFFF
        if origin is None or origin.kind != "pod":
            rst.src_mac = self.mac
            self.route(rst, delay)
            return
        rst.src_mac = self.bridge.mac
        rst.dst_mac = origin.mac
        veth = self.world.links.veth_latency
        recorder.cap(origin.iface, rst, delay + veth)
        recorder.deliver(origin, rst, delay + veth)

    def recheck(self) -> None:
        """Drop the conntrack entries whose flow the policies no longer allow at this node."""
        for entry in self.conntrack.entries():
            if not self.still_allowed(entry):
                self.conntrack.remove(entry)

    def still_allowed(self, entry: Entry) -> bool:
        """Whether this node's enforcement points would admit ``entry``'s flow today.

        The source as policy saw it: a node masquerades only after its policy
        checks, so this is the original source (already the other node's IP for
        traffic that node SNATed before forwarding it here).
        """
        world = self.world
        proto, src = entry.orig[0], entry.orig[1]
        dst, port = entry.reply[1], entry.reply[2] if proto in L4_NUMBERS else 0
        flow = FlowKey(entry.version, src, dst, proto, port)
        src_host = world.by_ip.get(src)
        if src_host is not None and src_host.node == self.name:
            allowed = world.hook.egress(flow).allowed
            if not allowed:
                return False
        dst_host = world.by_ip.get(dst)
        return dst_host is None or dst_host.node != self.name or world.hook.ingress(flow).allowed

    # ------------------------------------------------------------ forwarding
    def route(self, frame: Frame, delay: float) -> None:
        """Send a frame on from this node: bridge it, or route it (one TTL decrement).

        A frame the node's own stack made (its source MAC is the node's) is
        output, not forwarded: it leaves with the TTL it was made with.
        """
        world = self.world
        dst = frame.dst
        forwarded = frame.src_mac != self.mac
        host = self._by_ip.get(dst)
        if host is not None:
            if host.node == self.name:
                self.to_port(frame, host, forwarded, delay)
            elif not forwarded or self.hop(frame, delay):
                self.to_node(world.nodes[host.node], frame, delay)
            return
        target = world.node_by_ip.get(dst)
        if target is not None:
            if target.name == self.name:
                world.recorder.deliver(self.host, frame, delay)
            elif not forwarded or self.hop(frame, delay):
                self.to_node(target, frame, delay)
            return
        ext = world.external.get(dst)
        if ext is not None:
            if not forwarded or self.hop(frame, delay):
                to_internet(world, self.name, self.mac, self.iface, frame, ext, delay)
            return
        world.recorder.drop(self.name, frame, "no-route", delay)

    def to_port(self, frame: Frame, host: Host, forwarded: bool, delay: float) -> None:
        """Out of the bridge port of local pod ``host``: routed (via the gateway MAC) or bridged."""
        bridge = self.bridge
        veth = self.world.links.veth_latency
        if frame.dst_mac == bridge.mac or frame.dst_mac != host.mac:
            if forwarded and not self.hop(frame, delay):
                return
            frame.src_mac = bridge.mac  # routed by the node
            frame.dst_mac = host.mac
        elif not bridge.knows(host):  # unknown unicast
            bridge.flood(frame, (host.key, bridge.fdb.get(frame.src_mac)), delay + veth)
        delay += veth
        self._recorder.cap(host.iface, frame, delay)
        self._recorder.deliver(host, frame, delay)

    def hop(self, frame: Frame, delay: float) -> bool:
        """This node routes ``frame``: decrement its TTL; False (dropped) when it reaches 0."""
        frame.ttl -= 1
        if frame.ttl <= 0:
            self._recorder.drop(self.name, frame, "ttl-exceeded", delay)
            return False
        return True

    def to_node(self, target: NodeLike, frame: Frame, delay: float) -> None:
        """Put ``frame`` on the node network to ``target``; both nodes' eth0 capture it."""
        world, recorder = self.world, self._recorder
        frame.src_mac, frame.dst_mac = self.mac, target.mac
        recorder.cap(self.iface, frame, delay)
        wire = world.wire_delay(frame, world.links.node_latency)
        if wire < 0:
            recorder.drop(self.name, frame, "link-loss", delay)
            return
        recorder.cap(target.iface, frame, delay + wire)
        target.receive(frame, None, delay + wire)
