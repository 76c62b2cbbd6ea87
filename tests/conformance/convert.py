"""Turn a conformance case (``tests/conformance/cases/upstream/README.md``) into manifests.

The case's ``cluster`` becomes Namespace, Node (with its labels), Pod (``status.podIP``,
container ports, ``spec.nodeName``, ``spec.hostNetwork``) and Service
manifests; its ``policies`` are already NetworkPolicy manifests. A case's
``clusterIP`` is dropped: probes name Services (``svc:ns/name``), and netsim's
service CIDR (10.100.0.0/16) may not contain the case's address, which the
apiserver would reject.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from netsim.model.yamlsafe import dump_yaml_all

OWN_CASES = Path(__file__).resolve().parent / "cases"
UPSTREAM_CASES = OWN_CASES / "upstream"


NPA_PREFIX = "npa-"
"""Cases with network-policy-api cluster-wide policies (``npa-admin-*.yaml``): read by
``test_npa_cases.py`` (reference, engine, simulator) and the kernel tests, not by
:func:`case_files` (NetworkPolicy-only evaluators)."""


def case_files() -> list[Path]:
    """Every upstream case (in the repository), then every case of ours, each sorted by name.

    Without the network-policy-api cases (:func:`npa_case_files`).
    """
    own = [p for p in sorted(OWN_CASES.glob("*.yaml")) if not p.name.startswith(NPA_PREFIX)]
    return sorted(UPSTREAM_CASES.glob("*.yaml")) + own


def npa_case_files() -> list[Path]:
    """The network-policy-api conformance cases (AdminNetworkPolicy, BANP, CNP), by name."""
    return sorted(OWN_CASES.glob(f"{NPA_PREFIX}*.yaml"))


def load_case(path: Path) -> dict[str, Any]:
    """Read one case file."""
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def _metadata(item: dict[str, Any], namespaced: bool = True) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": item["name"]}
    if namespaced:
        meta["namespace"] = item["namespace"]
    if item.get("labels"):
        meta["labels"] = dict(item["labels"])
    return meta


def manifests(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The case's cluster and policies as manifest dicts, namespaces and nodes first."""
    cluster = case["cluster"]
    docs: list[dict[str, Any]] = []
    for ns in cluster.get("namespaces", []):
        docs.append({"apiVersion": "v1", "kind": "Namespace", "metadata": _metadata(ns, False)})
    for node in cluster.get("nodes", []):
        doc: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": _metadata(node, namespaced=False),
            "status": {"addresses": [{"type": "InternalIP", "address": node["ip"]}]},
        }
        if node.get("podCIDR"):
            doc["spec"] = {"podCIDR": node["podCIDR"]}
        docs.append(doc)
    for pod in cluster.get("pods", []):
        ports = [
            {
                k: v
                for k, v in (
                    ("name", cp.get("name")),
                    ("containerPort", cp["containerPort"]),
                    ("protocol", cp.get("protocol", "TCP")),
                )
                if v is not None
            }
            for cp in pod.get("containerPorts", [])
        ]
        container: dict[str, Any] = {
            "name": "c",
            "image": "registry.k8s.io/e2e-test-images/agnhost:2.47",
        }
        if ports:
            container["ports"] = ports
        spec: dict[str, Any] = {"containers": [container]}
        if pod.get("node"):
            spec["nodeName"] = pod["node"]
        if pod.get("hostNetwork"):
            spec["hostNetwork"] = True
        doc = {"apiVersion": "v1", "kind": "Pod", "metadata": _metadata(pod), "spec": spec}
        if pod.get("ip") and not pod.get("hostNetwork"):
            doc["status"] = {"podIP": pod["ip"]}
        docs.append(doc)
    for svc in cluster.get("services", []):
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": _metadata(svc),
                "spec": {
                    "selector": dict(svc.get("selector") or {}),
                    "ports": [
                        {
                            # the apiserver requires names on the ports of a multi-port Service
                            "name": p.get("name") or f"port-{p['port']}",
                            "port": p["port"],
                            "targetPort": p.get("targetPort", p["port"]),
                            "protocol": p.get("protocol", "TCP"),
                        }
                        for p in svc.get("ports", [])
                    ],
                },
            }
        )
    docs += case.get("policies") or []
    return docs


def write_manifests(case: dict[str, Any], path: Path) -> Path:
    """Write the case's manifests as one multi-document YAML file; return its path."""
    path.write_text(dump_yaml_all(manifests(case), sort_keys=False), encoding="utf-8")
    return path
