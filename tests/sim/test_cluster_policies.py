"""Cluster-wide policies on the simulated wire: a packet an AdminNetworkPolicy denies is
dropped at the enforcement point the API names (egress at the source for an ``egress``
rule), and its fate names the deciding policy, since cluster-wide policies isolate
nothing (https://network-policy-api.sigs.k8s.io/reference/spec/)."""

from __future__ import annotations

from scapy.layers.inet import IP, TCP

from netsim.model.load import load_bytes, manifests_into_cluster
from netsim.sim.network import Network

MANIFESTS = b"""
apiVersion: v1
kind: Namespace
metadata: {name: vault}
---
apiVersion: v1
kind: Pod
metadata: {name: safe, namespace: vault, labels: {app: vault}}
spec: {containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default, labels: {app: web}}
spec: {containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: default, labels: {app: client}}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: protect-vault}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: default}}}
  egress:
  - name: deny-vault
    action: Deny
    to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: vault}}}]
"""


def _network() -> Network:
    cluster = manifests_into_cluster(load_bytes(MANIFESTS, "anp.yaml"))
    return Network(cluster, seed=3)


def test_an_admin_deny_drops_the_syn_and_names_the_admin_policy() -> None:
    net = _network()
    pods = net.cluster.pods
    syn = IP(src=pods["default/client"].ip, dst=pods["vault/safe"].ip) / TCP(
        sport=40000, dport=80, flags="S"
    )
    fate = net.send(syn, at="default/client")
    assert not fate.delivered and fate.reply is None
    assert fate.dropped_by == ("AdminNetworkPolicy/protect-vault",)
    assert fate.reason.startswith("policy-egress: admin-deny")


def test_what_the_admin_policy_does_not_match_is_delivered() -> None:
    net = _network()
    pods = net.cluster.pods
    syn = IP(src=pods["default/client"].ip, dst=pods["default/web"].ip) / TCP(
        sport=40001, dport=80, flags="S"
    )
    fate = net.send(syn, at="default/client")
    assert fate.delivered and fate.delivered_to == "default/web"
    assert fate.dropped_by == ()
    assert fate.reply is not None and fate.reply[TCP].flags == "SA"
