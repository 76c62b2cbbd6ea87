"""The loader's public API: files, directories, stdin, List, expansion, duplicates, IPAM.

Plus a property test: whatever values or bytes it is given, the loader either
loads them or raises a NetsimError, never another exception.
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netsim.addr import Prefix
from netsim.errors import LoadError, NetsimError, Origin, ValidationError
from netsim.model import Cluster, Namespace, NetworkPolicy, Node, Pod
from netsim.model.load import (
    InvalidManifests,
    check_bytes,
    expand_paths,
    load_bytes,
    load_cluster,
    load_documents,
    object_from_dict,
    parse_yaml_text,
)

NGINX = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {run: nginx}}
  template:
    metadata: {labels: {run: nginx}}
    spec:
      containers:
      - {name: nginx, image: nginx, ports: [{containerPort: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: nginx, namespace: default}
spec:
  selector: {run: nginx}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: busybox, namespace: default, labels: {access: "true"}}
spec:
  containers: [{name: busybox, image: busybox}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: access-nginx, namespace: default}
spec:
  podSelector: {matchLabels: {run: nginx}}
  ingress:
  - from:
    - podSelector: {matchLabels: {access: "true"}}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_object_from_dict_returns_model_objects() -> None:
    (ns,) = object_from_dict({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}})
    assert ns == Namespace("a")
    pods = object_from_dict(yaml.safe_load(NGINX.split("---")[0]))
    assert [type(p) for p in pods] == [Pod, Pod]
    with pytest.raises(ValidationError) as info:
        object_from_dict({"apiVersion": "v1", "kind": "Namespace"}, Origin("x.yaml", 3))
    assert str(info.value) == (
        "x.yaml (document 3): Namespace: metadata.name: Required value: "
        "name or generateName is required"
    )


def test_parse_yaml_text_is_exported() -> None:
    assert parse_yaml_text("a: 1", "s") == [{"a": 1}]


def test_load_documents_from_files_and_directories(tmp_path: Path) -> None:
    write(tmp_path, "b.yaml", NGINX)
    write(
        tmp_path, "a.json", '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}'
    )
    write(tmp_path, "notes.txt", "not a manifest")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "c.yaml", "kind: Broken")
    assert expand_paths([tmp_path]) == [str(tmp_path / "a.json"), str(tmp_path / "b.yaml")]
    manifests = load_documents([tmp_path])
    kinds = [type(obj).__name__ for _, obj in manifests.objects]
    assert kinds == ["Namespace", "Pod", "Pod", "Service", "Pod", "NetworkPolicy"]
    origins = [str(origin) for origin, _ in manifests.objects]
    assert origins[0] == f"{tmp_path / 'a.json'} (document 0)"
    assert origins[1] == origins[2] == f"{tmp_path / 'b.yaml'} (document 0)"
    assert [d.ref for d in manifests.declared][:2] == ["Namespace x", "Deployment default/nginx"]


def test_load_documents_reads_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    manifests = load_documents(["-"])
    assert [(str(o), obj) for o, obj in manifests.objects] == [
        ("<stdin> (document 0)", Namespace("web"))
    ]


def test_errors_of_every_document_and_file_are_collected(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: A}\n")
    b = write(tmp_path, "b.yaml", "")
    with pytest.raises(InvalidManifests) as info:
        load_documents([a, b, tmp_path / "missing.yaml"])
    assert "missing.yaml: no such file" in str(info.value)
    with pytest.raises(InvalidManifests) as info:
        load_documents([a, b])
    lines = str(info.value).splitlines()
    assert lines[0].startswith(f"{a}:3 (document 0): Namespace A: metadata.name: Invalid value")
    assert lines[1] == f"{b}: no objects: the input holds no Kubernetes objects"


def test_empty_inputs_are_no_objects() -> None:
    for text in ("", "---\n", "# comment only\n", "---\n---\n"):
        with pytest.raises(InvalidManifests, match="no objects"):
            load_bytes(text, "e.yaml")


def test_duplicates_already_exist_within_one_created_file(tmp_path: Path) -> None:
    doc = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\n"
    with pytest.raises(InvalidManifests) as info:
        load_bytes(doc + "---\n" + doc, "f")
    assert str(info.value) == (
        "f:7 (document 1): NetworkPolicy default/p: metadata.name: "
        'networkpolicies.networking.k8s.io "p" already exists (first defined in document 0)'
    )
    # Different namespaces or kinds do not collide.
    load_bytes(doc + "---\n" + doc.replace("{name: p}", "{name: p, namespace: other}"), "f")


def test_check_bytes_keeps_valid_documents_and_reports_the_rest() -> None:
    doc = "apiVersion: v1\nkind: Namespace\nmetadata: {name: nn}\n"
    typo = "---\nkind: NetworkPolcy\napiVersion: networking.k8s.io/v1\n"
    manifests, errors = check_bytes(doc + "---\n" + doc + typo, "f")
    assert [d.ref for d in manifests.declared] == ["Namespace nn"]
    assert len(errors) == 2 and all(isinstance(e, ValidationError) for e in errors)


def test_kind_list_from_kubectl_get_loads_as_a_snapshot() -> None:
    snapshot = {
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"resourceVersion": ""},
        "items": [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "shop", "uid": "d1"},
                "spec": {
                    "replicas": 2,
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {
                        "metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
                    },
                },
                "status": {"replicas": 2},
            },
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": "web-5d4f",
                    "namespace": "shop",
                    "ownerReferences": [
                        {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "d1"}
                    ],
                },
                "spec": {
                    "replicas": 1,
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {
                        "metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
                    },
                },
            },
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": "web-5d4f-abcde",
                    "namespace": "shop",
                    "labels": {"app": "web"},
                    "ownerReferences": [
                        {
                            "apiVersion": "apps/v1",
                            "kind": "ReplicaSet",
                            "name": "web-5d4f",
                            "uid": "r1",
                            "controller": True,
                        }
                    ],
                    "creationTimestamp": "2024-01-01T00:00:00Z",
                },
                "spec": {
                    "nodeName": "kind-worker",
                    "containers": [{"name": "c", "image": "nginx"}],
                },
                "status": {"podIP": "10.244.1.5", "hostIP": "172.18.0.3"},
            },
            {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"}},
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "web", "namespace": "shop"},
                "spec": {
                    "clusterIP": "10.100.0.20",
                    "clusterIPs": ["10.100.0.20"],
                    "selector": {"app": "web"},
                    "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
                },
            },
        ],
    }
    text = yaml.safe_dump(snapshot)
    manifests = load_bytes(text, "snap.yaml")
    pods = [obj for _, obj in manifests.objects if isinstance(obj, Pod)]
    assert [p.name for p in pods] == ["web-5d4f-abcde"]  # neither Deployment nor RS expands
    assert pods[0].owner == "ReplicaSet/web-5d4f"
    assert any(n.endswith("pod networking): Endpoints (1)") for n in manifests.notes)
    cluster = load_cluster_from_text(text)
    assert cluster.pods["shop/web-5d4f-abcde"].ip == "10.244.1.5"
    assert "kind-worker" in cluster.nodes  # named by a pod, created with default addresses
    assert cluster.services["shop/web"].cluster_ip == "10.100.0.20"
    assert set(cluster.namespaces) == {"shop"}  # the skipped Endpoints creates nothing


def load_cluster_from_text(text: str, cluster: Cluster | None = None) -> Cluster:
    from netsim.model.load import manifests_into_cluster

    return manifests_into_cluster(load_bytes(text, "t.yaml"), cluster)


def test_replicaset_without_pods_expands() -> None:
    rs = """\
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: fe, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {tier: fe}}
  template:
    metadata: {labels: {tier: fe}}
    spec: {containers: [{name: c, image: x}]}
