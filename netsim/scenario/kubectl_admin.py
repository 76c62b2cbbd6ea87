"""kubectl on the network-policy-api kinds: AdminNetworkPolicy, BaselineAdminNetworkPolicy,
ClusterNetworkPolicy.

They are custom resources, so kubectl prints them through its generic paths: ``get``
shows the CRDs' ``additionalPrinterColumns`` (ANP: ``PRIORITY``, ``AGE``; BANP: ``AGE``;
CNP: ``TIER``, ``PRIORITY``, ``AGE``; network-policy-api
``config/crd/experimental/*.yaml``,
https://github.com/kubernetes-sigs/network-policy-api/tree/main/config/crd), ``-o
yaml|json`` the stored object, and ``describe`` the generic describer (kubectl
``pkg/describe`` ``genericDescriber``: name, namespace, labels, annotations, then every
field of the object but metadata's name, namespace, labels and annotations, keys sorted
and turned into words by ``smartLabelFor``, then ``Events: <none>``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netsim.model.adminpolicy import (
    CLUSTER_POLICY_KINDS,
    AdminPeer,
    AdminPort,
    AdminRule,
    ClusterPolicy,
    NamespacedPods,
)
from netsim.model.labels import Labels
from netsim.scenario.kubectl_format import rfc3339, tabwrite
from netsim.scenario.kubectl_yaml import selector_manifest

CLUSTER_SCOPED: frozenset[str] = frozenset(CLUSTER_POLICY_KINDS)
"""The cluster-scoped kinds ``get`` and ``describe`` list without a namespace."""
HEADERS: Mapping[str, list[str]] = {
    "AdminNetworkPolicy": ["NAME", "PRIORITY", "AGE"],
    "BaselineAdminNetworkPolicy": ["NAME", "AGE"],
    "ClusterNetworkPolicy": ["NAME", "TIER", "PRIORITY", "AGE"],
}
"""The table columns: NAME, then the CRD's printer columns (upper-cased, as kubectl does)."""
API_VERSION = {
    "AdminNetworkPolicy": "policy.networking.k8s.io/v1alpha1",
    "BaselineAdminNetworkPolicy": "policy.networking.k8s.io/v1alpha1",
    "ClusterNetworkPolicy": "policy.networking.k8s.io/v1alpha2",
}
"""The served version of each kind (the CRDs serve one version each)."""


def row(policy: ClusterPolicy, age: str) -> list[str]:
    """The printer columns after NAME (a priority-less object prints ``<none>`` there)."""
    priority = "<none>" if policy.priority is None else str(policy.priority)
    if policy.kind == "AdminNetworkPolicy":
        return [priority, age]
    if policy.kind == "ClusterNetworkPolicy":
        return [policy.tier, priority, age]
    return [age]


def cluster_policy_key(kind: str, name: str) -> str:
    """The key of a cluster-wide policy in the Cluster: ``Kind/name``."""
    return f"{kind}/{name}"


# ------------------------------------------------------------------ manifests
def _pods(pods: NamespacedPods) -> dict[str, Any]:
    return {
        "namespaceSelector": selector_manifest(pods.namespace_selector),
        "podSelector": selector_manifest(pods.pod_selector),
    }


def _peer(peer: AdminPeer) -> dict[str, Any]:
    if peer.namespaces is not None:
        return {"namespaces": selector_manifest(peer.namespaces)}
    if peer.pods is not None:
        return {"pods": _pods(peer.pods)}
    if peer.nodes is not None:
        return {"nodes": selector_manifest(peer.nodes)}
    if peer.networks:
        return {"networks": [str(n) for n in peer.networks]}
    return {"domainNames": list(peer.domain_names)}


def _port_v1(port: AdminPort) -> dict[str, Any]:
    if port.named_port is not None:
        return {"namedPort": port.named_port}
    if port.end_port is not None:
        return {"portRange": {"protocol": port.protocol, "start": port.port, "end": port.end_port}}
    return {"portNumber": {"protocol": port.protocol, "port": port.port}}


def _port_v2(port: AdminPort) -> dict[str, Any]:
    if port.named_port is not None:
        return {"destinationNamedPort": port.named_port}
    number: dict[str, Any] = (
        {"range": {"start": port.port, "end": port.end_port}}
        if port.end_port is not None
        else {"number": port.port}
    )
    return {str(port.protocol).lower(): {"destinationPort": number}}


def _rule(policy: ClusterPolicy, rule: AdminRule, peers_field: str) -> dict[str, Any]:
    v2 = policy.kind == "ClusterNetworkPolicy"
    out: dict[str, Any] = {"action": rule.action, peers_field: [_peer(p) for p in rule.peers]}
    if rule.name:
        out["name"] = rule.name
    if rule.ports:
        if v2:
            out["protocols"] = [_port_v2(p) for p in rule.ports]
        else:
            out["ports"] = [_port_v1(p) for p in rule.ports]
    return out


