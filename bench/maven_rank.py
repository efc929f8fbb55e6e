"""`rank --month 2017-06` on Maven Analytics' public CRM data set against an independent
count in plain DuckDB SQL on the CSV (issue 21). Run by `make realdata`:

    python bench/maven_rank.py ../shared/data/maven-crm

The independent count: no created_at in the data, so no Prospecting entries at all;
Engaging = deals whose engage_date is in June 2017; Won = deals with deal_stage Won and
close_date in June 2017 (won_amount their close_value); lost = deal_stage Lost and
close_date in June 2017. Prints both per rep and exits 1 on any difference.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
INDEPENDENT = """
select
    sales_agent as rep,
    0 as prospecting,
    count(*) filter (where engage_date >= date '2017-06-01' and engage_date < date '2017-07-01')
        as engaging,
    count(*) filter (where deal_stage = 'Won' and close_date >= date '2017-06-01'
        and close_date < date '2017-07-01') as won,
    coalesce(sum(close_value) filter (where deal_stage = 'Won'
        and close_date >= date '2017-06-01' and close_date < date '2017-07-01'), 0) as won_amount,
    count(*) filter (where deal_stage = 'Lost' and close_date >= date '2017-06-01'
        and close_date < date '2017-07-01') as lost
from read_csv(?, header = true)
group by sales_agent
having engaging + won + lost > 0
order by rep
"""


def main(folder: str) -> int:
    data = Path(folder)
    expected = [
        {"rep": r[0], "Prospecting": r[1], "Engaging": r[2], "Won": r[3],
         "won_amount": float(r[4]), "lost": r[5]}
        for r in duckdb.connect().execute(
            INDEPENDENT, [str(data / "sales_pipeline.csv")]).fetchall()
    ]
    tool = Path(sys.executable).parent / "salesfunnel"
    with tempfile.TemporaryDirectory() as scratch:
        db = Path(scratch) / "maven.duckdb"
        subprocess.run([tool, "load", "--quiet", "--config", ROOT / "examples/maven-crm.toml",
                        data, "--db", db], check=True)
        out = subprocess.run([tool, "rank", "--month", "2017-06", "-f", "json", "--db", db],
                             check=True, capture_output=True, text=True).stdout
    fields = ("rep", "Prospecting", "Engaging", "Won", "won_amount", "lost")
    actual = sorted(({k: row[k] for k in fields} for row in json.loads(out)),
                    key=lambda row: row["rep"])
    for name in fields[1:]:
        print(f"{name}: rank {sum(r[name] for r in actual)}, "
              f"independent {sum(r[name] for r in expected)}")
    print(f"reps: rank {len(actual)}, independent {len(expected)}")
    if actual != expected:
        for got, want in zip(actual, expected, strict=False):
            if got != want:
                print(f"differs: rank {got} vs independent {want}")
        return 1
    print("rank --month 2017-06 equals the independent count for every rep")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT.parent / "shared/data/maven-crm")))
