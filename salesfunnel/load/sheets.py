"""Excel exports (.xlsx, .xlsm, .xls): each sheet is read like a CSV file.

fastexcel (calamine, the reader Polars uses) reads every cell as text; the sheet
is written as a UTF-8 CSV copy in the load's scratch folder and goes through the
same recognition, staging, reject and line-number rules as a CSV file. The
sheet's header is its row 1, so a record's line is its row number in the sheet;
the file is named `book.xlsx[Sheet]` in the summary and in rejects.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from salesfunnel.errors import InputError
from salesfunnel.load.sniff import CsvLayout, inspect_csv

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")


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
            # no header row for the reader: the sheet's own first row is written as the
            # CSV header, so a duplicated or blank header cell meets the CSV checks
            frame = reader.load_sheet(name, header_row=None, dtypes="string").to_polars()
        except Exception as exc:
            raise InputError(
                f"{path}: the sheet {name!r} cannot be read ({_first_line(exc)})."
            ) from None
        if frame.height == 0 or not any((v or "").strip() for v in frame.row(0)):
            continue  # an empty sheet holds nothing to load
        target = scratch / f"{len(list(scratch.iterdir()))}-sheet-{number}.csv"
        _write_sheet_csv(frame, target)
        layout = inspect_csv(target, "utf-8", scratch)
        layouts.append(
            replace(
                layout, path=Path(f"{path}[{name}]"), read_path=target, size=stat.st_size,
                mtime_ns=stat.st_mtime_ns,
            )
        )
    if not layouts:
        raise InputError(f"{path}: the workbook has no sheet with a header row.")
    return layouts


def _write_sheet_csv(frame, target: Path) -> None:
    """The sheet as CSV, its first row the header; a blank row becomes an empty line,
    which the CSV reader skips and counts, as in a CSV file (a row of empty cells would
    be a record with an empty key), so every record keeps its sheet row number."""
    import re

    text = frame.write_csv(include_header=False)
    target.write_text(re.sub(r"(?m)^,+$", "", text), encoding="utf-8", newline="")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
