"""API versions the apiserver no longer serves, and what reading one means.

``extensions/v1beta1`` NetworkPolicy was removed in Kubernetes 1.16
(https://kubernetes.io/docs/reference/using-api/deprecation-guide/#v1-16): a current
apiserver has no mapping for it, and kubectl refuses the file with ``no matches for
kind "NetworkPolicy" in version "extensions/v1beta1"``. netsim refuses it the same
way unless asked (``--allow-removed-apis``) to read it as ``networking.k8s.io/v1``,
whose fields it has, and then warns. Old workload versions (``extensions/v1beta1``
Deployments of older demos) are still read: they do not change any verdict.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from netsim.errors import FieldError

REMOVED_VERSIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("NetworkPolicy", "extensions/v1beta1"): ("1.16", "networking.k8s.io/v1"),
}
"""(kind, apiVersion) -> (the Kubernetes release that removed it, the version to use)."""


def _objects(doc: Mapping[str, Any], path: str) -> Iterator[tuple[Mapping[str, Any], str]]:
    """The document and, for a ``List``, each item with its field path."""
    yield doc, path
    items = doc.get("items")
    if str(doc.get("kind", "")).endswith("List") and isinstance(items, list):
        for i, item in enumerate(items):
            if isinstance(item, Mapping):
                yield from _objects(item, f"{path}items[{i}].")


def removed_api_errors(doc: object, source: str) -> list[FieldError]:
    """One error per object of ``doc`` written in a removed API version, in kubectl's words."""
    if not isinstance(doc, Mapping):
        return []
    out = []
    for obj, path in _objects(doc, ""):
        kind, version = str(obj.get("kind", "")), str(obj.get("apiVersion", ""))
        removed = REMOVED_VERSIONS.get((kind, version))
        if removed is None:
            continue
        release, current = removed
        meta = obj.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        out.append(
            FieldError(
                f"{path}apiVersion",
                f'resource mapping not found for name: "{meta.get("name", "")}" namespace: '
                f'"{meta.get("namespace", "")}" from "{source}": no matches for kind '
                f'"{kind}" in version "{version}" (removed in Kubernetes {release}: write '
                f"apiVersion: {current}, or give --allow-removed-apis to read it as {current})",
            )
        )
    return out


def removed_api_warning(error: FieldError) -> str:
    """The warning for an object read anyway under ``--allow-removed-apis``."""
    return (
        f"{error.path}: Warning: read as the current API version under --allow-removed-apis; "
        f"a current cluster refuses it ({error.message.split(': ', 1)[-1]})"
    )