def cluster_policy_manifest(policy: ClusterPolicy, created: float) -> dict[str, Any]:
    """The object ``get -o yaml|json`` shows: apiVersion, kind, metadata and the spec."""
    subject: dict[str, Any] = (
        {"namespaces": selector_manifest(policy.subject.namespaces)}
        if policy.subject.namespaces is not None
        else {"pods": _pods(policy.subject.pods or NamespacedPods())}
    )
    spec: dict[str, Any] = {"subject": subject}
    if policy.kind == "ClusterNetworkPolicy":
        spec["tier"] = policy.tier
    if policy.priority is not None:
        spec["priority"] = policy.priority
    if policy.ingress:
        spec["ingress"] = [_rule(policy, r, "from") for r in policy.ingress]
    if policy.egress:
        spec["egress"] = [_rule(policy, r, "to") for r in policy.egress]
    metadata: dict[str, Any] = {"name": policy.name, "creationTimestamp": rfc3339(created)}
    if policy.labels:
        metadata["labels"] = dict(policy.labels)
    return {
        "apiVersion": policy.api_version or API_VERSION[policy.kind],
        "kind": policy.kind,
        "metadata": metadata,
        "spec": spec,
    }


# ------------------------------------------------------------------ describe
def _split_camel(field: str) -> list[str]:
    """``camelcase.Split``: runs of one character class, an upper run's last letter
    moved to a following lower run (``HTMLFile`` -> ``HTML``, ``File``)."""

    def kind(char: str) -> int:
        return 1 if char.islower() else 2 if char.isupper() else 3 if char.isdigit() else 4

    runs: list[list[str]] = []
    for char in field:
        if runs and kind(runs[-1][-1]) == kind(char):
            runs[-1].append(char)
        else:
            runs.append([char])
    for i in range(len(runs) - 1):
        if kind(runs[i][0]) == 2 and kind(runs[i + 1][0]) == 1:
            runs[i + 1].insert(0, runs[i].pop())
    return ["".join(run) for run in runs if run]


def smart_label(field: str) -> str:
    """kubectl's ``smartLabelFor``: ``apiVersion`` -> ``API Version``, ``matchLabels`` ->
    ``Match Labels``; a key with characters other than letters and ``-`` stays as it is."""
    if any(not (c.isalpha() or c == "-") for c in field):
        return field
    parts = _split_camel(field)
    merged: list[str] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        upper = all(not c.isalpha() or c.isupper() for c in part)
        if i + 1 < len(parts) and len(part) >= 2 and upper and parts[i + 1][:1].isupper():
            merged.append(part + parts[i + 1])
            i += 2
            continue
        merged.append(part)
        i += 1
    words = []
    for part in merged:
        if part == "_":
            continue
        if part.upper() in ("API", "URL", "UID", "GUID"):
            part = part.upper()
        elif part.lower() == part:
            part = part[:1].upper() + part[1:]
        words.append(part)
    return " ".join(words)


def _content(content: Mapping[str, Any], level: int, path: str, out: list[str]) -> None:
    """``printUnstructuredContent``: maps and lists as nested labels, scalars after a tab."""
    skipped = (".metadata.name", ".metadata.namespace", ".metadata.labels", ".metadata.annotations")
    indent = "  " * level
    for field in sorted(content):
        value = content[field]
        where = f"{path}.{field}"
        if where in skipped:
            continue
        if isinstance(value, Mapping):
            out.append(f"{indent}{smart_label(field)}:")
            _content(value, level + 1, where, out)
        elif isinstance(value, list):
            out.append(f"{indent}{smart_label(field)}:")
            for child in value:
                if isinstance(child, Mapping):
                    _content(child, level + 1, where, out)
                else:
                    out.append(f"{indent}  {child}")
        else:
            out.append(f"{indent}{smart_label(field)}:\t{value}")


def _labels_lines(labels: Labels) -> list[str]:
    if not len(labels):
        return ["Labels:\t<none>"]
    return [f"Labels:\t{k}={v}" if i == 0 else f"\t{k}={v}" for i, (k, v) in enumerate(labels)]


def describe_cluster_policy(policy: ClusterPolicy, created: float) -> str:
    """``kubectl describe anp|banp|cnp NAME``: kubectl's generic describer of the object."""
    lines = ["Name:\t" + policy.name, "Namespace:\t"]
    lines += _labels_lines(Labels(policy.labels))
    lines.append("Annotations:\t<none>")
    _content(cluster_policy_manifest(policy, created), 0, "", lines)
    lines.append("Events:\t<none>")
    return tabwrite("\n".join(lines))
