"""The benchmark runner: `make bench` (100k deals) and `make bench-full` (100k, 1M, 10M).

    python bench/run.py --sizes 100k            # quick
    python bench/run.py --sizes 100k,1m,10m     # full
    python bench/run.py --sizes 1m --only load,reports --runs 3

Every figure is the median wall time of several runs of a separate process
(so process start, imports and output are included), and the peak RSS is the
largest `ru_maxrss` of those runs (os.wait4 on the child). Measured per size:

- load: `salesfunnel load DIR --db FILE` into a new database, and the floor:
  bare DuckDB (`create table ... as select * from read_csv(...)` per file into
  a new database file, in a python process);
- reload: the same `salesfunnel load` again on the loaded database (the files
  are unchanged, so nothing should be parsed again);
- reports: `conversion`, `conversion --by tier`, `rank --month 2026-06`,
  `dropoff` (JSON output) on the loaded database; and the same numbers from
  the pandas baseline (bench/pandas_baseline.py): the analyst's script, CSV
  read included, and the compute-only time on frames already in memory;
- reexport: the next night's export of the same deals with 5% of them changed
  (bench/generate.py `reexport`), loaded onto the database of the first export
  (`--as-of` the next day), against loading that re-export into a new database;
- start-up: `salesfunnel --help` and `salesfunnel rank` on a tiny database,
  and whether --help imports DuckDB or Polars.

At the smallest size the runner checks that pandas and salesfunnel give the
same numbers for every report (it fails if conversion differs), and that the
load progress bar shows on a terminal only. Results go to
bench/results/<size>.json and bench/results/latest.json; the table at the end
marks each target met or missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
RESULTS = BENCH / "results"
BIN = Path(sys.executable).parent
SALESFUNNEL = str(BIN / "salesfunnel") if (BIN / "salesfunnel").exists() else "salesfunnel"
PYTHON = sys.executable

sys.path.insert(0, str(BENCH))
import generate  # noqa: E402

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
MONTH = "2026-06"
REPORTS = {
    "conversion": ["conversion"],
    "conversion_tier": ["conversion", "--by", "tier"],
    "rank": ["rank", "--month", MONTH],
    "dropoff": ["dropoff"],
}
PANDAS_ARGS = {
    "conversion": ["conversion"],
    "conversion_tier": ["conversion", "--by", "tier"],
    "rank": ["rank", "--month", MONTH],
    "dropoff": ["dropoff"],
}
GIB = 1024**3

# the issue's targets
TARGET_LOAD_RATIO = 1.5
TARGET_REEXPORT_RATIO = 1.5  # re-export load / fresh load of the same file
TARGET_REPORT_S = 1.0
TARGET_PANDAS_SPEEDUP = 10.0
TARGET_SCALING = 12.0
TARGET_HELP_S = 0.25
TARGET_TINY_REPORT_S = 0.6
TARGET_RSS_BYTES = 1.5e9
TARGET_RELOAD_S = 0.3

FLOOR_SCRIPT = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
for table, path in zip(("deals", "stage_history"), sys.argv[2:]):
    con.execute(f"create table {table} as select * from read_csv(?)", [path])
con.close()
"""

HELP_IMPORTS = """
import sys
sys.argv = ["salesfunnel", "--help"]
from salesfunnel.cli import main
try:
    main()
except SystemExit:
    pass
sys.stderr.write("\\nIMPORTED " + ",".join(m for m in ("duckdb", "polars", "pandas", "pyarrow")
                                            if m in sys.modules) + "\\n")
"""


# -- running a process ------------------------------------------------------------
class Failed(RuntimeError):
    pass


GNU_TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None


def run_once(cmd: list[str], *, stdout_path: Path | None = None, env=None, timeout=None) -> dict:
    """Run `cmd`; its wall time, peak RSS (bytes) and exit status.

    The peak RSS comes from GNU time (%M) when /usr/bin/time exists: the runner's own
    rusage is no good, because Linux carries a forking parent's high-water mark into
    the child across exec. Without GNU time, /proc/PID/status VmHWM is polled.
    """
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    err = tempfile.TemporaryFile()
    rss_file = tempfile.NamedTemporaryFile(prefix="bench-rss-", delete=False)
    rss_file.close()
    full = [GNU_TIME, "-f", "%M", "-o", rss_file.name, *cmd] if GNU_TIME else cmd
    peak_kb = 0
    try:
        started = time.perf_counter()
        proc = subprocess.Popen(full, stdout=out, stderr=err, env=env, cwd=ROOT)
        if GNU_TIME:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        else:
            deadline = None if timeout is None else started + timeout
            status = Path(f"/proc/{proc.pid}/status")
            while proc.poll() is None:
                try:
                    for line in status.read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            peak_kb = max(peak_kb, int(line.split()[1]))
                except (OSError, ValueError):
                    pass
                if deadline and time.perf_counter() > deadline:
                    proc.kill()
                time.sleep(0.005)
        seconds = time.perf_counter() - started
        if GNU_TIME:
            lines = Path(rss_file.name).read_text().split()
            digits = [w for w in lines if w.isdigit()]
            peak_kb = int(digits[-1]) if digits else 0
    finally:
        if stdout_path:
            out.close()
        os.unlink(rss_file.name)
    err.seek(0)
    stderr = err.read().decode("utf-8", "replace")
    err.close()
    return {"seconds": seconds, "rss": peak_kb * 1024, "code": proc.returncode, "stderr": stderr}


