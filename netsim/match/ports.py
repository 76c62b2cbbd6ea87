"""Port matchers: a protocol with all ports, an inclusive range, or a named port.

A named port means a different number on each destination, so it is
resolved at lookup against a ``(name, protocol) -> number`` mapping supplied
by the caller (the destination's declared ports).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

NamedPorts = Mapping[tuple[str, str], int]
NO_NAMED_PORTS: NamedPorts = {}


@dataclass(frozen=True, slots=True)
class PortMatcher:
    """One port term: ``protocol`` plus all ports (``first`` None), ``first..last``, or ``name``."""

    protocol: str
    first: int | None = None
    last: int | None = None
    name: str | None = None

    @property
    def is_named(self) -> bool:
        """True for a named port (resolved per destination)."""
        return self.name is not None

    def matches(self, protocol: str, port: int, named: NamedPorts = NO_NAMED_PORTS) -> bool:
        """Tell whether (protocol, port) at a destination with ``named`` ports matches."""
        if protocol != self.protocol:
            return False
        if self.name is not None:
            return named.get((self.name, protocol)) == port
        if self.first is None:
            return True
        last = self.first if self.last is None else self.last
        return self.first <= port <= last


@dataclass(frozen=True, slots=True)
class PortSet:
    """A union of :class:`PortMatcher` terms; empty means every port of every protocol."""

    terms: tuple[PortMatcher, ...] = ()

    @property
    def any(self) -> bool:
        """True when the set has no terms, i.e. it matches everything."""
        return not self.terms

    @property
    def has_named(self) -> bool:
        """True when some term is a named port (the answer depends on the destination)."""
        return any(t.is_named for t in self.terms)

    def first_match(
        self, protocol: str, port: int, named: NamedPorts = NO_NAMED_PORTS
    ) -> int | None:
        """Index of the first matching term, or None (an empty set returns None too)."""
        for index, term in enumerate(self.terms):
            if term.matches(protocol, port, named):
                return index
        return None

    def matches(self, protocol: str, port: int, named: NamedPorts = NO_NAMED_PORTS) -> bool:
        """Tell whether (protocol, port) matches some term (or the set is empty)."""
        return not self.terms or self.first_match(protocol, port, named) is not None
