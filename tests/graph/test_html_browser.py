"""The html page in a real headless browser (Debian's chromium): it renders, the filter in
the address filters the flow table, and the page needs no network.

chromium is installed by .ci/run; on CI (CI=true) a missing chromium fails these tests,
elsewhere they skip.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from netsim.graph.render import render
from netsim.model.cluster import Cluster

from .test_pictures import png_pixels


def chromium() -> str:
    """The browser's path, or fail (CI) / skip (elsewhere)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed (.ci/run installs it)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def browse(page: Path, *extra: str, fragment: str = "") -> str:
    """Run headless chromium on the page; return its stdout."""
    done = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            f"--user-data-dir={page.parent / 'profile'}",
            "--virtual-time-budget=5000",
            *extra,
            page.as_uri() + fragment,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def rows(dom: str) -> list[list[str]]:
    """The flow table's body rows as cell texts."""
    body = re.search(r'<table id="flows">.*?<tbody>(.*?)</tbody>', dom, re.S)
    assert body is not None
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body[1])]


@pytest.fixture
def page(shop: Cluster, tmp_path: Path) -> Path:
    path = tmp_path / "shop.html"
    path.write_bytes(render(shop, "html", group_by="pod"))
    return path


def test_page_is_self_contained(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)
    assert "<svg" in text and "<script>" in text


def test_flow_table_and_truth_table_render(page: Path) -> None:
    """Every group pair with an allowed port is a row; web-1 -> api shows the two ingress
    rules of shop/api-allow (http resolved to 8080 on api; 9000-9001)."""
    dom = browse(page, "--dump-dom")
    table = rows(dom)
    web_to_api = [r for r in table if r[0] == "shop/web-1" and r[1] == "shop/api"]
    assert [(r[2], r[3], r[4]) for r in web_to_api] == [
        ("TCP 8080", "not isolated", "shop/api-allow spec.ingress[0].from[0] ports[0]"),
        ("TCP 9000-9001", "not isolated", "shop/api-allow spec.ingress[0].from[0] ports[1]"),
    ]
    assert not [r for r in table if r[1] == "shop/db" and r[0] != "shop/api"]
    assert 'id="flow-count"' in dom and f"{len(table)} of {len(table)} rows" in dom
    truth = re.search(r'<table id="truth" class="truth">(.*?)</table>', dom, re.S)
    assert truth is not None and truth[1].count("<tr>") == 6  # header + 5 pods


def test_filter_from_the_address(page: Path) -> None:
    """#filter=monitor keeps the rows that mention monitor, and only them."""
    everything = rows(browse(page, "--dump-dom"))
    dom = browse(page, "--dump-dom", fragment="#filter=monitor")
    kept = rows(dom)
    expected = [r for r in everything if any("monitor" in c for c in r)]
    assert kept == expected and 0 < len(kept) < len(everything)
    assert 'data-filter="monitor"' in dom


def test_screenshot_is_not_blank(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    browse(page, f"--screenshot={shot}", "--window-size=1200,900")
    width, height, ink = png_pixels(shot.read_bytes())
    assert (width, height) == (1200, 900)
    assert ink > 0.03 * width * height