def measure(name: str, cmd: list[str], runs: int, *, before=None, stdout_path=None,
            check=True, timeout=None) -> dict:
    """Median wall time and peak RSS of `runs` runs; `before()` runs untimed before each."""
    times, rss, codes = [], [], []
    last = None
    for _ in range(runs):
        if before:
            before()
        last = run_once(cmd, stdout_path=stdout_path, timeout=timeout)
        times.append(last["seconds"])
        rss.append(last["rss"])
        codes.append(last["code"])
        if last["code"] != 0:
            break
    ok = all(code == 0 for code in codes)
    if check and not ok:
        raise Failed(f"{name}: exit {codes[-1]}: {' '.join(cmd)}\n{last['stderr'][-3000:]}")
    result = {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "runs": len(times),
        "times_s": [round(t, 4) for t in times],
        "peak_rss_bytes": max(rss),
        "ok": ok,
    }
    if not ok:
        result["error"] = last["stderr"][-2000:]
    log(f"  {name:<28} median {result['median_s']:8.3f} s   peak RSS {fmt_bytes(max(rss)):>9}"
        f"   runs {result['times_s']}")
    return result


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def fmt_bytes(n: float | None) -> str:
    if n is None:
        return "–"
    return f"{n / GIB:.2f} GiB" if n >= GIB else f"{n / 1024**2:.0f} MiB"


def remove_db(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)


# -- checks ---------------------------------------------------------------------
def same_rows(ours: list[dict], theirs: list[dict], rel=1e-9) -> str | None:
    """None when equal (floats to `rel`), else the first difference."""
    if len(ours) != len(theirs):
        return f"{len(ours)} rows vs {len(theirs)} rows"
    for number, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        if set(a) != set(b):
            return f"row {number}: columns {sorted(a)} vs {sorted(b)}"
        for key in a:
            x, y = a[key], b[key]
            if isinstance(x, float) or isinstance(y, float):
                if x is None or y is None:
                    if x is not y:
                        return f"row {number} {key}: {x!r} vs {y!r}"
                elif not math.isclose(x, y, rel_tol=rel, abs_tol=1e-9):
                    return f"row {number} {key}: {x!r} vs {y!r}"
            elif x != y:
                return f"row {number} {key}: {x!r} vs {y!r}"
    return None


def check_progress_bar(folder: Path, work: Path) -> dict:
    """`salesfunnel load` on a terminal (under script(1)) shows the bar; off one it does not.
    The bar appears only once a load has run about a second: the check sets that delay to 0
    so a quick load shows it too."""
    db = work / "progress.duckdb"
    result: dict = {}
    script = shutil.which("script")
    remove_db(db)
    plain = run_once([SALESFUNNEL, "load", str(folder), "--db", str(db)],
                     env={**os.environ, "SALESFUNNEL_PROGRESS_DELAY": "0"})
    result["off_terminal_bar"] = "loading" in plain["stderr"] or "━" in plain["stderr"]
    if script is None:
        result["on_terminal_bar"] = None
        result["note"] = "script(1) not found: terminal check skipped"
        return result
    remove_db(db)
    transcript = work / "progress.typescript"
    cmd = f"{SALESFUNNEL} load {folder} --db {db}"
    proc = subprocess.run(
        [script, "-qec", cmd, str(transcript)], capture_output=True,
        env={**os.environ, "COLUMNS": "100", "SALESFUNNEL_PROGRESS_DELAY": "0"},
    )
    text = proc.stdout.decode("utf-8", "replace")
    result["on_terminal_bar"] = "loading" in text and ("━" in text or "%" in text)
    result["ok"] = bool(result["on_terminal_bar"]) and not result["off_terminal_bar"]
    remove_db(db)
    transcript.unlink(missing_ok=True)
    return result


