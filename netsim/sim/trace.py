"""What happened to packets: trace events (every drop with its reason) and counters."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from netsim.addr import int_to_ip
from netsim.policy.verdict import RuleRef
from netsim.sim.flow import ConnKey, policy_protocol

EventKind = Literal["drop", "policy-allow", "dnat", "snat", "reject"]

DropReason = Literal[
    "policy-egress",  # the source pod's egress policy denied the new flow
    "policy-ingress",  # the destination pod's ingress policy denied the new flow
    "no-endpoints",  # a Service port with no ready endpoint (kube-proxy rejects)
    "no-local-endpoints",  # externalTrafficPolicy: Local and no endpoint on this node
    "no-route",  # nothing owns the destination address (or a ClusterIP on a wrong port)
    "ttl-exceeded",  # hop limit reached zero
    "neighbour-queue-full",  # more packets than unres_qlen wait for one ARP answer
    "neighbour-unreachable",  # no host answers ARP for an on-link address
    "link-loss",  # the seeded loss of a node or internet link (Links.loss)
    "spoofed-source",  # a pod sent from an address not its own (Profile.drop_spoofed)
]


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One notable step of one packet.

    ``kind`` is ``drop`` (the packet went no further), ``policy-allow`` (a new
    flow passed an enforcement point because of ``rule``), ``dnat``/``snat``
    (kube-proxy rewrote it) or ``reject`` (kube-proxy answered with an error).
    ``where`` names the enforcement point or node (``default/nginx-1 ingress``,
    ``node-1``); ``reason`` is a :data:`DropReason` or the policy engine's
    reason; ``rule`` the RuleRef that allowed it, ``isolating`` the policies
    that isolated the pod when nothing matched.
    """

    time: float
    kind: EventKind
    where: str
    protocol: str
    src: str
    sport: int
    dst: str
    dport: int
    reason: str
    rule: RuleRef | None = None
    isolating: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = (
            f"{self.time:.6f} {self.kind} {self.where} {self.protocol} "
            f"{self.src}:{self.sport} -> {self.dst}:{self.dport} ({self.reason}"
        )
        if self.rule is not None:
            text += f": {self.rule}"
        elif self.isolating:
            text += ": isolated by " + ", ".join(self.isolating)
        return text + ")"


def event_for(
    time: float,
    kind: EventKind,
    where: str,
    key: ConnKey,
    version: int,
    reason: str,
    rule: RuleRef | None = None,
    isolating: tuple[str, ...] = (),
) -> TraceEvent:
    """Build a :class:`TraceEvent` from an integer flow key."""
    proto, src, sport, dst, dport = key
    return TraceEvent(
        time,
        kind,
        where,
        policy_protocol(proto),
        int_to_ip(src, version),
        sport,
        int_to_ip(dst, version),
        dport,
        reason,
        rule,
        isolating,
    )


@dataclass
class Counters:
    """Packet counters of one network.

    ``interfaces`` counts frames seen on each interface, sent or received
    (``default/nginx-1 eth0``, ``node-1 eth0``); ``rules`` counts new flows
    allowed per policy rule (``default/access-nginx spec.ingress[0].from[0]``);
    ``drops`` counts dropped packets per reason (``policy-ingress``,
    ``no-route``...); ``policy_drops`` counts policy drops per set of isolating
    policies (``default/default-deny``) or per deciding cluster-wide policy;
    ``rule_packets`` counts every packet (first and established) of the flows
    each rule allowed, at the node that enforced it; ``drops_at`` counts drops
    per enforcement point or node (``default/nginx-1 ingress``, ``node-1``);
    ``packets`` counts frames hosts sent.
    """

    interfaces: Counter[str]
    rules: Counter[str]
    drops: Counter[str]
    policy_drops: Counter[str]
    rule_packets: Counter[str]
    drops_at: Counter[str]
    packets: int = 0

    @classmethod
    def empty(cls) -> Counters:
        """Fresh, zeroed counters."""
        return cls(Counter(), Counter(), Counter(), Counter(), Counter(), Counter())

    def as_dict(self) -> dict[str, dict[str, int] | int]:
        """Sorted plain dicts, for printing and comparison."""
        return {
            "packets": self.packets,
            "interfaces": dict(sorted(self.interfaces.items())),
            "rules": dict(sorted(self.rules.items())),
            "drops": dict(sorted(self.drops.items())),
            "policy_drops": dict(sorted(self.policy_drops.items())),
            "rule_packets": dict(sorted(self.rule_packets.items())),
            "drops_at": dict(sorted(self.drops_at.items())),
        }
