"""``kubectl create|apply|delete -f``, and ``create namespace|service``.

``-f`` takes a file, a directory (its ``.yaml``, ``.yml`` and ``.json`` files in name
order) or the Calico manifest's URL (which installs Calico: netsim has no network
access otherwise). Each document goes through netsim's manifest loader, the
apiserver's validation; kubectl stops at the first document it would refuse, after
printing the lines of those before it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from netsim.errors import NetsimError, Origin, ScenarioError, ValidationError
from netsim.model.cluster import AddressesExhausted, Object, kind_key
from netsim.model.objects import Namespace, Service
from netsim.scenario.kubectl_cli import PLURAL_RESOURCE, KubectlError, parse_flags
from netsim.scenario.kubectl_objects import admit, invalid_message
from netsim.scenario.kubectl_services import create_service_command
from netsim.scenario.kubectl_state import KubectlState

CALICO_MANIFEST_OBJECTS: tuple[str, ...] = (
    'configmap "calico-config" created',
    'daemonset "calico-etcd" created',
    'service "calico-etcd" created',
    'daemonset "calico-node" created',
    'deployment "calico-kube-controllers" created',
    'clusterrolebinding "calico-cni-plugin" created',
    'clusterrole "calico-cni-plugin" created',
    'serviceaccount "calico-cni-plugin" created',
    'clusterrolebinding "calico-kube-controllers" created',
    'clusterrole "calico-kube-controllers" created',
    'serviceaccount "calico-kube-controllers" created',
)
"""What ``kubectl apply -f .../calico.yaml`` (Calico v3.0, kubeadm hosted) prints."""
MANIFEST_FLAGS = frozenset({"filename", "namespace", "recursive"})
"""The flags of ``create|apply -f`` netsim emulates."""


def create(state: KubectlState, words: Sequence[str], where: str) -> list[str]:
    """``kubectl create service ...``, ``create namespace NAME`` or ``create -f FILE``."""
    if words[:1] in (["service"], ["svc"]):
        return create_service_command(state, words[1:], where)
    if words[:1] in (["namespace"], ["ns"]):
        args = parse_flags(words[1:], set(), where, "create")
        if len(args.positional) != 1:
            raise KubectlError(f"error: exactly one NAME is required, got {len(args.positional)}")
        name = args.positional[0]
        state.check_absent("Namespace", name)
        admit({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        state.cluster.add(Namespace(name))
        return [f'namespace "{name}" created']
    return manifest_command(state, "create", words, where)


def apply(state: KubectlState, words: Sequence[str], where: str) -> list[str]:
    """``kubectl apply -f FILE``."""
    return manifest_command(state, "apply", words, where)


def manifest_command(state: KubectlState, verb: str, words: Sequence[str], where: str) -> list[str]:
    """``kubectl create|apply -f FILE [-n NAMESPACE]`` (the words after the verb)."""
    args = parse_flags(words, MANIFEST_FLAGS, where, verb)
    if not args.has("filename") or args.positional:
        raise ScenarioError(
            f"{where}: netsim emulates `kubectl {verb} -f FILE` (and `create namespace NAME`)"
        )
    return manifest_files(state, verb, args.get("filename"), args.get("namespace"), where)


def manifest_files(
    state: KubectlState, verb: str, filename: str, namespace: str, where: str
) -> list[str]:
    """``kubectl create|apply|delete -f filename``: a file, a directory or the Calico URL."""
    if filename.startswith(("http://", "https://")):
        if verb != "delete" and filename.rsplit("/", 1)[-1] == "calico.yaml":
            state.install_cni("calico")
            return list(CALICO_MANIFEST_OBJECTS)
        raise ScenarioError(
            f"{where}: netsim has no network access: of URLs it understands "
            "only the Calico manifest (…/calico.yaml), which installs a "
            "policy-enforcing CNI"
        )
    path = state.base_dir / filename
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    elif path.is_file():
        files = [path]
    else:
        raise KubectlError(f'error: the path "{filename}" does not exist')
    lines = []
    for file in files:
        shown = filename if file == path else str(Path(filename) / file.name)
        docs = _read_documents(file, shown)
        lines += manifests(state, verb, docs, shown, namespace)
    return lines


def manifests(
    state: KubectlState, verb: str, docs: Sequence[Any], source: str, namespace: str = ""
) -> list[str]:
    """Create, apply or delete parsed manifest documents; return kubectl's lines.

    Stops at the first document kubectl would refuse, as kubectl reports it.
    """
    from netsim.model.load import object_from_dict

    lines: list[str] = []
    for index, raw in enumerate(docs):
        if raw is None:
            continue
        doc = dict(raw) if isinstance(raw, Mapping) else raw
        kind, name, doc_ns = _identity(doc)
        if isinstance(doc, dict) and namespace and kind != "Namespace":
            meta = dict(doc.get("metadata") or {})
            if doc_ns and doc_ns != namespace:
                raise KubectlError(
                    f'error: the namespace from the provided object "{doc_ns}" does not match '
                    f"the namespace \"{namespace}\". You must pass '--namespace={doc_ns}' to "
                    "perform this operation."
                )
            meta["namespace"] = namespace
            doc["metadata"] = meta
            doc_ns = namespace
        try:
            objects = object_from_dict(doc, Origin(source, index))
        except ValidationError as exc:
            if not kind or not name:
                detail = ", ".join(str(e) for e in exc.errors) or str(exc)
                raise KubectlError(f'error: error validating "{source}": {detail}') from None
            raise KubectlError(invalid_message(kind, name, exc)) from None
        resource = kind.lower()
        try:
            if verb == "delete":
                lines += _delete_objects(state, objects, resource, name, source)
            else:
                lines += _apply_objects(state, verb, objects, resource, name, source)
        except KubectlError as exc:
            lines.append(str(exc))
            raise KubectlError("\n".join(lines)) from None
    return lines


def _delete_objects(
    state: KubectlState, objects: Sequence[Object], resource: str, name: str, source: str
) -> list[str]:
    """``kubectl delete -f``: every object of one document, or NotFound for the first
    missing one (nothing deleted then)."""
    for obj in objects:
        kind, key = kind_key(obj)
        if key not in state.store(kind):
            raise KubectlError(
                f'Error from server (NotFound): error when deleting "{source}": '
                f'{PLURAL_RESOURCE[kind]} "{name}" not found'
            )
    for obj in objects:
        kind, key = kind_key(obj)
        if kind == "Namespace":
            state.remove_namespace_contents(key)
        state.cluster.delete(kind, key)
    return [f'{resource} "{name}" deleted']


def _apply_objects(
    state: KubectlState,
    verb: str,
    objects: Sequence[Object],
    resource: str,
    name: str,
    source: str,
) -> list[str]:
    """``kubectl create|apply -f``: the objects of one document; ``created``,
    ``configured`` or ``unchanged``."""
    for obj in objects:
        ns = getattr(obj, "namespace", None)
        if ns and ns not in state.cluster.namespaces:  # "" is cluster-scoped
            raise KubectlError(
                f'Error from server (NotFound): error when creating "{source}": '
                f'namespaces "{ns}" not found'
            )
    changed = False
    existed = False
    for obj in objects:
        kind, key = kind_key(obj)
        old = state.store(kind).get(key)
        if old is not None:
            existed = True
            if verb == "create":
                raise KubectlError(
                    f'Error from server (AlreadyExists): error when creating "{source}": '
                    f'{PLURAL_RESOURCE[kind]} "{name}" already exists'
                )
        if isinstance(obj, Service) and not obj.cluster_ip and obj.key in state.cluster_ips:
            obj = dataclasses.replace(obj, cluster_ip=state.cluster_ips[obj.key])
        try:
            if old is None:
                state.cluster.add(obj)
                changed = True
            else:
                _, stored = state.cluster.apply(obj)
                changed = changed or stored is not old
        except AddressesExhausted:
            raise
        except ValidationError as exc:
            raise KubectlError(invalid_message(kind, name, exc)) from None
    if not existed:
        return [f'{resource} "{name}" created']
    return [f'{resource} "{name}" {"configured" if changed else "unchanged"}']


def _identity(doc: Any) -> tuple[str, str, str]:
    """(kind, name, namespace) of a manifest, as far as it says (empty strings if not)."""
    if not isinstance(doc, Mapping):
        return "", "", ""
    meta = doc.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    kind = doc.get("kind")
    name = meta.get("name")
    namespace = meta.get("namespace")
    return (
        kind if isinstance(kind, str) else "",
        name if isinstance(name, str) else "",
        namespace if isinstance(namespace, str) else "",
    )


def _read_documents(path: Path, shown: str) -> list[Any]:
    """Parse a manifest file's YAML documents (safely, bounded) for kubectl -f."""
    from netsim.model.load import parse_yaml_text

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KubectlError(f'error: error reading "{shown}": {exc}') from None
    try:
        return list(parse_yaml_text(text, shown))
    except NetsimError as exc:
        raise KubectlError(f'error: error parsing "{shown}": {exc}') from None
