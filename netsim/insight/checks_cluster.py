"""Lint checks that judge policies against the pods and namespaces of the input.

Each is registered as needing pods (or Namespace objects): without them it is
reported as skipped. Verdicts come from the policy engine and the reference
evaluator's rule functions, never from a rule decided here.
"""

from __future__ import annotations

from collections.abc import Iterator

from netsim.addr import parse_ip
from netsim.errors import NetsimError
from netsim.insight.connectivity import compute
from netsim.insight.lint import Hit, SkipCheck
from netsim.insight.lintinput import LintInput
from netsim.insight.lintrules import peers, rules
from netsim.insight.space import Grid
from netsim.model.labels import NAMESPACE_NAME_LABEL, LabelSelector
from netsim.model.netpol import NetworkPolicy, PolicyPeer
from netsim.model.objects import Pod
from netsim.policy.endpoint import Endpoint, pod_endpoint, selectable, service_targets
from netsim.policy.engine import PolicyEngine
from netsim.policy.profile import UPSTREAM
from netsim.policy.reference import isolating_policies, peer_matches, policy_selects
from netsim.policy.tiers import peer_matches as admin_peer_matches
from netsim.policy.tiers import subject_selects

DNS_SERVICE = "kube-system/kube-dns"
DNS_LABEL = ("k8s-app", "kube-dns")
MAX_NAMES = 5


def _names(pods: list[Pod]) -> str:
    shown = ", ".join(p.key for p in pods[:MAX_NAMES])
    return shown + (f" and {len(pods) - MAX_NAMES} more" if len(pods) > MAX_NAMES else "")


def _pods(data: LintInput) -> list[Pod]:
    return [p for p in data.cluster.sorted_pods() if p.ip and selectable(p, UPSTREAM)]


def selected(data: LintInput, policy: NetworkPolicy) -> list[Pod]:
    """The pods a policy applies to."""
    return [p for p in _pods(data) if policy_selects(policy, p, UPSTREAM)]


def peer_pods(data: LintInput, policy: NetworkPolicy, peer: PolicyPeer) -> list[Pod]:
    """The pods a selector peer matches (reference evaluator's peer rule)."""
    cluster = data.cluster
    return [
        p
        for p in _pods(data)
        if peer_matches(cluster, policy, peer, pod_endpoint(cluster, p, UPSTREAM), UPSTREAM)
    ]


# ----------------------------------------------------------------------- DNS
def dns_endpoints(data: LintInput, protocol: str) -> list[tuple[Endpoint, int]]:
    """Where cluster DNS really answers: kube-dns's backends after DNAT (pod, target port),
    else kube-system pods labelled ``k8s-app=kube-dns`` on port 53."""
    cluster = data.cluster
    if DNS_SERVICE in cluster.services:
        try:
            targets = service_targets(cluster, DNS_SERVICE, 53, protocol)
        except NetsimError:
            targets = []
        return [(pod_endpoint(cluster, t.backend, UPSTREAM), t.port) for t in targets]
    return [
        (pod_endpoint(cluster, p, UPSTREAM), 53)
        for p in cluster.pods_in("kube-system")
        if p.ip and p.labels.get(DNS_LABEL[0]) == DNS_LABEL[1]
    ]


def _dns_blocked(data: LintInput, engine: PolicyEngine, protocol: str) -> dict[str, list[Pod]]:
    """Egress-isolated pods that reach no DNS endpoint on ``protocol`` 53, by isolating policy."""
    targets = dns_endpoints(data, protocol)
    backends = {e.pod.key for e, _ in targets if e.pod is not None}
    out: dict[str, list[Pod]] = {}
    for pod in _pods(data):
        if pod.key in backends:
            continue
        policies = isolating_policies(data.cluster, pod, "egress", UPSTREAM)
        if not policies:
            continue
        src = pod_endpoint(data.cluster, pod, UPSTREAM)
        if any(engine.decide_endpoints(src, e, protocol, port).allowed for e, port in targets):
            continue
        for policy in policies:
            out.setdefault(policy.key, []).append(pod)
    return out


