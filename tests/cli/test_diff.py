"""``netsim diff``: exit codes (0 equivalent, 1 per --fail-on, 2 input error), formats, stdin."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from netsim.cli import main

ROOT = Path(__file__).parents[2]
FIXTURES = ROOT / "tests" / "insight" / "fixtures"
TOPOLOGY = str(FIXTURES / "shop-topology.yaml")
POLICIES = ROOT / "netsim" / "scenarios" / "policies"
API_ALLOW = str(POLICIES / "12-api-allow.yaml")
COFFEE = str(FIXTURES / "edits" / "api-allow-coffeeshop.yaml")
EXTERNAL = str(POLICIES / "16-web-allow-external.yaml")
EXTERNAL_8080 = str(FIXTURES / "edits" / "web-allow-external-8080.yaml")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["diff", "--topology", TOPOLOGY, *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_equivalent_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        str(FIXTURES / "equiv" / "labels.yaml"),
        str(FIXTURES / "equiv" / "split.yaml"),
        "--fail-on",
        "any",
    )
    assert code == 0
    assert out.startswith("equivalent")


@pytest.mark.parametrize(
    ("fail_on", "code"),
    [("removed", 1), ("added", 1), ("any", 1), ("none", 0), ("new-peer,lost-peer", 0)],
)
def test_fail_on_removed_and_added(
    capsys: pytest.CaptureFixture[str], fail_on: str, code: int
) -> None:
    # api-allow -> coffeeshop both removes (front-1) and adds (coffee-1)
    assert run(capsys, API_ALLOW, COFFEE, "--fail-on", fail_on)[0] == code


def test_default_fail_on_is_removed(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, API_ALLOW, COFFEE)[0] == 1
    # the reverse edit of only-an-addition: NEW admits more than OLD, nothing removed
    loose = FIXTURES.parent / "_cli_loose.yaml"
    loose.write_text(Path(API_ALLOW).read_text().replace("role: api", "role: nothing"))
    try:
        assert run(capsys, API_ALLOW, str(loose))[0] == 0  # only added rows
        assert run(capsys, API_ALLOW, str(loose), "--fail-on", "added")[0] == 1
    finally:
        loose.unlink()


def test_json_rows(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, EXTERNAL, EXTERNAL_8080, "--group-by", "pod", "-o", "json")
    body = json.loads(out)
    assert code == 1 and body["equivalent"] is False
    row = next(
        c for c in body["changes"] if c["src"] == "default/front-1" and c["change"] == "removed"
    )
    assert row == {
        "change": "removed",
        "src": "default/front-1",
        "dst": "default/web-0",
        "protocol": "TCP",
        "ports": "80",
        "before": {
            "policy": "default/web-allow-external",
            "path": "spec.ingress[0] ports[0]",
            "side": "ingress",
            "reason": "rule",
            "isolated_by": ["default/web-allow-external"],
        },
        "after": None,
        "denied": {
            "policy": None,
            "path": None,
            "side": "ingress",
            "reason": "no-rule-matched",
            "isolated_by": ["default/web-allow-external"],
        },
        "pairs": 1,
    }


@pytest.mark.parametrize("form", ["text", "md", "csv"])
def test_other_formats_start_with_the_summary(
    capsys: pytest.CaptureFixture[str], form: str
) -> None:
    code, out, _ = run(capsys, EXTERNAL, EXTERNAL_8080, "-o", form)
    assert code == 1
    first = out.splitlines()[0]
    if form == "csv":
        assert first.startswith("change,src,dst,protocol,ports")
        assert "removed,default/api-1[Pod],default/web-0[Pod],TCP,80" in out
    else:
        assert "removed: 5 pairs lose TCP 80; added: 5 pairs gain TCP 8080" in first


def test_stdin_side(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    data = Path(COFFEE).read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert run(capsys, API_ALLOW, "-")[0] == 1


def test_input_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, API_ALLOW, str(tmp_path / "missing.yaml"))
    assert code == 2 and "no such file or directory" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x}\n"
        "spec: {podSelector: {}, ingress: [{ports: [{protocol: tcp}]}]}\n"
    )
    code, _, err = run(capsys, API_ALLOW, str(bad))
    assert code == 2 and "spec.ingress[0].ports[0].protocol" in err and "Traceback" not in err
    assert main(["diff", "-", "-"]) == 2
    with pytest.raises(SystemExit) as exited:  # argparse: usage error, exit 2
        main(["diff", API_ALLOW, COFFEE, "--fail-on", "bogus"])
    assert exited.value.code == 2
