"""The HTML of the pack: the page shell (inline CSS, no script, no external file of any
kind, so it reads offline and in mail clients), report tables whose cells carry the
JSON value of each number (`data-field`, `data-value`), and safe file names for reps.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from salesfunnel.render.amounts import exact_amounts
from salesfunnel.render.cells import NULL

if TYPE_CHECKING:
    import polars as pl

CSS = """
*{box-sizing:border-box}
body{margin:0;font-family:"Segoe UI",Helvetica,Arial,sans-serif;color:#1d2733;background:#f4f6f9;
 line-height:1.45;font-size:15px}
header{background:#1f3b57;color:#fff;padding:20px 24px}
header h1{margin:0;font-size:24px;font-weight:600}
header p{margin:4px 0 0;color:#d5e1ee;font-size:14px}
header a{color:#fff}
nav{background:#fff;border-bottom:1px solid #dde3ea;padding:8px 24px;font-size:14px}
nav a{color:#1f5f99;margin-right:14px;text-decoration:none;white-space:nowrap;display:inline-block;
 padding:2px 0}
main{max-width:1100px;margin:0 auto;padding:16px}
section{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:16px 20px;margin:16px 0}
h2{margin:0 0 4px;font-size:19px;color:#1f3b57}
h3{margin:16px 0 6px;font-size:15px;color:#1f3b57}
p.lead{margin:0 0 12px;color:#4a5a6a;font-size:14px}
.note{background:#fff8e1;border:1px solid #f0d98c;border-radius:6px;padding:8px 12px;font-size:14px}
.chart{margin:8px 0 4px;overflow-x:auto}
.chart svg{max-width:100%;height:auto}
.scroll{overflow-x:auto;margin-top:8px}
table{border-collapse:collapse;font-size:13px;min-width:50%}
th,td{padding:5px 10px;border-bottom:1px solid #e8ecf1;text-align:left;vertical-align:top}
th{background:#f0f3f7;font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.flag td{background:#fdecea}
.up{color:#1e7b34}.down{color:#b03a2e}
ul.reps{columns:3 200px;padding-left:18px;margin:8px 0}
.kpis{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0 4px}
.kpi{flex:1 1 150px;border:1px solid #dde3ea;border-radius:8px;padding:10px 12px;background:#fafbfd}
.kpi b{display:block;font-size:22px;color:#1f3b57}
.kpi span{font-size:13px;color:#4a5a6a}
details summary{cursor:pointer;color:#1f5f99;font-size:14px;margin-top:8px}
footer{color:#6b7a89;font-size:12px;text-align:center;padding:16px}
@media (max-width:600px){header{padding:14px 16px}main{padding:8px}
 section{padding:12px;margin:10px 0}header h1{font-size:20px}}
"""

_UNSAFE = re.compile(r"[^A-Za-z0-9]+")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))}


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def page(title: str, heading: str, subtitle: str, body: str, nav: Sequence[tuple[str, str]] = ()) -> str:
    links = "".join(f'<a href="{esc(href)}">{esc(text)}</a>' for href, text in nav)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{esc(heading)}</h1><p>{subtitle}</p></header>"
        + (f"<nav>{links}</nav>" if links else "")
        + f"<main>{body}</main><footer>Made by salesfunnel from the CRM exports loaded. "
        "Definitions: the workbook's Definitions sheet.</footer></body></html>\n"
    )


def section(anchor: str, title: str, lead: str, *parts: str) -> str:
    return (f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2><p class="lead">{lead}</p>'
            + "".join(parts) + "</section>")


def chart(svg_text: str) -> str:
    return f'<div class="chart">{svg_text}</div>'


def json_rows(frame: pl.DataFrame) -> list[dict]:
    """The rows exactly as the report's JSON has them (amounts to the cent)."""
    return json.loads(exact_amounts(frame).write_json())


Column = tuple[str, str, Callable | None]  # field, header, formatter (None: text)


def _numeric(show: Callable | None) -> bool:
    from salesfunnel.render.cells import fmt_amount, fmt_days, fmt_int, fmt_pct

    return show in (fmt_amount, fmt_days, fmt_int, fmt_pct)


def table(report: str, frame: pl.DataFrame, columns: Sequence[Column], *,
          flag: str | None = None, empty: str = "Nothing to show.", limit: int | None = None) -> str:
    """A report table: every number cell carries `data-field` and `data-value` (its JSON
    value) beside the formatted text. `flag`: a boolean field whose rows are highlighted."""
    rows = json_rows(frame)
    shown = rows if limit is None else rows[:limit]
    if not rows:
        return f'<p class="lead">{esc(empty)}</p>'
    head = "".join(
        f'<th class="{"num" if _numeric(show) else ""}">{esc(header)}</th>' for _, header, show in columns
    )
    body = []
    for row in shown:
        cells = []
        for field, _, show in columns:
            value = row[field]
            text = (NULL if value is None else str(value)) if show is None else show(value)
            attrs = f' data-field="{esc(field)}" data-value="{esc(json.dumps(value))}"'
            cells.append(f'<td class="{"num" if _numeric(show) else ""}"{attrs}>{esc(text)}</td>')
        marked = ' class="flag"' if flag and row.get(flag) else ""
        body.append(f"<tr{marked}>{''.join(cells)}</tr>")
    more = ""
    if limit is not None and len(rows) > limit:
        more = f'<p class="lead">The first {limit} of {len(rows):,}; all are in the workbook.</p>'
    return (f'<div class="scroll"><table data-report="{esc(report)}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>{more}")


def folded(summary: str, content: str) -> str:
    return f"<details><summary>{esc(summary)}</summary>{content}</details>"


def kpis(items: Sequence[tuple[str, str]]) -> str:
    return '<div class="kpis">' + "".join(
        f'<div class="kpi"><b>{esc(value)}</b><span>{esc(label)}</span></div>' for value, label in items
    ) + "</div>"


def safe_file_name(name: str, taken: set[str]) -> str:
    """A file name (without .html) safe on every OS: ASCII letters, digits and dashes,
    lower case, at most 60 characters, never a reserved Windows name, unique in `taken`."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = _UNSAFE.sub("-", ascii_text).strip("-").lower()[:60].strip("-") or "rep"
    if stem in _RESERVED:
        stem = f"rep-{stem}"
    candidate, number = stem, 2
    while candidate in taken:
        candidate, number = f"{stem}-{number}", number + 1
    taken.add(candidate)
    return candidate
