"""A deals file with a 100,000-column header (about 1.3 MB), loaded by `salesfunnel load`.

    python bench/wide_header.py [--columns 100000] [--rows 10]

The canonical deals columns come first, then `extra_000001` ... as unused columns (an
export with every custom field of the CRM). Prints the wall time and peak RSS of the
load (a separate process, GNU time when present) next to the issue's target (<= 5 s).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import SALESFUNNEL, fmt_bytes, run_once  # noqa: E402

TARGET_S = 5.0
CANONICAL = ["deal_id", "rep", "tier", "source", "account", "created_at", "stage", "status",
             "lost_reason", "amount", "closed_at"]


def write_file(path: Path, columns: int, rows: int) -> None:
    extra = columns - len(CANONICAL)
    header = CANONICAL + [f"extra_{i:06d}" for i in range(1, extra + 1)]
    blanks = "," * extra
    with path.open("w", encoding="utf-8") as out:
        out.write(",".join(header) + "\n")
        for n in range(rows):
            out.write(f"W{n:05d},Ann,smb,web,Acme,2026-01-0{n % 9 + 1},lead,open,,1000,{blanks}\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wide-header-") as folder:
        csv = Path(folder) / "deals.csv"
        write_file(csv, args.columns, args.rows)
        db = Path(folder) / "wide.duckdb"
        result = run_once([SALESFUNNEL, "load", str(csv), "--db", str(db)], timeout=600)
        size = csv.stat().st_size
    verdict = "met" if result["code"] == 0 and result["seconds"] <= TARGET_S else "MISSED"
    print(f"wide header: {args.columns:,} columns ({size / 1e6:.1f} MB), {args.rows} rows: "
          f"{result['seconds']:.2f} s, peak RSS {fmt_bytes(result['rss'])}, exit {result['code']}"
          f" (target <= {TARGET_S:g} s: {verdict})")
    if result["code"] != 0:
        print(result["stderr"][-2000:], file=sys.stderr)
    return 0 if verdict == "met" else 1


if __name__ == "__main__":
    sys.exit(main())
