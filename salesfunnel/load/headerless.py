"""Files without a header row (database dumps): how to tell one (its first line holds
values), and the layout that reads every line as a record under the names the config
gives ([files] header = false, column_names, escape)."""

from __future__ import annotations

import re
from dataclasses import replace

from salesfunnel.errors import InputError
from salesfunnel.load.sniff import CsvLayout

# a header cell that is a value: a number, an ISO date, MySQL's NULL marker
_VALUE_CELL = re.compile(r"^(-?[\d.,]+|\d{4}-\d{2}-\d{2}([ T][\d:.]+)?|\\N)$")


def looks_headerless(header: tuple[str, ...]) -> bool:
    """The first line holds values, not names (a database dump): two or more of its cells
    are numbers, ISO dates or \\N."""
    return sum(bool(_VALUE_CELL.match(cell.strip())) for cell in header) >= 2


def without_header(layout: CsvLayout, names: tuple[str, ...], escape: str) -> CsvLayout:
    """The layout of a file with no header row: its first line is a record and the columns
    take `names` (as many as the first line has fields)."""
    if len(names) != len(layout.header):
        raise InputError(
            f"{layout.path}: [files] column_names gives {len(names)} names, but the first line "
            f"has {len(layout.header)} fields. Name every column, in order."
        )
    return replace(layout, header=names, header_lines=0, escape=escape)


def backslash_escapes(layout) -> bool:
    """MySQL's dumps escape a quote inside a field as \\" (not ""): seen in the first MiB."""
    with open(layout.utf8_path, "rb") as handle:
        return b'\\"' in handle.read(1 << 20)
