"""The misconception catalogue and the detectors that name one for a failed check.

The catalogue is documented for teachers in ``netsim/labs/README.md``.

:data:`CATALOGUE` holds the sixteen misconceptions learners of NetworkPolicy
are known to have, each with a hint to act on and a public documentation or
evidence URL. :func:`detect` looks at what one failed check saw
(:class:`Evidence`: want/got, the flow, the explain engine's verdict, the
answer's raw manifests and the cluster after the answer) and returns the
misconception it shows, or None. The detectors are pattern rules, one
function per misconception, tried most specific first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from netsim.addr import Prefix, parse_ip
from netsim.errors import NetsimError
from netsim.model.cluster import Cluster
from netsim.model.labels import NAMESPACE_NAME_LABEL, LabelSelector
from netsim.model.netpol import (
    Direction,
    IPBlock,
    NetworkPolicy,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
)
from netsim.model.objects import Pod, ServicePort
from netsim.policy.endpoint import Endpoint, pod_endpoint, resolve
from netsim.policy.engine import PolicyEngine
from netsim.policy.explain import Explanation, SideExplanation, explain_all
from netsim.policy.profile import UPSTREAM, Profile
from netsim.policy.reference import isolating_policies, peer_matches, policy_selects, side_decision
from netsim.policy.verdict import RuleRef
from netsim.sim.dns import dns_objects

DOCS = "https://kubernetes.io/docs/concepts/services-networking/network-policies/"
API_DOCS = "https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/"


@dataclass(frozen=True, slots=True)
class Misconception:
    """One catalogue entry: a stable id, a short title, a hint to act on, a URL to read."""

    id: str
    title: str
    hint: str
    url: str


_ENTRIES = (
    Misconception(
        "cni-enforces",
        "The network plugin enforces nothing",
        "NetworkPolicy objects are only enforced by a plugin that supports them: on a "
        "non-enforcing CNI (flannel) every policy is accepted and ignored. Use an enforcing "
        "profile (calico) before debugging the policy itself.",
        DOCS + "#prerequisites",
    ),
    Misconception(
        "policy-selects-target",
        "spec.podSelector picks the protected pod",
        "spec.podSelector chooses the pods the policy protects (the server for ingress); "
        "the clients go in the from/to peers. Check which pod your podSelector and your "
        "labels really select.",
        DOCS + "#the-networkpolicy-resource",
    ),
    Misconception(
        "empty-vs-absent",
        "{} and [] are not the same as absent",
        "`ingress: [{}]` and a rule without `from` allow everything; `ingress: []` allows "
        "nothing; `podSelector: {}` selects every pod of the namespace. Write the selector "
        "or list you mean instead of an empty one.",
        DOCS + "#default-policies",
    ),
    Misconception(
        "podselector-same-ns",
        "A bare podSelector stays in the policy's namespace",
        "A peer with only podSelector matches pods of the policy's own namespace. To admit "
        "pods of another namespace, put a namespaceSelector in the same peer.",
        DOCS + "#behavior-of-to-and-from-selectors",
    ),
    Misconception(
        "pod-vs-namespace-labels",
        "podSelector reads pod labels, not namespace labels",
        "A podSelector peer matches the labels of the pods themselves; labelling their "
        "namespace changes nothing for it. Label the pods, or select the namespace with a "
        "namespaceSelector.",
        DOCS + "#behavior-of-to-and-from-selectors",
    ),
    Misconception(
        "ns-by-name",
        "Namespaces are selected by labels, not by name",
        "A namespaceSelector matches namespace labels; `name: x` matches nothing unless "
        "someone set that label. Select by name with `kubernetes.io/metadata.name: x`.",
        DOCS + "#targeting-a-namespace-by-its-name",
    ),
    Misconception(
        "selector-and-or",
        "One peer with two selectors (AND) vs two peers (OR)",
        "namespaceSelector and podSelector in one list item must BOTH match; as two items "
        "(two '-') EITHER matches. Add or delete the '-' so the peer means what you want.",
        DOCS + "#behavior-of-to-and-from-selectors",
    ),
    Misconception(
        "rule-combination",
        "A rule is its peers AND its ports",
        "Inside one rule every peer gets every port; a '- ports:' line of its own starts a "
        "new rule that allows those ports from anywhere. Keep from/to and ports in one list "
        "item, and use one rule per peer-port pairing you want.",
        API_DOCS + "#NetworkPolicySpec",
    ),
    Misconception(
        "rule-without-ports",
        "A rule without ports allows every port",
        "A rule with peers but no `ports` admits those peers on every port and protocol, "
        "not only the one the pod serves. List the ports (and protocols) you mean under "
        "the same rule.",
        API_DOCS + "#NetworkPolicySpec",
    ),
    Misconception(
        "service-vs-pod-port",
        "Policy ports are pod ports, not Service ports",
        "The policy sees the packet after the Service has translated it: write the pod's "
        "containerPort (the Service's targetPort), not the Service's port.",
        "https://github.com/kubernetes/website/issues/8295",
    ),
    Misconception(
        "named-port",
        "A named port resolves on the destination pod",
        "A port name is looked up in the containerPorts of the destination pod (with the "
        "same protocol). Use a name that pod declares, or the number.",
        "https://github.com/kubernetes/kubernetes/issues/99256",
    ),
    Misconception(
        "dns-egress",
        "Egress isolation also blocks DNS",
        "Once a pod is egress-isolated, its DNS lookups to kube-dns are blocked too "
        "('bad address'). Add an egress rule allowing UDP and TCP 53 to the kube-dns pods.",
        "https://github.com/kubernetes/website/issues/38267",
    ),
    Misconception(
        "policytypes-default",
        "Without policyTypes a policy also isolates ingress",
        "Without policyTypes a policy is always Ingress (plus Egress if it has egress "
        "rules), and egress rules are ignored unless Egress is in policyTypes. List "
        "policyTypes explicitly.",
        "https://github.com/kubernetes/website/issues/24582",
    ),
    Misconception(
        "both-ends",
        "Both ends of a connection must allow it",
        "The client's egress and the server's ingress are checked separately: when both "
        "pods are isolated, a rule on the server side is not enough. Add the matching "
        "egress rule to a policy selecting the client (or the ingress rule on the server).",
        DOCS + "#the-two-sorts-of-pod-isolation",
    ),
    Misconception(
        "additive-no-deny",
        "Policies only add allows",
        "There are no deny rules and no order: a connection passes if any policy selecting "
        "the pod allows it. Narrow the policy that allows too much (or use ipBlock except) "
        "instead of adding another policy.",
        DOCS + "#the-two-sorts-of-pod-isolation",
    ),
    Misconception(
        "ipblock-pod-ip",
        "ipBlock is for addresses outside the cluster",
        "Pod IPs change when pods are recreated and some plugins never match pod IPs with "
        "ipBlock: select pods with podSelector/namespaceSelector, keep ipBlock for external "
        "addresses.",
        DOCS + "#behavior-of-to-and-from-selectors",
    ),
)

CATALOGUE: Mapping[str, Misconception] = MappingProxyType({m.id: m for m in _ENTRIES})
"""Every misconception of the catalogue by id, in the catalogue's order."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """What one failed check saw, for the detectors."""

    check_id: str
    kind: str  # reach | forbid | matrix | exec | unchanged
    want: str  # allow | deny | (exec/matrix: expected text)
    got: str
    src: str = ""  # ns/pod or IP
    dst: str = ""  # ns/pod, svc:ns/name or IP
    protocol: str = "TCP"
    port: int | None = None
    explanation: Explanation | None = None
    output: str = ""  # exec: what the command printed
    answer: tuple[Mapping[str, Any], ...] = ()  # the answer's manifests as parsed dicts
    cluster: Cluster | None = None  # the cluster after the answer was applied
    profile: Profile | None = None


