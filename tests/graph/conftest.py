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

SHOP_FILE = Path(__file__).with_name("shop.yaml")
SHOP = SHOP_FILE.read_text(encoding="utf-8")


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
