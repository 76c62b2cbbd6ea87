"""Decoding AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy manifests.

Validation is what the CRDs of network-policy-api enforce (OpenAPI schema and CEL rules,
experimental channel, which is a superset of standard), worded as the apiserver words
CRD schema errors:
https://github.com/kubernetes-sigs/network-policy-api/blob/v0.1.7/config/crd/experimental/policy.networking.k8s.io_adminnetworkpolicies.yaml,
``..._baselineadminnetworkpolicies.yaml`` and, for v1alpha2,
https://github.com/kubernetes-sigs/network-policy-api/blob/main/config/crd/experimental/policy.networking.k8s.io_clusternetworkpolicies.yaml.

Beyond the CRDs, netsim refuses what it cannot evaluate faithfully (each says so in its
message): a protocol other than TCP/UDP/SCTP, a label selector the implementation could
not build (bad operator or label), and ``domainNames`` in a rule that is not an allow
rule (the API supports them only there). ``domainNames`` in an allow rule is a loud warning:
netsim resolves no domain names, so such a peer matches less than a real cluster's would
(never more). ``nodes`` selectors match the Node manifests' labels and the kubelet's
well-known ones (:func:`netsim.model.adminpolicy.node_labels`).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, cast

from netsim.addr import Prefix
from netsim.errors import FieldError, Origin
from netsim.model import validate as v
from netsim.model.adminpolicy import (
    BASELINE_NAME,
    AdminPeer,
    AdminPort,
    AdminRule,
    AdminSubject,
    ClusterPolicy,
    ClusterPolicyKind,
    NamespacedPods,
)
from netsim.model.labels import LabelSelector
from netsim.model.manifest import (
    _DECODERS,
    Decoded,
    _label_selector,
    _Meta,
    _prefix,
    _Reader,
    _result,
)

ADMIN_API = "policy.networking.k8s.io/v1alpha1"
CLUSTER_API = "policy.networking.k8s.io/v1alpha2"

_DOMAIN_RE = re.compile(
    r"^(\*\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$"
)
"""The CRD's DomainName pattern, as written (``A-z`` included)."""

CIDR_MESSAGE = "Invalid CIDR format provided"
NAMED_PORT_MESSAGES = {
    "AdminNetworkPolicy": "networks/nodes/domainNames peer cannot be set with namedPorts "
    "since there are no namedPorts for networks/nodes/domainNames",
    "ClusterNetworkPolicy": "networks/nodes/domainNames peer cannot be set with namedPorts "
    "since there are no namedPorts for networks/nodes/domainNames",
    "BaselineAdminNetworkPolicy": "networks/nodes peer cannot be set with namedPorts since "
    "there are no namedPorts for networks/nodes",
}
BASELINE_NAME_MESSAGE = (
    'Only one baseline admin network policy with metadata.name="default" can be created '
    "in the cluster"
)
_PROTOCOLS = ("TCP", "UDP", "SCTP")


# ------------------------------------------------------- schema messages
def _at_least(path: str, count: int, minimum: int, what: str) -> FieldError:
    return v.invalid(path, count, f"{path} in body should have at least {minimum} {what}")


def _at_most(path: str, count: int, maximum: int) -> FieldError:
    return v.invalid(path, count, f"{path} in body should have at most {maximum} properties")


def _too_many(path: str, count: int, maximum: int) -> FieldError:
    return FieldError(path, f"Too many: {count}: must have at most {maximum} items")


def _cel(path: str, message: str, value: str = "object") -> FieldError:
    """A failed ``x-kubernetes-validations`` rule: ``Invalid value: "object": <message>``."""
    return v.invalid(path, value, message)


def is_cidr(text: str) -> bool:
    """CEL's ``isCIDR``: Go's ``netip.ParsePrefix`` (no leading zeros, no zone), not IPv4-mapped."""
    address, slash, bits = text.partition("/")
    if not slash or not bits.isdigit() or (len(bits) > 1 and bits[0] == "0") or "%" in address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return False
    return int(bits) <= ip.max_prefixlen


