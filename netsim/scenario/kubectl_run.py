"""``kubectl run``: a Deployment (``--restart=Always``) or a Pod (``--restart=Never``).

As kubectl 1.7 ran it: ``--image --replicas --labels --expose --port --namespace
--restart``, pods named ``NAME-HASH-xxxxx`` (``HASH`` the FNV-1a of the pod template,
``xxxxx`` five seeded random characters), labelled ``run=NAME`` unless ``--labels`` says
otherwise. ``--rm -ti`` is an interactive session (:func:`run_session`), a shell step.
"""

from __future__ import annotations

from collections.abc import Sequence

from netsim.errors import ScenarioError
from netsim.model.labels import Labels
from netsim.model.objects import ContainerPort, Pod, Service, ServicePort
from netsim.scenario.kubectl_cli import Args, KubectlError, parse_flags
from netsim.scenario.kubectl_objects import admit, port_number, run_labels, workload_manifest
from netsim.scenario.kubectl_services import add_service
from netsim.scenario.kubectl_state import Deployment, KubectlState, Session

NAME_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
"""Characters of the random pod-name suffix, as kubectl 1.7 generated them."""
RUN_FLAGS: frozenset[str] = frozenset(
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
"""The ``run`` flags netsim emulates."""


def fnv32a(text: str) -> int:
    """The 32-bit FNV-1a hash (what kubectl 1.7 used for pod-template-hash)."""
    value = 0x811C9DC5
    for byte in text.encode():
        value ^= byte
        value = (value * 0x01000193) & 0xFFFFFFFF
    return value


def _run_args(words: Sequence[str], where: str) -> Args:
    args = parse_flags(words, RUN_FLAGS, where, "run")
    if len(args.positional) > 1 and not args.command:
        args.command = args.positional[1:]
        args.positional = args.positional[:1]
    if len(args.positional) != 1:
        raise KubectlError("error: NAME is required for run")
    if not args.get("image"):
        raise KubectlError("error: --image is required")
    return args


def run(state: KubectlState, words: Sequence[str], where: str) -> list[str]:
    """``kubectl run NAME --image=IMAGE ...`` (not interactive); kubectl's lines."""
    args = _run_args(words, where)
    if args.has("rm") and not (args.has("tty") or args.has("stdin")):
        raise KubectlError("error: --rm should only be used for attached containers")
    if args.has("tty") or args.has("stdin") or args.has("rm"):
        raise ScenarioError(f"{where}: an interactive `kubectl run --rm -ti` is a shell: step")
    lines, _ = _run_workload(state, args, where)
    return lines


def run_session(state: KubectlState, words: Sequence[str], where: str) -> Session:
    """``kubectl run NAME --rm -ti --image=... /bin/sh`` (the words after ``run``)."""
    args = _run_args(words, where)
    if not (args.has("tty") and args.has("stdin")):
        raise ScenarioError(
            f"{where}: a shell session needs `-ti` (`kubectl run NAME --rm "
            "-ti --image=busybox /bin/sh`)"
        )
    _, pod = _run_workload(state, args, where)
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


def _replicas(args: Args, where: str) -> int:
    if not args.has("replicas"):
        return 1
    try:
        replicas = int(args.get("replicas"))
    except ValueError:
        raise KubectlError(
            f'error: invalid argument "{args.get("replicas")}" for "--replicas" flag'
        ) from None
    if replicas < 0 or replicas > 100:
        raise ScenarioError(f"{where}: --replicas must be between 0 and 100")
    return replicas


def _add_pod(state: KubectlState, pod: Pod) -> Pod:
    stored = state.cluster.add(pod)
    assert isinstance(stored, Pod)
    return stored


def _run_workload(state: KubectlState, args: Args, where: str) -> tuple[list[str], Pod]:
    """Create what ``args`` asks for; kubectl's lines and the (first) pod."""
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
        ports = (port_number(args.get("port"), "port"),)
    replicas = _replicas(args, where)
    if args.has("expose") and not ports:
        raise KubectlError("error: --port must be set when exposing a service")
    state.need_namespace(namespace)
    kind = "Pod" if restart == "Never" else "Deployment"
    admit(workload_manifest(kind, name, namespace, image, labels, ports, replicas))
    lines: list[str] = []
    if args.has("expose"):
        service = Service(
            name,
            namespace,
            tuple(ServicePort(p, p) for p in ports),
            selector=labels,
        )
        add_service(state, service)
        lines.append(f'service "{name}" created')
    if restart == "Never":
        state.check_absent("Pod", f"{namespace}/{name}")
        container_ports = tuple(ContainerPort(p) for p in ports)
        pod = Pod(name, namespace, labels, container_ports=container_ports, image=image)
        lines.append(f'pod "{name}" created')
        return lines, _add_pod(state, pod)
    deployment = Deployment(name, namespace, labels, image, ports)
    pods = _run_deployment(state, deployment, args.command, replicas)
    lines.append(f'deployment "{name}" created')
    return lines, pods[0] if pods else Pod(name, namespace)


def _run_deployment(
    state: KubectlState, deployment: Deployment, command: list[str], replicas: int
) -> list[Pod]:
    """Record ``deployment`` and create its pods, ``NAME-HASH-xxxxx`` (see the module doc)."""
    name, labels = deployment.name, deployment.selector
    if deployment.key in state.deployments:
        raise KubectlError(
            f'Error from server (AlreadyExists): deployments.extensions "{name}" already exists'
        )
    template = f"{deployment.image}|{labels}|{deployment.ports}|{command}"
    template_hash = str(fnv32a(template))
    state.deployments[deployment.key] = deployment
    pod_labels = labels.with_label("pod-template-hash", template_hash)
    container_ports = tuple(ContainerPort(p) for p in deployment.ports)
    pods = []
    for _ in range(max(replicas, 1) if replicas else 0):
        suffix = "".join(state.rng.choice(NAME_ALPHABET) for _ in range(5))
        pod = Pod(
            f"{name}-{template_hash}-{suffix}",
            deployment.namespace,
            pod_labels,
            container_ports=container_ports,
            image=deployment.image,
            owner=f"Deployment/{name}",
        )
        pods.append(_add_pod(state, pod))
    return pods
