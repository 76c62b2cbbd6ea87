"""``kubectl get``: tables (``-o wide``, ``--show-labels``), ``-o yaml|json|name``, ``-l``, ``-A``.

Tables are kubectl 1.7's (``svc/``/``po/`` prefixes when several types are listed,
columns aligned across them); ``-o name`` prints ``pods/NAME`` as 1.7 did. The
cluster-scoped network-policy-api kinds (``anp``, ``banp``, ``cnp``) print their CRDs'
columns (:mod:`netsim.scenario.kubectl_admin`) and never a NAMESPACE column.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from netsim.errors import LookupFailed
from netsim.model.adminpolicy import ClusterPolicy
from netsim.model.cluster import Cluster
from netsim.model.labels import Labels
from netsim.model.netpol import NetworkPolicy
from netsim.model.objects import Namespace, Pod, Service
from netsim.model.selector import Selector, SelectorSyntaxError, parse_selector
from netsim.scenario import kubectl_admin
from netsim.scenario import kubectl_yaml as manifests
from netsim.scenario.describe import endpoint_addresses, format_endpoints
from netsim.scenario.kubectl_cli import (
    PLURAL_RESOURCE,
    RESOURCES,
    SHORT,
    Args,
    KubectlError,
    UnsupportedCommand,
    parse_flags,
)
from netsim.scenario.kubectl_format import short_duration, tabulate
from netsim.scenario.kubectl_yaml import DeploymentView

GET_FLAGS = frozenset({"namespace", "all-namespaces", "output", "show-labels", "selector"})
"""The ``get`` flags netsim emulates."""
OUTPUTS = ("", "wide", "yaml", "json", "name")
"""The ``-o`` values netsim prints."""
GET_RESOURCES: Mapping[str, str] = {
    **{k: str(v) for k, v in RESOURCES.items()},
    **dict.fromkeys(("endpoints", "ep"), "Endpoints"),
}
"""The resource names ``get`` accepts: :data:`RESOURCES` and endpoints."""
HEADERS: Mapping[str, list[str]] = {
    "Pod": ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
    "Service": ["NAME", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
    "NetworkPolicy": ["NAME", "POD-SELECTOR", "AGE"],
    "Namespace": ["NAME", "STATUS", "AGE"],
    "Deployment": ["NAME", "DESIRED", "CURRENT", "UP-TO-DATE", "AVAILABLE", "AGE"],
    "Endpoints": ["NAME", "ENDPOINTS", "AGE"],
    **kubectl_admin.HEADERS,
}
WIDE: Mapping[str, list[str]] = {
    "Pod": ["IP", "NODE"],
    "Service": ["SELECTOR"],
    "Deployment": ["CONTAINER(S)", "IMAGE(S)", "SELECTOR"],
}
NAME_RESOURCE = {
    "Pod": "pods",
    "Service": "services",
    "NetworkPolicy": "networkpolicies",
    "Namespace": "namespaces",
    "Deployment": "deployments",
    "Endpoints": "endpoints",
    "AdminNetworkPolicy": "adminnetworkpolicies",
    "BaselineAdminNetworkPolicy": "baselineadminnetworkpolicies",
    "ClusterNetworkPolicy": "clusternetworkpolicies",
}
"""What ``-o name`` prefixes names with (kubectl 1.7 printed the plural resource)."""

Item = Pod | Service | NetworkPolicy | Namespace | DeploymentView | ClusterPolicy


@dataclass(frozen=True, slots=True)
class Found:
    """One object ``get`` lists: its kind, ``namespace/name`` key and model value.

    An Endpoints object is represented by its Service.
    """

    kind: str
    key: str
    obj: Item

    @property
    def name(self) -> str:
        """The object's name."""
        return self.key.rsplit("/", 1)[-1]

    @property
    def namespace(self) -> str:
        """The object's namespace (empty for namespaces and cluster-wide policies)."""
        if self.kind in kubectl_admin.CLUSTER_SCOPED:
            return ""
        return self.key.split("/", 1)[0] if "/" in self.key else ""


