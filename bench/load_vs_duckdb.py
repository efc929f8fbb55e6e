"""Issue 24's load figures, each against bare DuckDB on the same files in the same run.

    python bench/load_vs_duckdb.py                      # 1M deals and 1,000 small files, 3 rounds
    python bench/load_vs_duckdb.py --parts many --rounds 5
    python bench/load_vs_duckdb.py --parts 10m --rounds 1   # the 10M load's time and peak RSS
    python bench/load_vs_duckdb.py --baseline /tmp/base     # also a copy of other code

The machine is shared (other work runs tests on the same cores), so a single timing
says little: each round runs the bare-DuckDB floor and `salesfunnel load` back to
back (and the baseline code when given), and the figure is the median over the
rounds of the ratio within a round, next to the median times.

- `1m`: bench/generate.py's 1M deals (`deals.csv`, 3.2M rows of `stage_history.csv`)
  loaded into a new database; the floor is `create table ... as select * from
  read_csv(file)` per file into a new database file (bench/run.py's floor).
- `many`: 1,000 files of 10 deals each (500 deals files, 500 stage-history files, as
  bench/many_files.py writes them) loaded by one `salesfunnel load FOLDER`; the floor
  is bare DuckDB loading the same files (one `read_csv` of each kind's list of files).
  Target <= 4 s.
- `10m`: 10M deals; the figure is the load's peak RSS (target <= 3 GB), with the
  ratio to the floor.

Each process's wall time and peak RSS come from bench/run.py's `run_once` (GNU time).
The last line printed is JSON with every round.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402
from many_files import write_files  # noqa: E402
from run import DATA, FLOOR_SCRIPT, PYTHON, ROOT, SALESFUNNEL, fmt_bytes, remove_db  # noqa: E402

MANY_FLOOR = """
import sys, glob, duckdb
con = duckdb.connect(sys.argv[1])
folder = sys.argv[2]
for table, pattern in (("deals", "deals_*.csv"), ("stage_history", "stage_history_*.csv")):
    files = sorted(glob.glob(f"{folder}/{pattern}"))
    con.execute(f"create table {table} as select * from read_csv(?)", [files])
