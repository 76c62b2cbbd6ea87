"""``netsim graph``: who can reach whom, as a picture (DOT, SVG, PNG, html, Mermaid, heatmap).

``ports`` cuts the port space where verdicts can change, ``groups`` maps pods to
nodes, ``reach`` aggregates the engine's class-level tables per group pair and port
class, ``build`` makes the drawn graph (cliques, open badges, focus), ``layout`` places
it, ``svg``/``png``/``text``/``html``/``heatmap`` write it and ``render`` ties it all
together (``netsim.graph.render.render(cluster, "svg")``). Layer: above ``policy``,
below ``sim``.
"""
