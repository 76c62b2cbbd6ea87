"""Policy groups: pods selected by the same isolating policies decide alike.

A pod's *egress group* is the list of policies that select it and isolate
egress (likewise ingress); the engine interns each list as an int so side
decisions are built once per group, not per pod or identity. Group ids are
never reused while the groups live: a changed policy *retires* the groups
containing it, so the entries built for them are simply no longer asked for.
"""

from __future__ import annotations

from netsim.policy.compile import CompiledPolicy, PolicyTables


class PolicyGroups:
    """Identities to their (egress, ingress) group ids, and each group's policies."""

    def __init__(self, tables: PolicyTables) -> None:
        self.tables = tables
        self.policies: list[list[CompiledPolicy]] = []
        """Each group's policies, by key (index: group id)."""
        self._by_identity: dict[int, tuple[int, int]] = {}
        self._ids: dict[tuple[str, ...], int] = {}

    def of(self, identity: int) -> tuple[int, int]:
        """The (egress, ingress) group ids of an identity."""
        found = self._by_identity.get(identity)
        if found is None:
            found = self._by_identity[identity] = (
                self._group(self.tables.selecting(identity, "egress")),
                self._group(self.tables.selecting(identity, "ingress")),
            )
        return found

    def _group(self, policies: list[CompiledPolicy]) -> int:
        key = tuple(p.key for p in policies)
        index = self._ids.get(key)
        if index is None:
            index = self._ids[key] = len(self.policies)
            self.policies.append(policies)
        return index

    def forget_identity(self, identity: int) -> None:
        """Resolve ``identity``'s groups again when next asked (its selecting policies changed)."""
        self._by_identity.pop(identity, None)

    def forget_identities(self) -> None:
        """Resolve every identity's groups again when next asked."""
        self._by_identity.clear()

    def retire(self, policy_key: str) -> None:
        """Groups that contain a changed policy get new ids from now on (never reused)."""
        for key in [k for k in self._ids if policy_key in k]:
            del self._ids[key]

    def forget(self) -> None:
        """Drop every group (ids start again from 0: drop everything keyed by them too)."""
        self._by_identity.clear()
        self._ids.clear()
        self.policies.clear()
