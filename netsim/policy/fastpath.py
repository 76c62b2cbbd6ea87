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
from typing import Any, cast

from netsim.model.netpol import Direction
from netsim.policy.portclasses import PORT_LIMIT
from netsim.policy.registry import Record
from netsim.policy.siderows import FastEntry, SideRows

Verdict = Callable[[str, str, str, int], bool]
"""``allowed(src_ip, dst_ip, protocol, port)``."""
FastRow = list[FastEntry]
"""A group's entries for the bool path, by port class."""
FastRows = list[FastRow]
"""A group's rows by destination signature + 1, when its rules use named ports."""
FastRecord = tuple[int, int, frozenset[int], int, Any, Any, bool, bool]
"""(pod number, identity, ipBlock entries, named-port signature + 1, egress, ingress,
egress by signature, ingress by signature): egress and ingress are the group's
:data:`FastRow`, or its :data:`FastRows` when the flag after says so. Pod numbers are
compared by identity (one int object per pod key)."""

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
        if type(entry) is set:
            return remote[1] in entry
        sets, blocks = cast("tuple[tuple[set[int], ...], frozenset[int]]", entry)
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
            or src[0] is dst[0]
            or type(port) is not int
            or not 0 <= port < PORT_LIMIT
        ):
            return slow(src_ip, dst_ip, protocol, port)
        at_class = table[port]
        row = src[4][dst[3]] if src[6] else src[4]
        if not admits(row[at_class], dst):
            return False
        row = dst[5][dst[3]] if dst[7] else dst[5]
        return admits(row[at_class], src)

    return allowed


class FastPath:
    """The remembered pods and the verdict function reading them (C or Python)."""

    def __init__(self, rows: SideRows, slow: Verdict, compiled: bool = COMPILED) -> None:
        self.rows = rows
        self.records: dict[str, FastRecord] = {}
        """Remembered pods by IP (a live dict: :attr:`allowed` reads it)."""
        self._group_rows: dict[tuple[Direction, int], tuple[Any, bool]] = {}
        self._pod_numbers: dict[str, int] = {}
        self._named_groups: list[tuple[Direction, int]] = []
        self._converted: dict[int, list[FastEntry]] = {}  # id(row) -> its bool form
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
        self._pod_numbers.clear()

    def forget_rows(self) -> None:
        """Forget the pods and the groups' bool rows too (after :meth:`SideRows.forget`)."""
        self.forget()
        self._group_rows.clear()
        self._named_groups.clear()
        self._converted.clear()

    def remember(self, ip: str, record: Record) -> None:
        """Keep a pod's record (a pod's only: nodes and external hosts take the full path)."""
        if record.kind != "pod" or record.identity < 0:
            return
        rows = self.rows
        rows.sync()
        signatures = len(rows.registry.named)
        if signatures != self._signatures:  # named groups: a row for each new signature
            for direction, group in self._named_groups:
                by_signature: FastRows = self._group_rows[(direction, group)][0]
                for signature in range(self._signatures, signatures):
                    by_signature.append(self._fast_row(direction, group, signature))
            self._signatures = signatures
        number = self._pod_numbers.setdefault(record.key, len(self._pod_numbers))
        egress, egress_named = self._rows_of("egress", record.egress)
        ingress, ingress_named = self._rows_of("ingress", record.ingress)
        self.records[ip] = (
            number,
            record.identity,
            record.blocks,
            record.named + 1,
            egress,
            ingress,
            egress_named,
            ingress_named,
        )

    def _rows_of(self, direction: Direction, group: int) -> tuple[FastRow | FastRows, bool]:
        """A group's bool row, or (its rules use named ports) its rows by signature + 1;
        and which of the two."""
        found = self._group_rows.get((direction, group))
        if found is None:
            named = self.rows.uses_named(direction, group)
            if named:
                self._named_groups.append((direction, group))
                rows = [self._fast_row(direction, group, s) for s in range(-1, self._signatures)]
                found = (rows, True)
            else:
                found = (self._fast_row(direction, group, -1), False)
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
