"""One manifest document -> validated, defaulted model objects.

This is where camelCase becomes snake_case. Decoding is strict, as kubectl's
default server-side field validation is: an unknown field is an error at its
path, and so is a value of the wrong type (where Go's JSON decoder would say
"cannot unmarshal"). Then the apiserver's validation runs (see
:mod:`netsim.model.validate`) and every error of the document is collected.
Defaulting follows the apiserver: namespace ``default``, protocol ``TCP``,
``policyTypes`` ``[Ingress]`` plus ``Egress`` when there are egress rules,
Service ``targetPort`` = ``port``, Deployment ``replicas`` 1.

Fields that do not shape the network (volumes, probes, resources, ...) are
accepted by name and not inspected further.
"""

from __future__ import annotations

import difflib
import hashlib
import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from netsim.addr import Prefix
from netsim.errors import FieldError, Origin, ValidationError
from netsim.model import objectmeta
from netsim.model import validate as v
from netsim.model.cluster import Object
from netsim.model.labels import Labels, LabelSelector, Requirement
from netsim.model.netpol import IPBlock, NetworkPolicy, PolicyPeer, PolicyPort, PolicyRule
from netsim.model.objects import ContainerPort, Namespace, Node, Pod, Service, ServicePort

DEFAULT_NAMESPACE = "default"
"""The namespace kubectl fills in when a namespaced manifest has none."""

MODELLED_KINDS: dict[str, tuple[str, ...]] = {
    "Namespace": ("v1",),
    "Pod": ("v1",),
    "Service": ("v1",),
    "Node": ("v1",),
    "NetworkPolicy": ("networking.k8s.io/v1", "extensions/v1beta1"),
    "Deployment": ("apps/v1", "extensions/v1beta1", "apps/v1beta1", "apps/v1beta2"),
    "ReplicaSet": ("apps/v1", "extensions/v1beta1", "apps/v1beta2"),
    "StatefulSet": ("apps/v1", "apps/v1beta1", "apps/v1beta2"),
    "DaemonSet": ("apps/v1", "extensions/v1beta1", "apps/v1beta2"),
    "ReplicationController": ("v1",),
    "AdminNetworkPolicy": ("policy.networking.k8s.io/v1alpha1",),
    "BaselineAdminNetworkPolicy": ("policy.networking.k8s.io/v1alpha1",),
    "ClusterNetworkPolicy": ("policy.networking.k8s.io/v1alpha2",),
}
"""Kinds that shape the network, with the apiVersions that serve (or served) them."""

SKIPPED_KINDS: dict[str, tuple[str, ...]] = {
    "ConfigMap": ("v1",),
    "Secret": ("v1",),
    "ServiceAccount": ("v1",),
    "Endpoints": ("v1",),
    "Event": ("v1", "events.k8s.io/v1", "events.k8s.io/v1beta1"),
    "LimitRange": ("v1",),
    "ResourceQuota": ("v1",),
    "PersistentVolume": ("v1",),
    "PersistentVolumeClaim": ("v1",),
    "PodTemplate": ("v1",),
    "ComponentStatus": ("v1",),
    "Binding": ("v1",),
    "EndpointSlice": ("discovery.k8s.io/v1", "discovery.k8s.io/v1beta1"),
    "Ingress": ("networking.k8s.io/v1", "networking.k8s.io/v1beta1", "extensions/v1beta1"),
    "IngressClass": ("networking.k8s.io/v1", "networking.k8s.io/v1beta1"),
    "IPAddress": ("networking.k8s.io/v1", "networking.k8s.io/v1beta1"),
    "ServiceCIDR": ("networking.k8s.io/v1", "networking.k8s.io/v1beta1"),
    "Job": ("batch/v1",),
    "CronJob": ("batch/v1", "batch/v1beta1"),
    "ControllerRevision": ("apps/v1",),
    "HorizontalPodAutoscaler": ("autoscaling/v1", "autoscaling/v2", "autoscaling/v2beta2"),
    "PodDisruptionBudget": ("policy/v1", "policy/v1beta1"),
    "Role": ("rbac.authorization.k8s.io/v1",),
    "RoleBinding": ("rbac.authorization.k8s.io/v1",),
    "ClusterRole": ("rbac.authorization.k8s.io/v1",),
    "ClusterRoleBinding": ("rbac.authorization.k8s.io/v1",),
    "StorageClass": ("storage.k8s.io/v1",),
    "CSIDriver": ("storage.k8s.io/v1",),
    "CSINode": ("storage.k8s.io/v1",),
    "VolumeAttachment": ("storage.k8s.io/v1",),
    "PriorityClass": ("scheduling.k8s.io/v1",),
    "RuntimeClass": ("node.k8s.io/v1",),
    "Lease": ("coordination.k8s.io/v1",),
    "CustomResourceDefinition": ("apiextensions.k8s.io/v1",),
    "APIService": ("apiregistration.k8s.io/v1",),
    "MutatingWebhookConfiguration": ("admissionregistration.k8s.io/v1",),
    "ValidatingWebhookConfiguration": ("admissionregistration.k8s.io/v1",),
    "ValidatingAdmissionPolicy": ("admissionregistration.k8s.io/v1",),
    "ValidatingAdmissionPolicyBinding": ("admissionregistration.k8s.io/v1",),
    "CertificateSigningRequest": ("certificates.k8s.io/v1",),
    "FlowSchema": ("flowcontrol.apiserver.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1beta3"),
    "PriorityLevelConfiguration": (
        "flowcontrol.apiserver.k8s.io/v1",
        "flowcontrol.apiserver.k8s.io/v1beta3",
    ),
}
"""Real kinds that netsim does not simulate: skipped with a one-line note."""

CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "ComponentStatus",
        "IngressClass",
        "IPAddress",
        "ServiceCIDR",
        "ClusterRole",
        "ClusterRoleBinding",
        "StorageClass",
        "CSIDriver",
        "CSINode",
        "VolumeAttachment",
        "PriorityClass",
        "RuntimeClass",
        "CustomResourceDefinition",
        "APIService",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "CertificateSigningRequest",
        "FlowSchema",
        "PriorityLevelConfiguration",
        "AdminNetworkPolicy",
        "BaselineAdminNetworkPolicy",
        "ClusterNetworkPolicy",
    }
)

_BUILTIN_GROUPS = frozenset({"", "apps", "batch", "extensions", "policy", "autoscaling"})

RESOURCE_NAMES: dict[str, str] = {
    "Namespace": "namespaces",
    "Node": "nodes",
    "Pod": "pods",
    "Service": "services",
    "NetworkPolicy": "networkpolicies.networking.k8s.io",
    "Deployment": "deployments.apps",
    "ReplicaSet": "replicasets.apps",
    "StatefulSet": "statefulsets.apps",
    "DaemonSet": "daemonsets.apps",
    "ReplicationController": "replicationcontrollers",
}

WORKLOAD_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController")

_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
"""``k8s.io/apimachinery/pkg/util/rand``'s alphabet for generated name parts."""

