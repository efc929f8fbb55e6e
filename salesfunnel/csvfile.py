"""Looking at a CSV file before DuckDB reads it: size, hash, encoding, delimiter, header.

Only the first line (and the bytes needed to recognise the format) is read in
Python; the rows themselves are read by DuckDB.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from salesfunnel.errors import InputError

DELIMITERS = (",", ";", "\t", "|")
_HEADER_LIMIT = 32 * 1024 * 1024  # a header line longer than this is not a CSV header


@dataclass(frozen=True)
class CsvLayout:
    """What DuckDB needs to read the file, and what the header says."""

    path: Path
    size: int
    sha256: str
    encoding: str  # as DuckDB's read_csv names it
    delimiter: str
    header: tuple[str, ...]


def file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def inspect_csv(path: Path) -> CsvLayout:
    """Recognise encoding, delimiter and header; raise InputError for what cannot be a CSV."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(64 * 1024)
            if size and not head:
                raise InputError(f"{path}: the file cannot be read.")
            _refuse_binary(path, head)
            first = _first_line(handle, head)
    except PermissionError:
        raise InputError(
            f"{path}: permission denied. The file exists but this user cannot read it."
        ) from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a file.") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    if size == 0 or not first.strip():
        raise InputError(
            f"{path} is empty: it has no header line. Export the report again with its "
            "header row."
        )
    encoding = "utf-8"
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: the header is not valid UTF-8 (byte offset {exc.start}). Save the export "
            "as UTF-8 (CSV UTF-8 in Excel)."
        ) from None
    text = text.rstrip("\r\n")
    delimiter = _guess_delimiter(text)
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    header = tuple(h.strip() for h in header)
    if not any(header):
        raise InputError(f"{path}: the first line is blank; a CSV export starts with its header.")
    return CsvLayout(
        path=path,
        size=size,
        sha256=file_digest(path),
        encoding=encoding,
        delimiter=delimiter,
        header=header,
    )


def _refuse_binary(path: Path, head: bytes) -> None:
    if head.startswith(b"PK\x03\x04"):
        raise InputError(
            f"{path} is an Excel workbook or a zip archive, not a CSV file. Open it in Excel "
            "and save it as CSV UTF-8, or unzip it first."
        )
    if head.startswith(b"\x1f\x8b"):
        raise InputError(
            f"{path} is gzip-compressed. Decompress it first (gunzip {path.name})."
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{path} is an old Excel (.xls) workbook, not a CSV file.")
    if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            f"{path} contains NUL bytes in its first lines: it is a binary file, or text in "
            "an encoding that is not supported."
        )


def _first_line(handle, head: bytes) -> bytes:
    """The header line: up to the first line break outside double quotes."""
    newline = min((i for i in (head.find(b"\n"), head.find(b"\r")) if i >= 0), default=-1)
    if newline >= 0 and b'"' not in head[:newline]:
        return head[:newline]
    buffer = bytearray(head)
    scanned = 0
    in_quotes = False
    while True:
        for index in range(scanned, len(buffer)):
            byte = buffer[index]
            if byte == 0x22:
                in_quotes = not in_quotes
            elif byte in (0x0A, 0x0D) and not in_quotes:
                return bytes(buffer[:index])
        scanned = len(buffer)
        if scanned > _HEADER_LIMIT:
            raise InputError(f"{handle.name}: no end of the header line in the first 32 MiB.")
        more = handle.read(1024 * 1024)
        if not more:
            return bytes(buffer)
        buffer.extend(more)


def _guess_delimiter(header_line: str) -> str:
    counts = {d: _count_outside_quotes(header_line, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _count_outside_quotes(text: str, char: str) -> int:
    parts = text.split('"')
    return sum(part.count(char) for part in parts[::2])
