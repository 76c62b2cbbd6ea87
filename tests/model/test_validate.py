"""The apiserver's validators, checked against the messages of k8s.io/apimachinery util/validation.

Expected strings are those the Kubernetes sources build (validation.go,
util/validation/validation.go, field/errors.go), e.g. RegexError's
"(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '...')".
"""

from __future__ import annotations

import pytest

from netsim.errors import FieldError
from netsim.model import validate as v

LABEL_VALUE_MESSAGE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


def test_label_value_message_is_the_apiservers() -> None:
    # The conformance sample np-matchlabels-value-space quotes this exact apiserver output.
    errs = v.validate_labels({"app": "web server"}, "spec.podSelector.matchLabels")
    assert [str(e) for e in errs] == [
        f'spec.podSelector.matchLabels: Invalid value: "web server": {LABEL_VALUE_MESSAGE}'
    ]


@pytest.mark.parametrize("value", ["", "a", "MyValue", "my_value", "12345", "a.b-c_d", "x" * 63])
def test_valid_label_values(value: str) -> None:
    assert v.is_valid_label_value(value) == []


@pytest.mark.parametrize("value", ["-a", "a-", "a b", "é", "a/b", "_a"])
def test_invalid_label_values(value: str) -> None:
    assert v.is_valid_label_value(value) == [LABEL_VALUE_MESSAGE]


def test_label_value_too_long_reports_length_and_keeps_regex_check() -> None:
    assert v.is_valid_label_value("x" * 64) == ["must be no more than 63 characters"]


@pytest.mark.parametrize(
    "key", ["app", "kubernetes.io/metadata.name", "example.com/My_Name", "a" * 63]
)
def test_valid_qualified_names(key: str) -> None:
    assert v.is_qualified_name(key) == []