# ---------------------------------------------------------------- the facts
_VERDICTS = {"allow": "allow", "allowed": "allow", ".": "allow", "true": "allow"}
_VERDICTS |= {"deny": "deny", "denied": "deny", "x": "deny", "false": "deny"}


@dataclass(frozen=True, slots=True)
class Facts:
    """Evidence with what the detectors derive from it (explanation, pods, raw policies)."""

    evidence: Evidence
    cluster: Cluster
    profile: Profile
    explanation: Explanation | None
    docs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def wrongly_denied(self) -> bool:
        """The check wanted the flow allowed and it was denied."""
        return _verdict(self.evidence.want) == "allow" and _verdict(self.evidence.got) == "deny"

    @property
    def wrongly_allowed(self) -> bool:
        """The check wanted the flow denied and it was allowed."""
        return _verdict(self.evidence.want) == "deny" and _verdict(self.evidence.got) == "allow"

    @property
    def sides(self) -> tuple[SideExplanation, ...]:
        """Both enforcement points, egress first; empty without an explanation."""
        e = self.explanation
        return () if e is None else (e.egress, e.ingress)

    def pod(self, key: str) -> Pod | None:
        """The pod ``ns/name`` of the cluster, or None."""
        return self.cluster.pods.get(key)

    @property
    def src_pod(self) -> Pod | None:
        """The source pod of the flow, if it is one."""
        e = self.explanation
        return self.pod(e.src if e else self.evidence.src)

    @property
    def dst_pod(self) -> Pod | None:
        """The destination pod (the backend for a Service), if it is one."""
        e = self.explanation
        return self.pod(e.dst if e else self.evidence.dst)

    @property
    def pod_port(self) -> int | None:
        """The destination port after DNAT (the pod's port)."""
        e = self.explanation
        return e.port if e else self.evidence.port

    def endpoint(self, direction: Direction, remote: bool) -> Endpoint | None:
        """The subject (``remote=False``) or remote end of one enforcement point."""
        e = self.explanation
        if e is None:
            return None
        ingress_side = direction == "ingress"
        text = e.src if ingress_side == remote else e.dst
        try:
            return resolve(self.cluster, text, self.profile)
        except NetsimError:
            return None

    def policies(self, keys: tuple[str, ...]) -> list[NetworkPolicy]:
        """The cluster's policies among ``keys``, in key order."""
        return [self.cluster.policies[k] for k in sorted(keys) if k in self.cluster.policies]


