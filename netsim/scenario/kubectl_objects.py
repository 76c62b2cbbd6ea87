"""The objects kubectl's imperative commands send, and what the apiserver says of them.

``kubectl run``, ``expose``, ``create namespace`` and ``create service`` build an object
from the command line and send it; the apiserver validates it as it validates any
manifest. :func:`admit` runs that object through netsim's manifest loader
(:func:`netsim.model.load.object_from_dict`, the apiserver's validation), so a name or
label typed on a command line gets exactly the words a manifest would, e.g.
``The Pod "BAD_NAME" is invalid: metadata.name: Invalid value: "BAD_NAME": a lowercase
RFC 1123 subdomain must consist of ...``. What kubectl checks itself, before sending,
is here too, in its words: ``--labels`` (``ParseLabels`` in kubectl's generate package:
``unexpected label spec``, ``unexpected empty label key``), a ``kubectl label`` value
(``parseLabels`` in kubectl's label command: ``invalid label spec``, ``invalid label
value``), ``--tcp`` of ``create service`` (``parsePorts``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

from netsim.errors import Origin, ValidationError
from netsim.model.labels import Labels
from netsim.model.objects import Service, ServicePort
from netsim.model.validate import is_valid_label_value, validate_labels
from netsim.scenario.kubectl_cli import Args, KubectlError

_INTEGER = re.compile(r"[+-]?[0-9]+")
"""What Go's ``strconv.Atoi`` reads as a number."""


def invalid_message(kind: str, name: str, exc: ValidationError) -> str:
    """The apiserver's ``StatusReasonInvalid`` as kubectl prints it: one field error, or
    several in brackets."""
    errors = [str(e) for e in exc.errors] or [str(exc)]
    text = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    return f'The {kind} "{name}" is invalid: {text}'


def admit(doc: Mapping[str, Any]) -> None:
    """Validate ``doc`` as the apiserver would; KubectlError with its answer if invalid."""
    from netsim.model.load import object_from_dict

    try:
        object_from_dict(dict(doc), Origin("kubectl", 0))
    except ValidationError as exc:
        meta = doc.get("metadata") or {}
        raise KubectlError(invalid_message(str(doc["kind"]), str(meta.get("name")), exc)) from None


def run_labels(text: str) -> Labels:
    """``kubectl run --labels=k=v,...`` parsed as kubectl parses it (nothing trimmed)."""
    if not text:
        raise KubectlError("error: no label spec passed")
    pairs: dict[str, str] = {}
    for spec in text.split(","):
        parts = spec.split("=")
        if len(parts) != 2:
            raise KubectlError(f"error: unexpected label spec: {spec}")
        if not parts[0]:
            raise KubectlError("error: unexpected empty label key")
        pairs[parts[0]] = parts[1]
    return Labels.of(pairs)


def port_number(text: str, flag: str) -> int:
    """A ``--port``-like flag's value: kubectl's error unless it is a number in 1-65535."""
    try:
        value = int(text)
    except ValueError:
        raise KubectlError(f'error: invalid argument "{text}" for "--{flag}" flag') from None
    if not 1 <= value <= 65535:
        raise KubectlError(f"error: --{flag} must be between 1 and 65535, got {value}")
    return value


def label_update(spec: str) -> tuple[str, str]:
    """One ``KEY=VALUE`` of ``kubectl label``: kubectl checks the value, the apiserver
    the key (:func:`check_labels`)."""
    parts = spec.split("=")
    if len(parts) != 2:
        raise KubectlError(f"error: invalid label spec: {spec}")
    errors = is_valid_label_value(parts[1])
    if errors:
        raise KubectlError(f'error: invalid label value: "{spec}": {";".join(errors)}')
    return parts[0], parts[1]


def check_labels(kind: str, name: str, labels: Labels) -> None:
    """The apiserver's check of an object's new ``metadata.labels`` (``kubectl label``)."""
    errors = validate_labels(dict(labels.items), "metadata.labels")
    if errors:
        raise KubectlError(invalid_message(kind, name, ValidationError(errors)))