# -- one size -------------------------------------------------------------------
def bench_size(label: str, deals: int, args) -> dict:
    folder = DATA / label
    log(f"\n== {label}: {deals:,} deals ==")
    started = time.perf_counter()
    manifest = generate.ensure(deals, folder, seed=1)
    gen_s = time.perf_counter() - started
    log(f"  data: {manifest['rows']} ({'reused' if manifest.get('reused') else f'{gen_s:.1f} s'})")
    result: dict = {"label": label, "deals": deals, "data": manifest,
                    "generate_s": None if manifest.get("reused") else round(gen_s, 2)}
    runs = args.runs or (5 if deals <= 1_000_000 else 3)
    pandas_runs = args.pandas_runs or (3 if deals <= 1_000_000 else 1)
    result["runs"] = runs
    only = set(args.only.split(",")) if args.only else None
    work = DATA / f"{label}-work"
    work.mkdir(exist_ok=True)
    db = work / "salesfunnel.duckdb"
    floor_db = work / "floor.duckdb"
    deals_csv, history_csv = folder / "deals.csv", folder / "stage_history.csv"

    def wanted(part: str) -> bool:
        return only is None or part in only

    if wanted("load") or not db.exists():
        result["load"] = measure(
            "load", [SALESFUNNEL, "load", str(folder), "--db", str(db)], runs,
            before=lambda: remove_db(db),
        )
    if wanted("load"):
        result["floor"] = measure(
            "bare duckdb floor",
            [PYTHON, "-c", FLOOR_SCRIPT, str(floor_db), str(deals_csv), str(history_csv)],
            runs, before=lambda: remove_db(floor_db),
        )
        remove_db(floor_db)
        result["load_ratio"] = result["load"]["median_s"] / result["floor"]["median_s"]
        log(f"  load / floor = {result['load_ratio']:.2f}x")
    if wanted("reload"):
        result["reload"] = measure(
            "reload unchanged", [SALESFUNNEL, "load", str(folder), "--db", str(db)], runs
        )
    if wanted("reexport"):
        result.update(bench_reexport(folder, work, runs))
    if wanted("reports"):
        result["reports"] = {}
        outputs = {}
        for name, cmd in REPORTS.items():
            out_path = work / f"{name}.json"
            result["reports"][name] = measure(
                name, [SALESFUNNEL, *cmd, "--db", str(db), "--format", "json"], runs,
                stdout_path=out_path,
            )
            outputs[name] = json.loads(out_path.read_text())
    if wanted("pandas"):
        result["pandas"] = {}
        pandas_outputs = {}
        for name, cmd in PANDAS_ARGS.items():
            out_path = work / f"pandas-{name}.json"
            result["pandas"][name] = measure(
                f"pandas {name}", [PYTHON, str(BENCH / "pandas_baseline.py"), str(folder), *cmd],
                pandas_runs, stdout_path=out_path,
            )
            pandas_outputs[name] = json.loads(out_path.read_text())
        # compute-only: the same script on frames already in memory (read from parquet)
        to_parquet(folder)
        out_path = work / "pandas-compute.json"
        compute = run_once(
            [PYTHON, str(BENCH / "pandas_baseline.py"), str(folder), "all", "--source", "parquet",
             "--repeat", str(pandas_runs)],
            stdout_path=out_path,
        )
        if compute["code"] == 0:
            result["pandas_compute_s"] = json.loads(compute["stderr"].strip().splitlines()[-1])
            result["pandas_compute_peak_rss_bytes"] = compute["rss"]
            log(f"  pandas compute-only (parquet in memory): {result['pandas_compute_s']}")
        else:
            result["pandas_compute_error"] = compute["stderr"][-2000:]
            log(f"  pandas compute-only failed: {compute['stderr'][-500:]}")
        if "reports" in result and deals <= args.verify_up_to:
            checks = {}
            for name in REPORTS:
                # the fields the pandas script computes (the reports have gained more since)
                theirs = pandas_outputs[name]
                fields = list(theirs[0]) if theirs else []
                ours = [{key: row.get(key) for key in fields} for row in outputs[name]]
                checks[name] = same_rows(ours, theirs)
                log(f"  same numbers as pandas, {name}: "
                    f"{'yes' if checks[name] is None else 'NO: ' + checks[name]}")
            result["same_as_pandas"] = {k: v is None for k, v in checks.items()}
            result["same_as_pandas_diff"] = {k: v for k, v in checks.items() if v}
            if checks["conversion"] is not None or checks["conversion_tier"] is not None:
                raise Failed("pandas and salesfunnel disagree on conversion: "
                             + str(checks["conversion"] or checks["conversion_tier"]))
    return result


