"""A small cluster and one wrong answer per misconception, for the detector and mutation tests.

The cluster: namespaces ``default`` and ``operations`` (team=operations) and
``kube-system`` with CoreDNS; ``default/web`` (app=web, containerPorts http
8080 and metrics 9090) behind Service ``web`` (port 80 -> http); clients
``default/client`` (app=client, tier=frontend), ``default/mon``
(type=monitoring, tier=frontend), ``operations/prom`` (type=monitoring) and
``operations/debug`` (app=debug).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from netsim.lab.misconceptions import Evidence
from netsim.model.cluster import Cluster
from netsim.model.load import load_bytes, manifests_into_cluster
from netsim.policy.engine import PolicyEngine
from netsim.policy.explain import explain_all
from netsim.policy.profile import UPSTREAM, Profile

BASE = """
apiVersion: v1
kind: Namespace
metadata: {name: operations, labels: {team: operations}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default, labels: {app: web}}
spec:
  containers:
  - name: web
    image: nginx
    ports: [{containerPort: 8080, name: http}, {containerPort: 9090, name: metrics}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{name: web, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: default, labels: {app: client, tier: frontend}}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: mon, namespace: default, labels: {type: monitoring, tier: frontend}}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: prom, namespace: operations, labels: {type: monitoring}}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: operations, labels: {app: debug}}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  containers:
  - name: coredns
    image: coredns
    ports: [{containerPort: 53, protocol: UDP, name: dns}, {containerPort: 53, name: dns-tcp}]
"""

DENY_WEB = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: default}
spec:
  podSelector: {}
  policyTypes: [Ingress]
"""


def policy(name: str, spec: str, namespace: str = "default") -> str:
    """One NetworkPolicy document with ``spec`` given as YAML flow or block text."""
    head = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
    head += f"metadata: {{name: {name}, namespace: {namespace}}}\nspec:\n"
    return head + "\n".join("  " + line for line in spec.strip("\n").splitlines()) + "\n"


def base_cluster(setup: str = "") -> Cluster:
    """The base cluster with ``setup`` manifests applied."""
    cluster = manifests_into_cluster(load_bytes(BASE, "base.yaml"))
    if setup.strip():
        manifests_into_cluster(load_bytes(setup, "setup.yaml"), cluster)
    return cluster


def pod_ips(cluster: Cluster) -> dict[str, str]:
    """Placeholders ``IP_<pod>`` -> the pod's IP, for answers that name pod IPs."""
    return {f"IP_{p.name.upper()}": p.ip for p in cluster.pods.values()}


def with_ips(text: str, cluster: Cluster) -> str:
    """Replace ``IP_<POD>`` placeholders by the pods' IPs (longest names first)."""
    for key, ip in sorted(pod_ips(cluster).items(), key=lambda kv: -len(kv[0])):
        text = text.replace(key, ip)
    return text


def parse(text: str) -> list[dict[str, Any]]:
    """The manifests of a YAML text as dicts (empty documents dropped)."""
    return [d for d in yaml.safe_load_all(text) if d]


def dump(documents: Sequence[Mapping[str, Any]]) -> str:
    """Manifests as one multi-document text (JSON documents are YAML)."""
    return "\n---\n".join(json.dumps(d) for d in documents) + "\n"


def apply(cluster: Cluster, documents: Sequence[Mapping[str, Any]]) -> Cluster:
    """Add answer manifests to ``cluster`` (validated by load_bytes) and return it."""
    if documents:
        manifests_into_cluster(load_bytes(dump(documents), "answer.yaml"), cluster)
    return cluster


@dataclass(frozen=True)
class Case:
    """One failed check of one answer: what it should be diagnosed as."""

    name: str
    expected: str | None
    answer: str
    src: str = "default/client"
    dst: str = "default/web"
    port: int = 8080
    want: str = "allow"
    setup: str = ""
    protocol: str = "TCP"
    profile: Profile = UPSTREAM
    kind: str = "reach"
    output: str = ""


def evidence(case: Case) -> Evidence:
    """Build the cluster, apply the answer, evaluate the check and return its Evidence."""
    cluster = base_cluster(case.setup)
    answer = parse(with_ips(case.answer, cluster))
    apply(cluster, answer)
    engine = PolicyEngine(cluster, case.profile)
    try:
        explanation = None
        got = case.want
        if case.kind == "reach":
            found = explain_all(engine, case.src, case.dst, case.protocol, case.port)
            explanation = found[0]
            got = "allow" if explanation.allowed else "deny"
        return Evidence(
            check_id=case.name,
            kind=case.kind,
            want=case.want,
            got=got if case.kind == "reach" else "other",
            src=case.src,
            dst=case.dst,
            protocol=case.protocol,
            port=case.port,
            explanation=explanation,
            output=case.output,
            answer=tuple(answer),
            cluster=cluster,
            profile=case.profile,
        )
    finally:
        engine.close()
