"""What emulated kubectl keeps between commands, and the values its commands return.

:class:`KubectlState` holds the cluster and what kubectl (or the apiserver behind it)
knows beyond it: the Deployments ``kubectl run`` made, when each object was created
(for ``AGE``), the seeded randomness of pod names and node ports, and the callbacks to
the rest of netsim (``exec``, installing a CNI, load balancer addresses). The verb
modules (:mod:`netsim.scenario.kubectl_run`, :mod:`~netsim.scenario.kubectl_services`,
:mod:`~netsim.scenario.kubectl_manifests`, :mod:`~netsim.scenario.kubectl_delete`,
:mod:`~netsim.scenario.kubectl_label`, :mod:`~netsim.scenario.kubectl_exec`) take it and
change the cluster through it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from netsim.errors import LookupFailed
from netsim.model.cluster import Change, Cluster, Object
from netsim.model.labels import Labels
from netsim.model.objects import Pod, Service
from netsim.scenario.kubectl_cli import PLURAL_RESOURCE, RESOURCES, SINGULAR, KubectlError
from netsim.scenario.kubectl_yaml import DeploymentView

CLUSTER_AGE = 46 * 60.0
"""How old the objects a cluster starts with are (the walkthrough's ``svc/kubernetes`` is 46m)."""

ExecFunction = Callable[[str, str], tuple[str, int]]
"""Runs a command in pod ``ns/name``; returns (output, exit code)."""


@dataclass(frozen=True, slots=True)
class KubectlResult:
    """What one kubectl command printed (stdout and stderr, in order) and its exit code."""

    output: str
    exit_code: int = 0


@dataclass(frozen=True, slots=True)
class Deployment:
    """A Deployment as kubectl run or a manifest made it: its pods carry ``selector``."""

    name: str
    namespace: str
    selector: Labels
    image: str = ""
    ports: tuple[int, ...] = ()

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True)
class Session:
    """An interactive ``kubectl run --rm -ti`` (or ``kubectl exec -ti``) session.

    ``pod`` is the pod the typed commands run in; ``banner`` what kubectl prints
    before the first prompt; ``remove`` (``Kind:ns/name``) what to delete when it
    ends; ``attach_hint`` the ``kubectl attach`` command kubectl names then.
    """

    pod: str
    banner: tuple[str, ...]
    remove: str = ""
    attach_hint: str = ""


def owned_by(pod: Pod, deployment: str) -> bool:
    """Whether ``pod`` belongs to the Deployment named ``deployment``."""
    return pod.owner == f"Deployment/{deployment}"


