"""Cluster objects that shape the network: Namespace, Node, Pod, Service.

All are frozen values. A changed object is a new value put into the
:class:`~netsim.model.cluster.Cluster` in place of the old one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from netsim.addr import Prefix
from netsim.model.labels import NAMESPACE_NAME_LABEL, Labels
from netsim.model.netpol import Protocol

ServiceType = Literal["ClusterIP", "NodePort", "LoadBalancer"]
TrafficPolicy = Literal["Cluster", "Local"]


@dataclass(frozen=True, slots=True)
class Namespace:
    """A namespace; ``labels`` always carry ``kubernetes.io/metadata.name: <name>``."""

    name: str
    labels: Labels = Labels()

    def __post_init__(self) -> None:
        if self.labels.get(NAMESPACE_NAME_LABEL) != self.name:
            object.__setattr__(
                self, "labels", self.labels.with_label(NAMESPACE_NAME_LABEL, self.name)
            )


@dataclass(frozen=True, slots=True)
class Node:
    """A node: its own IP (the source of node-local traffic), its pod CIDR and the labels
    its manifest gives it (what an AdminNetworkPolicy ``nodes`` peer selects on, with the
    kubelet's own labels: :func:`netsim.model.adminpolicy.node_labels`)."""

    name: str
    ip: str
    pod_cidr: Prefix
    labels: Labels = Labels()


@dataclass(frozen=True, slots=True)
class ContainerPort:
    """A container's declared port; ``name`` is what named policy ports resolve to."""

    port: int
    protocol: Protocol = "TCP"
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Pod:
    """A pod as the network sees it.

    ``ip`` is empty until the cluster's IPAM assigns one (hostNetwork pods take
    their node's IP). ``owner`` names the Deployment/ReplicaSet/... that made it,
    if any (``Deployment/nginx``).
    """

    name: str
    namespace: str
    labels: Labels = Labels()
    node: str = ""
    ip: str = ""
    container_ports: tuple[ContainerPort, ...] = ()
    host_network: bool = False
    owner: str = ""
    image: str = ""

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"

    def named_port(self, name: str, protocol: Protocol) -> int | None:
        """Resolve a named port with the given protocol on this pod, or None."""
        for cp in self.container_ports:
            if cp.name == name and cp.protocol == protocol:
                return cp.port
        return None

    def relabelled(self, labels: Labels) -> Pod:
        """Return a copy with new labels."""
        return replace(self, labels=labels)


@dataclass(frozen=True, slots=True)
class ServicePort:
    """One Service port: clients send to ``port``; pods receive on ``target_port``.

    ``target_port`` is an int or a container port name, resolved per endpoint pod.
    """

    port: int
    target_port: int | str
    protocol: Protocol = "TCP"
    name: str = ""
    node_port: int | None = None


@dataclass(frozen=True, slots=True)
class Service:
    """A Service; ``selector`` None means no selector (endpoints are managed by hand)."""

    name: str
    namespace: str
    ports: tuple[ServicePort, ...] = ()
    selector: Labels | None = None
    type: ServiceType = "ClusterIP"
    cluster_ip: str = ""
    external_traffic_policy: TrafficPolicy = "Cluster"
    load_balancer_ip: str = ""

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"
