"""Lint checks that read the policies alone (no pods or namespaces needed)."""

from __future__ import annotations

from collections.abc import Iterator

from netsim.addr import Prefix, parse_ip
from netsim.insight.lint import Hit
from netsim.insight.lintinput import LintInput, duplicates
from netsim.insight.lintrules import RuleAt, peers, rules
from netsim.insight.space import DIRECTIONS
from netsim.model.netpol import Direction, PolicyPeer, PolicyPort, PolicyRule
from netsim.policy.profile import UPSTREAM
from netsim.policy.reference import port_matches

DNS_PORT = 53


def _admits(rule: PolicyRule, protocol: str, port: int) -> bool:
    """Whether a rule's ports admit (protocol, port) (empty ports: every port)."""
    return not rule.ports or any(
        port_matches(p, protocol, port, None, UPSTREAM) for p in rule.ports
    )


def dns_protocols(data: LintInput) -> Iterator[Hit]:
    """NP002: ``port: 53`` with no protocol (TCP only), or UDP 53 open and TCP 53 not."""
    for at in rules(data):
        if at.direction != "egress":
            continue
        for k in range(len(at.rule.ports)):
            raw = at.written.raw_at(f"{at.path}.ports[{k}]")
            if isinstance(raw, dict) and str(raw.get("port")) == "53" and "protocol" not in raw:
                yield Hit(
                    at.policy.key,
                    f"{at.path}.ports[{k}]",
                    "port 53 without a protocol is TCP 53 only; DNS queries go over UDP 53: "
                    "add an entry with protocol: UDP",
                )
    for policy, _ in data.policies:
        if not policy.isolates_egress:
            continue
        udp = [i for i, r in enumerate(policy.egress) if _admits(r, "UDP", DNS_PORT)]
        tcp = [i for i, r in enumerate(policy.egress) if _admits(r, "TCP", DNS_PORT)]
        if udp and not tcp:
            yield Hit(
                policy.key,
                f"spec.egress[{udp[0]}]",
                "UDP 53 is allowed but no egress rule of this policy allows TCP 53: DNS "
                "answers too large for UDP (truncated, retried over TCP) will fail",
            )


def _ignored_rules(data: LintInput, direction: Direction) -> Iterator[Hit]:
    """Rules of ``direction`` in a policy whose policyTypes lacks it (they do nothing)."""
    kind = direction.capitalize()
    for policy, _ in data.policies:
        found = policy.rules(direction)
        if found and not policy.isolates(direction):
            yield Hit(
                policy.key,
                "spec.policyTypes",
                f"{len(found)} {direction} rule(s) are ignored: policyTypes lacks {kind}; "
                f"add {kind} to policyTypes",
            )


def ignored_egress(data: LintInput) -> Iterator[Hit]:
    """NP006: egress rules present but policyTypes lacks Egress (the rules do nothing)."""
    return _ignored_rules(data, "egress")


def ignored_ingress(data: LintInput) -> Iterator[Hit]:
    """NP007: ingress rules present but policyTypes lacks Ingress."""
    return _ignored_rules(data, "ingress")


def stray_ports_rule(data: LintInput) -> Iterator[Hit]:
    """NP010: a rule with ports and no peers beside rules with peers (a stray ``-``)."""
    for policy, _ in data.policies:
        for direction in DIRECTIONS:
            found = policy.rules(direction)
            if not any(r.peers for r in found):
                continue
            for i, rule in enumerate(found):
                if not rule.peers and rule.ports:
                    field = "from" if direction == "ingress" else "to"
                    yield Hit(
                        policy.key,
                        f"spec.{direction}[{i}]",
                        f"this rule has ports and no {field}: it admits every "
                        f"{'source' if direction == 'ingress' else 'destination'} on those "
                        f"ports, beside rules that name peers; if the ports belong to the rule "
                        f"above, remove the '-' before ports",
                    )


def _block_hits_services(data: LintInput, cidr: Prefix, peer: PolicyPeer) -> tuple[bool, list[str]]:
    service_range = data.cluster.service_cidr
    block = peer.ip_block
    assert block is not None
    inside = cidr.version == service_range.version and service_range.contains(cidr)
    hits = []
    for key, svc in sorted(data.cluster.services.items()):
        if svc.cluster_ip and svc.cluster_ip != "None":
            version, value = parse_ip(svc.cluster_ip)
            if block.contains_ip(version, value):
                hits.append(f"{key} ({svc.cluster_ip})")
    return inside, hits