def test_qualified_name_errors() -> None:
    assert v.is_qualified_name("/app") == ["prefix part must be non-empty"]
    assert v.is_qualified_name("a/b/c")[0].startswith("a qualified name must consist of")
    assert v.is_qualified_name("a/b/c")[0].endswith(
        "with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
    )
    assert v.is_qualified_name("Example.com/app")[0].startswith(
        "prefix part a lowercase RFC 1123 subdomain must consist of"
    )
    assert v.is_qualified_name("a" * 64) == ["name part must be no more than 63 characters"]
    assert v.is_qualified_name("app/") == [
        "name part must be non-empty",
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
        "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
        "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ]


def test_dns1123_label_dots_and_case() -> None:
    assert v.is_dns1123_label("my-ns") == []
    assert v.is_dns1123_label("a.b") == ["must not contain dots"]
    assert v.is_dns1123_label("Web") == [
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
        "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
        "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    ]


def test_dns1123_subdomain_and_dns1035() -> None:
    assert v.is_dns1123_subdomain("a.b-c.d") == []
    assert v.is_dns1123_subdomain("a_b")[0].startswith("a lowercase RFC 1123 subdomain")
    assert v.is_dns1123_subdomain("a" * 254)[0] == "must be no more than 253 characters"
    assert v.is_dns1035_label("web") == []
    assert v.is_dns1035_label("1web")[0].startswith(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
        "with an alphabetic character"
    )


@pytest.mark.parametrize(
    ("name", "messages"),
    [
        ("http", []),
        ("h2c-1", []),
        ("80", ["must contain at least one letter (a-z)"]),
        ("metrics-endpoint", ["must be no more than 15 characters"]),
        (
            "HTTP",
            [
                "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                "must contain at least one letter (a-z)",
            ],
        ),
        ("a--b", ["must not contain consecutive hyphens"]),
        ("-ab", ["must not begin or end with a hyphen"]),
    ],
)
def test_port_names(name: str, messages: list[str]) -> None:
    assert v.is_valid_port_name(name) == messages


@pytest.mark.parametrize(("port", "ok"), [(0, False), (1, True), (65535, True), (65536, False)])
def test_port_numbers(port: int, ok: bool) -> None:
    assert (v.is_valid_port_num(port) == []) is ok
    if not ok:
        assert v.is_valid_port_num(port) == ["must be between 1 and 65535, inclusive"]


def test_network_policy_port_rules() -> None:
    p = "spec.ingress[0].ports[0]"
    assert v.validate_network_policy_port(None, None, None, p) == []
    assert v.validate_network_policy_port("SCTP", 2905, 2910, p) == []
    assert [str(e) for e in v.validate_network_policy_port("tcp", 80, None, p)] == [
        f'{p}.protocol: Unsupported value: "tcp": supported values: "TCP", "UDP", "SCTP"'
    ]
    assert [str(e) for e in v.validate_network_policy_port(None, "http", 90, p)] == [
        f"{p}.endPort: Invalid value: 90: may not be specified when `port` is non-numeric"
    ]
    assert [str(e) for e in v.validate_network_policy_port(None, 8080, 70000, p)] == [
        f"{p}.endPort: Invalid value: 70000: must be between 1 and 65535, inclusive"
    ]
    assert [str(e) for e in v.validate_network_policy_port(None, 0, None, p)] == [
        f"{p}.port: Invalid value: 0: must be between 1 and 65535, inclusive"
    ]
    # endPort == port is a range of one port: allowed
    assert v.validate_network_policy_port("TCP", 80, 80, p) == []


def test_requirement_rules() -> None:
    p = "spec.podSelector.matchExpressions[0]"
    assert v.validate_requirement("app", "In", ["a"], p) == []
    assert v.validate_requirement("app", "DoesNotExist", [], p) == []
    assert [str(e) for e in v.validate_requirement("app", "Exists", ["x"], p)] == [
        f"{p}.values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
    ]
    # Gt/Lt exist for node selectors only
    assert [str(e) for e in v.validate_requirement("app", "Gt", ["1"], p)] == [
        f'{p}.operator: Invalid value: "Gt": not a valid selector operator'
    ]
    assert v.validate_requirement("bad key!", "Exists", [], p)[0].path == f"{p}.key"


def test_ip_block_rules() -> None:
    p = "spec.egress[0].to[0].ipBlock"
    assert v.validate_ip_block("10.0.0.0/8", ["10.1.0.0/16"], p) == ([], [])
    assert v.validate_ip_block("", [], p) == ([FieldError(f"{p}.cidr", "Required value")], [])
    errs, _ = v.validate_ip_block("10.0.0.0/8", ["192.168.0.0/16", "fd00::/8"], p)
    assert [e.path for e in errs] == [f"{p}.except[0]", f"{p}.except[1]"]
    assert all(e.message.endswith("must be a strict subset of `cidr`") for e in errs)
    errs, _ = v.validate_ip_block("10.0.0.0", [], p)
    assert [str(e) for e in errs] == [
        f'{p}.cidr: Invalid value: "10.0.0.0": must be a valid CIDR value, '
        "(e.g. 10.9.8.0/24 or 2001:db8::/64)"
    ]
    errs, warnings = v.validate_ip_block("192.168.242.213/24", [], p)
    assert errs == []
    assert warnings == [
        f'{p}.cidr: CIDR value "192.168.242.213/24" is ambiguous in this context '
        '(should be "192.168.242.0/24" or "192.168.242.213/32"?)'
    ]


def test_policy_types() -> None:
    assert v.validate_policy_types(["Egress", "Egress"], "spec.policyTypes") == []
    errs = v.validate_policy_types(["Ingress", "Egress", "Ingress"], "spec.policyTypes")
    assert len(errs) == 1 and errs[0].message.endswith("may not specify more than two policyTypes")


def test_go_quote() -> None:
    assert v.go_quote('a"b\\c\n') == '"a\\"b\\\\c\\n"'
    assert v.go_value(80) == "80"
    assert v.go_value("80") == '"80"'


@pytest.mark.parametrize(
    ("cidr", "warnings"),
    [
        # Vectors of k8s.io/kubernetes pkg/api/validation/ip GetWarningsForCIDR tests.
        (
            "192.12.2.0/024",
            ['p: non-standard CIDR value "192.12.2.0/024" will be considered invalid in a '
             'future Kubernetes release: use "192.12.2.0/24"'],
        ),
        (
            "::ffff:192.12.2.0/120",
            ['p: non-standard CIDR value "::ffff:192.12.2.0/120" will be considered invalid '
             'in a future Kubernetes release: use "192.12.2.0/24"'],
        ),
        (
            "192.012.2.8/24",
            ['p: CIDR value "192.012.2.8/24" is ambiguous in this context (should be '
             '"192.12.2.0/24" or "192.12.2.8/32"?)',
             'p: non-standard CIDR value "192.012.2.8/24" will be considered invalid in a '
             'future Kubernetes release: use "192.12.2.0/24"'],
        ),
        (
            "2001:db8:0:0::/64",
            ['p: IPv6 CIDR value "2001:db8:0:0::/64" should be in RFC 5952 canonical format '
             '("2001:db8::/64")'],
        ),
        ("10.0.0.0/8", []),
        ("2001:db8::/64", []),
    ],
)  # fmt: skip
def test_cidr_warnings(cidr: str, warnings: list[str]) -> None:
    assert v.cidr_warnings("p", cidr) == warnings


def test_sloppy_cidr_parsing() -> None:
    parsed = v.parse_cidr_sloppy("010.1.2.3/8")
    assert parsed is not None and str(parsed[1]) == "10.0.0.0/8"
    for bad in ("10.0.0.0", "10.0.0.0/33", "256.0.0.0/8", "fe80::1%eth0/64", "10.0.0.0/-1", ""):
        assert v.parse_cidr_sloppy(bad) is None
