# ruff: noqa: E501  (YAML fixtures)
"""The tiered reference evaluator: admin tier, NetworkPolicy, baseline tier, default allow.

Every expected verdict is worked out from the network-policy-api reference
(https://network-policy-api.sigs.k8s.io/reference/spec/): rules in order, Allow/Accept and
Deny decide, Pass skips the rest of its tier, NetworkPolicy decides for the pods it
isolates, no implicit isolation from cluster-wide policies.
"""

from __future__ import annotations

import textwrap

from netsim.model.cluster import Cluster
from netsim.model.load import load_bytes, manifests_into_cluster
from netsim.policy.tiers import TieredReferenceEvaluator

BASE = """\
apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {team: a}}
---
apiVersion: v1
kind: Namespace
metadata: {name: b, labels: {team: b}}
---
apiVersion: v1
kind: Namespace
metadata: {name: secret, labels: {sensitive: "yes"}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: a, labels: {app: web}}
spec: {containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 8080}]}]}
status: {podIP: 10.244.1.10}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: b, labels: {app: client}}
spec: {containers: [{name: c, image: busybox}]}
status: {podIP: 10.244.1.20}
---
apiVersion: v1
kind: Pod
metadata: {name: vault, namespace: secret, labels: {app: vault}}
spec: {containers: [{name: c, image: vault}]}
status: {podIP: 10.244.1.30}
"""


def cluster(*policies: str) -> Cluster:
    text = BASE + "".join("---\n" + textwrap.dedent(p) for p in policies)
    return manifests_into_cluster(load_bytes(text, "t.yaml"))


WEB, CLIENT, VAULT = "10.244.1.10", "10.244.1.20", "10.244.1.30"

DENY_SECRET = """\
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: deny-secret}
spec:
  priority: 10
  subject: {namespaces: {}}
  egress:
  - {name: pass-own, action: Pass, to: [{namespaces: {matchLabels: {sensitive: "yes"}}}], ports: [{portNumber: {port: 8200}}]}
  - {name: deny, action: Deny, to: [{namespaces: {matchLabels: {sensitive: "yes"}}}]}
"""


def test_no_policies_allows_and_cluster_policies_do_not_isolate() -> None:
    ref = TieredReferenceEvaluator(cluster(DENY_SECRET))
    # a/web is selected by deny-secret, but only egress to `secret` matches a rule
    assert ref.allowed(WEB, CLIENT, "TCP", 80)
    d = ref.decide(WEB, CLIENT, "TCP", 80)
    assert (d.egress.reason, d.ingress.reason) == ("not-isolated", "not-isolated")


def test_admin_deny_and_pass_in_rule_order() -> None:
    ref = TieredReferenceEvaluator(cluster(DENY_SECRET))
    denied = ref.egress(CLIENT, VAULT, "TCP", 80)
    assert (denied.allowed, denied.reason, str(denied.rule)) == (
        False,
        "admin-deny",
        "AdminNetworkPolicy/deny-secret spec.egress[1].to[0]",
    )
    # port 8200 matches the Pass rule first: nothing else decides, so it is allowed
    passed = ref.egress(CLIENT, VAULT, "TCP", 8200)
    assert (passed.allowed, passed.reason) == (True, "not-isolated")
    assert [str(r) for r in passed.passed] == [
        "AdminNetworkPolicy/deny-secret spec.egress[0].to[0] ports[0]"
    ]


def test_pass_hands_over_to_networkpolicy_then_baseline() -> None:
    netpol = """\
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: only-web, namespace: b}
    spec:
      podSelector: {}
      policyTypes: [Egress]
      egress: [{to: [{namespaceSelector: {matchLabels: {team: a}}}]}]
    """
    banp = """\
    apiVersion: policy.networking.k8s.io/v1alpha1
    kind: BaselineAdminNetworkPolicy
    metadata: {name: default}
    spec:
      subject: {namespaces: {}}
      egress: [{action: Deny, to: [{namespaces: {matchLabels: {sensitive: "yes"}}}]}]
    """
    ref = TieredReferenceEvaluator(cluster(DENY_SECRET, netpol, banp))
    # b/client is isolated by only-web: the Pass goes to NetworkPolicy, which denies vault
    d = ref.egress(CLIENT, VAULT, "TCP", 8200)
    assert (d.allowed, d.reason) == (False, "no-rule-matched")
    # a/web is not isolated by any NetworkPolicy: the Pass reaches the baseline, which denies
    d = ref.egress(WEB, VAULT, "TCP", 8200)
    assert (d.allowed, d.reason, d.rule and d.rule.policy) == (
        False,
        "baseline-deny",
        "BaselineAdminNetworkPolicy/default",
    )
    assert len(d.passed) == 1
    # NetworkPolicy allows b -> a, and the baseline is never reached for isolated pods
    assert ref.egress(CLIENT, WEB, "TCP", 80).reason == "rule"


