"""Paths checked once, before anything is opened or written: the database file and
report output files.

A database path must be a regular DuckDB file or a new path in an existing folder:
a FIFO or device would hang or be consumed, and a CSV/Parquet/JSON file would be
opened by DuckDB as an in-memory view and a load "succeed" without storing anything.
A report's output file must not be the database it reads.

What a command writes where the user tells it (pack --out, sample --out, init --out, -o)
appears whole or not at all (`written_whole`), and never replaces the user's files
(`check_replaceable`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from salesfunnel.errors import DatabaseError, InputError, UsageError

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
    """A report's --output must not be the database it reads (nor a folder)."""
    if output is None:
        return
    problem = _name_problem(output)
    if problem:
        raise UsageError(f"Cannot write {os.fsdecode(output)!r}: {problem}.")
    try:
        same = output.resolve() == database.resolve() or (
            output.exists() and database.exists() and os.path.samefile(output, database)
        )
    except OSError:
        same = False
    if same:
        raise UsageError(
            f"--output {output} is the database this report reads; writing the report there "
            "would destroy it. Choose another file name."
        )
    if output.is_dir():
        raise UsageError(f"--output {output} is a folder; give a file name.")


# -- the user's files are never destroyed ---------------------------------------------
# A command that writes into a path the user names (init --out, pack --out, sample --out)
# first asks `check_replaceable`: it may replace only what salesfunnel wrote there and
# nobody changed since. A file salesfunnel writes alone (init's proposal) ends with a
# stamp line holding the SHA-256 of the text above it; a folder (the pack, the sample)
# holds WRITTEN_LIST, the SHA-256 of each file salesfunnel wrote into it.
WRITTEN_LIST = ".salesfunnel-written"
_STAMP = "# written by salesfunnel; edits above this line make it yours: sha256 "
_MAX_STAMPED_BYTES = 16 * 1024 * 1024


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def stamp(text: str) -> str:
    """`text` (a file salesfunnel writes alone) with its stamp line at the end."""
    if text and not text.endswith("\n"):
        text += "\n"
    return f"{text}{_STAMP}{_sha256(text.encode('utf-8'))}\n"


def _stamped_unchanged(path: Path) -> bool:
    try:
        if path.stat().st_size > _MAX_STAMPED_BYTES:
            return False
        data = path.read_bytes()
    except OSError:
        return False
    body, _, last = data.rstrip(b"\n").rpartition(b"\n")
    body += b"\n"
    prefix = _STAMP.encode("utf-8")
    return last.startswith(prefix) and last[len(prefix):].decode("ascii", "replace") == _sha256(body)


def _listed_unchanged(path: Path) -> bool:
    """A file its folder's WRITTEN_LIST names with its current SHA-256 (a report's -o file
    written by salesfunnel, not changed since)."""
    digest = _written_list(path.parent).get(path.name)
    try:
        return digest is not None and digest == _sha256(path.read_bytes())
    except OSError:
        return False


def _list_written_file(path: Path) -> None:
    """Add the file just written at `path` to its folder's WRITTEN_LIST (replaced whole),
    keeping the entries whose files are still there unchanged."""
    import json

    folder = path.parent
    listed = {name: digest for name, digest in _written_list(folder).items()
              if name != path.name and _listed_unchanged(folder / name)}
    listed[path.name] = _sha256(path.read_bytes())
    staged = _new_sibling(folder / WRITTEN_LIST, False)
    try:
        staged.write_text(json.dumps(dict(sorted(listed.items())), indent=1) + "\n",
                          encoding="utf-8")
        os.replace(staged, folder / WRITTEN_LIST)
    except BaseException:
        _remove(staged)
        raise


