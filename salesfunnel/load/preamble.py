"""Where a CSV file's header is: the delimiter its header line uses, and the lines above
the header that are not records (Excel's `sep=;`, a report's title lines), skipped by
reading the file from a copy that starts at the header (sniff.inspect_csv)."""

from __future__ import annotations

import csv
import re
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from salesfunnel.errors import InputError

# sniff.CsvLayout (not imported: sniff imports this module)
Layout = TypeVar("Layout")

DELIMITERS = (",", ";", "\t", "|")
_CHUNK = 1024 * 1024
_SEP_HINT = re.compile(r'^\s*"?sep=(.)"?\s*$', re.IGNORECASE)
_PREAMBLE_LINES = 30


def skip_preamble(layout: Layout, scratch: Path | None) -> Layout:
    """A file whose header is not its first line, read from a copy that starts at the
    header (rows_above keeps every line number the user's own): Excel's separator hint
    `sep=;`, or a report's title lines, such as
    "Opportunities Report" and "Generated 2026-11-01 by Ann": a first line of one filled
    cell, the header the first of the next 30 lines with three filled cells or more. A
    blank first line is not a title: it stays an error (a CSV starts with its header)."""
    with layout.utf8_path.open("rb") as handle:
        head = handle.read(64 * 1024)
    text = head.decode("utf-8", errors="replace").removeprefix("\ufeff")
    lines = re.split(r"\r\n|\n|\r", text)[:_PREAMBLE_LINES + 1]
    if len(lines) < 2 or not lines[0].strip():
        return layout
    hint = _SEP_HINT.match(lines[0])
    if hint and not text[len(lines[0]):].strip():
        raise InputError(
            f"{layout.path}: the file holds Excel's separator line {lines[0].strip()!r} and no "
            "header after it; a CSV export has its header next. Export the report again."
        )
    if hint:
        skip = 1
    elif _filled_cells(lines[0]) != 1:  # a header, or a line of delimiters only (an error)
        return layout
    else:  # quotes balanced on each line above the header: no field spans lines there
        skip = next((n for n, line in enumerate(lines[1:-1], start=1) if _filled_cells(line) >= 3), 0)
        if not skip or any(line.count('"') % 2 for line in lines[:skip]):
            return layout
    if scratch is None:
        raise InputError(f"{layout.path}: a file with lines above its header needs a scratch folder.")
    offset = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    for _ in range(skip):
        offset = re.compile(rb"\r\n|\n|\r").search(head, offset).end()
    target = scratch / f"{len(list(scratch.iterdir()))}-from-header-{layout.path.name}"
    with layout.utf8_path.open("rb") as source, target.open("wb") as out:
        source.seek(offset)
        while chunk := source.read(_CHUNK):
            out.write(chunk)
    preamble = lines[0].strip() if hint else " / ".join(
        line.strip().strip(",;\t|").strip().strip('"') for line in lines[:skip]
        if line.strip(",;\t| \""))
    return replace(layout, read_path=target, lines_above=skip, preamble=preamble)


def _filled_cells(line: str) -> int:
    """The non-blank cells of one line (quoted cells may hold the delimiter)."""
    try:
        cells = next(csv.reader([line], delimiter=guess_delimiter(line)), [])
    except csv.Error:
        return 0
    return sum(1 for cell in cells if cell.strip())


def guess_delimiter(header_line: str) -> str:
    counts = {d: _count_outside_quotes(header_line, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _count_outside_quotes(text: str, char: str) -> int:
    parts = text.split('"')
    return sum(part.count(char) for part in parts[::2])