def no_dns(data: LintInput) -> Iterator[Hit]:
    """NP001: egress-isolated pods that cannot reach any cluster DNS endpoint on UDP 53."""
    if not dns_endpoints(data, "UDP"):
        raise SkipCheck(
            f"no DNS endpoint in the input (Service {DNS_SERVICE} with backends, or "
            "kube-system pods labelled k8s-app=kube-dns)"
        )
    engine = PolicyEngine(data.cluster, UPSTREAM)
    try:
        blocked = _dns_blocked(data, engine, "UDP")
    finally:
        engine.close()
    for key, pods in sorted(blocked.items()):
        yield Hit(
            key,
            "spec.egress",
            f"{_names(pods)} cannot reach cluster DNS ({DNS_SERVICE} backends) on UDP 53: "
            "allow egress to namespaceSelector kubernetes.io/metadata.name=kube-system with "
            "podSelector k8s-app=kube-dns on UDP 53 and TCP 53",
        )


# ------------------------------------------------------------------ selectors
def empty_subject(data: LintInput) -> Iterator[Hit]:
    """NP003: a policy's podSelector selects no pod of its namespace."""
    for policy, _ in data.policies:
        if selected(data, policy):
            continue
        in_ns = sorted({str(p.labels) for p in _pods(data) if p.namespace == policy.namespace})
        seen = "; ".join(in_ns[:MAX_NAMES]) or "none"
        yield Hit(
            policy.key,
            "spec.podSelector",
            f"podSelector {policy.pod_selector} selects no pod of namespace "
            f"{policy.namespace} (labels there: {seen})",
        )


def dead_peer(data: LintInput) -> Iterator[Hit]:
    """NP004: a podSelector/namespaceSelector peer that matches no pod."""
    for at, j, peer in peers(data):
        if peer.ip_block is not None or peer_pods(data, at.policy, peer):
            continue
        yield Hit(
            at.policy.key,
            at.peer_path(j),
            "this peer selects no pod, so it never matches: check its labels "
            "(a podSelector without namespaceSelector looks only in the policy's namespace)",
        )


def _keys(selector: LabelSelector) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = [(k, v) for k, v in selector.match_labels]
    for req in selector.match_expressions:
        if req.operator in ("In", "Exists"):
            out.append((req.key, req.values[0] if req.values else None))
    return out


def unknown_namespace_label(data: LintInput) -> Iterator[Hit]:
    """NP005: a namespaceSelector key that no namespace carries."""
    namespaces = data.cluster.namespaces
    carried = {k for ns in namespaces.values() for k, _ in ns.labels}
    for at, j, peer in peers(data):
        if peer.namespace_selector is None:
            continue
        for key, value in _keys(peer.namespace_selector):
            if key in carried:
                continue
            hint = ""
            if value in namespaces or key == "name":
                hint = f"; did you mean {NAMESPACE_NAME_LABEL}: {value}?"
            yield Hit(
                at.policy.key,
                f"{at.peer_path(j)}.namespaceSelector",
                f"no namespace carries the label {key!r}, so this selector matches no "
                f"namespace{hint}",
            )


def or_meant_and(data: LintInput) -> Iterator[Hit]:
    """NP009: a namespaceSelector-only peer beside a podSelector-only peer (OR) whose pod
    labels are found in the selected namespaces (AND was probably meant)."""
    cluster = data.cluster
    for at in rules(data):
        found = at.rule.peers
        ns_only = [j for j, p in enumerate(found) if p.namespace_selector and not p.pod_selector]
        pod_only = [j for j, p in enumerate(found) if p.pod_selector and not p.namespace_selector]
        for a in ns_only:
            for b in pod_only:
                ns_sel, pod_sel = found[a].namespace_selector, found[b].pod_selector
                assert ns_sel is not None and pod_sel is not None
                there = [
                    p
                    for p in _pods(data)
                    if p.namespace != at.policy.namespace
                    and ns_sel.matches(cluster.namespace_labels(p.namespace))
                    and pod_sel.matches(p.labels)
                ]
                if not there:
                    continue
                yield Hit(
                    at.policy.key,
                    at.path,
                    f"{at.peers_field}[{a}] (namespaceSelector {ns_sel}) and "
                    f"{at.peers_field}[{b}] (podSelector {pod_sel}) are two peers, ORed: every "
                    f"pod of those namespaces, plus {pod_sel} pods of {at.policy.namespace}; "
                    f"pods labelled {pod_sel} exist in the selected namespaces "
                    f"({_names(there)}): if only they were meant, make it one peer "
                    "(drop the '-' before podSelector)",
                )


