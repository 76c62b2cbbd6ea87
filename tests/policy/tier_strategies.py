"""Hypothesis strategies for cluster-wide policies over the vocabularies of ``strategies``.

AdminNetworkPolicies (priorities from a small set, so ties happen), the
BaselineAdminNetworkPolicy ``default`` and ClusterNetworkPolicies of both tiers; subjects by
namespace or by namespace and pod; rules of every action with ``namespaces``, ``pods``
and, on egress, ``networks`` (the strategies' CIDRs and pod-range /32s), ``nodes`` (by
hostname, or selectors other terms) and ``domainNames`` peers; ports by number, range and
name. Values are built as the decoder builds them (CEL: no named ports with ``networks``
or ``nodes`` peers).
"""

from __future__ import annotations

from hypothesis import strategies as st
from strategies import CIDRS, NODES, namespace_selectors, pod_selectors

from netsim.addr import Prefix
from netsim.model import LabelSelector, Requirement
from netsim.model.adminpolicy import (
    BASELINE_NAME,
    NODE_HOSTNAME_LABEL,
    Action,
    AdminPeer,
    AdminPort,
    AdminRule,
    AdminSubject,
    ClusterPolicy,
    ClusterPolicyKind,
    NamespacedPods,
    Tier,
)

NETWORKS = (*CIDRS, "10.244.1.0/26", "10.244.2.0/25", "172.18.0.2/32", "::/0")
ACTIONS: dict[ClusterPolicyKind, tuple[Action, ...]] = {
    "AdminNetworkPolicy": ("Allow", "Deny", "Pass", "Pass"),
    "BaselineAdminNetworkPolicy": ("Allow", "Deny"),
    "ClusterNetworkPolicy": ("Accept", "Deny", "Pass", "Pass"),
}
"""Each kind's actions (Pass twice: it only shows when nothing before it matched)."""

wide_namespaces = st.one_of(st.just(LabelSelector()), namespace_selectors)
"""Namespace selectors, often ``{}`` so that subjects and peers hit."""
wide_pods = st.one_of(st.just(LabelSelector()), pod_selectors)
namespaced_pods = st.builds(NamespacedPods, wide_namespaces, wide_pods)
subjects = st.one_of(
    st.builds(AdminSubject, namespaces=wide_namespaces),
    st.builds(AdminSubject, pods=namespaced_pods),
)
node_selectors = st.one_of(
    st.sampled_from([LabelSelector(((NODE_HOSTNAME_LABEL, n.name),)) for n in NODES]),
    st.just(LabelSelector()),
    st.builds(
        lambda op, values: LabelSelector((), (Requirement(NODE_HOSTNAME_LABEL, op, values),)),
        st.sampled_from(("In", "NotIn")),
        st.lists(st.sampled_from([n.name for n in NODES]), min_size=1, unique=True).map(tuple),
    ),
)
networks = st.lists(st.sampled_from(NETWORKS), min_size=1, max_size=2, unique=True).map(
    lambda texts: tuple(Prefix.parse(t) for t in sorted(texts))
)
selector_peers = st.one_of(
    st.builds(AdminPeer, namespaces=wide_namespaces),
    st.builds(AdminPeer, pods=namespaced_pods),
)
egress_peers = st.one_of(
    selector_peers,
    st.builds(AdminPeer, networks=networks),
    st.builds(AdminPeer, nodes=node_selectors),
    st.just(AdminPeer(domain_names=("example.com",))),
)
protocols = st.sampled_from(("TCP", "UDP", "SCTP"))
numbered_ports = st.one_of(
    st.builds(AdminPort, protocols, st.sampled_from((53, 80, 81, 90, 8080))),
    st.builds(AdminPort, protocols, st.sampled_from((53, 80)), st.sampled_from((53, 81, 90, 8080))),
)
named_ports = st.builds(
    lambda name: AdminPort(None, named_port=name),
    st.sampled_from(("http", "http", "web", "dns", "sc", "nope")),
)


@st.composite
def admin_rules(draw: st.DrawFn, kind: ClusterPolicyKind, egress: bool) -> AdminRule:
    """One rule of ``kind``'s actions; named ports only with selector peers (CEL)."""
    peers = tuple(
        draw(st.lists(egress_peers if egress else selector_peers, min_size=1, max_size=2))
    )
    named = all(p.networks == () and p.nodes is None for p in peers)
    port_terms = st.one_of(numbered_ports, named_ports) if named else numbered_ports
    ports = tuple(draw(st.lists(port_terms, max_size=2))) if draw(st.booleans()) else ()
    return AdminRule(draw(st.sampled_from(ACTIONS[kind])), peers, ports)


@st.composite
def cluster_policies(draw: st.DrawFn, name: str) -> ClusterPolicy:
    """An AdminNetworkPolicy, the BaselineAdminNetworkPolicy or a ClusterNetworkPolicy."""
    kind: ClusterPolicyKind = draw(
        st.sampled_from(
            ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy")
        )
    )
    tier: Tier = "Admin"
    priority: int | None = draw(st.sampled_from((1, 5, 5, 10, 20)))
    if kind == "BaselineAdminNetworkPolicy":
        name, tier, priority = BASELINE_NAME, "Baseline", None
    elif kind == "ClusterNetworkPolicy":
        tier = draw(st.sampled_from(("Admin", "Baseline")))
    return ClusterPolicy(
        kind,
        name,
        tier,
        draw(subjects),
        priority,
        tuple(draw(st.lists(admin_rules(kind, False), max_size=3))),
        tuple(draw(st.lists(admin_rules(kind, True), max_size=3))),
    )


cluster_policy_lists = st.lists(
    st.integers(0, 3).flatmap(lambda i: cluster_policies(f"cp{i}")),
    max_size=4,
    unique_by=lambda p: p.key,
)
"""Up to four cluster-wide policies with distinct keys (names cp0..cp3, or ``default``)."""
