"""Rich tables of the funnel reports: conversion, rank and dropoff."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from salesfunnel.render.cells import (
    BAR_WIDTH,
    NOT_RANKED,
    NULL,
    add_empty_note,
    bar,
    fmt_amount,
    fmt_days,
    fmt_int,
    fmt_move,
    fmt_pct,
    fmt_rate_interval,
    is_missing,
    titled_table,
)

if TYPE_CHECKING:
    from salesfunnel.reports.common import Report


def conversion_table(report: Report) -> Table:
    table = titled_table(report.title)
    group = report.group_by
    if group:
        table.add_column(group.capitalize(), no_wrap=True)
    table.add_column("Stage", no_wrap=True)
    confidence = report.extra.get("confidence", 0.9)
    ci = f"{confidence * 100:g}% CI"
    for header in ("Reached", f"Step {ci}", f"Overall {ci}", "Lost", "Open", "Days p50",
                   "p25–p75", "p90"):
        table.add_column(header, justify="right", no_wrap=True, min_width=len(header))
    table.add_column("Funnel", min_width=BAR_WIDTH, no_wrap=True)
    rows = report.rows()
    for position, row in enumerate(rows):
        last_of_group = position + 1 == len(rows) or (
            group is not None and rows[position + 1][group] != row[group]
        )
        first_of_group = position == 0 or group is None or rows[position - 1][group] != row[group]
        cells = []
        if group:
            label = "(none)" if row[group] is None else str(row[group])
            cells.append(label if first_of_group else "")
        cells += [
            row["stage"],
            fmt_int(row["reached"]),
            fmt_rate_interval(row["step_rate"], row["step_rate_low"], row["step_rate_high"]),
            fmt_rate_interval(
                row["overall_rate"], row["overall_rate_low"], row["overall_rate_high"]
            ),
            fmt_int(row["lost"]),
            fmt_int(row["open"]),
            fmt_days(row["median_days"]),
            _spread(row["p25_days"], row["p75_days"]),
            fmt_days(row["p90_days"]),
        ]
        table.add_row(*cells, bar(row["overall_rate"]), end_section=bool(group and last_of_group))
    add_empty_note(table, len(rows))
    return table


def _spread(low, high) -> str:
    if is_missing(low) or is_missing(high):
        return NULL
    return f"{fmt_days(low)}–{fmt_days(high)}"


def rank_table(report: Report) -> Table:
    """Low-volume reps (won + lost < --min-deals) are dimmed and marked *; a move is
    "·" (not ranked) when the rep had fewer than --min-deals events in either month."""
    table = titled_table(report.title)
    min_deals = report.extra.get("min_deals", 0)
    confidence = report.extra.get("confidence", 0.9)
    table.add_column("Rep", no_wrap=True)
    for stage in report.stages:
        table.add_column(stage, justify="right", no_wrap=True)
    table.add_column("Won amount", justify="right")
    table.add_column("Lost", justify="right")
    table.add_column(f"Win rate ({confidence * 100:g}% CI)", justify="right", no_wrap=True)
    rows = report.rows()
    marked_low = unranked = False
    for row in rows:
        few = row.get("events", min_deals) < min_deals or row.get("prev_events", min_deals) < min_deals
        low_volume = bool(row.get("low_volume"))
        marked_low, unranked = marked_low or low_volume, unranked or few
        cells = [row["rep"] + (" *" if low_volume else "")]
        for stage in report.stages:
            rank = row[f"{stage}_rank"]
            move = NOT_RANKED if few else fmt_move(rank, row[f"{stage}_prev_rank"])
            ranked = f"#{fmt_int(rank)}" if not is_missing(rank) else " " + NULL  # 0: no rank
            cells.append(f"{fmt_int(row[stage])} {ranked:>2} {move:>3}")
        cells += [
            fmt_amount(row["won_amount"]),
            fmt_int(row["lost"]),
            fmt_rate_interval(row["win_rate"], row.get("win_rate_low"), row.get("win_rate_high")),
        ]
        table.add_row(*cells, style="dim" if low_volume else None)
    # the legend explains only the marks the table shows
    legend = []
    if marked_low:
        legend.append(f"* low volume: fewer than {min_deals} deals won or lost this month")
    if unranked:
        legend.append(
            f"{NOT_RANKED}: move not ranked (fewer than {min_deals} events in either month)"
        )
    if legend:  # one line per mark, each wrapped at word boundaries
        table.caption = "\n".join(legend)
        table.caption_justify = "left"
    add_empty_note(table, len(rows), "No rep had a stage entry or a loss in this month.")
    return table


def dropoff_table(report: Report) -> Table:
    """Rows by tier (and by pipeline first with --by pipeline), a section per tier."""
    table = titled_table(report.title)
    group = report.group_by
    if group:
        table.add_column(group.capitalize(), no_wrap=True)
    table.add_column("Tier", no_wrap=True)
    table.add_column("Lost at", no_wrap=True)
    table.add_column("Reason")
    for header in ("Lost", "Share of tier", "Amount"):
        table.add_column(header, justify="right")
    rows = report.rows()

    def section(row) -> tuple:
        return (row[group] if group else None, row["tier"])

    for position, row in enumerate(rows):
        first = position == 0 or section(rows[position - 1]) != section(row)
        last = position + 1 == len(rows) or section(rows[position + 1]) != section(row)
        new_group = group and (position == 0 or rows[position - 1][group] != row[group])
        cells = [str(row[group]) if new_group else ""] if group else []
        table.add_row(
            *cells,
            row["tier"] if first else "",
            "(stage unknown)" if row["stage"] is None else row["stage"],
            row["reason"],
            fmt_int(row["lost"]),
            fmt_pct(row["share"]),
            fmt_amount(row["amount"]),
            end_section=last,
        )
    add_empty_note(table, len(rows), "No lost deal matched these filters.")
    return table


# -- info and load ---------------------------------------------------------------