# ----------------------------------------------------------------- schemas
_META_FIELDS = frozenset(
    {
        "name",
        "generateName",
        "namespace",
        "selfLink",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "labels",
        "annotations",
        "ownerReferences",
        "finalizers",
        "managedFields",
        "clusterName",
    }
)
_OWNER_REF_FIELDS = frozenset(
    {"apiVersion", "kind", "name", "uid", "controller", "blockOwnerDeletion"}
)
_POD_SPEC_FIELDS = frozenset(
    {
        "volumes",
        "initContainers",
        "containers",
        "ephemeralContainers",
        "restartPolicy",
        "terminationGracePeriodSeconds",
        "activeDeadlineSeconds",
        "dnsPolicy",
        "nodeSelector",
        "serviceAccountName",
        "serviceAccount",
        "automountServiceAccountToken",
        "nodeName",
        "hostNetwork",
        "hostPID",
        "hostIPC",
        "shareProcessNamespace",
        "securityContext",
        "imagePullSecrets",
        "hostname",
        "subdomain",
        "affinity",
        "schedulerName",
        "tolerations",
        "hostAliases",
        "priorityClassName",
        "priority",
        "dnsConfig",
        "readinessGates",
        "runtimeClassName",
        "enableServiceLinks",
        "preemptionPolicy",
        "overhead",
        "topologySpreadConstraints",
        "setHostnameAsFQDN",
        "os",
        "hostUsers",
        "schedulingGates",
        "resourceClaims",
        "resources",
        "hostnameOverride",
    }
)
_CONTAINER_FIELDS = frozenset(
    {
        "name",
        "image",
        "command",
        "args",
        "workingDir",
        "ports",
        "envFrom",
        "env",
        "resources",
        "resizePolicy",
        "restartPolicy",
        "restartPolicyRules",
        "volumeMounts",
        "volumeDevices",
        "livenessProbe",
        "readinessProbe",
        "startupProbe",
        "lifecycle",
        "terminationMessagePath",
        "terminationMessagePolicy",
        "imagePullPolicy",
        "securityContext",
        "stdin",
        "stdinOnce",
        "tty",
        "targetContainerName",
    }
)
_CONTAINER_PORT_FIELDS = frozenset({"name", "hostPort", "containerPort", "protocol", "hostIP"})
_SERVICE_SPEC_FIELDS = frozenset(
    {
        "ports",
        "selector",
        "clusterIP",
        "clusterIPs",
        "type",
        "externalIPs",
        "sessionAffinity",
        "loadBalancerIP",
        "loadBalancerSourceRanges",
        "externalName",
        "externalTrafficPolicy",
        "healthCheckNodePort",
        "publishNotReadyAddresses",
        "sessionAffinityConfig",
        "ipFamilies",
        "ipFamilyPolicy",
        "allocateLoadBalancerNodePorts",
        "loadBalancerClass",
        "internalTrafficPolicy",
        "trafficDistribution",
    }
)
_SERVICE_PORT_FIELDS = frozenset(
    {"name", "protocol", "appProtocol", "port", "targetPort", "nodePort"}
)
_NODE_SPEC_FIELDS = frozenset(
    {"podCIDR", "podCIDRs", "providerID", "unschedulable", "taints", "configSource", "externalID"}
)
_WORKLOAD_SPEC_FIELDS = frozenset(
    {
        "replicas",
        "selector",
        "template",
        "strategy",
        "minReadySeconds",
        "revisionHistoryLimit",
        "paused",
        "progressDeadlineSeconds",
        "rollbackTo",
        "serviceName",
        "volumeClaimTemplates",
        "podManagementPolicy",
        "updateStrategy",
        "persistentVolumeClaimRetentionPolicy",
        "ordinals",
        "templateGeneration",
    }
)
_TOP_FIELDS = frozenset({"apiVersion", "kind", "metadata", "spec", "status"})


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return type(value).__name__


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


