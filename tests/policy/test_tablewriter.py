"""The numpy table writer prints byte for byte what the list-based renderer prints."""

from __future__ import annotations

import io

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from netsim.policy import tablewriter
from netsim.policy.tablewriter import mark_codes, write_table, write_tables
from netsim.policy.truthtable import tables_text, truth_table


def _text(rows: list[str], table: np.ndarray, layout: tablewriter.Layout) -> str:
    out = io.BytesIO()
    write_table(out, rows, rows, mark_codes(table), layout)
    return out.getvalue().decode()


def test_tab_layout_by_hand() -> None:
    table = np.array([[True, False], [False, True]])
    assert _text(["x/a", "y/bb"], table, "tab") == "-\tx/a\ty/bb\nx/a\t.\tX\ny/bb\tX\t.\n"


def test_aligned_layout_by_hand() -> None:
    # column 0 as wide as the longest row name; each other column as wide as its name;
    # two spaces between columns; no trailing spaces
    table = np.array([[True, False], [False, True]])
    assert _text(["x/a", "y/bb"], table, "aligned") == (
        "-     x/a  y/bb\nx/a   .    X\ny/bb  X    .\n"
    )


def test_empty_table() -> None:
    empty = np.zeros((0, 0), dtype=bool)
    assert _text([], empty, "tab") == "-\n"
    assert _text([], empty, "aligned") == "-\n"


names = st.lists(
    st.text("abcxyz-/0123456789", min_size=1, max_size=12), min_size=0, max_size=9, unique=True
)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(names, st.randoms(use_true_random=False), st.integers(1, 4))
def test_equals_the_list_renderer(rows: list[str], rng: object, block_rows: int) -> None:
    n = len(rows)
    table = np.array(
        [[rng.random() < 0.5 for _ in range(n)] for _ in range(n)],  # type: ignore[attr-defined]
        dtype=bool,
    ).reshape(n, n)
    marks = [["." if v else "X" for v in row] for row in table.tolist()]
    old = tablewriter.ROW_BYTES_PER_BLOCK
    tablewriter.ROW_BYTES_PER_BLOCK = 1 + block_rows * 4  # force several blocks
    try:
        assert _text(rows, table, "tab") == truth_table(rows, rows, marks) + "\n"
        aligned = _text(rows, table, "aligned")
    finally:
        tablewriter.ROW_BYTES_PER_BLOCK = old
    grid = [["-", *rows], *([r, *m] for r, m in zip(rows, marks, strict=True))]
    widths = [max(len(r[i]) for r in grid) for i in range(len(grid[0]))]
    expected = "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in grid
    )
    assert aligned == expected + "\n"
    ports = [("TCP", 80), ("UDP", 53)]
    out = io.BytesIO()
    write_tables(out, rows, ports, iter([table, ~table]), "tab")
    assert out.getvalue().decode() == tables_text(rows, ports, np.stack([table, ~table])) + "\n"
