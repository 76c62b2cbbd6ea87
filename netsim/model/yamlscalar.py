"""YAML scalars resolved exactly as kubectl's decoder resolves them.

kubectl turns YAML into JSON with sigs.k8s.io/yaml, which decodes with its fork
of go-yaml v2 and converts the result to JSON. Those rules differ from PyYAML's
YAML 1.1 ones (``0o120`` is 80, ``1:20`` is a string, ``080`` is 80, ``y`` is
true, integer keys become strings); ``docs/YAML.md`` lists each rule with its
source. This module decides them all:

- :func:`resolve_plain` an untagged plain scalar;
- :func:`resolve_tagged` a scalar with an explicit ``!!int``, ``!!bool``... tag;
- :func:`json_value` what the value becomes after the JSON round trip;
- :func:`key_string` the string a mapping key becomes.

Values are Python ``None``, ``bool``, ``int``, ``float`` and ``str``; a value
kubectl cannot send is a :class:`ScalarError` with kubectl's reason.
"""

from __future__ import annotations

import base64
import binascii
import functools
import math
import re
import struct
from datetime import date

__all__ = [
    "MAX_INTEGER_DIGITS",
    "ScalarError",
    "json_value",
    "key_string",
    "plain_is_string",
    "resolve_plain",
    "resolve_tagged",
]

MAX_INTEGER_DIGITS = 4000
"""Longest integer literal converted (far beyond any int64; Python refuses past 4,300)."""

