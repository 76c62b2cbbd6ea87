"""Walking a policy's rules and peers with their field paths (shared by the lint checks)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from netsim.insight.lintinput import LintInput, Written
from netsim.insight.space import DIRECTIONS
from netsim.model.netpol import Direction, NetworkPolicy, PolicyPeer, PolicyRule


@dataclass(frozen=True, slots=True)
class RuleAt:
    """One rule of one policy with its field path (``spec.ingress[0]``)."""

    policy: NetworkPolicy
    written: Written
    direction: Direction
    index: int
    rule: PolicyRule

    @property
    def path(self) -> str:
        """``spec.<direction>[index]``."""
        return f"spec.{self.direction}[{self.index}]"

    @property
    def peers_field(self) -> str:
        """``from`` for ingress, ``to`` for egress."""
        return "from" if self.direction == "ingress" else "to"

    def peer_path(self, j: int) -> str:
        """``spec.ingress[0].from[j]``."""
        return f"{self.path}.{self.peers_field}[{j}]"


def rules(data: LintInput) -> Iterator[RuleAt]:
    """Every rule of every policy, in input order, ingress before egress."""
    for policy, written in data.policies:
        for direction in DIRECTIONS:
            for i, rule in enumerate(policy.rules(direction)):
                yield RuleAt(policy, written, direction, i, rule)


def peers(data: LintInput) -> Iterator[tuple[RuleAt, int, PolicyPeer]]:
    """Every peer of every rule with its index."""
    for at in rules(data):
        for j, peer in enumerate(at.rule.peers):
            yield at, j, peer