def _verdict(text: str) -> str | None:
    return _VERDICTS.get(text.strip().lower())


def _answer_policies(answer: tuple[Mapping[str, Any], ...]) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for doc in answer:
        if not isinstance(doc, Mapping) or doc.get("kind") != "NetworkPolicy":
            continue
        meta = doc.get("metadata")
        if isinstance(meta, Mapping) and meta.get("name"):
            out[f"{meta.get('namespace') or 'default'}/{meta['name']}"] = doc
    return out


def _explanation(evidence: Evidence, cluster: Cluster, profile: Profile) -> Explanation | None:
    if evidence.explanation is not None:
        return evidence.explanation
    if not (evidence.src and evidence.dst and evidence.port is not None):
        return None
    engine = PolicyEngine(cluster, profile)
    try:
        found = explain_all(engine, evidence.src, evidence.dst, evidence.protocol, evidence.port)
    except NetsimError:
        return None
    finally:
        engine.close()
    return found[0] if found else None


def facts(evidence: Evidence) -> Facts:
    """Derive the detectors' facts; computes the explanation when the evidence has none."""
    cluster = evidence.cluster if evidence.cluster is not None else Cluster()
    profile = evidence.profile or UPSTREAM
    return Facts(
        evidence,
        cluster,
        profile,
        _explanation(evidence, cluster, profile),
        MappingProxyType(_answer_policies(evidence.answer)),
    )


# ----------------------------------------------------------------- helpers
def _denied_sides(f: Facts) -> list[SideExplanation]:
    if not f.wrongly_denied:
        return []
    return [s for s in f.sides if not s.decision.allowed]


