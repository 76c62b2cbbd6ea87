"""``kubectl describe``: pods, services and network policies in kubectl's describer layout.

The layouts follow kubectl's ``pkg/describe`` (``describePod``, ``describeService``,
``describeNetworkPolicy``): ``Key:<tab>value`` lines aligned by Go's tabwriter with
padding 2. Only what the model knows is shown; what a real cluster adds and netsim
has no notion of (volumes, tolerations, events) is printed as ``<none>``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from netsim.model.cluster import KUBERNETES_SERVICE, Cluster
from netsim.model.labels import Labels, LabelSelector
from netsim.model.netpol import NetworkPolicy, PolicyPeer, PolicyRule
from netsim.model.objects import Pod, Service, ServicePort
from netsim.scenario.kubectl_format import format_created, rfc1123z, tabwrite


def _multiline_labels(title: str, labels: Labels) -> list[str]:
    """``printLabelsMultiline``: the first label beside the title, the rest below it."""
    if not len(labels):
        return [f"{title}:\t<none>"]
    lines = []
    for i, (key, value) in enumerate(labels):
        lines.append(f"{title}:\t{key}={value}" if i == 0 else f"\t{key}={value}")
    return lines


def _selector_text(selector: LabelSelector | None) -> str:
    return "<none>" if selector is None else str(selector)


def describe_network_policy(policy: NetworkPolicy, created: float) -> str:
    """``kubectl describe networkpolicy`` of one policy, as kubectl's describer prints it."""
    head = [
        ("Name:", policy.name),
        ("Namespace:", policy.namespace),
        ("Created on:", format_created(created)),
        ("Labels:", ",".join(f"{k}={v}" for k, v in policy.labels) or "<none>"),
        ("Annotations:", "<none>"),
    ]
    lines = [f"{k:<14}{v}" for k, v in head]
    lines.append("Spec:")
    if policy.pod_selector.is_empty:
        lines.append(
            "  PodSelector:     <none> (Allowing the specific traffic to all pods in "
            "this namespace)"
        )
    else:
        lines.append(f"  PodSelector:     {policy.pod_selector}")
    for direction in ("ingress", "egress"):
        if policy.isolates(direction):
            lines.append(f"  Allowing {direction} traffic:")
            lines += _describe_rules(policy.rules(direction), direction)
        else:
            lines.append(f"  Not affecting {direction} traffic")
    lines.append(f"  Policy Types: {', '.join(policy.policy_types)}")
    return "\n".join(lines)


def _describe_rules(rules: Sequence[PolicyRule], direction: str) -> list[str]:
    indent = "    "
    if not rules:
        return [f"{indent}<none> (Selected pods are isolated for {direction} connectivity)"]
    word = "From" if direction == "ingress" else "To"
    lines: list[str] = []
    for i, rule in enumerate(rules):
        if not rule.ports:
            lines.append(f"{indent}To Port: <any> (traffic allowed to all ports)")
        for port in rule.ports:
            number = "<nil>" if port.port is None else str(port.port)
            if port.end_port is not None:
                number = f"{number}-{port.end_port}"
            lines.append(f"{indent}To Port: {number}/{port.protocol}")
        if not rule.peers:
            what = "source" if direction == "ingress" else "destination"
            lines.append(f"{indent}{word}: <any> (traffic not restricted by {what})")
        for peer in rule.peers:
            lines.append(f"{indent}{word}:")
            lines += _describe_peer(peer, indent + "  ")
        if i != len(rules) - 1:
            lines.append(f"{indent}----------")
    return lines


def _describe_peer(peer: PolicyPeer, indent: str) -> list[str]:
    if peer.ip_block is not None:
        block = peer.ip_block
        return [
            f"{indent}IPBlock:",
            f"{indent}  CIDR: {block.cidr}",
            f"{indent}  Except: {', '.join(str(e) for e in block.except_)}",
        ]
    lines = []
    if peer.namespace_selector is not None:
        lines.append(f"{indent}NamespaceSelector: {_selector_text(peer.namespace_selector)}")
    if peer.pod_selector is not None:
        lines.append(f"{indent}PodSelector: {_selector_text(peer.pod_selector)}")
    return lines


def container_name(pod: Pod) -> str:
    """The name of the pod's (single) container: its workload's name, else the pod's."""
    kind, _, name = pod.owner.partition("/")
    return name if kind and name else pod.name


def controller(pod: Pod) -> str:
    """``Controlled By:``: a Deployment's pods belong to its ReplicaSet ``<pod name - suffix>``."""
    kind, _, name = pod.owner.partition("/")
    if not kind or not name:
        return ""
    if kind == "Deployment":
        return f"ReplicaSet/{pod.name.rsplit('-', 1)[0]}"
    return pod.owner


