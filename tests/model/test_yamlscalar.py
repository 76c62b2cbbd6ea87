"""YAML scalars resolve as kubectl's decoder (go-yaml v2 via sigs.k8s.io/yaml) resolves them.

Each case is one rule of docs/YAML.md; the expected values follow go-yaml v2's
resolve() and sigs.k8s.io/yaml's YAML-to-JSON conversion, not PyYAML's YAML 1.1.
"""

from __future__ import annotations

import math

import pytest

from netsim.errors import LoadError, NetsimError
from netsim.model.load import load_bytes
from netsim.model.netpol import NetworkPolicy
from netsim.model.yamlsafe import dump_yaml_all, parse_yaml_text
from netsim.model.yamlscalar import (
    ScalarError,
    json_value,
    key_string,
    resolve_plain,
    resolve_tagged,
)


def value(text: str) -> object:
    """The value of ``v: <text>`` after the whole loader (JSON round trip included)."""
    (doc,) = parse_yaml_text(f"v: {text}\n", "t.yaml")
    assert isinstance(doc, dict)
    return doc["v"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # rule 1: go-yaml's words for bools and null (YAML 1.1's y/n included, any other case not)
        ("y", True), ("Y", True), ("yes", True), ("On", True), ("TRUE", True),
        ("n", False), ("NO", False), ("off", False), ("False", False),
        ("yEs", "yEs"), ("oN", "oN"), ("o", "o"),
        ("~", None), ("null", None), ("NULL", None), ("", None), ("nULL", "nULL"),
        # rule 2: integers are strconv.ParseInt/ParseUint with base 0 after removing '_'
        ("80", 80), ("+80", 80), ("-80", -80), ("0o120", 80), ("0O120", 80), ("0120", 80),
        ("0x50", 80), ("0X50", 80), ("0b1010000", 80), ("-0x50", -80), ("1_000", 1000),
        ("8_0", 80), ("9223372036854775807", 2**63 - 1), ("18446744073709551615", 2**64 - 1),
        # rule 3: not an int but yamlStyleFloat: a float, integral ones reach JSON as integers
        ("080", 80), ("09", 9), ("80.0", 80), ("1e3", 1000), ("1E+3", 1000), ("8e1", 80),
        ("80.5", 80.5), ("-.5", -0.5), ("+1.5e-1", 0.15),
        ("18446744073709551616", 18446744073709551616),
        ("1e21", 1e21),
        # rule 4: '.'-led text is strconv.ParseFloat (digits may be separated by '_')
        (".5", 0.5), (".5e1", 5), (".5_5", 0.55), (".", "."), (".x", ".x"),
        # rule 5: go-yaml's retry of 0b with a sign after the prefix
        ("0b-101", -5), ("-0b101", -5),
        # rule 6: no sexagesimal, no other forms
        ("1:20", "1:20"), ("190:20:30", "190:20:30"), ("0x", "0x"), ("0.", 0), ("1.", 1),
        ("1e", "1e"), ("0x1p3", "0x1p3"), ("_80", "_80"), ("80_", 80), ("0b102", "0b102"),
        # rule 7: timestamps stay the strings they are
        ("2001-12-14", "2001-12-14"),
        ("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),
        # rule 8: hex/octal/binary past 64 bits become big integers (ParseUint's range error)
        ("0x10000000000000000", 2**64), ("-0x10000000000000000", "-0x10000000000000000"),
        ("+18446744073709551616", 18446744073709551616),
    ],
)  # fmt: skip
def test_plain_scalars(text: str, expected: object) -> None:
    got = value(text)
    assert got == expected and type(got) is type(expected), (text, got)


def test_floats_that_overflow_are_strings_unless_they_are_unsigned_integers() -> None:
    # strconv.ParseFloat's range error: go-yaml falls back to a string (signed) or big.Int
    assert value("-" + "9" * 400) == "-" + "9" * 400
    assert value("1e400") == "1e400"
    assert value("9" * 400) == int("9" * 400)


@pytest.mark.parametrize(
    ("tag", "text", "expected"),
    [
        ("!!int", "0o120", 80), ("!!int", "080", "error: cannot decode !!float `080` as a !!int"),
        ("!!float", "1", 1.0), ("!!float", "1.5", 1.5), ("!!str", "80", "80"),
        ("!!str", "yes", "yes"),
        ("!!bool", "yes", True), ("!!null", "~", None), ("!!timestamp", "2001-12-14", "2001-12-14"),
        ("!!int", "abc", "error: cannot decode !!str `abc` as a !!int"),
        ("!!bool", "maybe", "error: cannot decode !!str `maybe` as a !!bool"),
        ("!!timestamp", "x", "error: cannot decode !!str `x` as a !!timestamp"),
        ("!!timestamp", "2001-02-30", "error: cannot decode !!str `2001-02-30` as a !!timestamp"),
        ("!!null", "0", "error: cannot decode !!int `0` as a !!null"),
        ("!!float", "18446744073709551615", "error: cannot decode !!int"),
        ("!!binary", "aGk=", "hi"), ("!!binary", "a", "error: !!binary value contains invalid"),
        ("!foo", "80", "80"),
    ],
)  # fmt: skip
def test_explicit_tags(tag: str, text: str, expected: object) -> None:
    if isinstance(expected, str) and expected.startswith("error: "):
        with pytest.raises(LoadError, match=r"line 1, column 4: " + _escape(expected[7:])):
            value(f"{tag} {text}")
        with pytest.raises(ScalarError):
            resolve_tagged(tag, text)
        return
    got = value(f"{tag} {text}")
    assert got == expected and type(got) is type(json_value(expected))