def _admitting(f: Facts) -> list[tuple[NetworkPolicy, RuleRef, PolicyRule]]:
    """The rules that allowed a wrongly allowed flow: (policy, ref, rule)."""
    if not f.wrongly_allowed:
        return []
    out = []
    for side in f.sides:
        ref = side.decision.rule
        if side.decision.reason != "rule" or ref is None or ref.policy not in f.cluster.policies:
            continue
        policy = f.cluster.policies[ref.policy]
        rules = policy.rules(ref.direction)
        if ref.rule < len(rules):
            out.append((policy, ref, rules[ref.rule]))
    return out


def _isolating_rules(
    f: Facts, side: SideExplanation
) -> Iterator[tuple[NetworkPolicy, int, PolicyRule]]:
    for policy in f.policies(side.isolating):
        for i, rule in enumerate(policy.rules(side.direction)):
            yield policy, i, rule


def _peer_ok(f: Facts, policy: NetworkPolicy, rule: PolicyRule, remote: Endpoint | None) -> bool:
    """The rule's peers admit the remote end (or the rule has none)."""
    if not rule.peers:
        return True
    return remote is not None and any(
        peer_matches(f.cluster, policy, p, remote, f.profile) for p in rule.peers
    )


def _raw_rule(f: Facts, ref: RuleRef) -> Mapping[str, Any] | None:
    doc = f.docs.get(ref.policy)
    spec = doc.get("spec") if doc else None
    rules = spec.get(ref.direction) if isinstance(spec, Mapping) else None
    rule = rules[ref.rule] if isinstance(rules, list) and ref.rule < len(rules) else None
    return rule if isinstance(rule, Mapping) else None


def _peers_key(direction: Direction) -> str:
    return "from" if direction == "ingress" else "to"


def _selector_only(peer: PolicyPeer) -> str:
    """``ns`` for a namespaceSelector-only peer, ``pod`` for podSelector-only, else ``""``."""
    if peer.ip_block is not None:
        return ""
    if peer.namespace_selector is not None and peer.pod_selector is None:
        return "ns"
    if peer.pod_selector is not None and peer.namespace_selector is None:
        return "pod"
    return ""


def _selector_values(selector: LabelSelector) -> list[tuple[str, str]]:
    pairs = list(selector.match_labels)
    pairs += [(r.key, v) for r in selector.match_expressions for v in r.values]
    return pairs


def _targets_pods(cluster: Cluster, cidr: Prefix) -> bool:
    """The CIDR is a pod address (a host prefix of one) or lies inside a node's pod CIDR."""
    if any(n.pod_cidr.contains(cidr) for n in cluster.nodes.values()):
        return True
    return cidr.length == cidr.bits and any(
        p.ip and not p.host_network and parse_ip(p.ip) == (cidr.version, cidr.network)
        for p in cluster.pods.values()
    )


# ---------------------------------------------------------------- detectors
def cni_enforces(f: Facts) -> bool:
    """The profile enforces no NetworkPolicy (flannel): every failure starts there."""
    if not f.profile.enforce:
        return True
    return any(s.decision.reason == "not-enforced" for s in f.sides)


def _dns_endpoint(cluster: Cluster, profile: Profile) -> Endpoint:
    found = [
        p for p in cluster.pods_in("kube-system") if p.labels.get("k8s-app") == "kube-dns" and p.ip
    ]
    if found:
        return pod_endpoint(cluster, found[0], profile)
    # no DNS pod in the model: the one a kubeadm cluster has, at an address no ipBlock but /0 holds
    return Endpoint("pod", "0.0.0.0", 4, 0, dns_objects(cluster)[0])


def dns_egress(f: Facts) -> bool:
    """`bad address` (or a denied port-53 flow) from an egress-isolated pod, DNS not allowed."""
    e = f.evidence
    bad_address = e.kind == "exec" and "bad address" in e.output
    denied_53 = e.port == 53 and any(s.direction == "egress" for s in _denied_sides(f))
    if not (bad_address or denied_53):
        return False
    src = f.pod(e.src) if e.src else f.src_pod
    if src is None or not isolating_policies(f.cluster, src, "egress", f.profile):
        return False
    source = pod_endpoint(f.cluster, src, f.profile)
    dns = _dns_endpoint(f.cluster, f.profile)
    protocol = e.protocol if denied_53 else "UDP"
    return not side_decision(f.cluster, "egress", source, dns, protocol, 53, f.profile).allowed


