"""The lint checks netsim ships, by id (the ids of issue 15; docs/INSIGHT.md explains each)."""

from __future__ import annotations

from netsim.insight import checks_cluster as c
from netsim.insight import checks_static as s
from netsim.insight.lint import Check

CHECKS: tuple[Check, ...] = (
    Check(
        "NP001",
        "error",
        "egress-isolated pods cannot reach cluster DNS on UDP 53",
        "allow egress to kube-system pods k8s-app=kube-dns on UDP and TCP 53",
        c.no_dns,
        ("pods",),
    ),
    Check(
        "NP002",
        "warning",
        "TCP 53 blocked while UDP 53 is open, or port 53 without a protocol",
        "add protocol: UDP beside TCP for port 53",
        s.dns_protocols,
    ),
    Check(
        "NP003",
        "warning",
        "a policy's podSelector selects no pod",
        "fix the podSelector labels or the namespace",
        c.empty_subject,
        ("pods",),
    ),
    Check(
        "NP004",
        "warning",
        "a peer selects nothing, so its rule can never match through it",
        "fix the peer's labels (a lone podSelector looks in the policy's own namespace)",
        c.dead_peer,
        ("pods",),
    ),
    Check(
        "NP005",
        "warning",
        "a namespaceSelector uses a label no namespace carries",
        "select by kubernetes.io/metadata.name, or label the namespace",
        c.unknown_namespace_label,
        ("namespaces",),
    ),
    Check(
        "NP006",
        "error",
        "egress rules present but policyTypes lacks Egress (the rules are ignored)",
        "add Egress to policyTypes",
        s.ignored_egress,
    ),
    Check(
        "NP007",
        "error",
        "ingress rules present but policyTypes lacks Ingress (the rules are ignored)",
        "add Ingress to policyTypes",
        s.ignored_ingress,
    ),
    Check(
        "NP009",
        "warning",
        "a namespaceSelector-only peer beside a podSelector-only peer (OR) where AND was meant",
        "make them one peer: drop the '-' before podSelector",
        c.or_meant_and,
        ("pods",),
    ),
    Check(
        "NP010",
        "warning",
        "a ports-only rule beside peer rules admits every peer on those ports",
        "move the ports into the rule above (drop the stray '-')",
        s.stray_ports_rule,
    ),
    Check(
        "NP011",
        "warning",
        "an ipBlock covers pod IPs (whether it matches them depends on the CNI)",
        "select pods with selectors; except the pod range from the ipBlock",
        c.block_covers_pods,
        ("pods",),
    ),
    Check(
        "NP012",
        "warning",
        "an ipBlock covers the Service range or a ClusterIP (never matches after DNAT)",
        "select the Service's backend pods instead",
        s.service_range_block,
    ),
    Check(
        "NP013",
        "warning",
        "a named port that no pod on the enforcing side defines",
        "use a port name the pods declare, or the number",
        c.unknown_named_port,
        ("pods",),
    ),
    Check(
        "NP015",
        "info",
        "a rule contained in another rule of the same policy and direction",
        "delete the contained rule",
        s.contained_rule,
    ),
    Check(
        "NP016",
        "info",
        "a policy whose removal changes no verdict",
        "delete it, or say why it is kept",
        c.redundant_policy,
        ("pods",),
    ),
    Check(
        "NP017",
        "warning",
        "allow-all peers (a rule without peers, a lone namespaceSelector {}, 0.0.0.0/0)",
        "name the peers that need access",
        s.allow_all_peers,
    ),
    Check(
        "NP019",
        "error",
        "the same kind, namespace and name defined twice in the input",
        "keep one definition",
        s.duplicate_objects,
    ),
)