def bench_reexport(folder: Path, work: Path, runs: int) -> dict:
    """Loading a re-export (5% of deals changed) onto the first export's database,
    against loading the re-export into an empty database."""
    nightly = work / "reexport"
    generate.reexport(folder, nightly)
    base_db, db = work / "reexport-base.duckdb", work / "reexport.duckdb"
    remove_db(base_db)
    first = run_once([SALESFUNNEL, "load", str(folder / "deals.csv"), "--as-of", "2026-11-01",
                      "--db", str(base_db)])
    if first["code"] != 0:
        raise Failed(f"loading the first export failed: {first['stderr'][-500:]}")
    cmd = [SALESFUNNEL, "load", str(nightly / "deals.csv"), "--as-of", "2026-11-02",
           "--db", str(db)]

    def onto_first_export() -> None:
        remove_db(db)
        shutil.copyfile(base_db, db)

    fresh = measure("re-export into a new database", cmd, runs, before=lambda: remove_db(db))
    onto = measure("re-export onto the first export", cmd, runs, before=onto_first_export)
    remove_db(db)
    remove_db(base_db)
    ratio = onto["median_s"] / fresh["median_s"]
    log(f"  re-export / fresh = {ratio:.2f}x")
    return {"reexport_fresh": fresh, "reexport": onto, "reexport_ratio": ratio}


def to_parquet(folder: Path) -> None:
    """deals.parquet and stage_history.parquet beside the CSVs, typed as pandas reads them."""
    import duckdb

    for name in ("deals", "stage_history"):
        target = folder / f"{name}.parquet"
        source = folder / f"{name}.csv"
        if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            continue
        query = "select * from read_csv(?)"
        if name == "deals":
            query = ("select * replace (created_at::timestamp as created_at, "
                     "closed_at::timestamp as closed_at) from read_csv(?)")
        con = duckdb.connect()
        con.execute(f"copy ({query}) to '{target}' (format parquet)", [str(source)])
        con.close()


def bench_startup(args) -> dict:
    log("\n== start-up (tiny database) ==")
    folder = DATA / "tiny"
    generate.ensure(1000, folder, seed=1)
    db = DATA / "tiny.duckdb"
    remove_db(db)
    done = run_once([SALESFUNNEL, "load", str(folder), "--db", str(db)])
    if done["code"] != 0:
        raise Failed("tiny load failed: " + done["stderr"])
    runs = max(args.runs or 5, 5)
    result = {
        "help": measure("salesfunnel --help", [SALESFUNNEL, "--help"], runs),
        "version": measure("salesfunnel --version", [SALESFUNNEL, "--version"], runs),
        "rank_tiny": measure("rank (tiny db)", [SALESFUNNEL, "rank", "--db", str(db)], runs),
        "conversion_tiny": measure(
            "conversion (tiny db)", [SALESFUNNEL, "conversion", "--db", str(db)], runs
        ),
        "python_floor": measure("python -c pass", [PYTHON, "-c", "pass"], runs),
        "duckdb_import": measure("python -c 'import duckdb'", [PYTHON, "-c", "import duckdb"], runs),
        "polars_import": measure("python -c 'import polars'", [PYTHON, "-c", "import polars"], runs),
    }
    imports = run_once([PYTHON, "-c", HELP_IMPORTS])
    line = [ln for ln in imports["stderr"].splitlines() if ln.startswith("IMPORTED")]
    result["help_imports"] = line[-1].split(" ", 1)[1].split(",") if line and " " in line[-1] else []
    result["help_imports"] = [m for m in result["help_imports"] if m]
    log(f"  --help imports of duckdb/polars/pandas/pyarrow: {result['help_imports'] or 'none'}")
    result["progress_bar"] = check_progress_bar(folder, DATA)
    log(f"  progress bar: {result['progress_bar']}")
    return result


# -- the summary ----------------------------------------------------------------
def verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("met" if ok else "MISSED")


