"""``kubectl get -o yaml|json``: model objects as the API serializes them.

Each object becomes the dict the apiserver would return for it, restricted to what
the model knows (apiVersion, kind, metadata with name, namespace, labels and
creationTimestamp, the spec, and pod IPs or a Service's ClusterIP). Several objects
become a ``kind: List``. The YAML is written as kubectl's go-yaml writes it: keys
sorted, sequences not indented under their key, strings quoted only when they would
read back as something else, so the output is deterministic and parses back with any
YAML reader.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from netsim.model.cluster import Cluster
from netsim.model.labels import Labels, LabelSelector
from netsim.model.netpol import NetworkPolicy, PolicyPeer, PolicyPort, PolicyRule
from netsim.model.objects import Namespace, Pod, Service
from netsim.scenario.describe import container_name, endpoint_addresses
from netsim.scenario.kubectl_format import rfc3339

API_VERSION = {
    "Pod": "v1",
    "Service": "v1",
    "Namespace": "v1",
    "Endpoints": "v1",
    "NetworkPolicy": "networking.k8s.io/v1",
    "Deployment": "extensions/v1beta1",
}
"""The apiVersion kubectl 1.7 shows each kind in."""


@dataclass(frozen=True, slots=True)
class DeploymentView:
    """What ``get deployments`` shows of a Deployment: its selector, image, ports, pods."""

    name: str
    namespace: str
    selector: Labels
    image: str
    ports: tuple[int, ...]
    replicas: int


def _metadata(kind: str, name: str, namespace: str, labels: Labels, created: float) -> Any:
    meta: dict[str, Any] = {"name": name}
    if kind != "Namespace":
        meta["namespace"] = namespace
    meta["creationTimestamp"] = rfc3339(created)
    if len(labels):
        meta["labels"] = labels.as_dict()
    return meta


def selector_manifest(selector: LabelSelector) -> dict[str, Any]:
    """A label selector as the API serializes it (``{}`` for the empty selector)."""
    out: dict[str, Any] = {}
    if selector.match_labels:
        out["matchLabels"] = dict(selector.match_labels)
    if selector.match_expressions:
        expressions = []
        for req in selector.match_expressions:
            entry: dict[str, Any] = {"key": req.key, "operator": req.operator}
            if req.values:
                entry["values"] = list(req.values)
            expressions.append(entry)
        out["matchExpressions"] = expressions
    return out


def _peer(peer: PolicyPeer) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if peer.pod_selector is not None:
        out["podSelector"] = selector_manifest(peer.pod_selector)
    if peer.namespace_selector is not None:
        out["namespaceSelector"] = selector_manifest(peer.namespace_selector)
    if peer.ip_block is not None:
        block: dict[str, Any] = {"cidr": str(peer.ip_block.cidr)}
        if peer.ip_block.except_:
            block["except"] = [str(e) for e in peer.ip_block.except_]
        out["ipBlock"] = block
    return out


def _port(port: PolicyPort) -> dict[str, Any]:
    out: dict[str, Any] = {"protocol": port.protocol}
    if port.port is not None:
        out["port"] = port.port
    if port.end_port is not None:
        out["endPort"] = port.end_port
    return out


def _rules(rules: Sequence[PolicyRule], peers_field: str) -> list[dict[str, Any]]:
    out = []
    for rule in rules:
        item: dict[str, Any] = {}
        if rule.peers:
            item[peers_field] = [_peer(p) for p in rule.peers]
        if rule.ports:
            item["ports"] = [_port(p) for p in rule.ports]
        out.append(item)
    return out


def _pod_spec(name: str, image: str, ports: Sequence[dict[str, Any]]) -> dict[str, Any]:
    container: dict[str, Any] = {"name": name, "image": image}
    if ports:
        container["ports"] = list(ports)
    return {"containers": [container]}


def pod_manifest(cluster: Cluster, pod: Pod, created: float) -> dict[str, Any]:
    """A Pod as ``get -o yaml`` shows it: its container, node, IPs and phase."""
    ports = []
    for cp in pod.container_ports:
        entry: dict[str, Any] = {"containerPort": cp.port, "protocol": cp.protocol}
        if cp.name:
            entry["name"] = cp.name
        ports.append(entry)
    spec = _pod_spec(container_name(pod), pod.image, ports)
    if pod.host_network:
        spec["hostNetwork"] = True
    if pod.node:
        spec["nodeName"] = pod.node
    status: dict[str, Any] = {"phase": "Running"}
    node = cluster.nodes.get(pod.node)
    if node is not None:
        status["hostIP"] = node.ip
    if pod.ip:
        status["podIP"] = pod.ip
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": _metadata("Pod", pod.name, pod.namespace, pod.labels, created),
        "spec": spec,
        "status": status,
    }


def service_manifest(service: Service, created: float, ingress_ip: str = "") -> dict[str, Any]:
    """A Service as ``get -o yaml`` shows it: ports, selector, type and ClusterIP."""
    ports = []
    for port in service.ports:
        entry: dict[str, Any] = {}
        if port.name:
            entry["name"] = port.name
        if port.node_port is not None:
            entry["nodePort"] = port.node_port
        entry.update(port=port.port, protocol=port.protocol, targetPort=port.target_port)
        ports.append(entry)
    spec: dict[str, Any] = {"clusterIP": service.cluster_ip or "None", "ports": ports}
    if service.selector:
        spec["selector"] = service.selector.as_dict()
    spec["sessionAffinity"] = "None"
    spec["type"] = service.type
    if service.type in ("NodePort", "LoadBalancer"):
        spec["externalTrafficPolicy"] = service.external_traffic_policy
    if service.load_balancer_ip:
        spec["loadBalancerIP"] = service.load_balancer_ip
    ingress = service.load_balancer_ip or ingress_ip
    balancer: dict[str, Any] = (
        {"ingress": [{"ip": ingress}]} if service.type == "LoadBalancer" and ingress else {}
    )
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata("Service", service.name, service.namespace, Labels(), created),
        "spec": spec,
        "status": {"loadBalancer": balancer},
    }


def policy_manifest(policy: NetworkPolicy, created: float) -> dict[str, Any]:
    """A NetworkPolicy as ``get -o yaml`` shows it (defaulted, as the apiserver stores it)."""
    spec: dict[str, Any] = {"podSelector": selector_manifest(policy.pod_selector)}
    if policy.ingress:
        spec["ingress"] = _rules(policy.ingress, "from")
    if policy.egress:
        spec["egress"] = _rules(policy.egress, "to")
    spec["policyTypes"] = list(policy.policy_types)
    labels = Labels(policy.labels)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _metadata("NetworkPolicy", policy.name, policy.namespace, labels, created),
        "spec": spec,
    }


def namespace_manifest(namespace: Namespace, created: float) -> dict[str, Any]:
    """A Namespace as ``get -o yaml`` shows it."""
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": _metadata("Namespace", namespace.name, "", namespace.labels, created),
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def endpoints_manifest(cluster: Cluster, service: Service, created: float) -> dict[str, Any]:
    """The Endpoints object of a Service: one subset with its ready addresses and ports."""
    subsets: list[dict[str, Any]] = []
    for port in service.ports:
        addresses = endpoint_addresses(cluster, service, port)
        if not addresses:
            continue
        entry: dict[str, Any] = {"port": int(addresses[0].rsplit(":", 1)[1])}
        if port.name:
            entry["name"] = port.name
        entry["protocol"] = port.protocol
        ips = [{"ip": a.rsplit(":", 1)[0]} for a in addresses]
        subsets.append({"addresses": ips, "ports": [entry]})
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": _metadata("Endpoints", service.name, service.namespace, Labels(), created),
    }
    if subsets:
        doc["subsets"] = subsets
    return doc


def deployment_manifest(view: DeploymentView, created: float) -> dict[str, Any]:
    """A Deployment (extensions/v1beta1, as kubectl 1.7 made them) as ``get -o yaml`` shows it."""
    ports = [{"containerPort": p, "protocol": "TCP"} for p in view.ports]
    template = {
        "metadata": {"labels": view.selector.as_dict()},
        "spec": _pod_spec(view.name, view.image, ports),
    }
    return {
        "apiVersion": "extensions/v1beta1",
        "kind": "Deployment",
        "metadata": _metadata("Deployment", view.name, view.namespace, view.selector, created),
        "spec": {
            "replicas": view.replicas,
            "selector": {"matchLabels": view.selector.as_dict()},
            "template": template,
        },
        "status": {
            "availableReplicas": view.replicas,
            "readyReplicas": view.replicas,
            "replicas": view.replicas,
            "updatedReplicas": view.replicas,
        },
    }


def as_list(items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Several objects as kubectl prints them: a ``v1`` ``List``."""
    return {
        "apiVersion": "v1",
        "items": list(items),
        "kind": "List",
        "metadata": {"resourceVersion": "", "selfLink": ""},
    }


