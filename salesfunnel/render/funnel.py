"""Rich tables of the funnel reports: conversion, rank and dropoff."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from salesfunnel.render.cells import (
    BAR_WIDTH,
    NULL,
    add_empty_note,
    bar,
    fmt_amount,
    fmt_days,
    fmt_int,
    fmt_move,
    fmt_pct,
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
    for header in ("Reached", "Step", "Overall", "Lost", "Open", "Median days"):
        table.add_column(header, justify="right", no_wrap=True, min_width=len(header))
    table.add_column("Funnel", min_width=BAR_WIDTH, no_wrap=True)
    rows = report.frame.rows(named=True)
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
            fmt_pct(row["step_rate"]),
            fmt_pct(row["overall_rate"]),
            fmt_int(row["lost"]),
            fmt_int(row["open"]),
            fmt_days(row["median_days"]),
        ]
        table.add_row(*cells, bar(row["overall_rate"]), end_section=bool(group and last_of_group))
    add_empty_note(table, len(rows))
    return table


def rank_table(report: Report) -> Table:
    table = titled_table(report.title)
    table.add_column("Rep", no_wrap=True)
    for stage in report.stages:
        table.add_column(stage, justify="right", no_wrap=True)
    table.add_column("Won amount", justify="right")
    table.add_column("Lost", justify="right")
    table.add_column("Win rate", justify="right")
    rows = report.frame.rows(named=True)
    for row in rows:
        cells = [row["rep"]]
        for stage in report.stages:
            rank = row[f"{stage}_rank"]
            ranked = f"#{fmt_int(rank)}" if not is_missing(rank) else " " + NULL  # 0: no rank
            cells.append(
                f"{fmt_int(row[stage])} {ranked:>2} "
                f"{fmt_move(rank, row[f'{stage}_prev_rank']):>3}"
            )
        cells += [fmt_amount(row["won_amount"]), fmt_int(row["lost"]), fmt_pct(row["win_rate"])]
        table.add_row(*cells)
    add_empty_note(table, len(rows), "No rep had a stage entry or a loss in this month.")
    return table


def dropoff_table(report: Report) -> Table:
    table = titled_table(report.title)
    table.add_column("Tier", no_wrap=True)
    table.add_column("Lost at", no_wrap=True)
    table.add_column("Reason")
    for header in ("Lost", "Share of tier", "Amount"):
        table.add_column(header, justify="right")
    rows = report.frame.rows(named=True)
    for position, row in enumerate(rows):
        first = position == 0 or rows[position - 1]["tier"] != row["tier"]
        last = position + 1 == len(rows) or rows[position + 1]["tier"] != row["tier"]
        table.add_row(
            row["tier"] if first else "",
            row["stage"],
            row["reason"],
            fmt_int(row["lost"]),
            fmt_pct(row["share"]),
            fmt_amount(row["amount"]),
            end_section=last,
        )
    add_empty_note(table, len(rows), "No lost deal matched these filters.")
    return table


# -- info and load ---------------------------------------------------------------
