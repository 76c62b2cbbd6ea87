"""The apiserver's create-time rules for ``metadata``: what it resets, what it checks.

On create the apiserver first wipes or fills the system fields
(``rest.WipeObjectMetaSystemFields`` in k8s.io/apiserver ``pkg/registry/rest/meta.go``:
``creationTimestamp``, ``uid``, ``deletionTimestamp``, ``deletionGracePeriodSeconds``,
``selfLink``; ``managedFields`` is rebuilt by the field manager, which drops entries it
cannot decode), then runs the kind's ``PrepareForCreate`` (several set ``generation`` to 1)
and only then validates. So those fields are never create-time errors; netsim accepts
them whatever their value (their types are still checked by strict decoding).

Validation follows apimachinery ``pkg/api/validation/objectmeta.go`` as released up to
Kubernetes 1.36 (``ValidateOwnerReferences``, ``ValidateFinalizers``) and
k8s.io/kubernetes ``pkg/apis/core/validation/validation.go`` (``validateKubeFinalizerName``):
https://github.com/kubernetes/apimachinery/blob/release-1.36/pkg/api/validation/objectmeta.go
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from netsim.errors import FieldError
from netsim.model import validate as v

GENERATION_RESET_KINDS = frozenset(
    {
        "Pod",
        "NetworkPolicy",
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "ReplicationController",
    }
)
"""Kinds whose ``PrepareForCreate`` sets ``metadata.generation = 1`` before validation.

From k8s.io/kubernetes ``pkg/registry/*/strategy.go`` (pod, networkpolicy, deployment,
replicaset, statefulset, daemonset, replicationcontroller). Service, Namespace and Node
keep the value sent, so a negative one fails ``ValidateNonnegativeField``.
"""

STANDARD_FINALIZERS = frozenset({"kubernetes", "orphan", "foregroundDeletion"})
"""Finalizer names allowed without a domain (core/helper ``IsStandardFinalizerName``)."""


@dataclass(frozen=True, slots=True)
class OwnerReferenceFields:
    """The strings and controller flag of one ``metadata.ownerReferences`` entry."""

    api_version: str
    kind: str
    name: str
    uid: str
    controller: bool


def validate_generation(kind: str, generation: int | None, path: str) -> list[FieldError]:
    """``ValidateNonnegativeField`` on ``generation``, unless create resets it for ``kind``."""
    if generation is None or generation >= 0 or kind in GENERATION_RESET_KINDS:
        return []
    return [v.invalid(path, generation, "must be greater than or equal to 0")]


def _api_version_has_version(api_version: str) -> bool:
    """``schema.FromAPIVersionAndKind(...).Version != ""`` (ParseGroupVersion rules)."""
    if api_version.count("/") > 1:
        return False
    return bool(api_version.rpartition("/")[2])


def validate_owner_references(refs: Sequence[OwnerReferenceFields], path: str) -> list[FieldError]:
    """``ValidateOwnerReferences``: empty fields and a second controller reference.

    As released, every entry's errors name the list's path without an index
    (``metadata.ownerReferences.uid``). The whole list is the bad value of the
    controller error; it is shown elided as ``[]v1.OwnerReference{...}``.
    """
    errors: list[FieldError] = []
    first_controller = ""
    for ref in refs:
        if not _api_version_has_version(ref.api_version):
            errors.append(
                v.invalid(f"{path}.apiVersion", ref.api_version, "version must not be empty")
            )
        for field, value in (("kind", ref.kind), ("name", ref.name), ("uid", ref.uid)):
            if not value:
                errors.append(v.invalid(f"{path}.{field}", value, "must not be empty"))
        if ref.controller:
            current = f"{ref.kind}/{ref.name}"
            if first_controller:
                errors.append(
                    FieldError(
                        path,
                        "Invalid value: []v1.OwnerReference{...}: Only one reference can have"
                        ' Controller set to true. Found "true" in references for'
                        f" {first_controller} and {current}",
                    )
                )
            else:
                first_controller = current
    return errors


def validate_finalizers(finalizers: Sequence[str], path: str) -> list[FieldError]:
    """``ValidateFinalizers`` then ``validateKubeFinalizerName`` for a built-in kind.

    Each name must be a qualified name (errors at the list's path, as apimachinery
    reports them), ``orphan`` and ``foregroundDeletion`` exclude each other, and a
    name without ``/`` must be a standard one (errors at ``path[i]``).
    """
    errors = [v.invalid(path, name, m) for name in finalizers for m in v.is_qualified_name(name)]
    if "orphan" in finalizers and "foregroundDeletion" in finalizers:
        errors.append(
            v.invalid(
                path, list(finalizers), "finalizer orphan and foregroundDeletion cannot be both set"
            )
        )
    for i, name in enumerate(finalizers):
        if "/" not in name and name not in STANDARD_FINALIZERS:
            errors.append(
                v.invalid(
                    f"{path}[{i}]",
                    name,
                    "name is neither a standard finalizer name nor is it fully qualified",
                )
            )
    return errors
