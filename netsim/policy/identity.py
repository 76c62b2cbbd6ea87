"""Identities, as Cilium has them: pods with the same namespace and label set share an int.

Selectors are evaluated per identity (through :class:`netsim.match.labelindex.LabelIndex`),
never per pod or per packet. Namespaces get ints too, indexed by their labels,
so a ``namespaceSelector`` is one index query.
"""

from __future__ import annotations

from collections.abc import Set

from netsim.match.labelindex import LabelIndex, Term
from netsim.model.labels import Labels, LabelSelector


def selector_terms(selector: LabelSelector) -> tuple[Term, ...]:
    """A LabelSelector as LabelIndex terms (matchLabels and matchExpressions, ANDed)."""
    terms: list[Term] = [("=", k, (v,)) for k, v in selector.match_labels]
    terms += [(r.operator, r.key, tuple(r.values)) for r in selector.match_expressions]
    return tuple(terms)


class IdentityTable:
    """The identities of the pods present, with reference counts, and the namespaces.

    An identity lives while at least one pod has it; its id is never reused.
    """

    def __init__(self) -> None:
        self.pods = LabelIndex()
        """Identity id -> pod labels."""
        self.namespaces = LabelIndex()
        """Namespace id -> namespace labels."""
        self.namespace_of: dict[int, str] = {}
        self.labels_of: dict[int, Labels] = {}
        self.members: dict[str, set[int]] = {}
        """Namespace name -> its live identities."""
        self.namespace_ids: dict[str, int] = {}
        self.namespace_names: dict[int, str] = {}
        self._by_key: dict[str, dict[Labels, int]] = {}
        """Namespace -> labels -> live identity (no (namespace, labels) tuple per identity:
        nothing for the cyclic GC to trace, and no tuple hashed per lookup)."""
        self._refs: dict[int, int] = {}
        self._next = 0

    def __len__(self) -> int:
        return len(self._refs)

    def get(self, namespace: str, labels: Labels) -> int | None:
        """The id of a live identity, or None."""
        return self._by_key.get(namespace, {}).get(labels)

    def acquire(self, namespace: str, labels: Labels) -> tuple[int, bool]:
        """Take a reference to the identity of (namespace, labels); True when it is new."""
        of_namespace = self._by_key.get(namespace)
        if of_namespace is None:
            of_namespace = self._by_key[namespace] = {}
        ident = of_namespace.get(labels)
        if ident is not None:
            self._refs[ident] += 1
            return ident, False
        ident = self._next
        self._next += 1
        of_namespace[labels] = ident
        self._refs[ident] = 1
        self.namespace_of[ident] = namespace
        self.labels_of[ident] = labels
        self.members.setdefault(namespace, set()).add(ident)
        self.pods.add(ident, labels.items)
        return ident, True

    def release(self, ident: int) -> bool:
        """Drop a reference; True when the identity died (its last pod is gone)."""
        self._refs[ident] -= 1
        if self._refs[ident] > 0:
            return False
        del self._refs[ident]
        namespace = self.namespace_of.pop(ident)
        labels = self.labels_of.pop(ident)
        del self._by_key[namespace][labels]
        self.members[namespace].discard(ident)
        self.pods.remove(ident)
        return True

    def set_namespace(self, name: str, labels: Labels) -> int:
        """Add or relabel namespace ``name``; returns its id."""
        nid = self.namespace_ids.get(name)
        if nid is None:
            nid = self.namespace_ids[name] = len(self.namespace_ids)
            self.namespace_names[nid] = name
        self.namespaces.add(nid, labels.items)
        self.members.setdefault(name, set())
        return nid

    def namespace_labels(self, name: str) -> dict[str, str]:
        """The labels of a known namespace (empty for one never declared)."""
        nid = self.namespace_ids.get(name)
        if nid is None:
            return {}
        return self.namespaces.labels(nid)

    def select_namespaces(self, selector: LabelSelector) -> set[str]:
        """Names of the namespaces whose labels match ``selector``."""
        names = self.namespace_names
        return {names[n] for n in self.namespaces.select(selector_terms(selector))}

    def in_namespaces(self, names: Set[str]) -> set[int]:
        """The live identities of the given namespaces."""
        out: set[int] = set()
        for name in names:
            out |= self.members.get(name, set())
        return out
