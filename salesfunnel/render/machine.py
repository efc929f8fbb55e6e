"""Machine output: a report's frame as JSON, CSV, Parquet or an Excel workbook, on
stdout or into a file.

The same frame feeds every format, so the numbers are the same in each. Amounts
(money) are rounded to cents first (`exact_amounts`), so no format shows float
noise such as 117497.74999999999; rates keep full precision. CSV cells that
begin with =, +, -, @, tab or carriage return are prefixed with a single quote so
a spreadsheet does not run them as formulas (unless `raw`); `bom` starts CSV with
a UTF-8 byte-order mark so Excel reads "Zoë Müller" right.
"""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from salesfunnel.errors import OutputError, UsageError
from salesfunnel.render.amounts import exact_amounts

if TYPE_CHECKING:
    import polars as pl


class OutputFormat(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    parquet = "parquet"
    xlsx = "xlsx"


class InfoFormat(enum.StrEnum):
    """`info --format` choices."""

    table = "table"
    json = "json"
    csv = "csv"


_BY_SUFFIX = {
    ".json": OutputFormat.json,
    ".csv": OutputFormat.csv,
    ".parquet": OutputFormat.parquet,
    ".pq": OutputFormat.parquet,
    ".txt": OutputFormat.table,
    ".xlsx": OutputFormat.xlsx,
}
BOM = "\ufeff"
FORMULA_START = r"^[=+\-@\t\r]"


def choose_format(fmt: OutputFormat | None, output: Path | None) -> OutputFormat:
    """--format wins; else the --output extension; else a table."""
    if fmt is not None:
        chosen = fmt
    elif output is not None:
        chosen = _BY_SUFFIX.get(output.suffix.lower())
        if chosen is None:
            raise UsageError(
                f"Cannot tell the format from {output.name}: use .json, .csv, .parquet or "
                ".txt or .xlsx, or pass --format."
            )
    else:
        chosen = OutputFormat.table
    if chosen is OutputFormat.parquet and output is None:
        raise UsageError("Parquet is binary: give --output FILE.parquet.")
    if chosen is OutputFormat.xlsx and output is None:
        raise UsageError("An Excel workbook is a file: give --output FILE.xlsx.")
    return chosen


def check_output_options(
    fmt: OutputFormat | None, output: Path | None, raw: bool, bom: bool
) -> None:
    """Before the report is computed: the format can be written where asked (Parquet and
    xlsx need a file) and --raw/--bom, which only CSV output has, are not given for
    another format (never ignored without a word)."""
    chosen = choose_format(fmt, output)
    for flag, given in (("--raw", raw), ("--bom", bom)):
        if given and chosen is not OutputFormat.csv:
            raise UsageError(
                f"{flag} applies to CSV output only, and this run writes {chosen.value}: "
                f"drop {flag}, or write CSV (--format csv or --output FILE.csv)."
            )


def escape_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells, and header cells (stage names come from the config), that a
    spreadsheet would run as formulas get a leading single quote."""
    import re

    import polars as pl

    frame = frame.rename(
        {name: "'" + name for name in frame.columns if re.match(FORMULA_START, name)}
    )
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(FORMULA_START))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text_columns
    )


def sheet_title(name: str, frame: pl.DataFrame) -> str:
    """The sheet name of a report: its name, then the month or period its rows are of
    ("rank 2026-10") when they are all of one."""
    for field in ("month", "period"):
        if field in frame.columns and frame.height and frame[field].n_unique() == 1:
            value = frame[field][0]
            if value is not None:
                return f"{name} {value}"
    return name


def serialise(frame: pl.DataFrame, fmt: OutputFormat, raw: bool = False, bom: bool = False) -> str:
    """JSON (an array of flat objects) or CSV text of a frame (amounts to the cent)."""
    frame = exact_amounts(frame)
    if fmt is OutputFormat.json:
        return frame.write_json() + "\n"
    if fmt is OutputFormat.csv:
        text = (frame if raw else escape_formulas(frame)).write_csv()
        return BOM + text if bom else text
    raise ValueError(f"{fmt} is not a text format")


def write_frame(
    frame: pl.DataFrame, fmt: OutputFormat, output: Path | None, raw: bool, bom: bool = False,
    *, sheet: str = "report",
) -> None:
    """Write JSON/CSV to stdout or `output`; Parquet and xlsx to `output`, whole or not at
    all (written.written_whole: a failure midway leaves no half file, an earlier one as it
    was)."""
    from salesfunnel.written import write_failure, written_whole

    try:
        if output is None:
            assert fmt not in (OutputFormat.parquet, OutputFormat.xlsx)
            sys.stdout.write(serialise(frame, fmt, raw, bom))
            sys.stdout.flush()
            return
        with written_whole(output, listed=True) as staging:
            if fmt is OutputFormat.parquet:
                exact_amounts(frame).write_parquet(staging)
            elif fmt is OutputFormat.xlsx:
                from salesfunnel.render.workbook import write_workbook

                write_workbook(staging, [(sheet_title(sheet, frame), frame)])
            else:
                staging.write_text(serialise(frame, fmt, raw, bom), encoding="utf-8")
    except Exception as exc:
        reason = write_failure(exc)
        if reason is None:
            raise
        target = "stdout" if output is None else str(output)
        raise OutputError(f"Cannot write {target}: {reason}.") from None
