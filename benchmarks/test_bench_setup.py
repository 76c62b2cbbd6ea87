"""Scenario set-up in pods and validation in rules: both must grow linearly (issue 13).

``setup``: ``netsim run`` of a generated scenario whose first step creates N pods from
one manifest file (YAML read, decoded, placed, the simulator and kube-proxy following
every change), and the same pods added straight to a Cluster a live Network follows.
``validate``: the loader and validator (``netsim validate``'s work) on generated
NetworkPolicies of 1,000 rules each. Each case records its per-pod or per-rule rate in
``extra_info``; compare the rates across sizes: linear growth keeps them flat.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from netsim_bench_support import mean_seconds

from netsim.addr import Prefix
from netsim.model.cluster import Cluster
from netsim.model.load import check_bytes
from netsim.model.objects import Namespace, Node, Pod

POD = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n  labels: {{app: a{app}, tier: t{tier}}}\n"
    "spec:\n  containers:\n  - name: c\n    image: nginx\n    ports: [{{containerPort: 80}}]\n"
)
SCENARIO = """\
title: {pods} pods
cluster: {{nodes: {nodes}}}
steps:
  - kubectl: create -f pods.yaml
  - create:
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {{name: web}}
      spec:
        podSelector: {{matchLabels: {{app: a1}}}}
        ingress: [{{from: [{{podSelector: {{matchLabels: {{tier: t1}}}}}}]}}]
  - kubectl: run client --image=busybox --restart=Never
  - exec: "wget --spider --timeout=1 {{pod_ip:default/p1}}"
    pod: client
"""


def scenario_file(folder: Path, pods: int) -> Path:
    """A scenario creating ``pods`` pods (200 per node) then probing one of them."""
    docs = [POD.format(i=i, app=i % 50, tier=i % 7) for i in range(pods)]
    (folder / "pods.yaml").write_text("---\n".join(docs), encoding="utf-8")
    path = folder / "scenario.yaml"
    path.write_text(SCENARIO.format(pods=pods, nodes=min(64, pods // 200 + 1)), encoding="utf-8")
    return path


@pytest.mark.parametrize("pods", [1_000, 4_000])
def test_scenario_setup(benchmark: Any, tmp_path: Path, pods: int) -> None:
    """``netsim run`` on a scenario creating ``pods`` pods in one ``kubectl create -f``."""
    from netsim.scenario.load import load_scenario
    from netsim.scenario.runner import run_scenario

    benchmark.group = "scenario set-up, per pod"
    path = scenario_file(tmp_path, pods)
    result = benchmark.pedantic(
        lambda: run_scenario(load_scenario(path)), rounds=1, iterations=1, warmup_rounds=0
    )
    assert result.passed
    seconds = mean_seconds(benchmark)
    if seconds is not None:
        benchmark.extra_info.update(pods_per_second=round(pods / seconds))


@pytest.mark.parametrize("pods", [2_500, 10_000])
def test_pods_added_under_a_live_network(benchmark: Any, pods: int) -> None:
    """``pods`` pods added to a Cluster that a Network (engine, kube-proxy) follows."""
    from netsim.model.labels import Labels
    from netsim.model.objects import Service, ServicePort
    from netsim.sim.network import Network

    benchmark.group = "pods added under a live network, per pod"

    def run() -> None:
        cluster = Cluster()
        cluster.add(Namespace("default"))
        for n in range(1, pods // 200 + 2):
            cluster.add(Node(f"node-{n}", f"172.18.0.{n + 1}", Prefix.parse(f"10.244.{n}.0/24")))
        selector = Labels.of({"app": "a1"})
        cluster.add(Service("web", "default", (ServicePort(80, 80),), selector=selector))
        network = Network(cluster, seed=1)
        for i in range(pods):
            cluster.add(Pod(f"p{i}", "default", Labels.of({"app": f"a{i % 50}"})))
        # Read once: the endpoints are built (every 50th pod is app=a1).
        (web,) = [f for f in network.kube_proxy.cluster_ips.values() if f.service == "default/web"]
        assert len(web.endpoints) == pods // 50
        network.close()

    benchmark.pedantic(run, rounds=1, iterations=1, warmup_rounds=0)
    seconds = mean_seconds(benchmark)
    if seconds is not None:
        benchmark.extra_info.update(pods_per_second=round(pods / seconds))


RULES = 1_000


def policy_text(index: int, rules: int) -> bytes:
    """One NetworkPolicy with ``rules`` ingress rules of four shapes (selectors, ipBlock
    with except, namespace matchExpressions with a port range, a named UDP port)."""
    shapes = (
        "  - from: [{{podSelector: {{matchLabels: {{app: a{j}}}}}}}]\n"
        "    ports: [{{port: {port}, protocol: TCP}}]\n",
        "  - from: [{{ipBlock: {{cidr: 10.{octet}.0.0/16, except: [10.{octet}.1.0/24]}}}}]\n",
        "  - from: [{{namespaceSelector: {{matchExpressions: [{{key: team, operator: In, "
        "values: [t{j}, u{j}]}}]}}}}]\n    ports: [{{port: 80, endPort: {end}}}]\n",
        "  - ports: [{{port: http, protocol: UDP}}]\n",
    )
    body = "".join(
        shapes[j % 4].format(j=j, port=1000 + j, octet=j % 256, end=100 + j % 1000)
        for j in range(rules)
    )
    head = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n"
        f"  name: p{index}\n  namespace: ns{index % 10}\n"
        f"spec:\n  podSelector: {{matchLabels: {{app: x{index}}}}}\n  ingress:\n"
    )
    return (head + body).encode()


@pytest.mark.parametrize("policies", [5, 20])
def test_validate_rules(benchmark: Any, policies: int) -> None:
    """Loading and validating ``policies`` files of 1,000 rules each, as ``netsim validate``."""
    benchmark.group = "validate, per rule"
    files = [policy_text(i, RULES) for i in range(policies)]

    def run() -> None:
        for i, data in enumerate(files):
            manifests, errors = check_bytes(data, f"p{i}.yaml")
            assert not errors and len(manifests.declared) == 1

    benchmark.pedantic(run, rounds=1, iterations=1, warmup_rounds=0)
    seconds = mean_seconds(benchmark)
    if seconds is not None:
        benchmark.extra_info.update(
            rules_per_second=round(policies * RULES / seconds),
            kib_per_second=round(sum(map(len, files)) / 1024 / seconds),
        )
