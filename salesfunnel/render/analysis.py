"""Rich tables of the analysis reports (reports/analysis.py): pacing, velocity and
the cohort heatmap. As elsewhere, words and numbers carry the meaning; colour
only repeats it (an immature cohort cell is marked "*" as well as dimmed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from salesfunnel.render.cells import (
    NULL,
    add_empty_note,
    fmt_amount,
    fmt_days,
    fmt_int,
    fmt_pct,
    is_missing,
    titled_table,
)

if TYPE_CHECKING:
    from salesfunnel.reports.common import Report

IMMATURE_MARK = "*"
# heatmap backgrounds, from low to high rates (the number is always printed too)
HEAT = ("on grey15", "on dark_green", "on green4", "on green3")


def _label(value) -> str:
    return "(none)" if value is None else str(value)


def fmt_ratio(value) -> str:
    """A coverage multiple: 3.2×."""
    return NULL if is_missing(value) else f"{value:,.1f}×"


def pacing_table(report: Report) -> Table:
    """One column per row of the report (the company, or each rep or tier), the
    measures down the side, read top to bottom: won, pipeline, projection."""
    table = titled_table(report.title)
    table.caption_justify = "left"
    rows = report.rows()
    table.add_column("")
    for row in rows:
        table.add_column(_label(row[report.group_by]) if report.group_by else "",
                         justify="right")
    measures = (
        ("Target", "target_amount", fmt_amount),
        ("Won", "won_amount", fmt_amount),
        ("Attainment", "attainment", fmt_pct),
        ("Remaining", "remaining", fmt_amount),
        ("Open pipeline closing in period", "open_pipeline", fmt_amount),
        ("Coverage", "coverage", fmt_ratio),
        ("Required coverage (1 / win rate)", "required_coverage", fmt_ratio),
        ("Weighted pipeline", "weighted_pipeline", fmt_amount),
        ("Projected", "projected", fmt_amount),
        ("Gap (target − projected)", "gap", fmt_amount),
        ("Days left", "days_left", fmt_int),
    )
    for position, (label, name, show) in enumerate(measures):
        table.add_row(label, *(show(row[name]) for row in rows),
                      end_section=position in (3, 7))
    add_empty_note(table, len(rows), "No deal was won, is open or closed in the lookback.")
    return table


def fmt_change(value, show) -> str:
    if is_missing(value):
        return NULL
    text = show(abs(value))
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def velocity_table(report: Report) -> Table:
    """Each lever this window, the one before, and the change, so the lever that moved
    velocity stands out."""
    table = titled_table(report.title)
    table.caption_justify = "left"
    group = report.group_by
    if group:
        table.add_column(group.capitalize(), no_wrap=True)
    table.add_column("Lever", no_wrap=True)
    for header in ("This window", "Before", "Change"):
        table.add_column(header, justify="right", no_wrap=True)
    levers = (
        ("Opportunities", "opportunities", fmt_int, fmt_int),
        ("Win rate", "win_rate", fmt_pct, _points),
        ("Avg won amount", "avg_won_amount", fmt_amount, fmt_amount),
        ("Cycle days", "cycle_days", fmt_days, fmt_days),
        ("Velocity / day", "velocity", fmt_amount, fmt_amount),
    )
    rows = report.rows()
    for row in rows:
        for position, (label, name, show, show_change) in enumerate(levers):
            cells = [_label(row[group]) if position == 0 else ""] if group else []
            cells += [label, show(row[name]), show(row[f"{name}_previous"]),
                      fmt_change(row[f"{name}_change"], show_change)]
            table.add_row(*cells, end_section=position == len(levers) - 1,
                          style="bold" if name == "velocity" else None)
    if rows:
        table.caption = (
            "velocity = opportunities × win rate × average won amount / cycle days "
            "(amount per day)"
        )
    add_empty_note(table, len(rows), "No deal entered the stage, was won or lost in either window.")
    return table


def _points(value) -> str:
    return f"{value * 100:.1f} pp"


def _heat(rate) -> str:
    if is_missing(rate):
        return ""
    return HEAT[min(int(rate * len(HEAT)), len(HEAT) - 1)]


def cohorts_table(report: Report) -> Table:
    """The heatmap: cohorts down, ages across; an immature cell is marked * and dimmed."""
    table = titled_table(report.title)
    table.caption_justify = "left"
    group = report.group_by
    ages = report.extra["ages"]
    if group:
        table.add_column(group.capitalize(), no_wrap=True)
    table.add_column("Cohort", no_wrap=True)
    table.add_column("Deals", justify="right")
    for age in ages:
        table.add_column(f"{age}d", justify="right", no_wrap=True)
    cells: dict[tuple, dict[int, dict]] = {}
    for row in report.rows():
        key = (row[group] if group else None, row["cohort"])
        cells.setdefault(key, {})[row["age_days"]] = row
    previous_group = object()
    keys = list(cells)
    for position, key in enumerate(keys):
        by_age = cells[key]
        first = next(iter(by_age.values()))
        line = []
        if group:
            line.append(_label(key[0]) if key[0] != previous_group else "")
        previous_group = key[0]
        line += [key[1], fmt_int(first["deals"])]
        for age in ages:
            cell = by_age.get(age)
            if cell is None:
                line.append(Text(NULL))
                continue
            text = fmt_pct(cell["rate"])
            if cell["mature"]:
                line.append(Text(f"{text} ", style=_heat(cell["rate"])))
            else:
                line.append(Text(f"{text}{IMMATURE_MARK}", style="dim"))
        last_of_group = position + 1 == len(keys) or keys[position + 1][0] != key[0]
        table.add_row(*line, end_section=bool(group and last_of_group))
    if keys:
        table.caption = (
            f"{IMMATURE_MARK} immature: the data ends before every deal of the cohort is that "
            "many days old; compare cohorts down a column only where unmarked"
        )
    add_empty_note(table, len(keys), "No deal has a created_at.")
    return table
