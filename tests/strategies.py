"""Hypothesis strategies for random clusters and random valid NetworkPolicies.

Small vocabularies on purpose, so that selectors, ipBlocks and named ports
actually hit and miss generated pods. Everything is a model value; use
:func:`build_cluster` to put a drawn :class:`World` into a fresh Cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from netsim.addr import Prefix
from netsim.model import (
    Cluster,
    ContainerPort,
    IPBlock,
    Labels,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Node,
    Pod,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
    Requirement,
)

NAMESPACES = ("x", "y", "z")
NODES = (
    Node("node-1", "172.18.0.2", Prefix.parse("10.244.1.0/24")),
    Node("node-2", "172.18.0.3", Prefix.parse("10.244.2.0/24")),
)
POD_LABEL_KEYS = ("app", "tier")
POD_LABEL_VALUES = ("a", "b", "c")
NS_LABEL_KEYS = ("team", "env")
NS_LABEL_VALUES = ("red", "blue")
CONTAINER_PORTS = (
    ContainerPort(80, "TCP", "http"),
    ContainerPort(81, "TCP", "http"),
    ContainerPort(8080, "TCP", "web"),
    ContainerPort(53, "UDP", "dns"),
    ContainerPort(53, "TCP", "dns"),
    ContainerPort(80, "UDP", "http"),
    ContainerPort(90, "SCTP", "sc"),
    ContainerPort(82, "TCP"),
)
PROBE_PORTS = (("TCP", 80), ("TCP", 81), ("TCP", 8080), ("UDP", 53), ("UDP", 80), ("SCTP", 90))
EXTERNAL_IPS = ("192.0.2.7", "198.51.100.1", "10.244.9.9")
CIDRS = (
    "0.0.0.0/0",
    "10.0.0.0/8",
    "10.244.0.0/16",
    "10.244.1.0/24",
    "10.244.2.0/24",
    "10.244.1.2/31",
    "10.244.2.3/32",
    "192.0.2.0/24",
    "172.18.0.0/16",
)


@dataclass(frozen=True, slots=True)
class World:
    """A generated cluster: namespaces, pods and policies (nodes are :data:`NODES`)."""

    namespaces: tuple[Namespace, ...]
    pods: tuple[Pod, ...]
    policies: tuple[NetworkPolicy, ...]


def labels(keys: tuple[str, ...], values: tuple[str, ...]) -> st.SearchStrategy[Labels]:
    """Label sets over a small vocabulary."""
    return st.dictionaries(st.sampled_from(keys), st.sampled_from(values), max_size=len(keys)).map(
        Labels.of
    )


def requirements(keys: tuple[str, ...], values: tuple[str, ...]) -> st.SearchStrategy[Requirement]:
    """One valid matchExpressions entry (values only for In/NotIn)."""
    some_values = st.lists(st.sampled_from(values), min_size=1, max_size=2, unique=True).map(tuple)
    return st.one_of(
        st.builds(
            Requirement, st.sampled_from(keys), st.sampled_from(("In", "NotIn")), some_values
        ),
        st.builds(Requirement, st.sampled_from(keys), st.sampled_from(("Exists", "DoesNotExist"))),
    )


def selectors(keys: tuple[str, ...], values: tuple[str, ...]) -> st.SearchStrategy[LabelSelector]:
    """Label selectors of every form: empty, matchLabels, matchExpressions, both."""
    match_labels = st.dictionaries(st.sampled_from(keys), st.sampled_from(values), max_size=2)
    expressions = st.lists(requirements(keys, values), max_size=2).map(tuple)
    return st.builds(lambda ml, me: LabelSelector(tuple(ml.items()), me), match_labels, expressions)


pod_selectors = selectors(POD_LABEL_KEYS, POD_LABEL_VALUES)
namespace_selectors = selectors(
    (*NS_LABEL_KEYS, "kubernetes.io/metadata.name"), (*NS_LABEL_VALUES, *NAMESPACES)
)


def _ip_block_choices() -> list[IPBlock]:
    """Every ipBlock over :data:`CIDRS` with up to two excepts strictly inside its cidr."""
    out = []
    for text in CIDRS:
        cidr = Prefix.parse(text)
        inside = [Prefix.parse(c) for c in CIDRS if cidr.contains(Prefix.parse(c))]
        inside = [e for e in inside if e != cidr]
        out.append(IPBlock(cidr))
        out += [IPBlock(cidr, (e,)) for e in inside]
        out += [IPBlock(cidr, (e, f)) for e in inside for f in inside if e.network < f.network]
    return out


ip_blocks = st.sampled_from(_ip_block_choices())
"""An ipBlock whose excepts lie strictly inside its cidr (as the apiserver requires)."""

peers = st.one_of(
    st.builds(PolicyPeer, pod_selector=pod_selectors),
    st.builds(PolicyPeer, namespace_selector=namespace_selectors),
    st.builds(PolicyPeer, pod_selector=pod_selectors, namespace_selector=namespace_selectors),
    st.builds(PolicyPeer, ip_block=ip_blocks),
)

protocols = st.sampled_from(("TCP", "UDP", "SCTP"))
policy_ports = st.one_of(
    st.builds(PolicyPort, protocols),
    st.builds(PolicyPort, protocols, st.sampled_from((53, 80, 81, 90, 8080))),
    st.builds(PolicyPort, protocols, st.sampled_from(("http", "dns", "web", "sc", "nope"))),
    st.builds(PolicyPort, protocols, st.sampled_from((53, 80)), st.sampled_from((81, 90, 8080))),
)
rules = st.builds(
    PolicyRule,
    st.lists(peers, max_size=3).map(tuple),
    st.lists(policy_ports, max_size=3).map(tuple),
)


subject_selectors = st.one_of(st.just(LabelSelector()), pod_selectors)
"""Policy podSelectors: often ``{}`` so that policies isolate something."""
policy_types = st.sampled_from((None, ("Ingress",), ("Egress",), ("Ingress", "Egress")))
rule_lists = st.lists(rules, max_size=3).map(tuple)
pod_labels = labels(POD_LABEL_KEYS, POD_LABEL_VALUES)
namespace_labels = labels(NS_LABEL_KEYS, NS_LABEL_VALUES)
container_port_lists = st.lists(st.sampled_from(CONTAINER_PORTS), max_size=3, unique=True)
node_names = st.sampled_from([n.name for n in NODES])
host_network = st.sampled_from((False,) * 9 + (True,))
indexes = st.integers(0, 11)


@st.composite
def policies(draw: st.DrawFn, namespaces: tuple[str, ...], name: str) -> NetworkPolicy:
    """A valid, defaulted policy in one of ``namespaces``, with every policyTypes variant."""
    ingress = draw(rule_lists)
    egress = draw(rule_lists)
    types = draw(policy_types)
    if types is None:  # SEMANTICS §6: defaulting
        types = ("Ingress", "Egress") if egress else ("Ingress",)
    return NetworkPolicy(
        name=name,
        namespace=namespaces[draw(indexes) % len(namespaces)],
        pod_selector=draw(subject_selectors),
        policy_types=types,
        ingress=ingress,
        egress=egress,
    )


@st.composite
def pods(draw: st.DrawFn, namespaces: tuple[str, ...], name: str) -> Pod:
    """A pod with random labels, named container ports, node and (rarely) hostNetwork."""
    return Pod(
        name=name,
        namespace=namespaces[draw(indexes) % len(namespaces)],
        labels=draw(pod_labels),
        node=draw(node_names),
        container_ports=tuple(draw(container_port_lists)),
        host_network=draw(host_network),
    )


namespace_sets = st.lists(st.sampled_from(NAMESPACES), min_size=1, max_size=3, unique=True)


@st.composite
def worlds(draw: st.DrawFn, max_pods: int = 6, max_policies: int = 4) -> World:
    """A random cluster: 1-3 namespaces (pods may sit in an undeclared one), pods, policies."""
    declared = tuple(sorted(draw(namespace_sets)))
    spaces = tuple(Namespace(n, draw(namespace_labels)) for n in declared)
    pod_namespaces = declared + (("w",) if draw(st.booleans()) else ())
    n_pods = draw(st.integers(1, max_pods))
    pod_list = tuple(draw(pods(pod_namespaces, f"p{i}")) for i in range(n_pods))
    n_policies = draw(st.integers(0, max_policies))
    policy_list = tuple(draw(policies(declared, f"np{i}")) for i in range(n_policies))
    return World(spaces, pod_list, policy_list)


def build_cluster(world: World) -> Cluster:
    """A fresh Cluster with :data:`NODES` and the world's objects, in a fixed order."""
    cluster = Cluster()
    for node in NODES:
        cluster.add(node)
    for obj in (*world.namespaces, *world.pods, *world.policies):
        cluster.add(obj)
    return cluster


def probe_addresses(cluster: Cluster) -> list[str]:
    """Every pod IP, every node IP and a few external IPs, sorted and unique."""
    ips = {p.ip for p in cluster.pods.values()} | {n.ip for n in cluster.nodes.values()}
    return sorted(ips | set(EXTERNAL_IPS))