class KubectlState:
    """The cluster kubectl works on and what it knows beyond it (see the module doc).

    ``clock`` gives the simulated time; ``rng`` the seeded source of pod-name
    suffixes and node ports; ``base_dir`` resolves ``-f`` paths; ``cluster_ips`` pins
    the ClusterIP of Services created without one; ``exec_fn`` runs ``kubectl exec``
    commands; ``install_cni`` is called with ``"calico"`` when the Calico manifest URL
    is applied; ``load_balancer_ip`` gives the address the load balancer assigned to
    a LoadBalancer Service (``""`` while pending).
    """

    def __init__(
        self,
        cluster: Cluster,
        *,
        clock: Callable[[], float],
        rng: random.Random,
        base_dir: Path,
        exec_fn: ExecFunction,
        install_cni: Callable[[str], None],
        cluster_ips: Mapping[str, str] | None = None,
        load_balancer_ip: Callable[[str], str] | None = None,
    ) -> None:
        self.cluster = cluster
        self.clock = clock
        self.rng = rng
        self.base_dir = base_dir
        self.exec_fn = exec_fn
        self.install_cni = install_cni
        self.load_balancer_ip = load_balancer_ip or (lambda key: "")
        self.cluster_ips = dict(cluster_ips or {})
        self.deployments: dict[str, Deployment] = {}
        self.created: dict[tuple[str, str], float] = {}
        for kind, store in (
            ("Namespace", cluster.namespaces),
            ("Pod", cluster.pods),
            ("Service", cluster.services),
            ("NetworkPolicy", cluster.policies),
        ):
            for key in store:
                self.created[(kind, key)] = clock() - CLUSTER_AGE
        for key, policy in cluster.cluster_policies.items():
            self.created[(policy.kind, key)] = clock() - CLUSTER_AGE
        cluster.subscribe(self._on_change)

    def _on_change(self, change: Change) -> None:
        if change.op == "add":
            self.created[(change.kind, change.key)] = self.clock()
        elif change.op == "delete":
            self.created.pop((change.kind, change.key), None)

    def close(self) -> None:
        """Stop following the cluster."""
        self.cluster.unsubscribe(self._on_change)

    # ----------------------------------------------------------------- lookups
    def store(self, kind: str) -> Mapping[str, Object]:
        """The cluster's objects of ``kind`` by key."""
        stores: dict[str, Mapping[str, Object]] = {
            "Pod": self.cluster.pods,
            "Service": self.cluster.services,
            "NetworkPolicy": self.cluster.policies,
            "AdminNetworkPolicy": self.cluster.cluster_policies,
            "BaselineAdminNetworkPolicy": self.cluster.cluster_policies,
            "ClusterNetworkPolicy": self.cluster.cluster_policies,
            "Namespace": self.cluster.namespaces,
            "Node": self.cluster.nodes,
        }
        return stores[kind]

    def deployment(self, key: str) -> Deployment:
        """The Deployment ``namespace/name``: kubectl run's, or one its pods' owner names
        (selector: the labels all its pods share, but ``pod-template-hash``)."""
        found = self.deployments.get(key)
        if found is not None:
            return found
        namespace, name = key.split("/", 1)
        pods = [p for p in self.cluster.pods_in(namespace) if owned_by(p, name)]
        if not pods:
            raise LookupFailed(f'deployments.extensions "{name}" not found')
        common = set(pods[0].labels.items)
        for pod in pods[1:]:
            common &= set(pod.labels.items)
        selector = Labels(tuple(kv for kv in common if kv[0] != "pod-template-hash"))
        ports = tuple(sorted({cp.port for p in pods for cp in p.container_ports}))
        return Deployment(name, namespace, selector, pods[0].image, ports)

    def get_pod(self, namespace: str, name: str) -> Pod:
        """The pod ``namespace/name``; LookupFailed in kubectl's words if there is none."""
        pod = self.cluster.pods.get(f"{namespace}/{name}")
        if pod is None:
            raise LookupFailed(f'pods "{name}" not found')
        return pod

    def pod_for(self, target: str, namespace: str) -> Pod:
        """A pod by name, ``ns/name``, or ``deployment/name`` (its first pod, as kubectl picks)."""
        kind, _, name = target.partition("/")
        if name and RESOURCES.get(kind.lower()) == "Deployment":
            deployment = self.deployment(f"{namespace}/{name}")
            for pod in self.cluster.pods_in(namespace):
                if owned_by(pod, deployment.name):
                    return pod
            raise LookupFailed(f'pods for deployment "{name}" not found')
        if name and RESOURCES.get(kind.lower()) == "Pod":
            target = name
        elif name:
            namespace, target = kind, name
        return self.get_pod(namespace, target)

    def need_namespace(self, namespace: str) -> None:
        """kubectl's NotFound error unless ``namespace`` exists."""
        if namespace not in self.cluster.namespaces:
            raise KubectlError(f'Error from server (NotFound): namespaces "{namespace}" not found')

    def check_absent(self, kind: str, key: str) -> None:
        """kubectl's AlreadyExists error if an object ``kind`` ``key`` exists."""
        if key in self.store(kind):
            name = key.rsplit("/", 1)[-1]
            raise KubectlError(
                f'Error from server (AlreadyExists): {PLURAL_RESOURCE[kind]} "{name}" '
                "already exists"
            )

    def created_at(self, kind: str, key: str) -> float:
        """When an object was created (simulated seconds); now if netsim did not see it.

        Endpoints are as old as their Service, a Deployment as its oldest pod.
        """
        now = self.clock()
        if kind == "Endpoints":
            kind = "Service"
        if kind == "Deployment":
            namespace, name = key.split("/", 1)
            times = [
                self.created.get(("Pod", p.key), now)
                for p in self.cluster.pods_in(namespace)
                if owned_by(p, name)
            ]
            return min(times, default=now)
        return self.created.get((kind, key), now)

    def deployment_views(self) -> list[DeploymentView]:
        """Every Deployment: those kubectl run made and those the pods' owners name."""
        keys = set(self.deployments)
        keys |= {
            f"{p.namespace}/{p.owner.split('/', 1)[1]}"
            for p in self.cluster.pods.values()
            if p.owner.startswith("Deployment/")
        }
        views = []
        for key in sorted(keys):
            found = self.deployment(key)
            pods = [p for p in self.cluster.pods_in(found.namespace) if owned_by(p, found.name)]
            views.append(
                DeploymentView(
                    found.name, found.namespace, found.selector, found.image, found.ports, len(pods)
                )
            )
        return views

    def external_ip(self, service: Service) -> str:
        """The ``EXTERNAL-IP`` column of a Service."""
        if service.type == "LoadBalancer":
            return service.load_balancer_ip or self.load_balancer_ip(service.key) or "<pending>"
        if service.type == "NodePort":
            return "<nodes>"
        return "<none>"

    # ---------------------------------------------------------------- removals
    def remove(self, kind: str, key: str) -> list[str]:
        """Delete one object as ``kubectl delete`` does (a Deployment with its pods, a
        Namespace with what is in it); kubectl's ``deleted`` line."""
        name = key.rsplit("/", 1)[-1]
        if kind == "Deployment":
            deployment = self.deployment(key)
            for pod in self.cluster.pods_in(deployment.namespace):
                if owned_by(pod, name):
                    self.cluster.delete("Pod", pod.key)
            self.deployments.pop(key, None)
            return [f'deployment "{name}" deleted']
        if kind == "Namespace":
            if key not in self.cluster.namespaces:
                raise LookupFailed(f'namespaces "{key}" not found')
            self.remove_namespace_contents(key)
        self.cluster.delete(kind, key)  # type: ignore[arg-type]
        return [f'{SINGULAR[kind]} "{name}" deleted']

    def remove_namespace_contents(self, namespace: str) -> None:
        """Delete the policies, Services, pods and Deployments in ``namespace``."""
        for kind in ("NetworkPolicy", "Service", "Pod"):
            for key in sorted(self.store(kind)):
                if key.startswith(f"{namespace}/"):
                    self.cluster.delete(kind, key)
        for key in [k for k in self.deployments if k.startswith(f"{namespace}/")]:
            del self.deployments[key]
