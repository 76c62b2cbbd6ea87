"""The check kinds of ``lab.yaml`` (reach, forbid, matrix, exec, unchanged) and their reader.

Every check is behavioural: it says what traffic may or may not pass, or what a
command prints, never how the answer must be written, so every correct answer passes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from netsim.addr import Prefix, is_ip
from netsim.model.validate import is_dns1123_label
from netsim.policy.truthtable import truth_table
from netsim.scenario.schema import Expect, _Checker, _expect, _show

PROTOCOLS: tuple[str, ...] = ("TCP", "UDP", "SCTP")
CHECK_KINDS: tuple[str, ...] = ("reach", "forbid", "matrix", "exec", "unchanged")
UNCHANGED_KINDS: tuple[str, ...] = ("Namespace", "NetworkPolicy", "Pod", "Service")
Want = Literal["allow", "deny"]


@dataclass(frozen=True, slots=True)
class ReachSpec:
    """One flow and whether it must be allowed: ``src`` ns/pod or IP; ``dst`` ns/pod,
    ``svc:ns/name`` (the Service port; allowed only when every backend allows) or IP."""

    src: str
    dst: str
    port: int
    protocol: str = "TCP"
    expect: Want = "allow"
    kind: str = "reach"


@dataclass(frozen=True, slots=True)
class PortRange:
    """Ports ``first``..``last`` inclusive."""

    first: int
    last: int

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and self.first <= port <= self.last


@dataclass(frozen=True, slots=True)
class FlowPattern:
    """An ``except`` entry of a forbid check: None matches anything."""

    src: str | None = None
    dst: str | None = None
    protocol: str | None = None
    port: PortRange | None = None


@dataclass(frozen=True, slots=True)
class ForbidSpec:
    """No flow of this kind may be allowed, except the listed ones.

    ``src``/``dst``: ``ns/pod``, ``ns/*``, ``*`` (every pod), an IP or a CIDR;
    ``ports`` None means every port (checked exactly through representative ports).
    """

    src: str
    dst: str
    protocols: tuple[str, ...] = PROTOCOLS
    ports: tuple[PortRange, ...] | None = None
    except_: tuple[FlowPattern, ...] = ()
    kind: str = "forbid"


@dataclass(frozen=True, slots=True)
class MatrixSpec:
    """The e2e-style truth table of every pod pair on one port (rows from, columns to).

    ``expect`` is the table as ``netsim matrix`` prints it (tabs or spaces);
    ``namespaces`` restricts rows and columns to pods of those namespaces.
    """

    port: int
    expect: str
    protocol: str = "TCP"
    namespaces: tuple[str, ...] = ()
    kind: str = "matrix"


@dataclass(frozen=True, slots=True)
class ExecSpec:
    """A command run in a pod by the simulator, its result checked like a scenario step's."""

    pod: str
    command: str
    expect: Expect
    kind: str = "exec"


@dataclass(frozen=True, slots=True)
class UnchangedSpec:
    """The answer must not create, change or delete objects of these kinds."""

    kinds: tuple[str, ...]
    kind: str = "unchanged"


CheckSpec = ReachSpec | ForbidSpec | MatrixSpec | ExecSpec | UnchangedSpec


# ------------------------------------------------------------------ endpoints
def is_pod_ref(text: str) -> bool:
    """``ns/name`` with both parts DNS names."""
    ns, _, name = text.partition("/")
    return text.count("/") == 1 and bool(ns) and bool(name) and not is_dns1123_label(ns)


def _cidr(text: str) -> bool:
    try:
        Prefix.parse(text)
    except ValueError:
        return False
    return True


def _endpoint(c: _Checker, value: Any, path: str, forms: tuple[str, ...]) -> str | None:
    """An endpoint string in one of ``forms`` (pod, ns-wildcard, all, svc, ip, cidr)."""
    text = c.string(value, path)
    if text is None:
        return None
    text = text.strip()
    ok = (
        ("all" in forms and text == "*")
        or ("ip" in forms and is_ip(text))
        or ("cidr" in forms and "/" in text and _cidr(text))
        or ("svc" in forms and text.startswith("svc:") and is_pod_ref(text[4:]))
        or ("ns" in forms and text.endswith("/*") and not is_dns1123_label(text[:-2]))
        or ("pod" in forms and is_pod_ref(text) and not text.endswith("/*"))
    )
    if not ok:
        names = {
            "pod": "namespace/pod",
            "ns": "namespace/*",
            "all": "*",
            "svc": "svc:namespace/name",
            "ip": "an IP address",
            "cidr": "a CIDR",
        }
        c.add(path, f"Invalid value: {_show(text)}: must be {', '.join(names[f] for f in forms)}")
        return None
    return text


def _protocol(c: _Checker, value: Any, path: str) -> str | None:
    if value in PROTOCOLS:
        return str(value)
    supported = ", ".join(f'"{p}"' for p in PROTOCOLS)
    c.add(path, f"Unsupported value: {_show(value)}: supported values: {supported}")
    return None


def _port(c: _Checker, value: Any, path: str) -> int | None:
    return c.integer(value, path, 1, 65535)


def _port_range(c: _Checker, value: Any, path: str) -> PortRange | None:
    """``80``, ``"80"`` or ``"8000-8080"``."""
    if isinstance(value, str):
        first, sep, last = value.strip().partition("-")
        if first.isdigit() and (not sep or last.isdigit()):
            a, b = int(first), int(last) if sep else int(first)
            if 1 <= a <= b <= 65535:
                return PortRange(a, b)
        c.add(path, f"Invalid value: {_show(value)}: must be a port or a range like 8000-8080")
        return None
    port = _port(c, value, path)
    return PortRange(port, port) if port is not None else None


# --------------------------------------------------------------------- kinds
def _reach(c: _Checker, doc: Mapping[str, Any], path: str) -> ReachSpec | None:
    c.known(doc, path, ("from", "to", "port", "protocol"))
    for key in ("from", "to", "port"):
        if key not in doc:
            c.add(f"{path}.{key}", "Required value")
    src = _endpoint(c, doc.get("from"), f"{path}.from", ("pod", "ip")) if "from" in doc else None
    dst = _endpoint(c, doc.get("to"), f"{path}.to", ("pod", "svc", "ip")) if "to" in doc else None
    port = _port(c, doc.get("port"), f"{path}.port") if "port" in doc else None
    protocol = _protocol(c, doc["protocol"], f"{path}.protocol") if "protocol" in doc else "TCP"
    if src is None or dst is None or port is None or protocol is None:
        return None
    return ReachSpec(src, dst, port, protocol)


FLOW_FORMS = ("pod", "ns", "all", "ip", "cidr")


def _pattern(c: _Checker, value: Any, path: str) -> FlowPattern | None:
    doc = c.mapping(value, path)
    if doc is None:
        return None
    c.known(doc, path, ("from", "to", "protocol", "port"))
    if not doc:
        c.add(path, "Required value: at least one of from, to, protocol, port")
    src = _endpoint(c, doc["from"], f"{path}.from", FLOW_FORMS) if "from" in doc else None
    dst = _endpoint(c, doc["to"], f"{path}.to", FLOW_FORMS) if "to" in doc else None
    protocol = _protocol(c, doc["protocol"], f"{path}.protocol") if "protocol" in doc else None
    port = _port_range(c, doc["port"], f"{path}.port") if "port" in doc else None
    return FlowPattern(src, dst, protocol, port)


def _forbid(c: _Checker, doc: Mapping[str, Any], path: str) -> ForbidSpec | None:
    c.known(doc, path, ("from", "to", "protocols", "ports", "except"))
    for key in ("from", "to"):
        if key not in doc:
            c.add(f"{path}.{key}", "Required value")
    src = _endpoint(c, doc["from"], f"{path}.from", FLOW_FORMS) if "from" in doc else None
    dst = _endpoint(c, doc["to"], f"{path}.to", FLOW_FORMS) if "to" in doc else None
    protocols = PROTOCOLS
    if "protocols" in doc:
        raw = doc["protocols"] if isinstance(doc["protocols"], list) else [doc["protocols"]]
        found = [_protocol(c, p, f"{path}.protocols[{i}]") for i, p in enumerate(raw)]
        protocols = tuple(p for p in PROTOCOLS if p in found)
        if not raw:
            c.add(f"{path}.protocols", "Required value: at least one protocol")
    ports: tuple[PortRange, ...] | None = None
    if "ports" in doc and doc["ports"] != "all":
        raw_ports = doc["ports"]
        if not isinstance(raw_ports, list) or not raw_ports:
            c.add(f"{path}.ports", 'Invalid value: must be "all" or a non-empty list of ports')
        else:
            parsed = [_port_range(c, p, f"{path}.ports[{i}]") for i, p in enumerate(raw_ports)]
            ports = tuple(p for p in parsed if p is not None)
    patterns: list[FlowPattern] = []
    if "except" in doc:
        raw_except = doc["except"]
        if not isinstance(raw_except, list):
            c.add(f"{path}.except", f"Invalid value: {_show(raw_except)}: must be a list")
            raw_except = []
        for i, item in enumerate(raw_except):
            pattern = _pattern(c, item, f"{path}.except[{i}]")
            if pattern is not None:
                patterns.append(pattern)
    if src is None or dst is None:
        return None
    return ForbidSpec(src, dst, protocols, ports, tuple(patterns))


def parse_table(text: str) -> tuple[list[str], list[str], list[list[str]]] | None:
    """Read a truth table (tabs or spaces): (rows, columns, marks), or None if malformed."""
    lines = [line.split() for line in text.strip().splitlines() if line.strip()]
    lines = [line for line in lines if not (len(line) == 2 and line[0] == "port")]
    if not lines or lines[0][:1] != ["-"]:
        return None
    cols = lines[0][1:]
    rows, marks = [], []
    for line in lines[1:]:
        if len(line) != len(cols) + 1 or any(m not in (".", "X") for m in line[1:]):
            return None
        rows.append(line[0])
        marks.append(line[1:])
    return rows, cols, marks


def _matrix(c: _Checker, doc: Mapping[str, Any], path: str) -> MatrixSpec | None:
    c.known(doc, path, ("port", "protocol", "namespaces", "expect"))
    for key in ("port", "expect"):
        if key not in doc:
            c.add(f"{path}.{key}", "Required value")
    port = _port(c, doc["port"], f"{path}.port") if "port" in doc else None
    protocol = _protocol(c, doc["protocol"], f"{path}.protocol") if "protocol" in doc else "TCP"
    namespaces = c.strings(doc["namespaces"], f"{path}.namespaces") if "namespaces" in doc else ()
    expect = c.string(doc["expect"], f"{path}.expect") if "expect" in doc else None
    table = parse_table(expect) if expect is not None else None
    if expect is not None and table is None:
        c.add(
            f"{path}.expect",
            "Invalid value: must be a truth table: a '-' corner and the pods as columns, "
            "then one row per pod of '.' (allowed) and 'X' (denied), as netsim matrix prints",
        )
    if port is None or protocol is None or table is None:
        return None
    return MatrixSpec(port, truth_table(*table), protocol, tuple(sorted(set(namespaces))))


def _exec(
    c: _Checker, doc: Mapping[str, Any], path: str, parent: Mapping[str, Any]
) -> ExecSpec | None:
    c.known(doc, path, ("pod", "command"))
    for key in ("pod", "command"):
        if key not in doc:
            c.add(f"{path}.{key}", "Required value")
    base = path.rsplit(".", 1)[0]
    if "expect" not in parent:
        c.add(f"{base}.expect", "Required value: what the command must give")
    pod = _endpoint(c, doc["pod"], f"{path}.pod", ("pod",)) if "pod" in doc else None
    command = c.string(doc["command"], f"{path}.command") if "command" in doc else None
    expect = _expect(c, parent["expect"], f"{base}.expect") if "expect" in parent else None
    if pod is None or command is None or expect is None:
        return None
    return ExecSpec(pod, command.strip(), expect)


def _unchanged(c: _Checker, value: Any, path: str) -> UnchangedSpec | None:
    kinds = c.strings(value, path)
    for i, kind in enumerate(kinds):
        if kind not in UNCHANGED_KINDS:
            supported = ", ".join(f'"{k}"' for k in UNCHANGED_KINDS)
            c.add(
                f"{path}[{i}]", f"Unsupported value: {_show(kind)}: supported values: {supported}"
            )
    if not kinds:
        c.add(path, "Required value: at least one kind")
        return None
    return UnchangedSpec(tuple(sorted(set(kinds))))


def parse_check(c: _Checker, doc: Mapping[str, Any], path: str) -> tuple[str, CheckSpec] | None:
    """Read one entry of ``checks:``: its id and its spec (None after recording errors)."""
    kinds = [k for k in CHECK_KINDS if k in doc]
    extra = ("expect",) if kinds and kinds[0] in ("reach", "exec") else ()
    c.known(doc, path, ("id", "points", "description", *CHECK_KINDS, *extra))
    check_id = None
    if "id" not in doc:
        c.add(f"{path}.id", "Required value")
    else:
        check_id = c.string(doc["id"], f"{path}.id")
        if check_id is not None:
            for message in is_dns1123_label(check_id):
                c.add(f"{path}.id", f"Invalid value: {_show(check_id)}: {message}")
    if len(kinds) != 1:
        supported = ", ".join(f'"{k}"' for k in CHECK_KINDS)
        if kinds:
            c.add(path, f"Invalid value: {{...}}: only one of {supported} may be set")
        else:
            c.add(path, f"Required value: one of {supported}")
        return None
    kind = kinds[0]
    where = f"{path}.{kind}"
    spec: CheckSpec | None
    if kind == "unchanged":
        spec = _unchanged(c, doc[kind], where)
    else:
        body = c.mapping(doc[kind], where)
        if body is None:
            return None
        if kind == "reach":
            spec = _reach(c, body, where)
            want = doc.get("expect")
            if want not in ("allow", "deny"):
                c.add(
                    f"{path}.expect",
                    f'Unsupported value: {_show(want)}: supported values: "allow", "deny"'
                    if "expect" in doc
                    else 'Required value: "allow" or "deny"',
                )
                spec = None
            elif spec is not None:
                spec = ReachSpec(spec.src, spec.dst, spec.port, spec.protocol, want)
        elif kind == "forbid":
            spec = _forbid(c, body, where)
        elif kind == "matrix":
            spec = _matrix(c, body, where)
        else:
            spec = _exec(c, body, where, doc)
    if spec is None or check_id is None:
        return None
    return check_id, spec
