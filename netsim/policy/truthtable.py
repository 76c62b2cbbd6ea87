"""Truth tables as text: rows are sources, columns destinations, ``.`` allowed, ``X`` denied.

The layout of upstream's netpol e2e ``TruthTable.PrettyPrint`` (tab-separated, ``-``
in the corner). ``netsim matrix``, the shell's ``netsim reach`` and the labs' matrix
checks all print tables through here.
"""

from __future__ import annotations

from typing import Any


def truth_table(rows: list[str], cols: list[str], marks: list[list[str]]) -> str:
    """Tab-separated table with a ``-`` corner, as upstream's TruthTable.PrettyPrint."""
    lines = ["\t".join(["-", *cols])]
    lines += ["\t".join([row, *line]) for row, line in zip(rows, marks, strict=True)]
    return "\n".join(lines)


def tables_text(names: list[str], ports: list[tuple[str, int]], tables: Any) -> str:
    """One truth table per port (``tables[k]`` a boolean matrix for ``ports[k]``)."""
    blocks = []
    for k, (protocol, port) in enumerate(ports):
        marks = [["." if v else "X" for v in row] for row in tables[k].tolist()]
        blocks.append(f"port {port}/{protocol}:\n" + truth_table(names, names, marks))
    return "\n\n".join(blocks)


def aligned_table(rows: list[str], cols: list[str], marks: list[list[str]]) -> str:
    """The same table with columns padded by spaces, so cells line up in a terminal.

    Each column is as wide as its widest cell (header included), two spaces apart;
    trailing spaces are dropped.
    """
    grid = [["-", *cols], *([row, *line] for row, line in zip(rows, marks, strict=True))]
    widths = [max(len(r[i]) for r in grid) for i in range(len(grid[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in grid
    )
