"""`salesfunnel load`: CSV exports into the database, all or nothing.

Per file: recognise the preset and kind from the header (presets.py), let DuckDB
read every record as text (structural errors such as ragged rows are recorded,
not fatal), map the raw columns onto canonical fields, parse and check values in
SQL (queries/stage_<kind>.sql), record each problem in `load_rejects` with file,
line, column and reason, then merge the valid rows (queries/merge_<kind>.sql).
Stage-entry date columns of a deals file (HubSpot's "Date entered ...", a
mapping's stage_dates) become stage history. The whole invocation is one
transaction.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from salesfunnel.config import Config
from salesfunnel.db import Database
from salesfunnel.errors import ConfigError, InputError
from salesfunnel.kinds import KINDS, NO_OWNER
from salesfunnel.load import planning, snapshots
from salesfunnel.load.batches import (
    batch_key,
    blank_owner_notice,
    load_batch,
    per_file_only,
    runs,
)
from salesfunnel.load.dating import loaded_undated_note
from salesfunnel.load.discover import expand_paths, skipped_name
from salesfunnel.load.headerless import without_header
from salesfunnel.load.infer import plan_files
from salesfunnel.load.infer_funnel import stated_funnel, unknown_label_notices
from salesfunnel.load.outcome import MAX_REASONS_SHOWN, FileReport, LoadOptions, LoadReport
from salesfunnel.load.parsing import choose_parsing, use_plain_parsers
from salesfunnel.load.presets import FilePlan
from salesfunnel.load.records import (
    build_source_rows,
    count_deleted,
    drop_relation,
    read_records,
    reject_nul_fields,
    stage_history_from_columns,
)
from salesfunnel.load.sheets import content_digest, open_sources
from salesfunnel.load.sniff import CsvLayout
from salesfunnel.sqltree import sql_text

CHECKED_ENV = "SALESFUNNEL_LOAD_CHECKED"


ProgressCallback = Callable[[int, int, Path], None]


def load_paths(
    db: Database,
    paths: Iterable[str | Path],
    *,
    config: Config | None = None,
    options: LoadOptions | None = None,
    progress: ProgressCallback | None = None,
) -> LoadReport:
    """Load every file in one transaction; raise InputError (nothing kept) on a bad file.

    An unchanged file (same path, size and SHA-256 as its last load) is not read
    again unless `force`. With `strict`, any rejected row fails the whole load.
    """
    config = config or Config()
    options = options or LoadOptions()
    for pattern, kind in config.file_kinds:
        if kind not in KINDS:
            raise ConfigError(
                f"{config.path}: [files] kinds: {pattern!r} = {kind!r} is not a kind of file; "
                f"use one of {', '.join(KINDS)}."
            )
    notes: list[str] = []
    files, skipped = expand_paths(paths, config.skip_files, notes)
    with tempfile.TemporaryDirectory(prefix="salesfunnel-") as scratch_name:
        scratch = Path(scratch_name)
        layouts = open_sources(files, options.encoding, scratch)
        # a workbook's sheets that [files] skip names (init proposes `book.xlsx[Summary]`
        # for a sheet of no kind, such as a pivot table's summary)
        sheets = [layout for layout in layouts if layout.sheet_origin is not None
                  and skipped_name(layout.path.name, config.skip_files)]
        if sheets:
            skipped = [*skipped, *(layout.path for layout in sheets)]
            layouts = [layout for layout in layouts if layout not in sheets]
            if not layouts:
                raise InputError(
                    "Every CSV file or sheet given was skipped by the config's [files] skip list."
                )
        if not config.has_header:  # database dumps: the config names the columns
            layouts = [without_header(layout, config.column_names, config.escape)
                       for layout in layouts]
        elif config.escape != '"':
            layouts = [replace(layout, escape=config.escape) for layout in layouts]
        kinds = [
            planning.kind_of(layout.path, options.kinds_by_path, options.kind, config)
            for layout in layouts
        ]
        plans = plan_files(db, layouts, scratch, kinds, preset=options.preset, config=config)
        for layout, plan in zip(layouts, plans, strict=True):
            planning.require_one_of(KINDS[plan.kind], plan, layout)
            planning.refuse_ambiguous_columns(plan, layout)
        db.run_script(sql_text("load/load_macros"))
        if checking_path_only():
            db.run_script(sql_text("load/checking_path_only"))
        funnel = (None if config.funnel else stated_funnel(db, layouts, plans, scratch)) or (
            planning.funnel_for(db, config, plans, [x.path for x in layouts]))
        db.install_funnel(funnel)
        planning.install_currency(db, config)
        reports: list[FileReport] = []
        with db.transaction():
            db.set_meta("funnel", funnel.to_json())
            # file ids are numbered here (one query per load, not per file)
            file_id = db.scalar("select coalesce(max(file_id), 0) + 1 from load_files")
            keys = [None if per_file_only() else batch_key(layout, plan)
                    for layout, plan in zip(layouts, plans, strict=True)]
            for run in runs(keys):
                loaded = None
                if len(run) > 1:  # one batch (None: its files one by one)
                    if progress:
                        for number in run:
                            progress(number + 1, len(layouts), layouts[number].path)
                    loaded = load_batch(db, [(layouts[i], plans[i]) for i in run], options,
                                        config, scratch, file_id)
                for number in run if loaded is None else []:
                    if progress:
                        progress(number + 1, len(layouts), layouts[number].path)
                    loaded_one = _load_file(db, layouts[number], plans[number], options,
                                            config, scratch, file_id)
                    reports.append(loaded_one)
                    file_id += 0 if loaded_one.skipped_unchanged else 1
                for report in loaded or []:
                    reports.append(report)
                    file_id += 0 if report.skipped_unchanged else 1
            use_plain_parsers(db, dates=False, amounts=False)  # the checking ones again
            changed = any(not r.skipped_unchanged for r in reports)
            stored_orphans = db.meta("orphan_history_rows")
            if changed or stored_orphans is None:
                orphans = _count_orphans(db, reports)
                db.set_meta("orphan_history_rows", str(orphans))
            else:  # nothing was loaded: the database, and so its orphans, are as they were
                orphans = int(stored_orphans)
            if changed or db.meta("facts_key") != db.facts_key():
                db.refresh_fact_cache()
            undated = loaded_undated_note(db) if changed else None
            unconverted = planning.unconverted_note(db, config) if changed else None
            rejected = sum(r.rows_rejected for r in reports if not r.skipped_unchanged)
            if options.strict and rejected:
                details = "; ".join(
                    f"{r.path}: {r.first_reasons[0]}" for r in reports if r.first_reasons
                )
                raise InputError(
                    f"--strict: {rejected} row{'s' if rejected != 1 else ''} rejected, so "
                    f"nothing was loaded. First problems: {details}."
                )
    return LoadReport(files=reports, orphan_history_rows=orphans, strict=options.strict,
                      funnel=funnel, skipped_files=skipped, notes=notes, undated_note=undated,
                      currency_note=unconverted)


def checking_path_only() -> bool:
    """$SALESFUNNEL_LOAD_CHECKED (1, true, yes, on): every value takes the checking path
    of parsing, none the fast path (the tests load both ways and compare)."""
    return os.environ.get(CHECKED_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def _load_file(
    db: Database, layout: CsvLayout, plan: FilePlan, options: LoadOptions, config: Config,
    scratch: Path, file_id: int,
) -> FileReport:
    path_text = str(layout.path.resolve())
    kind = plan.kind
    report = FileReport(path=layout.path, kind=kind, preset=plan.preset, encoding=layout.encoding,
                        why=plan.why)
    layout.check_unchanged()
    # unchanged means the same content: always hashed (a same-size edit within the
    # clock's resolution keeps size and modification time)
    layout = replace(layout, sha256=content_digest(layout))
    if not options.force:
        previous = _previous_load(db, path_text, kind, layout)
        if previous is not None:
            report.rows_read, report.rows_loaded, report.rows_rejected = previous
            report.skipped_unchanged = True
            return report

    # the previous file's relations, whichever kind each is: one catalog look-up per file
    drop_relation(db, "source_rows", "staged", "staged_main", "staged_history_columns",
                  "incoming")
    layout = read_records(db, layout, plan, scratch, allow_retry=options.encoding is None)
    layout.check_unchanged()
    report.encoding = layout.encoding
    build_source_rows(db, KINDS[kind], plan, layout.header_lines + layout.rows_above)
    report.deleted = count_deleted(db, plan)
    report.deleted_column = plan.deleted_header
    report.date_order, report.decimal_mark, mark_notice = choose_parsing(
        db, layout, plan, options.date_order or config.date_order, config.decimal_mark)
    db.run_script(sql_text(f"load/stage_{kind}"), {"no_owner": NO_OWNER})
    if layout.nul_bytes:
        report.nul_bytes = layout.nul_bytes - reject_nul_fields(db, plan)
        report.first_nul_offset = layout.first_nul_offset
    if plan.stage_dates:
        # a record with any problem (its own values or its stage dates) is rejected whole
        db.execute("alter table staged rename to staged_main")
        stage_history_from_columns(db, plan)
        db.execute(
            """
            create or replace temp table rejected_lines as
            select distinct line from staged_main where len(problems) > 0
            union
            select distinct line from staged_history_columns where len(problems) > 0
            """
        )
        problems_of = "select line, deal_id, problems from staged_main union all " \
                      "select line, deal_id, problems from staged_history_columns"
        db.execute(
            "create or replace temp view staged as select * from staged_main "
            "where line not in (select line from rejected_lines)"
        )
        value_rejects, staged_rows, structural = db.fetchall(
            "select (select count(*) from rejected_lines), (select count(*) from staged_main), "
            "(select count(*) from csv_structure_problems)"
        )[0]
        hash_repeats = None
    else:
        # a deals row gives its deal id: the deal is in the export, rejected or not
        deal = "deal_id" if kind == "deals" else "null::varchar"
        problems_of = f"select line, {deal} as deal_id, problems from staged"
        # with the count of repeated keys' hashes (_create_incoming): one scan of staged
        staged_rows, value_rejects, hash_repeats, structural = db.fetchall(
            f"select count(*), count(*) filter (where len(problems) > 0), "
            f"count(*) filter (where len(problems) = 0) "
            f"- count(distinct hash({KINDS[kind].key})) filter (where len(problems) = 0), "
            f"(select count(*) from csv_structure_problems) from staged"
        )[0]

    db.execute("delete from load_rejects where path = ?", [path_text])
    if structural or value_rejects:  # else there is nothing to record (one statement less)
        db.execute(
            f"""
            insert into load_rejects (file_id, path, line, column_name, value, reason, deal_id)
            select ?, ?, line, column_name, value, reason, null from csv_structure_problems
            union all
            select ?, ?, line, p.column_name, p.value, p.reason, deal_id
            from (
                select line, deal_id, unnest(problems) as p
                from ({problems_of})
                where len(problems) > 0
            )
            """,
            [file_id, path_text, file_id, path_text],
        )
    report.rows_read = staged_rows + structural
    report.rows_rejected = value_rejects + structural
    report.rows_loaded = staged_rows - value_rejects
    if report.rows_rejected:  # else the file has no rejects to describe (one query less)
        report.first_reasons = [
            f"line {line}, {column or 'row'}: {reason}" + (f" ({value!r})" if value else "")
            for line, column, value, reason in db.fetchall(
                "select line, column_name, value, reason from load_rejects "
                "where file_id = ? order by line, column_name limit ?",
                [file_id, MAX_REASONS_SHOWN],
            )
        ]
        reason, count = db.fetchall(
            "select coalesce(column_name || ': ', '') || reason, count(distinct line) as rows "
            "from load_rejects where file_id = ? group by all order by rows desc, 1 limit 1",
            [file_id],
        )[0]
        report.top_reason = f"{reason} ({count:,} row{'s' if count != 1 else ''})"
    report.notices = [*plan.notices, *(
        unknown_label_notices(db, {file_id: layout.path}).get(file_id, [])
        if report.rows_rejected else []
    ), *_blank_owner_notice(db, plan, problems_of), *([mark_notice] if mark_notice else [])]
    duplicates = _create_incoming(db, kind, hash_repeats, file_id=file_id)
    if kind != "history":
        report.duplicates = duplicates
    if kind == "deals":
        full = options.full or config.full_exports
        # a full export of no rows is a failed export, not a CRM without deals
        report.empty_full_export = full and report.rows_read == 0
        report.snapshot = snapshots.merge_deals(db, file_id, layout.path, layout.mtime_ns,
                                                options.as_of, full and not report.empty_full_export,
                                                has_pipeline="pipeline" in plan.fields)
    else:
        db.run_script(sql_text(f"load/merge_{kind}"), {"file_id": file_id})
    if plan.stage_dates:
        db.execute(
            "create or replace temp view staged as select * from staged_history_columns "
            "where line not in (select line from rejected_lines)"
        )
        report.history_rows = db.scalar("select count(*) from staged")
        _create_incoming(db, "history", replace=True)
        db.run_script(sql_text("load/merge_history"), {"file_id": file_id})
    db.execute(
        "insert into load_files (file_id, path, kind, preset, loaded_at, size_bytes, sha256, "
        "mtime_ns, rows_read, rows_loaded, rows_rejected) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            file_id, path_text, kind, plan.preset,
            dt.datetime.now(dt.UTC).replace(tzinfo=None), layout.size, layout.sha256,
            layout.mtime_ns,
            report.rows_read, report.rows_loaded, report.rows_rejected,
        ],
    )
    return report


def _blank_owner_notice(db: Database, plan: FilePlan, problems_of: str) -> list[str]:
    """A deals file with an owner column whose cell is blank (or a missing-value marker)
    on some loaded rows: those deals are rep "(no owner)", said once."""
    if plan.kind != "deals" or plan.fields.get("rep") == f"'{NO_OWNER}'":
        return []  # no owner column: the plan's own notice says so
    blank = db.scalar(
        f"select count(*) from staged_main where rep = $no_owner and line not in "
        f"(select line from ({problems_of}) where len(problems) > 0)"
        if plan.stage_dates else
        "select count(*) from staged where rep = $no_owner and len(problems) = 0",
        {"no_owner": NO_OWNER},
    )
    return blank_owner_notice(blank)


def _previous_load(db: Database, path_text: str, kind: str, layout: CsvLayout) -> tuple | None:
    """The counts of the last load of this unchanged file, else None. Unchanged means the
    same path, kind, size and content hash (SHA-256)."""
    rows = db.fetchall(
        "select rows_read, rows_loaded, rows_rejected from load_files "
        "where path = ? and kind = ? and size_bytes = ? and sha256 = ? "
        "order by file_id desc limit 1",
        [path_text, kind, layout.size, layout.sha256],
    )
    return rows[0] if rows else None


def _create_incoming(db: Database, kind: str, hash_repeats: int | None = None,
                     replace: bool = False, file_id: int = 0) -> int:
    """`incoming`: the valid staged rows, one per key (the last line wins; history rows
    keep their first line). Returns how many valid rows repeated a key of the file.
    `hash_repeats`: the valid rows less their distinct key hashes, when the caller has
    counted them; `replace`: an `incoming` of this file exists (else it was dropped). A
    deals row carries its `file_id` (snapshots.py: export_files)."""
    key = KINDS[kind].key
    # distinct hashes first (cheap): equal counts prove there is no repeated key;
    # only otherwise count the keys themselves (a hash collision cannot hide a repeat)
    duplicates = hash_repeats if hash_repeats is not None else db.scalar(
        f"select count(*) - count(distinct hash({key})) from staged where len(problems) = 0"
    )
    if duplicates:
        duplicates = db.scalar(
            f"select count(*) - count(distinct {key}) from staged where len(problems) = 0"
        )
    if kind == "history":
        rows = "select deal_id, stage, entered_at, line from staged where len(problems) = 0"
        if duplicates:
            rows = (
                "select deal_id, stage, entered_at, min(line) as line from staged "
                "where len(problems) = 0 group by deal_id, stage, entered_at"
            )
    else:
        file_column = f", {int(file_id)}::bigint as file_id" if kind == "deals" else ""
        columns = f"* exclude (problems, ordinal){file_column}"
        rows = f"select {columns} from staged where len(problems) = 0"
        if duplicates:
            rows = (
                f"select {columns} from staged where len(problems) = 0 "
                f"qualify row_number() over (partition by {key} order by ordinal desc) = 1"
            )
    if replace:
        drop_relation(db, "incoming")
    # with repeats the window runs once into a table; without, a view costs nothing
    db.execute(f"create temp {'table' if duplicates else 'view'} incoming as {rows}")
    return duplicates


def _count_orphans(db: Database, reports: list[FileReport]) -> int:
    """History rows (whole database) whose deal is not loaded; per-file counts for history files."""
    total = db.scalar("select count(*) from stage_history anti join deals using (deal_id)")
    if total:
        per_file = dict(
            db.fetchall(
                "select f.path, count(*) from stage_history h "
                "join load_files f using (file_id) anti join deals d on d.deal_id = h.deal_id "
                "group by f.path"
            )
        )
        for report in reports:
            if report.kind == "history":
                report.orphans = per_file.get(str(report.path.resolve()), 0)
    return total
