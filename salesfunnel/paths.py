"""Paths checked once, before anything is opened or written: the database file and
report output files.

A database path must be a regular DuckDB file or a new path in an existing folder:
a FIFO or device would hang or be consumed, and a CSV/Parquet/JSON file would be
opened by DuckDB as an in-memory view and a load "succeed" without storing anything.
A report's output file must not be the database it reads.

What a command writes where the user tells it (pack --out, sample --out, init --out, -o)
never replaces the user's files (`check_replaceable`); written.py writes it whole or not
at all and records what salesfunnel wrote.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from salesfunnel.errors import FOLDER_FOR_FILE, DatabaseError, InputError, UsageError
from salesfunnel.written import foreign_files, is_stream, listed_unchanged, stamped_unchanged

DUCKDB_MAGIC = b"DUCK"  # bytes 8..12 of every DuckDB database file
MAX_NAME_BYTES = 255


def _name_problem(path: Path) -> str | None:
    """Why this path's name cannot be used, or None."""
    try:
        encoded = os.fsencode(path)
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return "its name is not valid UTF-8"
    if any(len(part) > MAX_NAME_BYTES for part in encoded.split(b"/")):
        return f"a name in it is longer than {MAX_NAME_BYTES} bytes"
    return None


def check_database_path(path: Path, *, write: bool) -> bool:
    """Raise DatabaseError unless `path` can be a salesfunnel database; True when it
    names an existing file, False when a load would create it."""
    problem = _name_problem(path)
    if problem:
        raise DatabaseError(f"Cannot use {os.fsdecode(path)!r} as the database: {problem}.")
    try:
        info = path.stat()
    except FileNotFoundError:
        if not write:
            raise DatabaseError(
                f"No database at {path}. Load exports first with "
                f"`salesfunnel load PATH --db {path}`."
            ) from None
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            raise DatabaseError(
                f"Cannot create the database {path}: the folder {parent} does not exist."
            ) from None
        if not os.access(parent, os.W_OK | os.X_OK):
            raise DatabaseError(
                f"Cannot create the database {path}: the folder {parent} is not writable."
            ) from None
        return False
    except OSError as exc:
        raise DatabaseError(
            f"Cannot use the database {path}: {exc.strerror or exc}."
        ) from None
    if stat.S_ISDIR(info.st_mode):
        raise DatabaseError(f"The database path {path} is a folder, not a file.")
    if not stat.S_ISREG(info.st_mode):
        raise DatabaseError(
            f"The database path {path} is not a regular file (a pipe, device or socket); "
            "give the path of a database file or of a new one."
        )
    if info.st_size == 0:
        raise DatabaseError(
            f"{path} is an empty file, not a salesfunnel database (salesfunnel leaves it "
            "untouched). Remove it, or give --db another path."
        )
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise DatabaseError(f"Cannot read the database {path}: {exc.strerror or exc}.") from None
    if head[8:12] != DUCKDB_MAGIC:
        raise DatabaseError(
            f"{path} is not a DuckDB database file (it looks like a {_looks_like(path, head)}); "
            "salesfunnel leaves it untouched. Give --db the path of a database file "
            "(e.g. salesfunnel.duckdb)."
        )
    return True


def _looks_like(path: Path, head: bytes) -> str:
    """What the first bytes of a file that is no DuckDB database suggest it is (by its
    content: a file named .duckdb that holds text is a text file)."""
    for magic, what in ((b"PAR1", "Parquet file"), (b"PK\x03\x04", "zip archive or Excel workbook"),
                        (b"SQLite format 3", "SQLite database")):
        if head.startswith(magic):
            return what
    text = head.decode("utf-8", errors="replace")
    if all(ch.isprintable() or ch in "\r\n\t" for ch in text) and "\ufffd" not in text:
        return "text file"
    suffix = path.suffix.lower().lstrip(".")
    return f"{suffix.upper()} file" if suffix and suffix not in ("duckdb", "db") else "data file"


def check_output_path(output: Path | None, database: Path) -> None:
    """A report's --output must not be the database it reads (a folder is refused by
    check_replaceable, as for every file a command writes)."""
    if output is None:
        return
    problem = _name_problem(output)
    if problem:
        raise UsageError(f"Cannot write {os.fsdecode(output)!r}: {problem}.")
    # DuckDB's write-ahead log beside the database: the next opening replays and then
    # deletes it, so a report written there would vanish (or corrupt the database)
    wal = database.with_name(database.name + ".wal")
    for target, what in ((database, "the database"), (wal, "the write-ahead log of the database")):
        try:
            same = output.resolve() == target.resolve() or (
                output.exists() and target.exists() and os.path.samefile(output, target)
            )
        except OSError:
            same = False
        if same:
            raise UsageError(
                f"--output {output} is {what} this report reads; writing the report there "
                "would destroy it. Choose another file name."
            )


