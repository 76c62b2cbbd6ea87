"""`netsim validate` on the validation conformance cases and on our own inputs.

Every file of tests/cli/validation/ (public cases drawn from the apiserver's
validation rules, see its README.md) and of our own cases in the same format,
tests/model/data/validation/, is read at test time: invalid
ones must be rejected (exit 2, no traceback, the listed field path and
document, the listed phrase unless it quotes a Go decoding message); valid
ones accepted with the defaulting and warnings they state.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from netsim.cli import main
from netsim.model.load import LoadOptions, load_documents

REPO = Path(__file__).resolve().parents[2]
CONFORMANCE = Path(__file__).resolve().parent / "validation"
OWN_CASES = REPO / "tests" / "model" / "data" / "validation"
SCENARIOS = REPO / "scenarios" / "policies"
GO_DECODING_PHRASES = ("cannot unmarshal",)


def _cases(kind: str) -> list[Path]:
    """The conformance cases and our own, same format (both folders are in the repository)."""
    found: list[Path] = []
    for base in (CONFORMANCE, OWN_CASES):
        found += sorted(p for p in (base / kind).iterdir() if p.is_file())
    return found


def _case_id(path: Path) -> str:
    return f"{'own' if OWN_CASES in path.parents else 'conformance'}/{path.name}"


def _expectations(path: Path) -> dict[str, str]:
    """The leading ``# key: value`` comment lines of a case file."""
    found: dict[str, str] = {}
    for line in path.read_bytes().decode("utf-8", "replace").splitlines():
        match = re.match(r"#\s*([a-z-]+):\s*(.*)$", line)
        if match and match.group(1) not in found:
            found[match.group(1)] = match.group(2).strip()
    return found


def test_conformance_cases_are_present() -> None:
    """The cases are in the repository: a fresh clone runs them all, none is skipped."""
    for kind in ("invalid", "valid"):
        assert len([p for p in _cases(kind) if CONFORMANCE in p.parents]) >= 5, kind
        assert [p for p in _cases(kind) if OWN_CASES in p.parents], kind


def run_validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("case", _cases("invalid"), ids=_case_id)
def test_invalid_case_is_rejected(case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expect = _expectations(case)
    code, _, err = run_validate(capsys, str(case))
    assert code == 2
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith(str(case))]
    assert lines, err
    path = expect.get("expect-error-path", "")
    doc = expect.get("expect-error-doc")
    if path == "<file>" or not path:
        matching = lines
    else:
        matching = [line for line in lines if f": {path}: " in line]
        assert matching, f"no error at {path!r} in:\n{err}"
    if doc is not None:
        matching = [line for line in matching if f"(document {doc})" in line]
        assert matching, f"no error in document {doc}:\n{err}"
    phrase = expect.get("expect-error-contains", "")
    if phrase and not any(go in phrase for go in GO_DECODING_PHRASES):
        assert any(phrase in line for line in matching), f"{phrase!r} not in:\n{err}"


@pytest.mark.parametrize("case", _cases("valid"), ids=_case_id)
def test_valid_case_is_accepted(case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expect = _expectations(case)
    extra = expect.get("validate-args", "").split()
    code, out, err = run_validate(capsys, *extra, str(case))
    assert code == 0, err
    assert out.startswith(f"OK {case}: ")
    warning = expect.get("expect-warning-contains")
    if warning:
        assert warning in err
    defaulted = expect.get("expect-defaulted")
    if defaulted:
        _check_defaulted(case, defaulted, "--allow-removed-apis" in extra)


def _check_defaulted(case: Path, statement: str, allow_removed: bool = False) -> None:
    """Check ``spec.policyTypes=[Ingress]``-style statements against the loaded policies."""
    field, _, value = statement.partition("=")
    loaded = load_documents([case], LoadOptions(allow_removed_apis=allow_removed))
    policies = [obj for _, obj in loaded.objects if type(obj).__name__ == "NetworkPolicy"]
    assert policies
    if field == "spec.policyTypes":
        wanted = tuple(v.strip() for v in value.strip("[]").split(",") if v.strip())
        assert all(p.policy_types == wanted for p in policies)  # type: ignore[attr-defined]
    else:
        pytest.fail(f"this test does not know how to check expect-defaulted {statement!r}")


def test_quiet_prints_nothing_for_valid_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "np.yaml"
    f.write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\n")
    code, out, err = run_validate(capsys, "-q", str(f))
    assert (code, out, err) == (0, "", "")


def test_ok_lines_name_every_object(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "two.yaml"
    f.write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n"
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: deny, namespace: shop}\n"
    )
    code, out, _ = run_validate(capsys, str(f))
    assert code == 0
    assert out.splitlines() == [f"OK {f}: Namespace shop", f"OK {f}: NetworkPolicy shop/deny"]


def test_error_line_format_and_all_errors_of_a_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n---\n"
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: p, namespace: ok}\n"
        "spec:\n  policyTypes: [ingress]\n  ingress:\n  - ports:\n    - protocol: tcp\n"
    )
    code, out, err = run_validate(capsys, str(f))
    assert code == 2
    assert out == f"OK {f}: Namespace ok\n"
    assert err.splitlines() == [
        f"{f}:12 (document 1): NetworkPolicy ok/p: spec.ingress[0].ports[0].protocol: "
        'Unsupported value: "tcp": supported values: "TCP", "UDP", "SCTP"',
        f"{f}:9 (document 1): NetworkPolicy ok/p: spec.policyTypes[0]: "
        'Unsupported value: "ingress": supported values: "Ingress", "Egress"',
    ]


def test_missing_file_and_stdin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run_validate(capsys, str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "no such file" in err
    data = b"apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run_validate(capsys, "-")
    assert (code, out) == (0, "OK <stdin>: Namespace web\n")


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01\x02\xff\xfe",
        b"\xef\xbb\xbf",
        b"- [",
        b"{{{{",
        b"key: !!python/object:os.system x",
    ],
)
def test_no_traceback_for_garbage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes
) -> None:
    f = tmp_path / "garbage.yaml"
    f.write_bytes(data)
    code, out, err = run_validate(capsys, str(f))
    assert code == 2
    assert out == ""
    assert "Traceback" not in err and err.startswith(str(f))


def test_scenario_policies_valid_and_invalid_copies(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_validate(capsys, str(SCENARIOS))
    assert code == 0, err
    assert len(out.splitlines()) == len(list(SCENARIOS.glob("*.yaml")))
    code, _, err = run_validate(capsys, str(SCENARIOS / "invalid"))
    assert code == 2
    assert 'spec.ingress[0].ports[0].protocol: Unsupported value: "tcp"' in err
    assert 'duplicate key "apiVersion"' in err
