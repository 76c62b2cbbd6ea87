"""kubectl, emulated on a :class:`~netsim.model.Cluster`, printing what kubectl prints.

The subset the walkthroughs and the teaching shell use: ``run`` (``--image --replicas
--labels --expose --port --namespace --restart --rm -ti``), ``expose
deployment|pod|service`` (``--port --target-port --type --name --protocol
--cluster-ip``), ``create|apply|delete -f``, ``create namespace``, ``create service
clusterip|nodeport|loadbalancer`` (:mod:`netsim.scenario.kubectl_objects`), ``label``, ``get``
(:mod:`netsim.scenario.kubectl_get`: pods, svc, netpol, ns, deploy, ep, anp, banp, cnp;
``-l``, ``-A``, ``-o wide|yaml|json|name``, ``--show-labels``), ``describe
pod|svc|netpol|anp|banp|cnp`` (:mod:`netsim.scenario.describe`,
:mod:`netsim.scenario.kubectl_admin`), ``delete TYPE[,TYPE] NAME`` and ``exec``; names and
labels typed on the command line are validated as a manifest's
(:func:`netsim.scenario.kubectl_objects.admit`). Output follows
the kubectl (1.7) of the source chapter's walkthrough: ``deployment "nginx" created``,
tables aligned as Go's tabwriter aligns them, ``svc/``/``po/`` prefixes when several
types are listed.

What kubectl itself would refuse (an unknown pod, an invalid manifest, a missing
namespace, a bad selector) is printed as kubectl prints it with exit code 1: that is
a result a scenario can expect. What netsim does not emulate raises a
:class:`~netsim.errors.ScenarioError`; an unknown or unemulated verb or flag raises
its subclass :class:`~netsim.scenario.kubectl_cli.UnsupportedCommand`, whose
``kubectl_output`` is what an interactive shell shows (kubectl's own error for what
kubectl does not know either).
"""

from __future__ import annotations

import dataclasses
import random
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netsim.errors import LookupFailed, NetsimError, Origin, ScenarioError, ValidationError
from netsim.model.cluster import AddressesExhausted, Change, Cluster, Object, kind_key
from netsim.model.labels import Labels
from netsim.model.objects import ContainerPort, Namespace, Pod, Service, ServicePort
from netsim.scenario import kubectl_get
from netsim.scenario.describe import DescribeSource, describe_objects
from netsim.scenario.kubectl_admin import (
    CLUSTER_SCOPED,
    cluster_policy_key,
    describe_cluster_policy,
)
from netsim.scenario.kubectl_cli import (
    PLURAL_RESOURCE,
    RESOURCES,
    SINGULAR,
    Args,
    KubectlError,
    UnsupportedCommand,
    help_requested,
    hoist_namespace,
    parse_flags,
    unsupported_flag,
    unsupported_verb,
)
from netsim.scenario.kubectl_format import short_duration, tabulate
from netsim.scenario.kubectl_objects import (
    CREATE_SERVICE_FLAGS,
    SERVICE_TYPES,
    admit,
    check_labels,
    create_service,
    invalid_message,
    label_update,
    run_labels,
    service_manifest,
    workload_manifest,
)
from netsim.scenario.kubectl_yaml import DeploymentView

__all__ = [
    "Deployment",
    "Kubectl",
    "KubectlError",
    "KubectlResult",
    "Session",
    "UnsupportedCommand",
    "exec_result",
    "fnv32a",
    "short_duration",
    "tabulate",
]
NAME_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
"""Characters of the random pod-name suffix, as kubectl 1.7 generated them."""
NODE_PORT_RANGE = (30000, 32767)
"""The apiserver's default ``--service-node-port-range``."""
NODE_PORT_RANGE_FULL = (
    "Error from server (InternalError): Internal error occurred: "
    "failed to allocate a nodePort: range is full"
)
"""What kubectl prints when no NodePort is left: the Service storage wraps the port
allocator's ``ErrFull`` ("range is full") in an InternalError
(kubernetes pkg/registry/core/service/storage/alloc.go and
pkg/registry/core/service/portallocator/allocator.go)."""
CLUSTER_AGE = 46 * 60.0
"""How old the objects a cluster starts with are (the walkthrough's ``svc/kubernetes`` is 46m)."""
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

