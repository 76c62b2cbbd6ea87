"""Kubernetes' field validators and error wording, mirrored from the apiserver.

The functions ``is_*`` mirror ``k8s.io/apimachinery/pkg/util/validation``: each
returns the list of messages the apiserver would print for a bad value (empty
when valid). The ``invalid``/``required``/... helpers build
:class:`~netsim.errors.FieldError` values rendered as ``field.Error`` renders
them (``Invalid value: "x": <detail>``, ``Unsupported value: "tcp": supported
values: "TCP", "UDP", "SCTP"``). The validators of whole objects
(``validate_label_selector``, ``validate_network_policy_port``, ...) mirror
``meta/v1/validation`` and ``pkg/apis/networking/validation``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence

from netsim.addr import unmap
from netsim.errors import FieldError

DNS1123_LABEL_MAX_LENGTH = 63
DNS1123_SUBDOMAIN_MAX_LENGTH = 253
DNS1035_LABEL_MAX_LENGTH = 63
QUALIFIED_NAME_MAX_LENGTH = 63
LABEL_VALUE_MAX_LENGTH = 63
PORT_NAME_MAX_LENGTH = 15
TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024

_QNAME_CHAR = "[A-Za-z0-9]"
_QNAME_EXT_CHAR = "[-A-Za-z0-9_.]"
QUALIFIED_NAME_FMT = f"({_QNAME_CHAR}{_QNAME_EXT_CHAR}*)?{_QNAME_CHAR}"
_QUALIFIED_NAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character"
)
LABEL_VALUE_FMT = f"({QUALIFIED_NAME_FMT})?"
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, "
    "'-', '_' or '.', and must start and end with an alphanumeric character"
)
DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
    "'-', and must start and end with an alphanumeric character"
)
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
    "'-' or '.', and must start and end with an alphanumeric character"
)
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_DNS1035_LABEL_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
    "with an alphabetic character, and end with an alphanumeric character"
)

_QUALIFIED_NAME_RE = re.compile(f"^{QUALIFIED_NAME_FMT}$")
_LABEL_VALUE_RE = re.compile(f"^{LABEL_VALUE_FMT}$")
_DNS1123_LABEL_RE = re.compile(f"^{DNS1123_LABEL_FMT}$")
_DNS1123_SUBDOMAIN_RE = re.compile(f"^{DNS1123_SUBDOMAIN_FMT}$")
_DNS1035_LABEL_RE = re.compile(f"^{DNS1035_LABEL_FMT}$")
_PORT_NAME_CHARSET_RE = re.compile("^[-a-z0-9]+$")
_PORT_NAME_ONE_LETTER_RE = re.compile("[a-z]")

NETWORK_POLICY_PROTOCOLS = ("TCP", "UDP", "SCTP")
"""NetworkPolicy lists its protocols in this (unsorted) order in its error message."""
CORE_PROTOCOLS = ("SCTP", "TCP", "UDP")
"""Pod and Service validation list ``sets.List(supportedPortProtocols)``: sorted."""
POLICY_TYPES = ("Ingress", "Egress")
SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


# --------------------------------------------------------------- messages
def max_len_error(length: int) -> str:
    """``validation.MaxLenError``."""
    return f"must be no more than {length} characters"


def regex_error(message: str, fmt: str, *examples: str) -> str:
    """``validation.RegexError``: the message, examples and the regex, as Go words it."""
    text = message
    if examples:
        text += " (e.g. " + " or ".join(f"'{e}', " for e in examples)
    else:
        text += " ("
    return text + "regex used for validation is '" + fmt + "')"


def go_quote(value: str) -> str:
    """Quote a string as Go's ``%q`` does (close enough for printable text)."""
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif not ch.isprintable():
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_value(value: object) -> str:
    """Render a bad value as ``field.Error`` does: strings quoted, numbers bare."""
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        inner = ", ".join(f"{go_quote(str(k))}:{go_value(v)}" for k, v in value.items())
        return "map[string]string{" + inner + "}"
    if isinstance(value, list | tuple):
        return "[]string{" + ", ".join(go_value(v) for v in value) + "}"
    return go_quote(str(value))


