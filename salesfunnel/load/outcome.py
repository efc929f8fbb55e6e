"""What a load was asked (LoadOptions) and what it did, per file and in all
(FileReport, LoadReport): the CLI renders these; orchestrate.py fills them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from salesfunnel.config import Funnel
from salesfunnel.load import snapshots

MAX_REASONS_SHOWN = 3  # a file's first reject reasons in its FileReport


@dataclass
class FileReport:
    """What happened to one file."""

    path: Path
    kind: str
    preset: str = "canonical"
    encoding: str = "utf-8"
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    duplicates: int = 0
    orphans: int = 0
    history_rows: int = 0  # stage entries taken from a deals file's date columns
    deleted: int = 0  # records flagged deleted (IsDeleted, _fivetran_deleted, ...): skipped
    deleted_column: str | None = None
    nul_bytes: int = 0  # NUL bytes in columns the load does not use (ignored)
    first_nul_offset: int | None = None
    why: str | None = None  # why the preset was chosen when another layout also fits
    top_reason: str | None = None  # the most common reject reason (with its count)
    date_order: str | None = None
    decimal_mark: str | None = None  # "," when the file's amounts have a decimal comma
    skipped_unchanged: bool = False
    empty_full_export: bool = False  # a full deals export of no rows: it removed nothing
    first_reasons: list[str] = field(default_factory=list)
    snapshot: snapshots.SnapshotCounts | None = None  # deals files: as-of and changes
    notices: list[str] = field(default_factory=list)  # from the file's plan (no owner, ...)


@dataclass
class LoadReport:
    files: list[FileReport]
    orphan_history_rows: int
    strict: bool
    funnel: Funnel
    skipped_files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what folders hold but was not read
    # the funnel stages no loaded deal has a date for, and what would give them
    undated_note: str | None = None
    # the deals in a currency without a rate: loaded with an unknown amount
    currency_note: str | None = None

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)


@dataclass(frozen=True)
class LoadOptions:
    """What the user asked of the load."""

    preset: str = "auto"
    kind: str | None = None
    strict: bool = False
    force: bool = False
    encoding: str | None = None
    date_order: str | None = None  # mdy or dmy for slash dates
    as_of: dt.datetime | None = None  # deals files: the export time (else from name or mtime)
    full: bool = False  # deals files list every deal of the CRM (also config full_exports)
    kinds_by_path: tuple[tuple[str, str], ...] = ()  # --kind KIND=PATH: (path, kind)
