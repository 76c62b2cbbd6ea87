"""A small cluster whose reachability is worked out by hand in the tests' docstrings.

shop: web-1, web-2 (app=web, port 80 named http), api (app=api, 8080 named http),
db (app=db); ops: monitor (app=mon). Policies: shop/db-allow admits app=api on TCP
5432 into db; shop/api-allow admits app=web into api on the named port http and TCP
9000-9001. No egress policy, so every pod's egress is open; web and monitor are
selected by no policy (open both ways).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netsim.model.cluster import Cluster
from netsim.model.load import load_cluster

SHOP = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: ops}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {containers: [{name: c, image: api, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {containers: [{name: c, image: postgres}]}
---
apiVersion: v1
kind: Pod
metadata: {name: monitor, namespace: ops, labels: {app: mon}}
spec: {containers: [{name: c, image: prom}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-allow, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: api}}}]
    ports: [{protocol: TCP, port: 5432}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-allow, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: http}, {port: 9000, endPort: 9001}]
"""


@pytest.fixture
def shop_file(tmp_path: Path) -> Path:
    """The manifests on disk."""
    path = tmp_path / "shop.yaml"
    path.write_text(SHOP, encoding="utf-8")
    return path


@pytest.fixture
def shop(shop_file: Path) -> Cluster:
    """The loaded cluster."""
    return load_cluster([shop_file])