# ---------------------------------------------------------- field errors
def invalid(path: str, value: object, detail: str = "") -> FieldError:
    """``field.Invalid``: ``Invalid value: <value>: <detail>``."""
    body = f"Invalid value: {go_value(value)}"
    return FieldError(path, f"{body}: {detail}" if detail else body)


def required(path: str, detail: str = "") -> FieldError:
    """``field.Required``: ``Required value[: detail]``."""
    return FieldError(path, f"Required value: {detail}" if detail else "Required value")


def forbidden(path: str, detail: str = "") -> FieldError:
    """``field.Forbidden``: ``Forbidden[: detail]``."""
    return FieldError(path, f"Forbidden: {detail}" if detail else "Forbidden")


def duplicate(path: str, value: object) -> FieldError:
    """``field.Duplicate``: ``Duplicate value: <value>``."""
    return FieldError(path, f"Duplicate value: {go_value(value)}")


def not_supported(path: str, value: object, supported: Sequence[str]) -> FieldError:
    """``field.NotSupported``: ``Unsupported value: <value>: supported values: ...``."""
    values = ", ".join(go_quote(s) for s in supported)
    return FieldError(path, f"Unsupported value: {go_value(value)}: supported values: {values}")


def too_long(path: str, max_length: int) -> FieldError:
    """``field.TooLong`` (as used for annotations): ``Too long: must have at most N bytes``."""
    return FieldError(path, f"Too long: must have at most {max_length} bytes")


