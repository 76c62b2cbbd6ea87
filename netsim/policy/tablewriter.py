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
from typing import BinaryIO, Literal

import numpy as np
import numpy.typing as npt

Layout = Literal["tab", "aligned"]
ROW_BYTES_PER_BLOCK = 32 << 20
"""Bytes of text built at once (a block holds as many rows as fit)."""
ALLOWED, DENIED = ord("."), ord("X")


def mark_codes(table: npt.NDArray[np.bool_]) -> npt.NDArray[np.uint8]:
    """``.`` (allowed) and ``X`` (denied) as ASCII codes, one byte per cell."""
    return np.where(table, np.uint8(ALLOWED), np.uint8(DENIED)).astype(np.uint8, copy=False)


def _encoded(names: list[str]) -> list[bytes]:
    return [name.encode() for name in names]


def table_lines(
    rows: list[str], cols: list[str], marks: npt.NDArray[np.uint8], layout: Layout = "tab"
) -> Iterator[bytes]:
    """The table's text as byte chunks, each a run of whole lines ending in a newline.

    ``marks[i, j]`` is the ASCII code of the mark of row ``i``, column ``j`` (one
    printable, non-space character). Joined, the chunks equal
    ``truth_table(rows, cols, marks) + "\\n"`` (``layout="tab"``) or
    ``aligned_table(...) + "\\n"`` (``layout="aligned"``).
    """
    row_names, col_names = _encoded(rows), _encoded(cols)
    if layout == "tab":
        widths = [1] * len(cols)
        first = 0
        sep = b"\t"
        header = b"\t".join([b"-", *col_names]) + b"\n"
    else:
        widths = [max(len(c), 1) for c in col_names]
        first = max([1, *map(len, row_names)])
        sep = b"  "
        cells = [b"-".ljust(first), *(c.ljust(w) for c, w in zip(col_names, widths, strict=True))]
        header = sep.join(cells).rstrip(b" ") + b"\n"
    yield header
    if not rows:
        return
    # one row: [name padded to `first`] then per column sep + mark + padding; the last
    # column's padding is dropped (rstrip), then a newline
    offsets = np.cumsum([0, *(len(sep) + w for w in widths)])[:-1] + len(sep)
    length = int(offsets[-1]) + 1 + 1 if len(widths) else 1
    template = np.full(length, ord(" "), dtype=np.uint8)
    template[-1] = ord("\n")
    for at in offsets:
        template[at - len(sep) : at] = np.frombuffer(sep, dtype=np.uint8)
    block = max(1, ROW_BYTES_PER_BLOCK // (length + first + 1))
    for start in range(0, len(rows), block):
        chunk = marks[start : start + block]
        buf = np.empty((len(chunk), length), dtype=np.uint8)
        buf[:] = template
        if len(widths):
            buf[:, offsets] = chunk
        if layout == "aligned":
            padded = np.array([n.ljust(first) for n in row_names[start : start + block]])
            named = np.empty((len(chunk), first + length), dtype=np.uint8)
            named[:, :first] = padded.view(np.uint8).reshape(len(chunk), first)
            named[:, first:] = buf
            yield named.tobytes()
        else:
            data = buf.tobytes()
            yield b"".join(
                name + data[i * length : (i + 1) * length]
                for i, name in enumerate(row_names[start : start + block])
            )


def write_tables(
    out: BinaryIO,
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
        for chunk in table_lines(names, names, mark_codes(table), layout):
            out.write(chunk)
    if not ports:
        out.write(b"\n")
