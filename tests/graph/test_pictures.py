"""SVG, PNG and heatmap: parsed back, checked for the expected labels and non-blank pixels,
and byte-identical on a second run."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest

from netsim.graph.render import heatmap, render
from netsim.model.cluster import Cluster

SVG = "{http://www.w3.org/2000/svg}"


def png_pixels(data: bytes) -> tuple[int, int, int]:
    """(width, height, pixels that are not the white background) of a PNG."""
    image = pytest.importorskip("matplotlib.image")
    pixels = image.imread(io.BytesIO(data), format="png")
    rgb = pixels[..., :3]
    height, width = rgb.shape[:2]
    return width, height, int((rgb.min(axis=2) < 0.95).sum())


def test_svg_has_frames_nodes_and_edge_labels(shop: Cluster) -> None:
    data = render(shop, "svg", group_by="pod", renderer="builtin")
    root = ET.fromstring(data)
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert {"ops", "shop", "monitor", "api", "db", "web-1, web-2"} <= texts
    assert {"TCP 8080,9000-9001", "TCP 5432"} <= texts
    nodes = [g.get("data-id") for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
    assert nodes == ["ops/monitor", "shop/api", "shop/db", "clique:shop/web-1"]
    assert float(root.get("width", 0)) >= 640
    assert render(shop, "svg", group_by="pod", renderer="builtin") == data


def test_png_is_drawn_and_stable(shop: Cluster) -> None:
    pytest.importorskip("matplotlib")
    data = render(shop, "png", group_by="pod", renderer="builtin")
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, ink = png_pixels(data)
    assert width >= 640 and height >= 300
    assert ink > 0.02 * width * height  # frames, nodes, text and edges
    assert render(shop, "png", group_by="pod", renderer="builtin") == data


def test_heatmap_png(shop: Cluster) -> None:
    pytest.importorskip("matplotlib")
    data = heatmap(shop, "namespace")
    width, height, ink = png_pixels(data)
    assert width >= 600 and height >= 600
    assert ink > 0.05 * width * height
    assert heatmap(shop, "namespace") == data
