"""Where a load's time goes: every SQL statement of one `salesfunnel load`, timed.

    python bench/load_phases.py bench/data/1m [--top 25] [--explain]

Runs the load in this process into a new database (a temporary folder), with
`Database`'s statement methods wrapped so that each statement's wall time is
recorded with its first words and the loader function that sent it. Prints the
total, the time outside SQL (Python, planning) and the slowest statements.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from salesfunnel import db as dbmod  # noqa: E402
from salesfunnel.db import open_database  # noqa: E402
from salesfunnel.load.orchestrate import load_paths  # noqa: E402

TIMES: list[tuple[float, str, str]] = []
PROFILE_DIR: Path | None = None
CPU = False  # --cpu: CPU time of the process (every thread) instead of wall time


def caller() -> str:
    for frame in reversed(traceback.extract_stack()[:-3]):
        if "/salesfunnel/" in frame.filename and not frame.filename.endswith("db.py"):
            return f"{Path(frame.filename).name}:{frame.name}:{frame.lineno}"
    return "?"


def wrap() -> None:
    original_run = dbmod.Database._run

    def timed_run(self, thunk):
        if PROFILE_DIR is not None:
            self.conn.execute("set enable_profiling = 'json'")
            self.conn.execute(f"set profiling_output = '{PROFILE_DIR}/{len(TIMES):04d}.json'")
        started = time.perf_counter() if not CPU else time.process_time()
        try:
            return original_run(self, thunk)
        finally:
            now = time.perf_counter() if not CPU else time.process_time()
            TIMES.append((now - started, caller(), getattr(self, "_last_sql", "")))
            # the next statement without text of its own (a commit at the end of a
            # transaction, the checkpoint of close) is not named after this one
            self._last_sql = "(no statement text: a commit, checkpoint or catalog call)"

    original_execute = dbmod.Database.execute
    original_fetchall = dbmod.Database.fetchall

    def execute(self, sql, params=None):
        self._last_sql = " ".join(sql.split())[:110]
        return original_execute(self, sql, params)

    def fetchall(self, sql, params=None):
        self._last_sql = " ".join(sql.split())[:110]
        return original_fetchall(self, sql, params)

    dbmod.Database._run = timed_run
    dbmod.Database.execute = execute
    dbmod.Database.fetchall = fetchall

    def timed_script(self, sql, params=None):
        params = params or {}
        for statement in self.conn.extract_statements(sql):
            wanted = statement.named_parameters
            self._last_sql = "script: " + " ".join(str(statement.query).split())[:100]
            timed_run(self, lambda s=statement, w=wanted: self.conn.execute(
                s, {k: params[k] for k in w} or None))

    dbmod.Database.run_script = timed_script


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--all", action="store_true", help="list every statement in order")
    parser.add_argument("--profile", type=Path, help="write DuckDB's JSON profile of each "
                        "statement here (N.json, N as in the listing)")
    parser.add_argument("--cpu", action="store_true", help="time CPU (user + system, every "
                        "thread) instead of wall time: steadier on a shared machine")
    args = parser.parse_args()
    global PROFILE_DIR, CPU
    CPU = args.cpu
    PROFILE_DIR = args.profile
    if PROFILE_DIR:
        PROFILE_DIR.mkdir(parents=True, exist_ok=True)
    wrap()
    with tempfile.TemporaryDirectory(prefix="load-phases-") as scratch:
        path = Path(scratch) / "phases.duckdb"
        started = time.perf_counter() if not CPU else time.process_time()
        db = open_database(path, write=True, config_funnel=None)
        clock = time.process_time if CPU else time.perf_counter
        opened = clock() - started
        load_paths(db, args.paths)
        db.close()
        total = clock() - started
    sql_total = sum(t for t, _, _ in TIMES)
    print(f"{'CPU' if CPU else 'wall'} total {total:.2f} s (open {opened:.2f} s); in SQL "
          f"{sql_total:.2f} s over {len(TIMES)} statements; outside SQL {total - sql_total:.2f} s")
    by_caller: dict[str, float] = collections.defaultdict(float)
    for seconds, where, _ in TIMES:
        by_caller[where.rsplit(":", 1)[0]] += seconds
    print("\nby loader function:")
    for where, seconds in sorted(by_caller.items(), key=lambda x: -x[1])[:15]:
        print(f"  {seconds:7.2f} s  {where}")
    print("\nslowest statements:")
    if args.all:
        print("\nevery statement, in order:")
        for number, (seconds, where, sql) in enumerate(TIMES):
            print(f"  {seconds * 1000:8.2f} ms  #{number:<5d} {where:45s} {sql}")
    ranked = sorted(((t, n, w, s) for n, (t, w, s) in enumerate(TIMES)), reverse=True)
    for seconds, number, where, sql in ranked[: args.top]:
        print(f"  {seconds:7.3f} s  #{number:<4d} {where:45s} {sql}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
