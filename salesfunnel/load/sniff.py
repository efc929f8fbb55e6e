"""Looking at a CSV file before DuckDB reads it: size, hash, encoding, delimiter, header.

Only the first line (and the bytes needed to recognise the format) is read in
Python; the rows themselves are read by DuckDB.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from dataclasses import dataclass, replace
from pathlib import Path

from salesfunnel.errors import InputError
from salesfunnel.load.encodings import check_encoding
from salesfunnel.load.preamble import guess_delimiter, skip_preamble
from salesfunnel.load.sheet_origin import SheetOrigin

UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
_HEADER_LIMIT = 32 * 1024 * 1024  # a header line longer than this is not a CSV header
_SAMPLE = 1024 * 1024
LEGACY_ENCODINGS = ("cp1252", "gb18030", "big5", "cp1251", "cp932")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
ENCODING_HINT = (
    "Save the export as UTF-8 (\"CSV UTF-8\" in Excel), or name its encoding with "
    "--encoding (for example cp1252, cp1250, utf-16, shift_jis, gb18030, big5)."
)


@dataclass(frozen=True)
class CsvLayout:
    """What DuckDB needs to read the file, and what the header says."""

    path: Path
    size: int
    sha256: str  # filled by the loader only when the quick check (size, mtime) is not enough
    encoding: str  # the file's own encoding
    delimiter: str
    header: tuple[str, ...]
    read_path: Path | None = None  # a UTF-8 copy when the file is in another encoding
    mtime_ns: int = 0
    nul_bytes: int = 0  # NUL bytes in the file (a field holding one is rejected if used)
    first_nul_offset: int | None = None  # in the user's own file
    inode: int = 0  # with size and mtime: the file is still the one inspected
    header_lines: int = 1  # 0: the file has no header row (names from [files] column_names)
    escape: str = '"'
    sheet_origin: SheetOrigin | None = None  # a workbook sheet: where its CSV copy starts
    # a CSV file's lines above its header (Excel's `sep=;`, a report's title lines): the
    # file is read from a copy that starts at the header
    lines_above: int = 0
    preamble: str = ""  # those lines' text, for the summary

    @property
    def rows_above(self) -> int:  # lines of the user's file above the copy's first line
        return self.sheet_origin.rows_above if self.sheet_origin else self.lines_above

    def column_label(self, index: int) -> str:
        """Column `index` (0-based) as the user sees it: its number, or a sheet's letter."""
        return self.sheet_origin.letter(index) if self.sheet_origin else str(index + 1)

    def check_unchanged(self) -> None:
        """InputError when the file was changed or replaced since it was inspected (its
        header mapping would be applied to other content)."""
        if self.read_path is not None and not self.path.is_file():
            return  # a workbook sheet, read from the CSV copy this load made of it
        try:
            now = self.path.stat()
        except OSError as exc:
            raise InputError(f"{self.path}: cannot be read ({exc.strerror or exc}).") from None
        if (now.st_ino, now.st_size, now.st_mtime_ns) != (self.inode, self.size, self.mtime_ns):
            raise InputError(
                f"{self.path} changed or was replaced while the load was reading it. Nothing "
                "was loaded; load again once the export is complete."
            )

    @property
    def utf8_path(self) -> Path:
        """The file DuckDB reads: always UTF-8."""
        return self.read_path or self.path


def file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def inspect_csv(path: Path, encoding: str | None = None, scratch: Path | None = None) -> CsvLayout:
    """Recognise encoding, delimiter and header; raise InputError for what cannot be a CSV.

    A file that is not UTF-8 is transcoded into `scratch` (a folder the caller removes)
    so DuckDB always reads UTF-8.
    """
    try:
        stat = path.stat()
        size = stat.st_size
        with path.open("rb") as handle:
            head = handle.read(_SAMPLE)
            if size and not head:
                raise InputError(f"{path}: the file cannot be read.")
            _refuse_binary(path, head)
            source_encoding = encoding_of(path, head, encoding)
    except PermissionError:
        raise InputError(
            f"{path}: permission denied. The file exists but this user cannot read it."
        ) from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a file.") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    if size == 0:
        raise InputError(
            f"{path} is empty: it has no header line. Export the report again with its "
            "header row."
        )
    layout = CsvLayout(
        path=path, size=size, sha256="", encoding=source_encoding, delimiter=",", header=(),
        mtime_ns=stat.st_mtime_ns, inode=stat.st_ino,
    )
    if source_encoding != "utf-8":
        layout = transcode(layout, source_encoding, scratch)
    return _with_header(skip_preamble(layout, scratch))


