"""The bool fast path of ``PolicyEngine.allowed``: pod-to-pod verdicts from prebuilt rows.

A pod's first verdict leaves a :data:`FastRecord` here: its key, identity,
ipBlock entries, named-port signature and its groups' rows as the bool path
reads them (:attr:`~netsim.policy.siderows.SideEntry.fast`, by port class and,
for a group whose rules use named ports, by the destination's signature).
Every later flow between two remembered pods is then a few reads: both
records, the port's class, one entry per side, a set membership test.

It answers only pairs that no opening check can touch (two different pods,
policy enforced, a protocol with port classes, no cluster-wide tier: see
:meth:`~netsim.policy.sides.SideDecider.opening`); anything else, and any
address not remembered, goes to the engine's full path, which remembers it.
The reads are done in C by :mod:`netsim.policy._sidefast` when that optional
extension was built (``pip install`` compiles it where a C compiler exists),
else by :func:`python_allowed`, which does exactly the same reads; both are
tested against each other and against the reference evaluator.
"""

from __future__ import annotations

from collections.abc import Callable

from netsim.model.netpol import Direction
from netsim.policy.portclasses import PORT_LIMIT
from netsim.policy.registry import Record
from netsim.policy.siderows import FastEntry, SideRows

Verdict = Callable[[str, str, str, int], bool]
"""``allowed(src_ip, dst_ip, protocol, port)``."""
FastRows = list[list[FastEntry]]
"""A group's rows for the bool path: by destination signature + 1 (one row when the
group's rules use no named ports), each by port class."""
FastRecord = tuple[str, int, frozenset[int], int, FastRows, FastRows]
"""(pod key, identity, ipBlock entries, named-port signature + 1, egress rows, ingress rows)."""

try:
    from netsim.policy import _sidefast  # type: ignore[attr-defined]
except ImportError:  # not compiled (no C compiler at install time): the same reads in Python
    _sidefast = None

COMPILED = _sidefast is not None
"""True when the C reads (:mod:`netsim.policy._sidefast`) are in use."""


def python_allowed(
    records: dict[str, FastRecord], tables: dict[str, list[int]], slow: Verdict
) -> Verdict:
    """The fast path in Python: ``records`` and ``tables`` are live dicts read per call;
    ``slow`` answers whatever they cannot."""
    get = records.get
    table_of = tables.get

    def admits(entry: FastEntry, remote: FastRecord) -> bool:
        if entry is True:
            return True
        sets, blocks = entry  # type: ignore[misc]
        identity = remote[1]
        for members in sets:
            if identity in members:
                return True
        return bool(blocks) and not blocks.isdisjoint(remote[2])

    def allowed(src_ip: str, dst_ip: str, protocol: str, port: int) -> bool:
        src = get(src_ip)
        dst = get(dst_ip)
        table = table_of(protocol)
        if (
            src is None
            or dst is None
            or table is None
            or src[0] == dst[0]
            or type(port) is not int
            or not 0 <= port < PORT_LIMIT
        ):
            return slow(src_ip, dst_ip, protocol, port)
        at_class = table[port]
        rows = src[4]
        if not admits((rows[dst[3]] if len(rows) > 1 else rows[0])[at_class], dst):
            return False
        rows = dst[5]
        return admits((rows[dst[3]] if len(rows) > 1 else rows[0])[at_class], src)

    return allowed


class FastPath:
    """The remembered pods and the verdict function reading them (C or Python)."""

    def __init__(self, rows: SideRows, slow: Verdict, compiled: bool = COMPILED) -> None:
        self.rows = rows
        self.records: dict[str, FastRecord] = {}
        """Remembered pods by IP (a live dict: :attr:`allowed` reads it)."""
        self._group_rows: dict[tuple[Direction, int], FastRows] = {}
        self._named_groups: list[tuple[Direction, int]] = []
        self._converted: dict[int, list[FastEntry]] = {}  # id(row) -> its bool form
        self._version = rows.version
        self._signatures = len(rows.registry.named)
        self.compiled = compiled and _sidefast is not None
        """True when :attr:`allowed` is the C reader."""
        tables = rows.ports.tables
        self.allowed: Verdict = (
            _sidefast.FastAllowed(self.records, tables, slow, PORT_LIMIT).allowed
            if self.compiled
            else python_allowed(self.records, tables, slow)
        )
        """``allowed(src_ip, dst_ip, protocol, port)``: remembered pod pairs read here, the
        rest through ``slow``."""

    def forget(self) -> None:
        """Forget every remembered pod (after any change to the cluster)."""
        self.records.clear()

    def remember(self, ip: str, record: Record) -> None:
        """Keep a pod's record (a pod's only: nodes and external hosts take the full path)."""
        if record.kind != "pod" or record.identity < 0:
            return
        rows = self.rows
        rows.sync()
        if rows.version != self._version:
            self._group_rows.clear()
            self._named_groups.clear()
            self._converted.clear()
            self.records.clear()
            self._version = rows.version
        signatures = len(rows.registry.named)
        if signatures != self._signatures:  # named groups: a row for each new signature
            for direction, group in self._named_groups:
                found = self._group_rows[(direction, group)]
                for signature in range(self._signatures, signatures):
                    found.append(self._fast_row(direction, group, signature))
            self._signatures = signatures
        self.records[ip] = (
            record.key,
            record.identity,
            record.blocks,
            record.named + 1,
            self._rows_of("egress", record.egress),
            self._rows_of("ingress", record.ingress),
        )

    def _rows_of(self, direction: Direction, group: int) -> FastRows:
        """A group's bool rows: one, or one per signature (index: signature + 1)."""
        found = self._group_rows.get((direction, group))
        if found is None:
            named = self.rows.uses_named(direction, group)
            if named:
                self._named_groups.append((direction, group))
            last = self._signatures if named else 0
            found = [self._fast_row(direction, group, s) for s in range(-1, last)]
            self._group_rows[(direction, group)] = found
        return found

    def _fast_row(self, direction: Direction, group: int, signature: int) -> list[FastEntry]:
        """One row as the bool path reads it (rows shared by signatures share it too)."""
        row = self.rows.row(direction, group, signature)
        fast = self._converted.get(id(row))
        if fast is None:
            fast = self._converted[id(row)] = [entry.fast for entry in row]
            self.rows.track(fast)
        return fast