# ------------------------------------------------------ util/validation
def is_qualified_name(value: str) -> list[str]:
    """``IsQualifiedName``: a label or annotation key, ``[prefix/]name``."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in is_dns1123_subdomain(prefix))
    else:
        return [
            "a qualified name "
            + regex_error(_QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > QUALIFIED_NAME_MAX_LENGTH:
        errs.append("name part " + max_len_error(QUALIFIED_NAME_MAX_LENGTH))
    if not _QUALIFIED_NAME_RE.match(name):
        errs.append(
            "name part "
            + regex_error(_QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
        )
    return errs


def is_valid_label_value(value: str) -> list[str]:
    """``IsValidLabelValue``: empty, or up to 63 alphanumerics/``-_.`` inside alphanumerics."""
    errs: list[str] = []
    if len(value) > LABEL_VALUE_MAX_LENGTH:
        errs.append(max_len_error(LABEL_VALUE_MAX_LENGTH))
    if not _LABEL_VALUE_RE.match(value):
        errs.append(regex_error(_LABEL_VALUE_MSG, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def is_dns1123_label(value: str) -> list[str]:
    """``IsDNS1123Label``: namespace names, container names, Service port names."""
    errs: list[str] = []
    if len(value) > DNS1123_LABEL_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_LABEL_MAX_LENGTH))
    if not _DNS1123_LABEL_RE.match(value):
        if _DNS1123_SUBDOMAIN_RE.match(value):
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(_DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    """``IsDNS1123Subdomain``: names of pods, nodes, NetworkPolicies, Deployments."""
    errs: list[str] = []
    if len(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _DNS1123_SUBDOMAIN_RE.match(value):
        errs.append(regex_error(_DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    """``IsDNS1035Label``: Service names."""
    errs: list[str] = []
    if len(value) > DNS1035_LABEL_MAX_LENGTH:
        errs.append(max_len_error(DNS1035_LABEL_MAX_LENGTH))
    if not _DNS1035_LABEL_RE.match(value):
        errs.append(regex_error(_DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def is_valid_port_num(port: int) -> list[str]:
    """``IsValidPortNum``: 1..65535."""
    if 1 <= port <= 65535:
        return []
    return ["must be between 1 and 65535, inclusive"]


def is_valid_port_name(port: str) -> list[str]:
    """``IsValidPortName``: an IANA_SVC_NAME (RFC 6335): at most 15 of ``a-z0-9-``."""
    errs: list[str] = []
    if len(port) > PORT_NAME_MAX_LENGTH:
        errs.append(max_len_error(PORT_NAME_MAX_LENGTH))
    if not _PORT_NAME_CHARSET_RE.match(port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not _PORT_NAME_ONE_LETTER_RE.search(port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_ip_sloppy(text: str) -> IPAddress | None:
    """``netutils.ParseIPSloppy``: like Go's old ``net.ParseIP``, IPv4 octets may have
    leading zeros (read as decimal: ``010.1.2.3`` is 10.1.2.3). None if malformed."""
    if not text.isascii() or "%" in text:
        return None
    if ":" not in text:
        octets = text.split(".")
        if len(octets) != 4 or not all(o.isdigit() and int(o) <= 255 for o in octets):
            return None
        return ipaddress.IPv4Address(".".join(str(int(o)) for o in octets))
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        return None


def parse_cidr_sloppy(value: str) -> tuple[IPAddress, IPNetwork] | None:
    """``netutils.ParseCIDRSloppy``: (address as written, its network); None if malformed.

    Host bits may be set (masked off in the network), IPv4 octets and the prefix
    length may have leading zeros, and an IPv4-mapped IPv6 prefix of length >= 96
    is the IPv4 prefix it maps (as Go's ``IPNet`` reports and matches it).
    """
    text, slash, length = value.partition("/")
    if not slash or not length.isascii() or not length.isdigit():
        return None
    address = parse_ip_sloppy(text)
    if address is None:
        return None
    written = int(length)
    address, unmapped_bits = unmap(address, written)
    bits = written if unmapped_bits is None else unmapped_bits
    if bits > address.max_prefixlen:
        return None
    return address, ipaddress.ip_network((address, bits), strict=False)


def cidr_warnings(path: str, value: str) -> list[str]:
    """``GetWarningsForCIDR``: warnings (never errors) for CIDRs in non-standard forms."""
    parsed = parse_cidr_sloppy(value)
    if parsed is None:
        return []
    address, network = parsed
    warnings: list[str] = []
    if address != network.network_address:
        warnings.append(
            f"{path}: CIDR value {go_quote(value)} is ambiguous in this context "
            f'(should be "{network}" or "{address}/{address.max_prefixlen}"?)'
        )
    text, _, length = value.partition("/")
    try:
        strict = ipaddress.ip_address(text)
    except ValueError:
        strict = None
    mapped = isinstance(strict, ipaddress.IPv6Address) and strict.ipv4_mapped is not None
    if strict is None or mapped or length != str(int(length)):
        warnings.append(
            f"{path}: non-standard CIDR value {go_quote(value)} will be considered invalid "
            f'in a future Kubernetes release: use "{network}"'
        )
    if not warnings and network.version == 6 and f"{address}/{length}" != value:
        warnings.append(
            f"{path}: IPv6 CIDR value {go_quote(value)} should be in RFC 5952 canonical "
            f'format ("{address}/{length}")'
        )
    return warnings


# ----------------------------------------------- meta/v1 and object meta
def validate_label_name(key: str, path: str) -> list[FieldError]:
    """``ValidateLabelName``: every message of ``IsQualifiedName`` at ``path``."""
    return [invalid(path, key, m) for m in is_qualified_name(key)]


def validate_labels(labels: Mapping[str, str], path: str) -> list[FieldError]:
    """``ValidateLabels``: keys and values, reported at the map's own path (no subscript)."""
    errs: list[FieldError] = []
    for key in sorted(labels):
        errs += validate_label_name(key, path)
        errs += [invalid(path, labels[key], m) for m in is_valid_label_value(labels[key])]
    return errs


def validate_annotations(annotations: Mapping[str, str], path: str) -> list[FieldError]:
    """``ValidateAnnotations``: keys are qualified names; total size at most 256 KiB."""
    errs: list[FieldError] = []
    total = 0
    for key in sorted(annotations):
        errs += [invalid(path, key, m) for m in is_qualified_name(key.lower())]
        total += len(key.encode()) + len(annotations[key].encode())
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errs.append(too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT))
    return errs


