"""Compile NetworkPolicies into identity-level tables, updated incrementally.

:class:`PolicyTables` holds, for the policies and identities present:

- every distinct selector *spec* (a policy's ``podSelector`` in its namespace,
  or a peer's ``podSelector``/``namespaceSelector`` pair) with the set of
  identities it matches, evaluated once through the label index and kept up to
  date as identities appear, die, or their namespace is relabelled;
- each policy compiled to :class:`CompiledPolicy`: its subject spec, isolation
  per direction and rules whose peers are specs or ``ipBlock`` entries of one
  shared :class:`~netsim.match.cidrtrie.CidrSetTable`, and whose ports are a
  :class:`~netsim.match.ports.PortSet`, each with its index for RuleRefs;
- policies by namespace, so "which policies select identity I" looks only at
  I's namespace.

Adding or deleting a policy touches only its own specs and ipBlock entries;
a new identity is tested against the specs of its namespace and the
namespace-selector specs only; a namespace relabel re-tests its identities
against the namespace-selector specs. Nothing recompiles the world.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from netsim.match.cidrtrie import CidrSetTable
from netsim.match.labelindex import Term, terms_match
from netsim.match.ports import PortMatcher, PortSet
from netsim.model.labels import Labels, LabelSelector
from netsim.model.netpol import Direction, NetworkPolicy, PolicyPeer, PolicyPort
from netsim.policy.identity import IdentityTable, selector_terms
from netsim.policy.profile import Profile


@dataclass(frozen=True, slots=True)
class SubjectSpec:
    """The pods a policy applies to: ``selector`` within ``namespace`` (SEMANTICS.md §1)."""

    namespace: str
    selector: LabelSelector
    _hash: int = field(default=0, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.namespace, self.selector)))

    def __hash__(self) -> int:
        # computed once: specs key the member and reference tables, several lookups each,
        # and hashing the selectors' dataclasses costs ~0.7 us every time
        return self._hash

    def __reduce__(self) -> tuple[type[SubjectSpec], tuple[str, LabelSelector]]:
        return SubjectSpec, (self.namespace, self.selector)  # str hashes differ per process


@dataclass(frozen=True, slots=True)
class PeerSpec:
    """A selector peer (§10-§12): ``pod_selector`` within ``namespace`` or ``namespace_selector``.

    ``namespace_selector`` None means the policy's own ``namespace``; with a
    namespace selector ``namespace`` is empty, so equal peers of different
    namespaces' policies share one spec. ``pod_selector`` None means every pod
    of the selected namespaces.
    """

    namespace: str
    pod_selector: LabelSelector | None
    namespace_selector: LabelSelector | None
    _hash: int = field(default=0, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        selectors = (self.namespace, self.pod_selector, self.namespace_selector)
        object.__setattr__(self, "_hash", hash(selectors))

    def __hash__(self) -> int:
        return self._hash  # computed once, as SubjectSpec's

    def __reduce__(
        self,
    ) -> tuple[type[PeerSpec], tuple[str, LabelSelector | None, LabelSelector | None]]:
        return PeerSpec, (self.namespace, self.pod_selector, self.namespace_selector)


Spec = SubjectSpec | PeerSpec


@dataclass(frozen=True, slots=True)
class CompiledPeer:
    """One ``from``/``to`` entry: a selector spec, or an ipBlock entry id of the CIDR table."""

    spec: PeerSpec | None = None
    block: int | None = None


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """Rule ``index`` of one direction: (any of ``peers``) AND ``ports``; empty matches all."""

    index: int
    peers: tuple[CompiledPeer, ...]
    ports: PortSet


@dataclass(frozen=True, slots=True)
class CompiledPolicy:
    """A NetworkPolicy as identity-level tables, with the back-pointers explain needs."""

    key: str
    namespace: str
    subject: SubjectSpec
    isolates_ingress: bool
    isolates_egress: bool
    ingress: tuple[CompiledRule, ...]
    egress: tuple[CompiledRule, ...]

    def rules(self, direction: Direction) -> tuple[CompiledRule, ...]:
        """The rules of one direction."""
        return self.ingress if direction == "ingress" else self.egress

    def isolates(self, direction: Direction) -> bool:
        """True when the policy isolates its selected pods in ``direction``."""
        return self.isolates_ingress if direction == "ingress" else self.isolates_egress

    def specs(self) -> list[Spec]:
        """Every selector spec the policy uses (subject first)."""
        out: list[Spec] = [self.subject]
        for rule in (*self.ingress, *self.egress):
            out += [p.spec for p in rule.peers if p.spec is not None]
        return out

    def blocks(self) -> list[int]:
        """Every ipBlock entry id the policy owns."""
        return [
            p.block for r in (*self.ingress, *self.egress) for p in r.peers if p.block is not None
        ]


def compile_ports(ports: tuple[PolicyPort, ...], profile: Profile) -> PortSet:
    """§16-§20: policy ports as a PortSet (endPort only when the profile supports it)."""
    terms = []
    for p in ports:
        if isinstance(p.port, str):
            terms.append(PortMatcher(p.protocol, name=p.port))
        elif p.port is None:
            terms.append(PortMatcher(p.protocol))
        else:
            last = p.end_port if (p.end_port is not None and profile.end_port) else p.port
            terms.append(PortMatcher(p.protocol, p.port, last))
    return PortSet(tuple(terms))


def members_vector(members: set[int], identities: npt.NDArray[np.intp]) -> npt.NDArray[np.bool_]:
    """Which of ``identities`` (an identity per peer class, -1: not a pod) are in ``members``."""
    if not members:
        return np.zeros(len(identities), dtype=bool)
    size = max(int(identities.max(initial=-1)), max(members)) + 2
    lookup = np.zeros(size, dtype=bool)
    lookup[np.fromiter(members, dtype=np.intp, count=len(members))] = True
    return lookup[identities]  # identity -1 (not a pod) reads the always-False last slot


class PolicyTables:
    """Compiled policies over live identities; the engine feeds it the cluster's changes."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.identities = IdentityTable()
        self.blocks = CidrSetTable()
        self.policies: dict[str, CompiledPolicy] = {}
        self.by_namespace: dict[str, list[CompiledPolicy]] = {}
        self._members: dict[Spec, set[int]] = {}
        self._subjects: dict[str, set[int]] = {}
        self._refs: dict[Spec, int] = {}
        self._scoped: dict[str, set[Spec]] = {}
        self._global: set[PeerSpec] = set()
        self._namespace_sets: dict[LabelSelector, set[str]] = {}
        self._terms: dict[LabelSelector, tuple[Term, ...]] = {}
        self._next_block = 0
        self._port_sets: dict[PortSet, PortSet] = {}

    # ---------------------------------------------------------------- queries
    def members(self, spec: Spec) -> set[int]:
        """The identities a spec matches (a live set: do not modify)."""
        return self._members[spec]

    def selecting(self, ident: int, direction: Direction) -> list[CompiledPolicy]:
        """The policies that select identity ``ident`` and isolate ``direction``, by key."""
        namespace = self.identities.namespace_of[ident]
        subjects = self._subjects
        return [
            p
            for p in self.by_namespace.get(namespace, ())
            if p.isolates(direction) and ident in subjects[p.key]
        ]

    def selected_by(self, ident: int) -> list[CompiledPolicy]:
        """Every policy selecting ``ident`` (whatever its policyTypes), by key."""
        namespace = self.identities.namespace_of[ident]
        return [
            p for p in self.by_namespace.get(namespace, ()) if ident in self._members[p.subject]
        ]

    # --------------------------------------------------------------- policies
    def add_policy(self, policy: NetworkPolicy) -> CompiledPolicy:
        """Compile and index one policy (replacing one with the same key)."""
        if policy.key in self.policies:
            self.remove_policy(policy.key)
        compiled = CompiledPolicy(
            key=policy.key,
            namespace=policy.namespace,
            subject=SubjectSpec(policy.namespace, policy.pod_selector),
            isolates_ingress=policy.isolates_ingress,
            isolates_egress=policy.isolates_egress,
            ingress=self._rules(policy, "ingress"),
            egress=self._rules(policy, "egress"),
        )
        for spec in compiled.specs():
            self._acquire(spec)
        self._subjects[policy.key] = self._members[compiled.subject]
        self.policies[policy.key] = compiled
        group = self.by_namespace.setdefault(policy.namespace, [])
        group.append(compiled)
        group.sort(key=lambda p: p.key)
        return compiled

    def remove_policy(self, key: str) -> None:
        """Forget one policy, its ipBlock entries and the specs only it used."""
        compiled = self.policies.pop(key)
        del self._subjects[key]
        self.by_namespace[compiled.namespace].remove(compiled)
        for spec in compiled.specs():
            self._release(spec)
        for block in compiled.blocks():
            self.blocks.remove(block)

    def _rules(self, policy: NetworkPolicy, direction: Direction) -> tuple[CompiledRule, ...]:
        out = []
        for index, rule in enumerate(policy.rules(direction)):
            peers = tuple(self._peer(policy, peer) for peer in rule.peers)
            ports = compile_ports(rule.ports, self.profile)
            # equal PortSets shared: few distinct values, and fewer objects for the cyclic GC
            ports = self._port_sets.setdefault(ports, ports)
            out.append(CompiledRule(index, peers, ports))
        return tuple(out)

    def _peer(self, policy: NetworkPolicy, peer: PolicyPeer) -> CompiledPeer:
        if peer.ip_block is not None:
            block = self._next_block
            self._next_block += 1
            self.blocks.add(block, peer.ip_block.cidr, peer.ip_block.except_)
            return CompiledPeer(block=block)
        # with a namespaceSelector the policy's own namespace plays no part: share the spec
        scope = policy.namespace if peer.namespace_selector is None else ""
        return CompiledPeer(PeerSpec(scope, peer.pod_selector, peer.namespace_selector))

    # ------------------------------------------------------------------ specs
    def acquire_spec(self, spec: Spec) -> set[int]:
        """Take a reference to a selector spec for another compiler (the cluster-wide tiers,
        :mod:`netsim.policy.tiercompile`): kept up to date like the policies' own specs.

        Returns the spec's live member set (do not modify).
        """
        self._acquire(spec)
        return self._members[spec]

    def release_spec(self, spec: Spec) -> None:
        """Drop a reference taken with :meth:`acquire_spec`."""
        self._release(spec)

    def _selector_terms(self, selector: LabelSelector) -> tuple[Term, ...]:
        terms = self._terms.get(selector)
        if terms is None:
            terms = self._terms[selector] = selector_terms(selector)
        return terms

    def _namespaces(self, selector: LabelSelector) -> set[str]:
        found = self._namespace_sets.get(selector)
        if found is None:
            found = self._namespace_sets[selector] = self.identities.select_namespaces(selector)
        return found

    def _acquire(self, spec: Spec) -> None:
        if spec in self._refs:
            self._refs[spec] += 1
            return
        self._refs[spec] = 1
        self._members[spec] = self._evaluate(spec)
        if isinstance(spec, PeerSpec) and spec.namespace_selector is not None:
            self._global.add(spec)
        else:
            self._scoped.setdefault(spec.namespace, set()).add(spec)

    def _release(self, spec: Spec) -> None:
        self._refs[spec] -= 1
        if self._refs[spec]:
            return
        del self._refs[spec]
        del self._members[spec]
        if isinstance(spec, PeerSpec) and spec.namespace_selector is not None:
            self._global.discard(spec)
        else:
            self._scoped[spec.namespace].discard(spec)

    def _evaluate(self, spec: Spec) -> set[int]:
        ids = self.identities
        if isinstance(spec, SubjectSpec):
            within = ids.members.get(spec.namespace, set())
            return ids.pods.select(self._selector_terms(spec.selector), within)
        if spec.namespace_selector is None:
            namespaces = {spec.namespace}
        else:
            namespaces = self._namespaces(spec.namespace_selector)
        if spec.pod_selector is None:
            return ids.in_namespaces(namespaces)
        terms = self._selector_terms(spec.pod_selector)
        if len(namespaces) == len(ids.namespace_ids):
            return ids.pods.select(terms)  # every namespace
        if len(namespaces) == 1:  # intersect from the namespace's identities (small) first
            (only,) = namespaces
            return ids.pods.select(terms, ids.members.get(only, set()))
        # several namespaces: intersect with their identities (a union, in C) rather than
        # test the selector's matches one by one in Python (5x faster at 150k pods)
        return ids.pods.select(terms, ids.in_namespaces(namespaces))

    def _spec_matches(self, spec: Spec, ident: int) -> bool:
        ids = self.identities
        namespace = ids.namespace_of[ident]
        if isinstance(spec, SubjectSpec):
            return spec.namespace == namespace and terms_match(
                ids.pods.labels(ident), self._selector_terms(spec.selector)
            )
        if spec.namespace_selector is None:
            if spec.namespace != namespace:
                return False
        elif namespace not in self._namespaces(spec.namespace_selector):
            return False
        return spec.pod_selector is None or terms_match(
            ids.pods.labels(ident), self._selector_terms(spec.pod_selector)
        )

    # ------------------------------------------------------------- identities
    def add_pod_identity(self, namespace: str, labels: Labels) -> int:
        """Take a reference to a pod's identity, testing a new one against the specs."""
        if namespace not in self.identities.namespace_ids:
            self.set_namespace(namespace, Labels())
        ident, new = self.identities.acquire(namespace, labels)
        if new:
            for spec in (*self._scoped.get(namespace, ()), *self._global):
                if self._spec_matches(spec, ident):
                    self._members[spec].add(ident)
        return ident

    def release_pod_identity(self, ident: int) -> None:
        """Drop a pod's reference; a dead identity leaves every spec."""
        namespace = self.identities.namespace_of[ident]
        if self.identities.release(ident):
            for spec in (*self._scoped.get(namespace, ()), *self._global):
                self._members[spec].discard(ident)

    def set_namespace(self, name: str, labels: Labels) -> None:
        """A namespace appeared or was relabelled: re-test its identities on namespace selectors."""
        self.identities.set_namespace(name, labels)
        self._namespace_sets.clear()
        affected = self.identities.members.get(name, set())
        for spec in self._global:
            members = self._members[spec]
            for ident in affected:
                if self._spec_matches(spec, ident):
                    members.add(ident)
                else:
                    members.discard(ident)
