"""The desired state of a cluster: one mutable owner of frozen objects.

:class:`Cluster` holds namespaces, nodes, pods, services and NetworkPolicies,
assigns pod and Service IPs deterministically, bumps ``revision`` on every
change and tells subscribers (the policy engine, the simulator) what changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

from netsim.addr import Prefix, int_to_ip, parse_ip
from netsim.errors import FieldError, LookupFailed, ValidationError
from netsim.model.adminpolicy import ClusterPolicy
from netsim.model.labels import Labels
from netsim.model.netpol import NetworkPolicy
from netsim.model.objects import Namespace, Node, Pod, Service

DEFAULT_SERVICE_CIDR = "10.100.0.0/16"
DEFAULT_POD_CIDR = "10.244.0.0/16"
DEFAULT_NODE_NETWORK = "172.18.0.0/16"
KUBERNETES_SERVICE = "default/kubernetes"
"""The apiserver's own Service; it always gets the first address of the service range."""
FIRST_POD_OFFSET = 2
"""Pods get addresses from offset 2 of their node's CIDR (.1 is the node's gateway)."""

ObjectKind = Literal[
    "Namespace",
    "Node",
    "Pod",
    "Service",
    "NetworkPolicy",
    "AdminNetworkPolicy",
    "BaselineAdminNetworkPolicy",
    "ClusterNetworkPolicy",
]
ChangeOp = Literal["add", "update", "delete"]
Object = Namespace | Node | Pod | Service | NetworkPolicy | ClusterPolicy


class AddressesExhausted(ValidationError):
    """A new pod's node has no free address left in its pod CIDR.

    A real cluster would keep the pod Pending (kubelet's IPAM fails to set up its
    sandbox); netsim has no Pending pods, so callers report it as an input error
    saying what to change. ``pod``, ``node`` and ``cidr`` name what ran out.
    """

    def __init__(self, pod: str, node: str, cidr: Prefix) -> None:
        self.pod, self.node, self.cidr = pod, node, cidr
        room = max(cidr.last - cidr.network - FIRST_POD_OFFSET, 0)
        super().__init__(
            [
                FieldError(
                    "spec.nodeName",
                    f'Forbidden: node "{node}" has no free address left in its pod CIDR '
                    f"{cidr} (all {room} pod addresses are in use): add nodes or give "
                    "the node a larger spec.podCIDR",
                )
            ]
        )


@dataclass(frozen=True, slots=True)
class Change:
    """One change to the cluster: ``old`` is None for add, ``new`` is None for delete."""

    op: ChangeOp
    kind: ObjectKind
    key: str
    old: Object | None
    new: Object | None
    revision: int


Listener = Callable[[Change], None]


RESOURCES: dict[str, str] = {
    "Namespace": "namespaces",
    "Node": "nodes",
    "Pod": "pods",
    "Service": "services",
    "NetworkPolicy": "networkpolicies.networking.k8s.io",
    "AdminNetworkPolicy": "adminnetworkpolicies.policy.networking.k8s.io",
    "BaselineAdminNetworkPolicy": "baselineadminnetworkpolicies.policy.networking.k8s.io",
    "ClusterNetworkPolicy": "clusternetworkpolicies.policy.networking.k8s.io",
}
"""The apiserver's resource name of each kind, as its NotFound/AlreadyExists errors say it."""


def _already_exists(kind: str, key: str) -> ValidationError:
    resource = RESOURCES[kind]
    name = key.rsplit("/", 1)[-1]
    return ValidationError([FieldError("metadata.name", f'{resource} "{name}" already exists')])


def _name(pod: Pod) -> str:
    return pod.name


