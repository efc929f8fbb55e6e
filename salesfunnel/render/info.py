"""Human output of `info` and of the load summary (both on their console)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from salesfunnel.render.cells import NULL, add_empty_note, fmt_int, titled_table

if TYPE_CHECKING:
    from salesfunnel.load.orchestrate import LoadReport
    from salesfunnel.reports.info import Info


def info_renderable(info: Info) -> Group:
    return Group(*info_tables(info))


def info_tables(info: Info) -> list[Table]:
    """The tables of `info`: the summary, the files loaded, the deals by status and tier
    and the latest rejects (print them with `print_table`, which splits them into panels
    rather than cut a cell: a long path folds over lines)."""
    summary = titled_table(f"Database {info.path}")
    summary.show_header = False
    summary.add_column("")
    summary.add_column("", justify="right")
    deal_counts = info.deal_counts.rows(named=True)
    deals_total = sum(row["deals"] for row in deal_counts)
    summary.add_row("funnel", " > ".join(info.funnel))
    summary.add_row("deals", fmt_int(deals_total))
    if any(name is not None for name, _, _ in info.pipelines):
        for name, deals, stages in info.pipelines:
            summary.add_row(f"pipeline {name or '(none)'}",
                            f"{fmt_int(deals)} deals · {' > '.join(stages)}")
    summary.add_row("stage history rows", fmt_int(info.history_rows))
    summary.add_row("history rows without a deal", fmt_int(info.orphan_history_rows))
    summary.add_row("removed deals (not in reports)", fmt_int(info.removed_deals))
    if info.unconverted:  # a [currency] without a rate for these: amounts unknown
        summary.add_row("amounts unknown (no rate)", ", ".join(
            f"{fmt_int(deals)} in {code}" for code, deals in info.unconverted))
    summary.add_row("newest deals export as of", _fmt_time(info.newest_as_of))
    summary.add_row("subscriptions", fmt_int(info.subscription_rows))
    summary.add_row("created_at from", _fmt_time(info.first_created))
    summary.add_row("created_at to", _fmt_time(info.last_created))
    summary.add_row("last activity", _fmt_time(info.last_activity))
    summary.add_row("rejected rows", fmt_int(info.reject_rows))
    summary.add_row("stages without entry dates",
                    ", ".join(info.undated_stages) if info.undated_stages else "none")
    summary.add_row("deals without an amount", fmt_int(info.deals_without_amount))
    summary.add_row("won or lost without a close date", fmt_int(info.closed_without_date))

    files = titled_table("Files loaded")
    files.add_column("Path", overflow="fold")
    for header in ("Kind", "Loaded at (UTC)", "As of"):
        files.add_column(header, no_wrap=True)
    for header in ("Read", "Loaded", "Rejected"):
        files.add_column(header, justify="right", no_wrap=True)
    for row in info.files.rows(named=True):
        files.add_row(
            row["path"], row["kind"], _fmt_time(row["loaded_at"]), _fmt_time(row.get("as_of")),
            fmt_int(row["rows_read"]), fmt_int(row["rows_loaded"]), fmt_int(row["rows_rejected"]),
        )
    add_empty_note(files, info.files.height, "No file loaded yet.")

    counts = titled_table("Deals by status and tier")
    tiers = sorted({row["tier"] for row in deal_counts})
    counts.add_column("Status")
    for tier in tiers:
        counts.add_column(tier, justify="right")
    counts.add_column("total", justify="right")
    for status in ("open", "won", "lost"):
        by_tier = {row["tier"]: row["deals"] for row in deal_counts if row["status"] == status}
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
    return parts


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
    if getattr(item, "decimal_mark", None) == ",":
        parts.append("decimal comma")
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


def print_load_summary(console: Console, report: LoadReport, db_path: str, quiet: bool = False) -> None:
    """Per file: kind, rows read, loaded, rejected, and the first reasons (stderr).
    `quiet`: only what needs attention (files with rejected rows or orphan history, and
    their reasons); a clean load prints nothing. The lines are printed at once (a
    thousand files are a thousand lines: one print each took a third of a second)."""
    lines: list[Text] = []
    for item in report.files:
        if quiet and not (item.rows_rejected or item.orphans or item.empty_full_export):
            continue
        if item.skipped_unchanged:
            lines.append(
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
        lines.append(Text(line, style="yellow" if item.rows_rejected else ""))
        if item.snapshot is not None:
            lines.append(Text(f"    {_snapshot_line(item.snapshot)}"))
        if item.why:
            lines.append(Text(f"    {item.why}"))
        if item.rows_read and item.rows_loaded == 0 and item.rows_rejected:
            lines.append(
                Text(f"    warning: every row of this file was rejected; the most common "
                     f"reason: {item.top_reason}", style="bold red")
            )
        if item.empty_full_export:
            lines.append(Text(
                "    warning: this full export has no rows (a header only): no deal is removed "
                "(an export of no deals is taken for a failed one, not for a CRM without deals)",
                style="bold red"))
        for notice in item.notices:
            lines.append(Text(f"    note: {notice}"))
        for reason in item.first_reasons:
            lines.append(Text(f"    {reason}"))
        if item.rows_rejected > len(item.first_reasons):
            lines.append(Text("    … see `salesfunnel info` or the load_rejects table"))
    for path in [] if quiet else report.skipped_files:
        lines.append(Text(f"{path}: skipped (the config's [files] skip list)"))
    for note in report.notes:
        lines.append(Text(note))
    if report.undated_note and not quiet:
        lines.append(Text(report.undated_note))
    if report.currency_note and not quiet:
        lines.append(Text(report.currency_note))
    if report.orphan_history_rows:
        lines.append(
            Text(
                f"{report.orphan_history_rows:,} stage-history rows refer to deals that are not "
                "loaded; they take no part in reports."
            )
        )
    if not quiet:
        lines.append(Text(f"Loaded into {db_path}."))
    if lines:
        console.print(Text("\n").join(lines))


# -- info for machines -------------------------------------------------------------
INFO_FIELDS = (
    "path", "funnel", "deals", "open", "won", "lost", "history_rows", "orphan_history_rows",
    "subscriptions", "reject_rows", "removed_deals", "first_created", "last_created",
    "last_activity", "newest_as_of", "files", "last_loaded_at", "unconverted_amounts",
)


def _iso(value) -> str | None:
    return None if value is None else value.isoformat(sep=" ") if hasattr(value, "hour") else str(value)


def info_summary(info: Info) -> dict:
    """The scalar facts of `info` (one flat object: the CSV row, and the JSON fields but
    for the lists), for monitoring."""
    counts = info.deal_counts.rows(named=True)
    by_status = {
        status: int(sum(row["deals"] for row in counts if row["status"] == status))
        for status in ("open", "won", "lost")
    }
    last_loaded = max((row["loaded_at"] for row in info.files.rows(named=True)), default=None)
    return {
        "path": info.path,
        "funnel": " > ".join(info.funnel),
        "deals": sum(by_status.values()),
        **by_status,
        "history_rows": info.history_rows,
        "orphan_history_rows": info.orphan_history_rows,
        "subscriptions": info.subscription_rows,
        "reject_rows": info.reject_rows,
        "removed_deals": info.removed_deals,
        "first_created": _iso(info.first_created),
        "last_created": _iso(info.last_created),
        "last_activity": _iso(info.last_activity),
        "newest_as_of": _iso(info.newest_as_of),
        "files": info.files.height,
        "last_loaded_at": _iso(last_loaded),
        # deals whose amount is unknown in the report currency (no rate for theirs)
        "unconverted_amounts": sum(deals for _, deals in info.unconverted),
        # what the exports leave unknown (the JSON has undated_stages as a list)
        "undated_stages": ", ".join(info.undated_stages),
        "deals_without_amount": info.deals_without_amount,
        "closed_without_date": info.closed_without_date,
    }


def info_json(info: Info) -> str:
    """One JSON object: the summary, with `funnel` as a list of stages and the lists
    `file_list`, `deal_counts` and `recent_rejects`."""
    import json

    summary = info_summary(info)
    summary["funnel"] = list(info.funnel)
    summary["undated_stages"] = list(info.undated_stages)
    summary["file_list"] = json.loads(info.files.to_polars().write_json())
    summary["deal_counts"] = json.loads(info.deal_counts.to_polars().write_json())
    summary["recent_rejects"] = json.loads(info.recent_rejects.to_polars().write_json())
    summary["pipeline_list"] = [
        {"pipeline": name, "deals": deals, "funnel": list(stages)}
        for name, deals, stages in info.pipelines
    ]
    return json.dumps(summary, ensure_ascii=False, default=str) + "\n"


def info_csv(info: Info) -> str:
    """A header and one row of the summary fields."""
    import polars as pl

    return pl.DataFrame([info_summary(info)]).write_csv()