def ipblock_pod_ip(f: Facts) -> bool:
    """An ipBlock aimed at pod addresses wrongly allowed a pod, or sits in a denying policy."""
    for _, ref, rule in _admitting(f):
        remote = f.endpoint(ref.direction, remote=True)
        block = rule.peers[ref.peer].ip_block if ref.peer is not None else None
        if block is None or remote is None or remote.kind != "pod":
            continue
        if _targets_pods(f.cluster, block.cidr):
            return True
    for side in _denied_sides(f):
        remote = f.endpoint(side.direction, remote=True)
        for _, _, rule in _isolating_rules(f, side):
            for peer in rule.peers:
                if peer.ip_block is not None and _targets_pods(f.cluster, peer.ip_block.cidr):
                    return True
                if peer.ip_block is not None and _covers_unmatched_pod(f, peer.ip_block, remote):
                    return True
    return False


def _covers_unmatched_pod(f: Facts, block: IPBlock, remote: Endpoint | None) -> bool:
    """The block holds the remote pod's address, which the plugin never matches by ipBlock."""
    if f.profile.ipblock_matches_pod_ips or remote is None or remote.kind != "pod":
        return False
    return block.contains_ip(remote.version, remote.value)


def _ports_of_admitting_rules(f: Facts) -> Iterator[PolicyPort]:
    """The ports of the rules, on a denying side, whose peers admit the remote end: the
    rules that missed on their port alone."""
    for side in _denied_sides(f):
        remote = f.endpoint(side.direction, remote=True)
        for policy, _, rule in _isolating_rules(f, side):
            if _peer_ok(f, policy, rule, remote):
                yield from rule.ports


def named_port(f: Facts) -> bool:
    """A rule admitting the remote end names a port the destination pod does not declare."""
    dst = f.dst_pod
    if dst is None:
        return False
    return any(
        isinstance(port.port, str) and dst.named_port(port.port, port.protocol) is None
        for port in _ports_of_admitting_rules(f)
    )


def target_port_on(pod: Pod, service_port: ServicePort) -> int | None:
    """The pod port a Service port reaches on ``pod`` (a named targetPort resolved), or None."""
    target = service_port.target_port
    return pod.named_port(target, service_port.protocol) if isinstance(target, str) else target


def _service_port_of(f: Facts, pod: Pod, service_port: int, pod_port: int) -> bool:
    """Some Service backed by ``pod`` has ``port: service_port`` reaching ``pod_port``."""
    for service in f.cluster.services.values():
        if service.namespace != pod.namespace or pod not in f.cluster.endpoints(service):
            continue
        for sp in service.ports:
            resolved = target_port_on(pod, sp)
            if sp.port == service_port and resolved == pod_port and sp.port != pod_port:
                return True
    return False


def _only_a_service_port(f: Facts, pod: Pod, port: int) -> bool:
    """``port`` is the ``port`` of a Service backed by ``pod`` that sends it elsewhere."""
    for service in f.cluster.services.values():
        if service.namespace != pod.namespace or pod not in f.cluster.endpoints(service):
            continue
        for sp in service.ports:
            if sp.port == port and target_port_on(pod, sp) not in (None, port):
                return True
    return False


def service_vs_pod_port(f: Facts) -> bool:
    """A policy port equals a Service `port` whose targetPort on the pod is the flow's port,
    or a listed Service port opened that port on the pod itself."""
    dst, pod_port = f.dst_pod, f.pod_port
    if dst is None or pod_port is None:
        return False
    if any(
        isinstance(port.port, int) and _service_port_of(f, dst, port.port, pod_port)
        for port in _ports_of_admitting_rules(f)
    ):
        return True
    return any(
        ref.port is not None
        and rule.ports[ref.port].port == pod_port
        and _only_a_service_port(f, dst, pod_port)
        for _, ref, rule in _admitting(f)
    )


