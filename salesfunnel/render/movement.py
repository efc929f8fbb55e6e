"""The movement report as a table: one waterfall per group, a bar per row.

Start and end bars stand on zero; each flow floats from the running total
before it to the one after (green adds to the open pipeline, red takes away);
the informational rows after `end` stand on zero, dimmed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from salesfunnel.render.cells import BAR_WIDTH, add_empty_note, fmt_amount, fmt_int, titled_table

if TYPE_CHECKING:
    from rich.table import Table

    from salesfunnel.reports.common import Report

_ADDS = {"created", "reopened", "amount_up"}
_TAKES = {"amount_down", "won", "lost", "removed"}
_LABELS = {"amount_up": "amount up", "amount_down": "amount down", "pulled_in": "pulled in"}


def movement_table(report: Report) -> Table:
    table = titled_table(report.title)
    group = report.group_by
    if group:
        table.add_column(group.capitalize(), no_wrap=True)
    table.add_column("Movement", no_wrap=True)
    table.add_column("Deals", justify="right", no_wrap=True)
    table.add_column("Amount", justify="right", no_wrap=True)
    table.add_column("Waterfall", min_width=BAR_WIDTH, no_wrap=True)
    rows = report.rows()
    groups: dict[object, list[dict]] = {}
    for row in rows:
        groups.setdefault(row[group] if group else None, []).append(row)
    for key, members in groups.items():
        bars = _waterfall(members)
        for position, (row, cell) in enumerate(zip(members, bars, strict=True)):
            cells = []
            if group:
                cells.append(("(none)" if key is None else str(key)) if position == 0 else "")
            cells += [
                _LABELS.get(row["category"], row["category"]),
                fmt_int(row["deals"]),
                fmt_amount(row["amount"]),
                cell,
            ]
            table.add_row(*cells, end_section=bool(group) and position + 1 == len(members))
    add_empty_note(table, len(rows))
    return table


def _waterfall(rows: list[dict]) -> list[Text]:
    """A floating bar per row, on one scale: the highest running total of the group."""
    level = 0.0
    spans = []
    for row in rows:
        amount = float(row["amount"] or 0)
        category = row["category"]
        if category in ("start", "end"):
            spans.append((0.0, amount, "cyan"))
            level = amount
        elif category in _ADDS:
            spans.append((level, level + amount, "green"))
            level += amount
        elif category in _TAKES:
            spans.append((level - amount, level, "red"))
            level -= amount
        else:
            spans.append((0.0, amount, "dim"))
    scale = max([high for _, high, _ in spans] + [0.0])
    cells = []
    for low, high, style in spans:
        if scale <= 0 or high <= low:
            cells.append(Text(""))
            continue
        start = round(max(low, 0.0) / scale * BAR_WIDTH)
        width = max(1, round(high / scale * BAR_WIDTH) - start)
        cells.append(Text(" " * start + "█" * width, style=style))
    return cells