_BOOLS = {
    **dict.fromkeys(
        ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True
    ),
    **dict.fromkeys(
        ("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False
    ),
}
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_SPECIAL_FLOATS = {
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
_HINT_MAP = frozenset("yYnNtTfFoO~")
"""First characters of the words go-yaml looks up (bools, null)."""

# strconv.ParseInt/ParseUint with base 0: an optional sign, then 0x/0o/0b (any case), a
# leading 0 (octal) or decimal digits.
_GO_INT = re.compile(r"([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
# go-yaml's yamlStyleFloat, tried on the text without underscores.
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
# strconv.ParseFloat on text that starts with '.': digits may be separated by one underscore.
_DOT_FLOAT = re.compile(r"\.[0-9](_?[0-9])*([eE][-+]?[0-9](_?[0-9])*)?")
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?(?:Z|[+-](\d{2}):(\d{2}))"
    r"| (\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?)?"
)
_SHORT_TAGS = ("str", "int", "float", "bool", "null", "timestamp", "binary")


class ScalarError(ValueError):
    """A scalar kubectl refuses to decode; the message is kubectl's reason."""


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _parse_go_int(text: str) -> tuple[int | None, bool]:
    """strconv.ParseInt, then ParseUint (base 0): (value or None, whether out of range)."""
    match = _GO_INT.fullmatch(text)
    if match is None:
        return None, False
    sign, body = match.groups()
    lower = body.lower()
    if lower.startswith(("0x", "0o", "0b")):
        digits, base = body[2:], {"x": 16, "o": 8, "b": 2}[lower[1]]
    elif len(body) > 1 and body[0] == "0":
        digits, base = body[1:], 8
    else:
        digits, base = body, 10
    if base == 10 and len(digits) > 20:
        return None, not sign  # beyond 2**64 for sure; never converted
    value = int(digits, base) if len(digits) <= MAX_INTEGER_DIGITS else 2**64
    if sign == "-":
        value = -value
    if -(2**63) <= value < 2**63:
        return value, False
    if not sign and value < 2**64:
        return value, False  # ParseUint takes no sign
    return None, not sign  # ParseUint's error is the one go-yaml keeps: range, or syntax (a sign)


def _parse_binary_fallback(plain: str) -> int | None:
    """go-yaml's retry of ``0b...`` and ``-0b...`` with strconv base 2 (a sign may follow 0b)."""
    if plain.startswith("0b"):
        rest, negative = plain[2:], False
    elif plain.startswith("-0b"):
        rest, negative = plain[3:], True
    else:
        return None
    match = re.fullmatch(r"([+-]?)([01]+)", rest)
    if match is None or (negative and match.group(1)):
        return None
    value = int(match.group(2), 2) * (-1 if negative or match.group(1) == "-" else 1)
    if -(2**63) <= value < 2**63 or (not match.group(1) and not negative and value < 2**64):
        return value
    return None


def _big_int(plain: str) -> int | None:
    """big.Int.SetString(plain, 0): any length (go-yaml's last resort for out-of-range ints)."""
    match = _GO_INT.fullmatch(plain)
    if match is None:
        return None
    digits = re.sub(r"^[+-]?(0[xXoObB]|0(?=[0-7]))", "", plain)
    if len(digits) > MAX_INTEGER_DIGITS:
        raise ScalarError(
            f"integer literal too long ({len(digits)} digits; netsim reads at most "
            f"{MAX_INTEGER_DIGITS}, and no Kubernetes field holds more than 20)"
        )
    sign, body = match.groups()
    lower = body.lower()
    if lower.startswith(("0x", "0o", "0b")):
        number = int(body[2:], {"x": 16, "o": 8, "b": 2}[lower[1]])
    elif len(body) > 1 and body[0] == "0":
        number = int(body[1:], 8)
    else:
        number = int(body, 10)
    return -number if sign == "-" else number


def _go_parse_float(text: str) -> float | None:
    """strconv.ParseFloat of a well-formed decimal: None on overflow (Go's range error)."""
    value = float(text.replace("_", ""))
    return None if math.isinf(value) else value


def _is_timestamp(text: str) -> bool:
    """go-yaml's parseTimestamp: the four time.Parse layouts it allows, with range checks."""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return False
    year, month, day = (int(g) for g in match.group(1, 2, 3))
    try:
        date(year, month, day)
    except ValueError:
        return False
    clock = match.group(4, 5, 6) if match.group(4) else match.group(9, 10, 11)
    if clock[0] is not None and (int(clock[0]) > 23 or int(clock[1]) > 59 or int(clock[2]) > 59):
        return False
    zone = match.group(7, 8)
    return zone[0] is None or (int(zone[0]) <= 24 and int(zone[1]) <= 60)


def _resolve(text: str, tag: str) -> tuple[str, object]:
    """go-yaml v2's resolve(): the resolved short tag and value of ``text`` (tag '' = plain)."""
    hint = text[0] if text else ""
    if tag in ("str", "binary"):
        return "str", text
    if text in _NULLS:
        return "null", None
    if text in _BOOLS:
        return "bool", _BOOLS[text]
    if text in _SPECIAL_FLOATS:
        return "float", _SPECIAL_FLOATS[text]
    if hint == ".":
        if _DOT_FLOAT.fullmatch(text):
            value = _go_parse_float(text)
            if value is not None:
                return "float", value
        return "str", text
    if not (hint.isascii() and (hint.isdigit() or hint in "+-")):
        return "str", text
    if tag in ("", "timestamp") and _is_timestamp(text):
        return "timestamp", text
    plain = text.replace("_", "")
    number, out_of_range = _parse_go_int(plain)
    if number is not None:
        return "int", number
    if _YAML_FLOAT.fullmatch(plain):
        value = _go_parse_float(plain)
        if value is not None:
            return "float", value
    binary = _parse_binary_fallback(plain)
    if binary is not None:
        return "int", binary
    if out_of_range:
        big = _big_int(plain)
        if big is not None:
            return "int", big
    return "str", text


def resolve_plain(text: str) -> object:
    """The value of an untagged plain scalar, as kubectl's go-yaml decodes it.

    A plain timestamp stays the string it is (go-yaml gives strings to
    ``interface{}`` targets for backward compatibility). Short scalars repeat a lot
    in manifests (keys, ``TCP``, label values) and their values are immutable, so
    their resolutions are memoised.
    """
    if text == "<<":
        return text
    if len(text) <= _MEMO_LENGTH:
        return _resolve_short(text)
    _, value = _resolve(text, "")
    return value


_MEMO_LENGTH = 64
"""Plain scalars up to this length are resolved once per process (bounded LRU)."""


@functools.lru_cache(maxsize=1 << 16)
def _resolve_short(text: str) -> object:
    """:func:`resolve_plain` of a short scalar, memoised (a ScalarError is not cached)."""
    _, value = _resolve(text, "")
    return value


def plain_is_string(text: str) -> bool:
    """Whether ``text`` written unquoted reads back as this very string (else quote it)."""
    try:
        return text != "<<" and resolve_plain(text) == text and isinstance(resolve_plain(text), str)
    except ScalarError:
        return False


def resolve_tagged(tag: str, text: str) -> object:
    """The value of a scalar with the explicit tag ``tag`` (``int``, ``tag:yaml.org,2002:int``).

    ``!!str`` and unknown tags keep the text; ``!!binary`` is base64-decoded;
    ``!!float`` takes an int too. Raises ScalarError with go-yaml's words
    (``cannot decode !!str `abc` as a !!int``) when the text is not of the type.
    """
    short = tag.removeprefix("tag:yaml.org,2002:").removeprefix("!!")
    if short not in _SHORT_TAGS:
        return text
    if short == "binary":
        try:
            data = base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            raise ScalarError(
                "!!binary value contains invalid base64 data (kubectl rejects it)"
            ) from None
        return data.decode("utf-8", "replace")
    resolved, value = _resolve(text, short)
    if resolved == short or short == "str":
        return value
    if short == "float" and resolved == "int" and isinstance(value, int) and value < 2**63:
        return float(value)
    raise ScalarError(
        f"cannot decode !!{resolved} `{_clip(text)}` as a !!{short} (kubectl's YAML decoder "
        "rejects the explicit tag)"
    )


def json_value(value: object) -> object:
    """What a decoded scalar is once sigs.k8s.io/yaml wrote it as JSON for the apiserver.

    A float with an integral value prints as an integer (``80.0`` is sent as
    ``80``) while Go's encoder uses plain notation (below 1e21); NaN and the
    infinities cannot be written (ScalarError, kubectl's json error).
    """
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            shown = "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
            raise ScalarError(
                f"json: unsupported value: {shown} (kubectl cannot write it as JSON for the "
                "apiserver; quote it to send a string)"
            )
        if value.is_integer() and abs(value) < 1e21:
            return int(value)
    return value


def _float32_g(value: float) -> str:
    """strconv.FormatFloat(value, 'g', -1, 32): the shortest float32 digits, Go's %g."""
    try:
        single = struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:
        single = math.copysign(math.inf, value)
    if math.isnan(single):
        return ".nan"
    if math.isinf(single):
        return ".inf" if single > 0 else "-.inf"
    if single == 0:
        return "-0" if math.copysign(1, single) < 0 else "0"
    for precision in range(1, 10):
        text = f"{single:.{precision - 1}e}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == single:
            break
    mantissa, _, exp_text = text.partition("e")
    exponent = int(exp_text)
    negative = mantissa.startswith("-")
    digits = mantissa.lstrip("-").replace(".", "").rstrip("0") or "0"
    sign = "-" if negative else ""
    if exponent < -4 or exponent >= 6:
        body = digits[0] + (f".{digits[1:]}" if len(digits) > 1 else "")
        return f"{sign}{body}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    if exponent < 0:
        return f"{sign}0.{'0' * (-exponent - 1)}{digits}"
    whole = digits[: exponent + 1].ljust(exponent + 1, "0")
    fraction = digits[exponent + 1 :]
    return f"{sign}{whole}" + (f".{fraction}" if fraction else "")


def key_string(key: object) -> str:
    """The JSON object key a decoded YAML mapping key becomes (sigs.k8s.io/yaml's rules).

    Strings stay; ints print in decimal; bools are ``true``/``false``; floats
    print as Go's float32 ``%g``. A null or collection key is a ScalarError.
    """
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float):
        return _float32_g(key)
    kind = "<nil>" if key is None else type(key).__name__
    raise ScalarError(
        f"unsupported map key of type: {kind} (kubectl turns keys into JSON strings and "
        "cannot turn this one)"
    )
