"""Policies netsim skips although they would change the answer.

netsim evaluates ``networking.k8s.io/v1`` NetworkPolicy. A manifest set may also hold
policies of other APIs that a cluster running that CNI enforces on top of it: Calico's
``NetworkPolicy`` and ``GlobalNetworkPolicy`` (``projectcalico.org/v3``,
``crd.projectcalico.org/v1``), Cilium's ``CiliumNetworkPolicy`` and
``CiliumClusterwideNetworkPolicy``, Antrea's, and the pre-v1
``net.beta.kubernetes.io/network-policy`` namespace annotation (default-deny isolation
from Kubernetes 1.3-1.6). Such objects are skipped, and every answer computed without
them must say so: :func:`ignored_in` finds them in a manifest dict, and the commands
print them as warnings (``--strict`` makes them an error).

The network-policy-api kinds (``AdminNetworkPolicy``, ``BaselineAdminNetworkPolicy``,
``ClusterNetworkPolicy``, group ``policy.networking.k8s.io``) are not listed: they are
decoded (:mod:`netsim.model.adminmanifest`) and evaluated everywhere NetworkPolicy is (the
reference evaluator, the engine and what is built on it, explain, the simulator, the
dataplane cross-check). Antrea's own ``crd.antrea.io`` ``ClusterNetworkPolicy`` is another
API and still is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netsim.errors import Origin
from netsim.model.manifest import DEFAULT_NAMESPACE, MODELLED_KINDS

LEGACY_ANNOTATION = "net.beta.kubernetes.io/network-policy"
"""The namespace annotation of the beta NetworkPolicy API (Kubernetes 1.3 to 1.6)."""

IGNORED_POLICY_KINDS: dict[tuple[str, str], str] = {
    ("projectcalico.org", "NetworkPolicy"): "Calico policy",
    ("crd.projectcalico.org", "NetworkPolicy"): "Calico policy",
    ("projectcalico.org", "GlobalNetworkPolicy"): "Calico policy",
    ("crd.projectcalico.org", "GlobalNetworkPolicy"): "Calico policy",
    ("cilium.io", "CiliumNetworkPolicy"): "Cilium policy",
    ("cilium.io", "CiliumClusterwideNetworkPolicy"): "Cilium policy",
    ("crd.antrea.io", "NetworkPolicy"): "Antrea policy",
    ("crd.antrea.io", "ClusterNetworkPolicy"): "Antrea policy",
}
"""(API group, kind) of the policies that change verdicts but are not evaluated."""

_CLUSTER_SCOPED = frozenset(
    {"GlobalNetworkPolicy", "CiliumClusterwideNetworkPolicy", "ClusterNetworkPolicy"}
)


@dataclass(frozen=True, slots=True)
class IgnoredPolicy:
    """One skipped object that would change verdicts: where, what, and why it matters."""

    origin: Origin
    ref: str
    api_version: str
    what: str
    status: str = "not evaluated"

    def __str__(self) -> str:
        return f"{self.origin}: {self.ref} ({self.api_version}): {self.what} {self.status}"

    def to_dict(self) -> dict[str, Any]:
        """JSON form: source, document, object, apiVersion, what."""
        return {
            "source": self.origin.source,
            "document": self.origin.document,
            "object": self.ref,
            "apiVersion": self.api_version,
            "what": f"{self.what} {self.status}",
        }


def ignored_in(doc: object, origin: Origin) -> list[IgnoredPolicy]:
    """The ignored policies of one manifest dict (each item of a ``List``)."""
    if not isinstance(doc, dict):
        return []
    kind, api_version = doc.get("kind"), doc.get("apiVersion")
    if not isinstance(kind, str) or not isinstance(api_version, str):
        return []
    if kind == "List" or (kind.endswith("List") and kind[:-4] in MODELLED_KINDS):
        items = doc.get("items")
        found: list[IgnoredPolicy] = []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and kind != "List":
                item = {"kind": kind[:-4], "apiVersion": api_version, **item}
            found += ignored_in(item, origin)
        return found
    meta = doc.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    name = meta.get("name") if isinstance(meta.get("name"), str) else ""
    group = api_version.rpartition("/")[0]
    what = IGNORED_POLICY_KINDS.get((group, kind))
    if what is not None:
        namespace = meta.get("namespace") or DEFAULT_NAMESPACE
        key = name if kind in _CLUSTER_SCOPED else f"{namespace}/{name}"
        return [IgnoredPolicy(origin, f"{kind} {key}", api_version, what)]
    annotations = meta.get("annotations")
    if kind == "Namespace" and isinstance(annotations, dict) and LEGACY_ANNOTATION in annotations:
        return [
            IgnoredPolicy(
                origin,
                f'Namespace {name}: metadata.annotations["{LEGACY_ANNOTATION}"]',
                api_version,
                "beta (Kubernetes 1.3-1.6) namespace isolation",
            )
        ]
    return []
