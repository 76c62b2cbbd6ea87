"""The Services kubectl's imperative commands create (``expose``, ``create service``,
``run --expose``).

:func:`add_service` is what the apiserver does with each: the scenario's pinned
ClusterIP for a Service created without one, a random free NodePort for each port of
a NodePort or LoadBalancer Service that names none (kubectl's error when the range is
full), then the manifest validation of :func:`~netsim.scenario.kubectl_objects.admit`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from netsim.errors import LookupFailed, ScenarioError, ValidationError
from netsim.model.labels import Labels
from netsim.model.objects import Service, ServicePort
from netsim.scenario.kubectl_cli import RESOURCES, KubectlError, parse_flags
from netsim.scenario.kubectl_objects import (
    CREATE_SERVICE_FLAGS,
    SERVICE_TYPES,
    admit,
    create_service,
    invalid_message,
    port_number,
    service_manifest,
)
from netsim.scenario.kubectl_state import KubectlState

NODE_PORT_RANGE = (30000, 32767)
"""The apiserver's default ``--service-node-port-range``."""
NODE_PORT_RANGE_FULL = (
    "Error from server (InternalError): Internal error occurred: "
    "failed to allocate a nodePort: range is full"
)
"""What kubectl prints when no NodePort is left: the Service storage wraps the port
allocator's ``ErrFull`` ("range is full") in an InternalError
(kubernetes pkg/registry/core/service/storage/alloc.go and
pkg/registry/core/service/portallocator/allocator.go)."""
EXPOSE_FLAGS = frozenset(
    {"port", "target-port", "type", "name", "protocol", "cluster-ip", "namespace"}
)
"""The ``expose`` flags netsim emulates."""


def _node_ports_in_use(state: KubectlState) -> set[int]:
    """The NodePorts the cluster's Services hold (a deleted Service's are free again)."""
    return {
        port.node_port
        for service in state.cluster.services.values()
        for port in service.ports
        if port.node_port
    }


def _node_port(state: KubectlState, taken: set[int]) -> int:
    """A random free NodePort, added to ``taken``; kubectl's error when none is left."""
    low, high = NODE_PORT_RANGE
    if sum(1 for port in taken if low <= port <= high) > high - low:
        raise KubectlError(NODE_PORT_RANGE_FULL)
    while True:
        port = state.rng.randint(low, high)
        if port not in taken:
            taken.add(port)
            return port


def add_service(state: KubectlState, service: Service) -> Service:
    """Create ``service`` as the apiserver would (see the module doc); the stored Service."""
    state.check_absent("Service", service.key)
    if not service.cluster_ip and service.key in state.cluster_ips:
        service = dataclasses.replace(service, cluster_ip=state.cluster_ips[service.key])
    if service.type in ("NodePort", "LoadBalancer"):
        ports = []
        taken = _node_ports_in_use(state) | {p.node_port for p in service.ports if p.node_port}
        for port in service.ports:
            if port.node_port is None:
                port = dataclasses.replace(port, node_port=_node_port(state, taken))
            ports.append(port)
        service = dataclasses.replace(service, ports=tuple(ports))
    admit(service_manifest(service))
    try:
        stored = state.cluster.add(service)
    except ValidationError as exc:
        raise KubectlError(invalid_message("Service", service.name, exc)) from None
    assert isinstance(stored, Service)
    return stored


def create_service_command(state: KubectlState, words: Sequence[str], where: str) -> list[str]:
    """``kubectl create service clusterip|nodeport|loadbalancer NAME --tcp=...`` (the
    words after ``service``)."""
    kind = words[0].lower() if words else ""
    if kind not in SERVICE_TYPES:
        raise ScenarioError(
            f"{where}: netsim emulates kubectl create service "
            f"clusterip|nodeport|loadbalancer{f', not {kind}' if kind else ''}"
        )
    args = parse_flags(words[1:], CREATE_SERVICE_FLAGS[kind], where, "create")
    service = create_service(kind, args, where)
    state.need_namespace(service.namespace)
    add_service(state, service)
    return [f'service "{service.name}" created']


def _exposed(
    state: KubectlState, typed: str, namespace: str, name: str, where: str
) -> tuple[Labels | None, tuple[int, ...]]:
    """The selector and ports ``expose`` takes from a deployment, pod or service."""
    kind = RESOURCES.get(typed.lower())
    if kind == "Deployment":
        deployment = state.deployment(f"{namespace}/{name}")
        return deployment.selector, deployment.ports
    if kind == "Pod":
        pod = state.get_pod(namespace, name)
        return pod.labels, tuple(cp.port for cp in pod.container_ports)
    if kind == "Service":
        svc = state.cluster.services.get(f"{namespace}/{name}")
        if svc is None:
            raise LookupFailed(f'services "{name}" not found')
        return svc.selector, tuple(p.port for p in svc.ports)
    raise ScenarioError(f"{where}: netsim exposes deployments, pods and services, not {typed}")


def expose(state: KubectlState, words: Sequence[str], where: str) -> list[str]:
    """``kubectl expose deployment|pod|service NAME [--port --target-port --type --name
    --protocol --cluster-ip]``."""
    args = parse_flags(words, EXPOSE_FLAGS, where, "expose")
    namespace = args.get("namespace", "default")
    target = list(args.positional)
    if len(target) == 1 and "/" in target[0]:
        target = target[0].split("/", 1)
    if len(target) != 2:
        raise KubectlError("error: You must provide the resource type and name to expose")
    name = target[1]
    selector, ports = _exposed(state, target[0], namespace, name, where)
    if selector is None or not len(selector):
        raise KubectlError(
            f"error: couldn't retrieve selectors via --selector flag or "
            f"introspection: the {target[0]} has no labels"
        )
    if args.has("port"):
        ports = (port_number(args.get("port"), "port"),)
    if not ports:
        raise KubectlError("error: couldn't find port via --port flag or introspection")
    protocol = args.get("protocol", "TCP")
    if protocol not in ("TCP", "UDP", "SCTP"):
        raise KubectlError(
            f'The Service "{name}" is invalid: spec.ports[0].protocol: Unsupported value: '
            f'"{protocol}": supported values: "SCTP", "TCP", "UDP"'
        )
    target_port: int | str = ports[0]
    if args.has("target-port"):
        text = args.get("target-port")
        target_port = int(text) if text.isdigit() else text
    service_type = args.get("type", "ClusterIP")
    if service_type not in ("ClusterIP", "NodePort", "LoadBalancer"):
        raise ScenarioError(
            f"{where}: netsim emulates --type ClusterIP, NodePort and "
            f"LoadBalancer, not {service_type}"
        )
    service_name = args.get("name", name)
    service = Service(
        service_name,
        namespace,
        tuple(
            ServicePort(p, target_port if len(ports) == 1 else p, protocol)  # type: ignore[arg-type]
            for p in ports
        ),
        selector=selector,
        type=service_type,  # type: ignore[arg-type]
        cluster_ip=args.get("cluster-ip"),
    )
    add_service(state, service)
    return [f'service "{service_name}" exposed']
