"""Render a :class:`~netsim.insight.diff.Diff` as text, JSON, Markdown or CSV.

Every form starts with (or carries) the one-line summary; rows come in the
diff's order, so the same inputs give byte-identical output.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from netsim.insight.diff import Cause, Change, Diff
from netsim.insight.portset import PortIntervals

FORMATS = ("text", "json", "md", "csv")


def cause_dict(cause: Cause | None) -> dict[str, Any] | None:
    """JSON form of a cause: policy, path, side, reason (and isolating policies)."""
    if cause is None:
        return None
    out: dict[str, Any] = {
        "policy": cause.policy,
        "path": cause.path,
        "side": cause.side,
        "reason": cause.reason,
    }
    if cause.isolated_by:
        out["isolated_by"] = list(cause.isolated_by)
    return out


def change_dict(change: Change) -> dict[str, Any]:
    """JSON form of one row."""
    return {
        "change": change.change,
        "src": change.src,
        "dst": change.dst,
        "protocol": change.protocol,
        "ports": change.ports_text,
        "before": cause_dict(change.before),
        "after": cause_dict(change.after),
        "denied": cause_dict(change.denied),
        "pairs": change.pairs,
    }


def to_json(diff: Diff) -> str:
    """``{"equivalent", "summary", "group_by", "changes": [...]}``, indented."""
    body = {
        "equivalent": diff.equivalent,
        "summary": diff.summary(),
        "group_by": diff.group_by,
        "changes": [change_dict(c) for c in diff.changes],
    }
    return json.dumps(body, indent=2)


def _rule(change: Change) -> str:
    cause = change.before if change.change in ("removed", "lost-peer") else change.after
    return str(cause) if cause is not None else "-"


def merged_rows(diff: Diff) -> list[tuple[Change, PortIntervals]]:
    """Rows that differ only in protocol joined into one, with their ports per protocol.

    The first row of each group stands for it (its ``pairs`` is the largest count).
    """
    groups: dict[tuple[object, ...], list[Change]] = {}
    for c in diff.changes:
        key = (c.change, c.src, c.dst, c.before, c.after, c.denied)
        groups.setdefault(key, []).append(c)
    out = []
    for rows in groups.values():
        ports = PortIntervals.of((c.protocol, a, b) for c in rows for a, b in c.ports)
        out.append((max(rows, key=lambda c: c.pairs), ports))
    return out


def to_text(diff: Diff) -> str:
    """The summary, then one block per row: the row, the allowing rule, the denying side."""
    lines = [diff.summary()]
    for c, ports in merged_rows(diff):
        unit = "pair" if c.pairs == 1 else "pairs"
        lines.append(f"{c.change:<9} {c.src} -> {c.dst}  {ports}  ({c.pairs} {unit})")
        if c.change in ("removed", "lost-peer"):
            lines.append(f"    allowed before by: {_rule(c)}")
        else:
            lines.append(f"    allowed now by: {_rule(c)}")
        if c.denied is not None:
            when = "now" if c.change == "removed" else "before"
            lines.append(f"    denied {when}: {c.denied}")
    return "\n".join(lines)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(diff: Diff) -> str:
    """The summary as a paragraph, then a table (change, from, to, ports, rule, denied)."""
    lines = [f"**{_md_cell(diff.summary())}**"]
    if diff.changes:
        lines += [
            "",
            "| change | from | to | ports | allowing rule | denied by | pairs |",
            "|---|---|---|---|---|---|---|",
        ]
        for c, ports in merged_rows(diff):
            denied = str(c.denied) if c.denied is not None else ""
            cells = [
                c.change,
                c.src,
                c.dst,
                str(ports),
                _rule(c),
                denied,
                str(c.pairs),
            ]
            lines.append("| " + " | ".join(_md_cell(x) for x in cells) + " |")
    return "\n".join(lines)


def _denied_by(cause: Cause) -> str:
    """The policy whose rule denied (a cluster-wide Deny), else the isolating policies."""
    return cause.policy or " ".join(cause.isolated_by)


def to_csv(diff: Diff) -> str:
    """One header row, then one row per change (causes as policy and path columns)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "change",
            "src",
            "dst",
            "protocol",
            "ports",
            "before_policy",
            "before_path",
            "after_policy",
            "after_path",
            "denied_side",
            "denied_by",
            "pairs",
        ]
    )
    for c in diff.changes:
        writer.writerow(
            [
                c.change,
                c.src,
                c.dst,
                c.protocol,
                c.ports_text,
                c.before.policy or c.before.reason if c.before else "",
                c.before.path or "" if c.before else "",
                c.after.policy or c.after.reason if c.after else "",
                c.after.path or "" if c.after else "",
                c.denied.side if c.denied else "",
                _denied_by(c.denied) if c.denied else "",
                c.pairs,
            ]
        )
    return out.getvalue().rstrip("\n")


def render(diff: Diff, form: str) -> str:
    """Render in one of :data:`FORMATS`."""
    renderers = {"text": to_text, "json": to_json, "md": to_markdown, "csv": to_csv}
    return renderers[form](diff)
