"""Error messages never echo a whole huge value (issue 13): long values are cut with a length."""

from __future__ import annotations

from pathlib import Path

import pytest

from netsim.cli import main
from netsim.errors import FieldError, ValidationError, elide
from netsim.model.validate import invalid


def test_short_messages_are_unchanged() -> None:
    message = 'Invalid value: "' + "a" * 240 + '": must be no more than 63 characters'
    assert elide(message) == message
    assert (
        str(invalid("metadata.name", "x" * 256, "d"))
        == f'metadata.name: Invalid value: "{"x" * 256}": d'
    )


def test_a_long_quoted_value_keeps_its_start_and_says_its_length() -> None:
    error = invalid("metadata.name", "a" * 100_000, "must be no more than 253 characters")
    assert error == FieldError(
        "metadata.name",
        f'Invalid value: "{"a" * 64}..." (100000 characters): must be no more than 253 characters',
    )


def test_a_long_unquoted_word_is_cut_too_and_escapes_are_not_split() -> None:
    assert elide("x" * 300) == "x" * 64 + "... (300 characters)"
    # 63 characters then an escaped quote: the cut drops the lone backslash.
    value = '"' + "b" * 63 + '\\"' + "c" * 300 + '"'
    assert elide(value) == '"' + "b" * 63 + '..." (365 characters)'


def test_the_object_reference_is_cut() -> None:
    exc = ValidationError([FieldError("metadata.name", "Required value")], None, "Pod " + "p" * 500)
    assert str(exc) == "Pod " + "p" * 64 + "... (500 characters): metadata.name: Required value"


@pytest.mark.parametrize(
    "spec",
    [
        "{podSelector: {matchLabels: {a: VALUE}}}",
        "{podSelector: {}, ingress: [{ports: [{protocol: VALUE}]}]}",
        "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: VALUE}}]}]}",
        "{podSelector: VALUE}",
    ],
)
def test_validate_output_stays_small_for_a_megabyte_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str
) -> None:
    value = "a" * 1_000_000
    path = tmp_path / "p.yaml"
    path.write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\n"
        f"spec: {spec.replace('VALUE', value)}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert len(out) + len(err) < 1000
    assert f'"{"a" * 64}..." (1000000 characters)' in err
