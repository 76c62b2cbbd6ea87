"""Builds the hosts and node stacks of a Cluster and follows its changes.

A node becomes a :class:`~netsim.sim.nodestack.NodeStack` with a root
namespace :class:`~netsim.sim.topology.Host` (the first node by name also
runs the apiserver stand-in); a pod with an IP becomes a Host on a port of
its node's bridge (a hostNetwork pod shares its node's Host); an external
client a Host behind the internet router. Pod, Service and policy changes
update the hosts, kube-proxy's tables and (when the profile says so) the
established flows.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from netsim.model import Change, Cluster, Pod
from netsim.sim.apiserver import apiserver
from netsim.sim.dns import search_path
from netsim.sim.flow import Frame
from netsim.sim.hook import EngineHook
from netsim.sim.kubeproxy import APISERVER_PORT
from netsim.sim.link import mac_for
from netsim.sim.nodestack import NodeStack
from netsim.sim.sockets import Stack
from netsim.sim.topology import Host
from netsim.sim.veth import host_send
from netsim.sim.world import World

Installer = Callable[[Host, Pod | None], None]
"""Starts the servers a host runs (a pod's container ports, DNS, ...)."""


class Wiring:
    """The hosts (by key) and node stacks (by name) of one network, kept in step with the Cluster.

    ``names`` (when the policy hook is an :class:`EngineHook`) learns each pod's
    address text; ``install`` starts a new host's servers.
    """

    def __init__(
        self, cluster: Cluster, world: World, names: EngineHook | None, install: Installer
    ) -> None:
        self.cluster = cluster
        self.world = world
        self.nodes: dict[str, NodeStack] = {}
        self.hosts: dict[str, Host] = {}
        self._names = names
        self._install = install

    def build(self) -> None:
        """Add every node and pod of the cluster (nodes and pods in name order)."""
        for name in sorted(self.cluster.nodes):
            self.add_node(name)
        for pod in self.cluster.sorted_pods():
            self.add_pod(pod)
        self.world.kube_proxy.rebuild(self.cluster)

    def _stack(self, host: Host, send: Callable[[Frame], None]) -> Stack:
        return Stack(host, self.world.env, self.world.rng, send)

    def add_node(self, name: str) -> None:
        """Add node ``name``'s stack and root namespace."""
        node = self.cluster.nodes[name]
        cidr = node.pod_cidr
        stack = NodeStack(self.world, name, node.ip, cidr.network, cidr.last, cidr.version)
        host = Host(f"node/{name}", "node", node.ip, name, stack.mac)
        host.iface = stack.iface
        host.stack = self._stack(host, stack.send_own)
        stack.host = host
        if not self.nodes:  # the first node is the control plane: the apiserver listens
            host.stack.tcp_listeners[APISERVER_PORT] = apiserver
        self.nodes[name] = self.world.nodes[name] = stack
        self.world.node_by_ip[stack.ip] = stack
        self.hosts[host.key] = host

    def add_pod(self, pod: Pod) -> None:
        """Plug ``pod`` into its node's bridge (when it has an IP and its node exists)."""
        if pod.host_network and pod.node in self.nodes:
            self._install(self.nodes[pod.node].host, pod)  # it shares the node's stack
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
        host.stack = self._stack(host, partial(host_send, self.world, host))
        node.bridge.attach(host)
        self.hosts[pod.key] = host
        self.world.by_ip[host.ip] = host
        if self._names is not None:
            self._names.name(host.version, host.ip, host.ip_text)
        self._install(host, pod)

    def add_external(self, key: str, ip: str) -> Host:
        """Add an internet client ``key`` (``external/NAME``) with address ``ip``."""
        host = Host(key, "external", ip, "", 0)
        host.mac = mac_for(host.ip, 0x0200)
        host.stack = self._stack(host, partial(host_send, self.world, host))
        self.hosts[key] = host
        self.world.external[host.ip] = host
        self._install(host, None)
        return host

    def remove_pod(self, pod: Pod) -> None:
        """Unplug ``pod`` (its timers may still fire: a deleted pod sends nothing)."""
        host = self.hosts.pop(pod.key, None)
        if host is None:
            return
        host.alive = False
        self.world.by_ip.pop(host.ip, None)
        node = self.nodes.get(host.node)
        if node is not None:
            node.bridge.detach(host)

    def on_change(self, change: Change) -> None:
        """Follow one Cluster change."""
        if change.kind == "Node" and change.op == "add":
            self.add_node(change.key)
        elif change.kind == "Pod":
            if isinstance(change.old, Pod):
                if isinstance(change.new, Pod) and change.old.ip == change.new.ip:
                    host = self.hosts.get(change.key)
                    if host is not None:
                        host.pod = change.new
                else:
                    self.remove_pod(change.old)
            if isinstance(change.new, Pod) and change.key not in self.hosts:
                self.add_pod(change.new)
            self.world.kube_proxy.rebuild(self.cluster)
        elif change.kind == "Service":
            self.world.kube_proxy.rebuild(self.cluster)
        if change.kind in ("NetworkPolicy", "Pod", "Namespace") and (
            self.world.hook.profile.cut_established_on_change
        ):
            for node in self.nodes.values():
                node.recheck()
