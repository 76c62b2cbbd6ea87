"""Service rules the apiserver enforces that netsim accepted before (issue 13)."""

from __future__ import annotations

import pytest

from netsim.errors import NetsimError
from netsim.model.load import load_bytes
from netsim.model.objects import Service

SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: TYPE
  clusterIP: None
  selector: {app: web}
  ports: [{port: 80}]
"""


@pytest.mark.parametrize("service_type", ["NodePort", "LoadBalancer"])
def test_a_headless_service_cannot_be_exposed_on_nodes(service_type: str) -> None:
    # ValidateService (kubernetes pkg/apis/core/validation/validation.go): a headless
    # Service has no virtual IP for a NodePort or a load balancer to forward to.
    with pytest.raises(NetsimError) as caught:
        load_bytes(SERVICE.replace("TYPE", service_type), "svc.yaml")
    assert str(caught.value) == (
        "svc.yaml:4 (document 0): Service default/web: spec.clusterIPs[0]: Invalid value: "
        f"\"None\": may not be set to 'None' for {service_type} services"
    )


def test_a_headless_cluster_ip_service_stays_valid() -> None:
    manifests = load_bytes(SERVICE.replace("TYPE", "ClusterIP"), "svc.yaml")
    (service,) = [obj for _, obj in manifests.objects if isinstance(obj, Service)]
    assert service.cluster_ip == "None"
