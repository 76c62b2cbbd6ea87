"""How kubectl lays text out: ages, timestamps and Go's tabwriter alignment."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

EPOCH = datetime.datetime(2018, 3, 1, tzinfo=datetime.UTC)
"""Wall-clock time of simulated second 0 (``Created on:`` in ``describe``)."""


def moment(seconds: float) -> datetime.datetime:
    """The wall-clock time of a simulated second (whole seconds, as the apiserver stores)."""
    return EPOCH + datetime.timedelta(seconds=int(seconds))


def format_created(seconds: float) -> str:
    """``Created on:`` as Go prints a metav1.Time (``2018-03-01 00:00:33 +0000 UTC``)."""
    return moment(seconds).strftime("%Y-%m-%d %H:%M:%S +0000 UTC")


def rfc3339(seconds: float) -> str:
    """``creationTimestamp`` as the API serializes it (``2018-03-01T00:00:33Z``)."""
    return moment(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc1123z(seconds: float) -> str:
    """``Start Time:`` in ``describe pod`` (Go's RFC1123Z: ``Thu, 01 Mar 2018 00:00:33 +0000``)."""
    return moment(seconds).strftime("%a, %d %b %Y %H:%M:%S +0000")


def short_duration(seconds: float) -> str:
    """kubectl's ``AGE``: ``33s``, ``46m``, ``5h``, ``3d``, ``2y``."""
    s = int(seconds)
    if s < 0:
        return "<invalid>"
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h"
    if s < 86400 * 365:
        return f"{s // 86400}d"
    return f"{s // (86400 * 365)}y"


def tabulate(tables: Sequence[Sequence[Sequence[str]]]) -> str:
    """Align rows as kubectl's tabwriter does (min width 10, padding 3), tables blank-separated.

    Columns are aligned across all tables, as in the walkthrough's ``kubectl get svc,pod``.
    """
    widths: dict[int, int] = {}
    for table in tables:
        for row in table:
            for i, cell in enumerate(row[:-1]):
                widths[i] = max(widths.get(i, 10), len(cell) + 3)
    blocks = []
    for table in tables:
        lines = []
        for row in table:
            cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
            lines.append(("".join(cells) + row[-1]).rstrip())
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def tabwrite(text: str, padding: int = 2, minwidth: int = 0) -> str:
    """Align tab-separated cells as Go's text/tabwriter does (what ``describe`` prints through).

    A column block is a run of consecutive lines that all have a cell in that column;
    each block is as wide as its widest cell plus ``padding``. The text after a line's
    last tab is not a cell and is written as it is.
    """
    lines = [line.split("\t") for line in text.split("\n")]
    out: list[str] = ["" for _ in lines]

    def format_block(column: int, first: int, last: int) -> None:
        this = first
        while this < last:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            start = this
            width = minwidth
            while this < last and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + padding)
                this += 1
            for row in range(start, this):
                out[row] += lines[row][column].ljust(width)
            format_block(column + 1, start, this)

    format_block(0, 0, len(lines))
    return "\n".join(prefix + line[-1] for prefix, line in zip(out, lines, strict=True))
