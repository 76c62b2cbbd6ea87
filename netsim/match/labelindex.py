"""An inverted index from labels to object ids, answering set-based selectors with set algebra.

Objects are int ids with a label set (``(key, value)`` pairs). A selector is a
list of terms, all ANDed:

- ``("=", key, (value,))`` and ``("In", key, values)``: key present with a value in ``values``;
- ``("NotIn", key, values)``: key absent, or its value not in ``values``;
- ``("Exists", key, ())``: key present; ``("DoesNotExist", key, ())``: key absent.

No terms matches every object. Positive terms intersect posting sets
(smallest first), negative terms subtract, so a selector costs about the size
of its smallest posting list, not the number of objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Set

Term = tuple[str, str, tuple[str, ...]]

EMPTY: frozenset[int] = frozenset()
SCAN_WITHIN = 128
"""``select`` tests the ids of a ``within`` set this small one by one."""


class LabelIndex:
    """Inverted label index over int ids; ``select(terms, within)`` evaluates a selector."""

    def __init__(self) -> None:
        self._labels: dict[int, dict[str, str]] = {}
        self._by_pair: dict[tuple[str, str], set[int]] = {}
        self._by_key: dict[str, set[int]] = {}
        """Key -> ids having it, only for the keys an Exists/DoesNotExist term asked about
        (built on first use, then kept up to date): one set fewer to grow per label."""
        self._all: set[int] = set()

    def add(self, ident: int, labels: Iterable[tuple[str, str]]) -> None:
        """Index object ``ident`` with ``labels`` (replacing its previous labels)."""
        if ident in self._all:
            self.remove(ident)
        mapping = dict(labels)
        self._labels[ident] = mapping
        self._all.add(ident)
        by_pair, by_key = self._by_pair, self._by_key
        for pair in mapping.items():
            members = by_pair.get(pair)
            if members is None:
                members = by_pair[pair] = set()
            members.add(ident)
            members = by_key.get(pair[0])
            if members is not None:
                members.add(ident)

    def remove(self, ident: int) -> None:
        """Forget object ``ident`` (no error if unknown)."""
        mapping = self._labels.pop(ident, None)
        if mapping is None:
            return
        self._all.discard(ident)
        by_key = self._by_key
        for key, value in mapping.items():
            self._by_pair[(key, value)].discard(ident)
            if key in by_key:
                by_key[key].discard(ident)

    def __len__(self) -> int:
        return len(self._all)

    def __contains__(self, ident: object) -> bool:
        return ident in self._all

    @property
    def ids(self) -> Set[int]:
        """Every indexed id (a live view: do not modify)."""
        return self._all

    def labels(self, ident: int) -> dict[str, str]:
        """The labels of ``ident`` (a live dict: do not modify)."""
        return self._labels[ident]

    def _with_key(self, key: str) -> set[int]:
        """The ids having label ``key`` (a live set: do not modify)."""
        found = self._by_key.get(key)
        if found is None:
            found = self._by_key[key] = set()
            for (k, _), members in self._by_pair.items():
                if k == key:
                    found |= members
        return found

    def _positive(self, term: Term) -> Set[int]:
        op, key, values = term
        if op == "Exists":
            return self._with_key(key)
        if len(values) == 1:
            return self._by_pair.get((key, values[0]), EMPTY)
        union: set[int] = set()
        for value in values:
            union |= self._by_pair.get((key, value), EMPTY)
        return union

    def select(self, terms: Iterable[Term], within: Set[int] | None = None) -> set[int]:
        """The ids (optionally only those in ``within``) whose labels satisfy every term.

        A small ``within`` (a namespace's identities) is intersected with the
        posting sets of single-value terms (in C), and what is left is scanned id
        by id for the other terms: cheaper than building a multi-value ``In``
        union over the whole index.
        """
        if within is not None and len(within) <= SCAN_WITHIN:
            return self._select_within(tuple(terms), within)
        positive: list[Set[int]] = []
        negative: list[Set[int]] = []
        for op, key, values in terms:
            if op in ("=", "In", "Exists"):
                positive.append(self._positive((op, key, values)))
            elif op == "NotIn":
                negative.append(self._positive(("In", key, values)))
            elif op == "DoesNotExist":
                negative.append(self._positive(("Exists", key, ())))
            else:
                raise ValueError(f"unknown selector operator {op!r}")
        if not positive:
            positive.append(self._all)
        if within is not None:
            positive.append(within)
        positive.sort(key=len)
        result = set(positive[0])
        for other in positive[1:]:
            if not result:
                break
            result.intersection_update(other)
        for other in negative:
            if not result:
                break
            result.difference_update(other)
        return result

    def _select_within(self, terms: tuple[Term, ...], within: Set[int]) -> set[int]:
        result = self._all.intersection(within)
        rest: list[Term] = []
        for term in terms:
            op, key, values = term
            if op == "Exists" or (op in ("=", "In") and len(values) == 1):
                result &= self._positive(term)
            elif op == "DoesNotExist":
                result -= self._with_key(key)
            elif op in ("In", "NotIn"):
                rest.append(term)
            else:
                raise ValueError(f"unknown selector operator {op!r}")
        if rest and result:
            labels = self._labels
            return {i for i in result if terms_match(labels[i], rest)}
        return result

    def matches(self, ident: int, terms: Iterable[Term]) -> bool:
        """Tell whether one indexed object satisfies every term."""
        return terms_match(self._labels[ident], terms)


def terms_match(labels: dict[str, str], terms: Iterable[Term]) -> bool:
    """Evaluate selector terms against one label mapping."""
    for op, key, values in terms:
        value = labels.get(key)
        if op in ("=", "In"):
            if value is None or value not in values:
                return False
        elif op == "NotIn":
            if value is not None and value in values:
                return False
        elif op == "Exists":
            if value is None:
                return False
        elif op == "DoesNotExist":
            if value is not None:
                return False
        else:
            raise ValueError(f"unknown selector operator {op!r}")
    return True
