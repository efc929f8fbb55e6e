"""Which files a load reads: the paths given, folders expanded to their CSV files
(and workbooks: .xlsx, .xlsm, .xls, .ods), and those of their dated subfolders
(snapshots kept as 2021-08-25/deals.csv: the folder's date is the as-of)."""

from __future__ import annotations

import fnmatch
import stat
from collections.abc import Iterable
from pathlib import Path

from salesfunnel.errors import InputError
from salesfunnel.load.sheets import EXCEL_SUFFIXES
from salesfunnel.load.snapshots import as_of_from_name

SUFFIXES = (".csv", ".tsv", *EXCEL_SUFFIXES)


def expand_paths(
    paths: Iterable[str | Path], skip: tuple[str, ...] = (), notes: list[str] | None = None
) -> tuple[list[Path], list[Path]]:
    """Files as given, folders as their *.csv files sorted by name, then those of their
    dated subfolders (a date in the name, e.g. 2021-08-25/) in date order, in argument
    order; folder files whose names match a `skip` pattern are set aside. What a folder holds
    but is not read (subfolders, broken or looping links, pipes) is said in `notes`.
    A pipe or device given as a file is refused: a load reads each file more than once."""
    result: list[Path] = []
    skipped: list[Path] = []
    notes = notes if notes is not None else []
    for raw in paths:
        path = Path(raw)
        if path.is_symlink() and not path.exists():
            raise InputError(f"{path} is a symbolic link to a file that does not exist.")
        if not path.exists():
            raise InputError(f"{path} does not exist.")
        if path.is_dir():
            try:
                entries = sorted(path.iterdir())
                found = [p for p in entries if _export(p)]
                dated = sorted((p for p in entries if _dated_folder(p)),
                               key=lambda p: (as_of_from_name(p.name), p.name))
                for folder in dated:
                    inside = sorted(folder.iterdir())
                    found += [p for p in inside if _export(p)]
                    notes.extend(_not_read([p for p in inside if _lock_file(p)]))
            except PermissionError:
                raise InputError(f"{path}: permission denied; cannot list the folder.") from None
            notes.extend(_not_read([p for p in entries if p not in dated]))
            if not found:
                texts = [p.name for p in entries if p.is_file() and p.suffix.lower() == ".txt"]
                raise InputError(
                    f"The folder {path} holds no .csv file (nor {', '.join(SUFFIXES[1:])}). Point "
                    "salesfunnel load at the exported files or the folder that holds them."
                    + (f" Its .txt files ({', '.join(texts[:3])}{', ...' if len(texts) > 3 else ''})"
                       " are not read from a folder: an export saved as Excel's \"Unicode "
                       "Text\" is one, load it by name." if texts else "")
                )
            for item in found:
                if skipped_name(item.name, skip):
                    skipped.append(item)
                else:
                    result.append(item)
        else:
            _refuse_special(path)
            result.append(path)
    for path in result:
        _refuse_unencodable(path)
    seen: set[Path] = set()
    unique = []
    for path in result:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            unique.append(path)
    if not unique:
        raise InputError("Every CSV file given was skipped by the config's [files] skip list.")
    return unique, skipped




def skipped_name(name: str, skip: tuple[str, ...]) -> bool:
    """Whether [files] skip names this file or workbook sheet (`book.xlsx[Summary]`, as
    init writes it): the exact name, else a shell pattern (in which `[...]` is a class)."""
    return any(name == pattern or fnmatch.fnmatch(name, pattern) for pattern in skip)


def _lock_file(path: Path) -> bool:
    """Excel's owner file `~$deals.xlsx` (Word's, LibreOffice's `~$` too), written beside a
    workbook while it is open: no export, and no workbook at all."""
    return path.name.startswith("~$")


def _export(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in SUFFIXES and not _lock_file(path)


def _dated_folder(path: Path) -> bool:
    """A subfolder named by a date (2021-08-25, 20210825, 2021-08-25_1800): one snapshot."""
    return path.is_dir() and not path.is_symlink() and as_of_from_name(path.name) is not None


def _refuse_unencodable(path: Path) -> None:
    """A file name that is not valid UTF-8 (bytes the file system's encoding could not
    decode: a name written on another system) cannot be handed to DuckDB nor recorded
    in the database: the load is refused, naming the file as its bytes read."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        shown = str(path).encode("utf-8", "backslashreplace").decode("ascii", "replace")
        shown = shown.replace("\\udc", "\\x")  # the undecodable bytes as \xNN
        raise InputError(
            f"Cannot load {shown}: its name is not valid UTF-8 (written on a system with "
            "another encoding). Rename the file with UTF-8 characters only and load it "
            "again; nothing was loaded."
        ) from None


def _refuse_special(path: Path) -> None:
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        raise InputError(
            f"{path} is a pipe or device, not a file (e.g. `load /dev/stdin` or `load <(...)`). "
            "salesfunnel reads an export more than once: save it to a file and load that."
        )


def _not_read(entries: list[Path]) -> list[str]:
    """What a folder holds that looks like input but is not read, each said once."""
    notes = []
    for entry in entries:
        if entry.is_dir():
            notes.append(f"{entry}: a subfolder; not read (load it by name to include it; "
                         "a subfolder named by a date is read as that day's snapshot)")
        elif entry.is_symlink() and not entry.exists():
            notes.append(f"{entry}: a broken or looping symbolic link; not read")
        elif _lock_file(entry) and entry.suffix.lower() in SUFFIXES:
            notes.append(f"{entry}: an Office lock file (Excel writes it while a workbook is "
                         "open), not an export; not read")
        elif entry.suffix.lower() == ".txt" and entry.is_file():
            notes.append(f"{entry}: a .txt file; not read from a folder (an export saved as "
                         "Excel's \"Unicode Text\" is one: load it by name)")
        elif entry.suffix.lower() == ".csv" and entry.exists() and not entry.is_file():
            notes.append(f"{entry}: a pipe or device, not a file; not read")
    return notes
