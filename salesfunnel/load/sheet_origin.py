"""Where a workbook sheet's CSV copy starts in the sheet (sheets.py writes the copy from
its first filled cell; CsvLayout.sheet_origin adds the rows and columns back)."""

from __future__ import annotations

from typing import NamedTuple


class SheetOrigin(NamedTuple):
    """Where a sheet's CSV copy starts: the blank rows above its first filled row and the
    blank columns left of its first column. Added back, lines and columns are the sheet's
    own (CsvLayout.sheet_origin, rows_above, column_label)."""

    rows_above: int
    columns_left: int

    def letter(self, index: int) -> str:
        """The letter Excel shows for column `index` (0-based) of the copy: A, ..., Z, AA."""
        number, letters = index + self.columns_left + 1, ""
        while number:
            number, rest = divmod(number - 1, 26)
            letters = chr(ord("A") + rest) + letters
        return letters