def _network(text: str) -> Prefix:
    """The canonical prefix of a CIDR :func:`is_cidr` accepted (host bits masked)."""
    net = ipaddress.ip_network(text, strict=False)
    return Prefix(net.version, int(net.network_address), net.prefixlen)


# -------------------------------------------------------------- pieces
class _Policy:
    """Reads one policy's spec; ``kind`` decides the version's fields and limits."""

    def __init__(self, r: _Reader, kind: ClusterPolicyKind) -> None:
        self.r = r
        self.kind = kind
        self.max_rules = 25 if kind == "ClusterNetworkPolicy" else 100

    def present(self, raw: dict[str, Any], path: str, allowed: tuple[str, ...]) -> list[str]:
        """Exactly one non-null field (``minProperties``/``maxProperties`` 1)."""
        keys = [k for k in allowed if raw.get(k) is not None]
        if not keys:
            self.r.errors.append(_at_least(path, 0, 1, "properties"))
        elif len(keys) > 1:
            self.r.errors.append(_at_most(path, len(keys), 1))
        return keys

    def items(
        self, value: object, path: str, maximum: int, required: bool = True, minimum: int = 1
    ) -> list[Any]:
        """An array with ``minItems`` and ``maxItems``; absent is an error when ``required``."""
        if value is None:
            if required:
                self.r.errors.append(v.required(path))
            return []
        items = self.r.array(value, path)
        if isinstance(value, list) and len(items) < minimum:
            self.r.errors.append(_at_least(path, len(items), minimum, "items"))
        if len(items) > maximum:
            self.r.errors.append(_too_many(path, len(items), maximum))
        return items

    def selector(self, value: object, path: str, required: bool = True) -> LabelSelector:
        """A label selector (null/absent is an error when ``required``)."""
        found = _label_selector(self.r, value, path)
        if found is None and required:
            self.r.errors.append(v.required(path))
        return found or LabelSelector()

    def pods(self, value: object, path: str) -> NamespacedPods:
        """``NamespacedPod`` (v1alpha2 makes ``namespaceSelector`` optional)."""
        raw = self.r.mapping(value, path, frozenset({"namespaceSelector", "podSelector"})) or {}
        v1 = self.kind != "ClusterNetworkPolicy"
        return NamespacedPods(
            self.selector(raw.get("namespaceSelector"), f"{path}.namespaceSelector", v1),
            self.selector(raw.get("podSelector"), f"{path}.podSelector"),
        )

    def subject(self, value: object, path: str) -> AdminSubject:
        """``subject``: exactly one of ``namespaces``, ``pods``."""
        raw = self.r.mapping(value, path, frozenset({"namespaces", "pods"}))
        if raw is None:
            if value is None:
                self.r.errors.append(v.required(path))
            return AdminSubject()
        keys = self.present(raw, path, ("namespaces", "pods"))
        if keys == ["namespaces"]:
            return AdminSubject(namespaces=self.selector(raw["namespaces"], f"{path}.namespaces"))
        if keys == ["pods"]:
            return AdminSubject(pods=self.pods(raw["pods"], f"{path}.pods"))
        return AdminSubject()

    def peer(self, value: object, path: str, egress: bool, action: str) -> AdminPeer | None:
        """One ``from``/``to`` entry; egress peers also take nodes, networks, domainNames."""
        fields = ("namespaces", "pods") + (("nodes", "networks") if egress else ())
        if egress and self.kind != "BaselineAdminNetworkPolicy":
            fields += ("domainNames",)
        raw = self.r.mapping(value, path, frozenset(fields))
        if raw is None:
            self.r.errors.append(_at_least(path, 0, 1, "properties"))
            return None
        keys = self.present(raw, path, fields)
        if len(keys) != 1:
            return None
        key = keys[0]
        where = f"{path}.{key}"
        if key == "namespaces":
            return AdminPeer(namespaces=self.selector(raw[key], where))
        if key == "pods":
            return AdminPeer(pods=self.pods(raw[key], where))
        if key == "nodes":
            return AdminPeer(nodes=self.selector(raw[key], where))
        texts = self.strings(raw[key], where)
        if key == "networks":
            networks: list[Prefix] = []
            for i, text in enumerate(texts):
                if len(text) > 43:
                    self.r.errors.append(FieldError(f"{where}[{i}]", _too_long(43)))
                elif not is_cidr(text):
                    self.r.errors.append(_cel(f"{where}[{i}]", CIDR_MESSAGE, "string"))
                else:
                    networks.append(_network(text))
            return AdminPeer(networks=tuple(networks))
        for i, text in enumerate(texts):
            if not _DOMAIN_RE.match(text):
                self.r.errors.append(
                    v.invalid(
                        f"{where}[{i}]",
                        text,
                        f"{where}[{i}] in body should match '{_DOMAIN_RE.pattern}'",
                    )
                )
        if action not in ("Allow", "Accept"):
            allow = "Accept" if self.kind == "ClusterNetworkPolicy" else "Allow"
            self.r.errors.append(
                v.forbidden(
                    where,
                    f"domainNames are supported only in {allow} rules (API reference); "
                    "netsim cannot evaluate them elsewhere",
                )
            )
        else:
            self.r.warnings.append(
                f"{where}: netsim resolves no domain names: this peer matches no traffic here "
                "(a real cluster would allow traffic to these names)"
            )
        return AdminPeer(domain_names=tuple(texts))

    def strings(self, value: object, path: str) -> list[str]:
        """A ``listType=set`` of 1-25 strings: duplicates are errors."""
        texts = [
            t if isinstance(t, str) else ""
            for t in (
                self.r.string(x, f"{path}[{i}]") for i, x in enumerate(self.items(value, path, 25))
            )
        ]
        for i, text in enumerate(texts):
            if text in texts[:i]:
                self.r.errors.append(v.duplicate(f"{path}[{i}]", text))
        return texts

    def number(
        self, value: object, path: str, low: int, high: int, required: bool = True
    ) -> int | None:
        """An int32 within [low, high] (``minimum``/``maximum``)."""
        if value is None:
            if required:
                self.r.errors.append(v.required(path))
            return None
        number = self.r.int32(value, path)
        if number is None:
            return None
        if number < low:
            self.r.errors.append(
                v.invalid(path, number, f"{path} in body should be greater than or equal to {low}")
            )
            return None
        if number > high:
            self.r.errors.append(
                v.invalid(path, number, f"{path} in body should be less than or equal to {high}")
            )
            return None
        return number

    def protocol(self, value: object, path: str) -> str:
        """A v1alpha1 ``protocol`` (default TCP); netsim models TCP, UDP and SCTP only."""
        text = self.r.string(value, path) or "TCP"
        if text not in _PROTOCOLS:
            self.r.errors.append(
                FieldError(
                    path,
                    f"Unsupported value: {v.go_quote(text)}: supported values: "
                    + ", ".join(v.go_quote(p) for p in _PROTOCOLS)
                    + " (the CRD accepts any string; netsim models these)",
                )
            )
        return text

    def port_v1(self, value: object, path: str) -> AdminPort | None:
        """A v1alpha1 ``ports`` entry: ``portNumber``, ``portRange`` or ``namedPort``."""
        raw = self.r.mapping(value, path, frozenset({"portNumber", "portRange", "namedPort"}))
        if raw is None:
            self.r.errors.append(_at_least(path, 0, 1, "properties"))
            return None
        keys = self.present(raw, path, ("portNumber", "portRange", "namedPort"))
        if len(keys) != 1:
            return None
        where = f"{path}.{keys[0]}"
        if keys == ["namedPort"]:
            name = self.r.string(raw["namedPort"], where)
            return AdminPort(None, named_port=name) if name else None
        if keys == ["portNumber"]:
            item = self.r.mapping(raw["portNumber"], where, frozenset({"protocol", "port"})) or {}
            protocol = self.protocol(item.get("protocol"), f"{where}.protocol")
            port = self.number(item.get("port"), f"{where}.port", 1, 65535)
            if port is None or protocol not in _PROTOCOLS:
                return None
            return AdminPort(cast(Any, protocol), port)
        item = (
            self.r.mapping(raw["portRange"], where, frozenset({"protocol", "start", "end"})) or {}
        )
        protocol = self.protocol(item.get("protocol"), f"{where}.protocol")
        start = self.number(item.get("start"), f"{where}.start", 1, 65535)
        end = self.number(item.get("end"), f"{where}.end", 1, 65535)
        if start is None or end is None or protocol not in _PROTOCOLS:
            return None
        if start > end:
            self.r.warnings.append(
                f"{where}: start {start} is greater than end {end}: the range matches no port "
                "(the v1alpha1 CRD does not reject it)"
            )
        return AdminPort(cast(Any, protocol), start, end)

    def port_v2(self, value: object, path: str) -> AdminPort | None:
        """A v1alpha2 ``protocols`` entry: ``tcp``/``udp``/``sctp`` or ``destinationNamedPort``."""
        fields = ("tcp", "udp", "sctp", "destinationNamedPort")
        raw = self.r.mapping(value, path, frozenset(fields))
        if raw is None:
            self.r.errors.append(_at_least(path, 0, 1, "properties"))
            return None
        keys = self.present(raw, path, fields)
        if len(keys) != 1:
            return None
        where = f"{path}.{keys[0]}"
        if keys == ["destinationNamedPort"]:
            name = self.r.string(raw["destinationNamedPort"], where)
            return AdminPort(None, named_port=name) if name else None
        protocol = keys[0].upper()
        item = self.r.mapping(raw[keys[0]], where, frozenset({"destinationPort"})) or {}
        if item.get("destinationPort") is None:
            self.r.errors.append(_at_least(where, 0, 1, "properties"))
            return None
        where += ".destinationPort"
        port = self.r.mapping(item["destinationPort"], where, frozenset({"number", "range"})) or {}
        kind = self.present(port, where, ("number", "range"))
        if kind == ["number"]:
            number = self.number(port["number"], f"{where}.number", 1, 65535)
            return AdminPort(cast(Any, protocol), number) if number is not None else None
        if kind != ["range"]:
            return None
        where += ".range"
        span = self.r.mapping(port["range"], where, frozenset({"start", "end"})) or {}
        start = self.number(span.get("start"), f"{where}.start", 1, 65535)
        end = self.number(span.get("end"), f"{where}.end", 1, 65535)
        if start is None or end is None:
            return None
        if not start < end:
            self.r.errors.append(_cel(where, "Start port must be less than End port"))
            return None
        return AdminPort(cast(Any, protocol), start, end)

    def rule(self, value: object, path: str, egress: bool) -> AdminRule | None:
        """One ingress or egress rule: name, action, peers, ports."""
        v2 = self.kind == "ClusterNetworkPolicy"
        peers_field = "to" if egress else "from"
        ports_field = "protocols" if v2 else "ports"
        raw = self.r.mapping(value, path, frozenset({"name", "action", peers_field, ports_field}))
        if raw is None:
            self.r.errors.append(v.required(f"{path}.action"))
            return None
        name = self.r.string(raw.get("name"), f"{path}.name") or ""
        if len(name) > 100:
            self.r.errors.append(FieldError(f"{path}.name", _too_long(100)))
        actions = {
            "AdminNetworkPolicy": ("Allow", "Deny", "Pass"),
            "BaselineAdminNetworkPolicy": ("Allow", "Deny"),
            "ClusterNetworkPolicy": ("Accept", "Deny", "Pass"),
        }[self.kind]
        action = self.r.string(raw.get("action"), f"{path}.action")
        if action is None:
            if raw.get("action") is None:
                self.r.errors.append(v.required(f"{path}.action"))
        elif action not in actions:
            self.r.errors.append(v.not_supported(f"{path}.action", action, actions))
        peers_path = f"{path}.{peers_field}"
        peers = [
            self.peer(p, f"{peers_path}[{i}]", egress, action or "")
            for i, p in enumerate(self.items(raw.get(peers_field), peers_path, self.max_rules))
        ]
        ports_path = f"{path}.{ports_field}"
        read = self.port_v2 if v2 else self.port_v1
        ports = [
            read(p, f"{ports_path}[{i}]")
            for i, p in enumerate(
                self.items(raw.get(ports_field), ports_path, self.max_rules, required=False)
            )
        ]
        good_peers = tuple(p for p in peers if p is not None)
        good_ports = tuple(p for p in ports if p is not None)
        no_names = any(p.networks or p.nodes is not None or p.domain_names for p in good_peers)
        if egress and no_names and any(p.named_port for p in good_ports):
            self.r.errors.append(_cel(path, NAMED_PORT_MESSAGES[self.kind]))
        if action not in actions:
            return None
        return AdminRule(cast(Any, action), good_peers, good_ports, name)

    def rules(self, value: object, path: str, egress: bool) -> tuple[AdminRule, ...]:
        """``spec.ingress`` or ``spec.egress`` (optional, at most 100 or 25 rules)."""
        items = self.items(value, path, self.max_rules, required=False, minimum=0)
        found = [self.rule(item, f"{path}[{i}]", egress) for i, item in enumerate(items)]
        return tuple(rule for rule in found if rule is not None)


