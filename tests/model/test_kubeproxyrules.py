"""kube-proxy's Service rules in one place (netsim.model.kubeproxyrules).

Expected values from the Kubernetes documentation: a named ``targetPort`` is
looked up per endpoint pod and a pod without that port is no endpoint of the
Service port (https://kubernetes.io/docs/concepts/services-networking/service/
"Port definitions"); NodePorts are unique across Services; netsim's own
allocation order (lowest free from 30000, TEST-NET-2 for LB IPs) is its documented
deterministic stand-in for the apiserver's random choice.
"""

from __future__ import annotations

import random

from netsim.model import Cluster, ContainerPort, Labels, Pod, Service, ServicePort
from netsim.model.kubeproxyrules import (
    allocate_lb_ips,
    allocate_node_ports,
    choose_endpoint,
    port_endpoints,
    target_port,
)


def _pod(name: str, *ports: ContainerPort) -> Pod:
    return Pod(name, "default", Labels.of(app="web"), container_ports=ports)


def test_a_numeric_target_port_is_used_as_is() -> None:
    assert target_port(_pod("a"), ServicePort(80, 8080)) == 8080


def test_a_named_target_port_resolves_per_pod_and_protocol() -> None:
    web = ServicePort(80, "http")
    assert target_port(_pod("a", ContainerPort(8080, "TCP", "http")), web) == 8080
    assert target_port(_pod("b", ContainerPort(9090, "TCP", "http")), web) == 9090
    assert target_port(_pod("c", ContainerPort(8080, "UDP", "http")), web) is None
    assert target_port(_pod("d"), web) is None


def test_port_endpoints_leave_out_pods_without_the_named_port() -> None:
    cluster = Cluster()
    cluster.add_default_node()
    cluster.add(_pod("a", ContainerPort(8080, "TCP", "http")))
    cluster.add(_pod("b"))
    service = Service("web", "default", (ServicePort(80, "http"),), Labels.of(app="web"))
    cluster.add(service)
    found = [(pod.key, port) for pod, port in port_endpoints(cluster, service, service.ports[0])]
    assert found == [("default/a", 8080)]


def test_choose_endpoint_draws_nothing_for_one_and_is_seeded_for_several() -> None:
    rng = random.Random(7)
    state = rng.getstate()
    assert choose_endpoint(["only"], rng) == "only"
    assert rng.getstate() == state
    picks = [choose_endpoint("abc", random.Random(seed)) for seed in range(30)]
    assert set(picks) == {"a", "b", "c"}
    assert picks == [choose_endpoint("abc", random.Random(seed)) for seed in range(30)]


def _node_port_service(name: str, *ports: ServicePort) -> Service:
    return Service(name, "default", ports, Labels.of(app=name), type="NodePort")


def test_node_ports_lowest_free_in_key_order_explicit_ones_skipped() -> None:
    services = {
        "default/b": _node_port_service("b", ServicePort(80, 80)),
        "default/a": _node_port_service("a", ServicePort(80, 80), ServicePort(81, 81)),
        "default/c": _node_port_service("c", ServicePort(80, 80, node_port=30001)),
        "default/d": Service("d", "default", (ServicePort(80, 80),)),  # ClusterIP: none
    }
    assert allocate_node_ports(services, {}) == {
        ("default/a", 80): 30000,
        ("default/a", 81): 30002,
        ("default/b", 80): 30003,
        ("default/c", 80): 30001,
    }


def test_node_ports_keep_earlier_allocations_unless_an_explicit_one_takes_it() -> None:
    earlier = {("default/b", 80): 30000, ("default/gone", 80): 30005}
    services = {
        "default/a": _node_port_service("a", ServicePort(80, 80)),
        "default/b": _node_port_service("b", ServicePort(80, 80)),
    }
    # b keeps 30000 although a comes first by key; a takes the lowest free one.
    assert allocate_node_ports(services, earlier) == {
        ("default/b", 80): 30000,
        ("default/a", 80): 30001,
    }
    services["default/c"] = _node_port_service("c", ServicePort(80, 80, node_port=30000))
    # c's explicit 30000 takes b's: b is allocated anew, after a (key order).
    assert allocate_node_ports(services, earlier) == {
        ("default/a", 80): 30001,
        ("default/b", 80): 30002,
        ("default/c", 80): 30000,
    }


def test_lb_ips_from_test_net_2_kept_and_explicit_ones_win() -> None:
    def lb(name: str, ip: str = "") -> Service:
        return Service(
            name, "default", (ServicePort(80, 80),), type="LoadBalancer", load_balancer_ip=ip
        )

    services = {"default/b": lb("b"), "default/a": lb("a", "198.51.100.1")}
    assert allocate_lb_ips(services, {}) == {
        "default/a": "198.51.100.1",
        "default/b": "198.51.100.2",
    }
    assert allocate_lb_ips({"default/b": lb("b")}, {"default/b": "198.51.100.2"}) == {
        "default/b": "198.51.100.2"
    }