def _serves(pod: Pod, protocol: str, port: int) -> bool:
    """The pod declares ``port``/``protocol`` among its containerPorts."""
    return any(cp.port == port and cp.protocol == protocol for cp in pod.container_ports)


def rule_without_ports(f: Facts) -> bool:
    """A rule with peers and no ports admitted a port the destination pod does not serve."""
    dst, pod_port, e = f.dst_pod, f.pod_port, f.explanation
    if dst is None or pod_port is None or e is None or _serves(dst, e.protocol, pod_port):
        return False
    return any(rule.peers and not rule.ports for _, _, rule in _admitting(f))


def _names_a_namespace(cluster: Cluster, selector: LabelSelector) -> bool:
    names = set(cluster.namespaces)
    for key, value in _selector_values(selector):
        if key != NAMESPACE_NAME_LABEL and (value in names or key in ("name", "namespace")):
            return True
    return False


def _matches_no_namespace(cluster: Cluster, selector: LabelSelector) -> bool:
    return not any(selector.matches(ns.labels) for ns in cluster.namespaces.values())


def ns_by_name(f: Facts) -> bool:
    """A namespaceSelector of a denying policy matches no namespace and keys on a name."""
    for side in _denied_sides(f):
        for _, _, rule in _isolating_rules(f, side):
            for peer in rule.peers:
                sel = peer.namespace_selector
                if sel is None or not _matches_no_namespace(f.cluster, sel):
                    continue
                if _names_a_namespace(f.cluster, sel):
                    return True
    return False


def _isolates_ingress_by_default(doc: Mapping[str, Any] | None) -> bool:
    spec = doc.get("spec") if doc else None
    if not isinstance(spec, Mapping) or "policyTypes" in spec:
        return False
    return bool(spec.get("egress")) and not spec.get("ingress")


def policytypes_default(f: Facts) -> bool:
    """An egress-only policy without policyTypes isolates ingress, or [Ingress] ignores egress."""
    for side in _denied_sides(f):
        if side.direction != "ingress":
            continue
        if any(_isolates_ingress_by_default(f.docs.get(k)) for k in side.isolating):
            return True
    if not f.wrongly_allowed:
        return False
    for side in f.sides:
        if side.direction != "egress" or side.decision.reason != "not-isolated":
            continue
        for policy in f.policies(side.selecting):
            if policy.egress and not policy.isolates_egress:
                return True
    return False


def _swapped_policy(f: Facts, direction: Direction, subject: Pod, other: Pod) -> bool:
    """A policy with rules selects ``other`` (not ``subject``) and its peers match ``subject``."""
    target = pod_endpoint(f.cluster, subject, f.profile)
    for policy in f.policies(tuple(f.cluster.policies)):
        if not policy.rules(direction) or policy_selects(policy, subject, f.profile):
            continue
        if not policy_selects(policy, other, f.profile):
            continue
        for rule in policy.rules(direction):
            if any(peer_matches(f.cluster, policy, p, target, f.profile) for p in rule.peers):
                return True
    return False


def _peer_matches_subject_only(f: Facts, side: SideExplanation) -> bool:
    """A peer selector admits the protected pod itself, not the remote end (wrong pod labelled)."""
    subject = f.endpoint(side.direction, remote=False)
    remote = f.endpoint(side.direction, remote=True)
    if subject is None or remote is None or remote.kind != "pod":
        return False
    for policy, _, rule in _isolating_rules(f, side):
        for peer in rule.peers:
            if peer.pod_selector is None or peer.pod_selector.is_empty:
                continue
            if peer_matches(f.cluster, policy, peer, subject, f.profile) and not peer_matches(
                f.cluster, policy, peer, remote, f.profile
            ):
                return True
    return False


def _remote_made_a_subject(f: Facts, side: SideExplanation) -> bool:
    """The remote pod is itself picked by the (labelled) podSelector of a policy isolating
    the subject, whose peers do not admit it: it was given the protected pods' labels."""
    remote = f.endpoint(side.direction, remote=True)
    if remote is None or remote.pod is None:
        return False
    for policy in f.policies(side.isolating):
        if policy.pod_selector.is_empty or not policy.rules(side.direction):
            continue
        if not policy_selects(policy, remote.pod, f.profile):
            continue
        if not any(_peer_ok(f, policy, rule, remote) for rule in policy.rules(side.direction)):
            return True
    return False


