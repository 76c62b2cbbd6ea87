"""The namespace a command line or a kustomization gives the objects it loads.

Two rules, on the manifest dicts before they are decoded:

- kustomize's ``namespace:`` sets ``metadata.namespace`` of every namespaced object,
  replacing the one written
  (https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/namespace/);
- ``kubectl -n NS`` fills in the namespace of an object that has none, and refuses an
  object whose namespace differs, in kubectl's words (cli-runtime's resource builder:
  "the namespace from the provided object ... does not match the namespace ...").

Cluster-scoped kinds (Namespace, Node, ClusterRole, Calico's GlobalNetworkPolicy,
...) are left alone. A ``List`` applies the rules to each item.
"""

from __future__ import annotations

from typing import Any

from netsim.errors import FieldError
from netsim.model.manifest import CLUSTER_SCOPED, MODELLED_KINDS

FOREIGN_CLUSTER_SCOPED = frozenset(
    {
        "GlobalNetworkPolicy",
        "GlobalNetworkSet",
        "StagedGlobalNetworkPolicy",
        "CiliumClusterwideNetworkPolicy",
        "ClusterNetworkPolicy",
        "GatewayClass",
        "HostEndpoint",
    }
)
"""Cluster-scoped kinds of other projects (Calico, Cilium, Antrea, Gateway API)."""


def _is_list(kind: object) -> bool:
    return kind == "List" or (
        isinstance(kind, str) and kind.endswith("List") and kind[:-4] in MODELLED_KINDS
    )


def set_namespace(doc: object, kustomize: str = "", enforce: str = "") -> list[FieldError]:
    """Apply a kustomization's namespace and then ``-n``'s to ``doc`` in place.

    Returns kubectl's mismatch errors at ``metadata.namespace`` (``items[i].`` in a
    List); a document that is not an object is left for the decoder to reject.
    """
    if not kustomize and not enforce:
        return []
    return _apply(doc, kustomize, enforce, "")


def _apply(doc: object, kustomize: str, enforce: str, base: str) -> list[FieldError]:
    if not isinstance(doc, dict):
        return []
    kind = doc.get("kind")
    if _is_list(kind):
        items = doc.get("items")
        errors: list[FieldError] = []
        if isinstance(items, list):
            for i, item in enumerate(items):
                errors += _apply(item, kustomize, enforce, f"{base}items[{i}].")
        return errors
    if not isinstance(kind, str) or kind in CLUSTER_SCOPED or kind in FOREIGN_CLUSTER_SCOPED:
        return []
    meta: Any = doc.get("metadata")
    if meta is None:
        meta = doc["metadata"] = {}
    if not isinstance(meta, dict):
        return []
    if kustomize:
        meta["namespace"] = kustomize
    written = meta.get("namespace")
    if not enforce or not isinstance(written, str | None):
        return []
    if not written:
        meta["namespace"] = enforce
        return []
    if written != enforce:
        return [
            FieldError(
                f"{base}metadata.namespace",
                f'the namespace from the provided object "{written}" does not match the '
                f"namespace \"{enforce}\". You must pass '--namespace={written}' to perform "
                "this operation.",
            )
        ]
    return []
