"""Many small files of one plan loaded as one batch: the same database as loading them
one by one (orchestrate._load_file), with a handful of statements for the whole batch
instead of some forty per file (each a few milliseconds of planning, whatever the rows).

A batch is a run of consecutive files of the load (nothing changes order) of one kind
(deals or history), preset, mapping, header and CSV layout, each small, read directly,
without NUL bytes, mixed line breaks or blank lines between records. One `read_csv` of
the list of files (with the file name); records numbered per file (the line, and an
ordinal whose high bits are the file's place in the batch, `file_no`); one staging
statement; one insert of rejects; per-file figures from group-bys by file. History rows
are merged at once (a row keeps its first file in load order, as one by one). Deals
files are merged into the snapshot timeline at once when no two share a deal and no
full export is involved (snapshots.merge_batch), else one by one from the staged batch.

What a batch cannot do exactly sends the run back to the file-by-file path before anything
is written: a structural problem DuckDB reports (ragged rows, encoding), slash dates
(their order is decided per file), a report's totals row. `SALESFUNNEL_LOAD_PER_FILE`
(1, true, yes, on) loads every file on its own (the tests compare both ways).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, replace
from pathlib import Path

from salesfunnel.config import Config
from salesfunnel.db import Database, quote_ident
from salesfunnel.errors import CsvReadError, InputError
from salesfunnel.kinds import KINDS, NO_OWNER
from salesfunnel.load import snapshots
from salesfunnel.load.footers import REPORT_FOOTER, any_totals_rows, repeated_header_condition
from salesfunnel.load.infer_funnel import unknown_label_notices
from salesfunnel.load.outcome import MAX_REASONS_SHOWN, FileReport, LoadOptions
from salesfunnel.load.parsing import use_plain_parsers, value_shapes
from salesfunnel.load.presets import FilePlan
from salesfunnel.load.records import (
    MISSING_MARKERS,
    _plain_path,
    drop_relation,
    project_source_rows,
    used_columns,
)
from salesfunnel.load.sheets import digest_path
from salesfunnel.load.sniff import CsvLayout, file_digest, scan_bytes
from salesfunnel.sqltree import sql_text

PER_FILE_ENV = "SALESFUNNEL_LOAD_PER_FILE"
MAX_FILE_BYTES = 1 << 20  # larger files gain nothing from a batch: loaded on their own
FILE_SHIFT = 40  # ordinal = file_no << 40 | the record's ordinal in its file


def per_file_only() -> bool:
    """$SALESFUNNEL_LOAD_PER_FILE (1, true, yes, on): no batches, every file on its own."""
    return os.environ.get(PER_FILE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def batch_key(layout: CsvLayout, plan: FilePlan) -> tuple | None:
    """What files of one batch share (None: the file is loaded on its own)."""
    if (plan.kind not in ("deals", "history") or plan.stage_dates or plan.deleted
            or plan.params or layout.read_path is not None or layout.nul_bytes
            or layout.size > MAX_FILE_BYTES or not layout.path.is_file()):
        return None
    facts = scan_bytes(layout.path)
    if facts.nul_bytes or facts.mixed_line_breaks or facts.inner_blank_line:
        return None
    return (plan.kind, plan.preset, tuple(sorted(plan.fields.items())),
            plan.footer.pattern if plan.footer else None, layout.header, layout.delimiter,
            layout.escape, layout.header_lines, layout.encoding)


def runs(keys: list[tuple | None]) -> list[list[int]]:
    """Consecutive files with one key (not None) form a run; any other file a run of one."""
    found: list[list[int]] = []
    for index, key in enumerate(keys):
        if key is not None and found and keys[found[-1][-1]] == key:
            found[-1].append(index)
        else:
            found.append([index])
    return found


@dataclass
class _File:
    layout: CsvLayout
    plan: FilePlan
    report: FileReport
    path_text: str
    file_id: int = 0
    file_no: int = 0


def load_batch(
    db: Database, items: list[tuple[CsvLayout, FilePlan]], options: LoadOptions,
    config: Config, scratch: Path, file_id: int,
) -> list[FileReport] | None:
    """Load the run `items` as one batch, file ids from `file_id` (unchanged files take
    none); None when the batch cannot give exactly the file-by-file result (nothing was
    written: the caller loads the files one by one)."""
    files: list[_File] = []
    for layout, plan in items:
        layout.check_unchanged()
        layout = replace(layout, sha256=file_digest(digest_path(layout)))
        files.append(_File(layout, plan, FileReport(
            path=layout.path, kind=plan.kind, preset=plan.preset, encoding=layout.encoding,
            why=plan.why), str(layout.path.resolve())))
    if not options.force:
        _skip_unchanged(db, files)
    loading = [f for f in files if not f.report.skipped_unchanged]
    if loading and config.decimal_mark == ",":  # [amounts] decimal: parsed file by file
        return None
    for number, item in enumerate(loading):
        item.file_no, item.file_id = number, file_id + number
    if loading and not _stage(db, loading, scratch):
        return None
    if loading:
        _write(db, loading, options, config)
    return [f.report for f in files]


def _skip_unchanged(db: Database, files: list[_File]) -> None:
    """The files whose last load had the same path, kind, size and content: their counts,
    not read again (one query for the batch)."""
    found = db.fetchall(
        "select wanted.number, arg_max(f.rows_read, f.file_id), arg_max(f.rows_loaded, "
        "f.file_id), arg_max(f.rows_rejected, f.file_id) "
        "from (select unnest($paths) as path, unnest($kinds) as kind, unnest($sizes) as size, "
        "unnest($shas) as sha256, unnest($numbers) as number) as wanted "
        "inner join load_files as f on f.path = wanted.path and f.kind = wanted.kind "
        "and f.size_bytes = wanted.size and f.sha256 = wanted.sha256 group by wanted.number",
        {"paths": [f.path_text for f in files], "kinds": [f.plan.kind for f in files],
         "sizes": [f.layout.size for f in files], "shas": [f.layout.sha256 for f in files],
         "numbers": list(range(len(files)))},
    )
    for number, read, loaded, rejected in found:
        report = files[number].report
        report.rows_read, report.rows_loaded, report.rows_rejected = read, loaded, rejected
        report.skipped_unchanged = True


def _stage(db: Database, files: list[_File], scratch: Path) -> bool:
    """csv_records of every file, numbered (csv_all_numbered, source_rows) and staged
    (`staged`); False when a file needs the file-by-file path."""
    first = files[0]
    layout, plan = first.layout, first.plan
    drop_relation(db, "source_rows", "staged", "staged_main", "staged_history_columns",
                  "incoming", "incoming_batch")
    names = [_plain_path(f.layout.utf8_path, scratch, f.path_text) for f in files]
    db.execute(
        "create or replace temp table batch_files as select unnest($file_no) as file_no, "
        "unnest($file_id) as file_id, unnest($name) as name, unnest($path) as path",
        {"file_no": [f.file_no for f in files], "file_id": [f.file_id for f in files],
         "name": names, "path": [f.path_text for f in files]},
    )
    columns = {f"c{i}": "varchar" for i in range(len(layout.header))}
    kept = [f"c{i}" for i in used_columns(plan) if i < len(layout.header)]
    db.execute("drop table if exists csv_errors")
    db.execute("drop table if exists csv_scans")
    try:
        db.execute(
            f"create or replace temp table csv_records as "
            f"select {', '.join(quote_ident(n) for n in kept)}, filename "
            "from read_csv(?, header = ?, auto_detect = false, delim = ?, "
            "quote = '\"', escape = ?, encoding = 'utf-8', compression = 'none', "
            "columns = ?, nullstr = ?, filename = true, "
            "store_rejects = true, rejects_table = 'csv_errors', rejects_scan = 'csv_scans', "
            "max_line_size = 67108864)",
            [names, layout.header_lines > 0, layout.delimiter, layout.escape, columns,
             [m for m in MISSING_MARKERS if layout.escape not in m]],
        )
    except CsvReadError as exc:  # the transaction is aborted: no file-by-file retry
        named = [f.layout.path for f, name in zip(files, names, strict=True) if name in str(exc)]
        raise InputError(
            f"{named[0] if named else ', '.join(str(f.layout.path) for f in files)}: DuckDB "
            f"cannot read it as CSV ({exc}). Nothing was loaded."
        ) from None
    if db.scalar("select count(*) from csv_errors"):
        return False  # ragged rows, quotes, encoding: the file-by-file path reports them
    for file in files:
        file.layout.check_unchanged()
    if layout.escape == "\\":  # DuckDB's nullstr cannot hold the escape: \N nulled here
        cells = [quote_ident(name) for name in kept]
        db.execute(
            "update csv_records set " + ", ".join(f"{c} = nullif({c}, $marker)" for c in cells),
            {"marker": "\\N"},
        )
    footer = plan.footer.pattern if plan.footer else REPORT_FOOTER
    repeats, names = repeated_header_condition(
        layout.header if layout.header_lines else (), used_columns(plan)) or ("false", [])
    if db.scalar(
        f"select count(*) from csv_records "
        f"where regexp_full_match(trim({quote_ident('c0')}), $footer, 'i') or {repeats}",
        {"footer": footer, **({"headers": names} if names else {})},
    ):
        # footer lines, a header repeated: the file-by-file path skips and counts them
        return False
    if any_totals_rows(db, kept) or not _parsers(db, plan):
        return False
    db.execute(
        f"""
        create or replace temp view csv_all_numbered as
        select
            numbered.number + {int(layout.header_lines)} as line,
            (numbered.file_no::bigint << {FILE_SHIFT}) + numbered.number as ordinal,
            numbered.* exclude (number, file_no)
        from (
            select
                files.file_no,
                row_number() over (partition by files.file_no order by records.rowid) as number,
                records.*
            from csv_records as records
            inner join batch_files as files on files.name = records.filename
        ) as numbered
        """
    )
    project_source_rows(db, KINDS[plan.kind], plan)
    db.run_script(sql_text(f"load/stage_{plan.kind}"), {"no_owner": NO_OWNER})
    return True


def _parsers(db: Database, plan: FilePlan) -> bool:
    """parsing.choose_parsing for the batch: no slash date anywhere (else False: the
    order is per file); the one-cast parsers when every file's values allow them (the
    checking ones give the same values and rejects)."""
    slashes, plain_dates, plain_amounts, (comma, _, thousands_dot) = value_shapes(db, plan)
    if slashes or comma or thousands_dot:  # the date order or decimal mark is per file
        return False
    db.execute("set variable salesfunnel_date_order = 'mdy'")
    db.execute("set variable salesfunnel_decimal_mark = '.'")
    use_plain_parsers(db, dates=plain_dates, amounts=plain_amounts)
    return True


def _by_file(rows: list[tuple]) -> dict[int, tuple]:  # file_no -> the other columns
    return {row[0]: row[1:] for row in rows}


def _write(db: Database, files: list[_File], options: LoadOptions, config: Config) -> None:
    """Rejects, rows, snapshots and load_files rows of the staged batch, and each file's
    report."""
    plan = files[0].plan
    kind = plan.kind
    key = KINDS[kind].key
    counts = _by_file(db.fetchall(
        f"select ordinal >> {FILE_SHIFT}, count(*), count(*) filter (where len(problems) > 0), "
        f"count(*) filter (where len(problems) = 0) "
        f"- count(distinct hash({key})) filter (where len(problems) = 0) "
        "from staged group by all"
    ))
    db.execute("delete from load_rejects where list_contains($paths, path)",
               {"paths": [f.path_text for f in files]})
    rejected = any(counts.get(f.file_no, (0, 0, 0))[1] for f in files)
    deal = "deal_id" if kind == "deals" else "null::varchar"
    if rejected:
        db.execute(
            f"""
            insert into load_rejects (file_id, path, line, column_name, value, reason, deal_id)
            select files.file_id, files.path, line, p.column_name, p.value, p.reason, deal_id
            from (
                select ordinal >> {FILE_SHIFT} as file_no, line, {deal} as deal_id,
                    unnest(problems) as p
                from staged
                where len(problems) > 0
            ) as problems
            inner join batch_files as files using (file_no)
            """
        )
    for file in files:
        staged_rows, value_rejects, _ = counts.get(file.file_no, (0, 0, 0))
        file.report.rows_read, file.report.rows_rejected = staged_rows, value_rejects
        file.report.rows_loaded = staged_rows - value_rejects
        file.report.deleted_column = file.plan.deleted_header
    if rejected:
        _describe_rejects(db, files)
    owners = _blank_owners(db, plan)
    labels = unknown_label_notices(db, {f.file_id: f.layout.path for f in files
                                        if f.report.rows_rejected}) if rejected else {}
    for file in files:
        file.report.notices = [*file.plan.notices, *labels.get(file.file_id, []),
                               *owners.get(file.file_no, [])]
    repeats = any(counts.get(f.file_no, (0, 0, 0))[2] for f in files)
    if kind == "history":
        db.run_script(sql_text("load/merge_history_batch"), {"file_shift": FILE_SHIFT})
    else:
        _merge_deals(db, files, options, config, repeats)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    db.execute(
        "insert into load_files (file_id, path, kind, preset, loaded_at, size_bytes, sha256, "
        "mtime_ns, rows_read, rows_loaded, rows_rejected) "
        "select unnest($file_id), unnest($path), $kind, $preset, $now, unnest($size), "
        "unnest($sha256), unnest($mtime_ns), unnest($read), unnest($loaded), unnest($rejected)",
        {"file_id": [f.file_id for f in files], "path": [f.path_text for f in files],
         "kind": kind, "preset": plan.preset, "now": now,
         "size": [f.layout.size for f in files], "sha256": [f.layout.sha256 for f in files],
         "mtime_ns": [f.layout.mtime_ns for f in files],
         "read": [f.report.rows_read for f in files],
         "loaded": [f.report.rows_loaded for f in files],
         "rejected": [f.report.rows_rejected for f in files]},
    )


def _describe_rejects(db: Database, files: list[_File]) -> None:
    """Each file's first reasons and most common reason (orchestrate._load_file's)."""
    by_id = {f.file_id: f for f in files if f.report.rows_rejected}
    ids = {"ids": list(by_id)}
    for file_id, line, column, value, reason in db.fetchall(
        "select file_id, line, column_name, value, reason from load_rejects "
        "where list_contains($ids, file_id) "
        "qualify row_number() over (partition by file_id order by line, column_name) <= "
        f"{MAX_REASONS_SHOWN} order by file_id, line, column_name",
        ids,
    ):
        by_id[file_id].report.first_reasons.append(
            f"line {line}, {column or 'row'}: {reason}" + (f" ({value!r})" if value else ""))
    for file_id, reason, count in db.fetchall(
        "select file_id, reason, rows from ("
        "select file_id, coalesce(column_name || ': ', '') || reason as reason, "
        "count(distinct line) as rows from load_rejects where list_contains($ids, file_id) "
        "group by all) qualify row_number() over (partition by file_id "
        "order by rows desc, reason) = 1",
        ids,
    ):
        by_id[file_id].report.top_reason = f"{reason} ({count:,} row{'s' if count != 1 else ''})"


def _blank_owners(db: Database, plan: FilePlan) -> dict[int, list[str]]:
    """orchestrate._blank_owner_notice, per file_no."""
    if plan.kind != "deals" or plan.fields.get("rep") == f"'{NO_OWNER}'":
        return {}
    found = db.fetchall(
        f"select ordinal >> {FILE_SHIFT}, count(*) from staged "
        "where rep = $no_owner and len(problems) = 0 group by all",
        {"no_owner": NO_OWNER},
    )
    return {file_no: blank_owner_notice(blank) for file_no, blank in found}


def blank_owner_notice(blank: int) -> list[str]:
    """The notice of a deals file with `blank` loaded rows whose owner cell is blank."""
    if not blank:
        return []
    return [f'{blank:,} deal{"s" if blank != 1 else ""} with a blank owner cell loaded with rep '
            f'"{NO_OWNER}" (every report keeps them; rank lists them as "{NO_OWNER}")']


def _merge_deals(db: Database, files: list[_File], options: LoadOptions, config: Config,
                 repeats: bool) -> None:
    """The deals of the batch into deals and the snapshot timeline: at once when no two
    files share a deal (and no full export is involved), else file by file in load order."""
    rows = (
        "select staged.* exclude (problems, ordinal), files.file_id, files.file_no "
        "from staged inner join batch_files as files "
        f"on files.file_no = staged.ordinal >> {FILE_SHIFT} where len(problems) = 0"
    )
    if repeats:
        rows += (" qualify row_number() over (partition by files.file_no, deal_id "
                 "order by ordinal desc) = 1")
        duplicates = _by_file(db.fetchall(
            f"select ordinal >> {FILE_SHIFT}, count(*) - count(distinct deal_id) from staged "
            "where len(problems) = 0 group by all"
        ))
        for file in files:
            file.report.duplicates = duplicates.get(file.file_no, (0,))[0]
    db.execute(f"create temp {'table' if repeats else 'view'} incoming_batch as {rows}")
    full = options.full or config.full_exports
    has_pipeline = "pipeline" in files[0].plan.fields
    shared = db.scalar("select count(*) - count(distinct deal_id) from incoming_batch")
    if not shared and snapshots.batch_mergeable(db, full):
        db.execute("create temp view incoming as select * from incoming_batch")
        merged = snapshots.merge_batch(
            db, [(f.file_id, f.layout.path, f.path_text, f.layout.mtime_ns) for f in files],
            options.as_of, has_pipeline,
        )
        for file, counts in zip(files, merged, strict=True):
            file.report.snapshot = counts
        return
    for file in files:
        db.execute(
            f"create or replace temp view incoming as select * from incoming_batch "
            f"where file_no = {int(file.file_no)}"
        )
        file.report.snapshot = snapshots.merge_deals(
            db, file.file_id, file.layout.path, file.layout.mtime_ns, options.as_of, full,
            has_pipeline=has_pipeline,
        )