@dataclass(frozen=True, slots=True)
class GetSource:
    """What ``get`` reads: the cluster, times, deployments and load balancer addresses."""

    cluster: Cluster
    now: float
    created: Callable[[str, str], float]
    deployments: Callable[[], Sequence[DeploymentView]]
    external_ip: Callable[[Service], str]
    load_balancer_ip: Callable[[str], str]


def _labels_of(item: Found) -> Labels:
    obj = item.obj
    if isinstance(obj, Pod | Namespace):
        return obj.labels
    if isinstance(obj, NetworkPolicy | ClusterPolicy):
        return Labels(obj.labels)
    if isinstance(obj, DeploymentView):
        return obj.selector
    return Labels()


def _store(source: GetSource, kind: str) -> Mapping[str, Item]:
    cluster = source.cluster
    if kind == "Deployment":
        return {f"{d.namespace}/{d.name}": d for d in source.deployments()}
    if kind in kubectl_admin.CLUSTER_SCOPED:
        return {k: p for k, p in cluster.cluster_policies.items() if p.kind == kind}
    stores: dict[str, Mapping[str, Item]] = {
        "Pod": cluster.pods,
        "Service": cluster.services,
        "Endpoints": cluster.services,
        "NetworkPolicy": cluster.policies,
        "Namespace": cluster.namespaces,
    }
    return stores[kind]


def _find(
    source: GetSource,
    kind: str,
    namespace: str,
    every: bool,
    names: Sequence[str],
    selector: Selector | None,
) -> list[Found]:
    store = _store(source, kind)
    if names:
        if kind in kubectl_admin.CLUSTER_SCOPED:
            keys = [kubectl_admin.cluster_policy_key(kind, n) for n in names]
        else:
            keys = [n if kind == "Namespace" else f"{namespace}/{n}" for n in names]
        for key in keys:
            if key not in store:
                resource = PLURAL_RESOURCE.get(kind, NAME_RESOURCE[kind])
                raise LookupFailed(f'{resource} "{key.rsplit("/", 1)[-1]}" not found')
    elif kind == "Namespace" or kind in kubectl_admin.CLUSTER_SCOPED:
        keys = sorted(store)
    else:
        keys = sorted(k for k in store if every or k.startswith(f"{namespace}/"))
    found = [Found(kind, key, store[key]) for key in keys]
    if selector is not None:
        found = [f for f in found if selector.matches(_labels_of(f))]
    return found


def _row(source: GetSource, item: Found, wide: bool) -> list[str]:
    obj = item.obj
    age = short_duration(source.now - source.created(item.kind, item.key))
    if item.kind == "Endpoints":
        assert isinstance(obj, Service)
        addresses = [a for port in obj.ports for a in endpoint_addresses(source.cluster, obj, port)]
        return [format_endpoints(addresses), age]
    if isinstance(obj, Pod):
        return ["1/1", "Running", "0", age] + (
            [obj.ip or "<none>", obj.node or "<none>"] if wide else []
        )
    if isinstance(obj, Service):
        row = [obj.cluster_ip or "<none>", source.external_ip(obj), _ports(obj), age]
        return row + ([str(obj.selector) if obj.selector else "<none>"] if wide else [])
    if isinstance(obj, NetworkPolicy):
        return [str(obj.pod_selector), age]
    if isinstance(obj, ClusterPolicy):
        return kubectl_admin.row(obj, age)
    if isinstance(obj, DeploymentView):
        count = str(obj.replicas)
        row = [count, count, count, count, age]
        return row + ([obj.name, obj.image, str(obj.selector)] if wide else [])
    return ["Active", age]


def _ports(service: Service) -> str:
    parts = []
    for port in service.ports:
        node = f":{port.node_port}" if port.node_port is not None else ""
        parts.append(f"{port.port}{node}/{port.protocol}")
    return ",".join(parts) or "<none>"


