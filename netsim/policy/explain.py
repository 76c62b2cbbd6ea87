"""Explain a verdict: who selects each end, who isolates it, which rule allowed, what nearly did.

``explain(engine_or_cluster, src, dst, protocol, port)`` takes the ends as
``ns/pod``, ``node:NAME``, an IP, or (destination only) ``svc:ns/name``, which is
DNATed to the Service's backend pods with the targetPort resolved per backend
(SEMANTICS.md §21, §29). The verdict comes from the engine; the per-rule
detail (selecting policies, near misses) is read literally from the
policies with the reference evaluator's rule functions. With cluster-wide policies each
side also shows the chain of tiers the decision went through (:func:`tier_chain`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from netsim.model.adminpolicy import tier_order
from netsim.model.cluster import Cluster
from netsim.model.netpol import Direction, NetworkPolicy, PolicyPort
from netsim.model.objects import Pod
from netsim.policy.endpoint import Endpoint, pod_endpoint, resolve, service_targets
from netsim.policy.engine import PolicyEngine
from netsim.policy.profile import UPSTREAM, Profile
from netsim.policy.reference import peer_matches, policy_selects, port_matches
from netsim.policy.tiers import subject_selects
from netsim.policy.verdict import Decision, RuleRef, SideDecision

MissKind = Literal["wrong-port", "wrong-peer"]

REASON_TEXT = {
    "not-isolated": "not isolated: no policy selecting it has {types} in its policyTypes",
    "rule": "allowed by {rule}",
    "no-rule-matched": "isolated by {policies}; no rule of theirs matches",
    "not-enforced": "the {profile} profile enforces no NetworkPolicy",
    "node-local": "traffic with the pod's own node is always allowed",
    "loopback": "a pod cannot block access to itself",
    "not-a-pod": "{end} is not a pod: no policy applies here",
    "not-filtered": "{protocol} is not filtered by NetworkPolicy under the {profile} profile",
    "hairpin": "a pod reaching itself through its own Service is denied by the {profile} profile",
    "admin-allow": "allowed by the admin tier: {rule}",
    "admin-deny": "denied by the admin tier: {rule}",
    "baseline-allow": "allowed by the baseline tier: {rule}",
    "baseline-deny": "denied by the baseline tier: {rule}",
}

TIERED_REASONS = frozenset(
    {"not-isolated", "rule", "no-rule-matched"}
    | {f"{t}-{v}" for t in ("admin", "baseline") for v in ("allow", "deny")}
)
"""The reasons a cluster-wide tier can take part in (the others come before any policy)."""


def tier_step(cluster: Cluster, ref: RuleRef) -> str:
    """One rule of a cluster-wide policy as a chain step: tier, policy, priority, rule, action.

    E.g. ``admin AdminNetworkPolicy/pass-monitoring priority 10 spec.ingress[0].from[0]: Pass``.
    """
    policy = cluster.cluster_policies.get(ref.policy)
    if policy is None:
        return str(ref)
    rule = policy.rules(ref.direction)[ref.rule]
    priority = f" priority {policy.priority}" if policy.priority is not None else ""
    name = f' "{rule.name}"' if rule.name else ""
    return f"{policy.tier.lower()} {policy.key}{priority} {ref.path}{name}: {rule.action}"


def tier_chain(cluster: Cluster, decision: SideDecision) -> tuple[str, ...]:
    """The tiers one side's decision went through, in evaluation order.

    Admin Pass rules, then NetworkPolicy (the rule that allows, the isolating policies
    that deny, or none isolating), then baseline Pass rules and the baseline rule, or the
    default allow; an admin Allow/Deny is the only step. Empty without cluster-wide
    policies or for a decision made before any policy (loopback, not a pod, ...).
    """
    reason = decision.reason
    if not cluster.cluster_policies or reason not in TIERED_REASONS:
        return ()
    if reason.startswith("admin-") and decision.rule is not None:
        return (tier_step(cluster, decision.rule),)

    def tier_of(ref: RuleRef) -> str:
        policy = cluster.cluster_policies.get(ref.policy)
        return policy.tier if policy is not None else ""

    steps = [tier_step(cluster, r) for r in decision.passed if tier_of(r) == "Admin"]
    if reason == "rule":
        return (*steps, f"NetworkPolicy {decision.rule}: allows")
    if reason == "no-rule-matched":
        isolating = ", ".join(decision.isolating_policies)
        return (*steps, f"NetworkPolicy {isolating} isolate(s) it, no rule matches: denies")
    steps.append("no NetworkPolicy isolates it")
    steps += [tier_step(cluster, r) for r in decision.passed if tier_of(r) == "Baseline"]
    if reason.startswith("baseline-") and decision.rule is not None:
        steps.append(tier_step(cluster, decision.rule))
    else:
        steps.append("no policy decides: allowed")
    return tuple(steps)


@dataclass(frozen=True, slots=True)
class NearMiss:
    """A rule of an isolating policy that matched on one count and missed on the other.

    ``wrong-port``: the peer matched (``rule.peer``) but no port did;
    ``wrong-peer``: a port matched (``rule.port``) but no peer did. ``hint`` says why
    a port missed when it is a named port the destination pod does not declare.
    """

    rule: RuleRef
    kind: MissKind
    hint: str = ""

    def __str__(self) -> str:
        what = "right peer, wrong port" if self.kind == "wrong-port" else "right port, wrong peer"
        return f"{self.rule}: {what}" + (f" ({self.hint})" if self.hint else "")


@dataclass(frozen=True, slots=True)
class SideExplanation:
    """One enforcement point: the end it protects, the policies around it, the decision."""

    direction: Direction
    end: str
    decision: SideDecision
    selecting: tuple[str, ...] = ()
    isolating: tuple[str, ...] = ()
    near_misses: tuple[NearMiss, ...] = ()
    cluster_selecting: tuple[str, ...] = ()
    """The cluster-wide policies whose subject is this end, in evaluation order."""
    chain: tuple[str, ...] = ()
    """The tiers the decision went through (:func:`tier_chain`); empty without them."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``chain``, ``passed`` and ``cluster_selected_by`` when the
        cluster has cluster-wide policies)."""
        out = {
            "pod": self.end,
            "allowed": self.decision.allowed,
            "reason": self.decision.reason,
            "rule": str(self.decision.rule) if self.decision.rule else None,
            "selected_by": list(self.selecting),
            "isolated": bool(self.isolating),
            "isolated_by": list(self.isolating),
            "near_misses": [
                {"rule": str(m.rule), "kind": m.kind, **({"hint": m.hint} if m.hint else {})}
                for m in self.near_misses
            ],
        }
        if self.chain:
            out["cluster_selected_by"] = list(self.cluster_selecting)
            out["passed"] = [str(r) for r in self.decision.passed]
            out["chain"] = list(self.chain)
        return out


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a connection from ``src`` to ``dst`` on ``protocol``/``port`` passes or not.

    For a Service destination, ``service`` is ``svc:ns/name``, ``service_port``
    the port the client sent to, and ``dst``/``port`` the backend pod and its
    target port after DNAT.
    """

    src: str
    dst: str
    protocol: str
    port: int
    egress: SideExplanation
    ingress: SideExplanation
    service: str = ""
    service_port: int | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def allowed(self) -> bool:
        """True when both the source's egress and the destination's ingress allow."""
        return self.egress.decision.allowed and self.ingress.decision.allowed

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: at least allowed, egress and ingress."""
        out: dict[str, Any] = {
            "allowed": self.allowed,
            "from": self.src,
            "to": self.dst,
            "protocol": self.protocol,
            "port": self.port,
            "egress": self.egress.to_dict(),
            "ingress": self.ingress.to_dict(),
        }
        if self.service:
            out["service"] = self.service
            out["service_port"] = self.service_port
        if self.notes:
            out["notes"] = list(self.notes)
        return out

    def render(self, profile: Profile = UPSTREAM) -> str:
        """Human-readable, several lines."""
        via = f" (via {self.service} port {self.service_port})" if self.service else ""
        verdict = "ALLOWED" if self.allowed else "DENIED"
        lines = [f"{self.src} -> {self.dst} {self.port}/{self.protocol}{via}: {verdict}"]
        for side in (self.egress, self.ingress):
            state = "allowed" if side.decision.allowed else "DENIED"
            lines.append(
                f"  {side.direction} at {side.end}: {state}: {self._reason(side, profile)}"
            )
            lines.append(f"    selected by: {', '.join(side.selecting) or '-'}")
            if side.chain:
                cluster_wide = ", ".join(side.cluster_selecting) or "-"
                lines.append(f"    cluster-wide policies selecting it: {cluster_wide}")
                lines.append(f"    decided: {' -> '.join(side.chain)}")
            lines += [f"    near miss: {m}" for m in side.near_misses]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _reason(self, side: SideExplanation, profile: Profile) -> str:
        d = side.decision
        return REASON_TEXT[d.reason].format(
            types="Egress" if side.direction == "egress" else "Ingress",
            rule=d.rule,
            policies=", ".join(d.isolating_policies),
            profile=profile.name,
            end=side.end,
            protocol=self.protocol,
        )


def _near_misses(
    cluster: Cluster,
    policies: list[NetworkPolicy],
    direction: Direction,
    remote: Endpoint,
    destination: Endpoint,
    protocol: str,
    port: int,
    profile: Profile,
) -> tuple[NearMiss, ...]:
    dst_pod = destination.pod if destination.kind == "pod" else None
    misses: list[NearMiss] = []
    for policy in policies:
        for i, rule in enumerate(policy.rules(direction)):
            peer = next(
                (
                    j
                    for j, p in enumerate(rule.peers)
                    if peer_matches(cluster, policy, p, remote, profile)
                ),
                None,
            )
            port_hit = next(
                (
                    k
                    for k, p in enumerate(rule.ports)
                    if port_matches(p, protocol, port, dst_pod, profile)
                ),
                None,
            )
            peer_ok = not rule.peers or peer is not None
            port_ok = not rule.ports or port_hit is not None
            if peer_ok and not port_ok:
                hint = named_port_hint(rule.ports, dst_pod)
                misses.append(
                    NearMiss(RuleRef(policy.key, direction, i, peer, None), "wrong-port", hint)
                )
            elif port_ok and not peer_ok:
                misses.append(
                    NearMiss(RuleRef(policy.key, direction, i, None, port_hit), "wrong-peer")
                )
    return tuple(misses)


def named_port_hint(ports: tuple[PolicyPort, ...], destination: Pod | None) -> str:
    """Why named ports of a rule miss: the destination pod declares no such port (§19)."""
    if destination is None:
        return ""
    missing = [
        f'"{p.port}"/{p.protocol}'
        for p in ports
        if isinstance(p.port, str) and destination.named_port(p.port, p.protocol) is None
    ]
    if not missing:
        return ""
    declared = ", ".join(
        f'{c.port}/{c.protocol} "{c.name}"' for c in destination.container_ports if c.name
    )
    return (
        f"named port {', '.join(missing)} is not declared by {destination.key}'s containers"
        f" (its named ports: {declared or 'none'})"
    )


def _side(
    cluster: Cluster,
    direction: Direction,
    decision: SideDecision,
    src: Endpoint,
    dst: Endpoint,
    protocol: str,
    port: int,
    profile: Profile,
) -> SideExplanation:
    subject, remote = (src, dst) if direction == "egress" else (dst, src)
    if subject.kind != "pod" or subject.pod is None:
        return SideExplanation(direction, str(subject), decision)
    pod = subject.pod
    selecting = [p for _, p in sorted(cluster.policies.items()) if policy_selects(p, pod, profile)]
    isolating = [p for p in selecting if p.isolates(direction)]
    misses: tuple[NearMiss, ...] = ()
    if not decision.allowed and decision.reason not in ("admin-deny", "baseline-deny"):
        misses = _near_misses(cluster, isolating, direction, remote, dst, protocol, port, profile)
    cluster_selecting = tuple(
        p.key
        for tier in ("Admin", "Baseline")
        for p in tier_order(cluster.cluster_policies.values(), tier)
        if subject_selects(cluster, p.subject, pod)
    )
    return SideExplanation(
        direction,
        str(subject),
        decision,
        tuple(p.key for p in selecting),
        tuple(p.key for p in isolating),
        misses,
        cluster_selecting,
        tier_chain(cluster, decision),
    )


def _explain_endpoints(
    engine: PolicyEngine,
    src: Endpoint,
    dst: Endpoint,
    protocol: str,
    port: int,
    service: str = "",
    service_port: int | None = None,
) -> Explanation:
    cluster, profile = engine.cluster, engine.profile
    decision: Decision = engine.decide_endpoints(src, dst, protocol, port)
    notes: tuple[str, ...] = ()
    hairpin = (
        service
        and src.kind == "pod"
        and dst.kind == "pod"
        and src.pod is not None
        and dst.pod is not None
        and src.pod.key == dst.pod.key
    )
    if hairpin and profile.enforce and not profile.hairpin_allowed:
        denied = SideDecision(False, "hairpin")
        decision = Decision(denied, denied)
        notes = ("Service hairpin is implementation-defined (SEMANTICS.md §28)",)
    return Explanation(
        str(src),
        str(dst),
        protocol,
        port,
        _side(cluster, "egress", decision.egress, src, dst, protocol, port, profile),
        _side(cluster, "ingress", decision.ingress, src, dst, protocol, port, profile),
        service,
        service_port,
        notes,
    )


def explain_all(
    engine_or_cluster: PolicyEngine | Cluster,
    src: str,
    dst: str,
    protocol: str,
    port: int,
    profile: Profile = UPSTREAM,
) -> list[Explanation]:
    """One explanation per destination: one for a pod/IP, one per backend for ``svc:ns/name``.

    Raises LookupFailed for unknown pods, nodes, Services or Service ports.
    ``profile`` is used only when a Cluster is given (an engine has its own).
    """
    if isinstance(engine_or_cluster, PolicyEngine):
        return _explain_all(engine_or_cluster, src, dst, protocol, port)
    engine = PolicyEngine(engine_or_cluster, profile)
    try:
        return _explain_all(engine, src, dst, protocol, port)
    finally:
        engine.close()


def _explain_all(
    engine: PolicyEngine, src: str, dst: str, protocol: str, port: int
) -> list[Explanation]:
    cluster = engine.cluster
    source = resolve(cluster, src, engine.profile)
    if dst.startswith("svc:"):
        out = []
        for target in service_targets(cluster, dst[len("svc:") :], port, protocol):
            backend = pod_endpoint(cluster, target.backend, engine.profile)
            out.append(
                _explain_endpoints(engine, source, backend, protocol, target.port, dst, port)
            )
        return out
    return [
        _explain_endpoints(engine, source, resolve(cluster, dst, engine.profile), protocol, port)
    ]


def explain(
    engine_or_cluster: PolicyEngine | Cluster,
    src: str,
    dst: str,
    protocol: str,
    port: int,
    profile: Profile = UPSTREAM,
) -> Explanation:
    """Explain one connection; for a Service with several backends, the first backend's.

    Use :func:`explain_all` to see every backend of a Service.
    """
    return explain_all(engine_or_cluster, src, dst, protocol, port, profile)[0]