def validate_requirement(
    key: str, operator: str, values: Sequence[str], path: str
) -> list[FieldError]:
    """``ValidateLabelSelectorRequirement`` (values checked as label values, since 1.26)."""
    errs: list[FieldError] = []
    if operator in ("In", "NotIn"):
        if not values:
            errs.append(
                required(f"{path}.values", "must be specified when `operator` is 'In' or 'NotIn'")
            )
    elif operator in ("Exists", "DoesNotExist"):
        if values:
            errs.append(
                forbidden(
                    f"{path}.values",
                    "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                )
            )
    else:
        errs.append(invalid(f"{path}.operator", operator, "not a valid selector operator"))
    errs += validate_label_name(key, f"{path}.key")
    for i, value in enumerate(values):
        errs += [invalid(f"{path}.values[{i}]", value, m) for m in is_valid_label_value(value)]
    return errs


def validate_name(name: str, path: str, name_fn: str = "subdomain") -> list[FieldError]:
    """Validate ``metadata.name`` by the kind's rule: ``subdomain``, ``label`` or ``dns1035``."""
    if not name:
        return [required(path, "name or generateName is required")]
    check = {
        "subdomain": is_dns1123_subdomain,
        "label": is_dns1123_label,
        "dns1035": is_dns1035_label,
    }[name_fn]
    return [invalid(path, name, m) for m in check(name)]


# ----------------------------------------------------------- networking
def validate_network_policy_port(
    protocol: str | None, port: int | str | None, end_port: int | None, path: str
) -> list[FieldError]:
    """``ValidateNetworkPolicyPort``: protocol, numeric or named port, endPort rules."""
    errs: list[FieldError] = []
    if protocol is not None and protocol not in NETWORK_POLICY_PROTOCOLS:
        errs.append(not_supported(f"{path}.protocol", protocol, NETWORK_POLICY_PROTOCOLS))
    if port is not None:
        if isinstance(port, int):
            errs += [invalid(f"{path}.port", port, m) for m in is_valid_port_num(port)]
            if end_port is not None:
                if end_port < port:
                    errs.append(
                        invalid(
                            f"{path}.endPort", end_port, "must be greater than or equal to `port`"
                        )
                    )
                errs += [
                    invalid(f"{path}.endPort", end_port, m) for m in is_valid_port_num(end_port)
                ]
        else:
            if end_port is not None:
                errs.append(
                    invalid(
                        f"{path}.endPort",
                        end_port,
                        "may not be specified when `port` is non-numeric",
                    )
                )
            errs += [invalid(f"{path}.port", port, m) for m in is_valid_port_name(port)]
    elif end_port is not None:
        errs.append(
            invalid(
                f"{path}.endPort", end_port, "may not be specified when `port` is not specified"
            )
        )
    return errs


_CIDR_EXAMPLE = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"


def validate_ip_block(
    cidr: str, excepts: Sequence[str], path: str
) -> tuple[list[FieldError], list[str]]:
    """``ValidateIPBlock``: cidr required and valid; each except valid and a strict subset.

    Returns (errors, warnings); host bits set are a warning, as the apiserver gives.
    """
    errs: list[FieldError] = []
    warnings: list[str] = []
    if not cidr:
        return [required(f"{path}.cidr")], warnings
    parsed = parse_cidr_sloppy(cidr)
    if parsed is None:
        return [invalid(f"{path}.cidr", cidr, _CIDR_EXAMPLE)], warnings
    network = parsed[1]
    warnings += cidr_warnings(f"{path}.cidr", cidr)
    for i, text in enumerate(excepts):
        except_path = f"{path}.except[{i}]"
        parsed_except = parse_cidr_sloppy(text)
        if parsed_except is None:
            errs.append(invalid(except_path, text, _CIDR_EXAMPLE))
            continue
        except_net = parsed_except[1]
        warnings += cidr_warnings(except_path, text)
        inside = (
            except_net.version == network.version
            and except_net.network_address in network
            and network.prefixlen < except_net.prefixlen
        )
        if not inside:
            errs.append(invalid(except_path, text, "must be a strict subset of `cidr`"))
    return errs, warnings


def validate_policy_types(types: Sequence[str], path: str) -> list[FieldError]:
    """``ValidateNetworkPolicySpec``'s policyTypes check: at most two, each Ingress/Egress."""
    if len(types) > len(POLICY_TYPES):
        return [invalid(path, list(types), "may not specify more than two policyTypes")]
    return [
        not_supported(f"{path}[{i}]", t, POLICY_TYPES)
        for i, t in enumerate(types)
        if t not in POLICY_TYPES
    ]
