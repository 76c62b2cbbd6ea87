"""The graph as SVG, written by hand from :mod:`netsim.graph.layout` (no Graphviz needed).

Frames are grey boxes titled with the namespace; nodes are rounded boxes (a clique
has a double border, an open node a dashed green one and an ``open`` badge); edges
are curves with arrowheads, blue when every pod pair of the two nodes is allowed on
the labelled ports, dashed amber when only some are. Every element carries a
``<title>`` (a tooltip in browsers) and ``data-*`` attributes the html page uses.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from netsim.graph.build import Edge, Graph, Node
from netsim.graph.layout import Box, Layout, curve_mid, edge_path, layout

FULL = "#2b6cb0"
PARTIAL = "#c05621"
OPEN = "#2f855a"
FRAME = "#f1f3f5"
INK = "#1a202c"
MAX_LABEL = 24


def short(text: str, limit: int = MAX_LABEL) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def node_lines(node: Node) -> tuple[str, str]:
    """The two text lines of a node: its name, then pod count and its own connections."""
    second = f"{node.pods} pod" + ("s" if node.pods != 1 else "")
    if node.self_ports:
        second += f" · ↺ {node.self_ports}"
    return short(node.label), short(second, 30)


def _legend(graph: Graph) -> list[str]:
    y = 24
    out = [
        f'<text x="36" y="{y}" font-size="15" font-weight="bold" fill="{INK}">'
        f"netsim graph: who can reach whom (by {escape(graph.group_by)}; "
        f"{len(graph.nodes)} nodes, {len(graph.edges)} edges)</text>",
        f'<line x1="36" y1="{y + 22}" x2="70" y2="{y + 22}" stroke="{FULL}" stroke-width="2"/>',
        f'<text x="76" y="{y + 26}" font-size="12">all pod pairs allowed on the ports shown</text>',
        f'<line x1="400" y1="{y + 22}" x2="434" y2="{y + 22}" stroke="{PARTIAL}" '
        'stroke-width="2" stroke-dasharray="6 4"/>',
        f'<text x="440" y="{y + 26}" font-size="12">some pod pairs allowed</text>',
        f'<rect x="36" y="{y + 36}" width="34" height="16" rx="5" fill="#f0fff4" '
        f'stroke="{OPEN}" stroke-dasharray="4 3"/>',
        f'<text x="76" y="{y + 48}" font-size="12">open: no policy isolates it '
        f"({graph.implied} all-port edges between open nodes not drawn)</text>",
    ]
    return out


def _node(node: Node, box: Box) -> list[str]:
    first, second = node_lines(node)
    stroke = OPEN if node.badge else "#4a5568"
    dash = ' stroke-dasharray="5 3"' if node.badge else ""
    fill = "#f0fff4" if node.badge else "#ffffff"
    tip = f"{node.id}: {node.pods} pods" + (f", {node.badge}" if node.badge else "")
    out = [
        f'<g class="node" data-id={quoteattr(node.id)} data-namespace={quoteattr(node.namespace)}>',
        f"<title>{escape(tip)}</title>",
        f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" '
        f'rx="8" fill="{fill}" stroke="{stroke}" stroke-width="1.5"{dash}/>',
    ]
    if node.is_clique:
        out.append(
            f'<rect x="{box.x + 3:.1f}" y="{box.y + 3:.1f}" width="{box.w - 6:.1f}" '
            f'height="{box.h - 6:.1f}" rx="6" fill="none" stroke="{stroke}"/>'
        )
    out += [
        f'<text x="{box.cx:.1f}" y="{box.y + 20:.1f}" text-anchor="middle" font-size="13" '
        f'font-weight="bold" fill="{INK}">{escape(first)}</text>',
        f'<text x="{box.cx:.1f}" y="{box.y + 37:.1f}" text-anchor="middle" font-size="11" '
        f'fill="#4a5568">{escape(second)}</text>',
    ]
    if node.badge:
        out.append(
            f'<text x="{box.x + box.w - 6:.1f}" y="{box.y - 4:.1f}" text-anchor="end" '
            f'font-size="10" fill="{OPEN}">{escape(node.badge)}</text>'
        )
    out.append("</g>")
    return out


def _edge(edge: Edge, lay: Layout) -> list[str]:
    start, control, end = edge_path(lay.nodes[edge.src], lay.nodes[edge.dst])
    colour = PARTIAL if edge.partial else FULL
    dash = ' stroke-dasharray="6 4"' if edge.partial else ""
    marker = "url(#arrow-partial)" if edge.partial else "url(#arrow)"
    mx, my = curve_mid(start, control, end)
    tip = f"{edge.src} -> {edge.dst}: {edge.ports} ({edge.allowed}/{edge.pairs} pod pairs)"
    return [
        f'<g class="edge" data-src={quoteattr(edge.src)} data-dst={quoteattr(edge.dst)}>',
        f"<title>{escape(tip)}</title>",
        f'<path d="M{start[0]:.1f},{start[1]:.1f} Q{control[0]:.1f},{control[1]:.1f} '
        f'{end[0]:.1f},{end[1]:.1f}" fill="none" stroke="{colour}" stroke-width="1.6"{dash} '
        f'marker-end="{marker}"/>',
        f'<text x="{mx:.1f}" y="{my - 3:.1f}" text-anchor="middle" font-size="11" '
        f'fill="{colour}" stroke="#ffffff" stroke-width="3" paint-order="stroke">'
        f"{escape(short(edge.ports, 32))}</text>",
        "</g>",
    ]


def render_svg(graph: Graph, lay: Layout | None = None) -> str:
    """The SVG document (UTF-8 text, deterministic)."""
    lay = lay or layout(graph)
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'width="{lay.width:.0f}" height="{lay.height:.0f}" '
        f'viewBox="0 0 {lay.width:.0f} {lay.height:.0f}" '
        'font-family="DejaVu Sans, Verdana, sans-serif">',
        "<defs>",
        f'<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{FULL}"/></marker>',
        f'<marker id="arrow-partial" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{PARTIAL}"/>'
        "</marker>",
        "</defs>",
        f'<rect width="{lay.width:.0f}" height="{lay.height:.0f}" fill="#ffffff"/>',
        *_legend(graph),
    ]
    for name, box in lay.frames.items():
        out += [
            f'<g class="frame" data-namespace={quoteattr(name)}>',
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" '
            f'rx="10" fill="{FRAME}" stroke="#adb5bd"/>',
            f'<text x="{box.x + 12:.1f}" y="{box.y + 18:.1f}" font-size="13" '
            f'font-weight="bold" fill="#495057">{escape(short(name, 40))}</text>',
            "</g>",
        ]
    for node in graph.nodes:
        out += _node(node, lay.nodes[node.id])
    for edge in graph.edges:
        out += _edge(edge, lay)
    out.append("</svg>")
    return "\n".join(out) + "\n"
