"""Reading one file's records: DuckDB reads every record as text columns c0..cN
(structural problems recorded, not fatal), numbers each record with its line in
the file, projects the raw columns onto canonical fields (`source_rows`), and
decides the order of slash dates. Stage-entry date columns of a deals file are
turned into staged history rows here too.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

from salesfunnel.db import Database, quote_ident
from salesfunnel.errors import CsvReadError, InputError
from salesfunnel.kinds import KindSpec
from salesfunnel.load.footers import (
    REPORT_FOOTER,
    skip_repeated_headers,
    skip_totals_rows,
    structure_problems,
)
from salesfunnel.load.money_headers import columns_in
from salesfunnel.load.presets import FilePlan
from salesfunnel.load.sniff import (
    CsvLayout,
    blank_lines,
    first_nul_offset,
    normalise_newlines,
    retry_as_legacy,
    scan_bytes,
)
from salesfunnel.sqltree import sql_text

_GLOB_CHARACTERS = re.compile(r"[*?\[\]{}]")
# A cell holding exactly one of these (quoted or not) is a missing value, as an empty
# cell is: MySQL's and PostgreSQL's NULL (\N, NULL), the markers reports and
# spreadsheets write ((null), N/A, #N/A). docs/loading.md, "Values", lists them.
MISSING_MARKERS = ("", "\\N", "NULL", "null", "Null", "(null)", "(NULL)", "N/A", "n/a", "#N/A")


def read_records(
    db: Database, layout: CsvLayout, plan: FilePlan, scratch: Path, allow_retry: bool,
    every_column: bool = False,
) -> CsvLayout:
    """Every record of the file as text columns c0..cN, plus the structural problems.
    Only the columns the plan reads are kept (a 100k-column export keeps a dozen),
    unless `every_column`. Returns the layout actually read (a legacy-encoded file found
    late is transcoded)."""
    keep = None if every_column else used_columns(plan)
    layout = _read_csv(db, layout, scratch, keep)
    errors, line, offset = db.fetchall(
        "select count(*), min(line) filter (where error_type = 'INVALID ENCODING'), "
        "arg_min(byte_position, line) filter (where error_type = 'INVALID ENCODING') "
        "from csv_errors"
    )[0]
    if line is not None:
        if allow_retry and layout.encoding == "utf-8":
            return read_records(db, retry_as_legacy(layout, scratch), plan, scratch, False,
                                every_column)
        raise InputError(
            f"{layout.path}: line {line} (byte offset {offset}) is not valid "
            f"{layout.encoding.upper()}. The file was probably saved in another encoding; save "
            "it as UTF-8 (CSV UTF-8 in Excel) or pass --encoding, and load it again. Nothing "
            "was loaded."
        )
    if layout.lines_above:
        plan.notices.append(
            f"{layout.lines_above} line{'s' if layout.lines_above > 1 else ''} above the header "
            f"skipped ({layout.preamble[:80]!r}): not records"
        )
    expected = len(layout.header)
    footer = plan.footer.pattern if plan.footer else REPORT_FOOTER
    if not errors:  # the usual case: no structural problem (a simpler statement)
        db.execute(
            "create or replace temp table csv_structure_problems as "
            "select line, null::varchar as column_name, csv_line as value, "
            "error_message as reason from csv_errors limit 0"
        )
        db.execute("create or replace temp table csv_footer_lines as "
                   "select 0::bigint as line, 0::bigint as user_line, ''::varchar as value limit 0")
    else:
        structure_problems(db, expected, footer, layout.delimiter, layout.header_lines,
                           layout.rows_above)
        skipped = db.scalar("select count(*) from csv_footer_lines")
        if skipped:
            plan.notices.append(
                f"{skipped} report footer line{'s' if skipped > 1 else ''} at the end of the "
                "file skipped (totals, copyright, generated-by lines): not deals"
            )
    if footer:  # a footer line that happens to have the right number of fields
        first = quote_ident("c0")
        # (its rowid stays a gap, so the records after it keep their lines); one scan: a
        # delete answers with how many rows it deleted
        deleted = db.scalar(
            f"delete from csv_records where regexp_full_match(trim({first}), $footer, 'i')",
            {"footer": footer},
        )
        if deleted:
            plan.notices.append(
                f"{deleted} report footer line{'s' if deleted > 1 else ''} (totals, copyright, "
                "confidentiality lines) skipped: not deals"
            )
    skip_totals_rows(db, plan, None if every_column else used_columns(plan), len(layout.header))
    if layout.header_lines:
        skip_repeated_headers(db, plan, layout.header,
                              None if every_column else used_columns(plan), len(layout.header))
    return layout


def used_columns(plan: FilePlan) -> list[int]:
    """The raw columns (c0..cN) the plan's expressions read, and c0 (footers)."""
    expressions = [*plan.fields.values(), *(expr for _, expr, _ in plan.stage_dates),
                   plan.deleted or ""]
    return sorted({0}.union(*map(columns_in, expressions)))