def test_admin_allow_overrides_networkpolicy_deny() -> None:
    deny_all = """\
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: deny-all, namespace: a}
    spec: {podSelector: {}}
    """
    allow = """\
    apiVersion: policy.networking.k8s.io/v1alpha2
    kind: ClusterNetworkPolicy
    metadata: {name: monitoring}
    spec:
      tier: Admin
      priority: 1
      subject: {pods: {namespaceSelector: {matchLabels: {team: a}}, podSelector: {matchLabels: {app: web}}}}
      ingress:
      - action: Accept
        from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: client}}}}]
        protocols: [{destinationNamedPort: http}]
    """
    ref = TieredReferenceEvaluator(cluster(deny_all, allow))
    # the named port http resolves to 8080/TCP on the destination pod a/web
    d = ref.ingress(CLIENT, WEB, "TCP", 8080)
    assert (d.allowed, d.reason) == (True, "admin-allow")
    assert not ref.allowed(CLIENT, WEB, "TCP", 80)  # no rule: deny-all decides
    assert not ref.allowed(CLIENT, WEB, "UDP", 8080)  # http is a TCP port
    assert not ref.allowed(VAULT, WEB, "TCP", 8080)  # vault is not app=client


def test_priority_order_and_same_priority_by_name() -> None:
    def anp(name: str, priority: int, action: str) -> str:
        return f"""\
        apiVersion: policy.networking.k8s.io/v1alpha1
        kind: AdminNetworkPolicy
        metadata: {{name: {name}}}
        spec:
          priority: {priority}
          subject: {{namespaces: {{matchLabels: {{team: a}}}}}}
          ingress: [{{action: {action}, from: [{{namespaces: {{}}}}]}}]
        """

    assert not TieredReferenceEvaluator(
        cluster(anp("z-allow", 20, "Allow"), anp("a-deny", 30, "Deny"), anp("m", 10, "Deny"))
    ).allowed(CLIENT, WEB, "TCP", 80)  # priority 10 first
    ref = TieredReferenceEvaluator(cluster(anp("b-deny", 5, "Deny"), anp("a-allow", 5, "Allow")))
    d = ref.ingress(CLIENT, WEB, "TCP", 80)  # same priority: a-allow (name order) first
    assert (d.allowed, d.rule and d.rule.policy) == (True, "AdminNetworkPolicy/a-allow")


def test_networks_match_pod_addresses_and_external_hosts() -> None:
    cidr = """\
    apiVersion: policy.networking.k8s.io/v1alpha1
    kind: AdminNetworkPolicy
    metadata: {name: cidr}
    spec:
      priority: 1
      subject: {namespaces: {matchLabels: {team: b}}}
      egress:
      - {action: Allow, to: [{networks: [10.244.1.30/32]}]}
      - {action: Deny, to: [{networks: [0.0.0.0/0]}], ports: [{portRange: {start: 80, end: 90}}]}
    """
    ref = TieredReferenceEvaluator(cluster(cidr))
    assert ref.egress(CLIENT, VAULT, "TCP", 80).reason == "admin-allow"
    assert not ref.allowed(CLIENT, WEB, "TCP", 85)  # a pod IP is in 0.0.0.0/0
    assert not ref.allowed(CLIENT, "192.0.2.1", "TCP", 90)
    assert ref.allowed(CLIENT, "192.0.2.1", "TCP", 91)
    assert ref.allowed(CLIENT, WEB, "UDP", 85)  # the range is TCP (the default)


def test_nodes_peer_matches_node_addresses() -> None:
    nodes = """\
    apiVersion: v1
    kind: Node
    metadata: {name: n1}
    spec: {podCIDR: 10.244.1.0/24}
    status: {addresses: [{type: InternalIP, address: 172.18.0.2}]}
    ---
    apiVersion: v1
    kind: Node
    metadata: {name: n2}
    spec: {podCIDR: 10.244.2.0/24}
    status: {addresses: [{type: InternalIP, address: 172.18.0.3}]}
    ---
    apiVersion: policy.networking.k8s.io/v1alpha1
    kind: AdminNetworkPolicy
    metadata: {name: no-nodes}
    spec:
      priority: 1
      subject: {namespaces: {}}
      egress: [{action: Deny, to: [{nodes: {matchLabels: {kubernetes.io/hostname: n1}}}]}]
    """
    c = cluster(nodes)
    ref = TieredReferenceEvaluator(c)
    assert c.pod("b/client").node == "n2"  # pods are placed round-robin: web n1, client n2
    assert ref.egress(CLIENT, "172.18.0.2", "TCP", 10250).reason == "admin-deny"
    # n2 is not kubernetes.io/hostname=n1 (from a/web on n1, so not node-local either)
    assert ref.egress(WEB, "172.18.0.3", "TCP", 10250).reason == "not-isolated"
    assert ref.allowed(CLIENT, WEB, "TCP", 10250)
