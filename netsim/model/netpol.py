"""NetworkPolicy (networking.k8s.io/v1) as validated, defaulted, frozen values.

Field names mirror the API in snake_case. Values here are always valid and
defaulted as the apiserver defaults them: ``protocol`` is set (TCP when the
manifest omits it) and ``policy_types`` is the *effective* list (``Ingress``,
plus ``Egress`` when the manifest has a non-empty ``egress`` section and no
``policyTypes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from netsim.addr import Prefix
from netsim.model.labels import LabelSelector

Protocol = Literal["TCP", "UDP", "SCTP"]
PROTOCOLS: tuple[Protocol, ...] = ("TCP", "UDP", "SCTP")
PolicyType = Literal["Ingress", "Egress"]
Direction = Literal["ingress", "egress"]


@dataclass(frozen=True, slots=True)
class IPBlock:
    """``ipBlock``: addresses in ``cidr`` and in none of ``except_``.

    ``cidr`` and ``except_`` are canonical networks (host bits masked, as the
    apiserver's sloppy CIDR parsing does).
    """

    cidr: Prefix
    except_: tuple[Prefix, ...] = ()

    def contains_ip(self, version: int, value: int) -> bool:
        """Tell whether an address is in ``cidr`` and outside every ``except``."""
        if not self.cidr.contains_ip(version, value):
            return False
        return not any(e.contains_ip(version, value) for e in self.except_)


@dataclass(frozen=True, slots=True)
class PolicyPeer:
    """One ``from``/``to`` entry.

    Exactly one of these shapes: ``ip_block`` alone; or ``pod_selector`` and/or
    ``namespace_selector`` (ANDed when both are set). ``None`` means the field
    is absent.
    """

    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None


@dataclass(frozen=True, slots=True)
class PolicyPort:
    """One ``ports`` entry: ``port`` is an int, a named port (str), or None (all ports).

    ``end_port`` (only with an int ``port``) makes the inclusive range port..end_port.
    """

    protocol: Protocol = "TCP"
    port: int | str | None = None
    end_port: int | None = None


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """One ingress or egress rule: ``peers`` AND ``ports``; an empty tuple matches all."""

    peers: tuple[PolicyPeer, ...] = ()
    ports: tuple[PolicyPort, ...] = ()


@dataclass(frozen=True, slots=True)
class NetworkPolicy:
    """A validated, defaulted NetworkPolicy.

    ``ingress``/``egress`` hold the rules; an empty tuple (the manifest's
    ``ingress: []`` or absent field) allows nothing in a direction that
    ``policy_types`` isolates.
    """

    name: str
    namespace: str
    pod_selector: LabelSelector = LabelSelector()
    policy_types: tuple[PolicyType, ...] = ("Ingress",)
    ingress: tuple[PolicyRule, ...] = ()
    egress: tuple[PolicyRule, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        """``namespace/name``, the policy's identity in messages and RuleRefs."""
        return f"{self.namespace}/{self.name}"

    @property
    def isolates_ingress(self) -> bool:
        """True when this policy makes its selected pods ingress-isolated."""
        return "Ingress" in self.policy_types

    @property
    def isolates_egress(self) -> bool:
        """True when this policy makes its selected pods egress-isolated."""
        return "Egress" in self.policy_types

    def rules(self, direction: Direction) -> tuple[PolicyRule, ...]:
        """The rules of one direction."""
        return self.ingress if direction == "ingress" else self.egress

    def isolates(self, direction: Direction) -> bool:
        """True when this policy isolates its selected pods in ``direction``."""
        return self.isolates_ingress if direction == "ingress" else self.isolates_egress