def describe_pod(cluster: Cluster, pod: Pod, created: float) -> str:
    """``kubectl describe pod`` of one pod, in ``describePod``'s layout."""
    node = cluster.nodes.get(pod.node)
    lines = [
        f"Name:\t{pod.name}",
        f"Namespace:\t{pod.namespace}",
        "Priority:\t0",
        "Service Account:\tdefault",
        f"Node:\t{pod.node}/{node.ip}" if node else f"Node:\t{pod.node or '<none>'}",
        f"Start Time:\t{rfc1123z(created)}",
        *_multiline_labels("Labels", pod.labels),
        "Annotations:\t<none>",
        "Status:\tRunning",
        f"IP:\t{pod.ip}",
    ]
    lines += [f"IPs:\n  IP:\t{pod.ip}"] if pod.ip else ["IPs:\t<none>"]
    if controller(pod):
        lines.append(f"Controlled By:\t{controller(pod)}")
    ports = ", ".join(
        f"{cp.port}/{cp.protocol}" + (f" ({cp.name})" if cp.name else "")
        for cp in pod.container_ports
    )
    host_ports = ", ".join(
        f"0/{cp.protocol}" + (f" ({cp.name})" if cp.name else "") for cp in pod.container_ports
    )
    plural = "s" if "," in ports else ""
    lines += [
        "Containers:",
        f"  {container_name(pod)}:",
        f"    Image:\t{pod.image or '<none>'}",
        f"    Port{plural}:\t{ports or '<none>'}",
        f"    Host Port{plural}:\t{host_ports or '<none>'}",
        "    State:\tRunning",
        f"      Started:\t{rfc1123z(created)}",
        "    Ready:\tTrue",
        "    Restart Count:\t0",
        "    Environment:\t<none>",
        "    Mounts:\t<none>",
        "Conditions:",
        "  Type\tStatus",
        *(f"  {c} \tTrue " for c in ("Initialized", "Ready", "ContainersReady", "PodScheduled")),
        "Volumes:\t<none>",
        "QoS Class:\tBestEffort",
        "Node-Selectors:\t<none>",
        "Tolerations:\t<none>",
        "Events:\t<none>",
    ]
    return tabwrite("\n".join(lines))


def _target_port(port: ServicePort, pod: Pod) -> int | None:
    if isinstance(port.target_port, int):
        return port.target_port
    return pod.named_port(port.target_port, port.protocol)


def endpoint_addresses(cluster: Cluster, service: Service, port: ServicePort) -> list[str]:
    """``ip:port`` of each endpoint of one Service port (the pods' resolved target ports).

    The ``kubernetes`` Service's endpoint is the apiserver: the first node, port 6443.
    """
    if service.key == KUBERNETES_SERVICE and cluster.nodes:
        first = cluster.nodes[min(cluster.nodes)]
        target = port.target_port if isinstance(port.target_port, int) else 6443
        return [f"{first.ip}:{target}"]
    found = []
    for pod in cluster.endpoints(service):
        number = _target_port(port, pod)
        if number is not None:
            found.append(f"{pod.ip}:{number}")
    return found


def format_endpoints(addresses: Sequence[str], limit: int = 3) -> str:
    """kubectl's endpoint list: the first three, then ``+ N more...``; ``<none>`` if empty."""
    if not addresses:
        return "<none>"
    text = ",".join(addresses[:limit])
    if len(addresses) > limit:
        text += f" + {len(addresses) - limit} more..."
    return text


def describe_service(cluster: Cluster, service: Service, load_balancer_ip: str = "") -> str:
    """``kubectl describe service`` of one Service, in ``describeService``'s layout."""
    family = "IPv6" if ":" in service.cluster_ip else "IPv4"
    selector = str(service.selector) if service.selector else "<none>"
    lines = [
        f"Name:\t{service.name}",
        f"Namespace:\t{service.namespace}",
        "Labels:\t<none>",
        "Annotations:\t<none>",
        f"Selector:\t{selector}",
        f"Type:\t{service.type}",
        "IP Family Policy:\tSingleStack",
        f"IP Families:\t{family}",
        f"IP:\t{service.cluster_ip or 'None'}",
        f"IPs:\t{service.cluster_ip or 'None'}",
    ]
    if service.load_balancer_ip:
        lines.append(f"Desired LoadBalancer IP:\t{service.load_balancer_ip}")
    ingress = service.load_balancer_ip or load_balancer_ip
    if service.type == "LoadBalancer" and ingress:
        lines.append(f"LoadBalancer Ingress:\t{ingress}")
    for port in service.ports:
        name = port.name or "<unset>"
        lines.append(f"Port:\t{name}\t{port.port}/{port.protocol}")
        lines.append(f"TargetPort:\t{port.target_port}/{port.protocol}")
        if port.node_port is not None:
            lines.append(f"NodePort:\t{name}\t{port.node_port}/{port.protocol}")
        addresses = endpoint_addresses(cluster, service, port)
        lines.append(f"Endpoints:\t{format_endpoints(addresses)}")
    lines.append("Session Affinity:\tNone")
    if service.type in ("NodePort", "LoadBalancer"):
        lines.append(f"External Traffic Policy:\t{service.external_traffic_policy}")
    lines += ["Internal Traffic Policy:\tCluster", "Events:\t<none>"]
    return tabwrite("\n".join(lines))


@dataclass(frozen=True, slots=True)
class DescribeSource:
    """What ``describe`` reads: the cluster, creation times, and load balancer addresses."""

    cluster: Cluster
    created: Callable[[str, str], float]
    load_balancer_ip: Callable[[str], str]


def describe_objects(source: DescribeSource, kind: str, keys: Sequence[str]) -> list[str]:
    """Describe each ``namespace/name`` key of one kind (Pod, Service or NetworkPolicy)."""
    cluster = source.cluster
    stores: Mapping[str, Mapping[str, object]] = {
        "Pod": cluster.pods,
        "Service": cluster.services,
        "NetworkPolicy": cluster.policies,
    }
    texts = []
    for key in keys:
        obj = stores[kind][key]
        if isinstance(obj, Pod):
            texts.append(describe_pod(cluster, obj, source.created("Pod", key)))
        elif isinstance(obj, Service):
            texts.append(describe_service(cluster, obj, source.load_balancer_ip(key)))
        else:
            assert isinstance(obj, NetworkPolicy)
            texts.append(describe_network_policy(obj, source.created("NetworkPolicy", key)))
    return texts
