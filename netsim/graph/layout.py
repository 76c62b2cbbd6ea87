"""A deterministic layout: namespace frames in a grid, nodes in a grid inside each frame.

Pure arithmetic on the graph's order (no randomness, no force simulation), so the
same graph always lands on the same coordinates; the SVG writer and the matplotlib
PNG both draw from it. Coordinates are pixels, y growing downwards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from netsim.graph.build import Graph

NODE_W, NODE_H = 170.0, 48.0
GAP = 26.0
"""Space between nodes inside a frame."""
PAD = 18.0
TITLE = 24.0
"""Height of a frame's title strip."""
MARGIN = 36.0
FRAME_GAP = 70.0
"""Space between frames (room for edge labels)."""
LEGEND_H = 72.0


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle: top-left corner and size."""

    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        """Centre x."""
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        """Centre y."""
        return self.y + self.h / 2

    def border_towards(self, tx: float, ty: float) -> tuple[float, float]:
        """The point where the segment from the centre to (tx, ty) leaves the box."""
        dx, dy = tx - self.cx, ty - self.cy
        if dx == 0 and dy == 0:
            return self.cx, self.cy
        scale = min(
            (self.w / 2) / abs(dx) if dx else math.inf,
            (self.h / 2) / abs(dy) if dy else math.inf,
        )
        return self.cx + dx * scale, self.cy + dy * scale


@dataclass(frozen=True, slots=True)
class Layout:
    """Where everything goes: canvas size, frame boxes by name, node boxes by id."""

    width: float
    height: float
    frames: dict[str, Box]
    nodes: dict[str, Box]


def _grid(count: int) -> tuple[int, int]:
    """(columns, rows) of a near-square grid holding ``count`` cells, wider than tall."""
    if count <= 0:
        return 1, 1
    cols = math.ceil(math.sqrt(count))
    return cols, math.ceil(count / cols)


def layout(graph: Graph) -> Layout:
    """Lay the graph out (see the module docstring)."""
    inner = {f: _grid(len(graph.nodes_in(f))) for f in graph.frames}
    sizes = {
        f: (
            c * NODE_W + (c - 1) * GAP + 2 * PAD,
            TITLE + r * NODE_H + (r - 1) * GAP + 2 * PAD,
        )
        for f, (c, r) in inner.items()
    }
    cols, rows = _grid(len(graph.frames))
    col_w = [0.0] * cols
    row_h = [0.0] * rows
    for i, f in enumerate(graph.frames):
        col_w[i % cols] = max(col_w[i % cols], sizes[f][0])
        row_h[i // cols] = max(row_h[i // cols], sizes[f][1])
    frames: dict[str, Box] = {}
    nodes: dict[str, Box] = {}
    for i, f in enumerate(graph.frames):
        c, r = i % cols, i // cols
        x = MARGIN + sum(col_w[:c]) + c * FRAME_GAP
        y = MARGIN + LEGEND_H + sum(row_h[:r]) + r * FRAME_GAP
        frames[f] = Box(x, y, sizes[f][0], sizes[f][1])
        per_row = inner[f][0]
        for j, node in enumerate(graph.nodes_in(f)):
            nx = x + PAD + (j % per_row) * (NODE_W + GAP)
            ny = y + TITLE + PAD + (j // per_row) * (NODE_H + GAP)
            nodes[node.id] = Box(nx, ny, NODE_W, NODE_H)
    width = 2 * MARGIN + sum(col_w) + (cols - 1) * FRAME_GAP
    height = 2 * MARGIN + LEGEND_H + sum(row_h) + (rows - 1) * FRAME_GAP
    return Layout(max(width, 640.0), height, frames, nodes)


def edge_path(
    src: Box, dst: Box, bend: float = 0.12
) -> tuple[tuple[float, float], tuple[float, float], tuple[float, float]]:
    """Start, control and end points of a quadratic curve between two boxes.

    The curve bends to the left of its direction, so A->B and B->A do not overlap.
    """
    dx, dy = dst.cx - src.cx, dst.cy - src.cy
    cx, cy = (src.cx + dst.cx) / 2 - dy * bend, (src.cy + dst.cy) / 2 + dx * bend
    return src.border_towards(cx, cy), (cx, cy), dst.border_towards(cx, cy)


def curve_mid(
    start: tuple[float, float], control: tuple[float, float], end: tuple[float, float]
) -> tuple[float, float]:
    """The point of a quadratic Bezier curve at t = 1/2."""
    return (
        0.25 * start[0] + 0.5 * control[0] + 0.25 * end[0],
        0.25 * start[1] + 0.5 * control[1] + 0.25 * end[1],
    )
