"""Labels and label selectors with Kubernetes' matching semantics.

"An empty label selector matches all objects. A null label selector matches no
objects." (apimachinery LabelSelector). A null selector is represented by
``None`` where the field is optional; :class:`LabelSelector` itself is never null.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"

Operator = Literal["In", "NotIn", "Exists", "DoesNotExist"]
OPERATORS: tuple[Operator, ...] = ("In", "NotIn", "Exists", "DoesNotExist")


@dataclass(frozen=True, slots=True)
class Labels:
    """An immutable, hashable label set; ``items`` is sorted by key."""

    items: tuple[tuple[str, str], ...] = ()
    _index: dict[str, str] = field(default_factory=dict, compare=False, hash=False, repr=False)
    _hash: int = field(default=0, init=False, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(sorted(self.items)))
        self._index.update(self.items)
        object.__setattr__(self, "_hash", hash(self.items))

    def __hash__(self) -> int:
        # computed once: label sets key the identity table, one lookup per pod
        return self._hash

    @classmethod
    def of(cls, mapping: Mapping[str, str] | None = None, **labels: str) -> Labels:
        """Build a label set from a mapping and/or keyword arguments."""
        merged = dict(mapping or {})
        merged.update(labels)
        return cls(tuple(merged.items()))

    def get(self, key: str, default: str | None = None) -> str | None:
        """Return the value of ``key``, or ``default`` when absent."""
        return self._index.get(key, default)

    def with_label(self, key: str, value: str) -> Labels:
        """Return a copy with ``key`` set to ``value``."""
        merged = dict(self._index)
        merged[key] = value
        return Labels(tuple(merged.items()))

    def without(self, key: str) -> Labels:
        """Return a copy without ``key``."""
        return Labels(tuple((k, v) for k, v in self.items if k != key))

    def as_dict(self) -> dict[str, str]:
        """Return a fresh, key-sorted dict of the labels."""
        return dict(self.items)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __str__(self) -> str:
        return ",".join(f"{k}={v}" for k, v in self.items)


@dataclass(frozen=True, slots=True)
class Requirement:
    """One ``matchExpressions`` entry.

    - ``In``: the key is present and its value is in ``values``.
    - ``NotIn``: the key is absent, or its value is not in ``values``.
    - ``Exists``: the key is present. ``DoesNotExist``: the key is absent.
    """

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Labels) -> bool:
        """Tell whether a label set satisfies this requirement."""
        value = labels.get(self.key)
        if self.operator == "In":
            return value is not None and value in self.values
        if self.operator == "NotIn":
            return value is None or value not in self.values
        if self.operator == "Exists":
            return value is not None
        return value is None


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """A label selector; all ``match_labels`` and ``match_expressions`` terms are ANDed.

    An empty selector (no terms) matches every label set.
    """

    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[Requirement, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "match_labels", tuple(sorted(self.match_labels)))

    @property
    def is_empty(self) -> bool:
        """True for ``{}``: the selector matches everything."""
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: Labels) -> bool:
        """Tell whether a label set satisfies every term of the selector."""
        for key, value in self.match_labels:
            if labels.get(key) != value:
                return False
        return all(req.matches(labels) for req in self.match_expressions)

    def __str__(self) -> str:
        """Render as kubectl does (``app=web,tier in (a,b)``; ``<none>`` when empty)."""
        parts = [f"{k}={v}" for k, v in self.match_labels]
        for req in self.match_expressions:
            if req.operator == "In":
                parts.append(f"{req.key} in ({','.join(req.values)})")
            elif req.operator == "NotIn":
                parts.append(f"{req.key} notin ({','.join(req.values)})")
            elif req.operator == "Exists":
                parts.append(req.key)
            else:
                parts.append(f"!{req.key}")
        return ",".join(parts) if parts else "<none>"