def _written_list(folder: Path) -> dict[str, str]:
    import json

    try:
        listed = json.loads((folder / WRITTEN_LIST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return listed if isinstance(listed, dict) else {}


def _foreign_files(folder: Path, limit: int = 3) -> list[str]:
    """Up to `limit` files in `folder` (and below) that salesfunnel did not write there,
    or changed since."""
    listed = _written_list(folder)
    foreign = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path == folder / WRITTEN_LIST:
            continue
        name = path.relative_to(folder).as_posix()
        try:
            unchanged = name in listed and listed[name] == _sha256(path.read_bytes())
        except OSError:
            unchanged = False
        if not unchanged:
            foreign.append(name)
            if len(foreign) == limit:
                break
    return foreign


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
    if force or not target.exists():
        return
    if not folder and is_stream(target):
        return  # /dev/stdout, a FIFO, a device: written as it is, nothing to destroy
    if target.is_dir():
        foreign = _foreign_files(target)
        if not foreign:
            return
        more = ", ..." if len(foreign) == 3 else ""
        raise UsageError(
            f"{flag} {target} holds files salesfunnel did not write there ({', '.join(foreign)}"
            f"{more}); writing {what} into it could replace them. Give a new or empty folder, "
            "or add --force to write into it anyway."
        )
    if _stamped_unchanged(target) or _listed_unchanged(target):
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


def _record_written(staging: Path, target: Path) -> None:
    """The WRITTEN_LIST of `target` once the files of `staging` are in it: each staged
    file's SHA-256, and the entries of earlier runs whose files are still there unchanged
    (written into `staging`, so it takes its place with the rest)."""
    import json

    listed = {}
    for name, digest in _written_list(target).items():
        try:
            if _sha256((target / name).read_bytes()) == digest:
                listed[name] = digest
        except OSError:
            pass
    for path in staging.rglob("*"):
        if path.is_file() and path.name != WRITTEN_LIST:
            listed[path.relative_to(staging).as_posix()] = _sha256(path.read_bytes())
    (staging / WRITTEN_LIST).write_text(
        json.dumps(dict(sorted(listed.items())), indent=1) + "\n", encoding="utf-8"
    )


# -- written whole or not at all ----------------------------------------------------------
_STAGING = ".salesfunnel-staging-"


def is_stream(path: Path) -> bool:
    """/dev/stdout, /dev/fd/N and the like, a FIFO or a device: written as it is (never
    replaced by a rename, which would leave the shell's redirection writing nowhere)."""
    text = os.fsdecode(path)
    if text.startswith(("/dev/", "/proc/self/fd/")):
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextmanager
def written_whole(target: Path, *, folder: bool = False, listed: bool = False) -> Iterator[Path]:
    """Where to write `target` (a file, or a folder: `folder`) so that it appears whole or
    not at all. The block writes into the path given, a new hidden sibling of `target`
    (the same folder, so every move is a rename). When the block ends without an error,
    the staged file replaces `target` (os.replace); a staged folder is renamed to
    `target`, or, when `target` already holds files (an earlier pack, --force), each
    staged file replaces its namesake, the old ones kept aside until the last is in
    place and put back if any move fails. A folder gets its WRITTEN_LIST here. On any
    error (Ctrl-C too) the staging is removed and the disk is as it was: no partial
    file or folder, an existing one unchanged, the parent folders made for it removed.
    A target that is not a regular file (a FIFO, /dev/stdout) is written as it is. A
    file `listed` (a report's -o) is added to its folder's WRITTEN_LIST once in place, so
    the next run may replace it (check_replaceable) while nobody changed it."""
    if not folder and is_stream(target):
        yield target
        return
    if target.is_symlink():  # the file or folder it points to is replaced, not the link
        target = Path(os.path.realpath(target))
    if not folder and target.exists() and not target.is_file():
        yield target
        return
    made = _make_parents(target.parent) if folder else []
    try:
        staging = _new_sibling(target, folder)
    except BaseException:
        _remove_folders(made)
        raise
    try:
        yield staging
        if folder:
            _record_written(staging, target)
            _move_in(staging, target)
        else:
            if target.exists():
                import shutil

                shutil.copymode(target, staging)
            os.replace(staging, target)
            if listed:
                _list_written_file(target)
    except BaseException:
        _remove(staging)
        _remove_folders(made)
        raise
    _remove(staging)  # what is left of a staged folder moved file by file: empty folders


def _make_parents(folder: Path) -> list[Path]:
    """Make `folder` and its missing parents; returns the folders made, outermost first."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    made = []
    try:
        for path in reversed(missing):
            path.mkdir()
            made.append(path)
    except BaseException:
        _remove_folders(made)
        raise
    return made


def _remove_folders(made: list[Path]) -> None:
    for path in reversed(made):
        try:
            path.rmdir()
        except OSError:
            pass


def _new_sibling(target: Path, folder: bool) -> Path:
    """A new hidden file or folder beside `target`, named after it (its suffix kept: a
    writer may look at it), created so no other process takes the same name."""
    import secrets

    stem = target.stem if not folder else target.name
    suffix = "" if folder else target.suffix[:16]
    while True:
        path = target.parent / f".{stem[:48]}{_STAGING}{secrets.token_hex(4)}{suffix}"
        try:
            if folder:
                path.mkdir()
            else:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
            return path
        except FileExistsError:
            continue


def _remove(path: Path) -> None:
    import shutil

    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _move_in(staging: Path, target: Path) -> None:
    """The staged folder's files into `target`: a rename of the folder when `target` is
    absent; else file by file, WRITTEN_LIST last, each old file kept aside and put back
    (the folders made removed) if any move fails."""
    if not target.exists():
        os.rename(staging, target)
        return
    staged = sorted(
        (path for path in staging.rglob("*") if path.is_file()),
        key=lambda path: (path.name == WRITTEN_LIST, path.relative_to(staging).as_posix()),
    )
    backup = _new_sibling(target, True)
    placed: list[tuple[Path, Path | None]] = []  # (file in target, its old version)
    made: list[Path] = []
    try:
        for source in staged:
            relative = source.relative_to(staging)
            destination = target / relative
            made += _make_parents(destination.parent)
            old = None
            if destination.exists() or destination.is_symlink():
                old = backup / relative
                old.parent.mkdir(parents=True, exist_ok=True)
                os.replace(destination, old)
            placed.append((destination, old))
            os.replace(source, destination)
    except BaseException:
        for destination, old in reversed(placed):
            try:
                if old is None:
                    destination.unlink(missing_ok=True)
                else:
                    os.replace(old, destination)
            except OSError:
                pass
        _remove_folders(made)
        raise
    finally:
        _remove(backup)
