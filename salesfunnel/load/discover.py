"""Which files a load reads: the paths given, folders expanded to their CSV files
(and Excel workbooks: .xlsx, .xlsm, .xls)."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from pathlib import Path

from salesfunnel.errors import InputError

SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls")


def expand_paths(paths: Iterable[str | Path], skip: tuple[str, ...] = ()) -> tuple[list[Path], list[Path]]:
    """Files as given, folders as their *.csv files sorted by name, in argument order;
    folder files whose names match a `skip` pattern are set aside."""
    result: list[Path] = []
    skipped: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError(f"{path} does not exist.")
        if path.is_dir():
            try:
                found = sorted(
                    p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES
                )
            except PermissionError:
                raise InputError(f"{path}: permission denied; cannot list the folder.") from None
            if not found:
                raise InputError(
                    f"The folder {path} holds no .csv file (nor .xlsx, .xlsm, .xls). Point "
                    "salesfunnel load at the exported files or the folder that holds them."
                )
            for item in found:
                if any(fnmatch.fnmatch(item.name, pattern) for pattern in skip):
                    skipped.append(item)
                else:
                    result.append(item)
        else:
            result.append(path)
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


