"""Deals exports over time: each deals file is a snapshot of the CRM at its as-of.

The as-of of a deals file is `--as-of`, else a date in its name (`2026-11-20`,
`20261120`, with a time after it: `2026-11-20_1800`; Salesforce's `report<epoch
milliseconds>.csv`), else a date in its folder's name (`2021-08-25/deals.csv`), else
its modification time. Two deals files of the same as-of that disagree on a deal
stop the load (InputError). Its valid rows are compared with the deal's state on the
as-of timeline (`deal_snapshots`, one row per change), merged into it, and
only deals no newer export has set update the `deals` table, so the current
row is the newest export's whatever the load order. With full exports, a deal
missing from a later full export is marked removed (queries/load/snapshot_*.sql).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from salesfunnel.bounds import check_year
from salesfunnel.db import Database
from salesfunnel.errors import InputError, UsageError
from salesfunnel.sqltree import sql_text

_SALESFORCE_REPORT = re.compile(r"report(\d{13})(?!\d)", re.IGNORECASE)
# a date, then optionally a time after one of T _ space . - : 1800, 18-00, 18.00.05, 180005
_TIME = r"(?:[T_ .-](\d{2})[:.-]?(\d{2})(?:[:.-]?(\d{2}))?)?"
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})" + _TIME + r"(?!\d)")
_COMPACT_DATE = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})" + _TIME + r"(?!\d)")


@dataclass
class SnapshotCounts:
    """What one deals file did to the deals and their snapshot timeline."""

    as_of: dt.datetime
    as_of_source: str  # option, file name or modification time
    full_export: bool
    new: int = 0
    changed: int = 0
    stage_moved: int = 0
    amount_changed: int = 0
    close_date_changed: int = 0
    unchanged: int = 0
    removed: int = 0
    older_not_updated: int = 0  # deals a newer export already set
    not_mentioned: int | None = None  # known deals the file lacks (not a full export)


def parse_as_of(text: str) -> dt.datetime:
    """`--as-of`: an ISO date or datetime (a UTC offset is converted to UTC)."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"--as-of {text!r} is not a date or datetime; write it as 2026-11-20 or "
            "2026-11-20T06:00 (UTC unless an offset such as +01:00 is given)."
        ) from None
    check_year(value.year, "--as-of", text)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def as_of_from_name(name: str) -> dt.datetime | None:
    """A timestamp in a file (or folder) name: Salesforce's report<epoch ms>, an ISO or
    compact date, with the time that follows it when there is one (`_1800`, `T06-00`,
    `_180005`: hours, minutes, optional seconds; an impossible time is no time)."""
    found = _SALESFORCE_REPORT.search(name)
    if found:
        return dt.datetime.fromtimestamp(int(found.group(1)) / 1000, dt.UTC).replace(tzinfo=None)
    for pattern in (_ISO_DATE, _COMPACT_DATE):
        for match in pattern.finditer(name):
            year, month, day = (int(part) for part in match.groups()[:3])
            hour, minute, second = (int(part or 0) for part in match.groups()[3:])
            if not 1900 <= year < 2200:
                continue
            try:
                date = dt.datetime(year, month, day)
            except ValueError:
                continue
            if hour < 24 and minute < 60 and second < 60:
                return date.replace(hour=hour, minute=minute, second=second)
            return date
    return None


def resolve_as_of(path: Path, given: dt.datetime | None, mtime_ns: int) -> tuple[dt.datetime, str]:
    if given is not None:
        return given, "option"
    from_name = as_of_from_name(path.name)
    if from_name is not None:
        return from_name, "file name"
    from_folder = as_of_from_name(path.parent.name) if path.parent.name else None
    if from_folder is not None:  # snapshots kept as 2021-08-25/deals.csv
        return from_folder, "folder name"
    modified = dt.datetime.fromtimestamp(mtime_ns / 1e9, dt.UTC).replace(tzinfo=None)
    return modified, "modification time"


def compare(db: Database, counts: SnapshotCounts, path_text: str, shown: Path | None = None) -> None:
    """Compare the file's valid rows (`incoming`) with the timeline; creates
    `snapshot_compare` and `incoming_current` (the rows that may update deals). A deal
    another file of the same as-of showed otherwise is an InputError."""
    db.run_script(sql_text("load/snapshot_compare"), {"as_of": counts.as_of})
    check_conflicts(db, counts, path_text, shown or Path(path_text))
    (
        counts.new, counts.changed, counts.stage_moved, counts.amount_changed,
        counts.close_date_changed, counts.unchanged, counts.older_not_updated,
    ) = db.fetchall(
        """
        select
            count(*) filter (where not newer_export_set_it and prev_as_of is null),
            count(*) filter (where not newer_export_set_it and prev_as_of is not null
                             and not same_as_before),
            count(*) filter (where not newer_export_set_it and prev_as_of is not null
                             and stage is distinct from prev_stage),
            count(*) filter (where not newer_export_set_it and prev_as_of is not null
                             and amount is distinct from prev_amount),
            count(*) filter (where not newer_export_set_it and prev_as_of is not null
                             and closed_at is distinct from prev_closed_at),
            count(*) filter (where not newer_export_set_it and same_as_before),
            count(*) filter (where newer_export_set_it)
        from snapshot_compare
        """
    )[0]
    if not counts.full_export:
        counts.not_mentioned = db.scalar(
            "select count(*) from deals anti join incoming using (deal_id) "
            "anti join removed_deals using (deal_id)"
        )


