"""Excel workbooks (XlsxWriter through Polars' `write_excel`): one sheet per report,
typed cells (rates as percentages, amounts and counts with thousands separators,
dates as dates), a frozen header row, an autofilter and column widths that fit.

The cells hold the same values as the JSON of the report (amounts to the cent,
rates at full precision); only the display format rounds.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from salesfunnel.render.amounts import AMOUNT_FIELDS, exact_amounts

if TYPE_CHECKING:
    import polars as pl

PERCENT = "0.0%"
AMOUNT = "#,##0"
COUNT = "#,##0"
DAYS = "#,##0.0"
DATE = "yyyy-mm-dd"
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
MAX_WIDTH = 48


def is_rate(name: str) -> bool:
    """Rates, their interval bounds and shares (fractions shown as percentages), by name."""
    return name.endswith(("_rate", "_rate_low", "_rate_high", "share", "_difference"))


def column_format(name: str, dtype) -> str | None:
    """The Excel number format of a report field, from its name and type."""
    import polars as pl

    if dtype in (pl.Date, pl.Datetime):
        return DATE
    if not dtype.is_numeric():
        return None
    if is_rate(name):
        return PERCENT
    if name in AMOUNT_FIELDS or name in ("current", "previous", "change"):
        return AMOUNT
    if dtype.is_integer():
        return COUNT
    if "days" in name:
        return DAYS
    return None


def sheet_name(name: str) -> str:
    """A valid Excel sheet name (at most 31 characters, none of []:*?/\\)."""
    return _SHEET_NAME_BAD.sub("-", name)[:31] or "sheet"


# Excel column widths are in characters of the default font (Calibri 11: 7 pixels each,
# plus 5 pixels of cell padding); Polars' write_excel(column_widths=...) takes pixels
CHAR_PIXELS = 7
PADDING_PIXELS = 5
FILTER_BUTTON = 3  # characters the header's autofilter button covers


def _shown_length(name: str, fmt: str | None, dtype):
    """A Polars expression: the length of each value of column `name` as the sheet shows it
    in its number format (26.9% for 0.269, 120,001 for 120000.75), not as stored."""
    import polars as pl

    column = pl.col(name)
    if fmt == DATE:
        return pl.lit(10)
    if fmt in (PERCENT, DAYS):
        tenths = (column * (100 if fmt == PERCENT else 1)).abs().round(1)
        whole = tenths.floor().cast(pl.Int64).cast(pl.String).str.len_chars()
        return whole + (whole - 1) // 3 + 2 + (column < 0).cast(pl.Int64) + (fmt == PERCENT)
    if fmt in (AMOUNT, COUNT):
        whole = column.abs().round(0).cast(pl.Int64).cast(pl.String).str.len_chars()
        return whole + (whole - 1) // 3 + (column < 0).cast(pl.Int64)
    if dtype == pl.Boolean:
        return pl.lit(5)
    return column.cast(pl.String).str.len_chars()


def column_pixels(frame: pl.DataFrame, formats: dict[str, str]) -> dict[str, int]:
    """Each column as wide as its header (with the filter button) or its longest value as
    shown, at most MAX_WIDTH characters, in the pixels `write_excel(column_widths=)` takes."""
    if frame.height:
        longest = frame.select(
            _shown_length(name, formats.get(name), dtype).max().alias(name)
            for name, dtype in frame.schema.items()
        ).row(0)
    else:
        longest = (0,) * frame.width
    widths = {}
    for name, size in zip(frame.columns, longest, strict=True):
        chars = min(max(len(name) + FILTER_BUTTON, int(size or 0)) + 1, MAX_WIDTH)
        widths[name] = chars * CHAR_PIXELS + PADDING_PIXELS
    return widths


def add_sheet(workbook, name: str, frame: pl.DataFrame) -> None:
    """One report as a sheet: header frozen, autofilter, typed formats."""
    frame = exact_amounts(frame)
    formats = {
        column: fmt for column, dtype in frame.schema.items()
        if (fmt := column_format(column, dtype)) is not None
    }
    frame.write_excel(
        workbook=workbook,
        worksheet=sheet_name(name),
        column_formats=formats or None,
        dtype_formats={},
        column_widths=column_pixels(frame, formats),
        autofilter=True,
        freeze_panes=(1, 0),
        table_style="Table Style Light 9",
        include_header=True,
    )


def add_text_sheet(workbook, name: str, rows: list[tuple[str, str]]) -> None:
    """A two-column sheet of words (term, meaning), e.g. the definitions."""
    sheet = workbook.add_worksheet(sheet_name(name))
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 100, wrap)
    sheet.write_row(0, 0, ("Term", "Meaning"), bold)
    for number, (term, meaning) in enumerate(rows, start=1):
        sheet.write_string(number, 0, term, bold)
        sheet.write_string(number, 1, meaning, wrap)
    sheet.freeze_panes(1, 0)


def open_workbook(path: Path):
    """Spreadsheet safety, for every workbook the tool writes (`-o x.xlsx`, the pack): a
    text cell is a string, never a formula, whatever it starts with (a rep, stage, lost
    reason or customer named `=...`); XlsxWriter would otherwise write a text starting
    with `=` as a live formula. (`+`, `-` and `@` texts are strings already.)"""
    import xlsxwriter

    return xlsxwriter.Workbook(str(path), {"remove_timezone": True, "strings_to_formulas": False})


def write_workbook(
    path: Path, sheets: list[tuple[str, pl.DataFrame]],
    definitions: list[tuple[str, str]] | None = None,
) -> None:
    """An .xlsx file with one sheet per (name, frame), then an optional Definitions sheet."""
    workbook = open_workbook(path)
    try:
        for name, frame in sheets:
            add_sheet(workbook, name, frame)
        if definitions:
            add_text_sheet(workbook, "Definitions", definitions)
    finally:
        workbook.close()