EXEC_USAGE = (
    "error: expected 'exec POD_NAME COMMAND [ARG1] [ARG2] ... [ARGN]'.\n"
    "POD_NAME and COMMAND are required arguments for the exec command"
)
"""What kubectl exec prints without a pod."""
EXEC_NO_COMMAND = "error: you must specify at least one command for the container"
"""What kubectl exec prints without a command."""

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
    before the first prompt; ``cleanup`` says what to delete when it ends.
    """

    pod: str
    banner: tuple[str, ...]
    remove: str = ""
    attach_hint: str = ""


def fnv32a(text: str) -> int:
    """The 32-bit FNV-1a hash (what kubectl 1.7 used for pod-template-hash)."""
    value = 0x811C9DC5
    for byte in text.encode():
        value ^= byte
        value = (value * 0x01000193) & 0xFFFFFFFF
    return value


def _no_room(exc: AddressesExhausted, where: str) -> ScenarioError:
    """The step that ran a node out of pod addresses, and what to change in the scenario.

    A real cluster would leave the pod Pending; netsim has no Pending pods, so the
    scenario has to give its pods room.
    """
    return ScenarioError(
        f'{where}: pod "{exc.pod}" does not fit: node "{exc.node}" has no free address '
        f"left in its pod CIDR {exc.cidr} (netsim keeps no pod Pending); give the "
        "scenario more nodes (cluster.nodes) or fewer pods"
    )


def _words(command_line: str, where: str) -> list[str]:
    try:
        return shlex.split(command_line)
    except ValueError as exc:
        raise ScenarioError(f"{where}: cannot split the command line: {exc}") from None


def _port_number(text: str, flag: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise KubectlError(f'error: invalid argument "{text}" for "--{flag}" flag') from None
    if not 1 <= value <= 65535:
        raise KubectlError(f"error: --{flag} must be between 1 and 65535, got {value}")
    return value


class Kubectl:
    """kubectl on a cluster: :meth:`run` a command line, get what kubectl prints.

    ``clock`` gives the simulated time (for ``AGE``); ``rng`` the seeded source of
    pod-name suffixes and node ports; ``base_dir`` resolves ``-f`` paths;
    ``cluster_ips`` pins the ClusterIP of Services created without one;
    ``exec_fn`` runs ``kubectl exec`` commands; ``install_cni`` is called with
    ``"calico"`` when the Calico manifest URL is applied; ``load_balancer_ip`` gives
    the address the load balancer assigned to a LoadBalancer Service (``""`` while
    pending).
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

    # ------------------------------------------------------------ entry points
    def run(self, command_line: str, where: str = "kubectl") -> KubectlResult:
        """Run one kubectl command line (without the word ``kubectl``).

        Raises ScenarioError for what netsim does not emulate; whatever kubectl
        would itself report comes back as output with exit code 1.
        """
        words = _words(command_line, where)
        if words and words[0] == "kubectl":
            words = words[1:]
        words = hoist_namespace(words)
        if not words or words[0] in ("help", "--help", "-h"):
            raise help_requested(where)
        verb, rest = words[0], words[1:]
        if verb.startswith("-"):
            name = verb.lstrip("-").split("=", 1)[0]
            raise unsupported_flag("", verb, name, where, "" if verb.startswith("--") else name)
        handler = {
            "run": self._run,
            "expose": self._expose,
            "create": self._create,
            "apply": self._apply,
            "delete": self._delete,
            "label": self._label,
            "get": self._get,
            "describe": self._describe,
            "exec": self._exec,
        }.get(verb)
        if handler is None:
            raise unsupported_verb(verb, where)
        try:
            lines = handler(rest, where)
        except KubectlError as exc:
            return KubectlResult(str(exc), 1)
        except LookupFailed as exc:
            return KubectlResult(f"Error from server (NotFound): {exc}", 1)
        except AddressesExhausted as exc:
            raise _no_room(exc, where) from None
        return KubectlResult("\n".join(lines))

    def open_session(self, command_line: str, where: str) -> Session | KubectlResult:
        """Start ``kubectl run NAME --rm -ti --image=... /bin/sh`` or ``kubectl exec -ti POD sh``.

        Returns the session, or kubectl's error output when kubectl refuses.
        """
        words = _words(command_line, where)
        if words and words[0] == "kubectl":
            words = words[1:]
        try:
            if words[:1] == ["run"]:
                return self._run_session(words[1:], where)
            if words[:1] == ["exec"]:
                args = parse_flags(
                    words[1:], {"namespace", "tty", "stdin", "container"}, where, "exec"
                )
                if not (args.has("tty") and args.has("stdin")):
                    raise ScenarioError(
                        f"{where}: a shell session needs `kubectl exec -ti POD -- /bin/sh`"
                    )
                if not args.positional:
                    raise KubectlError(EXEC_USAGE)
                if not (args.command or args.positional[1:]):
                    raise KubectlError(EXEC_NO_COMMAND)
                pod = self._pod_for(args.positional[0], args.get("namespace", "default"))
                return Session(pod.key, ())
        except KubectlError as exc:
            return KubectlResult(str(exc), 1)
        except LookupFailed as exc:
            return KubectlResult(f"Error from server (NotFound): {exc}", 1)
        except AddressesExhausted as exc:
            raise _no_room(exc, where) from None
        raise ScenarioError(
            f"{where}: a shell session is `kubectl run NAME --rm -ti "
            "--image=busybox /bin/sh` or `kubectl exec -ti POD -- /bin/sh`"
        )

    def close_session(self, session: Session) -> list[str]:
        """End a session: kubectl's closing lines, and the deletion ``--rm`` asked for."""
        lines = []
        if session.attach_hint:
            lines.append(
                f"Session ended, resume using '{session.attach_hint}' command when the "
                "pod is running"
            )
        if session.remove:
            kind, _, key = session.remove.partition(":")
            lines += self._delete_object(kind, key)
        return lines

    # ----------------------------------------------------------------- run
    _RUN_FLAGS: frozenset[str] = frozenset(
        {
            "image",
            "replicas",
            "labels",
            "expose",
            "port",
            "namespace",
            "rm",
            "tty",
            "stdin",
            "restart",
            "command",
        }
    )

    def _run_args(self, words: Sequence[str], where: str) -> Args:
        args = parse_flags(words, self._RUN_FLAGS, where, "run")
        if len(args.positional) > 1 and not args.command:
            args.command = args.positional[1:]
            args.positional = args.positional[:1]
        if len(args.positional) != 1:
            raise KubectlError("error: NAME is required for run")
        if not args.get("image"):
            raise KubectlError("error: --image is required")
        return args

    def _run(self, words: Sequence[str], where: str) -> list[str]:
        args = self._run_args(words, where)
        if args.has("rm") and not (args.has("tty") or args.has("stdin")):
            raise KubectlError("error: --rm should only be used for attached containers")
        if args.has("tty") or args.has("stdin") or args.has("rm"):
            raise ScenarioError(f"{where}: an interactive `kubectl run --rm -ti` is a shell: step")
        lines, _ = self._run_workload(args, where)
        return lines

    def _run_session(self, words: Sequence[str], where: str) -> Session:
        args = self._run_args(words, where)
        if not (args.has("tty") and args.has("stdin")):
            raise ScenarioError(
                f"{where}: a shell session needs `-ti` (`kubectl run NAME --rm "
                "-ti --image=busybox /bin/sh`)"
            )
        _, pod = self._run_workload(args, where)
        banner = (
            f"Waiting for pod {pod.key} to be running, status is Pending, pod ready: false",
            "",
            "Hit enter for command prompt",
            "",
        )
        name = args.positional[0]
        never = args.get("restart", "Always") == "Never"
        remove = ""
        if args.has("rm"):
            remove = f"Pod:{pod.key}" if never else f"Deployment:{pod.namespace}/{name}"
        hint = f"kubectl attach {pod.name} -c {name} -i -t"
        return Session(pod.key, banner, remove, hint)

    def _run_workload(self, args: Args, where: str) -> tuple[list[str], Pod]:
        name = args.positional[0]
        namespace = args.get("namespace", "default")
        image = args.get("image")
        restart = args.get("restart", "Always")
        if restart not in ("Always", "Never"):
            raise ScenarioError(
                f"{where}: netsim emulates --restart=Always (a Deployment) and "
                f"--restart=Never (a Pod), not {restart}"
            )
        labels = run_labels(args.get("labels")) if args.has("labels") else Labels.of({"run": name})
        ports: tuple[int, ...] = ()
        if args.has("port"):
            ports = (_port_number(args.get("port"), "port"),)
        replicas = 1
        if args.has("replicas"):
            try:
                replicas = int(args.get("replicas"))
            except ValueError:
                raise KubectlError(
                    f'error: invalid argument "{args.get("replicas")}" for "--replicas" flag'
                ) from None
            if replicas < 0 or replicas > 100:
                raise ScenarioError(f"{where}: --replicas must be between 0 and 100")
        if args.has("expose") and not ports:
            raise KubectlError("error: --port must be set when exposing a service")
        self._need_namespace(namespace)
        kind = "Pod" if restart == "Never" else "Deployment"
        admit(workload_manifest(kind, name, namespace, image, labels, ports, replicas))
        container_ports = tuple(ContainerPort(p) for p in ports)
        lines: list[str] = []
        if args.has("expose"):
            service = Service(
                name,
                namespace,
                tuple(ServicePort(p, p) for p in ports),
                selector=labels,
            )
            self._add_service(service)
            lines.append(f'service "{name}" created')
        pods: list[Pod] = []
        if restart == "Never":
            self._check_absent("Pod", f"{namespace}/{name}")
            pods.append(
                self._add(
                    Pod(name, namespace, labels, container_ports=container_ports, image=image)
                )
            )
            lines.append(f'pod "{name}" created')
        else:
            key = f"{namespace}/{name}"
            if key in self.deployments:
                raise KubectlError(
                    f'Error from server (AlreadyExists): deployments.extensions "{name}" '
                    "already exists"
                )
            template = f"{image}|{labels}|{ports}|{args.command}"
            template_hash = str(fnv32a(template))
            self.deployments[key] = Deployment(name, namespace, labels, image, ports)
            pod_labels = labels.with_label("pod-template-hash", template_hash)
            for _ in range(max(replicas, 1) if replicas else 0):
                suffix = "".join(self.rng.choice(NAME_ALPHABET) for _ in range(5))
                pod = Pod(
                    f"{name}-{template_hash}-{suffix}",
                    namespace,
                    pod_labels,
                    container_ports=container_ports,
                    image=image,
                    owner=f"Deployment/{name}",
                )
                pods.append(self._add(pod))
            lines.append(f'deployment "{name}" created')
        return lines, pods[0] if pods else Pod(name, namespace)

    def _add(self, obj: Pod) -> Pod:
        stored = self.cluster.add(obj)
        assert isinstance(stored, Pod)
        return stored

    def _add_service(self, service: Service) -> Service:
        self._check_absent("Service", service.key)
        if not service.cluster_ip and service.key in self.cluster_ips:
            service = dataclasses.replace(service, cluster_ip=self.cluster_ips[service.key])
        if service.type in ("NodePort", "LoadBalancer"):
            ports = []
            taken = self._node_ports_in_use() | {p.node_port for p in service.ports if p.node_port}
            for port in service.ports:
                if port.node_port is None:
                    port = dataclasses.replace(port, node_port=self._node_port(taken))
                ports.append(port)
            service = dataclasses.replace(service, ports=tuple(ports))
        admit(service_manifest(service))
        try:
            stored = self.cluster.add(service)
        except ValidationError as exc:
            raise KubectlError(self._invalid("Service", service.name, exc)) from None
        assert isinstance(stored, Service)
        return stored

    def _node_ports_in_use(self) -> set[int]:
        """The NodePorts the cluster's Services hold (a deleted Service's are free again)."""
        return {
            port.node_port
            for service in self.cluster.services.values()
            for port in service.ports
            if port.node_port
        }

    def _node_port(self, taken: set[int]) -> int:
        """A random free NodePort, added to ``taken``; kubectl's error when none is left."""
        low, high = NODE_PORT_RANGE
        if sum(1 for port in taken if low <= port <= high) > high - low:
            raise KubectlError(NODE_PORT_RANGE_FULL)
        while True:
            port = self.rng.randint(low, high)
            if port not in taken:
                taken.add(port)
                return port

    def _need_namespace(self, namespace: str) -> None:
        if namespace not in self.cluster.namespaces:
            raise KubectlError(f'Error from server (NotFound): namespaces "{namespace}" not found')

    def _check_absent(self, kind: str, key: str) -> None:
        if key in self._store(kind):
            name = key.rsplit("/", 1)[-1]
            raise KubectlError(
                f'Error from server (AlreadyExists): {PLURAL_RESOURCE[kind]} "{name}" '
                "already exists"
            )

    @staticmethod
    def _invalid(kind: str, name: str, exc: ValidationError) -> str:
        return invalid_message(kind, name, exc)

    # -------------------------------------------------------------- expose
    def _expose(self, words: Sequence[str], where: str) -> list[str]:
        args = parse_flags(
            words,
            {"port", "target-port", "type", "name", "protocol", "cluster-ip", "namespace"},
            where,
            "expose",
        )
        namespace = args.get("namespace", "default")
        target = list(args.positional)
        if len(target) == 1 and "/" in target[0]:
            target = target[0].split("/", 1)
        if len(target) != 2:
            raise KubectlError("error: You must provide the resource type and name to expose")
        kind = RESOURCES.get(target[0].lower())
        name = target[1]
        selector: Labels | None
        ports: tuple[int, ...]
        if kind == "Deployment":
            deployment = self._deployment(f"{namespace}/{name}")
            selector, ports = deployment.selector, deployment.ports
        elif kind == "Pod":
            pod = self._get_pod(namespace, name)
            selector = pod.labels
            ports = tuple(cp.port for cp in pod.container_ports)
        elif kind == "Service":
            svc = self.cluster.services.get(f"{namespace}/{name}")
            if svc is None:
                raise LookupFailed(f'services "{name}" not found')
            selector, ports = svc.selector, tuple(p.port for p in svc.ports)
        else:
            raise ScenarioError(
                f"{where}: netsim exposes deployments, pods and services, not {target[0]}"
            )
        if selector is None or not len(selector):
            raise KubectlError(
                f"error: couldn't retrieve selectors via --selector flag or "
                f"introspection: the {target[0]} has no labels"
            )
        if args.has("port"):
            ports = (_port_number(args.get("port"), "port"),)
        if not ports:
            raise KubectlError("error: couldn't find port via --port flag or introspection")
        protocol = args.get("protocol", "TCP")
        if protocol not in ("TCP", "UDP", "SCTP"):
            raise KubectlError(
                f'The Service "{name}" is invalid: spec.ports[0].protocol: Unsupported value: '
                f'"{protocol}": supported values: "SCTP", "TCP", "UDP"'
            )
        target_port: int | str = ports[0]
        if args.has("target-port"):
            text = args.get("target-port")
            target_port = int(text) if text.isdigit() else text
        service_type = args.get("type", "ClusterIP")
        if service_type not in ("ClusterIP", "NodePort", "LoadBalancer"):
            raise ScenarioError(
                f"{where}: netsim emulates --type ClusterIP, NodePort and "
                f"LoadBalancer, not {service_type}"
            )
        service_name = args.get("name", name)
        service = Service(
            service_name,
            namespace,
            tuple(
                ServicePort(p, target_port if len(ports) == 1 else p, protocol)  # type: ignore[arg-type]
                for p in ports
            ),
            selector=selector,
            type=service_type,  # type: ignore[arg-type]
            cluster_ip=args.get("cluster-ip"),
        )
        self._add_service(service)
        return [f'service "{service_name}" exposed']

    def _deployment(self, key: str) -> Deployment:
        found = self.deployments.get(key)
        if found is not None:
            return found
        namespace, name = key.split("/", 1)
        pods = [p for p in self.cluster.pods_in(namespace) if p.owner == f"Deployment/{name}"]
        if not pods:
            raise LookupFailed(f'deployments.extensions "{name}" not found')
        common = set(pods[0].labels.items)
        for pod in pods[1:]:
            common &= set(pod.labels.items)
        selector = Labels(tuple(kv for kv in common if kv[0] != "pod-template-hash"))
        ports = tuple(sorted({cp.port for p in pods for cp in p.container_ports}))
        return Deployment(name, namespace, selector, pods[0].image, ports)

    # ------------------------------------------------------- create/apply/delete
    def _create(self, words: Sequence[str], where: str) -> list[str]:
        if words[:1] in (["service"], ["svc"]):
            kind = words[1].lower() if len(words) > 1 else ""
            if kind not in SERVICE_TYPES:
                raise ScenarioError(
                    f"{where}: netsim emulates kubectl create service "
                    f"clusterip|nodeport|loadbalancer{f', not {kind}' if kind else ''}"
                )
            args = parse_flags(words[2:], CREATE_SERVICE_FLAGS[kind], where, "create")
            service = create_service(kind, args, where)
            self._need_namespace(service.namespace)
            self._add_service(service)
            return [f'service "{service.name}" created']
        if words[:1] in (["namespace"], ["ns"]):
            args = parse_flags(words[1:], set(), where, "create")
            if len(args.positional) != 1:
                raise KubectlError(
                    f"error: exactly one NAME is required, got {len(args.positional)}"
                )
            name = args.positional[0]
            self._check_absent("Namespace", name)
            admit({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
            self._create_objects([Namespace(name)])
            return [f'namespace "{name}" created']
        return self._manifests("create", words, where)

    def _apply(self, words: Sequence[str], where: str) -> list[str]:
        return self._manifests("apply", words, where)

    def _manifests(self, verb: str, words: Sequence[str], where: str) -> list[str]:
        args = parse_flags(words, {"filename", "namespace", "recursive"}, where, verb)
        if not args.has("filename") or args.positional:
            raise ScenarioError(
                f"{where}: netsim emulates `kubectl {verb} -f FILE` (and `create namespace NAME`)"
            )
        return self.manifest_files(verb, args.get("filename"), args.get("namespace"), where)

    def manifest_files(self, verb: str, filename: str, namespace: str, where: str) -> list[str]:
        """``kubectl create|apply|delete -f filename``: a file, a directory or the Calico URL."""
        if filename.startswith(("http://", "https://")):
            if verb != "delete" and filename.rsplit("/", 1)[-1] == "calico.yaml":
                self.install_cni("calico")
                return list(CALICO_MANIFEST_OBJECTS)
            raise ScenarioError(
                f"{where}: netsim has no network access: of URLs it understands "
                "only the Calico manifest (…/calico.yaml), which installs a "
                "policy-enforcing CNI"
            )
        path = self.base_dir / filename
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
            lines += self.manifests(verb, docs, shown, namespace)
        return lines

    def manifests(
        self, verb: str, docs: Sequence[Any], source: str, namespace: str = ""
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
                raise KubectlError(self._invalid(kind, name, exc)) from None
            resource = kind.lower()
            try:
                lines += self._apply_objects(verb, objects, resource, name, source)
            except KubectlError as exc:
                lines.append(str(exc))
                raise KubectlError("\n".join(lines)) from None
        return lines

    def _apply_objects(
        self, verb: str, objects: Sequence[Object], resource: str, name: str, source: str
    ) -> list[str]:
        action = {"create": "creating", "apply": "creating", "delete": "deleting"}[verb]
        if verb == "delete":
            for obj in objects:
                kind, key = kind_key(obj)
                if key not in self._store(kind):
                    raise KubectlError(
                        f'Error from server (NotFound): error when {action} "{source}": '
                        f'{PLURAL_RESOURCE[kind]} "{name}" not found'
                    )
            for obj in objects:
                kind, key = kind_key(obj)
                if kind == "Namespace":
                    self._delete_namespace_contents(key)
                self.cluster.delete(kind, key)
            return [f'{resource} "{name}" deleted']
        for obj in objects:
            ns = getattr(obj, "namespace", None)
            if ns and ns not in self.cluster.namespaces:  # "" is cluster-scoped
                raise KubectlError(
                    f'Error from server (NotFound): error when {action} "{source}": '
                    f'namespaces "{ns}" not found'
                )
        changed = False
        existed = False
        for obj in objects:
            kind, key = kind_key(obj)
            old = self._store(kind).get(key)
            if old is not None:
                existed = True
                if verb == "create":
                    raise KubectlError(
                        f'Error from server (AlreadyExists): error when creating "{source}": '
                        f'{PLURAL_RESOURCE[kind]} "{name}" already exists'
                    )
            if isinstance(obj, Service) and not obj.cluster_ip and obj.key in self.cluster_ips:
                obj = dataclasses.replace(obj, cluster_ip=self.cluster_ips[obj.key])
            try:
                if old is None:
                    self.cluster.add(obj)
                    changed = True
                else:
                    _, stored = self.cluster.apply(obj)
                    changed = changed or stored is not old
            except AddressesExhausted:
                raise
            except ValidationError as exc:
                raise KubectlError(self._invalid(kind, name, exc)) from None
        if not existed:
            return [f'{resource} "{name}" created']
        return [f'{resource} "{name}" {"configured" if changed else "unchanged"}']

    def _create_objects(self, objects: Sequence[Object]) -> None:
        for obj in objects:
            self.cluster.add(obj)

    def _store(self, kind: str) -> Mapping[str, Object]:
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

    def _delete(self, words: Sequence[str], where: str) -> list[str]:
        args = parse_flags(words, {"filename", "namespace"}, where, "delete")
        namespace = args.get("namespace", "default")
        if args.has("filename"):
            if args.positional:
                raise ScenarioError(f"{where}: give either -f FILE or TYPE NAME to delete")
            return self.manifest_files("delete", args.get("filename"), args.get("namespace"), where)
        target = list(args.positional)
        if target and "/" in target[0]:
            target = target[0].split("/", 1) + target[1:]
        if len(target) < 2:
            raise KubectlError("error: resource(s) were provided, but no name was specified")
        kinds = [RESOURCES.get(word.lower()) for word in target[0].split(",")]
        for word, kind in zip(target[0].split(","), kinds, strict=True):
            if kind is None:
                raise ScenarioError(f"{where}: netsim does not emulate resource type {word}")
        lines, errors = [], []
        for kind in kinds:  # kubectl goes on past a missing object, then reports it
            for name in target[1:]:
                key = name if kind == "Namespace" else f"{namespace}/{name}"
                if kind in CLUSTER_SCOPED:
                    key = cluster_policy_key(str(kind), name)
                try:
                    lines += self._delete_object(str(kind), key)
                except LookupFailed as exc:
                    errors.append(f"Error from server (NotFound): {exc}")
        if errors:
            raise KubectlError("\n".join(lines + errors))
        return lines

    def _delete_object(self, kind: str, key: str) -> list[str]:
        name = key.rsplit("/", 1)[-1]
        if kind == "Deployment":
            deployment = self._deployment(key)
            for pod in self.cluster.pods_in(deployment.namespace):
                if pod.owner == f"Deployment/{name}":
                    self.cluster.delete("Pod", pod.key)
            self.deployments.pop(key, None)
            return [f'deployment "{name}" deleted']
        if kind == "Namespace":
            if key not in self.cluster.namespaces:
                raise LookupFailed(f'namespaces "{key}" not found')
            self._delete_namespace_contents(key)
        self.cluster.delete(kind, key)  # type: ignore[arg-type]
        return [f'{SINGULAR[kind]} "{name}" deleted']

    def _delete_namespace_contents(self, namespace: str) -> None:
        for kind in ("NetworkPolicy", "Service", "Pod"):
            for key in sorted(self._store(kind)):
                if key.startswith(f"{namespace}/"):
                    self.cluster.delete(kind, key)
        for key in [k for k in self.deployments if k.startswith(f"{namespace}/")]:
            del self.deployments[key]

    # --------------------------------------------------------------- label
    def _label(self, words: Sequence[str], where: str) -> list[str]:
        args = parse_flags(words, {"overwrite", "namespace"}, where, "label")
        namespace = args.get("namespace", "default")
        items = list(args.positional)
        if items and "/" in items[0]:
            items = items[0].split("/", 1) + items[1:]
        if len(items) < 3:
            raise KubectlError(
                "error: one or more resources must be specified as <resource> "
                "<name> or <resource>/<name>"
            )
        kind = RESOURCES.get(items[0].lower())
        if kind not in ("Pod", "Namespace"):
            raise ScenarioError(f"{where}: netsim labels pods and namespaces, not {items[0]}")
        name = items[1]
        obj: Pod | Namespace
        if kind == "Pod":
            obj = self._get_pod(namespace, name)
        else:
            found = self.cluster.namespaces.get(name)
            if found is None:
                raise LookupFailed(f'namespaces "{name}" not found')
            obj = found
        labels = obj.labels
        for change in items[2:]:
            if change.endswith("-") and "=" not in change:
                labels = labels.without(change[:-1])
                continue
            if "=" not in change:
                raise KubectlError(f"error: at least one label update is required: {change}")
            key, value = label_update(change)
            current = labels.get(key)
            if current is not None and current != value and not args.has("overwrite"):
                raise KubectlError(
                    f"error: '{key}' already has a value ({current}), and --overwrite is false"
                )
            labels = labels.with_label(key, value)
        check_labels(str(kind), name, labels)
        if isinstance(obj, Pod):
            self.cluster.apply(obj.relabelled(labels))
        else:
            self.cluster.apply(Namespace(obj.name, labels))
        return [f'{SINGULAR[str(kind)]} "{name}" labeled']

    # ------------------------------------------------------------ get/describe
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
                if p.owner == f"Deployment/{name}"
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
            found = self._deployment(key)
            pods = [
                p
                for p in self.cluster.pods_in(found.namespace)
                if p.owner == f"Deployment/{found.name}"
            ]
            views.append(
                DeploymentView(
                    found.name, found.namespace, found.selector, found.image, found.ports, len(pods)
                )
            )
        return views

    def _get(self, words: Sequence[str], where: str) -> list[str]:
        source = kubectl_get.GetSource(
            self.cluster,
            self.clock(),
            self.created_at,
            self.deployment_views,
            self._external_ip,
            self.load_balancer_ip,
        )
        return kubectl_get.get(source, words, where)

    def _external_ip(self, service: Service) -> str:
        if service.type == "LoadBalancer":
            return service.load_balancer_ip or self.load_balancer_ip(service.key) or "<pending>"
        if service.type == "NodePort":
            return "<nodes>"
        return "<none>"

    _DESCRIBED = ("Pod", "Service", "NetworkPolicy", *sorted(CLUSTER_SCOPED))

    def _describe(self, words: Sequence[str], where: str) -> list[str]:
        args = parse_flags(words, {"namespace"}, where, "describe")
        items = list(args.positional)
        if items and "/" in items[0]:
            items = items[0].split("/", 1) + items[1:]
        if not items:
            raise KubectlError("You must specify the type of resource to describe.")
        kind = str(RESOURCES.get(items[0].lower(), ""))
        if kind not in self._DESCRIBED:
            raise UnsupportedCommand(
                f"{where}: netsim describes pods, services, networkpolicies and "
                f"anp/banp/cnp, not {items[0]}",
                f'error: netsim does not emulate "kubectl describe {items[0]}" '
                "(it describes pods, services, networkpolicies, adminnetworkpolicies, "
                "baselineadminnetworkpolicies and clusternetworkpolicies)",
            )
        namespace = args.get("namespace", "default")
        store = self._store(kind)
        if kind in CLUSTER_SCOPED:
            keys = [cluster_policy_key(kind, n) for n in items[1:]] or sorted(
                k for k in store if k.startswith(f"{kind}/")
            )
        elif len(items) > 1:
            keys = [f"{namespace}/{n}" for n in items[1:]]
        else:
            keys = sorted(k for k in store if k.startswith(f"{namespace}/"))
        for key in keys:
            if key not in store:
                raise LookupFailed(f'{PLURAL_RESOURCE[kind]} "{key.rsplit("/", 1)[-1]}" not found')
        if kind in CLUSTER_SCOPED:
            policies = self.cluster.cluster_policies
            texts = [describe_cluster_policy(policies[k], self.created_at(kind, k)) for k in keys]
        else:
            source = DescribeSource(self.cluster, self.created_at, self.load_balancer_ip)
            texts = describe_objects(source, kind, keys)
        if not texts:
            where_found = "" if kind in CLUSTER_SCOPED else f" in {namespace} namespace"
            return [f"No resources found{where_found}."]
        return ["\n\n\n".join(text.rstrip("\n") for text in texts)]

    # ---------------------------------------------------------------- exec
    def _exec(self, words: Sequence[str], where: str) -> list[str]:
        args = parse_flags(words, {"namespace", "container", "tty", "stdin"}, where, "exec")
        if args.has("tty") or args.has("stdin"):
            raise ScenarioError(f"{where}: an interactive `kubectl exec -ti` is a shell: step")
        if not args.positional:
            raise KubectlError(EXEC_USAGE)
        command = args.command or args.positional[1:]
        if not command:
            raise KubectlError(EXEC_NO_COMMAND)
        pod = self._pod_for(args.positional[0], args.get("namespace", "default"))
        result = exec_result(*self.exec_fn(pod.key, shlex.join(command)))
        if result.exit_code:
            raise KubectlError(result.output)
        return [result.output] if result.output else []

    def exec_pod(self, target: str, namespace: str) -> str | KubectlResult:
        """The pod ``kubectl exec TARGET -n NAMESPACE`` runs in (``ns/name``), or kubectl's
        refusal (a background step starts its command there)."""
        try:
            return self._pod_for(target, namespace).key
        except LookupFailed as exc:
            return KubectlResult(f"Error from server (NotFound): {exc}", 1)

    def _pod_for(self, target: str, namespace: str) -> Pod:
        """A pod by name, ``ns/name``, or ``deployment/name`` (its first pod, as kubectl picks)."""
        kind, _, name = target.partition("/")
        if name and RESOURCES.get(kind.lower()) == "Deployment":
            deployment = self._deployment(f"{namespace}/{name}")
            for pod in self.cluster.pods_in(namespace):
                if pod.owner == f"Deployment/{deployment.name}":
                    return pod
            raise LookupFailed(f'pods for deployment "{name}" not found')
        if name and RESOURCES.get(kind.lower()) == "Pod":
            target = name
        elif name:
            namespace, target = kind, name
        return self._get_pod(namespace, target)

    def _get_pod(self, namespace: str, name: str) -> Pod:
        pod = self.cluster.pods.get(f"{namespace}/{name}")
        if pod is None:
            raise LookupFailed(f'pods "{name}" not found')
        return pod


def exec_result(output: str, exit_code: int) -> KubectlResult:
    """What ``kubectl exec`` prints for a command's output and exit code: the output,
    then ``command terminated with exit code N`` when it failed (kubectl exits 1)."""
    lines = [output] if output else []
    if exit_code:
        lines.append(f"command terminated with exit code {exit_code}")
    return KubectlResult("\n".join(lines), 1 if exit_code else 0)


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