def service_range_block(data: LintInput) -> Iterator[Hit]:
    """NP012: an ipBlock inside the Service range, or naming ClusterIPs (DNAT happens first)."""
    service_range = data.cluster.service_cidr
    for at, j, peer in peers(data):
        if peer.ip_block is None:
            continue
        cidr = peer.ip_block.cidr
        covers_range = cidr.version == service_range.version and cidr.contains(service_range)
        inside, hits = _block_hits_services(data, cidr, peer)
        if inside or (hits and not covers_range):
            what = ", ".join(hits) if hits else f"the Service range {service_range}"
            yield Hit(
                at.policy.key,
                f"{at.peer_path(j)}.ipBlock",
                f"ipBlock {cidr} covers {what}: policy sees the backend pod after Service DNAT, "
                "never the ClusterIP, so this never matches Service traffic; select the "
                "backend pods instead",
            )


def _port_within(a: PolicyPort, b: PolicyPort) -> bool:
    if a.protocol != b.protocol:
        return False
    if b.port is None:
        return True
    if a.port is None:
        return False
    if isinstance(a.port, str) or isinstance(b.port, str):
        return a.port == b.port and (a.end_port is None and b.end_port is None)
    a_last = a.end_port or a.port
    b_last = b.end_port or b.port
    return b.port <= a.port and a_last <= b_last


def rule_within(a: PolicyRule, b: PolicyRule) -> bool:
    """Whether every connection rule ``a`` admits, ``b`` admits too (read from the fields:
    ``b``'s peers hold each of ``a``'s, ``b``'s ports cover each of ``a``'s)."""
    if b.peers and (not a.peers or any(p not in b.peers for p in a.peers)):
        return False
    if not b.ports:
        return True
    return bool(a.ports) and all(any(_port_within(p, q) for q in b.ports) for p in a.ports)


def contained_rule(data: LintInput) -> Iterator[Hit]:
    """NP015: a rule contained in another rule of the same policy and direction."""
    for policy, _ in data.policies:
        for direction in DIRECTIONS:
            found = policy.rules(direction)
            for i, a in enumerate(found):
                for k, b in enumerate(found):
                    if i == k or not rule_within(a, b):
                        continue
                    if a == b and i < k:
                        continue  # identical rules: report the later one only
                    yield Hit(
                        policy.key,
                        f"spec.{direction}[{i}]",
                        f"{direction} rule {i} is redundant: it is contained in {direction} "
                        f"rule {k} of this policy",
                    )
                    break


def _allow_all(at: RuleAt, j: int, peer: PolicyPeer) -> str | None:
    if peer.ip_block is not None:
        cidr = peer.ip_block.cidr
        if cidr.length == 0 and not peer.ip_block.except_:
            return f"ipBlock {cidr} matches every address"
        return None
    ns, pod = peer.namespace_selector, peer.pod_selector
    if ns is not None and ns.is_empty and (pod is None or pod.is_empty):
        return "an empty namespaceSelector with no podSelector selects every pod of every namespace"
    return None


def allow_all_peers(data: LintInput) -> Iterator[Hit]:
    """NP017: a rule with no peers, a lone ``namespaceSelector: {}``, or ``0.0.0.0/0``."""
    for at in rules(data):
        if not at.rule.peers:
            whom = "every source" if at.direction == "ingress" else "every destination"
            on = "on every port" if not at.rule.ports else "on its ports"
            yield Hit(
                at.policy.key,
                at.path,
                f"this rule has no {at.peers_field}: it allows {whom}, inside and outside "
                f"the cluster, {on}",
            )
            continue
        for j, peer in enumerate(at.rule.peers):
            why = _allow_all(at, j, peer)
            if why is not None:
                yield Hit(at.policy.key, at.peer_path(j), why)


def duplicate_objects(data: LintInput) -> Iterator[Hit]:
    """NP019: an object defined twice (kind, namespace and name); the first one is used."""
    for first, later in duplicates(data.written):
        kind, namespace, name = later.key
        key = f"{namespace}/{name}" if namespace else name
        policy = key if kind == "NetworkPolicy" else None
        path = "metadata.name" if policy else None
        yield Hit(
            policy,
            path,
            f"{kind} {key} is defined twice: {first.origin} and {later.origin} "
            "(kubectl apply keeps the last, create fails; lint used the first)",
        )
