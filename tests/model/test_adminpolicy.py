# ruff: noqa: E501
"""AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy decoding and storage.

Expected values come from the CRDs of network-policy-api (v0.1.7 for v1alpha1, main for
v1alpha2): their OpenAPI schema (required fields, enums, minimum/maximum, min/max items and
properties) and CEL rules, worded as the apiserver words CRD errors.
"""

from __future__ import annotations

from typing import Any

import pytest

from netsim.addr import Prefix
from netsim.errors import Origin, ValidationError
from netsim.model.adminpolicy import (
    AdminPeer,
    AdminPort,
    ClusterPolicy,
    NamespacedPods,
    priority_warnings,
    tier_order,
    verdict_of,
)
from netsim.model.cluster import Change, Cluster
from netsim.model.labels import LabelSelector
from netsim.model.load import load_bytes, manifests_into_cluster, object_from_dict
from netsim.model.manifest import decode_document

V1 = "policy.networking.k8s.io/v1alpha1"
V2 = "policy.networking.k8s.io/v1alpha2"


def anp(spec: dict[str, Any], name: str = "p", kind: str = "AdminNetworkPolicy") -> dict[str, Any]:
    return {
        "apiVersion": V2 if kind == "ClusterNetworkPolicy" else V1,
        "kind": kind,
        "metadata": {"name": name},
        "spec": spec,
    }