"""
    pods = [obj for _, obj in load_bytes(rs, "rs.yaml").objects]
    assert len(pods) == 3 and all(p.owner == "ReplicaSet/fe" for p in pods)  # type: ignore[union-attr]


def test_daemonset_runs_on_every_declared_node() -> None:
    text = """\
apiVersion: v1
kind: Node
metadata: {name: n2}
---
apiVersion: v1
kind: Node
metadata: {name: n1}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  selector: {matchLabels: {k: a}}
  template:
    metadata: {labels: {k: a}}
    spec: {hostNetwork: true, containers: [{name: c, image: x}]}
"""
    cluster = load_cluster_from_text(text)
    nodes = sorted(p.node for p in cluster.pods.values())
    assert nodes == ["n1", "n2"]
    assert all(p.ip == cluster.nodes[p.node].ip for p in cluster.pods.values())


def test_load_cluster_ipam_is_deterministic_and_follows_documents(tmp_path: Path) -> None:
    path = write(tmp_path, "nginx.yaml", NGINX)
    first, second = load_cluster([path]), load_cluster([path])
    ips = {k: p.ip for k, p in first.pods.items()}
    assert ips == {k: p.ip for k, p in second.pods.items()}
    ordered = [first.pods[k].ip for k in first.pods]  # insertion (creation) order
    assert ordered == ["10.244.1.2", "10.244.1.3", "10.244.1.4"]
    # .1 of the service range is reserved for default/kubernetes, as the apiserver does.
    assert first.services["default/nginx"].cluster_ip == "10.100.0.2"
    assert first.namespaces["default"] == Namespace("default")
    assert isinstance(first.policies["default/access-nginx"], NetworkPolicy)


def test_load_cluster_into_existing_cluster_and_node_defaults() -> None:
    cluster = Cluster()
    first = cluster.add_default_node()
    text = (
        "apiVersion: v1\nkind: Node\nmetadata: {name: extra}\n---\n"
        "apiVersion: v1\nkind: Node\nmetadata: {name: given}\nspec: {podCIDR: 10.9.0.0/24}\n"
        "status: {addresses: [{type: InternalIP, address: 192.168.0.9}]}\n"
    )
    load_cluster_from_text(text, cluster)
    extra, given = cluster.nodes["extra"], cluster.nodes["given"]
    assert extra.pod_cidr != first.pod_cidr and extra.ip != first.ip
    assert not extra.pod_cidr.contains(first.pod_cidr)
    assert given == Node("given", "192.168.0.9", Prefix.parse("10.9.0.0/24"))


def test_cluster_errors_carry_the_origin() -> None:
    text = """\
