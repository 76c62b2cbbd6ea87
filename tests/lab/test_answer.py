"""Answers are validated like the apiserver: exit 2 with file, line and field path, never a
traceback, whatever the file holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netsim.cli import main
from netsim.lab.answer import load_answer, validate_manifests
from netsim.lab.schema import LabError

from .helpers import FIXTURE, mini, write

BAD_PROTOCOL = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: x, namespace: default}
spec:
  podSelector: {}
  ingress:
    - ports:
        - protocol: tcp
          port: 80
"""


def test_field_error_has_file_line_and_path(tmp_path: Path) -> None:
    with pytest.raises(LabError) as info:
        load_answer(mini(), write(tmp_path, BAD_PROTOCOL), "answer.yaml")
    assert str(info.value) == (
        "answer.yaml:8: NetworkPolicy default/x: spec.ingress[0].ports[0].protocol: "
        'Unsupported value: "tcp": supported values: "TCP", "UDP", "SCTP"'
    )


def test_every_document_error_is_listed() -> None:
    text = BAD_PROTOCOL + "---\n" + BAD_PROTOCOL.replace("name: x", "name: Web")
    with pytest.raises(LabError) as info:
        validate_manifests(text, "a.yaml", ("NetworkPolicy",))
    lines = str(info.value).splitlines()
    assert lines[0].startswith("a.yaml:8: NetworkPolicy default/x: spec.ingress[0].ports[0]")
    assert any(
        line.startswith("a.yaml:13: NetworkPolicy default/Web: metadata.name") for line in lines
    )


def test_kind_outside_the_submission_is_refused() -> None:
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
    pod += "spec: {containers: [{name: a, image: b}]}\n"
    with pytest.raises(LabError) as info:
        validate_manifests("# a pod\n" + pod, "a.yaml", ("NetworkPolicy",))
    assert str(info.value) == (
        'a.yaml:3: Pod default/p: kind: Unsupported value: "Pod": '
        'this lab accepts only "NetworkPolicy"'
    )


def test_yaml_syntax_error_has_line() -> None:
    with pytest.raises(LabError) as info:
        validate_manifests("kind: [\n", "a.yaml", ("NetworkPolicy",))
    assert str(info.value).startswith("a.yaml:2: YAML syntax error")


@pytest.mark.parametrize(
    "text",
    ["", "# nothing\n", "- 1\n- 2\n", "a: &a [*a]\n", "\x00\x01", "kind: NetworkPolicy\n"],
)
def test_unusable_answers_exit_2_without_traceback(
    tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, text)
    assert main(["lab", "grade", str(FIXTURE), "--answer", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


def test_missing_answer_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "grade", str(FIXTURE), "--answer", str(tmp_path / "nope.yaml")]) == 2
    assert "cannot read" in capsys.readouterr().err


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-70000, 70000),
    st.text(max_size=8),
    st.floats(allow_nan=False),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = st.sampled_from(
    [
        "podSelector",
        "ingress",
        "egress",
        "policyTypes",
        "from",
        "ports",
        "port",
        "protocol",
        "endPort",
    ]
)


@st.composite
def policies(draw: st.DrawFn) -> str:
    import yaml

    spec = draw(st.dictionaries(FIELDS, VALUES, max_size=4))
    doc = {
        "apiVersion": draw(st.sampled_from(["networking.k8s.io/v1", "v1", 3])),
        "kind": draw(st.sampled_from(["NetworkPolicy", "Pod", "Nope"])),
        "metadata": {"name": draw(st.sampled_from(["x", "Bad Name", ""])), "namespace": "default"},
        "spec": spec,
    }
    return yaml.safe_dump(doc)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=policies() | st.text(max_size=200))
def test_fuzzed_answers_never_traceback(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text, "fuzz.yaml")
    try:
        load_answer(mini(), path)
    except LabError as exc:
        message = str(exc)
        assert message and "Traceback" not in message
        first = message.splitlines()[0]
        assert first.startswith(str(path)), first
        if ": spec." in first or ": metadata." in first:
            assert first.startswith(f"{path}:"), first


def test_commands_answer_lines(tmp_path: Path) -> None:
    from netsim.lab.answer import command_lines

    assert command_lines("# c\n\nkubectl get pods\n  kubectl label pod a b=c  \n", "a.txt") == (
        "kubectl get pods",
        "kubectl label pod a b=c",
    )
    with pytest.raises(LabError, match=r"a.txt:2: Invalid value"):
        command_lines("ok\nbad\x07line\n", "a.txt")
    with pytest.raises(LabError, match="no commands"):
        command_lines("# only a comment\n", "a.txt")
