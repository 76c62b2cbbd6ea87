"""``-o html``: one self-contained page (inline SVG, CSS and JS; nothing fetched).

Three parts: the graph (the SVG of :mod:`netsim.graph.svg`), the flow table (one row
per group pair and rule pair, sortable by clicking a header, filtered by the box
above it, which ``#filter=TEXT`` or ``?filter=TEXT`` in the address fills in), and
the truth table by group (``.`` every pod pair allowed on some port, ``~`` some,
``X`` none). Rows and marks travel as JSON inside the page and are drawn by its
script, which keeps a 10,000-pod cluster's page small.
"""

from __future__ import annotations

import json
from html import escape

from netsim.graph.build import Graph
from netsim.graph.flows import FlowRow
from netsim.graph.reach import Reach
from netsim.graph.svg import render_svg

STYLE = """
body{font-family:"DejaVu Sans",Verdana,sans-serif;margin:16px;color:#1a202c}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
.graph{overflow:auto;max-height:80vh;border:1px solid #cbd5e0}
table{border-collapse:collapse;font-size:12px}
th,td{border:1px solid #cbd5e0;padding:2px 6px;text-align:left}
th{background:#edf2f7;cursor:pointer;user-select:none}
th.asc:after{content:" \\25B2"}th.desc:after{content:" \\25BC"}
#filter{width:320px;padding:4px;margin:6px 0}
.truth td{text-align:center;font-family:monospace;padding:1px 4px}
.truth th{cursor:default;font-weight:normal;white-space:nowrap}
.m-full{background:#c6f6d5}.m-some{background:#feebc8}.m-none{background:#edf2f7}
.note{color:#4a5568;font-size:12px}
"""

SCRIPT = r"""
(function(){
const data=JSON.parse(document.getElementById('netsim-data').textContent);
const cols=data.columns, rows=data.rows;
const body=document.querySelector('#flows tbody');
const count=document.getElementById('flow-count');
const input=document.getElementById('filter');
let sortCol=-1, sortDir=1;
function draw(){
  const needle=input.value.trim().toLowerCase();
  let shown=rows.filter(r=>!needle||r.some(c=>String(c).toLowerCase().includes(needle)));
  if(sortCol>=0){shown=shown.slice().sort((a,b)=>{
    const x=a[sortCol], y=b[sortCol];
    const d=typeof x==='number'&&typeof y==='number'?x-y:String(x).localeCompare(String(y));
    return d*sortDir;});}
  const parts=[];
  for(const r of shown){
    parts.push('<tr>'+r.map(c=>'<td>'+esc(String(c))+'</td>').join('')+'</tr>');}
  body.innerHTML=parts.join('');
  count.textContent=shown.length+' of '+rows.length+' rows';
  document.body.setAttribute('data-filter',needle);
}
const ENT={'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'};
function esc(s){return s.replace(/[&<>"]/g,c=>ENT[c]);}
document.querySelectorAll('#flows th').forEach((th,i)=>th.addEventListener('click',()=>{
  sortDir=(sortCol===i)?-sortDir:1; sortCol=i;
  document.querySelectorAll('#flows th').forEach(h=>h.className='');
  th.className=sortDir>0?'asc':'desc'; draw();}));
input.addEventListener('input',draw);
function fromAddress(){
  const hash=new URLSearchParams(location.hash.replace(/^#/,''));
  const query=new URLSearchParams(location.search);
  const f=hash.get('filter')||query.get('filter');
  if(f!==null){input.value=f;}
}
window.addEventListener('hashchange',()=>{fromAddress();draw();});
fromAddress(); draw();
const t=data.truth, table=document.getElementById('truth');
const marks={'.':'m-full','~':'m-some','X':'m-none'};
let html='<tr><th>from \\ to</th>'+t.names.map(n=>'<th>'+esc(n)+'</th>').join('')+'</tr>';
t.marks.forEach((line,i)=>{html+='<tr><th>'+esc(t.names[i])+'</th>'+
  Array.from(line).map(m=>'<td class="'+(marks[m]||'')+'">'+(m===' '?'':m)+'</td>').join('')
  +'</tr>';});
table.innerHTML=html;
})();
"""

COLUMNS = (
    "from",
    "to",
    "ports",
    "egress allowed by",
    "ingress allowed by",
    "example",
    "allowed pairs",
    "pairs",
)


def truth_marks(reach: Reach) -> list[str]:
    """One string per source group: ``.`` all pairs, ``~`` some, ``X`` none, space no pair."""
    out = []
    for allowed_row, pairs_row in zip(reach.allowed.tolist(), reach.pairs.tolist(), strict=True):
        out.append(
            "".join(
                " " if p == 0 else "." if a == p else "X" if a == 0 else "~"
                for a, p in zip(allowed_row, pairs_row, strict=True)
            )
        )
    return out


def render_html(
    graph: Graph, reach: Reach, rows: list[FlowRow], dropped: int = 0, title: str = ""
) -> str:
    """The page (UTF-8 text, deterministic)."""
    groups = reach.grouping.groups
    data = {
        "columns": list(COLUMNS),
        "rows": [
            [r.src, r.dst, r.ports, r.egress, r.ingress, r.example, r.allowed, r.pairs]
            for r in rows
        ],
        "truth": {"names": [g.key for g in groups], "marks": truth_marks(reach)},
    }
    payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")
    pods = sum(len(g.pods) for g in groups)
    heading = title or "netsim graph"
    note = f" ({dropped} group pairs more, not listed)" if dropped else ""
    return (
        "\n".join(
            [
                "<!DOCTYPE html>",
                '<html lang="en"><head><meta charset="utf-8">',
                f"<title>{escape(heading)}</title>",
                f"<style>{STYLE}</style></head><body>",
                f"<h1>{escape(heading)}</h1>",
                f'<p class="note">{pods} pods in {len(groups)} {escape(reach.grouping.by)} groups; '
                f"{len(graph.nodes)} nodes and {len(graph.edges)} edges drawn; every port of TCP, "
                f"UDP and SCTP considered ({graph.port_classes} port classes).</p>",
                "<h2>Graph</h2>",
                f'<div class="graph">{render_svg(graph)}</div>',
                "<h2>Flows</h2>",
                '<input id="filter" type="search" placeholder="filter rows (any column)">',
                ' <span id="flow-count" class="note"></span>'
                f'<span class="note">{escape(note)}</span>',
                '<table id="flows"><thead><tr>'
                + "".join(f"<th>{escape(c)}</th>" for c in COLUMNS)
                + "</tr></thead><tbody></tbody></table>",
                "<h2>Truth table (some port)</h2>",
                '<p class="note">rows from, columns to: <b>.</b> every pod pair allowed on some '
                "port, <b>~</b> some pairs, <b>X</b> none.</p>",
                '<table id="truth" class="truth"></table>',
                f'<script type="application/json" id="netsim-data">{payload}</script>',
                f"<script>{SCRIPT}</script>",
                "</body></html>",
            ]
        )
        + "\n"
    )
