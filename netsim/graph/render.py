"""Everything ``netsim graph`` does, callable from Python: analyse a cluster, render it.

``render(cluster, "svg")`` returns the picture's bytes. SVG and PNG are drawn by
netsim itself (SVG by hand, PNG with matplotlib); with ``renderer="graphviz"`` (or
``"auto"`` when Graphviz's ``dot`` is on PATH) they come from ``dot`` run on the DOT
text instead, falling back to the built-in drawing when ``dot`` fails under ``auto``.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from netsim.errors import NetsimError
from netsim.graph.build import Graph, build_graph
from netsim.graph.groups import group_pods
from netsim.graph.ports import all_port_classes, single_port_classes
from netsim.graph.reach import Reach, compute
from netsim.model.cluster import Cluster
from netsim.policy.engine import PolicyEngine
from netsim.policy.profile import UPSTREAM, Profile

FORMATS: tuple[str, ...] = ("dot", "svg", "png", "html", "mermaid")
RENDERERS: tuple[str, ...] = ("auto", "builtin", "graphviz")
HEATMAP_WORKLOADS = 200
"""``auto`` heatmaps are by workload up to this many workloads, else by namespace."""


@dataclass(frozen=True, slots=True)
class Analysis:
    """The engine the verdicts came from and the group-level reachability."""

    engine: PolicyEngine
    reach: Reach


def analyse(
    cluster: Cluster,
    group_by: str = "auto",
    ports: Sequence[tuple[str, int]] | None = None,
    profile: Profile = UPSTREAM,
    edges: bool = True,
) -> Analysis:
    """Reachability between groups on every port (or only on ``ports``); ``edges=False``
    computes only the pair counts."""
    engine = PolicyEngine(cluster, profile)
    grouping = group_pods(engine.pods(), group_by)
    classes = single_port_classes(ports) if ports else all_port_classes(engine)
    return Analysis(engine, compute(engine, grouping, classes, edges))


def _graphviz(dot_text: str, fmt: str) -> bytes | None:
    """``dot -T<fmt>`` output, or None when dot is missing or fails."""
    exe = shutil.which("dot")
    if exe is None:
        return None
    try:
        done = subprocess.run(
            [exe, f"-T{fmt}"], input=dot_text.encode(), capture_output=True, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 and done.stdout else None


def draw(analysis: Analysis, graph: Graph, fmt: str, renderer: str = "auto") -> bytes:
    """The bytes of one output format."""
    from netsim.graph.text import render_dot, render_mermaid

    if fmt not in FORMATS:
        raise NetsimError(f"-o: unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    if renderer not in RENDERERS:
        raise NetsimError(f"--renderer: unknown renderer {renderer!r}")
    if fmt == "dot":
        return render_dot(graph).encode()
    if fmt == "mermaid":
        return render_mermaid(graph).encode()
    if fmt == "html":
        from netsim.graph.flows import flow_rows
        from netsim.graph.html import render_html

        rows, dropped = flow_rows(analysis.engine, analysis.reach)
        return render_html(graph, analysis.reach, rows, dropped).encode()
    if renderer != "builtin":
        found = _graphviz(render_dot(graph), fmt)
        if found is not None:
            return found
        if renderer == "graphviz":
            raise NetsimError("--renderer graphviz: Graphviz 'dot' is not on PATH or failed")
    if fmt == "svg":
        from netsim.graph.svg import render_svg

        return render_svg(graph).encode()
    from netsim.graph.png import render_png

    return render_png(graph)


def render(
    cluster: Cluster,
    fmt: str,
    *,
    group_by: str = "auto",
    focus: Sequence[str] = (),
    direction: str = "both",
    ports: Sequence[tuple[str, int]] | None = None,
    profile: Profile = UPSTREAM,
    renderer: str = "auto",
) -> bytes:
    """Analyse ``cluster`` and draw it as ``fmt`` (dot, svg, png, html, mermaid)."""
    analysis = analyse(cluster, group_by, ports, profile)
    try:
        graph = build_graph(analysis.reach, focus, direction)
        return draw(analysis, graph, fmt, renderer)
    finally:
        analysis.engine.close()


def heatmap(
    cluster: Cluster,
    group_by: str = "auto",
    ports: Sequence[tuple[str, int]] | None = None,
    profile: Profile = UPSTREAM,
) -> bytes:
    """The heatmap PNG; ``auto`` groups by workload when there are at most
    :data:`HEATMAP_WORKLOADS`, else by namespace."""
    from netsim.graph.groups import resolve_group_by
    from netsim.graph.heatmap import render_heatmap

    if group_by == "auto":
        pods = cluster.sorted_pods()
        workloads = len(set(group_pods(pods, "workload").groups))
        group_by = "workload" if workloads <= HEATMAP_WORKLOADS else "namespace"
    resolve_group_by([], group_by)
    analysis = analyse(cluster, group_by, ports, profile, edges=False)
    try:
        return render_heatmap(analysis.reach)
    finally:
        analysis.engine.close()