def targets(results: dict) -> list[dict]:
    """One row per target and size: the figure, the target and met/missed."""
    rows: list[dict] = []
    sizes = results.get("sizes", {})

    def add(target, size, figure, goal, ok, note="", binding=True):
        # the issue sets the speed and memory targets at 1M deals; other sizes are shown
        # for information
        status = verdict(ok) if binding else f"({verdict(ok).lower()})"
        rows.append({"target": target, "size": size, "figure": figure, "goal": goal,
                     "status": status, "note": note})

    for label, r in sizes.items():
        at_1m = label == "1m"
        if "load_ratio" in r:
            add("load vs bare DuckDB", label,
                f"{r['load']['median_s']:.2f} s / {r['floor']['median_s']:.2f} s = "
                f"{r['load_ratio']:.2f}x", f"<= {TARGET_LOAD_RATIO}x", r["load_ratio"]
                <= TARGET_LOAD_RATIO, binding=at_1m)
        if "reexport_ratio" in r:
            add("re-export (5% changed) vs fresh load", label,
                f"{r['reexport']['median_s']:.2f} s / {r['reexport_fresh']['median_s']:.2f} s = "
                f"{r['reexport_ratio']:.2f}x", f"<= {TARGET_REEXPORT_RATIO}x",
                r["reexport_ratio"] <= TARGET_REEXPORT_RATIO, binding=at_1m)
        for name, m in r.get("reports", {}).items():
            add(f"{name} time", label, f"{m['median_s']:.2f} s", f"<= {TARGET_REPORT_S:g} s",
                m["median_s"] <= TARGET_REPORT_S, binding=at_1m)
            p = r.get("pandas", {}).get(name)
            if p:
                speedup = p["median_s"] / m["median_s"]
                compute = r.get("pandas_compute_s", {}).get(name)
                note = (f"pandas compute-only {compute:.2f} s = {compute / m['median_s']:.1f}x"
                        if compute else "")
                add(f"{name} vs pandas", label,
                    f"{p['median_s']:.2f} s / {m['median_s']:.2f} s = {speedup:.1f}x",
                    f">= {TARGET_PANDAS_SPEEDUP:g}x", speedup >= TARGET_PANDAS_SPEEDUP, note,
                    binding=at_1m)
        peak = [("load", r["load"])] if "load" in r else []
        peak += list(r.get("reports", {}).items())
        if peak:
            worst_name, worst = max(peak, key=lambda kv: kv[1]["peak_rss_bytes"])
            add("peak RSS (load, reports)", label,
                f"{fmt_bytes(worst['peak_rss_bytes'])} ({worst_name})", "<= 1.5 GB",
                worst["peak_rss_bytes"] <= TARGET_RSS_BYTES,
                "; ".join(f"{n} {fmt_bytes(m['peak_rss_bytes'])}" for n, m in peak),
                binding=at_1m)
            if label == "10m":
                add("10M within 24 GiB, no out-of-memory", label,
                    f"completed, peak {fmt_bytes(worst['peak_rss_bytes'])}", "< 24 GiB, no OOM",
                    worst["peak_rss_bytes"] < 24 * GIB and all(m.get("ok") for _, m in peak))
        if "reload" in r:
            add("reload unchanged", label, f"{r['reload']['median_s']:.2f} s",
                f"<= {TARGET_RELOAD_S:g} s", r["reload"]["median_s"] <= TARGET_RELOAD_S,
                binding=at_1m)
        if r.get("error"):
            add("completes", label, "failed", "no error", False, r["error"][:200])
    # linear growth between consecutive sizes ten times apart
    labels = list(sizes)
    for small, big in zip(labels, labels[1:], strict=False):
        a, b = sizes[small], sizes[big]
        if b["deals"] != 10 * a["deals"]:
            continue
        pairs = []
        if "load" in a and "load" in b:
            pairs.append(("load", a["load"], b["load"]))
        for name in b.get("reports", {}):
            if name in a.get("reports", {}):
                pairs.append((name, a["reports"][name], b["reports"][name]))
        for name, x, y in pairs:
            ratio = y["median_s"] / x["median_s"]
            add(f"{name} growth", f"{big}/{small}", f"{ratio:.1f}x", f"<= {TARGET_SCALING:g}x",
                ratio <= TARGET_SCALING, binding=big == "10m",
                note=f"fastest runs: {y['min_s'] / x['min_s']:.1f}x")
    s = results.get("startup")
    if s:
        add("--help time", "tiny", f"{s['help']['median_s']:.3f} s", f"<= {TARGET_HELP_S} s",
            s["help"]["median_s"] <= TARGET_HELP_S)
        add("--help imports", "tiny", ", ".join(s["help_imports"]) or "none",
            "no duckdb, polars", not ({"duckdb", "polars"} & set(s["help_imports"])))
        for name in ("rank_tiny", "conversion_tiny"):
            add(name.replace("_tiny", "") + " (tiny db)", "tiny",
                f"{s[name]['median_s']:.3f} s", f"<= {TARGET_TINY_REPORT_S} s",
                s[name]["median_s"] <= TARGET_TINY_REPORT_S)
        pb = s.get("progress_bar", {})
        add("progress bar only on a terminal", "tiny",
            f"terminal: {pb.get('on_terminal_bar')}, pipe: {pb.get('off_terminal_bar')}",
            "terminal: True, pipe: False", pb.get("ok"))
    return rows