def _escape(text: str) -> str:
    import re

    return re.escape(text)


@pytest.mark.parametrize(
    ("yaml_key", "json_key"),
    [
        ("1", "1"), ("0x10", "16"), ("080", "80"), ("yes", "true"), ("n", "false"),
        ("1.5", "1.5"), ("0.1", "0.1"), ("1e6", "1e+06"), ("123456", "123456"),
        ("1234567.0", "1.234567e+06"), ("1e-5", "1e-05"), (".inf", ".inf"), ("-.inf", "-.inf"),
        (".nan", ".nan"), ("3.14159265358979", "3.1415927"), ("'1'", "1"), ("1:20", "1:20"),
    ],
)  # fmt: skip
def test_keys_become_json_strings(yaml_key: str, json_key: str) -> None:
    (doc,) = parse_yaml_text(f"{yaml_key}: x\n", "t.yaml")
    assert doc == {json_key: "x"}


def test_keys_that_cannot_be_json_strings_or_that_collide_are_errors() -> None:
    with pytest.raises(LoadError, match="line 1, column 1: unsupported map key of type: <nil>"):
        parse_yaml_text("~: x\n", "t.yaml")
    with pytest.raises(NetsimError, match="duplicate key"):
        parse_yaml_text("1: a\n'1': b\n", "t.yaml")
    with pytest.raises(NetsimError, match="duplicate key"):
        parse_yaml_text("yes: a\n'true': b\n", "t.yaml")
    with pytest.raises(LoadError, match="line 1, column 1: unsupported map key"):
        parse_yaml_text("[a]: x\n", "t.yaml")


def test_nan_and_infinity_cannot_be_sent() -> None:
    with pytest.raises(LoadError, match=r"line 2, column 5: json: unsupported value: NaN"):
        parse_yaml_text("a: 1\nb: [.nan]\n", "t.yaml")
    with pytest.raises(LoadError, match=r"json: unsupported value: -Inf"):
        parse_yaml_text("b: -.Inf\n", "t.yaml")
    assert math.isinf(float(str(resolve_plain("+.inf"))))


def test_huge_integer_literals_are_a_clean_error() -> None:
    with pytest.raises(LoadError, match="integer literal too long \\(5000 digits"):
        parse_yaml_text("a: 0x" + "f" * 5000 + "\n", "t.yaml")
    with pytest.raises(LoadError, match="integer literal too long"):
        parse_yaml_text("a: " + "7" * 5000 + "\n", "t.yaml")


def test_json_documents_read_the_same() -> None:
    assert parse_yaml_text('{"a": 080, "b": "y", "c": [1.0, true]}', "t.json") == [
        {"a": 80, "b": "y", "c": [1, True]}
    ]


POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, labels: {1: x}}
spec:
  podSelector: {}
  ingress:
  - ports:
    - port: %s
"""


@pytest.mark.parametrize(("port", "expected"), [("0o120", 80), ("080", 80), ("0x50", 80)])
def test_policy_ports_as_kubectl_sends_them(port: str, expected: int) -> None:
    manifests = load_bytes(POLICY % port, "np.yaml")
    (policy,) = [o for _, o in manifests.objects if isinstance(o, NetworkPolicy)]
    assert policy.ingress[0].ports[0].port == expected
    (doc,) = parse_yaml_text(POLICY % port, "np.yaml")
    assert isinstance(doc, dict) and doc["metadata"]["labels"] == {"1": "x"}


def test_sexagesimal_port_is_a_string_the_apiserver_rejects() -> None:
    with pytest.raises(NetsimError) as info:
        load_bytes(POLICY % "1:20", "np.yaml")
    assert 'spec.ingress[0].ports[0].port: Invalid value: "1:20"' in str(info.value)


def test_dumped_yaml_reads_back_unchanged() -> None:
    docs: list[object] = [
        {"y": "n", "a": ["0o17", "080", "1e3", "1:20", "~", "", "yes", "web", 80, True, None]}
    ]
    assert parse_yaml_text(dump_yaml_all(docs), "t.yaml") == docs


def test_key_string_of_plain_values() -> None:
    assert key_string(True) == "true"
    assert key_string(-0.0) == "-0"
    assert key_string(2**70) == str(2**70)
    with pytest.raises(ScalarError):
        key_string(None)