def _with_header(layout: CsvLayout) -> CsvLayout:
    with layout.utf8_path.open("rb") as handle:
        head = handle.read(64 * 1024)
        first = _first_line(handle, head)
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    if not first.strip():
        raise InputError(
            f"{layout.path}: the first line is blank or the file holds only white space; a CSV "
            "export starts with its header."
        )
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{layout.path}: the header is not valid UTF-8 (byte offset {exc.start}). "
            + ENCODING_HINT
        ) from None
    text = text.rstrip("\r\n")
    delimiter = guess_delimiter(text)
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))  # a 1 MB header cell
    try:
        header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    except csv.Error as exc:
        raise InputError(f"{layout.path}: the header line cannot be read as CSV ({exc}).") from None
    header = tuple(h.strip() for h in header)
    if not any(header):
        raise InputError(
            f"{layout.path}: the first line names no columns ({text[:80]!r}); a CSV export "
            "starts with its header."
        )
    return replace(layout, delimiter=delimiter, header=header)


def encoding_of(path: Path, head: bytes, requested: str | None) -> str:
    """The file's encoding: --encoding, a BOM, UTF-8 when the sample is, else a legacy
    encoding recognised from the sample. Broken UTF-8 is an error, not a guess."""
    if requested:
        return check_encoding(requested)
    if head.startswith(UTF32_BOMS):
        return "utf-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError as exc:
        return legacy_or_broken(path, head, exc.start)


def legacy_or_broken(path: Path, data: bytes, bad_offset: int) -> str:
    """Text with valid UTF-8 multibyte characters and an invalid byte is broken UTF-8
    (InputError); text without any is in a legacy encoding, recognised from `data`."""
    if _UTF8_MULTIBYTE.search(data[:bad_offset]):
        raise InputError(
            f"{path}: invalid UTF-8 at byte offset {bad_offset}: the file is UTF-8 but "
            "this byte sequence is not. It may have been cut or edited in another encoding. "
            + ENCODING_HINT
        )
    from charset_normalizer import from_bytes

    match = from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)).best()
    if match is None:
        raise InputError(
            f"{path}: not valid UTF-8 (first bad byte at offset {bad_offset}) and not "
            "recognisably cp1252, cp1251, Shift_JIS (cp932), GB18030 or Big5. " + ENCODING_HINT
        )
    encoding = codecs.lookup(match.encoding).name
    if encoding == "cp1252" and _CP1250_AS_CP1252.search(data.decode("cp1252", "replace")):
        return "cp1250"
    return encoding


# Polish written in Windows-1250 reads as cp1252 without an error, its letters ł ą ż Ł
# Ż Ą ľ ź as the symbols ³ ¹ ¿ £ ¯ ¥ ¾ ¼: "Ma³gorzata", "W¹s", "£ukasz", "¯ó³w". Such a
# symbol inside a word, or one of £ ¯ ¥ opening a word before a small letter, is no
# cp1252 text (¿ opens Spanish questions, so only inside a word)
_CP1250_AS_CP1252 = re.compile(r"[^\W\d_][³¹¿¯¼¾¥£][^\W\d_]|(?<![^\W\d_])[£¯¥][a-zà-ÿ]{2}")


def transcode(layout: CsvLayout, encoding: str, scratch: Path | None) -> CsvLayout:
    """A UTF-8 copy of the file in `scratch`; InputError with the byte offset when a byte
    sequence is not valid in `encoding`."""
    if scratch is None:
        raise InputError(f"{layout.path}: a {encoding} file needs a scratch folder to convert.")
    target = scratch / f"{len(list(scratch.iterdir()))}-{layout.path.name}"
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    try:
        with layout.path.open("rb") as source, target.open("w", encoding="utf-8", newline="") as out:
            while chunk := source.read(_SAMPLE):
                try:
                    out.write(decoder.decode(chunk))
                except UnicodeError as exc:  # utf-16 without a BOM: no offset
                    start = max(getattr(exc, "start", 0), 0)
                    raise InputError(
                        f"{layout.path}: byte offset {offset + start} is not valid "
                        f"{encoding} ({exc}). " + ENCODING_HINT
                    ) from None
                offset += len(chunk)
            out.write(decoder.decode(b"", final=True))
    except UnicodeError:
        raise InputError(
            f"{layout.path}: the file ends inside a {encoding} character. " + ENCODING_HINT
        ) from None
    return replace(layout, encoding=encoding, read_path=target)


def retry_as_legacy(layout: CsvLayout, scratch: Path | None) -> CsvLayout:
    """DuckDB found invalid UTF-8 past the sample: decide broken UTF-8 vs legacy on the
    whole file, and transcode a legacy one."""
    data = layout.path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        encoding = legacy_or_broken(layout.path, data, exc.start)
        return skip_preamble(transcode(layout, encoding, scratch), scratch)
    raise InputError(f"{layout.path}: DuckDB reports invalid UTF-8, but the file decodes.")