def workload_manifest(
    kind: str,
    name: str,
    namespace: str,
    image: str,
    labels: Labels,
    ports: Sequence[int],
    replicas: int = 1,
) -> dict[str, Any]:
    """The Pod (``--restart=Never``) or Deployment ``kubectl run NAME`` sends: one
    container named NAME, the labels on the object (and on the template and selector of
    a Deployment)."""
    container: dict[str, Any] = {"name": name, "image": image}
    if ports:
        container["ports"] = [{"containerPort": p} for p in ports]
    meta = {"name": name, "namespace": namespace, "labels": dict(labels.items)}
    if kind == "Pod":
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": meta,
            "spec": {"containers": [container]},
        }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta,
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels.items)},
            "template": {
                "metadata": {"labels": dict(labels.items)},
                "spec": {"containers": [container]},
            },
        },
    }


def service_manifest(service: Service) -> dict[str, Any]:
    """A Service as the manifest kubectl sends for it (``expose``, ``run --expose``,
    ``create service``)."""
    ports = []
    for port in service.ports:
        item: dict[str, Any] = {
            "port": port.port,
            "targetPort": port.target_port,
            "protocol": port.protocol,
        }
        if port.name:
            item["name"] = port.name
        if port.node_port:
            item["nodePort"] = port.node_port
        ports.append(item)
    spec: dict[str, Any] = {"type": service.type, "ports": ports}
    if service.selector is not None:
        spec["selector"] = dict(service.selector.items)
    if service.cluster_ip:
        spec["clusterIP"] = service.cluster_ip
    meta = {"name": service.name, "namespace": service.namespace}
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}


def tcp_ports(specs: Sequence[str]) -> tuple[ServicePort, ...]:
    """``--tcp=PORT[:TARGET],...`` of ``kubectl create service``: each port named as
    kubectl names it (the spec with ``:`` turned into ``-``); a TARGET that is not a
    number is a container port name. The apiserver checks the numbers' ranges."""
    ports = []
    for spec in specs:
        parts = spec.split(":")
        if not _INTEGER.fullmatch(parts[0]):
            raise KubectlError(f'error: strconv.Atoi: parsing "{parts[0]}": invalid syntax')
        port = int(parts[0])
        target: int | str = port
        if len(parts) > 1:
            target = int(parts[1]) if _INTEGER.fullmatch(parts[1]) else parts[1]
        ports.append(ServicePort(port, target, "TCP", name=spec.replace(":", "-")))
    return tuple(ports)


SERVICE_TYPES = {"clusterip": "ClusterIP", "nodeport": "NodePort", "loadbalancer": "LoadBalancer"}
"""``kubectl create service TYPE``: the types netsim emulates (not ``externalname``)."""
CREATE_SERVICE_FLAGS = {
    "clusterip": frozenset({"tcp", "clusterip", "namespace"}),
    "nodeport": frozenset({"tcp", "node-port", "namespace"}),
    "loadbalancer": frozenset({"tcp", "namespace"}),
}
"""The flags of ``kubectl create service TYPE`` netsim takes, per TYPE."""


def create_service(service_type: str, args: Args, where: str) -> Service:
    """The Service ``kubectl create service TYPE NAME --tcp=P[:T],...`` sends: selector and
    labels ``app=NAME`` (kubectl's ``ServiceCommonGeneratorV1``), after kubectl's own checks
    (``exactly one NAME``, ``at least one tcp port specifier``, ``clusterip=None``).
    ``service_type`` is a key of :data:`SERVICE_TYPES`."""
    kind = SERVICE_TYPES[service_type]
    if len(args.positional) != 1:
        raise KubectlError(f"error: exactly one NAME is required, got {len(args.positional)}")
    name = args.positional[0]
    cluster_ip = args.get("clusterip")
    specs = [s for s in args.get("tcp").split(",") if s] if args.has("tcp") else []
    if cluster_ip == "None" and specs:
        raise KubectlError("error: can not map ports with clusterip=None")
    if cluster_ip != "None" and not specs:
        raise KubectlError("error: at least one tcp port specifier must be provided")
    ports = tcp_ports(specs)
    if args.has("node-port"):
        text = args.get("node-port")
        if not _INTEGER.fullmatch(text):
            raise KubectlError(f'error: invalid argument "{text}" for "--node-port" flag')
        ports = tuple(dataclasses.replace(p, node_port=int(text)) for p in ports)
    return Service(
        name,
        args.get("namespace", "default"),
        ports,
        selector=Labels.of({"app": name}),
        type=kind,  # type: ignore[arg-type]
        cluster_ip=cluster_ip,
    )
