"""Loading manifests: files, directories and stdin -> validated model objects -> Cluster.

The entry points of docs/CONTRACTS.md:

- :func:`object_from_dict` validates one manifest dict and returns its objects;
- :func:`load_documents` reads paths (files; directories' ``*.yaml``, ``*.yml``
  and ``*.json``, sorted, recursive with ``recursive``, as ``kubectl apply -f DIR
  [-R]``; kustomizations as ``-k``, see :mod:`netsim.model.inputs`; ``-`` for
  stdin) into :class:`Manifests`, raising one :class:`InvalidManifests` that
  lists every error of every document;
- :func:`load_cluster` puts them into a :class:`~netsim.model.cluster.Cluster`;
- :func:`parse_yaml_text` is the safe, bounded YAML reader.

:func:`load_documents` applies objects as ``kubectl apply`` does: an object given
twice is applied twice, the last one wins (a note says ``configured``, or
``unchanged`` when both are the same). :func:`load_bytes` and :func:`check_bytes`
create them as ``kubectl create -f FILE`` does: two objects of the same kind,
namespace and name are an ``already exists`` error. Semantic errors name the line
of their field (``file:LINE (document N): Kind ns/name: path: message``). Kinds
that do not shape pod networking are skipped with one summary note; policies of
other APIs that would change verdicts are listed in ``Manifests.ignored``
(:mod:`netsim.model.ignored`). When no node is declared, the cluster gets the
nodes a real one would need (:mod:`netsim.model.sizing`). Workloads expand to their
pods, except when the snapshot already holds the pods they own (a Deployment
whose ReplicaSet is present, a ReplicaSet whose pods are present), so that
``kubectl get all -A -o yaml`` loads as the cluster it came from.
"""

from __future__ import annotations

import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from netsim.addr import Prefix, parse_ip
from netsim.errors import FieldError, LoadError, NetsimError, Origin, ValidationError
from netsim.fileio import check_named_path, list_folder, read_limited, read_stdin
from netsim.model.adminpolicy import ClusterPolicy, priority_warnings
from netsim.model.cluster import DEFAULT_POD_CIDR, DEFAULT_SERVICE_CIDR, Cluster, Object
from netsim.model.ignored import IGNORED_POLICY_KINDS, IgnoredPolicy, ignored_in
from netsim.model.inputs import expand_inputs
from netsim.model.labels import Labels
from netsim.model.manifest import (
    NO_PREFIX,
    RESOURCE_NAMES,
    Decoded,
    ListErrors,
    decode_document,
)
from netsim.model.namespacing import set_namespace
from netsim.model.objects import Namespace, Node, Pod, Service
from netsim.model.removedapi import removed_api_errors, removed_api_warning
from netsim.model.sizing import check_node_count, default_node_names, nodes_needed
from netsim.model.yamllines import lines_of
from netsim.model.yamlsafe import MAX_FILE_BYTES, decode_bytes, parse_yaml_text

__all__ = [
    "InvalidManifests",
    "Manifests",
    "check_bytes",
    "expand_paths",
    "load_bytes",
    "load_cluster",
    "load_documents",
    "object_from_dict",
    "parse_yaml_text",
    "read_source",
]

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"


@dataclass(frozen=True, slots=True)
class Manifests:
    """What a set of manifest files holds.

    ``objects`` are the model objects in document order, each with the file and
    document it came from (a workload's pods carry the workload's origin);
    ``declared`` has one entry per object as written (before expansion, skipped
    kinds included); ``notes`` say which kinds were skipped and why;
    ``warnings`` are what the apiserver would warn about (never errors);
    ``ignored`` the skipped policies that would change verdicts; ``nodes`` how many
    default nodes the cluster gets (0 when the input declares or names nodes).
    """

    objects: tuple[tuple[Origin, Object], ...] = ()
    declared: tuple[Decoded, ...] = ()
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    ignored: tuple[IgnoredPolicy, ...] = ()
    nodes: int = 0