apiVersion: v1
kind: Pod
metadata: {name: a}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.244.1.9}
---
apiVersion: v1
kind: Pod
metadata: {name: b}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.244.1.9}
"""
    with pytest.raises(ValidationError) as info:
        load_cluster_from_text(text)
    assert str(info.value).startswith("t.yaml (document 1): Pod default/b: status.podIP:")


def test_unreadable_path_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError):
        expand_paths([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(LoadError, match="no manifest files"):
        expand_paths([tmp_path / "empty"])


# ----------------------------------------------------------- property tests
KEYS = st.sampled_from(
    [
        "apiVersion", "kind", "metadata", "name", "namespace", "labels", "spec", "podSelector",
        "matchLabels", "matchExpressions", "key", "operator", "values", "ingress", "egress",
        "from", "to", "ports", "port", "endPort", "protocol", "ipBlock", "cidr", "except",
        "policyTypes", "containers", "image", "containerPort", "selector", "template",
        "replicas", "items", "status", "podIP", "targetPort", "type", "nodeName",
    ]
)  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["TCP", "tcp", "In", "10.0.0.0/8", "1.2.3.4/40", "web", "", "Ingress"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(KEYS, st.text(max_size=5)), inner, max_size=5),
    ),
    max_leaves=30,
)
KIND_VERSIONS = st.sampled_from(
    [
        ("v1", "Pod"), ("v1", "Service"), ("v1", "Namespace"), ("v1", "Node"), ("v1", "List"),
        ("networking.k8s.io/v1", "NetworkPolicy"), ("extensions/v1beta1", "NetworkPolicy"),
        ("apps/v1", "Deployment"), ("apps/v1", "StatefulSet"), ("apps/v1", "DaemonSet"),
        ("v1", "ConfigMap"), ("v1", "PodList"), ("x.io/v1", "Thing"), ("v1", "NetPolicy"),
    ]
)  # fmt: skip


@st.composite
def manifests(draw: st.DrawFn) -> Any:
    api_version, kind = draw(KIND_VERSIONS)
    doc: dict[Any, Any] = {"apiVersion": api_version, "kind": kind}
    extra = draw(st.dictionaries(KEYS, VALUES, max_size=5))
    doc.update(extra)
    if draw(st.booleans()):
        doc["metadata"] = {"name": draw(st.sampled_from(["a", "b", "A", ""]))}
    return doc


def _loads_or_netsim_error(call: Any) -> None:
    with contextlib.suppress(NetsimError):
        call()


@settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.one_of(manifests(), VALUES))
def test_object_from_dict_raises_only_netsim_errors(doc: Any) -> None:
    _loads_or_netsim_error(lambda: object_from_dict(doc))


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(manifests(), max_size=3))
def test_loading_dumped_yaml_raises_only_netsim_errors(docs: list[Any]) -> None:
    try:
        text = yaml.safe_dump_all(docs)
    except (yaml.YAMLError, ValueError, OverflowError):
        return
    _loads_or_netsim_error(lambda: load_cluster_from_text(text))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(max_size=200).map(str.encode),
        st.lists(st.sampled_from(["a:", " - ", "[", "]", "{", "}", "&x", "*x", "!!", ":", "\n",
                                  "---", "'", '"', "\t", "? ", "kind: Pod", "\x00"]),
                 max_size=40).map(lambda parts: "".join(parts).encode()),
    )
)  # fmt: skip
def test_random_bytes_raise_only_netsim_errors(data: bytes) -> None:
    _loads_or_netsim_error(lambda: load_bytes(data, "fuzz.yaml"))


def test_a_full_node_is_a_clean_error_not_a_crash() -> None:
    pod = (
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}}}\n"
        "spec: {{containers: [{{name: c, image: x}}]}}\n"
    )
    text = "---\n".join(pod.format(i=i) for i in range(254))
    with pytest.raises(ValidationError, match=r"\(document 253\): Pod default/p253: spec.nodeName"):
        load_cluster_from_text(text)  # one default node, /24: .2 to .254 hold 253 pods


def test_snapshot_cluster_ips_set_the_service_range_and_finished_pods_are_skipped() -> None:
    text = """\
