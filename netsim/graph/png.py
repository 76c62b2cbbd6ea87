"""PNG pictures with matplotlib (the ``viz`` extra): the graph's layout, and the heatmap.

matplotlib renders with its Agg backend and bundled DejaVu fonts, so no system
binary is needed. Output is byte-stable: no timestamp or software metadata, and the
SVG hash salt is fixed for anything saved as SVG.
"""

from __future__ import annotations

import io
from typing import Any

from netsim.errors import NetsimError
from netsim.graph.build import Graph
from netsim.graph.layout import curve_mid, edge_path, layout
from netsim.graph.svg import FRAME, FULL, INK, OPEN, PARTIAL, node_lines, short

DPI = 100


def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend, set up for byte-stable output."""
    try:
        import matplotlib
    except ImportError:
        raise NetsimError(
            "PNG output needs matplotlib: pip install 'netsim[viz]' "
            "(or use -o svg, html, dot or mermaid)"
        ) from None
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "netsim"
    matplotlib.rcParams["path.simplify"] = True
    import matplotlib.pyplot as plt

    return plt


def save_png(figure: Any) -> bytes:
    """The figure as PNG bytes without metadata (same figure, same bytes)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def render_png(graph: Graph) -> bytes:
    """The graph drawn from the same layout as the SVG."""
    plt = pyplot()
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
    from matplotlib.path import Path as MplPath

    lay = layout(graph)
    fig = plt.figure(figsize=(lay.width / DPI, lay.height / DPI), dpi=DPI)
    try:
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, lay.width)
        ax.set_ylim(lay.height, 0)
        ax.axis("off")
        ax.text(
            36,
            28,
            f"netsim graph: who can reach whom (by {graph.group_by}; "
            f"{len(graph.nodes)} nodes, {len(graph.edges)} edges)",
            fontsize=11,
            fontweight="bold",
            color=INK,
        )
        ax.plot([36, 70], [46, 46], color=FULL, lw=2)
        ax.text(76, 50, "all pod pairs allowed on the ports shown", fontsize=9)
        ax.plot([400, 434], [46, 46], color=PARTIAL, lw=2, ls="--")
        ax.text(440, 50, "some pod pairs allowed", fontsize=9)
        ax.add_patch(
            FancyBboxPatch(
                (36, 60),
                34,
                16,
                boxstyle="round,pad=0,rounding_size=5",
                fc="#f0fff4",
                ec=OPEN,
                ls="--",
            )
        )
        ax.text(
            76,
            72,
            f"open: no policy isolates it ({graph.implied} all-port edges "
            "between open nodes not drawn)",
            fontsize=9,
        )
        for name, box in lay.frames.items():
            ax.add_patch(
                FancyBboxPatch(
                    (box.x, box.y),
                    box.w,
                    box.h,
                    boxstyle="round,pad=0,rounding_size=10",
                    fc=FRAME,
                    ec="#adb5bd",
                )
            )
            ax.text(
                box.x + 12,
                box.y + 18,
                short(name, 40),
                fontsize=10,
                fontweight="bold",
                color="#495057",
            )
        for node in graph.nodes:
            box = lay.nodes[node.id]
            ec = OPEN if node.badge else "#4a5568"
            ax.add_patch(
                FancyBboxPatch(
                    (box.x, box.y),
                    box.w,
                    box.h,
                    boxstyle="round,pad=0,rounding_size=8",
                    fc="#f0fff4" if node.badge else "#ffffff",
                    ec=ec,
                    lw=1.5,
                    ls="--" if node.badge else "-",
                )
            )
            if node.is_clique:
                ax.add_patch(
                    FancyBboxPatch(
                        (box.x + 3, box.y + 3),
                        box.w - 6,
                        box.h - 6,
                        boxstyle="round,pad=0,rounding_size=6",
                        fc="none",
                        ec=ec,
                    )
                )
            first, second = node_lines(node)
            ax.text(
                box.cx, box.y + 20, first, ha="center", fontsize=10, fontweight="bold", color=INK
            )
            ax.text(box.cx, box.y + 37, second, ha="center", fontsize=8, color="#4a5568")
            if node.badge:
                ax.text(
                    box.x + box.w - 6, box.y - 4, node.badge, ha="right", fontsize=8, color=OPEN
                )
        for edge in graph.edges:
            start, control, end = edge_path(lay.nodes[edge.src], lay.nodes[edge.dst])
            colour = PARTIAL if edge.partial else FULL
            path = MplPath([start, control, end], [MplPath.MOVETO, MplPath.CURVE3, MplPath.CURVE3])
            ax.add_patch(
                FancyArrowPatch(
                    path=path,
                    arrowstyle="-|>",
                    mutation_scale=12,
                    color=colour,
                    lw=1.4,
                    ls="--" if edge.partial else "-",
                )
            )
            mx, my = curve_mid(start, control, end)
            ax.text(
                mx,
                my - 3,
                short(edge.ports, 32),
                ha="center",
                fontsize=8,
                color=colour,
                bbox={"fc": "white", "ec": "none", "pad": 0.5, "alpha": 0.85},
            )
        return save_png(fig)
    finally:
        plt.close(fig)
