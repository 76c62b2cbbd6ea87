"""The README's example cluster gives the verdicts the policy's text describes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netsim.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "test-network-policy.yaml"


def test_test_network_policy_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", str(EXAMPLE), "--port", "6379", "--json"]) == 0
    denied = {
        (c["from"], c["to"])
        for c in json.loads(capsys.readouterr().out)["verdicts"]
        if not c["allowed"]
    }
    # Ingress to role=db on 6379: from role=frontend pods of `default` (podSelector alone
    # means the policy's namespace) and from every pod of namespaces labelled
    # project=myproject. Egress of db: only 10.0.0.0/24 port 5978, so db reaches no pod.
    assert denied == {
        ("default/backend", "default/db"),
        ("other/frontend", "default/db"),
        ("default/db", "default/backend"),
        ("default/db", "default/frontend"),
        ("default/db", "myproject/worker"),
        ("default/db", "other/frontend"),
    }


def test_test_network_policy_example_explains_the_rule(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["explain", str(EXAMPLE), "--from", "default/frontend", "--to", "default/db"]
    assert main([*args, "--port", "6379", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["allowed"] is True
    assert "spec.ingress[0].from[2]" in json.dumps(result["ingress"])


def test_readme_explain_with_kubectl_forms(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's ``--from pod/frontend --to pod/db`` (namespace default, as kubectl)."""
    args = ["explain", str(EXAMPLE), "--from", "pod/frontend", "--to", "pod/db", "--port", "6379"]
    assert main([*args, "--exit-status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("default/frontend -> default/db 6379/TCP: ALLOWED")
    assert main([*args, "-n", "other", "--exit-status"]) == 2  # other/db does not exist