def print_summary(results: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=160)
    table = Table(title="salesfunnel benchmark: medians of several runs", title_justify="left")
    for column in ("size", "what", "salesfunnel", "reference", "ratio", "peak RSS"):
        table.add_column(column, justify="left" if column in ("size", "what") else "right")
    for label, r in results.get("sizes", {}).items():
        if "load" in r:
            floor = r.get("floor")
            table.add_row(label, "load", f"{r['load']['median_s']:.2f} s",
                          f"{floor['median_s']:.2f} s (duckdb)" if floor else "",
                          f"{r['load_ratio']:.2f}x" if floor else "",
                          fmt_bytes(r["load"]["peak_rss_bytes"]))
        if "reload" in r:
            table.add_row(label, "reload unchanged", f"{r['reload']['median_s']:.2f} s", "", "",
                          fmt_bytes(r["reload"]["peak_rss_bytes"]))
        for name, m in r.get("reports", {}).items():
            p = r.get("pandas", {}).get(name)
            table.add_row(label, name, f"{m['median_s']:.2f} s",
                          f"{p['median_s']:.2f} s (pandas)" if p else "",
                          f"{p['median_s'] / m['median_s']:.1f}x faster" if p else "",
                          fmt_bytes(m["peak_rss_bytes"]))
    s = results.get("startup")
    if s:
        for name in ("help", "version", "rank_tiny", "conversion_tiny", "python_floor",
                     "duckdb_import", "polars_import"):
            table.add_row("tiny", name, f"{s[name]['median_s']:.3f} s", "", "",
                          fmt_bytes(s[name]["peak_rss_bytes"]))
    console.print(table)

    verdicts = Table(title="targets (issue 6)", title_justify="left")
    for column in ("target", "size", "figure", "goal", "status", "note"):
        verdicts.add_column(column)
    for row in targets(results):
        style = "red" if row["status"] == "MISSED" else ("dim" if row["status"][0] == "(" else None)
        verdicts.add_row(row["target"], row["size"], row["figure"], row["goal"], row["status"],
                         row["note"], style=style)
    console.print(verdicts)
    m = results["machine"]
    console.print(f"machine: {m['cores']} cores, {fmt_bytes(m['memory_bytes'])} RAM, "
                  f"{m['cpu']}; load average at start {m['loadavg']}; duckdb {m['duckdb']}, "
                  f"pandas {m['pandas']}; commit {m.get('git_commit')} "
                  f"({m.get('core_files_changed_since_commit')} core files changed)")


# -- issue 17: every figure of its table next to its target ------------------------
# scripts that each measure one figure and print, as their last line, JSON:
# {"figure": ..., "value": ..., "target": ...} (optional "ok": true/false)
FIGURE_SCRIPTS = {
    "small": ("a report on the 3,000-deal sample, cold", "startup.py"),
    "many_files": ("5,000 small files in one folder", "many_files.py"),
    "big_table": ("`conversion --by rep` as a table with 100k reps", "big_table.py"),
    "wide_header": ("a 100k-column header (1.3 MB file)", "wide_header.py"),
}
TARGET_17_LOAD_RATIO = 1.5
TARGET_17_RSS_BYTES = 3e9
TARGET_17_REPORT_S = 1.0


def run_figure_scripts(timeout: float = 1800) -> dict:
    """Each figure script as a separate process; a script that does not exist (yet) is
    `not measured`."""
    figures = {}
    for key, (figure, script) in FIGURE_SCRIPTS.items():
        path = BENCH / script
        if not path.exists():
            figures[key] = {"figure": figure, "value": "not measured (no bench/" + script + ")"}
            continue
        log(f"\n== {figure}: bench/{script} ==")
        try:
            proc = subprocess.run([PYTHON, str(path)], capture_output=True, text=True,
                                  cwd=ROOT, timeout=timeout)
        except subprocess.TimeoutExpired:
            figures[key] = {"figure": figure, "value": f"timed out after {timeout:g} s", "ok": False}
            continue
        log(proc.stderr.strip()[-3000:])
        lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
        try:
            found = json.loads(lines[-1])
            found["figure"] = figure
        except (IndexError, ValueError):  # a script that prints one line of text
            text = lines[-1] if lines else proc.stderr.strip()[-300:]
            found = {"figure": figure, "value": text,
                     "ok": None if proc.returncode else ("MISSED" not in text)}
        if proc.returncode and found.get("ok") is None:
            found["ok"] = False
        figures[key] = found
    return figures


def saved_size(label: str, part: str) -> tuple[dict | None, str]:
    """The newest saved results (bench/results/*.json) holding `part` at size `label`."""
    best = None
    for path in RESULTS.glob("*.json"):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        size = data.get("sizes", {}).get(label, {})
        if part in size and (best is None or path.stat().st_mtime > best[0]):
            best = (path.stat().st_mtime, size, path, data.get("machine", {}).get("when"))
    if best is None:
        return None, ""
    return best[1], f"saved {best[2].relative_to(ROOT)} ({best[3]})"


