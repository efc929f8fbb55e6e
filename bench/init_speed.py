"""`salesfunnel init` against `salesfunnel load` of the same files (issue 23: init within
2x the load).

    python bench/init_speed.py [--repeats 3]

Two shapes: a HubSpot-like export of 20 rows x 97 columns (most of them custom
properties of mixed values), and a folder of 5,000 deals written by `salesfunnel sample`.
Each command runs in its own process, init and load back to back, `--repeats` times; the
medians and their ratio are printed (a ratio, so a busy machine slows both alike).
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import SALESFUNNEL, run_once  # noqa: E402

TARGET_RATIO = 2.0
STAGES = ["Appointment Scheduled", "Qualified To Buy", "Closed Won", "Closed Lost"]


def write_wide(path: Path, rows: int = 20, extra: int = 89) -> None:
    rng = random.Random(23)
    header = ["Record ID", "Deal Name", "Deal Stage", "Amount", "Create Date", "Close Date",
              "Deal owner", "Pipeline"] + [f"Property {i}" for i in range(1, extra + 1)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in range(rows):
            writer.writerow(
                [str(row + 1), f"Deal {row}", rng.choice(STAGES), str(100 * (row + 1)),
                 "2026-01-05 10:00", "", rng.choice(["Ann Lee", "Bob Ray"]), "Sales Pipeline"]
                + [rng.choice(["text", "12", "2026-01-01", "", "03/04/2026", "1.5"])
                   for _ in range(extra)]
            )


def timed(cmd: list[str]) -> float:
    result = run_once(cmd)
    if result["code"] != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return result["seconds"]


def measure(name: str, paths: list[Path], folder: Path, repeats: int) -> tuple[float, float]:
    inits, loads = [], []
    for n in range(repeats):
        proposal, db = folder / f"{name[:2]}-proposal-{n}.toml", folder / f"{name[:2]}-{n}.duckdb"
        inits.append(timed([SALESFUNNEL, "init", *map(str, paths), "--out", str(proposal)]))
        loads.append(timed([SALESFUNNEL, "load", *map(str, paths), "--db", str(db),
                            "--config", str(proposal)]))
    init, load = statistics.median(inits), statistics.median(loads)
    ratio = init / load
    verdict = "meets" if ratio <= TARGET_RATIO else "misses"
    print(f"{name:<28} init {init:6.2f} s   load {load:6.2f} s   init/load {ratio:4.2f}x "
          f"({verdict} <= {TARGET_RATIO:g}x)")
    return init, load


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="init-speed-") as name:
        folder = Path(name)
        wide = folder / "all-deals.csv"
        write_wide(wide)
        measure("20 rows x 97 columns", [wide], folder, args.repeats)
        deals = folder / "sample"
        timed([SALESFUNNEL, "sample", "--out", str(deals), "--deals", "5000"])
        measure("5,000-deal folder (sample)", [deals], folder, args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
