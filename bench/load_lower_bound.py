"""How close to bare DuckDB any load that keeps salesfunnel's data could come (issue 24).

    python bench/load_lower_bound.py                 # 1M deals, 3 rounds
    python bench/load_lower_bound.py --rounds 5 --with-load

Each round runs, as separate processes on bench/generate.py's 1M deals (deals.csv and
3.2M rows of stage_history.csv), each into a new database file:

- `floor`: bare DuckDB, `create table ... as select * from read_csv(file)` per file
  (the floor of bench/load_vs_duckdb.py, the 1.5x target's yardstick);
- `text`: the same files read with every column as text (`all_varchar`) into tables;
- `ideal`: a load stripped to what salesfunnel must store, with nothing else: one
  pass per file from `read_csv` to typed, trimmed columns (the labels in lower case,
  the amounts as decimals, the dates parsed in the one format these files use), the
  history de-duplicated, and the first export's snapshot rows (deal, as-of, stage,
  status, amount). No value is checked, no problem is listed, no footer or repeated
  header is looked for, no date format is chosen, nothing is merged with stored data
  and no per-deal fact cache is built;
- with `--with-load`, `salesfunnel load` of the same folder.

The figure is the median over the rounds of each run's time divided by the floor's in
its round. `ideal` is a lower bound for any load that keeps the deals, their history
and the export's snapshots typed: whatever the real load does besides (the checks that
report every bad cell by file, line and column, the merge with earlier exports, the
fact caches that keep reports fast) comes on top of it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402
from load_vs_duckdb import run_floor, run_load  # noqa: E402
from run import DATA, FLOOR_SCRIPT, SALESFUNNEL  # noqa: E402

# the floor with every column read as text
TEXT_SCRIPT = FLOOR_SCRIPT.replace("read_csv(?)", "read_csv(?, all_varchar = true)")
assert TEXT_SCRIPT != FLOOR_SCRIPT

IDEAL_SCRIPT = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
deals, history = sys.argv[2:]
con.execute('''
create table deals as
select trim(deal_id) as deal_id, nullif(trim(rep), '') as rep, lower(trim(tier)) as tier,
       lower(trim(source)) as source, nullif(trim(account), '') as account,
       try_strptime(trim(created_at), '%Y-%m-%d %H:%M:%S') as created_at,
       lower(trim(stage)) as stage, lower(trim(status)) as status,
       nullif(trim(lost_reason), '') as lost_reason,
       try_cast(trim(amount) as decimal(18, 2)) as amount,
       try_cast(trim(closed_at) as date) as closed_at
from read_csv(?, all_varchar = true)''', [deals])
con.execute('''
create table stage_history as
select distinct trim(deal_id) as deal_id, lower(trim(stage)) as stage,
       try_strptime(trim(entered_at), '%Y-%m-%d %H:%M:%S') as entered_at
from read_csv(?, all_varchar = true)''', [history])
con.execute('''
create table deal_snapshots as
select deal_id, timestamp '2026-12-01 00:00:00' as as_of, stage, status, amount, closed_at
from deals''')
con.close()
"""

STEPS = {"floor": FLOOR_SCRIPT, "text": TEXT_SCRIPT, "ideal": IDEAL_SCRIPT}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--with-load", action="store_true",
                        help="Also time `salesfunnel load` of the same files in each round.")
    args = parser.parse_args()
    folder = DATA / "1m"
    generate.ensure(1_000_000, folder, seed=1)
    files = (str(folder / "deals.csv"), str(folder / "stage_history.csv"))
    rounds: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-lower-") as work:
        db = Path(work) / "bound.duckdb"
        for number in range(1, args.rounds + 1):
            row = {name: run_floor(script, db, *files) for name, script in STEPS.items()}
            if args.with_load:
                row["load"] = run_load([SALESFUNNEL, "load", str(folder)], db)
            row = {name: {"seconds": r["seconds"], "cpu": r["cpu"]} for name, r in row.items()}
            floor = row["floor"]["seconds"]
            print(f"  round {number}: " + ", ".join(
                f"{name} {r['seconds']:.2f} s = {r['seconds'] / floor:.2f}x (CPU {r['cpu']:.2f} s)"
                for name, r in row.items()), flush=True)
            rounds.append(row)
    summary = {name: {"median_seconds": statistics.median(r[name]["seconds"] for r in rounds),
                      "median_ratio": statistics.median(
                          r[name]["seconds"] / r["floor"]["seconds"] for r in rounds)}
               for name in rounds[0]}
    for name, figures in summary.items():
        print(f"{name}: median {figures['median_seconds']:.2f} s = "
              f"{figures['median_ratio']:.2f}x the floor", flush=True)
    print(json.dumps({"rounds": rounds, "summary": summary}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
