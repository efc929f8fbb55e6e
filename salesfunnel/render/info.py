"""Human output of `info` and of the load summary (both on their console)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.text import Text

from salesfunnel.render.cells import NULL, add_empty_note, fmt_int, titled_table

if TYPE_CHECKING:
    from salesfunnel.load.orchestrate import LoadReport
    from salesfunnel.reports.info import Info


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
    summary.add_row("removed deals (not in reports)", fmt_int(info.removed_deals))
    summary.add_row("newest deals export as of", _fmt_time(info.newest_as_of))
    summary.add_row("subscriptions", fmt_int(info.subscription_rows))
    summary.add_row("created_at from", _fmt_time(info.first_created))
    summary.add_row("created_at to", _fmt_time(info.last_created))
    summary.add_row("last activity", _fmt_time(info.last_activity))
    summary.add_row("rejected rows", fmt_int(info.reject_rows))

    files = titled_table("Files loaded")
    for header in ("Path", "Kind", "Loaded at (UTC)", "As of"):
        files.add_column(header)
    for header in ("Read", "Loaded", "Rejected"):
        files.add_column(header, justify="right")
    for row in info.files.rows(named=True):
        files.add_row(
            row["path"], row["kind"], _fmt_time(row["loaded_at"]), _fmt_time(row.get("as_of")),
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


def _snapshot_line(counts) -> str:
    """As-of and what the deals file changed: new, changed (how), unchanged, removed."""
    parts = [
        f"as of {_fmt_time(counts.as_of)} (from the {counts.as_of_source}"
        + (", full export)" if counts.full_export else ")"),
        f"new {counts.new:,}",
        f"changed {counts.changed:,} (stage moved {counts.stage_moved:,}, amount changed "
        f"{counts.amount_changed:,}, close date changed {counts.close_date_changed:,})",
        f"unchanged {counts.unchanged:,}",
        f"removed {counts.removed:,}",
    ]
    if counts.older_not_updated:
        parts.append(
            f"older than the newest export: {counts.older_not_updated:,} deals not updated"
        )
    if counts.not_mentioned:
        parts.append(
            f"{counts.not_mentioned:,} known deals not in this export (not removed: not --full)"
        )
    return "; ".join(parts)


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
        if item.deleted:
            records = "record" if item.deleted == 1 else "records"
            line += f"; {item.deleted:,} deleted {records} skipped ({item.deleted_column})"
        if item.nul_bytes:
            line += (
                f"; {item.nul_bytes:,} NUL byte{'s' if item.nul_bytes != 1 else ''} in unused "
                f"columns ignored (the first NUL at byte offset {item.first_nul_offset})"
            )
        console.print(Text(line, style="yellow" if item.rows_rejected else ""))
        if item.snapshot is not None:
            console.print(Text(f"    {_snapshot_line(item.snapshot)}"))
        if item.why:
            console.print(Text(f"    {item.why}"))
        if item.rows_read and item.rows_loaded == 0 and item.rows_rejected:
            console.print(
                Text(f"    warning: every row of this file was rejected; the most common "
                     f"reason: {item.top_reason}", style="bold red")
            )
        for notice in item.notices:
            console.print(Text(f"    note: {notice}"))
        for reason in item.first_reasons:
            console.print(Text(f"    {reason}"))
        if item.rows_rejected > len(item.first_reasons):
            console.print(Text("    … see `salesfunnel info` or the load_rejects table"))
    for path in report.skipped_files:
        console.print(Text(f"{path}: skipped (the config's [files] skip list)"))
    for note in report.notes:
        console.print(Text(note))
    if report.orphan_history_rows:
        console.print(
            Text(
                f"{report.orphan_history_rows:,} stage-history rows refer to deals that are not "
                "loaded; they take no part in reports."
            )
        )
    console.print(Text(f"Loaded into {db_path}."))