_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_./<(][A-Za-z0-9_./:@+=~<>(), -]*$")


def _scalar(value: Any) -> str:
    """A scalar as go-yaml writes it: plain when that reads back the same, else quoted."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if not text or _resolves_elsewhere(text):
        return json.dumps(text)
    if _PLAIN_SAFE.match(text) and not text.endswith((" ", ":")) and ": " not in text:
        return text
    if text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    return json.dumps(text)


def _resolves_elsewhere(text: str) -> bool:
    """Whether plain ``text`` would read back as a non-string (``true``, ``80``, a date)."""
    try:
        return bool(yaml.safe_load(text) != text)
    except yaml.YAMLError:
        return False


def _emit(value: Any, indent: str, out: list[str]) -> None:
    if isinstance(value, Mapping):
        for key in sorted(value):
            item = value[key]
            if isinstance(item, Mapping) and item:
                out.append(f"{indent}{_scalar(key)}:")
                _emit(item, indent + "  ", out)
            elif isinstance(item, list) and item:
                out.append(f"{indent}{_scalar(key)}:")
                _emit(item, indent, out)
            else:
                out.append(f"{indent}{_scalar(key)}: {_inline(item)}")
        return
    for item in value:
        if isinstance(item, Mapping | list) and item:
            lines: list[str] = []
            _emit(item, indent + "  ", lines)
            first = lines[0][len(indent) + 2 :]
            out.append(f"{indent}- {first}")
            out.extend(lines[1:])
        else:
            out.append(f"{indent}- {_inline(item)}")


def _inline(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def to_yaml(doc: Mapping[str, Any]) -> str:
    """Write one document as kubectl's go-yaml does (no trailing newline)."""
    lines: list[str] = []
    _emit(doc, "", lines)
    return "\n".join(lines)


def to_json(doc: Mapping[str, Any]) -> str:
    """Write one document as ``kubectl get -o json`` does (4-space indent)."""
    return json.dumps(doc, indent=4)


Renderer = Callable[[Mapping[str, Any]], str]
RENDERERS: Mapping[str, Renderer] = {"yaml": to_yaml, "json": to_json}
"""The ``-o`` formats that print whole objects."""
