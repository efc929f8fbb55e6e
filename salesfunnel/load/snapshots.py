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
    """Compare the file's valid rows (`incoming`, the file of `export_files`) with the
    timeline; creates `snapshot_compare` and `incoming_current` (the rows that may update
    deals). A deal another file of the same as-of showed otherwise is an InputError."""
    db.run_script(sql_text("load/snapshot_compare"))
    check_conflicts(db, {0: (counts, shown or Path(path_text))})
    (
        counts.new, counts.changed, counts.stage_moved, counts.amount_changed,
        counts.close_date_changed, counts.unchanged, counts.older_not_updated,
    ) = db.fetchall(f"select {_COUNTED} from snapshot_compare")[0]
    if not counts.full_export:
        counts.not_mentioned = db.scalar(
            "select count(*) from deals anti join incoming using (deal_id) "
            "anti join removed_deals using (deal_id)"
        )


# what compare() counts per file, over snapshot_compare
_COUNTED = """
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
"""


_COMPARED = (("stage", "stage"), ("status", "status"), ("amount", "amount"),
             ("closed_at", "close date"), ("rep", "rep"), ("tier", "tier"))


def check_conflicts(db: Database, files: dict[int, tuple[SnapshotCounts, Path]]) -> None:
    """Two deals files of one as-of that say different things about a deal cannot both
    be right, and which one is cannot be told: the load stops, naming both files, the
    number of such deals and one of them (queries/load/snapshot_conflicts.sql). `files`:
    each file_no's counts and shown path; the first file in load order with one stops."""
    db.run_script(sql_text("load/snapshot_conflicts"))
    first = db.fetchall(
        "select file_no, count(*) from snapshot_conflicts group by file_no order by file_no limit 1"
    )
    if not first:
        return
    file_no, found = first[0]
    row = db.fetchall(
        "select * from snapshot_conflicts where file_no = ? order by deal_id limit 1", [file_no]
    )[0]
    columns = [name for (name,) in db.fetchall(
        "select column_name from duckdb_columns() where table_name = 'snapshot_conflicts' "
        "order by column_index"
    )]
    values = dict(zip(columns, row, strict=True))
    differences = "; ".join(
        f"{label} {_shown(values[name])} here, {_shown(values['prev_' + name])} there"
        for name, label in _COMPARED if values[name] != values["prev_" + name]
    )
    counts, shown = files[file_no]
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
    db.run_script(sql_text("load/snapshot_merge"))
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
    """Merge a deals file's valid rows (`incoming`, each with the file's file_id): deals,
    snapshots, removals. A file without a pipeline column keeps the deals' earlier
    pipelines."""
    adopt_earlier_deals(db)
    as_of, source = resolve_as_of(path, given, mtime_ns)
    counts = SnapshotCounts(as_of=as_of, as_of_source=source, full_export=full)
    path_text = str(path.resolve())
    _export_files(db, [(0, file_id, path_text, as_of, source)])
    compare(db, counts, path_text, path)
    db.run_script(sql_text("load/merge_deals"), {"has_pipeline": has_pipeline})
    merge(db, file_id, path_text, counts)
    return counts


def batch_mergeable(db: Database, full: bool) -> bool:
    """Whether deals files whose valid rows share no deal can be merged at once
    (merge_batch): not full exports, and no full export in the database (a removal is
    judged on the whole timeline after each file)."""
    return not full and not db.scalar("select count(*) from deal_exports where full_export")


def merge_batch(
    db: Database, files: list[tuple[int, Path, str, int]], given: dt.datetime | None,
    has_pipeline: bool,
) -> list[SnapshotCounts]:
    """Merge the deals files `files` ((file_id, path, resolved path, mtime_ns) in load
    order; file_no = the index) whose valid rows (`incoming`, with file_id and file_no)
    share no deal, in one pass:
    each deal's snapshots are touched by one file only, so merging them at once gives
    what merging them one by one in that order gives (the caller checked
    batch_mergeable). The counts are the ones each file would have had in its turn."""
    adopt_earlier_deals(db)
    counts, paths, rows = [], [], []
    for file_no, (file_id, path, path_text, mtime_ns) in enumerate(files):
        as_of, source = resolve_as_of(path, given, mtime_ns)
        counts.append(SnapshotCounts(as_of=as_of, as_of_source=source, full_export=False))
        paths.append(path)
        rows.append((file_no, file_id, path_text, as_of, source))
    _export_files(db, rows)
    # the files' exports first: snapshot_conflicts reads those before each file (file_id)
    db.execute(
        "insert into deal_exports (file_id, path, as_of, as_of_source, full_export) "
        "select file_id, path, as_of, as_of_source, false from export_files order by file_no"
    )
    db.run_script(sql_text("load/snapshot_compare"))
    check_conflicts(db, dict(enumerate(zip(counts, paths, strict=True))))
    for file_no, *numbers in db.fetchall(
        f"select file_no, {_COUNTED} from snapshot_compare group by file_no"
    ):
        (
            counts[file_no].new, counts[file_no].changed, counts[file_no].stage_moved,
            counts[file_no].amount_changed, counts[file_no].close_date_changed,
            counts[file_no].unchanged, counts[file_no].older_not_updated,
        ) = numbers
    # the known deals a file lacks, as its turn saw them: the deals before the batch
    # (not removed), less its own, plus what the earlier files' own deals changed
    shown_before = _shown_deals_by_file(db, len(files))
    known = db.scalar("select count(*) from deals anti join removed_deals using (deal_id)")
    db.run_script(sql_text("load/merge_deals"), {"has_pipeline": has_pipeline})
    db.run_script(sql_text("load/snapshot_merge"))
    shown_after = _shown_deals_by_file(db, len(files))
    for file_no, file_counts in enumerate(counts):
        file_counts.not_mentioned = known - shown_before[file_no]
        known += shown_after[file_no] - shown_before[file_no]
    return counts


def _shown_deals_by_file(db: Database, files: int) -> list[int]:
    """Per file_no: its deals (`incoming`) that are in `deals` and not removed."""
    found = dict(db.fetchall(
        "select file_no, count(*) from incoming semi join deals using (deal_id) "
        "anti join removed_deals using (deal_id) group by file_no"
    ))
    return [found.get(number, 0) for number in range(files)]


def _export_files(db: Database, rows: list[tuple]) -> None:
    """`export_files`: the deals files being merged, (file_no, file_id, path, as_of,
    as_of_source)."""
    names = {"file_no": "integer", "file_id": "bigint", "path": "varchar",
             "as_of": "timestamp", "as_of_source": "varchar"}  # (--as-of may be text)
    db.execute(
        "create or replace temp table export_files as select "
        + ", ".join(f"unnest(${name})::{kind} as {name}" for name, kind in names.items()),
        {name: [row[i] for row in rows] for i, name in enumerate(names)},
    )