def policy_selects_target(f: Facts) -> bool:
    """The policy's podSelector picks the client (its peers pick the server), labels swapped,
    or the client given the protected pods' labels."""
    src, dst = f.src_pod, f.dst_pod
    if src is None or dst is None:
        return False
    for side in _denied_sides(f):
        subject, other = (dst, src) if side.direction == "ingress" else (src, dst)
        if _swapped_policy(f, side.direction, subject, other):
            return True
        if _peer_matches_subject_only(f, side) or _remote_made_a_subject(f, side):
            return True
    if f.wrongly_allowed:
        for side in f.sides:
            if side.decision.reason != "not-isolated":
                continue
            subject = dst if side.direction == "ingress" else src
            if any(
                _swapped_policy(f, side.direction, subject, p)
                for p in f.cluster.pods_in(subject.namespace)
                if p.key != subject.key
            ):
                return True
    return False


def podselector_same_ns(f: Facts) -> bool:
    """A podSelector-only peer matches the remote pod's labels but it lives in another namespace."""
    for side in _denied_sides(f):
        remote = f.endpoint(side.direction, remote=True)
        if remote is None or remote.pod is None:
            continue
        pod = remote.pod
        for policy, _, rule in _isolating_rules(f, side):
            for peer in rule.peers:
                if _selector_only(peer) != "pod" or pod.namespace == policy.namespace:
                    continue
                if peer.pod_selector is not None and peer.pod_selector.matches(pod.labels):
                    return True
    return False


def pod_vs_namespace_labels(f: Facts) -> bool:
    """A podSelector-only peer fails on the remote pod's labels but matches its namespace's
    labels or keys on the namespace-name label, which pods do not carry."""
    for side in _denied_sides(f):
        remote = f.endpoint(side.direction, remote=True)
        if remote is None or remote.pod is None:
            continue
        pod = remote.pod
        namespace_labels = f.cluster.namespace_labels(pod.namespace)
        for _, _, rule in _isolating_rules(f, side):
            for peer in rule.peers:
                selector = peer.pod_selector
                if _selector_only(peer) != "pod" or selector is None or selector.is_empty:
                    continue
                if selector.matches(pod.labels):
                    continue
                keys = {key for key, _ in _selector_values(selector)}
                if NAMESPACE_NAME_LABEL in keys or selector.matches(namespace_labels):
                    return True
    return False


def both_ends(f: Facts) -> bool:
    """One end denied while the other end's rule allowed the flow: half of the pair written."""
    denied = _denied_sides(f)
    if len(denied) != 1:
        return False
    return any(s is not denied[0] and s.decision.reason == "rule" for s in f.sides)


def _half_matching_peer(f: Facts, policy: NetworkPolicy, peer: PolicyPeer, pod: Pod) -> bool:
    """A peer with both selectors of which exactly one matches ``pod``."""
    if peer.namespace_selector is None or peer.pod_selector is None:
        return False
    ns_ok = peer.namespace_selector.matches(f.cluster.namespace_labels(pod.namespace))
    pod_ok = peer.pod_selector.matches(pod.labels)
    return ns_ok != pod_ok


def selector_and_or(f: Facts) -> bool:
    """Two peers (OR) admitted what one peer with both selectors (AND) would not, or vice versa."""
    for _, ref, rule in _admitting(f):
        if ref.peer is None:
            continue
        shape = _selector_only(rule.peers[ref.peer])
        others = {_selector_only(p) for j, p in enumerate(rule.peers) if j != ref.peer}
        if shape and ({"ns", "pod"} - {shape}) <= others:
            return True
    for side in _denied_sides(f):
        remote = f.endpoint(side.direction, remote=True)
        if remote is None or remote.pod is None:
            continue
        for policy, _, rule in _isolating_rules(f, side):
            if any(_half_matching_peer(f, policy, p, remote.pod) for p in rule.peers):
                return True
    return False


