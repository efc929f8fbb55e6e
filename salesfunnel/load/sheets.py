"""Excel exports (.xlsx, .xlsm, .xls) and LibreOffice's .ods: each sheet is read like a
CSV file.

fastexcel (calamine, the reader Polars uses) reads every cell as text; the sheet
is written as a UTF-8 CSV copy in the load's scratch folder and goes through the
same recognition, staging, reject and line-number rules as a CSV file. The copy
starts at the sheet's first filled row (its header) and column; the blank rows
above and columns left of it are kept in the layout (`sheet_origin`) and added
back, so a record's line is the row number Excel shows for it and a column is
named by its letter; the file is named `book.xlsx[Sheet]` in the summary and in
rejects.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from salesfunnel.errors import InputError
from salesfunnel.load.sheet_origin import SheetOrigin
from salesfunnel.load.sniff import CsvLayout, file_digest, inspect_csv

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


def is_excel(path: Path) -> bool:
    return path.suffix.lower() in EXCEL_SUFFIXES


def open_source(path: Path, encoding: str | None, scratch: Path) -> list[CsvLayout]:
    """The CSV layouts a path stands for: itself, or one per sheet of a workbook."""
    if not is_excel(path):
        return [inspect_csv(path, encoding, scratch)]
    return sheet_layouts(path, scratch)


def open_sources(paths: list[Path], encoding: str | None, scratch: Path) -> list[CsvLayout]:
    return [layout for path in paths for layout in open_source(path, encoding, scratch)]


def digest_path(layout: CsvLayout) -> Path:
    """The bytes that identify a file's content: the file, or a workbook sheet's CSV copy."""
    return layout.path if layout.read_path is None or layout.path.is_file() else layout.read_path


def sheet_layouts(path: Path, scratch: Path) -> list[CsvLayout]:
    import fastexcel

    try:
        stat = path.stat()
        reader = fastexcel.read_excel(str(path))
        names = list(reader.sheet_names)
    except FileNotFoundError:
        raise InputError(f"{path} does not exist.") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied. The file exists but this user cannot "
                         "read it.") from None
    except Exception as exc:  # fastexcel raises its own error classes
        raise InputError(
            f"{path}: cannot be read as an Excel workbook ({_first_line(exc)})."
        ) from None
    layouts = []
    for number, name in enumerate(names, start=1):
        try:
            # no header row for the reader: the sheet's own first filled row is written as
            # the CSV header, so a duplicated or blank header cell meets the CSV checks.
            # skip_rows=0: the rows from the sheet's row 1, blank ones too (calamine would
            # start at the first filled row, and the row numbers would shift)
            sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
            frame = sheet.to_polars()
            columns = sheet.available_columns()
        except Exception as exc:
            raise InputError(
                f"{path}: the sheet {name!r} cannot be read ({_first_line(exc)})."
            ) from None
        above = _blank_rows_above(frame)
        if above is None:
            continue  # an empty sheet holds nothing to load
        target = scratch / f"{len(list(scratch.iterdir()))}-sheet-{number}.csv"
        _write_sheet_csv(frame.slice(above), target)
        layout = inspect_csv(target, "utf-8", scratch)
        layouts.append(
            replace(
                layout, path=Path(f"{path}[{name}]"), read_path=layout.read_path or target,
                size=stat.st_size, mtime_ns=stat.st_mtime_ns,
                # calamine leaves out blank columns left of the data; absolute_index is the
                # first column's place in the sheet (0 for A). A report's title rows above
                # the header (sniff.skip_preamble) are rows above it too.
                sheet_origin=SheetOrigin(above + layout.lines_above,
                                         columns[0].absolute_index if columns else 0),
            )
        )
    if not layouts:
        raise InputError(f"{path}: the workbook has no sheet with a header row.")
    return layouts


def content_digest(layout: CsvLayout) -> str:
    """The SHA-256 that identifies a file's content: the file's, or a workbook sheet's CSV
    copy's, with where the copy starts in the sheet when that is not A1 (a blank row
    added above the header moves every row number: the rejects must be recorded again)."""
    digest = file_digest(digest_path(layout))
    if layout.sheet_origin in (None, (0, 0)):
        return digest
    return hashlib.sha256(f"{digest} {layout.sheet_origin}".encode()).hexdigest()


def _blank_rows_above(frame) -> int | None:
    """How many blank rows (empty or white-space cells only) come before the sheet's first
    filled row; None when no row is filled."""
    import polars as pl

    if frame.width == 0 or frame.height == 0:
        return None
    filled = pl.any_horizontal(pl.all().str.strip_chars().str.len_chars().fill_null(0) > 0)
    # the usual sheet has its header in row 1, or a few rows down: the whole sheet is
    # scanned only when its first 1,024 rows are blank
    for part in (frame.head(1), frame.head(1024), frame):
        found = part.select(filled.arg_true().first()).item()
        if found is not None:
            return int(found)
    return None


def _write_sheet_csv(frame, target: Path) -> None:
    """The sheet as CSV, its first row the header; a blank row becomes an empty line,
    which the CSV reader skips and counts, as in a CSV file (a row of empty cells would
    be a record with an empty key), so every record keeps its sheet row number."""
    import re

    text = frame.write_csv(include_header=False)
    target.write_text(re.sub(r"(?m)^,+$", "", text), encoding="utf-8", newline="")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