def _read_csv(db: Database, layout: CsvLayout, scratch: Path, keep: list[int] | None) -> CsvLayout:
    """csv_records (every record as text; only the columns `keep` when given), csv_errors
    (DuckDB's structural rejects) and csv_blank_lines (empty lines, which DuckDB skips but
    counts in its line numbers; numbered in the user's file, a sheet's rows above added).
    A file mixing CRLF, LF and CR line breaks is read from an LF copy. The column types
    are a bound parameter: a 100k-column header would otherwise be a 2 MB statement to
    parse."""
    columns = {f"c{i}": "varchar" for i in range(len(layout.header))}
    kept = list(columns) if keep is None else [f"c{i}" for i in keep if i < len(layout.header)]
    selected = "*" if keep is None else ", ".join(quote_ident(name) for name in kept)
    facts = scan_bytes(layout.utf8_path)
    if facts.nul_bytes:
        offset = facts.first_nul_offset
        if layout.read_path is not None:  # offsets in the user's file, not in a copy
            offset = first_nul_offset(layout.path, layout.encoding)
        layout = replace(layout, nul_bytes=facts.nul_bytes, first_nul_offset=offset)
    if facts.mixed_line_breaks:
        layout = normalise_newlines(layout, scratch)
    db.execute("drop table if exists csv_errors")
    db.execute("drop table if exists csv_scans")
    try:
        db.execute(
            f"create or replace temp table csv_records as "
            f"select {selected} from read_csv(?, header = ?, auto_detect = false, delim = ?, "
            "quote = '\"', escape = ?, encoding = 'utf-8', compression = 'none', "
            "columns = ?, nullstr = ?, "
            "store_rejects = true, rejects_table = 'csv_errors', rejects_scan = 'csv_scans', "
            "max_line_size = 67108864)",
            [_plain_path(layout.utf8_path, scratch), layout.header_lines > 0, layout.delimiter,
             layout.escape, columns, [m for m in MISSING_MARKERS if layout.escape not in m]],
        )
    except CsvReadError as exc:
        raise InputError(
            f"{layout.path}: DuckDB cannot read it as CSV ({exc}). Nothing was loaded."
        ) from None
    if layout.escape == "\\":  # DuckDB's nullstr cannot hold the escape: \N nulled here
        cells = [quote_ident(name) for name in kept]
        db.execute(
            "update csv_records set " + ", ".join(f"{c} = nullif({c}, $marker)" for c in cells),
            {"marker": "\\N"},
        )
    # the first record's rowid, before any footer line is deleted: rowids number the records
    db.execute("create or replace temp table csv_first_rowid as "
               "select min(rowid) as first from csv_records")
    db.execute(
        "create or replace temp table csv_blank_lines as select unnest(?::bigint[]) + ? as line",
        [blank_lines(layout.utf8_path, layout.delimiter, facts.inner_blank_line),
         layout.rows_above],
    )
    return layout


def _plain_path(path: Path, scratch: Path, resolved: str | None = None) -> str:
    """The path to give DuckDB (`resolved`: the path resolved already). DuckDB reads a
    path with * ? [ ] as a glob (`deals[1].csv` would read deals1.csv), so such a file is
    read through a plainly named link."""
    text = resolved or str(path.resolve())
    if not _GLOB_CHARACTERS.search(text):
        return text
    link = scratch / f"{len(list(scratch.iterdir()))}-link.csv"
    try:
        link.symlink_to(path.resolve())
    except OSError:  # no symlinks here: copy
        shutil.copyfile(path, link)
    return str(link)


def build_source_rows(db: Database, spec: KindSpec, plan: FilePlan, lines_above: int = 1) -> None:
    """`source_rows` (a view): csv_records as canonical fields, with each record's line.
    The caller has dropped the previous file's `source_rows` (drop_relation).

    csv_records keeps the file's order in its rowids. Records DuckDB rejected are
    missing from it; a record's line is its ordinal among all records (rejected
    ones included) plus the lines above the first record (one for the header, and
    a sheet's blank rows above it: CsvLayout.rows_above), so it is the user's own line
    or sheet row. A record deleted from csv_records (a footer line) leaves its rowid as a
    gap, and a footer line DuckDB rejected is counted as a rejected one is: the records
    after either keep their own lines.
    """
    first, skipped = db.fetchall(
        "select (select first from csv_first_rowid), (select count(*) from csv_structure_problems) "
        "+ (select count(*) from csv_blank_lines) + (select count(*) from csv_footer_lines)")[0]
    ordinal = f"rowid - {int(first or 0)} + 1"
    if skipped:
        # lines taken by rejected records and empty lines are skipped when numbering
        db.execute(
            f"""
            create or replace temp view csv_all_numbered as
            with
            records as (
                select {ordinal} as ordinal, * from csv_records
            ),
            rejected as (
                select line - {int(lines_above)} as record, row_number() over (order by line) as seen
                from (
                    select line from csv_structure_problems
                    union all
                    select line from csv_blank_lines
                    union all
                    select user_line from csv_footer_lines
                )
            ),
            gaps as (
                select record - seen as key, max(seen) as seen
                from rejected
                group by record - seen
            ),
            final as (
                select
                    records.ordinal + coalesce(gaps.seen, 0) + {int(lines_above)} as line,
                    records.*
                from records
                asof left join gaps on records.ordinal > gaps.key
            )
            select * from final
            """
        )
    else:
        db.execute(
            f"create or replace temp view csv_all_numbered as "
            f"select ordinal + {int(lines_above)} as line, * from "
            f"(select {ordinal} as ordinal, * from csv_records)"
        )
    project_source_rows(db, spec, plan)


