"""Truth tables written with numpy, a block of rows at a time (no Python loop over cells).

Byte for byte the text of :func:`netsim.policy.truthtable.truth_table` (tab-separated)
and :func:`netsim.policy.truthtable.aligned_table` (columns padded) for a table of
one-character marks, but each row block is built as one ``uint8`` array (the marks
dropped into a template row at fixed offsets) and written out as bytes. Memory is
bounded by ``ROW_BYTES_PER_BLOCK``, not by the table's text (1.5 GB for 30 ports
at 5,000 pods).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

Layout = Literal["tab", "aligned"]
ROW_BYTES_PER_BLOCK = 32 << 20
"""Bytes of text built at once (a block holds as many rows as fit)."""
ALLOWED, DENIED = ord("."), ord("X")


class Sink(Protocol):
    """Where tables are written: a binary stream (``sys.stdout.buffer``, ``io.BytesIO``)."""

    def write(self, data: bytes | memoryview, /) -> int:
        """Write ``data``; return how many bytes."""
        ...


def mark_codes(table: npt.NDArray[np.bool_]) -> npt.NDArray[np.uint8]:
    """``.`` (allowed) and ``X`` (denied) as ASCII codes, one byte per cell."""
    return np.where(table, np.uint8(ALLOWED), np.uint8(DENIED)).astype(np.uint8, copy=False)


def _encoded(names: list[str]) -> list[bytes]:
    return [name.encode() for name in names]


def write_table(
    out: Sink,
    rows: list[str],
    cols: list[str],
    marks: npt.NDArray[np.uint8],
    layout: Layout = "tab",
) -> None:
    """Write the table's text, each line ending in a newline.

    ``marks[i, j]`` is the ASCII code of the mark of row ``i``, column ``j`` (one
    printable, non-space character). What is written equals
    ``truth_table(rows, cols, marks) + "\n"`` (``layout="tab"``) or
    ``aligned_table(...) + "\n"`` (``layout="aligned"``). One block buffer, filled
    with the constant parts of a row once, is reused for every block of rows.
    """
    row_names, col_names = _encoded(rows), _encoded(cols)
    if layout == "tab":
        widths = [1] * len(cols)
        first = 0
        sep = b"\t"
        out.write(b"\t".join([b"-", *col_names]) + b"\n")
    else:
        widths = [max(len(c), 1) for c in col_names]
        first = max([1, *map(len, row_names)])
        sep = b"  "
        cells = [b"-".ljust(first), *(c.ljust(w) for c, w in zip(col_names, widths, strict=True))]
        out.write(sep.join(cells).rstrip(b" ") + b"\n")
    if not rows:
        return
    # one row: [name padded to `first`] then per column sep + mark + padding; the last
    # column's padding is dropped (rstrip), then a newline
    offsets = first + len(sep) + np.cumsum([0, *(len(sep) + w for w in widths)])[:-1]
    length = int(offsets[-1]) + 2 if len(widths) else first + 1
    template = np.full(length, ord(" "), dtype=np.uint8)
    template[-1] = ord("\n")
    for at in offsets.tolist():
        template[at - len(sep) : at] = np.frombuffer(sep, dtype=np.uint8)
    block = max(1, min(len(rows), ROW_BYTES_PER_BLOCK // length))
    buf = np.empty((block, length), dtype=np.uint8)
    buf[:] = template
    for start in range(0, len(rows), block):
        chunk = marks[start : start + block]
        view = buf[: len(chunk)]
        if len(widths):
            view[:, offsets] = chunk
        names = row_names[start : start + block]
        if layout == "aligned":
            padded = np.array([n.ljust(first) for n in names], dtype=f"S{first}")
            view[:, :first] = padded.view(np.uint8).reshape(len(chunk), first)
            out.write(view.data.cast("B"))
        else:
            data = view.data.cast("B")
            out.write(
                b"".join(n + data[i * length : (i + 1) * length] for i, n in enumerate(names))
            )


def write_tables(
    out: Sink,
    names: list[str],
    ports: list[tuple[str, int]],
    tables: Iterator[npt.NDArray[np.bool_]],
    layout: Layout = "tab",
) -> None:
    """One truth table per port, as ``print("\\n\\n".join(port blocks))`` would write them.

    ``tables`` yields the pod-by-pod bool table of each port in turn, so only one
    is alive at a time.
    """
    for k, ((protocol, port), table) in enumerate(zip(ports, tables, strict=True)):
        if k:
            out.write(b"\n")
        out.write(f"port {port}/{protocol}:\n".encode())
        write_table(out, names, names, mark_codes(table), layout)
    if not ports:
        out.write(b"\n")