# -- the user's files are never destroyed ---------------------------------------------
# A command that writes into a path the user names (init --out, pack --out, sample --out, -o)
# first asks `check_replaceable`: it may replace only what salesfunnel wrote there and
# nobody changed since. A file salesfunnel writes alone (init's proposal) ends with a
# stamp line holding the SHA-256 of the text above it; a folder (the pack, the sample)
# holds WRITTEN_LIST, the SHA-256 of each file salesfunnel wrote into it (written.py).


def check_replaceable(
    target: Path, *, force: bool, flag: str, what: str, folder: bool = False
) -> None:
    """UsageError unless writing `what` to `target` (a file, or a folder: `folder`)
    destroys nothing of the user's: `target` is absent, or a file salesfunnel wrote (its
    stamp unchanged), or a folder holding only files salesfunnel wrote there and nobody
    changed. --force (`force`) writes anyway. A file where a folder is wanted is an
    InputError. The one check of every command that writes where it is told."""
    if folder and target.exists() and not target.is_dir():
        raise InputError(f"Cannot write {what} into {target}: it is a file, not a folder.")
    if not folder and target.is_dir():  # --force or not: a file never replaces a folder
        raise UsageError(FOLDER_FOR_FILE.format(flag=flag, path=target))
    if force or not target.exists():
        return
    if not folder and is_stream(target):
        return  # /dev/stdout, a FIFO, a device: written as it is, nothing to destroy
    if target.is_dir():
        foreign = foreign_files(target)
        if not foreign:
            return
        more = ", ..." if len(foreign) == 3 else ""
        raise UsageError(
            f"{flag} {target} holds files salesfunnel did not write there ({', '.join(foreign)}"
            f"{more}); writing {what} into it could replace them. Give a new or empty folder, "
            "or add --force to write into it anyway."
        )
    if stamped_unchanged(target) or listed_unchanged(target):
        return
    kind = "a database" if _is_database(target) else \
        "a file salesfunnel did not write (or one edited since)"
    raise UsageError(
        f"{flag} {target} is {kind}; writing {what} there would destroy it. Give another "
        "file name, or add --force to replace it."
    )


def _is_database(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(12)[8:12] == DUCKDB_MAGIC
    except OSError:
        return False


# -- a failed load leaves the database file as it was, byte for byte ------------------
# DuckDB writes the row groups of a large insert into new blocks at the end of the file
# before the commit ("optimistic writes"); a rollback frees them but the file keeps them:
# SIGTERM during a load of 1M deals left a 3.4 MB database 51 MB long, its rows unchanged.
# While the file's headers (its first three 4 KiB blocks: the file header and the two
# database headers, which hold the block count and the free list) are as before the
# load, no block past the old end is referenced, so the file is cut back to its length.
#
# Locks: DuckDB holds a POSIX (fcntl) lock on the file, and POSIX drops every lock a
# process holds on a file when the process closes any descriptor of it. So the state is
# read before the connection opens (a commit by another process in between changes the
# headers, and then nothing is cut), and the file is cut after the connection closed,
# under a lock of its own taken without waiting (another process that opened it in
# between is left alone).
DUCKDB_HEADERS_BYTES = 3 * 4096


def file_state(path: Path) -> tuple[int, bytes] | None:
    """(size, headers) of an existing database file, read before a load opens it."""
    try:
        with path.open("rb") as handle:
            return os.fstat(handle.fileno()).st_size, handle.read(DUCKDB_HEADERS_BYTES)
    except OSError:
        return None


def restore_length(path: Path, before: tuple[int, bytes]) -> None:
    """After a load that did not commit, its connection closed: cut the blocks it left
    past the file's old end, when the headers show nothing refers to them; else (a
    write-ahead log beside it, another process holding the file, no POSIX locks here) the
    file is left as DuckDB left it, its contents as before either way."""
    try:
        import fcntl
    except ImportError:
        return
    size, headers = before
    try:
        with path.open("r+b") as handle:
            try:
                fcntl.lockf(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return  # another process has opened the database since
            if os.fstat(handle.fileno()).st_size > size \
                    and handle.read(DUCKDB_HEADERS_BYTES) == headers \
                    and not Path(f"{path}.wal").exists():
                handle.truncate(size)
    except OSError:
        pass
