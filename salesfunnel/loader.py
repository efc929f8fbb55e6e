"""`salesfunnel load`: CSV exports into the database, all or nothing.

Per file: recognise the preset and kind from the header (presets.py), let DuckDB
read every record as text (structural errors such as ragged rows are recorded,
not fatal), map the raw columns onto canonical fields, parse and check values in
SQL (sql/stage_<kind>.sql), record each problem in `load_rejects` with file,
line, column and reason, then merge the valid rows (sql/merge_<kind>.sql).
Stage-entry date columns of a deals file (HubSpot's "Date entered ...", a
mapping's stage_dates) become stage history. The whole invocation is one
transaction.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from salesfunnel import presets
from salesfunnel.config import Config, Funnel
from salesfunnel.csvfile import (
    CsvLayout,
    blank_lines,
    file_digest,
    inspect_csv,
    normalise_newlines,
    retry_as_legacy,
    scan_bytes,
)
from salesfunnel.db import Database, quote_ident
from salesfunnel.errors import CsvReadError, InputError
from salesfunnel.presets import FilePlan, plan_file

_SQL_DIR = Path(__file__).resolve().parent / "sql"


@dataclass(frozen=True)
class KindSpec:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    one_of: tuple[str, ...] = ()  # optional fields of which a file must have at least one

    @property
    def fields(self) -> tuple[str, ...]:
        return self.required + self.optional


KINDS: dict[str, KindSpec] = {
    "deals": KindSpec(
        "deals",
        required=("deal_id", "rep", "stage"),
        optional=(
            "tier", "source", "account", "created_at", "status", "lost_reason", "amount",
            "closed_at",
        ),
    ),
    "history": KindSpec("history", required=("deal_id", "stage", "entered_at"), optional=()),
    "accounts": KindSpec("accounts", required=("account",), optional=("tier",)),
    "reps": KindSpec("reps", required=("rep",), optional=("team", "manager")),
    "subscriptions": KindSpec(
        "subscriptions",
        required=("started_at",),
        optional=("customer_id", "deal_id", "rep", "tier", "ended_at", "mrr"),
        one_of=("customer_id", "deal_id"),
    ),
}
for _spec in KINDS.values():
    presets.register_canonical_kind(_spec.name, _spec.required, _spec.optional)
KIND_NAMES = tuple(KINDS)

# how a staged row is keyed, to count repeated keys within a file
KEY_EXPRESSIONS = {
    "deals": "deal_id",
    "history": "(deal_id, stage, entered_at)",
    "accounts": "account",
    "reps": "rep",
    "subscriptions": "customer_id",
}

MAX_REASONS_SHOWN = 3
DATE_FIELDS = ("created_at", "closed_at", "entered_at", "started_at", "ended_at")


@dataclass
class FileReport:
    """What happened to one file."""

    path: Path
    kind: str
    preset: str = "canonical"
    encoding: str = "utf-8"
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    duplicates: int = 0
    orphans: int = 0
    history_rows: int = 0  # stage entries taken from a deals file's date columns
    date_order: str | None = None
    skipped_unchanged: bool = False
    first_reasons: list[str] = field(default_factory=list)


@dataclass
class LoadReport:
    files: list[FileReport]
    orphan_history_rows: int
    strict: bool
    funnel: Funnel
    skipped_files: list[Path] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)


@dataclass(frozen=True)
class LoadOptions:
    """What the user asked of the load."""

    preset: str = "auto"
    kind: str | None = None
    strict: bool = False
    force: bool = False
    encoding: str | None = None
    date_order: str | None = None  # mdy or dmy for slash dates


def expand_paths(paths: Iterable[str | Path], skip: tuple[str, ...] = ()) -> tuple[list[Path], list[Path]]:
    """Files as given, folders as their *.csv files sorted by name, in argument order;
    folder files whose names match a `skip` pattern are set aside."""
    result: list[Path] = []
    skipped: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError(f"{path} does not exist.")
        if path.is_dir():
            try:
                found = sorted(
                    p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv"
                )
            except PermissionError:
                raise InputError(f"{path}: permission denied; cannot list the folder.") from None
            if not found:
                raise InputError(
                    f"The folder {path} holds no .csv file. Point salesfunnel load at the "
                    "exported CSV files or the folder that holds them."
                )
            for item in found:
                if any(fnmatch.fnmatch(item.name, pattern) for pattern in skip):
                    skipped.append(item)
                else:
                    result.append(item)
        else:
            result.append(path)
    seen: set[Path] = set()
    unique = []
    for path in result:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            unique.append(path)
    if not unique:
        raise InputError("Every CSV file given was skipped by the config's [files] skip list.")
    return unique, skipped


@cache
def _sql(name: str) -> str:
    return (_SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


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
    files, skipped = expand_paths(paths, config.skip_files)
    with tempfile.TemporaryDirectory(prefix="salesfunnel-") as scratch_name:
        scratch = Path(scratch_name)
        layouts = [inspect_csv(path, options.encoding, scratch) for path in files]
        plans = [
            plan_file(layout.header, str(layout.path), preset=options.preset, kind=options.kind,
                      config=config)
            for layout in layouts
        ]
        for layout, plan in zip(layouts, plans, strict=True):
            _require_one_of(KINDS[plan.kind], plan, layout)
            _refuse_ambiguous_columns(plan, layout)
        funnel = _funnel_for(db, config, plans, files)
        db.install_funnel(funnel)
        db.run_script(_sql("load_macros"))
        reports: list[FileReport] = []
        with db.transaction():
            db.set_meta("funnel", funnel.to_json())
            for number, (layout, plan) in enumerate(zip(layouts, plans, strict=True), start=1):
                if progress:
                    progress(number, len(layouts), layout.path)
                reports.append(_load_file(db, layout, plan, options, config, scratch))
            changed = any(not r.skipped_unchanged for r in reports)
            stored_orphans = db.meta("orphan_history_rows")
            if changed or stored_orphans is None:
                orphans = _count_orphans(db, reports)
                db.set_meta("orphan_history_rows", str(orphans))
            else:  # nothing was loaded: the database, and so its orphans, are as they were
                orphans = int(stored_orphans)
            if changed or db.meta("facts_key") != db.facts_key():
                db.refresh_fact_cache()
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
                      funnel=funnel, skipped_files=skipped)


def _require_one_of(spec: KindSpec, plan: FilePlan, layout: CsvLayout) -> None:
    """A kind whose key may come from either of two columns needs at least one of them."""
    if spec.one_of and not any(name in plan.fields for name in spec.one_of):
        raise InputError(
            f"{layout.path}: a {spec.name} file needs a {' or '.join(spec.one_of)} column "
            f"(and {', '.join(spec.required)}). Headers found: {', '.join(layout.header)}."
        )


def _refuse_ambiguous_columns(plan: FilePlan, layout: CsvLayout) -> None:
    """A header name that appears twice is ambiguous when a field is read from it (which
    column holds the rep?): refuse rather than guess. Unused repeated columns are ignored."""
    key = presets.canonical_key if plan.preset == "canonical" else presets.header_key
    expressions = [*plan.fields.values(), *(expr for _, expr, _ in plan.stage_dates)]
    used = sorted({int(i) for expr in expressions for i in re.findall(r'"c(\d+)"', expr)})
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(layout.header):
        positions.setdefault(key(name), []).append(index)
    for index in used:
        same = positions.get(key(layout.header[index]), [])
        if len(same) > 1:
            raise InputError(
                f"{layout.path}: the column {layout.header[index]!r} appears {len(same)} times "
                f"(columns {', '.join(str(i + 1) for i in same)}), so which one to load cannot "
                "be told. Rename or remove the extra column and load again. Nothing was loaded."
            )


def _funnel_for(db: Database, config: Config, plans: list[FilePlan], files: list[Path]) -> Funnel:
    """The config's funnel; else the one the database was loaded with; else the preset's."""
    if config.funnel is not None:
        return config.funnel
    implied = {}
    for plan, path in zip(plans, files, strict=True):
        preset_funnel = presets.preset_funnel(plan.preset)
        if preset_funnel is not None:
            implied.setdefault(preset_funnel, path)
    stored_text = db.meta("funnel")
    stored = Funnel.from_json(stored_text) if stored_text else None
    if len(implied) > 1:
        names = ", ".join(f"{path.name} ({' > '.join(f.stages)})" for f, path in implied.items())
        raise InputError(
            f"These files come from CRMs with different funnels: {names}. Load them into "
            "separate databases, or define one funnel in the config file."
        )
    if implied:
        wanted = next(iter(implied))
        if stored is not None and stored != wanted and _has_data(db):
            raise InputError(
                f"The database holds deals of the funnel {' > '.join(stored.stages)}, but "
                f"{implied[wanted].name} is an export with the funnel {' > '.join(wanted.stages)}. "
                "Load it into another database (--db), or define the funnel in the config file."
            )
        return wanted
    return stored or Funnel()


def _has_data(db: Database) -> bool:
    return bool(db.scalar("select count(*) from deals") or db.scalar("select count(*) from stage_history"))


def _load_file(
    db: Database, layout: CsvLayout, plan: FilePlan, options: LoadOptions, config: Config,
    scratch: Path,
) -> FileReport:
    path_text = str(layout.path.resolve())
    kind = plan.kind
    report = FileReport(path=layout.path, kind=kind, preset=plan.preset, encoding=layout.encoding)
    if not options.force:
        previous = _previous_load(db, path_text, kind, layout)
        if previous is None:
            layout = replace(layout, sha256=file_digest(layout.path))
            previous = _previous_load(db, path_text, kind, layout)
        if previous is not None:
            report.rows_read, report.rows_loaded, report.rows_rejected = previous
            report.skipped_unchanged = True
            return report
    if not layout.sha256:
        layout = replace(layout, sha256=file_digest(layout.path))

    file_id = db.scalar("select coalesce(max(file_id), 0) + 1 from load_files")
    layout = _read_records(db, layout, plan, scratch, allow_retry=options.encoding is None)
    report.encoding = layout.encoding
    _build_source_rows(db, KINDS[kind], plan)
    report.date_order = _choose_date_order(db, layout, plan, options.date_order or config.date_order)
    for name in ("staged", "staged_main", "staged_history_columns"):
        _drop_relation(db, name)
    db.run_script(_sql(f"stage_{kind}"))
    if plan.stage_dates:
        # a record with any problem (its own values or its stage dates) is rejected whole
        db.execute("alter table staged rename to staged_main")
        _stage_history_from_columns(db, plan)
        db.execute(
            """
            create or replace temp table rejected_lines as
            select distinct line from staged_main where len(problems) > 0
            union
            select distinct line from staged_history_columns where len(problems) > 0
            """
        )
        problems_of = "select line, problems from staged_main union all " \
                      "select line, problems from staged_history_columns"
        db.execute(
            "create or replace temp view staged as select * from staged_main "
            "where line not in (select line from rejected_lines)"
        )
        value_rejects = db.scalar("select count(*) from rejected_lines")
        staged_rows = db.scalar("select count(*) from staged_main")
    else:
        problems_of = "select line, problems from staged"
        staged_rows, value_rejects = db.fetchall(
            "select count(*), count(*) filter (where len(problems) > 0) from staged"
        )[0]

    db.execute("delete from load_rejects where path = ?", [path_text])
    db.execute(
        f"""
        insert into load_rejects (file_id, path, line, column_name, value, reason)
        select ?, ?, line, column_name, value, reason from csv_structure_problems
        union all
        select ?, ?, line, p.column_name, p.value, p.reason
        from (
            select line, unnest(problems) as p
            from ({problems_of})
            where len(problems) > 0
        )
        """,
        [file_id, path_text, file_id, path_text],
    )
    structural = db.scalar("select count(*) from csv_structure_problems")
    report.rows_read = staged_rows + structural
    report.rows_rejected = value_rejects + structural
    report.rows_loaded = staged_rows - value_rejects
    report.first_reasons = [
        f"line {line}, {column or 'row'}: {reason}" + (f" ({value!r})" if value else "")
        for line, column, value, reason in db.fetchall(
            "select line, column_name, value, reason from load_rejects "
            "where file_id = ? order by line, column_name limit ?",
            [file_id, MAX_REASONS_SHOWN],
        )
    ]
    duplicates = _create_incoming(db, kind)
    if kind != "history":
        report.duplicates = duplicates
    db.run_script(_sql(f"merge_{kind}"), {"file_id": file_id})
    if plan.stage_dates:
        db.execute(
            "create or replace temp view staged as select * from staged_history_columns "
            "where line not in (select line from rejected_lines)"
        )
        report.history_rows = db.scalar("select count(*) from staged")
        _create_incoming(db, "history")
        db.run_script(_sql("merge_history"), {"file_id": file_id})
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


def _previous_load(db: Database, path_text: str, kind: str, layout: CsvLayout) -> tuple | None:
    """The counts of the last load of this unchanged file, else None. Unchanged means the
    same path, kind, size and content hash; a file whose size and modification time are
    both as last loaded is taken as unchanged without hashing it (rsync's quick check)."""
    if layout.sha256:
        condition, value = "sha256 = ?", layout.sha256
    else:
        condition, value = "mtime_ns = ?", layout.mtime_ns
    rows = db.fetchall(
        "select rows_read, rows_loaded, rows_rejected from load_files "
        f"where path = ? and kind = ? and size_bytes = ? and {condition} "
        "order by file_id desc limit 1",
        [path_text, kind, layout.size, value],
    )
    return rows[0] if rows else None


def _create_incoming(db: Database, kind: str) -> int:
    """`incoming`: the valid staged rows, one per key (the last line wins; history rows
    keep their first line). Returns how many valid rows repeated a key of the file."""
    key = KEY_EXPRESSIONS[kind]
    # distinct hashes first (cheap): equal counts prove there is no repeated key;
    # only otherwise count the keys themselves (a hash collision cannot hide a repeat)
    duplicates = db.scalar(
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
        rows = "select * exclude (problems, ordinal) from staged where len(problems) = 0"
        if duplicates:
            rows = (
                "select * exclude (problems, ordinal) from staged where len(problems) = 0 "
                f"qualify row_number() over (partition by {key} order by ordinal desc) = 1"
            )
    _drop_relation(db, "incoming")
    # with repeats the window runs once into a table; without, a view costs nothing
    db.execute(f"create temp {'table' if duplicates else 'view'} incoming as {rows}")
    return duplicates


def _drop_relation(db: Database, name: str) -> None:
    """Drop the temp table or view `name`, whichever it is, if it exists."""
    for (kind,) in db.fetchall(
        "select 'table' from duckdb_tables() where temporary and table_name = ? "
        "union all select 'view' from duckdb_views() where temporary and view_name = ?",
        [name, name],
    ):
        db.execute(f"drop {kind} {quote_ident(name)}")


def _read_records(
    db: Database, layout: CsvLayout, plan: FilePlan, scratch: Path, allow_retry: bool
) -> CsvLayout:
    """Every record of the file as text columns c0..cN, plus the structural problems.
    Returns the layout actually read (a legacy-encoded file found late is transcoded)."""
    layout = _read_csv(db, layout, scratch)
    encoding_error = db.fetchall(
        "select line, byte_position from csv_errors where error_type = 'INVALID ENCODING' "
        "order by line limit 1"
    )
    if encoding_error:
        if allow_retry and layout.encoding == "utf-8":
            return _read_records(db, retry_as_legacy(layout, scratch), plan, scratch, False)
        line, offset = encoding_error[0]
        raise InputError(
            f"{layout.path}: line {line} (byte offset {offset}) is not valid "
            f"{layout.encoding.upper()}. The file was probably saved in another encoding; save "
            "it as UTF-8 (CSV UTF-8 in Excel) or pass --encoding, and load it again. Nothing "
            "was loaded."
        )
    expected = len(layout.header)
    footer = plan.footer.pattern if plan.footer else None
    db.execute(
        """
        create or replace temp table csv_structure_problems as
        with
        problems as (
            select
                line,
                left(ltrim(any_value(csv_line order by column_idx), E'\r\n'), 500) as value,
                any_value(error_type order by column_idx) as error_type
            from csv_errors
            group by line
        ),
        final as (
            select
                line,
                null::varchar as column_name,
                value,
                case error_type
                    when 'MISSING COLUMNS' then 'too few fields (expected ' || $expected || ')'
                    when 'TOO MANY COLUMNS' then 'too many fields (expected ' || $expected || ')'
                    when 'UNQUOTED VALUE' then 'unclosed or stray double quote'
                    when 'LINE SIZE OVER MAXIMUM' then 'line longer than 64 MiB'
                    else lower(error_type)
                end as reason
            from problems
            where $footer is null
                or not regexp_full_match(trim(value, E' \r\n,'), $footer, 'i')
        )
        select * from final
        """,
        {"expected": expected, "footer": footer},
    )
    if footer:  # a footer line that happens to have the right number of fields
        first = quote_ident("c0")
        db.execute(
            f"delete from csv_records where regexp_full_match(trim({first}), $footer, 'i')",
            {"footer": footer},
        )
    return layout


def _read_csv(db: Database, layout: CsvLayout, scratch: Path) -> CsvLayout:
    """csv_records (every record as text), csv_errors (DuckDB's structural rejects) and
    csv_blank_lines (empty lines, which DuckDB skips but counts in its line numbers).
    A file mixing CRLF, LF and CR line breaks is read from an LF copy."""
    columns = "{" + ", ".join(f"'c{i}': 'varchar'" for i in range(len(layout.header))) + "}"
    facts = scan_bytes(layout.utf8_path)
    if facts.mixed_line_breaks:
        layout = normalise_newlines(layout, scratch)
    db.execute("drop table if exists csv_errors")
    db.execute("drop table if exists csv_scans")
    try:
        db.execute(
            "create or replace temp table csv_records as "
            "select * from read_csv(?, header = true, auto_detect = false, delim = ?, "
            "quote = '\"', escape = '\"', encoding = 'utf-8', columns = " + columns + ", "
            "store_rejects = true, rejects_table = 'csv_errors', rejects_scan = 'csv_scans', "
            "max_line_size = 67108864)",
            [_plain_path(layout.utf8_path, scratch), layout.delimiter],
        )
    except CsvReadError as exc:
        raise InputError(
            f"{layout.path}: DuckDB cannot read it as CSV ({exc}). Nothing was loaded."
        ) from None
    db.execute(
        "create or replace temp table csv_blank_lines as select unnest(?::bigint[]) as line",
        [blank_lines(layout.utf8_path, layout.delimiter, facts.inner_blank_line)],
    )
    return layout


_GLOB_CHARACTERS = re.compile(r"[*?\[\]{}]")


def _plain_path(path: Path, scratch: Path) -> str:
    """The path to give DuckDB. DuckDB reads a path with * ? [ ] as a glob (`deals[1].csv`
    would read deals1.csv), so such a file is read through a plainly named link."""
    text = str(path.resolve())
    if not _GLOB_CHARACTERS.search(text):
        return text
    link = scratch / f"{len(list(scratch.iterdir()))}-link.csv"
    try:
        link.symlink_to(path.resolve())
    except OSError:  # no symlinks here: copy
        shutil.copyfile(path, link)
    return str(link)


def _build_source_rows(db: Database, spec: KindSpec, plan: FilePlan) -> None:
    """`source_rows` (a view): csv_records as canonical fields, with each record's line.

    csv_records keeps the file's order in its rowids. Records DuckDB rejected are
    missing from it; a record's line is its ordinal among all records (rejected
    ones included) plus one for the header.
    """
    first, last, count = db.fetchall("select min(rowid), max(rowid), count(*) from csv_records")[0]
    if count and last - first + 1 == count:
        ordinal = f"rowid - {int(first)} + 1"
    else:  # rowids with gaps: number them
        ordinal = "row_number() over (order by rowid)"
    if db.scalar(
        "select (select count(*) from csv_structure_problems) "
        "+ (select count(*) from csv_blank_lines)"
    ):
        # lines taken by rejected records and empty lines are skipped when numbering
        db.execute(
            f"""
            create or replace temp view csv_numbered as
            with
            records as (
                select {ordinal} as ordinal, * from csv_records
            ),
            rejected as (
                select line - 1 as record, row_number() over (order by line) as seen
                from (
                    select line from csv_structure_problems
                    union all
                    select line from csv_blank_lines
                )
            ),
            gaps as (
                select record - seen as key, max(seen) as seen
                from rejected
                group by record - seen
            ),
            final as (
                select
                    records.ordinal + coalesce(gaps.seen, 0) + 1 as line,
                    records.*
                from records
                asof left join gaps on records.ordinal > gaps.key
            )
            select * from final
            """
        )
    else:
        db.execute(
            f"create or replace temp view csv_numbered as "
            f"select ordinal + 1 as line, * from (select {ordinal} as ordinal, * from csv_records)"
        )
    projection = ", ".join(
        f"({plan.fields[name]})::varchar as {quote_ident(name)}"
        if name in plan.fields
        else f"null::varchar as {quote_ident(name)}"
        for name in spec.fields
    )
    params = {k: v for k, v in plan.params.items() if f"${k}" in projection}
    _drop_relation(db, "source_rows")
    # bound band parameters cannot live in a view: materialise in that (rare) case
    what = "table" if params else "view"
    db.execute(
        f"create temp {what} source_rows as "
        f"select ordinal, line, {projection}, null::varchar as source_column "
        f"from csv_numbered as records",
        params or None,
    )


def _choose_date_order(db: Database, layout: CsvLayout, plan: FilePlan, asked: str | None) -> str | None:
    """Slash dates (03/04/2026) are month-first or day-first for the whole file: the one
    every value fits; `asked` (--date-format or the config) when both fit; else an error."""
    expressions = [f"({plan.fields[f]})" for f in DATE_FIELDS if f in plan.fields]
    expressions += [f"({expr})" for _, expr, _ in plan.stage_dates]
    order = None
    if expressions:  # a cheap look for any slash first: most exports have none
        any_slash = " or ".join(f"contains({expr}::varchar, '/')" for expr in expressions)
        if not db.scalar(f"select count(*) from csv_records as records where {any_slash}"):
            expressions = []
    if expressions:
        values = " union all ".join(
            f"select nullif(trim({expr}::varchar), '') as v from csv_records as records"
            for expr in expressions
        )
        slash, month_first, day_first, sample = db.fetchall(
            f"""
            with dates as ({values}),
            slashed as (
                select v from dates
                where contains(v, '/') and regexp_matches(v, '^\\d{{1,2}}/\\d{{1,2}}/\\d{{4}}')
            )
            select
                count(*),
                count(*) filter (where parse_slash_date(v, 'mdy') is not null),
                count(*) filter (where parse_slash_date(v, 'dmy') is not null),
                min(v)
            from slashed
            """
        )[0]
        if slash:
            order = asked or "mdy"
            if month_first == slash and day_first < slash:
                order = "mdy"
            elif day_first == slash and month_first < slash:
                order = "dmy"
            elif month_first == slash and day_first == slash and not asked:
                raise InputError(
                    f"{layout.path}: every date like {sample} fits both month-first (MM/DD/YYYY) "
                    "and day-first (DD/MM/YYYY), so the order cannot be told from the data. Say "
                    "which with --date-format mdy|dmy, or [dates] order in the config file."
                )
            elif not asked:
                order = "mdy" if month_first >= day_first else "dmy"
    db.execute("create or replace temp table load_settings as select ?::varchar as date_order",
               [order or "mdy"])
    return order


def _stage_history_from_columns(db: Database, plan: FilePlan) -> None:
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
    _drop_relation(db, "source_rows")
    db.execute("create temp table source_rows as " + " union all ".join(selects), params)
    db.run_script(_sql("stage_history"))
    db.execute("alter table staged rename to staged_history_columns")


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
