"""`salesfunnel sample`: a believable synthetic CRM export in canonical format.

The data is made in DuckDB by queries/sample/sample.sql (hash-based randomness, so the
same seed gives the same files) and written by Polars.
"""

from __future__ import annotations

from pathlib import Path

from salesfunnel.db import memory_database, quote_ident
from salesfunnel.sqltree import sql_text

# file name -> (table, columns); the two deals exports are named by their as-of (the
# time in the name is part of it), a month apart, so `movement` has snapshots to read
SAMPLE_FILES = {
    "deals_2026-09-30_2300.csv": ("sample_deals_first", None),
    "deals_2026-10-31_2300.csv": ("sample_deals", None),
    "stage_history.csv": ("sample_history", None),
    "accounts.csv": ("sample_accounts", ["account", "tier", "employees"]),
    "reps.csv": ("sample_reps", ["rep", "team", "manager"]),
    "subscriptions.csv": ("sample_subscriptions", None),
}


def write_sample(out: Path, *, deals: int = 3000, seed: int = 7) -> list[tuple[Path, int]]:
    """Write the deals exports as of 2026-09-30 23:00 and 2026-10-31 23:00
    (deals_<as-of>.csv), stage_history.csv, accounts.csv, reps.csv and subscriptions.csv
    into `out`. An OSError is the caller's to name (`sample --out` writes into a staging
    folder, written.written_whole)."""
    out.mkdir(parents=True, exist_ok=True)
    db = memory_database()
    try:
        db.run_script(sql_text("sample/sample"), {"seed": seed, "deals": deals})
        written = []
        for name, (table, columns) in SAMPLE_FILES.items():
            frame = db.bulk_frame(f"select * from {quote_ident(table)}")
            if columns:
                frame = frame.select(columns)
            path = out / name
            frame.write_csv(path)
            written.append((path, frame.height))
        return written
    finally:
        db.close()