def rule_combination(f: Facts) -> bool:
    """A ports-only rule split off by a stray '-', or one rule crossing several peers and ports."""
    for policy, ref, rule in _admitting(f):
        if len(rule.peers) > 1 and len(rule.ports) > 1:
            return True
        raw = _raw_rule(f, ref)
        if rule.peers or not rule.ports or (raw is not None and _peers_key(ref.direction) in raw):
            continue
        siblings = [r for i, r in enumerate(policy.rules(ref.direction)) if i != ref.rule]
        if any(r.peers and not r.ports for r in siblings):
            return True
    return False


def _empty_peer(peer: PolicyPeer) -> bool:
    """A peer that selects more than it reads: an empty selector standing alone, or an empty
    namespaceSelector (every namespace) beside a podSelector (absent: the policy's own)."""
    ns, pods = peer.namespace_selector, peer.pod_selector
    if ns is not None and ns.is_empty:
        return True
    return pods is not None and pods.is_empty and ns is None


def _explicit_empty_rules(doc: Mapping[str, Any] | None, direction: Direction) -> bool:
    spec = doc.get("spec") if doc else None
    return isinstance(spec, Mapping) and spec.get(direction) == []


def empty_vs_absent(f: Facts) -> bool:
    """Allowed by `{}`, an absent or empty `from`, an empty selector, or denied by an explicit
    `ingress: []`."""
    for _, ref, rule in _admitting(f):
        raw = _raw_rule(f, ref)
        peers = _peers_key(ref.direction)
        if raw is not None and (not raw or raw.get(peers) == []):
            return True
        # an absent `from` beside a rule of peers without ports is a stray `-`, not this
        if raw is not None and peers not in raw and not rule_combination(f):
            return True
        if ref.peer is not None and _empty_peer(rule.peers[ref.peer]):
            return True
    for side in _denied_sides(f):
        if any(_explicit_empty_rules(f.docs.get(k), side.direction) for k in side.isolating):
            return True
    return False


def additive_no_deny(f: Facts) -> bool:
    """Allowed by one policy while another answer policy meant to "deny" selects the same pod."""
    for policy, ref, _ in _admitting(f):
        subject = f.endpoint(ref.direction, remote=False)
        remote = f.endpoint(ref.direction, remote=True)
        if subject is None or subject.pod is None:
            continue
        for key in sorted(f.docs):
            other = f.cluster.policies.get(key)
            if other is None or other.key == policy.key or not other.isolates(ref.direction):
                continue
            if not policy_selects(other, subject.pod, f.profile):
                continue
            if not any(_peer_ok(f, other, r, remote) for r in other.rules(ref.direction)):
                return True
    return False


Detector = Callable[[Facts], bool]

DETECTORS: tuple[tuple[str, Detector], ...] = (
    ("cni-enforces", cni_enforces),
    ("dns-egress", dns_egress),
    ("ipblock-pod-ip", ipblock_pod_ip),
    ("named-port", named_port),
    ("service-vs-pod-port", service_vs_pod_port),
    ("ns-by-name", ns_by_name),
    ("pod-vs-namespace-labels", pod_vs_namespace_labels),
    ("policytypes-default", policytypes_default),
    ("policy-selects-target", policy_selects_target),
    ("podselector-same-ns", podselector_same_ns),
    ("selector-and-or", selector_and_or),
    ("rule-combination", rule_combination),
    ("empty-vs-absent", empty_vs_absent),
    ("additive-no-deny", additive_no_deny),
    ("rule-without-ports", rule_without_ports),
    ("both-ends", both_ends),
)
"""The detectors, most specific first; :func:`detect` returns the first that fires."""


def detect(evidence: Evidence) -> Misconception | None:
    """The misconception one failed check shows, or None when no pattern fits."""
    found = facts(evidence)
    for ident, detector in DETECTORS:
        if detector(found):
            return CATALOGUE[ident]
    return None
