"""``netsim graph``: formats to stdout and files, the heatmap, exit 2 on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from netsim.cli import main

SHOP = (Path(__file__).parents[1] / "graph" / "shop.yaml").read_text(encoding="utf-8")


@pytest.fixture
def shop_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(SHOP, encoding="utf-8")
    return path


def test_mermaid_to_stdout(shop_file: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["graph", str(shop_file), "-o", "mermaid", "--group-by", "pod"]) == 0
    out = capsysbinary.readouterr().out.decode()
    assert out.startswith("flowchart LR\n")
    assert '-->|"TCP 5432"|' in out


def test_default_is_dot_and_focus(
    shop_file: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    args = ["graph", str(shop_file), "--focus", "shop/db", "--direction", "in"]
    assert main(args) == 0
    out = capsysbinary.readouterr().out.decode()
    assert out.startswith("digraph netsim {")
    assert '[label="TCP 5432"]' in out and "monitor" not in out


def test_files_and_heatmap(shop_file: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    png, heat, svg = tmp_path / "g.png", tmp_path / "h.png", tmp_path / "g.svg"
    args = ["graph", str(shop_file), "-o", "png", "--out", str(png), "--heatmap", str(heat)]
    assert main([*args, "--renderer", "builtin"]) == 0
    assert main(["graph", str(shop_file), "-o", "svg", "--out", str(svg)]) == 0
    assert png.read_bytes()[:4] == heat.read_bytes()[:4] == b"\x89PNG"
    assert svg.read_text(encoding="utf-8").startswith("<svg")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-o", "png"], "give --out FILE"),
        (["--direction", "in"], "--direction needs --focus"),
        (["--focus", "nowhere"], "--focus nowhere"),
    ],
)
def test_usage_errors_exit_2(
    shop_file: Path, extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["graph", str(shop_file), *extra]) == 2
    assert message in capsys.readouterr().err


def test_bad_manifest_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Pod\nmetadata: {name: x}\nspec: {containers: 3}\n", encoding="utf-8")
    assert main(["graph", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "Traceback" not in err