@dataclass
class Cluster:
    """The cluster's desired state. The only mutable model object.

    Pods without an IP get the next free address of their node's pod CIDR, in
    creation order; Services of type ClusterIP/NodePort/LoadBalancer without a
    ``cluster_ip`` get the next free address of ``service_cidr`` (``.1`` is the
    ``kubernetes`` Service's, as in a real cluster). Pods without a node are
    placed round-robin over the nodes in name order.
    """

    service_cidr: Prefix = field(default_factory=lambda: Prefix.parse(DEFAULT_SERVICE_CIDR))
    cluster_domain: str = "cluster.local"
    namespaces: dict[str, Namespace] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    pods: dict[str, Pod] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    policies: dict[str, NetworkPolicy] = field(default_factory=dict)
    cluster_policies: dict[str, ClusterPolicy] = field(default_factory=dict)
    """AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy by ``Kind/name``."""
    revision: int = 0
    _listeners: list[Listener] = field(default_factory=list, repr=False)
    _next_pod_offset: dict[str, int] = field(default_factory=dict, repr=False)
    _next_service_offset: int = field(default=2, repr=False)
    _scheduled: int = field(default=0, repr=False)
    _used_ips: set[str] = field(default_factory=set, repr=False)

    # ----------------------------------------------------------------- queries
    def pods_in(self, namespace: str) -> list[Pod]:
        """Pods of one namespace, in name order (only they are sorted, not the cluster's)."""
        return sorted((p for p in self.pods.values() if p.namespace == namespace), key=_name)

    def sorted_pods(self) -> list[Pod]:
        """All pods in ``namespace/name`` order (the order of truth tables)."""
        return [self.pods[k] for k in sorted(self.pods)]

    def pod(self, key: str) -> Pod:
        """Return the pod ``namespace/name``; raise LookupFailed if there is none."""
        try:
            return self.pods[key]
        except KeyError:
            raise LookupFailed(f'pods "{key}" not found') from None

    def pod_by_ip(self, ip: str) -> Pod | None:
        """Return the (non-hostNetwork) pod that has ``ip``, or None."""
        for pod in self.pods.values():
            if pod.ip == ip and not pod.host_network:
                return pod
        return None

    def service(self, key: str) -> Service:
        """Return the Service ``namespace/name``; raise LookupFailed if there is none."""
        try:
            return self.services[key]
        except KeyError:
            raise LookupFailed(f'services "{key}" not found') from None

    def endpoints(self, service: Service) -> list[Pod]:
        """The pods a Service selects (same namespace, selector matches), in name order."""
        if not service.selector:
            # An empty selector is no selector: the apiserver stores `selector: {}` as nil,
            # and the endpoints controller gives selector-less Services no endpoints.
            return []
        wanted = service.selector.items
        return [
            p
            for p in self.pods_in(service.namespace)
            if all(p.labels.get(k) == v for k, v in wanted) and p.ip
        ]

    def namespace_labels(self, name: str) -> Labels:
        """Labels of a namespace; an undeclared one still carries its name label."""
        ns = self.namespaces.get(name)
        return ns.labels if ns else Namespace(name).labels

    # ---------------------------------------------------------------- changes
    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with every future :class:`Change`."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        """Stop calling ``listener``."""
        self._listeners.remove(listener)

    def _emit(
        self, op: ChangeOp, kind: ObjectKind, key: str, old: Object | None, new: Object | None
    ) -> None:
        self.revision += 1
        change = Change(op, kind, key, old, new, self.revision)
        for listener in list(self._listeners):
            listener(change)

    def _store(self, kind: ObjectKind) -> dict[str, Object]:
        return {  # type: ignore[return-value]
            "Namespace": self.namespaces,
            "Node": self.nodes,
            "Pod": self.pods,
            "Service": self.services,
            "NetworkPolicy": self.policies,
            "AdminNetworkPolicy": self.cluster_policies,
            "BaselineAdminNetworkPolicy": self.cluster_policies,
            "ClusterNetworkPolicy": self.cluster_policies,
        }[kind]

    def add(self, obj: Object) -> Object:
        """Create an object (``kubectl create``); raise ValidationError if it exists.

        Returns the object as stored (with its assigned IP, node, labels). A
        namespaced object's namespace is created first if it was never declared,
        since in Kubernetes every object's namespace exists.
        """
        if isinstance(obj, Pod | Service | NetworkPolicy):
            self.ensure_namespace(obj.namespace)
        if isinstance(obj, Pod):
            obj = self._place_pod(obj)
        elif isinstance(obj, Service):
            obj = self._place_service(obj)
        elif isinstance(obj, Node):
            self._next_pod_offset.setdefault(obj.name, FIRST_POD_OFFSET)
        kind, key = kind_key(obj)
        store = self._store(kind)
        if key in store:
            raise _already_exists(kind, key)
        store[key] = obj
        self._emit("add", kind, key, None, obj)
        return obj

    def apply(self, obj: Object) -> tuple[ChangeOp, Object]:
        """Create or replace an object (``kubectl apply``); returns what was done.

        A replaced pod keeps its IP and node unless the new value sets them.
        """
        kind, key = kind_key(obj)
        store = self._store(kind)
        old = store.get(key)
        if old is None:
            return "add", self.add(obj)
        if isinstance(obj, Pod) and isinstance(old, Pod):
            obj = replace(obj, ip=obj.ip or old.ip, node=obj.node or old.node)
        if isinstance(obj, Service) and isinstance(old, Service):
            obj = replace(obj, cluster_ip=obj.cluster_ip or old.cluster_ip)
        if obj == old:
            return "update", old
        store[key] = obj
        self._emit("update", kind, key, old, obj)
        return "update", obj

    def delete(self, kind: ObjectKind, key: str) -> Object:
        """Delete an object by kind and key (``ns/name`` or ``name``)."""
        store = self._store(kind)
        if key not in store:
            resource = RESOURCES[kind]
            raise LookupFailed(f'{resource} "{key.rsplit("/", 1)[-1]}" not found')
        old = store.pop(key)
        if isinstance(old, Pod) and old.ip and not old.host_network:
            self._used_ips.discard(old.ip)
        self._emit("delete", kind, key, old, None)
        return old

    def ensure_namespace(self, name: str) -> Namespace:
        """Return namespace ``name``, creating it (with only its name label) if absent."""
        ns = self.namespaces.get(name)
        if ns is None:
            ns = Namespace(name)
            self.add(ns)
        return ns

    def add_all(self, objects: Iterable[Object]) -> None:
        """Add objects in order."""
        for obj in objects:
            self.add(obj)

    # ------------------------------------------------------------------- IPAM
    def add_default_node(self) -> Node:
        """Add the next node ``node-N`` with pod CIDR 10.244.N.0/24 and IP 172.18.0.(N+1)."""
        n = len(self.nodes) + 1
        node = Node(f"node-{n}", f"172.18.0.{n + 1}", Prefix.parse(f"10.244.{n}.0/24"))
        self.add(node)
        return node

    def _place_pod(self, pod: Pod) -> Pod:
        if not pod.node:
            if not self.nodes:
                self.add_default_node()
            names = sorted(self.nodes)
            pod = replace(pod, node=names[self._scheduled % len(names)])
            self._scheduled += 1
        elif pod.node not in self.nodes:
            raise ValidationError([FieldError("spec.nodeName", f'nodes "{pod.node}" not found')])
        node = self.nodes[pod.node]
        if pod.host_network:
            return replace(pod, ip=node.ip)
        if pod.ip:
            if pod.ip in self._used_ips:
                raise ValidationError(
                    [FieldError("status.podIP", f'Invalid value: "{pod.ip}": already allocated')]
                )
            self._used_ips.add(pod.ip)
            return pod
        offset = self._next_pod_offset.get(node.name, FIRST_POD_OFFSET)
        while True:
            if node.pod_cidr.network + offset >= node.pod_cidr.last:  # keep the broadcast free
                raise AddressesExhausted(pod.key, node.name, node.pod_cidr)
            ip = int_to_ip(node.pod_cidr.address(offset), node.pod_cidr.version)
            offset += 1
            if ip not in self._used_ips:
                break
        self._next_pod_offset[node.name] = offset
        self._used_ips.add(ip)
        return replace(pod, ip=ip)

    def _place_service(self, svc: Service) -> Service:
        if svc.cluster_ip:
            if svc.cluster_ip != "None":
                version, value = parse_ip(svc.cluster_ip)
                if not self.service_cidr.contains_ip(version, value):
                    raise ValidationError(
                        [
                            FieldError(
                                "spec.clusterIP",
                                f'Invalid value: "{svc.cluster_ip}": provided IP is not in the '
                                f"valid range. The range of valid IPs is {self.service_cidr}",
                            )
                        ]
                    )
                if svc.cluster_ip in self._used_ips:
                    raise ValidationError(
                        [
                            FieldError(
                                "spec.clusterIP",
                                f'Invalid value: "{svc.cluster_ip}": '
                                "provided IP is already allocated",
                            )
                        ]
                    )
                self._used_ips.add(svc.cluster_ip)
            return svc
        if svc.key == KUBERNETES_SERVICE:
            ip = int_to_ip(self.service_cidr.address(1), self.service_cidr.version)
            if ip not in self._used_ips:
                self._used_ips.add(ip)
                return replace(svc, cluster_ip=ip)
        while True:
            ip = int_to_ip(
                self.service_cidr.address(self._next_service_offset), self.service_cidr.version
            )
            self._next_service_offset += 1
            if ip not in self._used_ips:
                break
        self._used_ips.add(ip)
        return replace(svc, cluster_ip=ip)


def kind_key(obj: Object) -> tuple[ObjectKind, str]:
    """The kind of a model object and its key in the Cluster (``ns/name``, or ``name``)."""
    if isinstance(obj, Namespace):
        return "Namespace", obj.name
    if isinstance(obj, Node):
        return "Node", obj.name
    if isinstance(obj, Pod):
        return "Pod", obj.key
    if isinstance(obj, Service):
        return "Service", obj.key
    if isinstance(obj, ClusterPolicy):
        return obj.kind, obj.key
    return "NetworkPolicy", obj.key