class InvalidManifests(NetsimError):
    """Every error of every invalid document or unreadable file of one load."""

    def __init__(self, errors: Sequence[NetsimError]) -> None:
        self.errors: tuple[NetsimError, ...] = tuple(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def _flatten(errors: Iterable[NetsimError]) -> list[NetsimError]:
    out: list[NetsimError] = []
    for exc in errors:
        if isinstance(exc, ListErrors):
            out += exc.items
        elif isinstance(exc, InvalidManifests):
            out += _flatten(exc.errors)
        else:
            out.append(exc)
    return out


# ------------------------------------------------------------------- reading
def expand_paths(paths: Sequence[str | Path]) -> list[str]:
    """Files to read: files as given, a directory's manifest files sorted, ``-`` as is.

    Raises LoadError for a path that does not exist and a directory without manifests.
    """
    out: list[str] = []
    for raw in paths:
        text = str(raw)
        if text == STDIN:
            out.append(text)
            continue
        path = Path(text)
        if stat.S_ISDIR(check_named_path(text).st_mode):
            found = [
                str(p)
                for p in list_folder(path)
                if p.is_file() and p.suffix.lower() in MANIFEST_SUFFIXES
            ]
            if not found:
                raise LoadError(f"{text}: no manifest files (*.yaml, *.yml, *.json) in directory")
            out += found
        else:
            out.append(text)
    return out


def read_source(path: str | Path) -> tuple[str, bytes]:
    """Read one file (or stdin for ``-``): returns (display name, bytes); LoadError on failure.

    At most ``MAX_FILE_BYTES`` are read; devices, FIFOs and directories are refused.
    """
    text = str(path)
    if text == STDIN:
        return "<stdin>", read_stdin(MAX_FILE_BYTES)
    return text, read_limited(text, MAX_FILE_BYTES)


@dataclass(slots=True)
class _Read:
    """What one file gave: decoded objects, errors (with lines), ignored policies."""

    decoded: list[Decoded]
    errors: list[NetsimError]
    ignored: list[IgnoredPolicy]
    warnings: list[str] = field(default_factory=list)


def _decode_source(
    data: bytes | str,
    source: str,
    namespace: str = "",
    enforce: str = "",
    allow_removed: bool = False,
) -> _Read:
    """Parse and decode one file; errors of independent documents are all collected.

    ``namespace`` is a kustomization's, ``enforce`` ``-n``'s (:mod:`netsim.model.namespacing`);
    ``allow_removed`` reads removed API versions with a warning (:mod:`netsim.model.removedapi`).
    """
    try:
        text = decode_bytes(data, source) if isinstance(data, bytes) else data
        documents = parse_yaml_text(text, source)
    except NetsimError as exc:
        return _Read([], [exc], [])
    read = _Read([], [], [])
    seen_any = False
    for index, doc in enumerate(documents):
        if doc is None:
            continue
        seen_any = True
        origin = Origin(source, index)
        try:
            mismatch = set_namespace(doc, namespace, enforce)
            if mismatch:
                raise ValidationError(mismatch, origin, _ref_of(doc))
            removed = removed_api_errors(doc, source)
            if removed and not allow_removed:
                raise ValidationError(removed, origin, _ref_of(doc))
            read.warnings += [f"{origin}: {removed_api_warning(e)}" for e in removed]
            read.ignored += ignored_in(doc, origin)
            read.decoded += decode_document(doc, origin)
        except ListErrors as exc:
            read.errors += [locate(item, text) for item in exc.items]
        except ValidationError as exc:
            read.errors.append(locate(exc, text))
        except RecursionError:
            read.errors.append(LoadError(f"{origin}: nesting too deep"))
    if not seen_any:
        read.errors.append(
            LoadError(f"{source}: no objects: the input holds no Kubernetes objects")
        )
    return read


def _ref_of(doc: object) -> str:
    """``Kind ns/name`` of a raw manifest dict, for errors raised before decoding."""
    if not isinstance(doc, dict):
        return ""
    meta = doc.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    parts = [
        doc.get("kind"),
        "/".join(str(p) for p in (meta.get("namespace"), meta.get("name")) if p),
    ]
    return " ".join(str(p) for p in parts if p)


class LocatedError(ValidationError):
    """A ValidationError whose field errors carry their line in the file.

    Rendered ``file:LINE (document N): Kind ns/name: path: message``, one line per
    field error (``file (document N): ...`` when a line is unknown).
    """

    def __init__(self, exc: ValidationError, lines: Sequence[int | None]) -> None:
        self.lines = tuple(lines)
        super().__init__(exc.errors, exc.origin, exc.object_ref)

    def render(self) -> str:
        """One line per field error, with its file, line, document and object."""
        out = []
        for error, line in zip(self.errors, self.lines, strict=True):
            where = self.origin.source if self.origin else ""
            if line is not None:
                where += f":{line}"
            if self.origin is not None and self.origin.document is not None:
                where += f" (document {self.origin.document})"
            head = ": ".join(p for p in (where, self.object_ref) if p)
            out.append(f"{head}: {error}" if head else str(error))
        return "\n".join(out)


def locate(exc: ValidationError, text: str) -> ValidationError:
    """``exc`` with the line of each field error in ``text`` (the file it came from)."""
    if isinstance(exc, LocatedError) or exc.origin is None or exc.origin.document is None:
        return exc
    document = exc.origin.document
    return LocatedError(exc, lines_of(text, [(document, e.path) for e in exc.errors]))


# ----------------------------------------------------------------- assembly
def _where(first: Decoded, second: Decoded) -> str:
    if first.origin == second.origin:
        return f"{first.path} of this List"
    if first.origin.source == second.origin.source:
        return f"document {first.origin.document}"
    return str(first.origin)


def _assemble(
    decoded: list[Decoded], apply: bool = False, size: bool = False, nodes: int | None = None
) -> tuple[Manifests, list[NetsimError]]:
    """Duplicates, workload expansion and node defaults over everything loaded together.

    ``apply``: a repeated object replaces the earlier one (``kubectl apply``) instead of
    being an ``already exists`` error (``kubectl create``). ``size``: an input that
    declares and names no node gets default nodes (``nodes`` of them if given, else as
    many as its pods need); DaemonSets get a pod on each.
    """
    errors: list[NetsimError] = []
    firsts: dict[tuple[str, str, str], Decoded] = {}
    replaced: set[int] = set()
    applied: list[str] = []
    for d in decoded:
        if not d.name:
            continue
        key = (d.kind, d.namespace, d.name)
        first = firsts.get(key)
        if first is None or apply:
            if first is not None:
                replaced.add(id(first))
                same = (first.objects, first.workload) == (d.objects, d.workload)
                verb = "unchanged (the same as" if same else "configured (replaces"
                applied.append(f"{d.origin}: {d.ref}: {verb} {_where(first, d)})")
            firsts[key] = d
            continue
        resource = RESOURCE_NAMES.get(d.kind, d.kind.lower() + "s")
        path = _name_path(d)
        errors.append(
            ValidationError(
                [
                    FieldError(
                        path,
                        f'{resource} "{d.name}" already exists '
                        f"(first defined in {_where(first, d)})",
                    )
                ],
                d.origin,
                d.ref,
            )
        )
    owned = {(o.kind, d.namespace, o.name) for d in decoded for o in d.owners}
    # The Deployment controller names its ReplicaSets <deployment>-<pod-template-hash>: pods
    # owned by such a ReplicaSet belong to the Deployment even when the snapshot lacks the RS.
    owned |= {
        ("Deployment", namespace, name.rpartition("-")[0])
        for kind, namespace, name in list(owned)
        if kind == "ReplicaSet" and "-" in name
    }
    live = [d for d in decoded if id(d) not in replaced]
    node_names = sorted(obj.name for d in live for obj in d.objects if isinstance(obj, Node))
    default_nodes = 0
    if nodes is not None and node_names:
        errors.append(
            LoadError(f"--nodes {nodes}: the input declares its nodes ({', '.join(node_names)})")
        )
    elif (
        size
        and not node_names
        and not any(isinstance(o, Pod) and o.node for d in live for o in d.objects)
    ):
        try:
            default_nodes = _size(live, owned, nodes)
        except NetsimError as exc:
            errors.append(exc)
        node_names = list(default_node_names(default_nodes))
    objects: list[tuple[Origin, Object]] = []
    notes: list[str] = list(applied)
    warnings: list[str] = []
    skipped: dict[str, int] = {}
    for d in decoded:
        if d.skipped and (d.skipped.rpartition("/")[0], d.kind) not in IGNORED_POLICY_KINDS:
            skipped[d.kind] = skipped.get(d.kind, 0) + 1
        if id(d) in replaced:
            continue
        objects += [(d.origin, obj) for obj in d.objects]
        if d.workload is not None:
            workload = d.workload
            if (workload.kind, workload.namespace, workload.name) in owned:
                notes.append(
                    f"{d.origin}: {d.ref}: not expanded: the input already holds what it owns"
                )
            else:
                objects += [(d.origin, pod) for pod in workload.pods(tuple(node_names))]
        if d.note and not d.skipped:
            notes.append(d.note)
        warnings += [f"{d.origin}: {d.ref}: Warning: {w}" for w in d.warnings]
    warnings += priority_warnings(o for _, o in objects if isinstance(o, ClusterPolicy))
    if skipped:
        notes.append(skipped_note(skipped))
    objects = _default_nodes(objects)
    manifests = Manifests(
        tuple(objects), tuple(decoded), tuple(notes), tuple(warnings), nodes=default_nodes
    )
    return manifests, errors


def skipped_note(counts: dict[str, int]) -> str:
    """The one note for every skipped object: how many, of which kinds."""
    total = sum(counts.values())
    kinds = ", ".join(f"{kind} ({n})" for kind, n in sorted(counts.items()))
    return (
        f"skipped {total} object{'s' if total != 1 else ''} of kinds netsim does not "
        f"simulate (they do not shape pod networking): {kinds}"
    )


def _size(live: list[Decoded], owned: set[tuple[str, str, str]], nodes: int | None) -> int:
    """How many default nodes: ``nodes`` if given, else what the pods need (110 per node)."""
    if nodes is not None:
        check_node_count(nodes)
        return nodes
    pods = sum(1 for d in live for o in d.objects if isinstance(o, Pod))
    daemonsets = 0
    for d in live:
        w = d.workload
        if w is None or (w.kind, w.namespace, w.name) in owned:
            continue
        if w.kind == "DaemonSet":
            daemonsets += 1
        else:
            pods += w.replicas
    return nodes_needed(pods, daemonsets)


def _default_nodes(objects: list[tuple[Origin, Object]]) -> list[tuple[Origin, Object]]:
    """Give Node manifests without a pod CIDR or InternalIP the defaults, skipping used ones."""
    used = {
        obj.pod_cidr for _, obj in objects if isinstance(obj, Node) and obj.pod_cidr != NO_PREFIX
    }
    used_ips = {obj.ip for _, obj in objects if isinstance(obj, Node) and obj.ip}
    n = 0
    out: list[tuple[Origin, Object]] = []
    for origin, obj in objects:
        if isinstance(obj, Node) and (obj.pod_cidr == NO_PREFIX or not obj.ip):
            cidr, ip = obj.pod_cidr, obj.ip
            if cidr == NO_PREFIX:
                n, cidr = _next_cidr(n, used)
                used.add(cidr)
            if not ip:
                ip = _next_node_ip(used_ips)
                used_ips.add(ip)
            obj = replace(obj, pod_cidr=cidr, ip=ip)
        out.append((origin, obj))
    return out


def _next_cidr(n: int, used: set[Prefix]) -> tuple[int, Prefix]:
    base = Prefix.parse(DEFAULT_POD_CIDR)
    while True:
        n += 1
        cidr = Prefix(base.version, base.network + (n << 8), 24)
        if not any(u.contains(cidr) or cidr.contains(u) for u in used):
            return n, cidr


def _next_node_ip(used: set[str]) -> str:
    n = 2
    while f"172.18.0.{n}" in used:
        n += 1
    return f"172.18.0.{n}"


# ------------------------------------------------------------------- public
def object_from_dict(doc: dict[str, object], origin: Origin | None = None) -> list[Object]:
    """Validate one manifest (apiserver rules) and return its model objects.

    A Deployment (ReplicaSet, StatefulSet, ...) gives its replica pods; a
    ``List`` gives its items' objects; a skipped kind gives nothing. Raises
    ValidationError listing every error of the document.
    """
    decoded = decode_document(doc, origin or Origin("<object>"))
    manifests, errors = _assemble(decoded)
    if errors:
        raise errors[0]
    return [obj for _, obj in manifests.objects]


def check_bytes(
    data: bytes | str,
    source: str,
    namespace: str = "",
    enforce: str = "",
    apply: bool = False,
    allow_removed: bool = False,
) -> tuple[Manifests, tuple[NetsimError, ...]]:
    """Load one file's content leniently: the valid documents, and every error instead of raising.

    For reporting (``netsim validate``): ``declared`` lists only the documents
    that are valid; the errors are flattened, one per invalid document or file.
    ``namespace`` is a kustomization's namespace, ``enforce`` the ``-n`` namespace;
    ``apply`` applies repeated objects in order instead of ``already exists``;
    ``allow_removed`` reads removed API versions with a warning.
    """
    read = _decode_source(data, source, namespace, enforce, allow_removed)
    manifests, more = _assemble(read.decoded, apply=apply)
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    more = [locate(e, text) if isinstance(e, ValidationError) else e for e in more]
    errors = read.errors + more
    failed = {(e.origin, e.errors[0].path) for e in more if isinstance(e, ValidationError)}
    good = tuple(d for d in manifests.declared if (d.origin, _name_path(d)) not in failed)
    manifests = replace(
        manifests,
        declared=good,
        ignored=tuple(read.ignored),
        warnings=(*read.warnings, *manifests.warnings),
    )
    return manifests, tuple(_flatten(errors))


def _name_path(d: Decoded) -> str:
    return f"{d.path}.metadata.name" if d.path else "metadata.name"


def load_bytes(data: bytes | str, source: str) -> Manifests:
    """Load one file's content (named ``source`` in messages) as :func:`load_documents` does."""
    read = _decode_source(data, source)
    manifests, more = _assemble(read.decoded)
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    errors = read.errors + [locate(e, text) if isinstance(e, ValidationError) else e for e in more]
    if errors:
        raise InvalidManifests(_flatten(errors))
    return replace(manifests, ignored=tuple(read.ignored))


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """How a command line reads its manifests, as kubectl's flags say.

    ``recursive`` is ``-R``, ``kustomize`` the ``-k`` directories, ``namespace`` is
    ``-n`` (fills in missing namespaces, refuses different ones), ``nodes`` is
    ``--nodes`` (how many nodes an input without Node objects gets),
    ``allow_removed_apis`` is ``--allow-removed-apis`` (read removed API versions, warn).
    """

    recursive: bool = False
    kustomize: tuple[str, ...] = ()
    namespace: str = ""
    nodes: int | None = None
    allow_removed_apis: bool = False


def load_documents(paths: Sequence[str | Path], options: LoadOptions | None = None) -> Manifests:
    """Read and validate every manifest of ``paths`` (files, directories, ``-``).

    Objects are applied in order as ``kubectl apply`` does (the last of a repeated
    object wins). Raises :class:`InvalidManifests` listing every error when any file
    is unreadable or any document invalid.
    """
    options = options or LoadOptions()
    inputs, errors = expand_inputs(paths, options.recursive, options.kustomize)
    decoded: list[Decoded] = []
    ignored: list[IgnoredPolicy] = []
    warnings: list[str] = []
    texts: dict[str, bytes] = {}
    for item in inputs:
        try:
            source, data = read_source(item.path)
        except LoadError as exc:
            errors.append(exc)
            continue
        texts[source] = data
        read = _decode_source(
            data, source, item.namespace, options.namespace, options.allow_removed_apis
        )
        decoded += read.decoded
        errors += read.errors
        ignored += read.ignored
        warnings += read.warnings
    manifests, more = _assemble(decoded, apply=True, size=True, nodes=options.nodes)
    for problem in more:
        origin = problem.origin if isinstance(problem, ValidationError) else None
        if isinstance(problem, ValidationError) and origin and origin.source in texts:
            problem = locate(problem, texts[origin.source].decode("utf-8", "replace"))
        errors.append(problem)
    if errors:
        raise InvalidManifests(_flatten(errors))
    return replace(manifests, ignored=tuple(ignored), warnings=(*warnings, *manifests.warnings))


def load_cluster(
    paths: Sequence[str | Path], cluster: Cluster | None = None, options: LoadOptions | None = None
) -> Cluster:
    """Load manifests into a Cluster (a new one unless given) and return it.

    Namespaces are created first, then namespaces that objects use but no
    manifest declares, then nodes (also those that pods name in
    ``spec.nodeName`` but no manifest declares), then everything else in
    document order, so pod and Service IPs follow the files. A new Cluster's
    service range holds the ClusterIPs a snapshot carries (see ``_service_cidr``).
    """
    return manifests_into_cluster(load_documents(paths, options), cluster)


def manifests_into_cluster(manifests: Manifests, cluster: Cluster | None = None) -> Cluster:
    """Add loaded manifests' objects to a Cluster in the order :func:`load_cluster` documents.

    A cluster without nodes first gets the ``manifests.nodes`` default nodes.
    """
    cluster = cluster if cluster is not None else Cluster(service_cidr=_service_cidr(manifests))
    if not cluster.nodes:
        for _ in range(manifests.nodes):
            cluster.add_default_node()
    refs = {id(obj): d for d in manifests.declared for obj in d.objects}
    ordered = sorted(
        manifests.objects,
        key=lambda item: (
            0 if isinstance(item[1], Namespace) else 1 if isinstance(item[1], Node) else 2
        ),
    )
    used_namespaces = sorted(
        {
            ns
            for _, obj in manifests.objects
            if not isinstance(obj, Namespace | Node) and (ns := obj.namespace)
        }
    )
    declared_ns = [item for item in ordered if isinstance(item[1], Namespace)]
    nodes = [item for item in ordered if isinstance(item[1], Node)]
    rest = [item for item in ordered if not isinstance(item[1], Namespace | Node)]
    for origin, obj in declared_ns:
        _add(cluster, obj, origin, refs)
    for name in used_namespaces:
        cluster.ensure_namespace(name)
    written = {
        (d.origin, obj.name): obj
        for d in manifests.declared
        for obj in d.objects
        if isinstance(obj, Node)
    }
    for origin, obj in nodes:
        assert isinstance(obj, Node)
        original = written.get((origin, obj.name), obj)
        if original.pod_cidr == NO_PREFIX or not original.ip:
            # Defaults were picked without this cluster's nodes; pick again beside them.
            obj = _default_node(cluster, obj.name, original)
        _add(cluster, obj, origin, refs)
    for name in sorted({o.node for _, o in rest if isinstance(o, Pod) and o.node}):
        if name not in cluster.nodes:
            cluster.add(_default_node(cluster, name))
    for origin, obj in rest:
        _add(cluster, obj, origin, refs)
    return cluster


MAX_SERVICE_CIDR_LENGTH = 12
"""The widest IPv4 service range the apiserver accepts (at most 2^20 addresses)."""


def _service_cidr(manifests: Manifests) -> Prefix:
    """The new cluster's service range: the default, or one holding a snapshot's ClusterIPs.

    A snapshot of a real cluster carries the ClusterIPs that cluster assigned
    (kind and kubeadm use 10.96.0.0/12, not netsim's 10.100.0.0/16); the
    range is the default's length (or shorter, down to /12) around them.
    """
    default = Prefix.parse(DEFAULT_SERVICE_CIDR)
    ips = [
        parse_ip(obj.cluster_ip)
        for _, obj in manifests.objects
        if isinstance(obj, Service) and obj.cluster_ip and obj.cluster_ip != "None"
    ]
    if all(default.contains_ip(version, value) for version, value in ips):
        return default
    if any(version != 4 for version, _ in ips):
        return default  # the apiserver's own range error will say what is wrong
    for length in range(default.length, MAX_SERVICE_CIDR_LENGTH - 1, -1):
        mask = ((1 << length) - 1) << (32 - length)
        candidate = Prefix(4, ips[0][1] & mask, length)
        if all(candidate.contains_ip(4, value) for _, value in ips):
            return candidate
    return default


def _add(cluster: Cluster, obj: Object, origin: Origin, refs: dict[int, Decoded]) -> None:
    try:
        cluster.add(obj)
    except ValidationError as exc:
        declared = refs.get(id(obj))
        ref = declared.ref if declared else f"{type(obj).__name__} {getattr(obj, 'key', '')}"
        raise ValidationError(exc.errors, origin, ref.strip()) from None


def _default_node(cluster: Cluster, name: str, written: Node | None = None) -> Node:
    """A node with the next default addresses free in ``cluster``.

    For a node that pods name but no manifest declares, or the missing
    addresses of a Node manifest (``written``) without podCIDR or InternalIP.
    """
    cidr = written.pod_cidr if written is not None else NO_PREFIX
    ip = written.ip if written is not None else ""
    if cidr == NO_PREFIX:
        _, cidr = _next_cidr(0, {node.pod_cidr for node in cluster.nodes.values()})
    if not ip:
        ip = _next_node_ip({node.ip for node in cluster.nodes.values()})
    return Node(name, ip, cidr, written.labels if written is not None else Labels())