def project_source_rows(db: Database, spec: KindSpec, plan: FilePlan) -> None:
    """`source_rows` from `csv_all_numbered` (line, ordinal and the raw columns): the
    canonical fields, records flagged deleted left out."""
    # records flagged deleted (IsDeleted, _fivetran_deleted, ...) are skipped, not read
    keep = f"where not ({plan.deleted})" if plan.deleted else ""
    db.execute(
        f"create or replace temp view csv_numbered as "
        f"select * from csv_all_numbered as records {keep}"
    )
    projection = ", ".join(
        f"({plan.fields[name]})::varchar as {quote_ident(name)}"
        if name in plan.fields
        else f"null::varchar as {quote_ident(name)}"
        for name in spec.fields
    )
    params = {k: v for k, v in plan.params.items() if f"${k}" in projection}
    # (the loader dropped the previous file's source_rows: drop_relation, once per file)
    # bound band parameters cannot live in a view: materialise in that (rare) case
    what = "table" if params else "view"
    db.execute(
        f"create temp {what} source_rows as "
        f"select ordinal, line, {projection}, null::varchar as source_column "
        f"from csv_numbered as records",
        params or None,
    )


def count_deleted(db: Database, plan: FilePlan) -> int:
    """Records of the file flagged deleted (skipped)."""
    if not plan.deleted:
        return 0
    return db.scalar(f"select count(*) from csv_all_numbered as records where {plan.deleted}")


def stage_history_from_columns(db: Database, plan: FilePlan) -> None:
    """Stage-entry date columns of a deals file, staged as history rows."""
    selects = []
    params = {}
    for number, (stage, expr, header) in enumerate(plan.stage_dates, start=1):
        params[f"stage_{number}"] = stage
        params[f"header_{number}"] = header
        selects.append(
            f"select ordinal, line, ({plan.fields['deal_id']})::varchar as deal_id, "
            f"$stage_{number}::varchar as stage, ({expr})::varchar as entered_at, "
            f"$header_{number}::varchar as source_column "
            f"from csv_numbered as records where nullif(trim(({expr})::varchar), '') is not null "
            f"and nullif(trim(({plan.fields['deal_id']})::varchar), '') is not null"
        )
    drop_relation(db, "source_rows")
    sql = "create temp table source_rows as " + " union all ".join(selects)
    db.execute(sql, params | (params_in(sql, plan.params) or {}))
    db.run_script(sql_text("load/stage_history"))
    db.execute("alter table staged rename to staged_history_columns")


def params_in(sql: str, params: dict) -> dict | None:
    """The plan's bound parameters that `sql` names (DuckDB refuses unused ones)."""
    return {k: v for k, v in params.items() if f"${k}" in sql} or None


def drop_relation(db: Database, *names: str) -> None:
    """Drop the temp tables or views `names`, whichever each is, if it exists (one
    look-up for all of them)."""
    for kind, name in db.fetchall(
        "select 'table', table_name from duckdb_tables() "
        "where temporary and list_contains($names, table_name) "
        "union all select 'view', view_name from duckdb_views() "
        "where temporary and list_contains($names, view_name)",
        {"names": list(names)},
    ):
        db.execute(f"drop {kind} {quote_ident(name)}")


def reject_nul_fields(db: Database, plan: FilePlan) -> int:
    """A field the load uses that holds a NUL byte rejects its record (line and column);
    call after the staging script, on `staged`. Returns the NUL bytes in used fields."""
    used = [(name, expr) for name, expr in plan.fields.items()]
    used += [(header, expr) for _, expr, header in plan.stage_dates]
    params = {f"column_{i}": name for i, (name, _) in enumerate(used)}
    selects = " union all ".join(
        f"select line, $column_{i}::varchar as column_name, ({expr})::varchar as value "
        f"from csv_numbered as records where contains(({expr})::varchar, chr(0))"
        for i, (_, expr) in enumerate(used)
    )
    db.execute(f"create or replace temp table nul_fields as {selects}", params)
    db.execute(
        """
        update staged set problems = list_concat(staged.problems, found.problems)
        from (
            select
                line,
                list(problem(true, column_name, replace(value, chr(0), '␀'),
                             'NUL byte in the field')) as problems
            from nul_fields
            group by line
        ) as found
        where found.line = staged.line
        """
    )
    return db.scalar(
        "select coalesce(sum(length(value) - length(replace(value, chr(0), ''))), 0) "
        "from nul_fields"
    )