def _table(
    source: GetSource, kind: str, items: Sequence[Found], args: Args, every: bool, prefix: bool
) -> list[list[str]]:
    wide = args.get("output") == "wide"
    show_labels = args.has("show-labels")
    header = HEADERS[kind] + (WIDE.get(kind, []) if wide else [])
    header += ["LABELS"] if show_labels else []
    namespaced = every and kind != "Namespace" and kind not in kubectl_admin.CLUSTER_SCOPED
    rows = [["NAMESPACE", *header] if namespaced else header]
    for item in items:
        name = f"{SHORT[kind]}/{item.name}" if prefix else item.name
        row = [name, *_row(source, item, wide)]
        if show_labels:
            row.append(str(_labels_of(item)) or "<none>")
        rows.append([item.namespace, *row] if namespaced else row)
    return rows


def manifest(source: GetSource, item: Found) -> dict[str, Any]:
    """The API object of one found item, for ``-o yaml|json``."""
    created = source.created(item.kind, item.key)
    obj = item.obj
    if item.kind == "Endpoints":
        assert isinstance(obj, Service)
        return manifests.endpoints_manifest(source.cluster, obj, created)
    if isinstance(obj, Pod):
        return manifests.pod_manifest(source.cluster, obj, created)
    if isinstance(obj, Service):
        return manifests.service_manifest(obj, created, source.load_balancer_ip(obj.key))
    if isinstance(obj, NetworkPolicy):
        return manifests.policy_manifest(obj, created)
    if isinstance(obj, DeploymentView):
        return manifests.deployment_manifest(obj, created)
    if isinstance(obj, ClusterPolicy):
        return kubectl_admin.cluster_policy_manifest(obj, created)
    return manifests.namespace_manifest(obj, created)


def _kinds(text: str, where: str) -> list[str]:
    kinds = []
    for word in text.split(","):
        kind = GET_RESOURCES.get(word.lower())
        if kind is None:
            raise UnsupportedCommand(
                f"{where}: netsim gets pods, svc, netpol, ns, deploy, ep, anp, banp and cnp, "
                f"not {word}",
                f'error: netsim does not emulate resource type "{word}" '
                "(it knows pods, services, networkpolicies, namespaces, deployments, "
                "endpoints, adminnetworkpolicies, baselineadminnetworkpolicies, "
                "clusternetworkpolicies)",
            )
        kinds.append(kind)
    return kinds


def _selector(args: Args) -> Selector | None:
    if not args.has("selector") or not args.get("selector").strip():
        return None
    text = args.get("selector")
    try:
        return parse_selector(text)
    except SelectorSyntaxError as exc:
        raise KubectlError(f'error: the provided selector "{text}" is not valid: {exc}') from None


def get(source: GetSource, words: Sequence[str], where: str) -> list[str]:
    """Run ``kubectl get`` (the words after ``get``); return what kubectl prints."""
    args = parse_flags(words, GET_FLAGS, where, "get")
    if not args.positional:
        raise KubectlError("You must specify the type of resource to get.")
    output = args.get("output")
    if output not in OUTPUTS:
        raise UnsupportedCommand(
            f"{where}: netsim prints tables (and -o wide|yaml|json|name), not -o {output}",
            f"error: netsim does not emulate -o {output} (it prints wide, yaml, json and name)",
        )
    target = list(args.positional)
    if "/" in target[0] and len(target) == 1:
        target = target[0].split("/", 1)
    kinds = _kinds(target[0], where)
    names = target[1:]
    if names and len(kinds) > 1:
        raise KubectlError(
            "error: arguments in resource/name form must have a single resource and name"
        )
    selector = _selector(args)
    if names and selector is not None:
        raise KubectlError("error: name cannot be provided when a selector is specified")
    every = args.has("all-namespaces") and args.get("all-namespaces") != "false"
    namespace = args.get("namespace", "default")
    found = {k: _find(source, k, namespace, every, names, selector) for k in kinds}
    if output == "name":
        return [f"{NAME_RESOURCE[f.kind]}/{f.name}" for k in kinds for f in found[k]]
    if output in manifests.RENDERERS:
        docs = [manifest(source, f) for k in kinds for f in found[k]]
        render = manifests.RENDERERS[output]
        single = len(names) == 1 and len(docs) == 1
        return [render(docs[0] if single else manifests.as_list(docs))]
    prefix = len(kinds) > 1
    tables = [_table(source, k, found[k], args, every, prefix) for k in kinds if found[k]]
    if not tables:
        return ["No resources found."]
    return [tabulate(tables)]
