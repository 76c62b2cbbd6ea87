"""Workloads: which Deployment, StatefulSet, ... a pod belongs to, and kubectl's ``TYPE/NAME``.

Users think in workloads (``deploy/frontend``), the cluster holds pods
(``default/frontend-785ddb8b7f-q2vsb``). A pod's workload comes from its ``owner``
(set when netsim expands a workload, or from a snapshot's controller reference); a
ReplicaSet named ``<deployment>-<pod-template-hash>`` whose pod carries that
``pod-template-hash`` label belongs to that Deployment, as the Deployment controller
names them. A pod without an owner is its own workload (kind ``Pod``).

:func:`parse_target` reads kubectl's resource forms (``pod/``, ``deploy/``,
``deployment/``, ``sts/``, ``statefulset/``, ``ds/``, ``daemonset/``, ``rs/``,
``replicaset/``, ``rc/``, ``svc/``, ``service/`` and their plurals), as
``kubectl get TYPE/NAME -n NS`` does.
"""

from __future__ import annotations

from dataclasses import dataclass

from netsim.errors import LookupFailed
from netsim.model.cluster import Cluster
from netsim.model.objects import Pod

RESOURCE_TYPES: dict[str, str] = {
    "po": "Pod",
    "pod": "Pod",
    "pods": "Pod",
    "deploy": "Deployment",
    "deployment": "Deployment",
    "deployments": "Deployment",
    "sts": "StatefulSet",
    "statefulset": "StatefulSet",
    "statefulsets": "StatefulSet",
    "ds": "DaemonSet",
    "daemonset": "DaemonSet",
    "daemonsets": "DaemonSet",
    "rs": "ReplicaSet",
    "replicaset": "ReplicaSet",
    "replicasets": "ReplicaSet",
    "rc": "ReplicationController",
    "replicationcontroller": "ReplicationController",
    "replicationcontrollers": "ReplicationController",
    "svc": "Service",
    "service": "Service",
    "services": "Service",
}
"""kubectl's names and short names of the resources ``--from``/``--to`` accept."""

_SHORT = {
    "Pod": "pod",
    "Deployment": "deploy",
    "StatefulSet": "sts",
    "DaemonSet": "ds",
    "ReplicaSet": "rs",
    "ReplicationController": "rc",
    "Service": "svc",
}


@dataclass(frozen=True, slots=True)
class Target:
    """A ``TYPE/NAME`` resource in a namespace: ``kind`` is the API kind (``Deployment``)."""

    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{_SHORT.get(self.kind, self.kind.lower())}/{self.name} -n {self.namespace}"


def parse_target(text: str, namespace: str = "") -> Target | None:
    """``deploy/frontend`` -> Target(Deployment, NS or default, frontend); None for other forms.

    ``TYPE`` is case-insensitive and may carry an API group (``deployments.apps``).
    """
    kind_text, slash, name = text.partition("/")
    if not slash or not name or "/" in name:
        return None
    kind = RESOURCE_TYPES.get(kind_text.lower().split(".", 1)[0])
    if kind is None:
        return None
    return Target(kind, namespace or "default", name)


def workload_of(pod: Pod) -> tuple[str, str]:
    """(kind, name) of the workload that owns ``pod`` (``("Pod", name)`` if none)."""
    if not pod.owner:
        return "Pod", pod.name
    kind, _, name = pod.owner.partition("/")
    if kind == "ReplicaSet":
        deployment, _, suffix = name.rpartition("-")
        if deployment and suffix and pod.labels.get("pod-template-hash") == suffix:
            return "Deployment", deployment
    return kind, name


def workload_label(pod: Pod) -> str:
    """``namespace/name[Kind]``: the workload name in tables, e.g. ``default/web[Deployment]``."""
    kind, name = workload_of(pod)
    return f"{pod.namespace}/{name}[{kind}]"


def target_pods(cluster: Cluster, target: Target) -> list[Pod]:
    """The pods a target means, in name order: the pod, a workload's pods, a Service's backends.

    Raises LookupFailed (kubectl's ``... not found``) when there are none.
    """
    if target.kind == "Service":
        service = cluster.service(f"{target.namespace}/{target.name}")
        pods = cluster.endpoints(service)
        if not pods:
            raise LookupFailed(
                f'service "{target.name}" in namespace "{target.namespace}" selects no pods'
            )
        return pods
    if target.kind == "Pod":
        return [cluster.pod(f"{target.namespace}/{target.name}")]
    pods = [
        p
        for p in cluster.pods_in(target.namespace)
        if workload_of(p) == (target.kind, target.name)
        or (target.kind == "ReplicaSet" and p.owner == f"ReplicaSet/{target.name}")
    ]
    if not pods:
        resource = {
            "Deployment": "deployments.apps",
            "StatefulSet": "statefulsets.apps",
            "DaemonSet": "daemonsets.apps",
            "ReplicaSet": "replicasets.apps",
            "ReplicationController": "replicationcontrollers",
        }[target.kind]
        raise LookupFailed(
            f'{resource} "{target.name}" not found in namespace "{target.namespace}" '
            "(or it has no pods)"
        )
    return pods
