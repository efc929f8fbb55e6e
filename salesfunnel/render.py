"""Human output: Rich tables for reports, `info` and the load summary.

Numbers only (never colour) carry meaning, so a table without colour reads the
same. Percentages have one decimal, counts and amounts thousands separators.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from salesfunnel.loader import LoadReport
    from salesfunnel.reports import Info, Report

NULL = "–"
BAR_WIDTH = 12
_BLOCKS = " ▏▎▍▌▋▊▉█"


def stdout_console(width: int | None = None) -> Console:
    """The console for data on stdout: colour only on a terminal (Rich honours NO_COLOR
    and TERM=dumb); off a terminal up to 160 columns unless $COLUMNS says otherwise
    (tables take only the width they need)."""
    if width is None and not sys.stdout.isatty() and not os.environ.get("COLUMNS"):
        width = 160
    # markup=False: values from the data (a rep named "[/]") are text, never Rich markup
    return Console(file=sys.stdout, width=width, highlight=False, soft_wrap=False, markup=False)


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


# -- cell formatting -------------------------------------------------------------
def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_int(value) -> str:
    return NULL if is_missing(value) else f"{int(value):,}"


def fmt_pct(value) -> str:
    return NULL if is_missing(value) else f"{value * 100:.1f}%"


def fmt_amount(value) -> str:
    return NULL if is_missing(value) else f"{value:,.0f}"


def fmt_days(value) -> str:
    return NULL if is_missing(value) else f"{value:,.1f}"


def fmt_move(rank, previous) -> str:
    """The move since last month: ▲2 (up two places), ▼1, = (same), new (no rank then)."""
    if is_missing(rank):
        return NULL
    if is_missing(previous):
        return "new"
    delta = int(previous) - int(rank)
    if delta > 0:
        return f"▲{delta}"
    if delta < 0:
        return f"▼{-delta}"
    return "="


def bar(fraction, width: int = BAR_WIDTH) -> Text:
    if is_missing(fraction):
        return Text("")
    fraction = min(max(fraction, 0.0), 1.0)
    eighths = round(fraction * width * 8)
    full, rest = divmod(eighths, 8)
    cells = "█" * full + (_BLOCKS[rest] if rest else "")
    return Text(cells, style="green")


def add_empty_note(table: Table, rows: int, what: str = "Nothing matched these filters.") -> None:
    if rows == 0:
        table.caption = what


def titled_table(title: str) -> Table:
    """The house style of every table: a left-aligned title, a simple header rule."""
    return Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)


# -- reports ---------------------------------------------------------------------
def report_table(report: Report) -> Table:
    """The Rich table of any report, by its name."""
    builders = {"conversion": conversion_table, "rank": rank_table, "dropoff": dropoff_table}
    if report.name in builders:
        return builders[report.name](report)
    from salesfunnel.render_management import management_table

    return management_table(report)


def print_table(table: Table, output: Path | None) -> None:
    """On stdout, or into `output` as plain text 120 columns wide."""
    if output is None:
        stdout_console().print(table)
        return
    with output.open("w", encoding="utf-8") as handle:
        # markup=False: a value like "[/]" in the data is text, not Rich markup
        Console(file=handle, width=120, color_system=None, markup=False).print(table)


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
            cells.append(
                f"{fmt_int(row[stage])} #{fmt_int(rank)} "
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
def info_renderable(info: Info) -> Group:
    summary = titled_table(f"Database {info.path}")
    summary.show_header = False
    summary.add_column("")
    summary.add_column("", justify="right")
    deals_total = int(info.deal_counts["deals"].sum()) if info.deal_counts.height else 0
    summary.add_row("funnel", " > ".join(info.funnel))
    summary.add_row("deals", fmt_int(deals_total))
    summary.add_row("stage history rows", fmt_int(info.history_rows))
    summary.add_row("history rows without a deal", fmt_int(info.orphan_history_rows))
    summary.add_row("subscriptions", fmt_int(info.subscription_rows))
    summary.add_row("created_at from", _fmt_time(info.first_created))
    summary.add_row("created_at to", _fmt_time(info.last_created))
    summary.add_row("last activity", _fmt_time(info.last_activity))
    summary.add_row("rejected rows", fmt_int(info.reject_rows))

    files = titled_table("Files loaded")
    for header in ("Path", "Kind", "Loaded at (UTC)"):
        files.add_column(header)
    for header in ("Read", "Loaded", "Rejected"):
        files.add_column(header, justify="right")
    for row in info.files.rows(named=True):
        files.add_row(
            row["path"], row["kind"], _fmt_time(row["loaded_at"]),
            fmt_int(row["rows_read"]), fmt_int(row["rows_loaded"]), fmt_int(row["rows_rejected"]),
        )
    add_empty_note(files, info.files.height, "No file loaded yet.")

    counts = titled_table("Deals by status and tier")
    tiers = sorted(set(info.deal_counts["tier"].to_list()))
    counts.add_column("Status")
    for tier in tiers:
        counts.add_column(tier, justify="right")
    counts.add_column("total", justify="right")
    for status in ("open", "won", "lost"):
        part = info.deal_counts.filter(info.deal_counts["status"] == status)
        by_tier = dict(zip(part["tier"].to_list(), part["deals"].to_list(), strict=True))
        counts.add_row(
            status, *(fmt_int(by_tier.get(t, 0)) for t in tiers), fmt_int(sum(by_tier.values()))
        )

    parts = [summary, files, counts]
    if info.recent_rejects.height:
        rejects = titled_table("Latest rejects")
        for header in ("Path", "Line", "Column", "Value", "Reason"):
            rejects.add_column(header)
        for row in info.recent_rejects.rows(named=True):
            rejects.add_row(
                row["path"], fmt_int(row["line"]), row["column_name"] or "(row)",
                _clip(row["value"]), row["reason"],
            )
        parts.append(rejects)
    return Group(*parts)


def _fmt_time(value) -> str:
    if value is None:
        return NULL
    return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime(
        "%Y-%m-%d"
    )


def _clip(value: str | None, width: int = 40) -> str:
    if value is None:
        return ""
    value = value.replace("\n", "⏎")
    return value if len(value) <= width else value[: width - 1] + "…"


def _origin(item) -> str:
    parts = [f"preset {item.preset}"]
    if item.encoding != "utf-8":
        parts.append(item.encoding)
    if item.date_order:
        parts.append(f"dates {item.date_order}")
    return ", ".join(parts)


def print_load_summary(console: Console, report: LoadReport, db_path: str) -> None:
    """Per file: kind, rows read, loaded, rejected, and the first reasons (stderr)."""
    for item in report.files:
        if item.skipped_unchanged:
            console.print(
                Text(f"{item.path}: {item.kind}, unchanged since its last load, skipped "
                     f"({item.rows_loaded:,} rows; --force reloads it)")
            )
            continue
        line = (
            f"{item.path}: {item.kind} ({_origin(item)}), read {item.rows_read:,}, loaded "
            f"{item.rows_loaded:,}, rejected {item.rows_rejected:,}"
        )
        if item.history_rows:
            line += f"; {item.history_rows:,} stage entries from its date columns"
        if item.duplicates:
            keys = "key" if item.duplicates == 1 else "keys"
            line += f"; {item.duplicates:,} repeated {keys} (the later line wins)"
        if item.orphans:
            line += f"; {item.orphans:,} history rows for deals not loaded"
        console.print(Text(line, style="yellow" if item.rows_rejected else ""))
        for reason in item.first_reasons:
            console.print(Text(f"    {reason}"))
        if item.rows_rejected > len(item.first_reasons):
            console.print(Text("    … see `salesfunnel info` or the load_rejects table"))
    for path in report.skipped_files:
        console.print(Text(f"{path}: skipped (the config's [files] skip list)"))
    if report.orphan_history_rows:
        console.print(
            Text(
                f"{report.orphan_history_rows:,} stage-history rows refer to deals that are not "
                "loaded; they take no part in reports."
            )
        )
    console.print(Text(f"Loaded into {db_path}."))
