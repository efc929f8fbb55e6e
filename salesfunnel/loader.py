"""`salesfunnel load`: CSV exports into the database, all or nothing.

Per file: recognise the kind from the header, let DuckDB read every record as
text (structural errors such as ragged rows are recorded, not fatal), parse and
check values in SQL (sql/stage_<kind>.sql), record each problem in
`load_rejects` with file, line, column and reason, then merge the valid rows
(sql/merge_<kind>.sql). The whole invocation is one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from salesfunnel.config import Funnel
from salesfunnel.csvfile import CsvLayout, inspect_csv
from salesfunnel.db import Database, quote_ident
from salesfunnel.errors import InputError

_SQL_DIR = Path(__file__).resolve().parent / "sql"


@dataclass(frozen=True)
class KindSpec:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]

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
}
KIND_NAMES = tuple(KINDS)
# the table each kind is merged into, for counting
KIND_TABLE = {"deals": "deals", "history": "stage_history", "accounts": "accounts", "reps": "reps"}

MAX_REASONS_SHOWN = 3


def header_key(name: str) -> str:
    """Canonical matching of header names: case, spaces and hyphens do not matter."""
    return "_".join(name.strip().lower().replace("-", " ").split())


@dataclass
class FileReport:
    """What happened to one file."""

    path: Path
    kind: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    duplicates: int = 0
    orphans: int = 0
    skipped_unchanged: bool = False
    first_reasons: list[str] = field(default_factory=list)


@dataclass
class LoadReport:
    files: list[FileReport]
    orphan_history_rows: int
    strict: bool

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, folders as their *.csv files (sorted by name); in argument order."""
    result: list[Path] = []
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
            result.extend(found)
        else:
            result.append(path)
    seen: set[Path] = set()
    unique = []
    for path in result:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            unique.append(path)
    return unique


def recognise_kind(layout: CsvLayout, forced: str | None) -> tuple[str, dict[str, int]]:
    """The file's kind and the column index of each canonical field it has."""
    positions: dict[str, int] = {}
    for index, name in enumerate(layout.header):
        positions.setdefault(header_key(name), index)
    if forced is not None:
        kind = forced
    elif {"deal_id", "stage", "entered_at"} <= positions.keys():
        kind = "history"
    elif "deal_id" in positions and ({"rep", "stage"} & positions.keys()):
        kind = "deals"
    elif "account" in positions and "deal_id" not in positions:
        kind = "accounts"
    elif "rep" in positions and "deal_id" not in positions:
        kind = "reps"
    else:
        kind = _closest_kind(positions)
    spec = KINDS[kind]
    missing = [f for f in spec.required if f not in positions]
    if missing:
        how = "was forced with --kind" if forced else "looks closest to"
        raise InputError(
            f"{layout.path}: missing required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} for a {kind} file (the file {how} {kind}; a {kind} file "
            f"needs {', '.join(spec.required)}). Headers found: "
            f"{', '.join(layout.header) or '(none)'}."
        )
    return kind, {f: positions[f] for f in spec.fields if f in positions}


def _closest_kind(positions: dict[str, int]) -> str:
    def score(kind: str) -> tuple[int, int]:
        spec = KINDS[kind]
        return (sum(f in positions for f in spec.required), -len(spec.required))

    return max(KIND_NAMES, key=score)


@cache
def _sql(name: str) -> str:
    return (_SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


ProgressCallback = Callable[[int, int, Path], None]


def load_paths(
    db: Database,
    paths: Iterable[str | Path],
    *,
    kind: str | None = None,
    strict: bool = False,
    force: bool = False,
    funnel_to_store: Funnel | None = None,
    progress: ProgressCallback | None = None,
) -> LoadReport:
    """Load every file in one transaction; raise InputError (nothing kept) on a bad file.

    An unchanged file (same path, size and SHA-256 as its last load) is not read
    again unless `force`. With `strict`, any rejected row fails the whole load.
    """
    files = expand_paths(paths)
    layouts = [inspect_csv(path) for path in files]  # refuse unusable files before writing
    kinds = [recognise_kind(layout, kind) for layout in layouts]
    db.run_script(_sql("load_macros"))
    reports: list[FileReport] = []
    with db.transaction():
        if funnel_to_store is not None:
            db.set_meta("funnel", funnel_to_store.to_json())
        for number, (layout, (file_kind, columns)) in enumerate(
            zip(layouts, kinds, strict=True), start=1
        ):
            if progress:
                progress(number, len(layouts), layout.path)
            reports.append(_load_file(db, layout, file_kind, columns, force))
        orphans = _count_orphans(db, reports)
        rejected = sum(r.rows_rejected for r in reports)
        if strict and rejected:
            details = "; ".join(
                f"{r.path}: {r.first_reasons[0]}" for r in reports if r.first_reasons
            )
            raise InputError(
                f"--strict: {rejected} row{'s' if rejected != 1 else ''} rejected, so nothing "
                f"was loaded. First problems: {details}."
            )
    return LoadReport(files=reports, orphan_history_rows=orphans, strict=strict)


def _load_file(
    db: Database, layout: CsvLayout, kind: str, columns: dict[str, int], force: bool
) -> FileReport:
    path_text = str(layout.path.resolve())
    report = FileReport(path=layout.path, kind=kind)
    previous = db.fetchall(
        "select rows_read, rows_loaded, rows_rejected from load_files "
        "where path = ? and kind = ? and size_bytes = ? and sha256 = ? "
        "order by file_id desc limit 1",
        [path_text, kind, layout.size, layout.sha256],
    )
    if previous and not force:
        report.rows_read, report.rows_loaded, report.rows_rejected = previous[0]
        report.skipped_unchanged = True
        return report

    file_id = (db.scalar("select coalesce(max(file_id), 0) + 1 from load_files") or 1)
    _read_records(db, layout)
    _build_source_rows(db, KINDS[kind], columns)
    db.run_script(_sql(f"stage_{kind}"))

    db.execute("delete from load_rejects where path = ?", [path_text])
    db.execute(
        """
        insert into load_rejects (file_id, path, line, column_name, value, reason)
        select ?, ?, line, column_name, value, reason from csv_structure_problems
        union all
        select ?, ?, line, p.column_name, p.value, p.reason
        from (select line, unnest(problems) as p from staged)
        """,
        [file_id, path_text, file_id, path_text],
    )
    structural = db.scalar("select count(*) from csv_structure_problems")
    counts = db.fetchall(
        "select count(*), count(*) filter (where len(problems) > 0), "
        "count(*) filter (where len(problems) = 0) - count(distinct deal_id_or_key) "
        f"filter (where len(problems) = 0) from (select *, {_key_expr(kind)} as deal_id_or_key "
        "from staged)"
    )[0]
    staged_rows, value_rejects, duplicates = counts
    report.rows_read = staged_rows + structural
    report.rows_rejected = value_rejects + structural
    report.rows_loaded = staged_rows - value_rejects
    report.duplicates = duplicates if kind != "history" else 0
    report.first_reasons = [
        f"line {line}, {column or 'row'}: {reason}" + (f" ({value!r})" if value else "")
        for line, column, value, reason in db.fetchall(
            "select line, column_name, value, reason from load_rejects "
            "where file_id = ? order by line, column_name limit ?",
            [file_id, MAX_REASONS_SHOWN],
        )
    ]
    db.run_script(_sql(f"merge_{kind}"), {"file_id": file_id})
    db.execute(
        "insert into load_files (file_id, path, kind, preset, loaded_at, size_bytes, sha256, "
        "rows_read, rows_loaded, rows_rejected) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            file_id, path_text, kind, "canonical",
            dt.datetime.now(dt.UTC).replace(tzinfo=None), layout.size, layout.sha256,
            report.rows_read, report.rows_loaded, report.rows_rejected,
        ],
    )
    return report