def issue17_rows(results: dict) -> list[dict]:
    """Every figure of issue 17's table: measured in this run, else from the newest saved
    results, else `not measured`, next to its target."""
    rows = []

    def size(label: str, part: str):
        here = results.get("sizes", {}).get(label, {})
        return (here, "this run") if part in here else saved_size(label, part)

    def add(figure, value, target, ok, source=""):
        rows.append({"figure": figure, "value": value, "target": target,
                     "status": verdict(ok), "source": source})

    for label, deals in (("1m", "1M deals + 3.2M history rows"), ("10m", "10M + 32M")):
        r, source = size(label, "load_ratio")
        if r:
            add(f"load {deals} vs bare DuckDB", f"{r['load']['median_s']:.2f} s / "
                f"{r['floor']['median_s']:.2f} s = {r['load_ratio']:.2f}x",
                f"<= {TARGET_17_LOAD_RATIO}x (stretch 1.2x)",
                r["load_ratio"] <= TARGET_17_LOAD_RATIO, source)
        else:
            add(f"load {deals} vs bare DuckDB", "not measured (make bench-full)",
                f"<= {TARGET_17_LOAD_RATIO}x", None)
    r, source = size("10m", "load")
    add("peak RSS of the 10M load", fmt_bytes(r["load"]["peak_rss_bytes"]) if r else
        "not measured (make bench-full)", "<= 3 GB (stretch 2 GB)",
        r["load"]["peak_rss_bytes"] <= TARGET_17_RSS_BYTES if r else None, source)
    scale = sorted(RESULTS.glob("scale-*.json"), key=lambda p: p.stat().st_mtime)
    if scale:
        data = json.loads(scale[-1].read_text())
        load = data["load"]
        ok = load["code"] == 0
        add("largest load that fits this machine (24 GiB)",
            f"{data['deals']:,} deals: {'loaded' if ok else 'FAILED'} in {load['seconds']:.0f} s, "
            f"peak RSS {fmt_bytes(load['peak_rss_bytes'])}, spill "
            f"{fmt_bytes(load.get('spill_peak_bytes'))}, database {fmt_bytes(data['db_bytes'])}",
            "30M deals (stretch 100M)", ok and data["deals"] >= 30_000_000,
            f"saved {scale[-1].relative_to(ROOT)}")
    else:
        add("largest load that fits this machine (24 GiB)", "not measured (make bench-scale)",
            "30M deals", None)
    r, source = size("10m", "reports")
    if r:
        reports = r["reports"]
        add("conversion / by tier / rank / dropoff at 10M",
            " / ".join(f"{reports[n]['median_s']:.2f} s" for n in REPORTS if n in reports)
            + f"; conversion {fmt_bytes(reports['conversion']['peak_rss_bytes'])} RSS",
            f"each <= {TARGET_17_REPORT_S:g} s (stretch 0.5 s)",
            all(m["median_s"] <= TARGET_17_REPORT_S for m in reports.values()), source)
    else:
        add("conversion / by tier / rank / dropoff at 10M", "not measured (make bench-full)",
            f"each <= {TARGET_17_REPORT_S:g} s", None)
    for found in results.get("figures", {}).values():
        add(found["figure"], found.get("value", ""), found.get("target", ""), found.get("ok"),
            "this run")
    return rows


def print_issue17(results: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="issue 17: every figure next to its target", title_justify="left")
    for column in ("figure", "measured", "target", "status", "source"):
        table.add_column(column)
    for row in issue17_rows(results):
        table.add_row(row["figure"], row["value"], row["target"], row["status"], row["source"],
                      style="red" if row["status"] == "MISSED" else None)
    Console(width=200).print(table)


def print_markdown(results: dict) -> None:
    """The figures and the targets as Markdown tables."""
    sizes = results.get("sizes", {})
    labels = list(sizes)
    print("| measure | " + " | ".join(labels) + " |")
    print("|---|" + "---:|" * len(labels))

    def row(name, cell):
        cells = []
        for label in labels:
            try:
                cells.append(cell(sizes[label]))
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append("–")
        print(f"| {name} | " + " | ".join(cells) + " |")

    row("deals / history rows", lambda r: f"{r['data']['rows']['deals.csv']:,} / "
        f"{r['data']['rows']['stage_history.csv']:,}")
    row("`salesfunnel load`", lambda r: f"{r['load']['median_s']:.2f} s")
    row("bare DuckDB load (floor)", lambda r: f"{r['floor']['median_s']:.2f} s")
    row("load / floor", lambda r: f"{r['load_ratio']:.2f}x")
    row("load peak RSS", lambda r: fmt_bytes(r["load"]["peak_rss_bytes"]))
    row("reload unchanged", lambda r: f"{r['reload']['median_s']:.2f} s")
    for name in REPORTS:
        row(f"`{' '.join(REPORTS[name])}`", lambda r, n=name: f"{r['reports'][n]['median_s']:.2f} s")
        row("  pandas script (CSV read incl.)",
            lambda r, n=name: f"{r['pandas'][n]['median_s']:.2f} s "
            f"({r['pandas'][n]['median_s'] / r['reports'][n]['median_s']:.1f}x)")
        row("  pandas compute only",
            lambda r, n=name: f"{r['pandas_compute_s'][n]:.2f} s "
            f"({r['pandas_compute_s'][n] / r['reports'][n]['median_s']:.1f}x)")
        row("  peak RSS", lambda r, n=name: fmt_bytes(r["reports"][n]["peak_rss_bytes"]))
    row("pandas peak RSS", lambda r: fmt_bytes(max(m["peak_rss_bytes"]
                                                    for m in r["pandas"].values())))
    s = results.get("startup")
    if s:
        print()
        print("| start-up | median | peak RSS |")
        print("|---|---:|---:|")
        for name in ("help", "version", "rank_tiny", "conversion_tiny", "python_floor",
                     "duckdb_import", "polars_import"):
            print(f"| {name} | {s[name]['median_s']:.3f} s | {fmt_bytes(s[name]['peak_rss_bytes'])} |")
    print()
    print("| figure (issue 17) | measured | target | status | source |")
    print("|---|---|---|---|---|")
    for t in issue17_rows(results):
        print(f"| {t['figure']} | {t['value']} | {t['target']} | {t['status']} | {t['source']} |")
    print()
    print("| target | size | figure | goal | status |")
    print("|---|---|---|---|---|")
    for t in targets(results):
        print(f"| {t['target']} | {t['size']} | {t['figure']} | {t['goal']} | {t['status']} |")


