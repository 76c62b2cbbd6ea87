"""Type stub of the optional C helper ``netsim.match._lpm`` (see _lpm.c)."""

from collections.abc import Callable
from typing import Any, SupportsIndex

class Table4:
    """A DIR-16-8-8 IPv4 table: three int32 levels and a tuple of values."""

    def __init__(self, rebuild: Callable[[], object] | None = None) -> None: ...
    def lookup4(self, address: SupportsIndex, /) -> Any:
        """The value for an int IPv4 address (0..2**32-1)."""
    def set(self, level1: Any, level2: Any, level3: Any, values: tuple[Any, ...], /) -> None:
        """Copy in a new table."""
    def invalidate(self) -> None:
        """Drop the table; the next lookup4 calls rebuild() first."""
