"""What kubectl prints for verbs and flags it does not know, and netsim's note for real ones.

Texts as kubectl 1.7 printed them: cobra's ``ExecuteC`` (``Error: unknown command %q for
%q``, ``Did you mean this?``, ``Run '%v --help' for usage.``), kubectl's flag-error hook
(``%s\\nSee '%s --help' for usage.``) around pflag's ``unknown flag: --%s`` and
``unknown shorthand flag: %q in -%s``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netsim.errors import ScenarioError
from netsim.scenario.kubectl import UnsupportedCommand
from netsim.scenario.kubectl_cli import HELP, hoist_namespace, parse_flags, suggestions

from .test_kubectl import Harness


@pytest.fixture
def k(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


def unsupported(k: Harness, line: str) -> UnsupportedCommand:
    with pytest.raises(UnsupportedCommand) as info:
        k.run(line)
    assert isinstance(info.value, ScenarioError)
    assert info.value.exit_code_kubectl == 1
    return info.value


def test_unknown_verb_is_cobras_error(k: Harness) -> None:
    exc = unsupported(k, "frobnicate pods")
    # current kubectl (cmdutil.CheckErr over cobra's error) prints this one line
    assert exc.kubectl_output == 'error: unknown command "frobnicate" for "kubectl"'
    assert "unsupported kubectl command: frobnicate" in str(exc)


def test_a_mistyped_verb_gets_cobras_suggestions(k: Harness) -> None:
    exc = unsupported(k, "gte pods")
    assert exc.kubectl_output == (
        'error: unknown command "gte" for "kubectl"\n\nDid you mean this?\n\tget'
    )
    # Levenshtein distance <= 2, or a prefix (cobra's SuggestionsFor).
    assert suggestions("descr") == ["describe"]
    assert suggestions("lable") == ["label"]


def test_a_real_verb_netsim_does_not_emulate_gets_a_netsim_note(k: Harness) -> None:
    for verb in ("top", "scale", "patch", "rollout", "logs", "port-forward", "edit", "version"):
        exc = unsupported(k, f"{verb} x")
        first, note = exc.kubectl_output.split("\n")
        assert first == f'error: unknown command "{verb}" for "kubectl"'
        assert note.startswith(f'netsim does not emulate "kubectl {verb}"')
        assert "run, expose, create, apply, delete, label, get, describe, exec" in str(exc)


def test_unknown_flags_are_pflags_errors_with_kubectls_hint(k: Harness) -> None:
    exc = unsupported(k, "get pods --foo")
    assert exc.kubectl_output == "Error: unknown flag: --foo\nSee 'kubectl get --help' for usage."
    exc = unsupported(k, "get pods -x")
    assert exc.kubectl_output == (
        "Error: unknown shorthand flag: 'x' in -x\nSee 'kubectl get --help' for usage."
    )
    # -c is a shorthand of exec, not of get.
    exc = unsupported(k, "get pods -c web")
    assert exc.kubectl_output.startswith("Error: unknown shorthand flag: 'c' in -c\n")


def test_real_flags_netsim_does_not_emulate_get_a_netsim_note(k: Harness) -> None:
    assert unsupported(k, "get pods -w").kubectl_output == (
        'error: netsim does not emulate the --watch flag of "kubectl get"'
    )
    assert unsupported(k, "run web --image=nginx --dry-run").kubectl_output == (
        'error: netsim does not emulate the --dry-run flag of "kubectl run"'
    )
    assert "--kubeconfig" in unsupported(k, "get pods --kubeconfig=x").kubectl_output


def test_kubectl_alone_and_help_print_what_netsim_emulates(k: Harness) -> None:
    for line in ("", "kubectl", "--help", "help"):
        assert unsupported(k, line).kubectl_output == HELP


def test_flag_forms_as_pflag_parses_them() -> None:
    allowed = {"selector", "namespace", "all-namespaces"}
    for words in (["-lapp=web"], ["-l", "app=web"], ["-l=app=web"], ["--selector=app=web"]):
        assert parse_flags(words, allowed, "w", "get").get("selector") == "app=web"
    args = parse_flags(["-A", "-nkube-system"], allowed, "w", "get")
    assert args.flags == {"all-namespaces": "true", "namespace": "kube-system"}
    # run's -l is --labels.
    assert parse_flags(["-lapp=web"], {"labels"}, "w", "run").get("labels") == "app=web"


def test_namespace_before_the_verb_is_moved_after_it() -> None:
    assert hoist_namespace(["-n", "x", "get", "pods"]) == ["get", "-n", "x", "pods"]
    assert hoist_namespace(["--namespace=x", "get"]) == ["get", "--namespace=x"]
    assert hoist_namespace(["get", "pods"]) == ["get", "pods"]