apiVersion: v1
kind: Service
metadata: {name: kubernetes, namespace: default}
spec: {clusterIP: 10.96.0.1, ports: [{name: https, port: 443, targetPort: 6443}]}
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system}
spec: {clusterIP: 10.96.0.10, selector: {k8s-app: kube-dns}, ports: [{port: 53, protocol: UDP}]}
---
apiVersion: v1
kind: Service
metadata: {name: new, namespace: default}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: job-x, namespace: default}
spec: {containers: [{name: c, image: x}]}
status: {phase: Succeeded, podIP: 10.244.1.7}
"""
    manifests = load_bytes(text, "t.yaml")
    assert any("skipping Pod default/job-x: phase Succeeded" in n for n in manifests.notes)
    cluster = load_cluster_from_text(text)
    assert str(cluster.service_cidr) == "10.96.0.0/16"
    assert cluster.services["default/new"].cluster_ip == "10.96.0.2"
    assert not cluster.pods
    # The default range is kept when the ClusterIPs fit in it.
    assert str(load_cluster_from_text(NGINX).service_cidr) == "10.100.0.0/16"


def test_deployment_with_its_pods_but_not_its_replicaset_is_not_expanded() -> None:
    pod = """\
---
apiVersion: v1
kind: Pod
metadata:
  name: nginx-7b55f5b6cc-8bj8c
  namespace: default
  labels: {run: nginx}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: nginx-7b55f5b6cc, uid: u1}]
spec: {containers: [{name: nginx, image: nginx}]}
"""
    manifests = load_bytes(NGINX.split("---")[0] + pod, "t.yaml")
    assert [obj.name for _, obj in manifests.objects] == ["nginx-7b55f5b6cc-8bj8c"]


def test_a_kubectl_get_all_snapshot_loads_as_its_cluster() -> None:
    path = Path(__file__).parent / "data" / "kubectl-get-all-kind.yaml"
    cluster = load_cluster([path])
    assert sorted(cluster.pods) == [
        "kube-system/coredns-5d78c9869d-x7k2p",
        "kube-system/kube-proxy-4tq9z",
    ]
    coredns = cluster.pods["kube-system/coredns-5d78c9869d-x7k2p"]
    assert (coredns.ip, coredns.node) == ("10.244.0.3", "kind-control-plane")
    assert coredns.named_port("dns-tcp", "TCP") == 53
    proxy = cluster.pods["kube-system/kube-proxy-4tq9z"]
    assert proxy.host_network and proxy.ip == cluster.nodes["kind-control-plane"].ip
    assert cluster.services["kube-system/kube-dns"].cluster_ip == "10.96.0.10"
    assert cluster.policies["kube-system/allow-dns"].ingress[0].ports[1].port == "dns-tcp"
