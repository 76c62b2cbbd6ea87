"""Alias amplification is bounded in bytes, and errors never echo a whole value (issue 13).

The issue's two attacks: one 100 KB string aliased 50,000 times (few nodes, gigabytes
of text: a node count alone does not stop it) ran past 300 s, and 1,000 aliases of a
long invalid value wrote 100 MB of errors. The limit is on the bytes of scalar text a
document stands for once expanded (``yamlsafe.MAX_EXPANDED_BYTES``, 32 MiB; each
scalar counts its length plus one), and each error cuts a long value to its start and
its length (``errors.elide``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netsim.cli import main
from netsim.errors import LoadError
from netsim.model.yamlsafe import MAX_EXPANDED_BYTES, parse_yaml_text


def test_one_long_string_aliased_fifty_thousand_times_is_refused_by_its_bytes() -> None:
    value = "x" * 100_000
    text = f"a: &s {value}\nb:\n" + "- *s\n" * 50_000
    # The anchored scalar counts 100,001 bytes and so does each alias: the limit is
    # passed by alias n when 100,001 * (n + 1) > 32 MiB, i.e. n = 335, on line 2 + n.
    n = MAX_EXPANDED_BYTES // 100_001
    assert 100_001 * n <= MAX_EXPANDED_BYTES < 100_001 * (n + 1)
    with pytest.raises(LoadError) as caught:
        parse_yaml_text(text, "amplified.yaml")
    assert str(caught.value) == (
        "amplified.yaml (document 0): excessive aliasing: aliases expand to more than "
        f"{MAX_EXPANDED_BYTES} bytes (line {2 + n}, column 3); alias bombs such as "
        "'billion laughs' are rejected"
    )


def test_a_thousand_aliases_of_an_invalid_value_give_short_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 1,000 label values, each the same 20,000-character alias (20 MB expanded, under
    # the limit): each is too long and not a label value, so each gets the apiserver's
    # two messages, with the value cut to 64 characters and its length.
    long = "v" * 19_999 + "-"
    labels = "\n".join(f"    k{i}: *v" for i in range(1_000))
    manifest = tmp_path / "labels.yaml"
    manifest.write_text(
        f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns1\n  annotations:\n"
        f"    x: &v {long}\n  labels:\n{labels}\n",
        encoding="utf-8",
    )
    assert main(["validate", "-q", str(manifest)]) == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    shown = f'Invalid value: "{"v" * 64}..." (20000 characters): '
    assert len(lines) == 2_000
    assert all(shown in line for line in lines)
    assert sum(1 for line in lines if "must be no more than 63 characters" in line) == 1_000
    assert max(map(len, lines)) < 1_000