def machine() -> dict:
    import duckdb

    try:
        import pandas

        pandas_version = pandas.__version__
    except ImportError:
        pandas_version = None
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    def git(*cmd: str) -> str:
        try:
            return subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    changed = git("status", "--porcelain", "--", "salesfunnel", "queries").splitlines()
    return {
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "core_files_changed_since_commit": len(changed),
        "cores": os.cpu_count(),
        "memory_bytes": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"),
        "cpu": cpu,
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pandas_version,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100k", help="Comma-separated: 10k, 100k, 1m, 10m.")
    parser.add_argument("--runs", type=int, default=None,
                        help="Runs per measurement [5 up to 1M deals, 3 above].")
    parser.add_argument("--pandas-runs", type=int, default=None,
                        help="Runs of each pandas script [3 up to 1M deals, 1 above].")
    parser.add_argument("--only", default=None,
                        help="Comma-separated parts: load, reload, reexport, reports, pandas.")
    parser.add_argument("--no-startup", action="store_true")
    parser.add_argument("--no-figures", action="store_true",
                        help="Skip the figure scripts (startup, many files, big table, wide header).")
    parser.add_argument("--verify-up-to", type=int, default=1_000_000,
                        help="Compare pandas and salesfunnel numbers up to this many deals.")
    parser.add_argument("--out", type=Path, default=None, help="Results JSON [bench/results/].")
    parser.add_argument("--summary", type=Path, nargs="+", default=None,
                        help="Only print the summary of results JSON files (sizes merged).")
    parser.add_argument("--markdown", action="store_true",
                        help="With --summary: print Markdown tables (for docs/performance.md).")
    args = parser.parse_args(argv)

    if args.summary:
        merged: dict = {"sizes": {}}
        for path in args.summary:
            part = json.loads(path.read_text())
            merged["machine"] = merged.get("machine") or part["machine"]
            for label, size in part.get("sizes", {}).items():
                merged["sizes"].setdefault(label, {}).update(size)
            if "startup" in part:
                merged["startup"] = part["startup"]
            merged.setdefault("figures", {}).update(part.get("figures", {}))
        order = list(SIZES)
        merged["sizes"] = dict(sorted(merged["sizes"].items(), key=lambda kv: order.index(kv[0])))
        if args.markdown:
            print_markdown(merged)
        else:
            print_summary(merged)
            print_issue17(merged)
        return 0
    labels = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in labels if s not in SIZES]
    if unknown:
        parser.error(f"unknown size(s) {unknown}; use {', '.join(SIZES)}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = args.out or RESULTS / f"bench-{'-'.join(labels)}.json"
    results = {"machine": machine(), "sizes": {}}
    started = time.perf_counter()
    failed = False
    if not args.no_startup:
        results["startup"] = bench_startup(args)
    for label in labels:
        try:
            results["sizes"][label] = bench_size(label, SIZES[label], args)
        except Failed as error:
            log(f"FAILED at {label}: {error}")
            results["sizes"][label] = {"label": label, "deals": SIZES[label], "error": str(error)}
            failed = True
        results["total_s"] = round(time.perf_counter() - started, 1)
        results["targets"] = targets(results)
        out.write_text(json.dumps(results, indent=2, default=str) + "\n")
        (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    if not args.no_figures:
        results["figures"] = run_figure_scripts()
        results["issue17"] = issue17_rows(results)
        out.write_text(json.dumps(results, indent=2, default=str) + "\n")
        (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    print_summary(results)
    print_issue17(results)
    print(f"results: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} "
          f"({results['total_s']:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