# ------------------------------------------------------------------ reader
@dataclass
class _Reader:
    """Collects the field errors and warnings of one document while reading it."""

    errors: list[FieldError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def type_error(self, path: str, value: object, want: str) -> None:
        self.errors.append(
            FieldError(
                path,
                f"Invalid type: expected {want}, got {_json_type(value)}"
                + (f" {v.go_value(value)}" if isinstance(value, str | int | float) else "")
                + " (the value cannot be decoded into this field)",
            )
        )

    def mapping(
        self, value: object, path: str, fields: frozenset[str] | None, want: str = "object"
    ) -> dict[str, Any] | None:
        """A JSON object; with ``fields``, any other key is an ``unknown field`` error."""
        if value is None:
            return None
        if not isinstance(value, dict):
            self.type_error(path, value, want)
            return None
        good: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                self.errors.append(
                    FieldError(path, f"Invalid type: object keys must be strings, got {key!r}")
                )
            elif fields is not None and key not in fields:
                child = _join(path, key)
                self.errors.append(FieldError(child, f'unknown field "{child}"'))
            else:
                good[key] = item
        return good

    def array(self, value: object, path: str) -> list[Any]:
        """A JSON array (null is an empty one)."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.type_error(path, value, "array")
            return []
        return value

    def string(self, value: object, path: str) -> str | None:
        """A string (null is absent)."""
        if value is None or isinstance(value, str):
            return value
        self.type_error(path, value, "string")
        return None

    def integer(self, value: object, path: str) -> int | None:
        """An integer; YAML ``80.0`` is one too (YAML->JSON writes it ``80``), ``80.5`` is not."""
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.type_error(path, value, "integer")
            return None
        if not -(2**63) <= value < 2**63:
            self.errors.append(v.invalid(path, value, "integer out of range"))
            return None
        return value

    def int32(self, value: object, path: str) -> int | None:
        """An int32 field (ports, replicas)."""
        number = self.integer(value, path)
        if number is not None and not -(2**31) <= number < 2**31:
            self.type_error(path, value, "32-bit integer")
            return None
        return number

    def boolean(self, value: object, path: str) -> bool | None:
        """A boolean (null is absent)."""
        if value is None or isinstance(value, bool):
            return value
        self.type_error(path, value, "boolean")
        return None

    def int_or_string(self, value: object, path: str) -> int | str | None:
        """An IntOrString: an int32, or a string (a quoted number is a string)."""
        if value is None or isinstance(value, str):
            return value
        return self.int32(value, path)

    def string_map(self, value: object, path: str) -> dict[str, str]:
        """A map[string]string (null values are empty strings, as Go decodes them)."""
        raw = self.mapping(value, path, None)
        out: dict[str, str] = {}
        for key, item in (raw or {}).items():
            if item is None:
                out[key] = ""
            elif isinstance(item, str):
                out[key] = item
            else:
                self.type_error(_join(path, key), item, "string")
        return out

    def string_list(self, value: object, path: str) -> list[str]:
        """A []string."""
        out: list[str] = []
        for i, item in enumerate(self.array(value, path)):
            text = self.string(item, f"{path}[{i}]")
            out.append(text if text is not None else "")
        return out


# ----------------------------------------------------------------- results
@dataclass(frozen=True, slots=True)
class OwnerRef:
    """A controller reference from ``metadata.ownerReferences`` (kind and name)."""

    kind: str
    name: str


@dataclass(frozen=True, slots=True)
class Workload:
    """A Deployment/ReplicaSet/StatefulSet/DaemonSet/ReplicationController and its pod template.

    ``pods(count)`` gives the replica pods; the loader decides whether to expand
    (not when the snapshot already holds pods the workload owns).
    """

    kind: str
    namespace: str
    name: str
    replicas: int
    template: Pod
    template_hash: str

    @property
    def owner(self) -> str:
        """``Kind/name``, the value of the generated pods' ``owner``."""
        return f"{self.kind}/{self.name}"

    def pods(self, nodes: tuple[str, ...] = ()) -> list[Pod]:
        """The pods the controller would create, named as the controller names them.

        Deployment: ``<name>-<pod-template-hash>-<5 chars>``; ReplicaSet,
        ReplicationController, DaemonSet: ``<name>-<5 chars>``; StatefulSet:
        ``<name>-<ordinal>``. A DaemonSet gets one pod per node in ``nodes``
        (one unplaced pod if there are none). Everything is derived from hashes
        of the names, so the same manifest always gives the same pods.
        """
        base = self.template
        if self.kind == "StatefulSet":
            return [
                Pod(
                    name=f"{self.name}-{i}",
                    namespace=self.namespace,
                    labels=base.labels.with_label(
                        "statefulset.kubernetes.io/pod-name", f"{self.name}-{i}"
                    ).with_label("apps.kubernetes.io/pod-index", str(i)),
                    node=base.node,
                    container_ports=base.container_ports,
                    host_network=base.host_network,
                    owner=self.owner,
                    image=base.image,
                )
                for i in range(self.replicas)
            ]
        if self.kind == "Deployment":
            prefix = f"{self.name}-{self.template_hash}-"
            labels = base.labels.with_label("pod-template-hash", self.template_hash)
        else:
            prefix = f"{self.name}-"
            labels = base.labels
        placements: list[str] = list(nodes) if self.kind == "DaemonSet" else []
        count = (len(placements) or 1) if self.kind == "DaemonSet" else self.replicas
        pods: list[Pod] = []
        used: set[str] = set()
        for i in range(count):
            attempt = 0
            while True:
                suffix = _safe_encode(
                    hashlib.sha256(f"{prefix}|{i}|{attempt}".encode()).digest(), 5
                )
                if suffix not in used:
                    break
                attempt += 1
            used.add(suffix)
            pods.append(
                Pod(
                    name=prefix + suffix,
                    namespace=self.namespace,
                    labels=labels,
                    node=placements[i] if placements else base.node,
                    container_ports=base.container_ports,
                    host_network=base.host_network,
                    owner=self.owner,
                    image=base.image,
                )
            )
        return pods


@dataclass(frozen=True, slots=True)
class Decoded:
    """One decoded manifest object (a ``List`` gives one per item).

    ``objects`` are the model objects (empty for a skipped kind or a workload,
    whose pods the loader makes from ``workload``); ``note`` says why a kind was
    skipped (``skipped`` holds such a kind's apiVersion); ``owners`` are a pod's or
    ReplicaSet's controller references.
    """

    origin: Origin
    path: str
    kind: str
    namespace: str
    name: str
    objects: tuple[Object, ...] = ()
    workload: Workload | None = None
    owners: tuple[OwnerRef, ...] = ()
    note: str = ""
    warnings: tuple[str, ...] = ()
    skipped: str = ""
    """For a kind netsim does not read: its apiVersion (the object is skipped)."""

    @property
    def ref(self) -> str:
        """``Kind ns/name`` (``Kind name`` when cluster-scoped), as error messages name it."""
        if not self.name:
            return self.kind
        key = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {key}"


def _safe_encode(data: bytes, length: int) -> str:
    return "".join(_SAFE_ALPHABET[b % len(_SAFE_ALPHABET)] for b in data[:length])


def fnv32a(data: bytes) -> int:
    """The FNV-1a 32-bit hash (what the Deployment controller hashes templates with)."""
    h = 0x811C9DC5
    for byte in data:
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def template_hash(namespace: str, name: str) -> str:
    """A ``pod-template-hash``-shaped value derived from the Deployment's name.

    Like the controller's ``rand.SafeEncodeString(fmt.Sprint(fnv32a(...)))``;
    netsim hashes ``namespace/name`` so a name always gives the same pods.
    """
    return "".join(
        _SAFE_ALPHABET[ord(c) % len(_SAFE_ALPHABET)]
        for c in str(fnv32a(f"{namespace}/{name}".encode()))
    )


# ----------------------------------------------------------------- decoding
def _prefix(base: str, path: str) -> str:
    if not base:
        return path
    return f"{base}.{path}" if path else base


def decode_document(doc: object, origin: Origin, base: str = "") -> list[Decoded]:
    """Decode one document (a ``List`` gives its items); raise ValidationError with all errors.

    ``base`` prefixes every field path (``items[3]`` for an item of a List).
    """
    r = _Reader()
    top = r.mapping(doc, base, None, want="object (a Kubernetes object)")
    if top is None:
        if not r.errors:
            r.errors.append(FieldError(base, "Required value: a Kubernetes object"))
        raise ValidationError(r.errors, origin)
    api_version = r.string(top.get("apiVersion"), _prefix(base, "apiVersion"))
    kind = r.string(top.get("kind"), _prefix(base, "kind"))
    if kind == "" or (kind is None and not r.errors):
        r.errors.append(v.required(_prefix(base, "kind")))
    if not api_version and not r.errors:
        r.errors.append(v.required(_prefix(base, "apiVersion")))
    if r.errors or not kind or not api_version:
        raise ValidationError(r.errors, origin, _ref_guess(top, kind))
    if kind == "List" or (kind.endswith("List") and kind[:-4] in MODELLED_KINDS):
        return _decode_list(r, top, kind, api_version, origin, base)
    _check_kind(r, kind, api_version, base)
    if r.errors:
        raise ValidationError(r.errors, origin, _ref_guess(top, kind))
    if kind not in MODELLED_KINDS or foreign_group(api_version):
        return [_skipped(top, kind, api_version, origin, base)]
    r.mapping(top, base, _TOP_FIELDS)
    namespaced = kind not in CLUSTER_SCOPED
    meta = _metadata(r, top.get("metadata"), _prefix(base, "metadata"), kind, namespaced)
    decoder = _DECODERS[kind]
    decoded = decoder(r, top, meta, api_version, origin, base)
    if r.errors:
        raise ValidationError(r.errors, origin, decoded.ref)
    return [decoded]


def _ref_guess(top: Mapping[str, Any], kind: str | None) -> str:
    meta = top.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    namespace = meta.get("namespace") if isinstance(meta, dict) else None
    parts = [kind or ""]
    if isinstance(name, str) and name:
        if kind not in CLUSTER_SCOPED:
            ns = namespace if isinstance(namespace, str) and namespace else DEFAULT_NAMESPACE
            parts.append(f"{ns}/{name}")
        else:
            parts.append(name)
    return " ".join(p for p in parts if p)


def _decode_list(
    r: _Reader, top: dict[str, Any], kind: str, api_version: str, origin: Origin, base: str
) -> list[Decoded]:
    r.mapping(top, base, frozenset({"apiVersion", "kind", "metadata", "items"}))
    items = r.array(top.get("items"), _prefix(base, "items"))
    if r.errors:
        raise ValidationError(r.errors, origin, kind)
    item_kind = kind[:-4] if kind != "List" else ""
    out: list[Decoded] = []
    errors: list[ValidationError] = []
    for i, item in enumerate(items):
        path = _prefix(base, f"items[{i}]")
        if isinstance(item, dict):
            if item_kind:
                item = {"kind": item_kind, "apiVersion": api_version, **item}
            inner = item.get("kind")
            if isinstance(inner, str) and (
                inner == "List" or (inner.endswith("List") and inner[:-4] in MODELLED_KINDS)
            ):
                errors.append(
                    ValidationError(
                        [v.invalid(_prefix(path, "kind"), inner, "a List may not be nested")],
                        origin,
                    )
                )
                continue
        try:
            out += decode_document(item, origin, path)
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise ListErrors(errors)
    return out


class ListErrors(ValidationError):
    """The errors of several items of one ``kind: List`` document."""

    def __init__(self, errors: list[ValidationError]) -> None:
        self.items = tuple(errors)
        flat = [e for exc in errors for e in exc.errors]
        super().__init__(flat, errors[0].origin if errors else None)

    def render(self) -> str:
        """One line per field error of every failing item."""
        return "\n".join(exc.render() for exc in getattr(self, "items", ()))


NEAR_MISS_CUTOFF = 0.8
"""How close (difflib ratio) an unknown kind must be to one netsim reads to be called a typo."""

_KIND_SHAPE = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_VERSION_SHAPE = re.compile(r"v[0-9]+((alpha|beta)[0-9]+)?")


def foreign_group(api_version: str) -> bool:
    """True when ``api_version``'s group is not Kubernetes' own (a custom resource's group)."""
    group = api_version.rpartition("/")[0] if "/" in api_version else ""
    return not (group in _BUILTIN_GROUPS or group.endswith(".k8s.io"))


def _check_kind(r: _Reader, kind: str, api_version: str, base: str) -> None:
    """Malformed kinds and apiVersions, typos of kinds netsim reads, retired versions.

    An unknown kind is not an error: it is skipped (a custom resource, Gateway API,
    RBAC, ...). Only a kind close to one netsim reads (``NetworkPolcy``) gets kubectl's
    ``no matches for kind`` with a "did you mean".
    """
    group, _, version = api_version.rpartition("/")
    if not _KIND_SHAPE.fullmatch(kind):
        r.errors.append(
            v.invalid(_prefix(base, "kind"), kind, "a kind is a CamelCase name such as Pod")
        )
        return
    if api_version.count("/") > 1 or (group == "" and "/" in api_version) or not version:
        r.errors.append(
            v.invalid(_prefix(base, "apiVersion"), api_version, "expected VERSION or GROUP/VERSION")
        )
        return
    if foreign_group(api_version):
        return
    served = MODELLED_KINDS.get(kind) or SKIPPED_KINDS.get(kind)
    if served is None:
        close = difflib.get_close_matches(kind, list(MODELLED_KINDS), 1, NEAR_MISS_CUTOFF)
        if not close:
            return
        r.errors.append(
            FieldError(
                _prefix(base, "kind"),
                f"Unsupported value: {v.go_quote(kind)}: no matches for kind "
                f"{v.go_quote(kind)} in version {v.go_quote(api_version)}"
                f' (did you mean "{close[0]}"?)',
            )
        )
        return
    if api_version not in served:
        r.errors.append(
            v.invalid(
                _prefix(base, "apiVersion"),
                api_version,
                f"no matches for kind {v.go_quote(kind)} in version {v.go_quote(api_version)}"
                f" ({kind} is served by {', '.join(v.go_quote(s) for s in served)})",
            )
        )


def _skipped(
    top: dict[str, Any], kind: str, api_version: str, origin: Origin, base: str
) -> Decoded:
    """A real kind netsim does not simulate: its name (for ``already exists``) and a note."""
    meta = top.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    name = meta.get("name")
    name = name if isinstance(name, str) else ""
    namespace = ""
    if kind not in CLUSTER_SCOPED:
        ns = meta.get("namespace")
        namespace = ns if isinstance(ns, str) and ns else DEFAULT_NAMESPACE
    if kind in SKIPPED_KINDS:
        reason = "does not shape the network"
    elif foreign_group(api_version):
        reason = "custom resource, not simulated"
    else:
        reason = "not a kind netsim reads"
    ref = Decoded(origin, base, kind, namespace, name).ref
    note = f"{origin}: skipping {ref} ({api_version}): {reason}"
    return Decoded(origin, base, kind, namespace, name, note=note, skipped=api_version)


@dataclass(frozen=True, slots=True)
class _Meta:
    name: str
    namespace: str
    labels: dict[str, str]
    owners: tuple[OwnerRef, ...]


def _metadata(r: _Reader, value: object, path: str, kind: str, namespaced: bool) -> _Meta:
    """``ValidateObjectMeta`` with the kind's name rule, plus the defaults kubectl applies."""
    meta = r.mapping(value, path, _META_FIELDS) or {}
    name = r.string(meta.get("name"), f"{path}.name") or ""
    generate = r.string(meta.get("generateName"), f"{path}.generateName") or ""
    namespace = r.string(meta.get("namespace"), f"{path}.namespace") or ""
    labels = r.string_map(meta.get("labels"), f"{path}.labels")
    annotations = r.string_map(meta.get("annotations"), f"{path}.annotations")
    rule = {"Namespace": "label", "Service": "dns1035"}.get(kind, "subdomain")
    if generate:
        check = {
            "label": v.is_dns1123_label,
            "dns1035": v.is_dns1035_label,
            "subdomain": v.is_dns1123_subdomain,
        }[rule]
        # generateName may end in '-': validate it as the apiserver does, without the dash.
        trimmed = generate[:-1] if generate.endswith("-") else generate
        r.errors += [v.invalid(f"{path}.generateName", generate, m) for m in check(trimmed)]
        if not name:
            name = generate + _safe_encode(hashlib.sha256(generate.encode()).digest(), 5)
    if name or not generate:
        r.errors += v.validate_name(name, f"{path}.name", rule)
    if namespaced:
        namespace = namespace or DEFAULT_NAMESPACE
        r.errors += [
            v.invalid(f"{path}.namespace", namespace, m) for m in v.is_dns1123_label(namespace)
        ]
    else:
        namespace = ""  # the apiserver clears it for cluster-scoped kinds (rest.BeforeCreate)
    r.errors += v.validate_labels(labels, f"{path}.labels")
    r.errors += v.validate_annotations(annotations, f"{path}.annotations")
    generation = r.integer(meta.get("generation"), f"{path}.generation")
    r.errors += objectmeta.validate_generation(kind, generation, f"{path}.generation")
    owners: list[OwnerRef] = []
    fields: list[objectmeta.OwnerReferenceFields] = []
    for i, item in enumerate(r.array(meta.get("ownerReferences"), f"{path}.ownerReferences")):
        ref_path = f"{path}.ownerReferences[{i}]"
        ref = r.mapping(item, ref_path, _OWNER_REF_FIELDS) or {}
        owner_kind = r.string(ref.get("kind"), f"{ref_path}.kind") or ""
        owner_name = r.string(ref.get("name"), f"{ref_path}.name") or ""
        owner_version = r.string(ref.get("apiVersion"), f"{ref_path}.apiVersion") or ""
        uid = r.string(ref.get("uid"), f"{ref_path}.uid") or ""
        controller = r.boolean(ref.get("controller"), f"{ref_path}.controller")
        r.boolean(ref.get("blockOwnerDeletion"), f"{ref_path}.blockOwnerDeletion")
        fields.append(
            objectmeta.OwnerReferenceFields(
                owner_version, owner_kind, owner_name, uid, controller is True
            )
        )
        if owner_kind and owner_name:
            owners.append(OwnerRef(owner_kind, owner_name))
    r.errors += objectmeta.validate_owner_references(fields, f"{path}.ownerReferences")
    finalizers = r.string_list(meta.get("finalizers"), f"{path}.finalizers")
    r.errors += objectmeta.validate_finalizers(finalizers, f"{path}.finalizers")
    return _Meta(name, namespace, labels, tuple(owners))


# ---------------------------------------------------------------- selectors
def _label_selector(r: _Reader, value: object, path: str) -> LabelSelector | None:
    """A LabelSelector (None when null/absent), validated as ``ValidateLabelSelector``."""
    raw = r.mapping(value, path, frozenset({"matchLabels", "matchExpressions"}))
    if raw is None:
        return None
    match_labels = r.string_map(raw.get("matchLabels"), f"{path}.matchLabels")
    r.errors += v.validate_labels(match_labels, f"{path}.matchLabels")
    requirements: list[Requirement] = []
    exprs_path = f"{path}.matchExpressions"
    for i, item in enumerate(r.array(raw.get("matchExpressions"), exprs_path)):
        req_path = f"{exprs_path}[{i}]"
        req = r.mapping(item, req_path, frozenset({"key", "operator", "values"}))
        if req is None:
            if item is not None:
                continue  # a type error was reported
            req = {}  # null decodes to the zero value, as in Go

        key = r.string(req.get("key"), f"{req_path}.key") or ""
        operator = r.string(req.get("operator"), f"{req_path}.operator") or ""
        values = r.string_list(req.get("values"), f"{req_path}.values")
        r.errors += v.validate_requirement(key, operator, values, req_path)
        if operator in v.SELECTOR_OPERATORS:
            requirements.append(Requirement(key, cast(Any, operator), tuple(values)))
    return LabelSelector(tuple(match_labels.items()), tuple(requirements))


# ----------------------------------------------------------- NetworkPolicy
def _policy_port(r: _Reader, value: object, path: str) -> PolicyPort | None:
    raw = r.mapping(value, path, frozenset({"protocol", "port", "endPort"}))
    if raw is None:
        return PolicyPort()
    protocol = r.string(raw.get("protocol"), f"{path}.protocol")
    port = r.int_or_string(raw.get("port"), f"{path}.port")
    end_port = r.int32(raw.get("endPort"), f"{path}.endPort")
    errors = v.validate_network_policy_port(protocol, port, end_port, path)
    r.errors += errors
    if errors:
        return None
    return PolicyPort(cast(Any, protocol or "TCP"), port, end_port)


def _policy_peer(r: _Reader, value: object, path: str) -> PolicyPeer | None:
    raw = r.mapping(value, path, frozenset({"podSelector", "namespaceSelector", "ipBlock"}))
    if raw is None:
        r.errors.append(v.required(path, "must specify a peer"))
        return None
    pod_selector = _label_selector(r, raw.get("podSelector"), f"{path}.podSelector")
    ns_selector = _label_selector(r, raw.get("namespaceSelector"), f"{path}.namespaceSelector")
    ip_block: IPBlock | None = None
    block = r.mapping(raw.get("ipBlock"), f"{path}.ipBlock", frozenset({"cidr", "except"}))
    has_block = block is not None
    if block is not None:
        cidr = r.string(block.get("cidr"), f"{path}.ipBlock.cidr") or ""
        excepts = r.string_list(block.get("except"), f"{path}.ipBlock.except")
        errors, warnings = v.validate_ip_block(cidr, excepts, f"{path}.ipBlock")
        r.errors += errors
        r.warnings += warnings
        if not errors:
            ip_block = IPBlock(_prefix_of(cidr), tuple(_prefix_of(e) for e in excepts))
    count = sum(x is not None for x in (pod_selector, ns_selector)) + has_block
    if count == 0:
        r.errors.append(v.required(path, "must specify a peer"))
    elif count > 1 and has_block:
        r.errors.append(v.forbidden(path, "may not specify both ipBlock and another peer"))
    return PolicyPeer(pod_selector, ns_selector, ip_block)


def _prefix_of(cidr: str) -> Prefix:
    """The network of a CIDR the validators accepted (sloppy: host bits, leading zeros)."""
    parsed = v.parse_cidr_sloppy(cidr)
    assert parsed is not None, cidr
    network = parsed[1]
    return Prefix(network.version, int(network.network_address), network.prefixlen)


_PLAIN_SELECTOR_LIMIT = 4096
"""How many valid ``matchLabels``-only selectors :func:`_plain_selector` remembers."""
_PLAIN_SELECTORS: dict[tuple[tuple[str, str], ...], LabelSelector] = {}
_PORT_NAMES: dict[str, bool] = {}
_NO_SELECTOR = LabelSelector()


def _plain_selector(value: object) -> LabelSelector | None:
    """A valid selector of ``matchLabels`` strings only (``{}`` too), else None.

    The fast path of :func:`_label_selector` for the common case: the same
    selectors recur across rules and policies, so each is validated once. None
    sends the caller to :func:`_label_selector`, which reports any error.
    """
    if value.__class__ is not dict:
        return None
    size = len(value)
    if size == 0:
        return _NO_SELECTOR
    labels = value.get("matchLabels") if size == 1 else None
    if labels.__class__ is not dict:
        return None
    items = tuple(labels.items())
    selector = _PLAIN_SELECTORS.get(items)
    if selector is not None:
        return selector
    for key, text in items:
        if text.__class__ is not str or key.__class__ is not str:
            return None
    if v.validate_labels(dict(items), "matchLabels"):
        return None
    if len(_PLAIN_SELECTORS) >= _PLAIN_SELECTOR_LIMIT:
        _PLAIN_SELECTORS.clear()
    selector = _PLAIN_SELECTORS[items] = LabelSelector(items)
    return selector


_PORT_FIELDS = frozenset({"protocol", "port", "endPort"})
_PEER_SELECTORS = frozenset({"podSelector", "namespaceSelector"})


def _plain_port(value: object) -> PolicyPort | None:
    """A valid ``ports`` entry (protocol, numeric or named port, endPort), else None."""
    if value.__class__ is not dict or not _PORT_FIELDS.issuperset(value):
        return None
    get = value.get
    protocol, port, end = get("protocol"), get("port"), get("endPort")
    if protocol is None:
        protocol = "TCP"
    elif protocol.__class__ is not str or protocol not in v.NETWORK_POLICY_PROTOCOLS:
        return None
    if port.__class__ is int:
        if not 1 <= port <= 65535:
            return None
        if end is not None and (end.__class__ is not int or not port <= end <= 65535):
            return None
    elif end is not None:
        return None
    elif port.__class__ is str:
        good = _PORT_NAMES.get(port)
        if good is None:
            good = not v.is_valid_port_name(port)
            if len(_PORT_NAMES) < _PLAIN_SELECTOR_LIMIT:
                _PORT_NAMES[port] = good
        if not good:
            return None
    elif port is not None:
        return None
    return PolicyPort(cast(Any, protocol), port, end)


def _plain_rule(item: object, peers_field: str) -> PolicyRule | None:
    """A rule of selector peers and valid ports, decoded without field paths, else None.

    The common rule, decoded as :func:`_policy_rules` would with no error or warning
    (no ipBlock, no matchExpressions, nothing of the wrong type); None for anything
    else, and the general decoder then reads it and reports at each field's path.
    """
    if item.__class__ is not dict:
        return None
    size = len(item)
    get = item.get
    ports_value, peers_value = get("ports"), get(peers_field)
    if size != ("ports" in item) + (peers_field in item):
        return None
    ports: list[PolicyPort] = []
    if ports_value is not None:
        if ports_value.__class__ is not list:
            return None
        for entry in ports_value:
            port = _plain_port(entry)
            if port is None:
                return None
            ports.append(port)
    peers: list[PolicyPeer] = []
    if peers_value is not None:
        if peers_value.__class__ is not list:
            return None
        for entry in peers_value:
            if entry.__class__ is not dict or not entry or not _PEER_SELECTORS.issuperset(entry):
                return None
            pods = entry.get("podSelector")
            namespaces = entry.get("namespaceSelector")
            pod_selector = None if pods is None else _plain_selector(pods)
            ns_selector = None if namespaces is None else _plain_selector(namespaces)
            if (pod_selector is None) != (pods is None) or (ns_selector is None) != (
                namespaces is None
            ):
                return None
            if pod_selector is None and ns_selector is None:
                return None  # "must specify a peer"
            peers.append(PolicyPeer(pod_selector, ns_selector))
    return PolicyRule(tuple(peers), tuple(ports))


def _policy_rules(r: _Reader, value: object, path: str, peers_field: str) -> list[PolicyRule]:
    rules: list[PolicyRule] = []
    for i, item in enumerate(r.array(value, path)):
        rule = _plain_rule(item, peers_field)
        if rule is not None:
            rules.append(rule)
            continue
        rule_path = f"{path}[{i}]"
        raw = r.mapping(item, rule_path, frozenset({peers_field, "ports"})) or {}
        ports = [
            _policy_port(r, p, f"{rule_path}.ports[{j}]")
            for j, p in enumerate(r.array(raw.get("ports"), f"{rule_path}.ports"))
        ]
        peers = [
            _policy_peer(r, p, f"{rule_path}.{peers_field}[{j}]")
            for j, p in enumerate(r.array(raw.get(peers_field), f"{rule_path}.{peers_field}"))
        ]
        rules.append(
            PolicyRule(
                tuple(p for p in peers if p is not None), tuple(p for p in ports if p is not None)
            )
        )
    return rules


def _network_policy(
    r: _Reader, top: dict[str, Any], meta: _Meta, api_version: str, origin: Origin, base: str
) -> Decoded:
    path = _prefix(base, "spec")
    spec = r.mapping(
        top.get("spec"), path, frozenset({"podSelector", "ingress", "egress", "policyTypes"})
    )
    spec = spec or {}
    pod_selector = _label_selector(r, spec.get("podSelector"), f"{path}.podSelector")
    ingress = _policy_rules(r, spec.get("ingress"), f"{path}.ingress", "from")
    egress = _policy_rules(r, spec.get("egress"), f"{path}.egress", "to")
    types = r.string_list(spec.get("policyTypes"), f"{path}.policyTypes")
    r.errors += v.validate_policy_types(types, f"{path}.policyTypes")
    if not types:
        # SetDefaults_NetworkPolicy: Ingress always, Egress iff there are egress rules.
        types = ["Ingress", "Egress"] if egress else ["Ingress"]
    policy = NetworkPolicy(
        name=meta.name,
        namespace=meta.namespace,
        pod_selector=pod_selector or LabelSelector(),
        policy_types=cast(Any, tuple(types)),
        ingress=tuple(ingress),
        egress=tuple(egress),
        labels=tuple(sorted(meta.labels.items())),
    )
    return _result(r, origin, base, "NetworkPolicy", meta, (policy,))


def _result(
    r: _Reader,
    origin: Origin,
    base: str,
    kind: str,
    meta: _Meta,
    objects: tuple[Object, ...] = (),
    workload: Workload | None = None,
    note: str = "",
) -> Decoded:
    return Decoded(
        origin,
        base,
        kind,
        meta.namespace,
        meta.name,
        objects=() if r.errors else objects,
        workload=None if r.errors else workload,
        owners=meta.owners,
        note=note,
        warnings=tuple(r.warnings),
    )


# ------------------------------------------------------------- core kinds
def _namespace(
    r: _Reader, top: dict[str, Any], meta: _Meta, api_version: str, origin: Origin, base: str
) -> Decoded:
    r.mapping(top.get("spec"), _prefix(base, "spec"), frozenset({"finalizers"}))
    ns = Namespace(meta.name, Labels.of(meta.labels))
    return _result(r, origin, base, "Namespace", meta, (ns,))


def _node(
    r: _Reader, top: dict[str, Any], meta: _Meta, api_version: str, origin: Origin, base: str
) -> Decoded:
    path = _prefix(base, "spec")
    spec = r.mapping(top.get("spec"), path, _NODE_SPEC_FIELDS) or {}
    pod_cidr = r.string(spec.get("podCIDR"), f"{path}.podCIDR") or ""
    cidrs = r.string_list(spec.get("podCIDRs"), f"{path}.podCIDRs")
    prefix: Prefix | None = None
    for i, text in enumerate(cidrs or ([pod_cidr] if pod_cidr else [])):
        where = f"{path}.podCIDRs[{i}]" if cidrs else f"{path}.podCIDR"
        parsed = v.parse_cidr_sloppy(text)
        if parsed is None:
            r.errors.append(v.invalid(where, text, "must be a valid CIDR"))
        elif prefix is None:
            prefix = _prefix_of(text)
    status_path = _prefix(base, "status")
    status = r.mapping(top.get("status"), status_path, None) or {}
    ip = ""
    addresses = r.array(status.get("addresses"), f"{status_path}.addresses")
    for i, item in enumerate(addresses):
        addr_path = f"{status_path}.addresses[{i}]"
        entry = r.mapping(item, addr_path, frozenset({"type", "address"})) or {}
        kind = r.string(entry.get("type"), f"{addr_path}.type")
        address = r.string(entry.get("address"), f"{addr_path}.address") or ""
        if kind == "InternalIP" and not ip:
            try:
                ipaddress.ip_address(address)
            except ValueError:
                r.errors.append(
                    v.invalid(f"{addr_path}.address", address, "must be a valid IP address")
                )
            else:
                ip = address
    node = Node(meta.name, ip, prefix if prefix is not None else NO_PREFIX, Labels.of(meta.labels))
    return _result(r, origin, base, "Node", meta, (node,))


NO_PREFIX = Prefix(4, 0, 0)
"""Placeholder pod CIDR of a Node manifest without one; the loader assigns a real one."""


def _container_ports(
    r: _Reader, value: object, path: str, host_network: bool
) -> list[ContainerPort]:
    """``validateContainerPorts`` (protocol defaulted to TCP first, as the apiserver does)."""
    out: list[ContainerPort] = []
    names: set[str] = set()
    for i, item in enumerate(r.array(value, path)):
        port_path = f"{path}[{i}]"
        raw = r.mapping(item, port_path, _CONTAINER_PORT_FIELDS) or {}
        name = r.string(raw.get("name"), f"{port_path}.name") or ""
        number = r.int32(raw.get("containerPort"), f"{port_path}.containerPort")
        host_port = r.int32(raw.get("hostPort"), f"{port_path}.hostPort") or 0
        protocol = r.string(raw.get("protocol"), f"{port_path}.protocol") or "TCP"
        r.string(raw.get("hostIP"), f"{port_path}.hostIP")
        bad = len(r.errors)
        if name:
            messages = v.is_valid_port_name(name)
            if messages:
                r.errors += [v.invalid(f"{port_path}.name", name, m) for m in messages]
            elif name in names:
                r.errors.append(v.duplicate(f"{port_path}.name", name))
            else:
                names.add(name)
        if not number:
            if "containerPort" in raw and number is None:
                pass  # a type error was reported
            else:
                r.errors.append(v.required(f"{port_path}.containerPort"))
        else:
            r.errors += [
                v.invalid(f"{port_path}.containerPort", number, m)
                for m in v.is_valid_port_num(number)
            ]
        if host_port:
            r.errors += [
                v.invalid(f"{port_path}.hostPort", host_port, m)
                for m in v.is_valid_port_num(host_port)
            ]
            if host_network and number and host_port != number:
                r.errors.append(
                    v.invalid(
                        f"{port_path}.hostPort",
                        host_port,
                        "must match `containerPort` when `hostNetwork` is true",
                    )
                )
        if protocol not in v.CORE_PROTOCOLS:
            r.errors.append(not_supported_core(f"{port_path}.protocol", protocol))
        if len(r.errors) == bad and number:
            out.append(ContainerPort(number, cast(Any, protocol), name or None))
    return out


def not_supported_core(path: str, protocol: str) -> FieldError:
    """The Pod/Service protocol error (its supported list is sorted, unlike NetworkPolicy's)."""
    return v.not_supported(path, protocol, v.CORE_PROTOCOLS)


def _containers(
    r: _Reader, value: object, path: str, host_network: bool, need_one: bool
) -> tuple[list[ContainerPort], str]:
    ports: list[ContainerPort] = []
    image = ""
    items = r.array(value, path)
    if need_one and (value is None or value == []):
        r.errors.append(v.required(path))
    names: set[str] = set()
    for i, item in enumerate(items):
        c_path = f"{path}[{i}]"
        raw = r.mapping(item, c_path, _CONTAINER_FIELDS) or {}
        name = r.string(raw.get("name"), f"{c_path}.name") or ""
        this_image = r.string(raw.get("image"), f"{c_path}.image") or ""
        if not name:
            r.errors.append(v.required(f"{c_path}.name"))
        else:
            r.errors += [v.invalid(f"{c_path}.name", name, m) for m in v.is_dns1123_label(name)]
            if name in names:
                r.errors.append(v.duplicate(f"{c_path}.name", name))
            names.add(name)
        if not this_image:
            r.errors.append(v.required(f"{c_path}.image"))
        image = image or this_image
        ports += _container_ports(r, raw.get("ports"), f"{c_path}.ports", host_network)
    return ports, image


@dataclass(frozen=True, slots=True)
class _PodSpec:
    node: str
    host_network: bool
    ports: tuple[ContainerPort, ...]
    image: str
    restart_policy: str


def _pod_spec(r: _Reader, value: object, path: str) -> _PodSpec:
    spec = r.mapping(value, path, _POD_SPEC_FIELDS)
    if spec is None:
        if value is None:
            r.errors.append(v.required(f"{path}.containers"))
        spec = {}
    node = r.string(spec.get("nodeName"), f"{path}.nodeName") or ""
    if node:
        r.errors += [v.invalid(f"{path}.nodeName", node, m) for m in v.is_dns1123_subdomain(node)]
    host_network = bool(r.boolean(spec.get("hostNetwork"), f"{path}.hostNetwork"))
    restart = r.string(spec.get("restartPolicy"), f"{path}.restartPolicy") or "Always"
    if restart not in ("Always", "OnFailure", "Never"):
        r.errors.append(
            v.not_supported(f"{path}.restartPolicy", restart, ("Always", "OnFailure", "Never"))
        )
    ports, image = _containers(
        r, spec.get("containers"), f"{path}.containers", host_network, need_one=value is not None
    )
    _containers(r, spec.get("initContainers"), f"{path}.initContainers", host_network, False)
    return _PodSpec(node, host_network, tuple(ports), image, restart)


def _pod(
    r: _Reader, top: dict[str, Any], meta: _Meta, api_version: str, origin: Origin, base: str
) -> Decoded:
    spec = _pod_spec(r, top.get("spec"), _prefix(base, "spec"))
    status_path = _prefix(base, "status")
    status = r.mapping(top.get("status"), status_path, None) or {}
    ip = r.string(status.get("podIP"), f"{status_path}.podIP") or ""
    if ip:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            r.errors.append(v.invalid(f"{status_path}.podIP", ip, "must be a valid IP address"))
            ip = ""
    phase = r.string(status.get("phase"), f"{status_path}.phase") or ""
    if phase in ("Succeeded", "Failed"):
        # A terminated pod's IP is released (and may already be reused by a running pod).
        note = f"{origin}: skipping Pod {meta.namespace}/{meta.name}: phase {phase}, no network"
        return _result(r, origin, base, "Pod", meta, (), note=note)
    owner = next((f"{o.kind}/{o.name}" for o in meta.owners), "")
    pod = Pod(
        name=meta.name,
        namespace=meta.namespace,
        labels=Labels.of(meta.labels),
        node=spec.node,
        ip="" if spec.host_network else ip,
        container_ports=spec.ports,
        host_network=spec.host_network,
        owner=owner,
        image=spec.image,
    )
    return _result(r, origin, base, "Pod", meta, (pod,))


_SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")

KUBELET_PORT = 10250
"""``ports.KubeletPort``: a LoadBalancer Service may not expose it."""


def _kubelet_port_errors(raw_ports: object, path: str) -> list[FieldError]:
    """ValidateService's LoadBalancer rule: no port may be the kubelet's 10250.

    k8s.io/kubernetes pkg/apis/core/validation/validation.go (``case
    core.ServiceTypeLoadBalancer``, a workaround for clouds that over-open firewalls);
    the error names the port's index path, not ``.port``. Type errors are reported by
    the port loop.
    """
    if not isinstance(raw_ports, list):
        return []
    return [
        v.invalid(
            f"{path}[{i}]",
            KUBELET_PORT,
            f"may not expose port {KUBELET_PORT} externally since it is used by kubelet",
        )
        for i, item in enumerate(raw_ports)
        if isinstance(item, dict) and type(item.get("port")) is int and item["port"] == KUBELET_PORT
    ]


def _service(
    r: _Reader, top: dict[str, Any], meta: _Meta, api_version: str, origin: Origin, base: str
) -> Decoded:
    path = _prefix(base, "spec")
    spec = r.mapping(top.get("spec"), path, _SERVICE_SPEC_FIELDS) or {}
    svc_type = r.string(spec.get("type"), f"{path}.type") or "ClusterIP"
    if svc_type not in _SERVICE_TYPES:
        r.errors.append(v.not_supported(f"{path}.type", svc_type, _SERVICE_TYPES))
    cluster_ip = r.string(spec.get("clusterIP"), f"{path}.clusterIP") or ""
    cluster_ips = r.string_list(spec.get("clusterIPs"), f"{path}.clusterIPs")
    cluster_ip = cluster_ip or (cluster_ips[0] if cluster_ips else "")
    headless = cluster_ip == "None"
    if cluster_ip and not headless:
        try:
            ipaddress.ip_address(cluster_ip)
        except ValueError:
            r.errors.append(
                v.invalid(
                    f"{path}.clusterIPs[0]",
                    cluster_ip,
                    "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                )
            )
    if svc_type == "LoadBalancer":
        r.errors += _kubelet_port_errors(spec.get("ports"), f"{path}.ports")
    if headless and svc_type in ("NodePort", "LoadBalancer"):
        # ValidateService: a headless Service has no virtual IP to expose on nodes or a
        # load balancer (kubernetes pkg/apis/core/validation/validation.go).
        r.errors.append(
            v.invalid(
                f"{path}.clusterIPs[0]", "None", f"may not be set to 'None' for {svc_type} services"
            )
        )
    selector = r.string_map(spec.get("selector"), f"{path}.selector")
    r.errors += v.validate_labels(selector, f"{path}.selector")
    etp = r.string(spec.get("externalTrafficPolicy"), f"{path}.externalTrafficPolicy") or ""
    external = svc_type in ("NodePort", "LoadBalancer")
    if etp and etp not in ("Cluster", "Local"):
        r.errors.append(v.not_supported(f"{path}.externalTrafficPolicy", etp, ("Cluster", "Local")))
    elif etp and not external:
        r.errors.append(
            v.invalid(
                f"{path}.externalTrafficPolicy",
                etp,
                "may only be set for externally-accessible services",
            )
        )
    lb_ip = r.string(spec.get("loadBalancerIP"), f"{path}.loadBalancerIP") or ""
    raw_ports = r.array(spec.get("ports"), f"{path}.ports")
    if not raw_ports and not headless and svc_type != "ExternalName":
        r.errors.append(v.required(f"{path}.ports"))
    ports: list[ServicePort] = []
    names: set[str] = set()
    seen: set[tuple[int, str]] = set()
    for i, item in enumerate(raw_ports):
        p_path = f"{path}.ports[{i}]"
        raw = r.mapping(item, p_path, _SERVICE_PORT_FIELDS) or {}
        name = r.string(raw.get("name"), f"{p_path}.name") or ""
        protocol = r.string(raw.get("protocol"), f"{p_path}.protocol") or "TCP"
        r.string(raw.get("appProtocol"), f"{p_path}.appProtocol")
        port = r.int32(raw.get("port"), f"{p_path}.port")
        target = r.int_or_string(raw.get("targetPort"), f"{p_path}.targetPort")
        node_port = r.int32(raw.get("nodePort"), f"{p_path}.nodePort")
        bad = len(r.errors)
        if len(raw_ports) > 1 and not name:
            r.errors.append(v.required(f"{p_path}.name"))
        elif name:
            r.errors += [v.invalid(f"{p_path}.name", name, m) for m in v.is_dns1123_label(name)]
            if name in names:
                r.errors.append(v.duplicate(f"{p_path}.name", name))
            names.add(name)
        r.errors += [
            v.invalid(f"{p_path}.port", port or 0, m) for m in v.is_valid_port_num(port or 0)
        ]
        if protocol not in v.CORE_PROTOCOLS:
            r.errors.append(not_supported_core(f"{p_path}.protocol", protocol))
        if target is None or target == 0 or target == "":
            target = port or 0  # SetDefaults_Service: targetPort defaults to port
        elif isinstance(target, int):
            r.errors += [
                v.invalid(f"{p_path}.targetPort", target, m) for m in v.is_valid_port_num(target)
            ]
        else:
            r.errors += [
                v.invalid(f"{p_path}.targetPort", target, m) for m in v.is_valid_port_name(target)
            ]
        if node_port:
            if svc_type == "ClusterIP":
                r.errors.append(
                    v.forbidden(f"{p_path}.nodePort", "may not be used when `type` is 'ClusterIP'")
                )
            r.errors += [
                v.invalid(f"{p_path}.nodePort", node_port, m)
                for m in v.is_valid_port_num(node_port)
            ]
        if port and (port, protocol) in seen:
            # field.Duplicate(portPath, core.ServicePort{Protocol, Port}) prints the Go struct.
            struct = (
                f'core.ServicePort{{Name:"", Protocol:{v.go_quote(protocol)}, '
                f"AppProtocol:(*string)(nil), Port:{port}, TargetPort:intstr.IntOrString"
                '{Type:0, IntVal:0, StrVal:""}, NodePort:0}'
            )
            r.errors.append(FieldError(p_path, f"Duplicate value: {struct}"))
        seen.add((port or 0, protocol))
        if len(r.errors) == bad and port:
            ports.append(ServicePort(port, target, cast(Any, protocol), name, node_port or None))
    if svc_type == "ExternalName":
        note = (
            f"{origin}: skipping Service {meta.namespace}/{meta.name}: type ExternalName is "
            "a DNS alias, not simulated"
        )
        return _result(r, origin, base, "Service", meta, (), note=note)
    service = Service(
        name=meta.name,
        namespace=meta.namespace,
        ports=tuple(ports),
        # An empty selector is stored as none (protobuf drops empty maps): no endpoints.
        selector=Labels.of(selector) if selector else None,
        type=cast(Any, svc_type),
        cluster_ip=cluster_ip,
        external_traffic_policy=cast(Any, etp or "Cluster"),
        load_balancer_ip=lb_ip,
    )
    return _result(r, origin, base, "Service", meta, (service,))


# ---------------------------------------------------------------- workloads
def _workload(
    r: _Reader, top: dict[str, Any], meta: _Meta, api_version: str, origin: Origin, base: str
) -> Decoded:
    kind = cast(str, top["kind"])
    path = _prefix(base, "spec")
    spec = r.mapping(top.get("spec"), path, _WORKLOAD_SPEC_FIELDS) or {}
    replicas = r.int32(spec.get("replicas"), f"{path}.replicas")
    if replicas is None:
        replicas = 1
    elif replicas < 0:
        r.errors.append(
            v.invalid(f"{path}.replicas", replicas, "must be greater than or equal to 0")
        )
    t_path = f"{path}.template"
    template = r.mapping(spec.get("template"), t_path, frozenset({"metadata", "spec"}))
    if template is None:
        r.errors.append(v.required(t_path))
        template = {}
    t_meta = r.mapping(template.get("metadata"), f"{t_path}.metadata", _META_FIELDS) or {}
    t_labels = r.string_map(t_meta.get("labels"), f"{t_path}.metadata.labels")
    r.errors += v.validate_labels(t_labels, f"{t_path}.metadata.labels")
    pod_spec = _pod_spec(r, template.get("spec"), f"{t_path}.spec")
    if kind in ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "ReplicationController"):
        allowed = ("Always",)
        if pod_spec.restart_policy not in allowed:
            r.errors.append(
                v.not_supported(f"{t_path}.spec.restartPolicy", pod_spec.restart_policy, allowed)
            )
    sel_path = f"{path}.selector"
    selector: LabelSelector | None
    if kind == "ReplicationController":
        rc_sel = r.string_map(spec.get("selector"), sel_path)
        r.errors += v.validate_labels(rc_sel, sel_path)
        selector = LabelSelector(tuple((rc_sel or t_labels).items()))
    else:
        selector = _label_selector(r, spec.get("selector"), sel_path)
        legacy = api_version in ("extensions/v1beta1", "apps/v1beta1")
        if selector is None and legacy:
            selector = LabelSelector(tuple(t_labels.items()))  # the old defaulting
    if selector is None:
        r.errors.append(v.required(sel_path))
    elif selector.is_empty:
        r.errors.append(
            v.invalid(sel_path, str(selector), f"empty selector is invalid for {kind.lower()}")
        )
    elif not selector.matches(Labels.of(t_labels)):
        r.errors.append(
            v.invalid(
                f"{t_path}.metadata.labels",
                t_labels,
                "`selector` does not match template `labels`",
            )
        )
    workload = Workload(
        kind=kind,
        namespace=meta.namespace,
        name=meta.name,
        replicas=max(replicas, 0),
        template=Pod(
            name="",
            namespace=meta.namespace,
            labels=Labels.of(t_labels),
            node=pod_spec.node,
            container_ports=pod_spec.ports,
            host_network=pod_spec.host_network,
            image=pod_spec.image,
        ),
        template_hash=template_hash(meta.namespace, meta.name),
    )
    return _result(r, origin, base, kind, meta, (), workload=workload)


_Decoder = Callable[[_Reader, dict[str, Any], _Meta, str, Origin, str], Decoded]
_DECODERS: dict[str, _Decoder] = {
    "Namespace": _namespace,
    "Node": _node,
    "Pod": _pod,
    "Service": _service,
    "NetworkPolicy": _network_policy,
    "Deployment": _workload,
    "ReplicaSet": _workload,
    "StatefulSet": _workload,
    "DaemonSet": _workload,
    "ReplicationController": _workload,
}

# The cluster-wide policies of network-policy-api decode in their own module, which reads
# with this one's helpers and adds its decoders to _DECODERS (hence the import at the end).
import netsim.model.adminmanifest  # noqa: E402, F401