def _too_long(maximum: int) -> str:
    return f"Too long: may not be more than {maximum} bytes"


# ------------------------------------------------------------- decoders
def _spec_fields(kind: str) -> frozenset[str]:
    if kind == "BaselineAdminNetworkPolicy":
        return frozenset({"subject", "ingress", "egress"})
    if kind == "ClusterNetworkPolicy":
        return frozenset({"tier", "priority", "subject", "ingress", "egress"})
    return frozenset({"priority", "subject", "ingress", "egress"})


def decode_cluster_policy(
    r: _Reader, top: dict[str, Any], meta: _Meta, api_version: str, origin: Origin, base: str
) -> Decoded:
    """Decode and validate one AdminNetworkPolicy, BaselineAdminNetworkPolicy or CNP."""
    kind = cast(ClusterPolicyKind, top["kind"])
    reader = _Policy(r, kind)
    path = _prefix(base, "spec")
    spec = r.mapping(top.get("spec"), path, _spec_fields(kind))
    if spec is None:
        if top.get("spec") is None:
            r.errors.append(v.required(path))
        spec = {}
    tier = "Baseline" if kind == "BaselineAdminNetworkPolicy" else "Admin"
    if kind == "ClusterNetworkPolicy":
        text = r.string(spec.get("tier"), f"{path}.tier")
        if text is None:
            if spec.get("tier") is None:
                r.errors.append(v.required(f"{path}.tier"))
        elif text not in ("Admin", "Baseline"):
            r.errors.append(v.not_supported(f"{path}.tier", text, ("Admin", "Baseline")))
        else:
            tier = text
    priority = None
    if kind != "BaselineAdminNetworkPolicy":
        priority = reader.number(spec.get("priority"), f"{path}.priority", 0, 1000)
    elif meta.name != BASELINE_NAME:
        r.errors.append(_cel(_prefix(base, "metadata.name"), BASELINE_NAME_MESSAGE))
    policy = ClusterPolicy(
        kind=kind,
        name=meta.name,
        tier=cast(Any, tier),
        subject=reader.subject(spec.get("subject"), f"{path}.subject"),
        priority=priority,
        ingress=reader.rules(spec.get("ingress"), f"{path}.ingress", egress=False),
        egress=reader.rules(spec.get("egress"), f"{path}.egress", egress=True),
        labels=tuple(sorted(meta.labels.items())),
        api_version=api_version,
    )
    return _result(r, origin, base, kind, meta, (policy,))


DECODERS = {
    "AdminNetworkPolicy": decode_cluster_policy,
    "BaselineAdminNetworkPolicy": decode_cluster_policy,
    "ClusterNetworkPolicy": decode_cluster_policy,
}
"""The decoders :mod:`netsim.model.manifest` dispatches these kinds to."""

SERVED_VERSIONS: dict[str, tuple[str, ...]] = {
    "AdminNetworkPolicy": (ADMIN_API,),
    "BaselineAdminNetworkPolicy": (ADMIN_API,),
    "ClusterNetworkPolicy": (CLUSTER_API,),
}
"""The apiVersion serving each kind."""

_DECODERS.update(DECODERS)