# ---------------------------------------------------------------- addresses
def block_covers_pods(data: LintInput) -> Iterator[Hit]:
    """NP011: an ipBlock that contains pod IPs (whether it matches them depends on the CNI)."""
    for at, j, peer in peers(data):
        block = peer.ip_block
        if block is None:
            continue
        inside = []
        for p in _pods(data):
            version, value = parse_ip(p.ip)
            if block.contains_ip(version, value):
                inside.append(p)
        if inside:
            yield Hit(
                at.policy.key,
                f"{at.peer_path(j)}.ipBlock",
                f"ipBlock {block.cidr} contains the IPs of {_names(inside)}: whether it "
                "matches pod traffic depends on the CNI (upstream and Calico: yes, Cilium: "
                "no); use pod and namespace selectors for pods, or except the pod range",
            )


def unknown_named_port(data: LintInput) -> Iterator[Hit]:
    """NP013: a named port that no pod on the enforcing side defines."""
    for at in rules(data):
        for k, port in enumerate(at.rule.ports):
            if not isinstance(port.port, str):
                continue
            if at.direction == "ingress":
                pods = selected(data, at.policy)
                where = "the pods this policy selects"
            elif at.rule.peers:
                pods = sorted(
                    {
                        p.key: p for peer in at.rule.peers for p in peer_pods(data, at.policy, peer)
                    }.values(),
                    key=lambda p: p.key,
                )
                where = "the destination pods of this rule"
            else:
                pods = _pods(data)
                where = "any pod"
            if any(p.named_port(port.port, port.protocol) is not None for p in pods):
                continue
            yield Hit(
                at.policy.key,
                f"{at.path}.ports[{k}]",
                f"no container port named {port.port!r} ({port.protocol}) on {where}, so "
                "this port matches nothing",
            )


def redundant_policy(data: LintInput) -> Iterator[Hit]:
    """NP016: a policy whose removal changes no verdict (pod pairs, addresses, every port)."""
    cluster = data.cluster
    grid = Grid.of([cluster])
    for policy, _ in data.policies:
        subjects = {p.key for p in selected(data, policy)}
        if not subjects:
            continue  # NP003 says it
        with_it = compute(cluster, grid, UPSTREAM, only=subjects)
        cluster.delete("NetworkPolicy", policy.key)
        try:
            without = compute(cluster, grid, UPSTREAM, only=subjects)
        finally:
            cluster.add(policy)
        same = all(
            [d.allowed for ds in with_it.table[pair] for d in ds]
            == [d.allowed for ds in without.table[pair] for d in ds]
            for pair in with_it.table
        )
        if same:
            others = sorted(
                {q.key for q, _ in data.policies if q.key != policy.key}
                & {q.key for p in subjects for q in isolating_for(data, p)}
            ) + cluster_policies_for(data, subjects)
            yield Hit(
                policy.key,
                None,
                "removing this policy changes no verdict: what it allows and isolates is "
                f"already decided by {', '.join(others) or 'the other policies'}",
            )


def isolating_for(data: LintInput, key: str) -> list[NetworkPolicy]:
    """Every policy selecting pod ``key`` (any policyTypes)."""
    pod = data.cluster.pods[key]
    return [p for p, _ in data.policies if policy_selects(p, pod, UPSTREAM)]


def cluster_policies_for(data: LintInput, keys: set[str]) -> list[str]:
    """The cluster-wide policies (``Kind/name``) that have one of pods ``keys`` as subject or
    as a peer of some rule (either way they may decide that pod's connections)."""
    cluster = data.cluster
    pods = [cluster.pods[k] for k in sorted(keys) if cluster.pods[k].ip]
    ends = [pod_endpoint(cluster, pod, UPSTREAM) for pod in pods]
    return [
        c.key
        for _, c in sorted(cluster.cluster_policies.items())
        if any(subject_selects(cluster, c.subject, pod) for pod in pods)
        or any(
            admin_peer_matches(cluster, peer, end)
            for rule in (*c.ingress, *c.egress)
            for peer in rule.peers
            for end in ends
        )
    ]