def normalise_newlines(layout: CsvLayout, scratch: Path) -> CsvLayout:
    """A copy of the file with every line break as LF. DuckDB's reader gives up on a file
    that mixes CRLF, LF and CR (rows appended by another tool); the bytes are otherwise
    kept, so the copy is in the same (UTF-8) encoding."""
    target = scratch / f"{len(list(scratch.iterdir()))}-lf-{layout.path.name}"
    with layout.utf8_path.open("rb") as source, target.open("wb") as out:
        carry = b""
        while chunk := source.read(_SAMPLE):
            chunk = carry + chunk
            carry = b"\r" if chunk.endswith(b"\r") else b""  # maybe the first half of CRLF
            if carry:
                chunk = chunk[:-1]
            out.write(chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n"))
        out.write(carry.replace(b"\r", b"\n"))
    return replace(layout, read_path=target)


@dataclass(frozen=True)
class ByteFacts:
    """What one pass over a file's bytes tells the loader before DuckDB reads it."""

    mixed_line_breaks: bool  # more than one of CRLF, LF and CR (quoted fields included)
    inner_blank_line: bool  # two line breaks in a row, followed by more than line breaks
    nul_bytes: int = 0
    first_nul_offset: int | None = None


def scan_bytes(path: Path) -> ByteFacts:
    """One chunked pass: count NUL bytes (and the offset of the first), note line-break
    styles and blank lines."""
    crlf = lf = cr = lines = offset = nuls = 0
    first_nul = None
    previous = b""
    blank_seen = inner_blank = False
    with path.open("rb") as handle:
        while chunk := handle.read(_SAMPLE):
            count = chunk.count(b"\x00")
            if count:
                nuls += count
                if first_nul is None:
                    first_nul = offset + chunk.find(b"\x00")
            newlines = chunk.count(b"\n")
            lines += newlines
            offset += len(chunk)
            if b"\r" in chunk or previous == b"\r":
                crlf += chunk.count(b"\r\n") + (previous == b"\r" and chunk[:1] == b"\n")
                cr += chunk.count(b"\r")
            lf += newlines
            if not inner_blank:
                if blank_seen and chunk.strip(b"\r\n"):
                    inner_blank = True
                window = previous + chunk
                patterns = _BLANK_LINE if b"\r" in window else _BLANK_LINE[:1]
                found = [i for i in (window.find(b) for b in patterns) if i >= 0]
                if found and window[min(found):].strip(b"\r\n"):
                    inner_blank = True
                blank_seen = blank_seen or bool(found)
            previous = chunk[-1:]
    return ByteFacts(
        mixed_line_breaks=sum((crlf > 0, lf > crlf, cr > crlf)) > 1,
        inner_blank_line=inner_blank,
        nul_bytes=nuls,
        first_nul_offset=first_nul,
    )


def first_nul_offset(path: Path, encoding: str) -> int | None:
    """The byte offset of the first NUL character in the user's own file (a transcoded
    copy has other offsets): a 0x00 byte, or in UTF-16 a 0x0000 code unit."""
    data = path.read_bytes()
    if encoding.startswith("utf-16"):
        for index in range(0, len(data) - 1, 2):
            if data[index] == 0 and data[index + 1] == 0:
                return index
        return None
    index = data.find(b"\x00")
    return index if index >= 0 else None


_BLANK_LINE = (b"\n\n", b"\r\r", b"\n\r")  # two line breaks in a row


def blank_lines(path: Path, delimiter: str, inner_blank_line: bool) -> list[int]:
    """The line numbers of the empty lines between records (header = line 1; a quoted
    field spanning lines counts as one line). DuckDB skips empty lines but counts them
    in the line numbers it gives structural errors; the loader counts them too, so a
    record's line is the row a spreadsheet shows. Empty lines at the end do not matter."""
    if not inner_blank_line:
        return []
    csv.field_size_limit(2**31 - 1)
    found = []
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter, quotechar='"', doublequote=True)
        try:
            for number, row in enumerate(reader, start=1):
                if not row:
                    found.append(number)
        except csv.Error:  # a malformed tail: DuckDB rejects it; keep what was counted
            pass
    return found


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
    if head.startswith(b"\x28\xb5\x2f\xfd"):
        raise InputError(
            f"{path} is zstd-compressed. Decompress it first (unzstd {path.name})."
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{path} is an old Excel (.xls) workbook, not a CSV file.")
    first_line = head[: min((i for i in (head.find(b"\n"), head.find(b"\r")) if i >= 0),
                            default=len(head))]
    start = head[:4096]
    if not head.startswith((b"\xff\xfe", b"\xfe\xff", *UTF32_BOMS)) and (
        b"\x00" in first_line or start.count(b"\x00") * 10 > len(start)
    ):  # a NUL in the header, or NULs everywhere; a few inside fields are handled per field
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
