"""Manifest decoding: strict fields, types, defaulting and validation per kind.

Expected values follow the apiserver: SetDefaults_* for defaults, the
validation functions for the messages (pkg/apis/core/validation,
pkg/apis/networking/validation, pkg/apis/apps/validation).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from netsim.addr import Prefix
from netsim.errors import Origin, ValidationError
from netsim.model import ContainerPort, LabelSelector, NetworkPolicy, Pod, Requirement, Service
from netsim.model.manifest import Workload, decode_document, template_hash
from netsim.model.netpol import IPBlock, PolicyPeer, PolicyPort, PolicyRule

ORIGIN = Origin("t.yaml", 0)


def np(spec: Any = None, **meta: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "p", **meta},
    }
    if spec is not None:
        doc["spec"] = spec
    return doc


def decode_one(doc: dict[str, Any]) -> Any:
    (decoded,) = decode_document(doc, ORIGIN)
    return decoded


def errors_of(doc: object) -> list[str]:
    with pytest.raises(ValidationError) as info:
        decode_document(doc, ORIGIN)
    return [str(e) for e in info.value.errors]


# ------------------------------------------------------------ NetworkPolicy
def test_network_policy_full_conversion_and_defaults() -> None:
    decoded = decode_one(
        np(
            {
                "podSelector": {
                    "matchLabels": {"role": "db"},
                    "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["x"]}],
                },
                "ingress": [
                    {
                        "from": [
                            {"ipBlock": {"cidr": "172.17.0.0/16", "except": ["172.17.1.0/24"]}},
                            {"namespaceSelector": {}, "podSelector": {"matchLabels": None}},
                        ],
                        "ports": [{"port": 6379}, {"protocol": "UDP", "port": "dns"}],
                    }
                ],
                "egress": [{"ports": [{"port": 32000, "endPort": 32768}]}],
            }
        )
    )
    (policy,) = decoded.objects
    assert policy == NetworkPolicy(
        name="p",
        namespace="default",
        pod_selector=LabelSelector((("role", "db"),), (Requirement("tier", "NotIn", ("x",)),)),
        policy_types=("Ingress", "Egress"),
        ingress=(
            PolicyRule(
                peers=(
                    PolicyPeer(
                        ip_block=IPBlock(
                            Prefix.parse("172.17.0.0/16"), (Prefix.parse("172.17.1.0/24"),)
                        )
                    ),
                    PolicyPeer(pod_selector=LabelSelector(), namespace_selector=LabelSelector()),
                ),
                ports=(PolicyPort("TCP", 6379), PolicyPort("UDP", "dns")),
            ),
        ),
        egress=(PolicyRule(ports=(PolicyPort("TCP", 32000, 32768),)),),
    )


@pytest.mark.parametrize(
    ("spec", "types"),
    [
        ({}, ("Ingress",)),
        ({"egress": []}, ("Ingress",)),  # omitempty: an empty egress section is no section
        ({"egress": [{}]}, ("Ingress", "Egress")),
        ({"policyTypes": [], "egress": [{}]}, ("Ingress", "Egress")),
        ({"policyTypes": ["Egress"], "ingress": [{}]}, ("Egress",)),
    ],
)
def test_policy_types_defaulting(spec: dict[str, Any], types: tuple[str, ...]) -> None:
    assert decode_one(np(spec)).objects[0].policy_types == types


def test_null_selectors_and_empty_lists() -> None:
    (policy,) = decode_one(
        np({"podSelector": None, "ingress": [{"from": [], "ports": None}]})
    ).objects
    assert policy.pod_selector == LabelSelector()
    assert policy.ingress == (PolicyRule(),)


def test_peer_rules() -> None:
    path = "spec.ingress[0].from[0]"
    assert errors_of(np({"ingress": [{"from": [{}]}]})) == [
        f"{path}: Required value: must specify a peer"
    ]
    assert errors_of(
        np({"ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}]}]})
    ) == [f"{path}: Forbidden: may not specify both ipBlock and another peer"]


def test_all_errors_of_a_document_are_reported() -> None:
    errs = errors_of(
        np(
            {
                "podSelector": {"matchLabels": {"a": "b c"}},
                "policyTypes": ["ingress"],
                "ingress": [{"ports": [{"protocol": "tcp"}, {"port": "x--y"}]}],
            },
            name="Bad_Name",
        )
    )
    paths = [e.split(": ")[0] for e in errs]
    assert paths == [
        "metadata.name",
        "spec.podSelector.matchLabels",
        "spec.ingress[0].ports[0].protocol",
        "spec.ingress[0].ports[1].port",
        "spec.policyTypes[0]",
    ]


def test_strict_decoding_unknown_fields_and_types() -> None:
    errs = errors_of(
        np(
            {"podSelector": {"matchLabel": {}}, "ingress": [{"ports": [{"port": 80.5}]}]},
            lables={"a": "b"},
        )
    )
    assert errs[0] == 'metadata.lables: unknown field "metadata.lables"'
    assert errs[1] == 'spec.podSelector.matchLabel: unknown field "spec.podSelector.matchLabel"'
    assert errs[2].startswith("spec.ingress[0].ports[0].port: Invalid type: expected integer")
    errs = errors_of(np(None, labels={"app": 5}))
    assert errs == [
        "metadata.labels.app: Invalid type: expected string, got number 5 "
        "(the value cannot be decoded into this field)"
    ]
    assert errors_of(["a"])[0].startswith("Invalid type: expected object")
    assert errors_of(np(None, name=True))[0].startswith("metadata.name: Invalid type")


def test_namespace_default_and_validation() -> None:
    assert decode_one(np(None)).namespace == "default"
    assert errors_of(np(None, namespace="My.NS"))[0].startswith(
        'metadata.namespace: Invalid value: "My.NS": must not contain dots'
    ) or errors_of(np(None, namespace="My.NS"))[0].startswith("metadata.namespace: Invalid")


def test_generate_name_gives_a_deterministic_name() -> None:
    doc = np(None)
    del doc["metadata"]["name"]
    doc["metadata"]["generateName"] = "allow-"
    first, second = decode_one(doc), decode_one(doc)
    assert first.name == second.name
    assert re.fullmatch(r"allow-[bcdfghjklmnpqrstvwxz2456789]{5}", first.name)


# ------------------------------------------------------------- kinds, lists
def test_unknown_kind_and_wrong_api_version() -> None:
    errs = errors_of({"apiVersion": "networking.k8s.io/v1", "kind": "NetPolicy"})
    assert errs[0].startswith('kind: Unsupported value: "NetPolicy"')
    assert 'did you mean "NetworkPolicy"' in errs[0]
    errs = errors_of({"apiVersion": "v1", "kind": "NetworkPolicy", "metadata": {"name": "x"}})
    assert errs[0].startswith('apiVersion: Invalid value: "v1": no matches for kind')
    assert errors_of({"kind": "Pod"}) == ["apiVersion: Required value"]
    assert errors_of({"apiVersion": "v1"}) == ["kind: Required value"]


def test_skipped_kinds_and_custom_resources_have_notes() -> None:
    cm = decode_one({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}})
    assert cm.objects == () and "does not shape the network" in cm.note
    cr = decode_one(
        {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": {"name": "c"}}
    )
    assert cr.objects == () and "not simulated" in cr.note


def test_list_items_get_indexed_paths() -> None:
    doc = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            np(None),
            np({"policyTypes": ["Bad"]}),
            {"apiVersion": "v1", "kind": "List", "items": []},
        ],
    }
    with pytest.raises(ValidationError) as info:
        decode_document(doc, ORIGIN)
    text = str(info.value)
    assert "items[1].spec.policyTypes[0]: Unsupported value" in text
    assert "items[2].kind: Invalid value" in text


def test_typed_list_items_take_the_list_kind() -> None:
    doc = {
        "apiVersion": "v1",
        "kind": "NamespaceList",
        "items": [{"metadata": {"name": "a"}}, {"metadata": {"name": "b"}}],
    }
    assert [d.ref for d in decode_document(doc, ORIGIN)] == ["Namespace a", "Namespace b"]


# -------------------------------------------------------------- core kinds
def pod(spec: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web-0", "namespace": "shop", "labels": {"app": "web"}},
        "spec": spec,
        **extra,
    }


def test_pod_fields() -> None:
    (p,) = decode_one(
        pod(
            {
                "nodeName": "node-2",
                "containers": [
                    {
                        "name": "web",
                        "image": "nginx",
                        "ports": [
                            {"name": "http", "containerPort": 80},
                            {"name": "dns", "containerPort": 53, "protocol": "UDP"},
                        ],
                    }
                ],
            },
            status={"podIP": "10.244.2.7", "phase": "Running"},
        )
    ).objects
    assert p == Pod(
        name="web-0",
        namespace="shop",
        labels=p.labels,
        node="node-2",
        ip="10.244.2.7",
        container_ports=(ContainerPort(80, "TCP", "http"), ContainerPort(53, "UDP", "dns")),
        image="nginx",
    )
    assert p.labels.as_dict() == {"app": "web"}


def test_pod_validation() -> None:
    errs = errors_of(
        pod(
            {
                "hostNetwork": True,
                "containers": [
                    {
                        "name": "web",
                        "ports": [
                            {"name": "http", "containerPort": 80, "hostPort": 8080},
                            {"name": "http", "containerPort": 81},
                            {"containerPort": 0},
                        ],
                    }
                ],
            }
        )
    )
    assert sorted(errs) == [
        "spec.containers[0].image: Required value",
        "spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` "
        "when `hostNetwork` is true",
        'spec.containers[0].ports[1].name: Duplicate value: "http"',
        "spec.containers[0].ports[2].containerPort: Required value",
    ]
    assert errors_of(pod({"containers": []})) == ["spec.containers: Required value"]


def test_service_defaults_and_ports() -> None:
    (svc,) = decode_one(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web"},
            "spec": {
                "type": "NodePort",
                "selector": {"app": "web"},
                "externalTrafficPolicy": "Local",
                "ports": [
                    {"name": "http", "port": 80, "targetPort": "http", "nodePort": 30080},
                    {"name": "metrics", "port": 9090},
                ],
            },
        }
    ).objects
    assert isinstance(svc, Service)
    assert svc.type == "NodePort" and svc.external_traffic_policy == "Local"
    assert [(p.port, p.target_port, p.protocol, p.node_port) for p in svc.ports] == [
        (80, "http", "TCP", 30080),
        (9090, 9090, "TCP", None),  # targetPort defaults to port
    ]


def test_service_validation() -> None:
    base = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}}
    assert errors_of({**base, "spec": {"selector": {"a": "b"}}}) == ["spec.ports: Required value"]
    errs = errors_of(
        {
            **base,
            "spec": {
                "externalTrafficPolicy": "Local",
                "ports": [{"port": 80, "protocol": "tcp", "nodePort": 30000}],
            },
        }
    )
    assert errs == [
        'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for '
        "externally-accessible services",
        'spec.ports[0].protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP"',
        "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
    ]
    assert errors_of({**base, "metadata": {"name": "1web"}, "spec": {"ports": [{"port": 1}]}})[
        0
    ].startswith('metadata.name: Invalid value: "1web": a DNS-1035 label')


def test_headless_and_external_name_services() -> None:
    base = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"}}
    (svc,) = decode_one({**base, "spec": {"clusterIP": "None", "selector": {"a": "b"}}}).objects
    assert svc.cluster_ip == "None"
    ext = decode_one({**base, "spec": {"type": "ExternalName", "externalName": "x.example"}})
    assert ext.objects == () and "ExternalName" in ext.note


def test_node_fields() -> None:
    (node,) = decode_one(
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": "worker-1", "namespace": "ignored"},
            "spec": {"podCIDR": "10.244.5.0/24"},
            "status": {
                "addresses": [
                    {"type": "Hostname", "address": "worker-1"},
                    {"type": "InternalIP", "address": "192.168.1.5"},
                ]
            },
        }
    ).objects
    assert (node.name, node.ip, node.pod_cidr) == (
        "worker-1",
        "192.168.1.5",
        Prefix.parse("10.244.5.0/24"),
    )


def test_namespace_carries_its_name_label() -> None:
    (ns,) = decode_one(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {}}}
    ).objects
    assert ns.labels.as_dict() == {"kubernetes.io/metadata.name": "shop"}


# ---------------------------------------------------------------- workloads
def deployment(api_version: str = "apps/v1", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": "Deployment",
        "metadata": {"name": "nginx", "namespace": "default"},
        "spec": {
            "template": {
                "metadata": {"labels": {"run": "nginx"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx"}]},
            },
            **spec,
        },
    }


def test_deployment_gives_a_workload_with_replica_pods() -> None:
    decoded = decode_one(deployment(replicas=3, selector={"matchLabels": {"run": "nginx"}}))
    workload = decoded.workload
    assert isinstance(workload, Workload)
    pods = workload.pods()
    assert len(pods) == 3
    h = template_hash("default", "nginx")
    assert re.fullmatch(r"[bcdfghjklmnpqrstvwxz2456789]{6,10}", h)
    for p in pods:
        assert re.fullmatch(rf"nginx-{h}-[bcdfghjklmnpqrstvwxz2456789]{{5}}", p.name)
        assert p.labels.as_dict() == {"run": "nginx", "pod-template-hash": h}
        assert p.owner == "Deployment/nginx"
    assert len({p.name for p in pods}) == 3
    assert pods == workload.pods()  # deterministic


def test_deployment_validation() -> None:
    assert errors_of(deployment()) == ["spec.selector: Required value"]
    errs = errors_of(deployment(selector={"matchLabels": {"run": "other"}}))
    assert errs == [
        'spec.template.metadata.labels: Invalid value: map[string]string{"run":"nginx"}: '
        "`selector` does not match template `labels`"
    ]
    errs = errors_of(deployment(replicas=-1, selector={"matchLabels": {"run": "nginx"}}))
    assert errs == ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]


def test_extensions_v1beta1_deployment_defaults_selector_and_replicas() -> None:
    workload = decode_one(deployment("extensions/v1beta1")).workload
    assert workload is not None and workload.replicas == 1
    assert len(workload.pods()) == 1


def test_statefulset_and_daemonset_names() -> None:
    sts = deployment(replicas=2, selector={"matchLabels": {"run": "nginx"}})
    sts["kind"] = "StatefulSet"
    sts["spec"]["serviceName"] = "nginx"
    pods = decode_one(sts).workload.pods()
    assert [p.name for p in pods] == ["nginx-0", "nginx-1"]
    assert pods[1].labels.get("statefulset.kubernetes.io/pod-name") == "nginx-1"
    ds = deployment(selector={"matchLabels": {"run": "nginx"}})
    ds["kind"] = "DaemonSet"
    pods = decode_one(ds).workload.pods(("a", "b"))
    assert [p.node for p in pods] == ["a", "b"]
    assert all(re.fullmatch(r"nginx-[bcdfghjklmnpqrstvwxz2456789]{5}", p.name) for p in pods)


def test_integral_yaml_floats_are_integers_as_after_yaml_to_json() -> None:
    (policy,) = decode_one(np({"ingress": [{"ports": [{"port": 80.0}]}]})).objects
    assert policy.ingress[0].ports == (PolicyPort("TCP", 80),)


def test_service_duplicate_port_and_protocol() -> None:
    errs = errors_of(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web"},
            "spec": {"ports": [{"name": "a", "port": 80}, {"name": "b", "port": 80}]},
        }
    )
    assert len(errs) == 1
    assert errs[0].startswith('spec.ports[1]: Duplicate value: core.ServicePort{Name:"", ')
    assert "Port:80" in errs[0]
