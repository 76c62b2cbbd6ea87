"""The graph as text: Graphviz DOT and Mermaid (for PR comments), both byte-stable.

DOT: one ``subgraph cluster_<n>`` per namespace, nodes labelled with their name and
own connections, edges labelled with their port set (dashed when only some pod
pairs are allowed), open nodes dashed green. Mermaid: a ``flowchart LR`` with one
``subgraph`` per namespace; edge ``-->`` when all pod pairs are allowed, ``-.->``
when some are. Nodes get short ids (``n0``, ``n1``, ...) in graph order.
"""

from __future__ import annotations

from netsim.graph.build import Graph, Node


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _node_text(node: Node) -> str:
    text = node.label
    if node.self_ports:
        text += f"\n↺ {node.self_ports}"
    if node.badge:
        text += f"\n({node.badge})"
    return text


def render_dot(graph: Graph) -> str:
    """The DOT document."""
    ids = {n.id: f"n{i}" for i, n in enumerate(graph.nodes)}
    out = [
        "digraph netsim {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="DejaVu Sans"];',
        '  edge [fontname="DejaVu Sans", fontsize=10, color="#2b6cb0", fontcolor="#2b6cb0"];',
    ]
    for i, frame in enumerate(graph.frames):
        out += [
            f"  subgraph cluster_{i} {{",
            f"    label={_dot_quote(frame)};",
            '    style=filled; color="#adb5bd"; fillcolor="#f1f3f5";',
        ]
        for node in graph.nodes_in(frame):
            attrs = [f"label={_dot_quote(_node_text(node))}", f"tooltip={_dot_quote(node.id)}"]
            if node.badge:
                attrs.append('style="rounded,filled,dashed", color="#2f855a", fillcolor="#f0fff4"')
            if node.is_clique:
                attrs.append("peripheries=2")
            out.append(f"    {ids[node.id]} [{', '.join(attrs)}];")
        out.append("  }")
    for edge in graph.edges:
        attrs = [f"label={_dot_quote(edge.ports)}"]
        if edge.partial:
            attrs.append('style=dashed, color="#c05621", fontcolor="#c05621"')
        out.append(f"  {ids[edge.src]} -> {ids[edge.dst]} [{', '.join(attrs)}];")
    out.append("}")
    return "\n".join(out) + "\n"


def _mermaid_text(text: str) -> str:
    return '"' + text.replace('"', "#quot;").replace("\n", "<br/>") + '"'


def render_mermaid(graph: Graph) -> str:
    """The Mermaid flowchart."""
    ids = {n.id: f"n{i}" for i, n in enumerate(graph.nodes)}
    out = ["flowchart LR"]
    for i, frame in enumerate(graph.frames):
        out.append(f"  subgraph ns{i}[{_mermaid_text(frame)}]")
        for node in graph.nodes_in(frame):
            shape = ("([", "])") if node.badge else ("[", "]")
            out.append(f"    {ids[node.id]}{shape[0]}{_mermaid_text(_node_text(node))}{shape[1]}")
        out.append("  end")
    for edge in graph.edges:
        arrow = "-.->" if edge.partial else "-->"
        out.append(f"  {ids[edge.src]} {arrow}|{_mermaid_text(edge.ports)}| {ids[edge.dst]}")
    return "\n".join(out) + "\n"