con.close()
"""

def run_once(cmd: list[str], env: dict | None = None, timeout: float = 7200) -> dict:
    """Wall time, CPU time (user + system, every thread) and peak RSS of `cmd`. The
    CPU time is the steadier figure while other work shares the cores."""
    with tempfile.NamedTemporaryFile("w+", prefix="bench-time-") as out, \
            tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", out.name, *cmd],
                              stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=ROOT,
                              timeout=timeout)
        seconds = time.perf_counter() - started
        rss_kb, user, system = Path(out.name).read_text().split()[-3:]
        err.seek(0)
        return {"seconds": seconds, "cpu": float(user) + float(system),
                "rss": int(rss_kb) * 1024, "code": proc.returncode,
                "stderr": err.read().decode("utf-8", "replace")}


TARGETS = {"1m": ("ratio", 1.5), "many": ("seconds", 4.0), "10m": ("rss", 3e9)}


def baseline_cmd(baseline: Path | None) -> list[str] | None:
    """`salesfunnel` run from another copy of the code: first on sys.path (PYTHONPATH would
    come after the working folder, this checkout, which `python -c` puts first)."""
    if baseline is None:
        return None
    return [PYTHON, "-c", f"import sys; sys.path.insert(0, {str(baseline)!r}); "
            "import salesfunnel.load.records; "
            f"assert salesfunnel.load.records.__file__.startswith({str(baseline)!r}); "
            "from salesfunnel.console import main; sys.argv[0] = 'salesfunnel'; main()"]


def run_load(cmd: list[str], db: Path, env: dict | None = None) -> dict:
    remove_db(db)
    result = run_once([*cmd, "--db", str(db), "--quiet"], env=env)
    remove_db(db)
    if result["code"] != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{result['stderr'][-2000:]}")
    return result


def run_floor(script: str, db: Path, *args: str) -> dict:
    remove_db(db)
    result = run_once([PYTHON, "-c", script, str(db), *args])
    remove_db(db)
    if result["code"] != 0:
        raise SystemExit(f"the floor failed:\n{result['stderr'][-2000:]}")
    return result


def part(name: str, rounds: int, baseline: Path | None, work: Path, files: int = 1000) -> dict:
    if name == "many":
        folder = work / "many"
        if not folder.exists():
            folder.mkdir()
            write_files(folder, files, 10)
        load_args = [str(folder)]
        floor = (MANY_FLOOR, str(folder))
    else:
        deals = {"1m": 1_000_000, "10m": 10_000_000}[name]
        folder = DATA / name
        generate.ensure(deals, folder, seed=1)
        load_args = [str(folder)]
        floor = (FLOOR_SCRIPT, str(folder / "deals.csv"), str(folder / "stage_history.csv"))
    db = work / f"{name}.duckdb"
    env = None
    results: list[dict] = []
    for number in range(1, rounds + 1):
        row = {"floor": run_floor(floor[0], work / "floor.duckdb", *floor[1:])}
        row["load"] = run_load([SALESFUNNEL, "load", *load_args], db)
        if baseline is not None:
            row["baseline"] = run_load([*baseline_cmd(baseline), "load", *load_args], db, env)
        row = {k: {"seconds": v["seconds"], "cpu": v["cpu"], "rss": v["rss"]}
               for k, v in row.items()}
        row["ratio"] = row["load"]["seconds"] / row["floor"]["seconds"]
        row["cpu_ratio"] = row["load"]["cpu"] / row["floor"]["cpu"]
        if baseline is not None:
            row["baseline_ratio"] = row["baseline"]["seconds"] / row["floor"]["seconds"]
            row["baseline_cpu_ratio"] = row["baseline"]["cpu"] / row["floor"]["cpu"]
        with open("/proc/loadavg") as handle:
            row["loadavg"] = handle.read().split()[0]
        results.append(row)
        extra = (f"; baseline {row['baseline']['seconds']:.2f} s = {row['baseline_ratio']:.2f}x "
                 f"(CPU {row['baseline']['cpu']:.2f} s = {row['baseline_cpu_ratio']:.2f}x)"
                 if baseline is not None else "")
        print(f"  {name} round {number}: floor {row['floor']['seconds']:.2f} s (CPU "
              f"{row['floor']['cpu']:.2f} s), load {row['load']['seconds']:.2f} s = "
              f"{row['ratio']:.2f}x (CPU {row['load']['cpu']:.2f} s = {row['cpu_ratio']:.2f}x), "
              "peak RSS "
              f"{fmt_bytes(row['load']['rss'])}{extra} (load average {row['loadavg']})",
              flush=True)
    summary = {
        "part": name,
        "rounds": results,
        "median_ratio": statistics.median(r["ratio"] for r in results),
        "median_load_s": statistics.median(r["load"]["seconds"] for r in results),
        "median_floor_s": statistics.median(r["floor"]["seconds"] for r in results),
        "median_cpu_ratio": statistics.median(r["cpu_ratio"] for r in results),
        "median_load_cpu_s": statistics.median(r["load"]["cpu"] for r in results),
        "median_floor_cpu_s": statistics.median(r["floor"]["cpu"] for r in results),
        "max_load_rss": max(r["load"]["rss"] or 0 for r in results),
    }
    if baseline is not None:
        summary["median_baseline_ratio"] = statistics.median(r["baseline_ratio"] for r in results)
        summary["median_baseline_s"] = statistics.median(
            r["baseline"]["seconds"] for r in results)
        summary["median_baseline_cpu_ratio"] = statistics.median(
            r["baseline_cpu_ratio"] for r in results)
        summary["median_baseline_cpu_s"] = statistics.median(
            r["baseline"]["cpu"] for r in results)
    kind, goal = TARGETS[name]
    value = {"ratio": summary["median_ratio"], "seconds": summary["median_load_s"],
             "rss": summary["max_load_rss"]}[kind]
    summary["target"] = f"{kind} <= {goal:g}"
    summary["met"] = value <= goal
    print(f"{name}: median load {summary['median_load_s']:.2f} s, floor "
          f"{summary['median_floor_s']:.2f} s, median ratio {summary['median_ratio']:.2f}x; CPU "
          f"{summary['median_load_cpu_s']:.2f} s against {summary['median_floor_cpu_s']:.2f} s "
          f"= {summary['median_cpu_ratio']:.2f}x"
          + (f" (baseline {summary['median_baseline_ratio']:.2f}x, "
             f"{summary['median_baseline_s']:.2f} s; CPU {summary['median_baseline_cpu_s']:.2f} s "
             f"= {summary['median_baseline_cpu_ratio']:.2f}x)" if baseline is not None else "")
          + f", peak RSS {fmt_bytes(summary['max_load_rss'])}; target {summary['target']}: "
          f"{'met' if summary['met'] else 'MISSED'}", flush=True)
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="1m,many", help="1m, many, 10m (comma-separated)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--files", type=int, default=1000, help="files of `many` (the "
                        "target is for 1,000)")
    parser.add_argument("--baseline", type=Path, help="a copy of other code (e.g. `git archive "
                        "main`), run the same way in each round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="load-vs-duckdb-", dir=DATA) as scratch:
        summaries = [part(name, args.rounds, args.baseline, Path(scratch), args.files)
                     for name in args.parts.split(",")]
    print(json.dumps(summaries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