def _key_expr(kind: str) -> str:
    return {
        "deals": "deal_id",
        "history": "(deal_id, stage, entered_at)",
        "accounts": "account",
        "reps": "rep",
    }[kind]


def _read_records(db: Database, layout: CsvLayout) -> None:
    """Every record of the file as text columns c0..cN, plus the structural problems."""
    columns = "{" + ", ".join(f"'c{i}': 'varchar'" for i in range(len(layout.header))) + "}"
    db.execute("drop table if exists csv_errors")
    db.execute("drop table if exists csv_scans")
    db.execute(
        "create or replace temp table csv_records as "
        "select * from read_csv(?, header = true, auto_detect = false, delim = ?, "
        "quote = '\"', escape = '\"', encoding = ?, columns = " + columns + ", "
        "store_rejects = true, rejects_table = 'csv_errors', rejects_scan = 'csv_scans', "
        "max_line_size = 67108864)",
        [str(layout.path), layout.delimiter, layout.encoding],
    )
    encoding_error = db.fetchall(
        "select line, byte_position from csv_errors where error_type = 'INVALID ENCODING' "
        "order by line limit 1"
    )
    if encoding_error:
        line, offset = encoding_error[0]
        raise InputError(
            f"{layout.path}: line {line} (byte offset {offset}) is not valid "
            f"{layout.encoding.upper()}. The file was probably saved in another encoding; save "
            "it as UTF-8 (CSV UTF-8 in Excel) and load it again. Nothing was loaded."
        )
    expected = len(layout.header)
    db.execute(
        """
        create or replace temp table csv_structure_problems as
        select
            line,
            null::varchar as column_name,
            left(any_value(csv_line order by column_idx), 500) as value,
            case any_value(error_type order by column_idx)
                when 'MISSING COLUMNS' then 'too few fields (expected ' || ? || ')'
                when 'TOO MANY COLUMNS' then 'too many fields (expected ' || ? || ')'
                when 'UNQUOTED VALUE' then 'unclosed or stray double quote'
                when 'LINE SIZE OVER MAXIMUM' then 'line longer than 64 MiB'
                else lower(any_value(error_type order by column_idx))
            end as reason
        from csv_errors
        group by line
        """,
        [expected, expected],
    )


def _build_source_rows(db: Database, spec: KindSpec, columns: dict[str, int]) -> None:
    """csv_records renamed to canonical fields, with each record's line number.

    Records DuckDB rejected are missing from csv_records; a record's line is its
    ordinal among all records (rejected ones included) plus one for the header.
    """
    projection = ", ".join(
        (
            f"records.{quote_ident(f'c{columns[name]}')}"
            if name in columns
            else "null::varchar"
        )
        + f" as {quote_ident(name)}"
        for name in spec.fields
    )
    db.execute(
        f"""
        create or replace temp table source_rows as
        with
        records as (
            select row_number() over (order by rowid) as ordinal, *
            from csv_records
        ),
        rejected as (
            select line - 1 as record, row_number() over (order by line) as seen
            from csv_structure_problems
        ),
        gaps as (
            select record - seen as key, max(seen) as seen
            from rejected
            group by record - seen
        ),
        final as (
            select
                records.ordinal,
                records.ordinal + coalesce(gaps.seen, 0) + 1 as line,
                {projection}
            from records
            asof left join gaps on records.ordinal > gaps.key
        )
        select * from final
        """
    )


def _count_orphans(db: Database, reports: list[FileReport]) -> int:
    """History rows (whole database) whose deal is not loaded; per-file counts for history files."""
    total = db.scalar(
        "select count(*) from stage_history anti join deals using (deal_id)"
    )
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
