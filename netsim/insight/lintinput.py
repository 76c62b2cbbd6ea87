"""What ``netsim lint`` reads: every object as written, its place in the files, and a cluster.

Lint needs more than the loader's cluster: the raw document of each policy
(``port: 53`` without a ``protocol`` is TCP after defaulting), its annotations
(:data:`IGNORE_ANNOTATION` silences findings), where it is (file, document and
the ``items[i]`` of a List, for lines in SARIF), and duplicates, which the
loader rejects but lint reports as NP019 (the first definition wins).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netsim.errors import NetsimError, Origin, ValidationError
from netsim.model.cluster import Cluster
from netsim.model.load import (
    InvalidManifests,
    Manifests,
    expand_paths,
    manifests_into_cluster,
    object_from_dict,
    read_source,
)
from netsim.model.manifest import Decoded, decode_document
from netsim.model.netpol import NetworkPolicy
from netsim.model.yamllines import split_path
from netsim.model.yamlsafe import decode_bytes, parse_yaml_text

IGNORE_ANNOTATION = "netsim.dev/lint-ignore"
"""Annotation on a NetworkPolicy: comma-separated check ids (or ``all``) not reported for it."""


@dataclass(frozen=True, slots=True)
class Written:
    """One object as written: its decoded form, raw mapping and place in the input."""

    decoded: Decoded
    raw: Mapping[str, Any]

    @property
    def origin(self) -> Origin:
        """File and document index."""
        return self.decoded.origin

    @property
    def base(self) -> str:
        """``items[i]`` inside a List, else empty."""
        return self.decoded.path

    @property
    def key(self) -> tuple[str, str, str]:
        """(kind, namespace, name)."""
        d = self.decoded
        return (d.kind, d.namespace, d.name)

    def raw_at(self, path: str) -> Any:
        """The raw value at a field path below the object (None when absent)."""
        node: Any = self.raw
        for segment in split_path(path):
            if isinstance(segment, int) and isinstance(node, list) and segment < len(node):
                node = node[segment]
            elif isinstance(segment, str) and isinstance(node, dict):
                node = node.get(segment)
            else:
                return None
        return node

    @property
    def ignored(self) -> frozenset[str]:
        """The check ids the ignore annotation names (upper-cased)."""
        value = self.raw_at("metadata.annotations")
        text = value.get(IGNORE_ANNOTATION, "") if isinstance(value, dict) else ""
        return frozenset(p.strip().upper() for p in str(text).split(",") if p.strip())


@dataclass(frozen=True, slots=True)
class LintInput:
    """Everything the checks look at.

    ``written`` holds every object in input order (duplicates too); ``policies``
    the NetworkPolicies that made it into ``cluster`` (first definitions), each
    with its :class:`Written`; ``texts`` each file's text (for line numbers).
    """

    cluster: Cluster
    written: tuple[Written, ...]
    policies: tuple[tuple[NetworkPolicy, Written], ...]
    texts: Mapping[str, str]

    @property
    def has_pods(self) -> bool:
        """True when the input declares pods (or workloads that make pods)."""
        return bool(self.cluster.pods)

    @property
    def has_namespaces(self) -> bool:
        """True when the input declares Namespace objects (with their labels)."""
        return any(w.decoded.kind == "Namespace" for w in self.written)

    def where(self, policy: str) -> Written | None:
        """The written form of policy ``ns/name``."""
        return next((w for p, w in self.policies if p.key == policy), None)


def _item(doc: object, base: str) -> Mapping[str, Any]:
    node: Any = doc
    for segment in split_path(base):
        if isinstance(segment, str) and isinstance(node, dict):
            node = node.get(segment)
        elif isinstance(segment, int) and isinstance(node, list):
            node = node[segment]
    return node if isinstance(node, dict) else {}


def read_written(paths: Sequence[str | Path]) -> tuple[list[Written], dict[str, str]]:
    """Decode every document of ``paths``; raise InvalidManifests listing every error."""
    written: list[Written] = []
    texts: dict[str, str] = {}
    errors: list[NetsimError] = []
    for path in expand_paths(paths):
        try:
            source, data = read_source(path)
            text = texts[source] = decode_bytes(data, source)
            documents = parse_yaml_text(text, source)
        except NetsimError as exc:
            errors.append(exc)
            continue
        for index, doc in enumerate(documents):
            if doc is None:
                continue
            try:
                for decoded in decode_document(doc, Origin(source, index)):
                    written.append(Written(decoded, _item(doc, decoded.path)))
            except ValidationError as exc:
                errors.append(exc)
    if errors:
        raise InvalidManifests(errors)
    return written, texts


def duplicates(written: Sequence[Written]) -> list[tuple[Written, Written]]:
    """(first, later) for every object whose kind, namespace and name were seen before."""
    first: dict[tuple[str, str, str], Written] = {}
    out = []
    for w in written:
        if not w.decoded.name:
            continue
        seen = first.setdefault(w.key, w)
        if seen is not w:
            out.append((seen, w))
    return out


def load_lint_input(paths: Sequence[str | Path]) -> LintInput:
    """Read ``paths`` for lint: the objects as written and the cluster of first definitions."""
    written, texts = read_written(paths)
    later = {id(w) for _, w in duplicates(written)}
    kept = [w for w in written if id(w) not in later]
    # One List of every kept object, so that the loader's workload expansion sees them all
    # together (a Deployment whose ReplicaSet and pods are present is not expanded twice).
    items = [dict(w.raw) for w in kept]
    objects = object_from_dict({"apiVersion": "v1", "kind": "List", "items": items})
    where = Origin("<input>")
    cluster = manifests_into_cluster(Manifests(tuple((where, o) for o in objects)))
    policies = [
        (cluster.policies[f"{w.decoded.namespace}/{w.decoded.name}"], w)
        for w in kept
        if w.decoded.kind == "NetworkPolicy"
    ]
    return LintInput(cluster, tuple(written), tuple(policies), texts)
