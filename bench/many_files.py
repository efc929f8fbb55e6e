"""5,000 small files in one folder, loaded by one `salesfunnel load FOLDER`.

    python bench/many_files.py [--files 5000] [--rows 4]

Half the files are deals exports (`deals_0001.csv`: a few deals each, ids distinct
across files), half their stage histories (`stage_history_0001.csv`). Prints the wall
time of the load (a separate process) and the time per file next to the issue's target
(<= 20 s for 5,000 files), and checks every row was loaded.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import SALESFUNNEL, fmt_bytes, run_once  # noqa: E402

TARGET_S = 20.0
TARGET_FILES = 5_000
STAGES = ["lead", "qualified", "opportunity", "won"]


def write_files(folder: Path, files: int, rows: int) -> int:
    """The folder's files; returns the deals written."""
    pairs = files // 2
    deals = 0
    for number in range(1, pairs + 1):
        deal_lines, history_lines = [], []
        for row in range(rows):
            deal = f"D{number:05d}{row:02d}"
            reached = (number + row) % len(STAGES)
            deal_lines.append(
                f"{deal},Rep {number % 40},smb,web,Account {number},2026-0{1 + row % 9}-1{row % 10},"
                f"{STAGES[reached]},{'won' if reached == 3 else 'open'},,{1000 + row},"
            )
            history_lines += [
                f"{deal},{STAGES[s]},2026-0{1 + row % 9}-1{row % 10} 0{s}:00:00"
                for s in range(reached + 1)
            ]
            deals += 1
        (folder / f"deals_{number:04d}.csv").write_text(
            "deal_id,rep,tier,source,account,created_at,stage,status,lost_reason,amount,closed_at\n"
            + "\n".join(deal_lines) + "\n", encoding="utf-8")
        (folder / f"stage_history_{number:04d}.csv").write_text(
            "deal_id,stage,entered_at\n" + "\n".join(history_lines) + "\n", encoding="utf-8")
    return deals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=TARGET_FILES)
    parser.add_argument("--rows", type=int, default=4, help="deals per deals file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="many-files-") as scratch:
        folder = Path(scratch) / "exports"
        folder.mkdir()
        deals = write_files(folder, args.files, args.rows)
        db = Path(scratch) / "many.duckdb"
        result = run_once([SALESFUNNEL, "load", str(folder), "--db", str(db)], timeout=3600)
        loaded = None
        if result["code"] == 0:
            import duckdb

            with duckdb.connect(str(db), read_only=True) as conn:
                loaded = conn.execute("select count(*) from deals").fetchone()[0]
    files = 2 * (args.files // 2)
    target = TARGET_S * files / TARGET_FILES
    verdict = "met" if result["code"] == 0 and result["seconds"] <= target else "MISSED"
    print(f"many files: {files:,} files ({deals:,} deals): {result['seconds']:.2f} s = "
          f"{1000 * result['seconds'] / files:.1f} ms per file, peak RSS "
          f"{fmt_bytes(result['rss'])}, deals loaded {loaded} (target <= {target:g} s: {verdict})")
    if result["code"] != 0:
        print(result["stderr"][-2000:], file=sys.stderr)
    elif loaded != deals:
        print(f"expected {deals} deals, the database holds {loaded}", file=sys.stderr)
        return 1
    return 0 if verdict == "met" else 1


if __name__ == "__main__":
    sys.exit(main())