_COMPARED = (("stage", "stage"), ("status", "status"), ("amount", "amount"),
             ("closed_at", "close date"), ("rep", "rep"), ("tier", "tier"))


def check_conflicts(db: Database, counts: SnapshotCounts, path_text: str, shown: Path) -> None:
    """Two deals files of one as-of that say different things about a deal cannot both
    be right, and which one is cannot be told: the load stops, naming both files, the
    number of such deals and one of them (queries/load/snapshot_conflicts.sql)."""
    db.run_script(sql_text("load/snapshot_conflicts"), {"as_of": counts.as_of, "path": path_text})
    found = db.scalar("select count(*) from snapshot_conflicts")
    if not found:
        return
    row = db.fetchall("select * from snapshot_conflicts order by deal_id limit 1")[0]
    columns = [name for (name,) in db.fetchall(
        "select column_name from duckdb_columns() where table_name = 'snapshot_conflicts' "
        "order by column_index"
    )]
    values = dict(zip(columns, row, strict=True))
    differences = "; ".join(
        f"{label} {_shown(values[name])} here, {_shown(values['prev_' + name])} there"
        for name, label in _COMPARED if values[name] != values["prev_" + name]
    )
    when = f"{counts.as_of:%Y-%m-%d %H:%M}".removesuffix(" 00:00")
    raise InputError(
        f"{shown} and {values['other_path']} are both exports as of {when} and disagree "
        f"on {found:,} deal{'s' if found != 1 else ''}, e.g. "
        f"{values['deal_id']}: {differences}. One moment has one state, and which file is right "
        "cannot be told. Give each export its own as-of: the time in the file name "
        "(deals_2026-11-20_1800.csv), a dated folder (2026-11-20/deals.csv), or load one "
        "with --as-of 2026-11-20T18:00. Nothing was loaded."
    )


def _shown(value) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d}" if value.time() == dt.time() else f"{value:%Y-%m-%d %H:%M}"
    if hasattr(value, "normalize"):  # Decimal amounts
        return f"{value.normalize():f}"
    return str(value)


def merge(db: Database, file_id: int, path_text: str, counts: SnapshotCounts) -> None:
    """Record the export, merge its states into the timeline and redo the removals."""
    db.execute(
        "insert into deal_exports (file_id, path, as_of, as_of_source, full_export) "
        "values (?, ?, ?, ?, ?)",
        [file_id, path_text, counts.as_of, counts.as_of_source, counts.full_export],
    )
    params = {"as_of": counts.as_of, "file_id": file_id}
    db.run_script(sql_text("load/snapshot_merge"), params)
    if db.scalar("select count(*) from deal_exports where full_export"):
        db.run_script(sql_text("load/snapshot_removals"), {"file_id": file_id})
        counts.removed = db.scalar(
            "select count(*) from snapshot_removal_changes "
            "where wanted_as_of is not null and not ends_removed"
        )


ADOPTED = "earlier_deals_adopted"  # salesfunnel_meta key: adopt_earlier_deals has run


def adopt_earlier_deals(db: Database) -> None:
    """Deals loaded before deals exports had snapshots (release 0.1's databases, upgraded)
    get the snapshot their deals file gave them, at that file's as-of (file name or
    modification time, as for any export), and the file its row in deal_exports: they
    take part in full-export removal and are not "new" in the next export. Once per
    database (the check reads every deal)."""
    if db.meta(ADOPTED):
        return
    files = db.fetchall(
        "select distinct files.file_id, files.path, files.mtime_ns "
        "from (select file_id from main.deals anti join main.deal_snapshots using (deal_id)) "
        "inner join main.load_files as files using (file_id) order by 1"
    )
    for file_id, path_text, mtime_ns in files:  # one per deals file loaded before
        as_of, source = resolve_as_of(Path(path_text), None, mtime_ns or 0)
        db.execute(
            "insert into deal_exports (file_id, path, as_of, as_of_source, full_export) "
            "select ?, ?, ?, ?, false "
            "where not exists (select 1 from deal_exports where file_id = ?)",
            [file_id, path_text, as_of, source, file_id],
        )
        db.run_script(sql_text("load/snapshot_adopt"), {"file_id": file_id, "as_of": as_of})
    db.set_meta(ADOPTED, "1")


def merge_deals(
    db: Database, file_id: int, path: Path, mtime_ns: int, given: dt.datetime | None, full: bool,
    has_pipeline: bool = True,
) -> SnapshotCounts:
    """Merge a deals file's valid rows (`incoming`): deals, snapshots, removals. A file
    without a pipeline column keeps the deals' earlier pipelines."""
    adopt_earlier_deals(db)
    as_of, source = resolve_as_of(path, given, mtime_ns)
    counts = SnapshotCounts(as_of=as_of, as_of_source=source, full_export=full)
    path_text = str(path.resolve())
    compare(db, counts, path_text, path)
    db.run_script(sql_text("load/merge_deals"), {"file_id": file_id, "has_pipeline": has_pipeline})
    merge(db, file_id, path_text, counts)
    return counts
