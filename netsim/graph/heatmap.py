"""``--heatmap``: a PNG of the share of pod pairs allowed, group x group.

Rows are sources, columns destinations; a cell is the share of ordered pairs of two
different pods (source in the row's group, destination in the column's) allowed on at
least one port: grey none, amber some (darker = more), green all, white where the
pair set is empty (a one-pod group with itself). Groups are namespaces or workloads
(sorted by namespace, with separator lines between namespaces). Past
:data:`MAX_ROWS` groups the busiest (most allowed pairs in and out) are kept.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from netsim.graph.png import pyplot, save_png
from netsim.graph.reach import Reach

MAX_ROWS = 200
NONE = (0.84, 0.86, 0.89)
FULL = (0.18, 0.52, 0.35)
LOW, HIGH = (0.99, 0.87, 0.55), (0.80, 0.45, 0.05)
EMPTY = (1.0, 1.0, 1.0)


def shares(reach: Reach) -> npt.NDArray[np.float64]:
    """allowed / pairs per group pair (NaN where there is no pair)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(reach.pairs > 0, reach.allowed / np.maximum(reach.pairs, 1), np.nan)


def colours(share: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """RGB image of a share matrix (see the module docstring)."""
    image = np.empty((*share.shape, 3), dtype=np.float64)
    low, high = np.array(LOW), np.array(HIGH)
    partial = np.nan_to_num(share, nan=0.0)[..., None]
    image[:] = low + (high - low) * partial
    image[share == 0] = NONE
    image[share == 1] = FULL
    image[np.isnan(share)] = EMPTY
    return image


def kept_rows(reach: Reach) -> list[int]:
    """The groups drawn: all, or the MAX_ROWS with most allowed pairs (in group order)."""
    n = len(reach.grouping.groups)
    if n <= MAX_ROWS:
        return list(range(n))
    degree = reach.allowed.sum(axis=0) + reach.allowed.sum(axis=1)
    busiest = np.argsort(-degree, kind="stable")[:MAX_ROWS]
    return sorted(int(i) for i in busiest)


def render_heatmap(reach: Reach) -> bytes:
    """The heatmap PNG."""
    plt = pyplot()
    rows = kept_rows(reach)
    groups = [reach.grouping.groups[i] for i in rows]
    share = shares(reach)[np.ix_(rows, rows)]
    by_namespace = reach.grouping.by == "namespace"
    names = [g.name if by_namespace else f"{g.namespace}/{g.name}" for g in groups]
    n = len(rows)
    font = 9 if n <= 30 else 7 if n <= 80 else 4.5
    side = min(30.0, max(6.0, 2.5 + n * (0.22 if n <= 30 else 0.12)))
    fig = plt.figure(figsize=(side + 1.5, side), dpi=100)
    try:
        ax = fig.add_axes((0.22, 0.05, 0.70, 0.72))
        ax.imshow(colours(share), interpolation="nearest", aspect="auto")
        ax.set_xticks(range(n), names, rotation=90, fontsize=font)
        ax.set_yticks(range(n), names, fontsize=font)
        ax.xaxis.set_ticks_position("top")
        ax.set_xlabel("destination", fontsize=10)
        ax.xaxis.set_label_position("top")
        ax.set_ylabel("source", fontsize=10)
        if not by_namespace:
            for i in range(1, n):
                if groups[i].namespace != groups[i - 1].namespace:
                    ax.axhline(i - 0.5, color="#1a202c", lw=0.8)
                    ax.axvline(i - 0.5, color="#1a202c", lw=0.8)
        if n <= 30:
            for (i, j), value in np.ndenumerate(share):
                if not np.isnan(value) and 0 < value < 1:
                    ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=7)
        left = (
            f"{len(rows)} of {len(reach.grouping.groups)}"
            if n < len(reach.grouping.groups)
            else f"{n}"
        )
        fig.text(
            0.02,
            0.985,
            f"share of pod pairs allowed on some port, {left} {reach.grouping.by}s "
            "(grey none, amber some, green all)",
            fontsize=10,
            va="top",
        )
        return save_png(fig)
    finally:
        plt.close(fig)
