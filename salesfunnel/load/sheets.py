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
            frame = reader.load_sheet(name, dtypes="string").to_polars()
        except Exception as exc:
            raise InputError(
                f"{path}: the sheet {name!r} cannot be read ({_first_line(exc)})."
            ) from None
        if not frame.columns or not any(c.strip() for c in frame.columns):
            continue  # an empty sheet holds nothing to load
        target = scratch / f"{len(list(scratch.iterdir()))}-sheet-{number}.csv"
        frame.write_csv(target)
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


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
