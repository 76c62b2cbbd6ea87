"""What a policy decision says: allowed or not, and why (rule back-pointers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from netsim.model.netpol import Direction

Reason = Literal[
    "not-isolated",  # no policy selecting the pod isolates this direction
    "rule",  # a rule of an isolating policy matched (see ``rule``)
    "no-rule-matched",  # isolated and no rule matched: dropped
    "not-enforced",  # the profile enforces no policy (flannel)
    "node-local",  # traffic from the pod's own node
    "loopback",  # a pod to itself
    "not-a-pod",  # the endpoint at this side is not a pod (external, node)
    "not-filtered",  # not TCP/UDP/SCTP (ICMP) and the profile does not filter it
    "hairpin",  # a pod reaching itself through its own Service (profile.hairpin_allowed)
    "admin-allow",  # an Allow/Accept rule of the admin tier matched (see ``rule``)
    "admin-deny",  # a Deny rule of the admin tier matched
    "baseline-allow",  # an Allow/Accept rule of the baseline tier matched
    "baseline-deny",  # a Deny rule of the baseline tier matched
]


@dataclass(frozen=True, slots=True, order=True)
class RuleRef:
    """A back-pointer to one rule element of one policy.

    It reads ``ns/policy spec.<direction>[rule].<from|to>[peer] ports[port]``.

    ``peer``/``port`` are None when the rule has no ``from``/``to`` or no
    ``ports`` (it matches all peers or all ports).
    """

    policy: str
    direction: Direction
    rule: int
    peer: int | None = None
    port: int | None = None

    @property
    def path(self) -> str:
        """The field path in apiserver form, e.g. ``spec.ingress[0].from[1]``."""
        peers = "from" if self.direction == "ingress" else "to"
        text = f"spec.{self.direction}[{self.rule}]"
        if self.peer is not None:
            text += f".{peers}[{self.peer}]"
        if self.port is not None:
            # v1alpha2 ClusterNetworkPolicy names a rule's ports `protocols`
            field = "protocols" if self.policy.startswith("ClusterNetworkPolicy/") else "ports"
            text += f" {field}[{self.port}]"
        return text

    def __str__(self) -> str:
        return f"{self.policy} {self.path}"


@dataclass(frozen=True, slots=True)
class SideDecision:
    """The decision of one enforcement point: egress at the source or ingress at the destination."""

    allowed: bool
    reason: Reason
    rule: RuleRef | None = None
    isolating_policies: tuple[str, ...] = ()
    passed: tuple[RuleRef, ...] = ()
    """The ``Pass`` rules (admin tier, then baseline tier) the connection went through."""

    @property
    def denied_by(self) -> tuple[str, ...]:
        """The policies a denial is owed to: the cluster-wide policy whose Deny rule decided,
        else the NetworkPolicies isolating the pod; empty when allowed or not a policy's."""
        if self.allowed:
            return ()
        if self.reason in ("admin-deny", "baseline-deny") and self.rule is not None:
            return (self.rule.policy,)
        return self.isolating_policies


@dataclass(frozen=True, slots=True)
class Decision:
    """A full verdict: the connection passes only if both sides allow it."""

    egress: SideDecision
    ingress: SideDecision

    @property
    def allowed(self) -> bool:
        """True when both the source's egress and the destination's ingress allow."""
        return self.egress.allowed and self.ingress.allowed
