"""Files salesfunnel writes where the user tells it (pack --out, sample --out, init
--out, -o): whole or not at all (`written_whole`), and the record of what it wrote
(a stamp line in a file it writes alone, `WRITTEN_LIST` in a folder), which
paths.check_replaceable reads to tell salesfunnel's files from the user's."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


def stamped_unchanged(path: Path) -> bool:
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


def _matches(path: Path, digest: str | None) -> bool:
    """Whether the file at `path` has the SHA-256 `digest` (False when it is gone)."""
    try:
        return digest is not None and digest == _sha256(path.read_bytes())
    except OSError:
        return False


def listed_unchanged(path: Path) -> bool:
    """A file its folder's WRITTEN_LIST names with its current SHA-256 (a report's -o file
    written by salesfunnel, not changed since)."""
    return _matches(path, _written_list(path.parent).get(path.name))


def _written_list(folder: Path) -> dict[str, str]:
    import json

    try:
        listed = json.loads((folder / WRITTEN_LIST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return listed if isinstance(listed, dict) else {}


def _unchanged_entries(folder: Path) -> dict[str, str]:
    """The entries of `folder`'s WRITTEN_LIST whose files are still there unchanged."""
    return {name: digest for name, digest in _written_list(folder).items()
            if _matches(folder / name, digest)}


def _list_text(entries: dict[str, str]) -> str:
    import json

    return json.dumps(dict(sorted(entries.items())), indent=1) + "\n"


def foreign_files(folder: Path, limit: int = 3) -> list[str]:
    """Up to `limit` files in `folder` (and below) that salesfunnel did not write there,
    or changed since."""
    listed = _written_list(folder)
    foreign = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path == folder / WRITTEN_LIST:
            continue
        name = path.relative_to(folder).as_posix()
        if not _matches(path, listed.get(name)):
            foreign.append(name)
            if len(foreign) == limit:
                break
    return foreign


def _record_written(staging: Path, target: Path) -> None:
    """The WRITTEN_LIST of `target` once the files of `staging` are in it: each staged
    file's SHA-256, and the entries of earlier runs whose files are still there unchanged
    (written into `staging`, so it takes its place with the rest)."""
    listed = _unchanged_entries(target)
    for path in staging.rglob("*"):
        if path.is_file() and path.name != WRITTEN_LIST:
            listed[path.relative_to(staging).as_posix()] = _sha256(path.read_bytes())
    (staging / WRITTEN_LIST).write_text(_list_text(listed), encoding="utf-8")


def _list_written_file(path: Path) -> None:
    """Add the file just written at `path` to its folder's WRITTEN_LIST (replaced whole),
    keeping the entries whose files are still there unchanged."""
    folder = path.parent
    listed = _unchanged_entries(folder)
    listed[path.name] = _sha256(path.read_bytes())
    staged = _new_sibling(folder / WRITTEN_LIST, False)
    try:
        staged.write_text(_list_text(listed), encoding="utf-8")
        os.replace(staged, folder / WRITTEN_LIST)
    except BaseException:
        _remove(staged)
        raise


def write_failure(exc: BaseException) -> str | None:
    """Why writing a file failed, when `exc` is a failure to write (an OSError, or an I/O
    error a Polars writer wraps in its own ComputeError); None for any other error."""
    if isinstance(exc, OSError):
        return str(exc.strerror or exc)
    text = str(exc)
    if "io error" in text.lower() or "os error" in text.lower():
        return text.strip().splitlines()[0]
    return None


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