def errors_of(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as info:
        object_from_dict(doc)
    return [str(e) for e in info.value.errors]


def one(doc: dict[str, Any]) -> ClusterPolicy:
    [obj] = object_from_dict(doc)
    assert isinstance(obj, ClusterPolicy)
    return obj


def test_v1alpha1_anp_decodes_every_field() -> None:
    policy = one(
        anp(
            {
                "priority": 7,
                "subject": {
                    "pods": {"namespaceSelector": {"matchLabels": {"team": "a"}}, "podSelector": {}}
                },
                "ingress": [
                    {
                        "name": "r",
                        "action": "Pass",
                        "from": [{"namespaces": {}}],
                        "ports": [
                            {"portNumber": {"port": 80}},
                            {"portRange": {"protocol": "UDP", "start": 5000, "end": 5010}},
                            {"namedPort": "web"},
                        ],
                    }
                ],
                "egress": [{"action": "Deny", "to": [{"networks": ["10.1.2.3/8"]}, {"nodes": {}}]}],
            }
        )
    )
    assert (policy.kind, policy.tier, policy.priority, policy.key) == (
        "AdminNetworkPolicy",
        "Admin",
        7,
        "AdminNetworkPolicy/p",
    )
    assert policy.subject.pods == NamespacedPods(LabelSelector((("team", "a"),)), LabelSelector())
    rule = policy.ingress[0]
    assert (rule.name, rule.action, rule.peers) == (
        "r",
        "Pass",
        (AdminPeer(namespaces=LabelSelector()),),
    )
    # protocol defaults to TCP; a named port takes the container port's protocol (None here)
    assert rule.ports == (
        AdminPort("TCP", 80),
        AdminPort("UDP", 5000, 5010),
        AdminPort(None, named_port="web"),
    )
    # host bits are masked, as implementations match the network
    assert policy.egress[0].peers[0].networks == (Prefix.parse("10.0.0.0/8"),)
    assert policy.egress[0].peers[1].nodes == LabelSelector()


def test_banp_and_cnp_tiers() -> None:
    banp = one(
        anp(
            {
                "subject": {"namespaces": {}},
                "egress": [
                    {
                        "action": "Deny",
                        "to": [{"pods": {"namespaceSelector": {}, "podSelector": {}}}],
                    }
                ],
            },
            name="default",
            kind="BaselineAdminNetworkPolicy",
        )
    )
    assert (banp.tier, banp.priority) == ("Baseline", None)
    cnp = one(
        anp(
            {
                "tier": "Baseline",
                "priority": 3,
                "subject": {"namespaces": {}},
                "ingress": [
                    {
                        "action": "Accept",
                        "from": [{"namespaces": {}}],
                        "protocols": [
                            {"udp": {"destinationPort": {"number": 53}}},
                            {"sctp": {"destinationPort": {"range": {"start": 1, "end": 9}}}},
                            {"destinationNamedPort": "dns"},
                        ],
                    }
                ],
            },
            kind="ClusterNetworkPolicy",
        )
    )
    assert (cnp.tier, cnp.priority, verdict_of(cnp.ingress[0].action)) == ("Baseline", 3, "allow")
    assert cnp.ingress[0].ports == (
        AdminPort("UDP", 53),
        AdminPort("SCTP", 1, 9),
        AdminPort(None, named_port="dns"),
    )
    assert [p.key for p in tier_order([banp, cnp], "Baseline")] == [cnp.key, banp.key]


@pytest.mark.parametrize(
    ("spec", "kind", "name", "expected"),
    [
        (
            {"subject": {"namespaces": {}}},
            "AdminNetworkPolicy",
            "p",
            "spec.priority: Required value",
        ),
        (
            {"priority": -1, "subject": {"namespaces": {}}},
            "AdminNetworkPolicy",
            "p",
            "spec.priority: Invalid value: -1: spec.priority in body should be greater than or equal to 0",
        ),
        ({"priority": 1}, "AdminNetworkPolicy", "p", "spec.subject: Required value"),
        (
            {"priority": 1, "subject": {}},
            "AdminNetworkPolicy",
            "p",
            "spec.subject: Invalid value: 0: spec.subject in body should have at least 1 properties",
        ),
        (
            {"priority": 1, "subject": {"namespaces": {}}, "ingress": [{"action": "Allow"}]},
            "AdminNetworkPolicy",
            "p",
            "spec.ingress[0].from: Required value",
        ),
        (
            {
                "priority": 1,
                "subject": {"namespaces": {}},
                "ingress": [{"action": "Deny", "from": [{"networks": ["10.0.0.0/8"]}]}],
            },
            "AdminNetworkPolicy",
            "p",
            'spec.ingress[0].from[0].networks: unknown field "spec.ingress[0].from[0].networks"',
        ),
        (
            {
                "priority": 1,
                "subject": {"namespaces": {}},
                "egress": [{"action": "Deny", "to": [{"networks": ["10.0.0.300/8"]}]}],
            },
            "AdminNetworkPolicy",
            "p",
            'spec.egress[0].to[0].networks[0]: Invalid value: "string": Invalid CIDR format provided',
        ),
        (
            {
                "priority": 1,
                "subject": {"namespaces": {}},
                "egress": [{"action": "Deny", "to": [{"networks": ["10.0.0.0/8", "10.0.0.0/8"]}]}],
            },
            "AdminNetworkPolicy",
            "p",
            'spec.egress[0].to[0].networks[1]: Duplicate value: "10.0.0.0/8"',
        ),
        (
            {
                "priority": 1,
                "subject": {"namespaces": {}},
                "egress": [
                    {"action": "Allow", "to": [{"nodes": {}}], "ports": [{"namedPort": "web"}]}
                ],
            },
            "AdminNetworkPolicy",
            "p",
            'spec.egress[0]: Invalid value: "object": networks/nodes/domainNames peer '
            "cannot be set with namedPorts since there are no namedPorts for networks/nodes/domainNames",
        ),
        (
            {
                "priority": 1,
                "subject": {"namespaces": {}},
                "ingress": [{"action": "Allow", "from": [{"namespaces": {}}] * 101}],
            },
            "AdminNetworkPolicy",
            "p",
            "spec.ingress[0].from: Too many: 101: must have at most 100 items",
        ),
        (
            {"subject": {"namespaces": {}}},
            "BaselineAdminNetworkPolicy",
            "mine",
            'metadata.name: Invalid value: "object": Only one baseline admin network policy with '
            'metadata.name="default" can be created in the cluster',
        ),
        (
            {
                "subject": {"namespaces": {}},
                "ingress": [{"action": "Pass", "from": [{"namespaces": {}}]}],
            },
            "BaselineAdminNetworkPolicy",
            "default",
            'spec.ingress[0].action: Unsupported value: "Pass": supported values: "Allow", "Deny"',
        ),
        (
            {"tier": "Middle", "priority": 1, "subject": {"namespaces": {}}},
            "ClusterNetworkPolicy",
            "p",
            'spec.tier: Unsupported value: "Middle": supported values: "Admin", "Baseline"',
        ),
        (
            {
                "tier": "Admin",
                "priority": 1,
                "subject": {"namespaces": {}},
                "ingress": [
                    {
                        "action": "Accept",
                        "from": [{"namespaces": {}}],
                        "protocols": [
                            {"tcp": {"destinationPort": {"range": {"start": 9, "end": 9}}}}
                        ],
                    }
                ],
            },
            "ClusterNetworkPolicy",
            "p",
            'spec.ingress[0].protocols[0].tcp.destinationPort.range: Invalid value: "object": Start port must be less than End port',
        ),
        (
            {
                "tier": "Admin",
                "priority": 1,
                "subject": {"namespaces": {}},
                "ingress": [{"action": "Accept", "from": [{"namespaces": {}}] * 26}],
            },
            "ClusterNetworkPolicy",
            "p",
            "spec.ingress[0].from: Too many: 26: must have at most 25 items",
        ),
        (
            {
                "tier": "Admin",
                "priority": 1,
                "subject": {"namespaces": {}},
                "egress": [{"action": "Deny", "to": [{"domainNames": ["example.com"]}]}],
            },
            "ClusterNetworkPolicy",
            "p",
            "spec.egress[0].to[0].domainNames: Forbidden: domainNames are supported only in Accept rules",
        ),
    ],
)
def test_crd_validation(spec: dict[str, Any], kind: str, name: str, expected: str) -> None:
    found = errors_of(anp(spec, name=name, kind=kind))
    assert any(e.startswith(expected) for e in found), found


def test_unknown_version_is_refused() -> None:
    doc = anp({"priority": 1, "subject": {"namespaces": {}}})
    doc["apiVersion"] = V2
    assert any("no matches for kind" in e for e in errors_of(doc))


def test_warnings_for_what_netsim_cannot_see() -> None:
    text = """\
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: names}
spec:
  tier: Admin
  priority: 4
  subject: {namespaces: {}}
  egress:
  - action: Accept
    to: [{domainNames: ["*.example.com"]}, {nodes: {matchLabels: {role: infra}}}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: same}
spec: {priority: 4, subject: {namespaces: {}}}
"""
    manifests = load_bytes(text, "m.yaml")
    joined = "\n".join(manifests.warnings)
    assert "netsim resolves no domain names: this peer matches no traffic" in joined
    assert "Node labels" not in joined  # nodes selectors match the Nodes' labels
    assert (
        "Admin tier policies ClusterNetworkPolicy/names, AdminNetworkPolicy/same share priority 4"
        in joined
    )


def test_priority_warnings_only_for_shared_priorities_in_one_tier() -> None:
    a = one(anp({"priority": 1, "subject": {"namespaces": {}}}, name="a"))
    b = one(anp({"priority": 2, "subject": {"namespaces": {}}}, name="b"))
    c = one(
        anp(
            {"tier": "Baseline", "priority": 1, "subject": {"namespaces": {}}},
            name="c",
            kind="ClusterNetworkPolicy",
        )
    )
    assert priority_warnings([a, b, c]) == []


def test_cluster_stores_them_with_change_events() -> None:
    cluster = Cluster()
    seen: list[Change] = []
    cluster.subscribe(seen.append)
    policy = one(anp({"priority": 1, "subject": {"namespaces": {}}}))
    cluster.add(policy)
    assert cluster.cluster_policies == {"AdminNetworkPolicy/p": policy}
    with pytest.raises(
        ValidationError,
        match=r'adminnetworkpolicies\.policy\.networking\.k8s\.io "p" already exists',
    ):
        cluster.add(policy)
    changed = one(anp({"priority": 2, "subject": {"namespaces": {}}}))
    cluster.apply(changed)
    cluster.delete("AdminNetworkPolicy", "AdminNetworkPolicy/p")
    assert [(c.op, c.kind, c.key) for c in seen] == [
        ("add", "AdminNetworkPolicy", "AdminNetworkPolicy/p"),
        ("update", "AdminNetworkPolicy", "AdminNetworkPolicy/p"),
        ("delete", "AdminNetworkPolicy", "AdminNetworkPolicy/p"),
    ]
    assert not cluster.namespaces  # cluster-scoped: no namespace is created for them


def test_list_of_policies_decodes() -> None:
    doc = {
        "apiVersion": V1,
        "kind": "AdminNetworkPolicyList",
        "items": [
            {"metadata": {"name": "x"}, "spec": {"priority": 1, "subject": {"namespaces": {}}}}
        ],
    }
    [decoded] = decode_document(doc, Origin("l.yaml", 0))
    assert decoded.ref == "AdminNetworkPolicy x"


def test_nodes_peers_see_the_node_manifest_labels_and_the_kubelet_ones() -> None:
    """A ``nodes`` peer selects Node labels: what the manifest writes, over the labels the
    kubelet sets on every Node (kubernetes.io/hostname, /os, /arch:
    https://kubernetes.io/docs/reference/labels-annotations-taints/)."""
    from netsim.model.adminpolicy import node_labels

    cluster = manifests_into_cluster(
        load_bytes(
            b"""
apiVersion: v1
kind: Node
metadata: {name: infra-1, labels: {role: infra, kubernetes.io/arch: arm64}}
""",
            "node.yaml",
        )
    )
    labels = node_labels(cluster.nodes["infra-1"]).as_dict()
    assert labels == {
        "role": "infra",
        "kubernetes.io/hostname": "infra-1",
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "arm64",  # the manifest's value wins
    }
    assert LabelSelector(match_labels=(("role", "infra"),)).matches(
        node_labels(cluster.nodes["infra-1"])
    )
