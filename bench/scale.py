"""The scale run (`make bench-scale`): the largest export this machine loads and reports on.

    python bench/scale.py --deals 30000000            # 30M deals (about 7 GB of CSV)
    python bench/scale.py --deals 30000000 --salesfunnel /path/to/salesfunnel

Generates the export (bench/generate.py, reused when present), loads it into a new
database with `salesfunnel load`, then runs the four reports of the benchmark once
each. Records the wall time, the peak RSS (VmHWM of the process), the largest size of
DuckDB's spill folder during the load ($SALESFUNNEL_TEMP_DIR, set to a folder beside
the database) and the database's size on disk, in bench/results/scale-<size>.json.

A watchdog stops a command whose RSS passes --max-rss-gib or when the machine's
available memory falls under --min-available-gib (the machine is shared; an
out-of-memory kill would hit other processes): the run then records where it stopped.
The last line printed is JSON: {"figure": ..., "value": ..., "target": ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import generate  # noqa: E402
from run import DATA, GIB, REPORTS, RESULTS, SALESFUNNEL, fmt_bytes, machine, remove_db  # noqa: E402


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _available_bytes() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 0


def _folder_bytes(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*") if folder.exists() else ():
        try:
            total += path.stat().st_size
        except OSError:
            pass
    return total


def watched(cmd: list[str], args, *, env=None, spill: Path | None = None, stdout=None) -> dict:
    """Run `cmd`: wall time, peak RSS, the spill folder's largest size; stopped by the
    watchdog when memory runs short."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout or subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=env)
    peak = spill_peak = 0
    stopped = None
    while proc.poll() is None:
        rss = _status_kb(proc.pid, "VmRSS") * 1024
        peak = max(peak, _status_kb(proc.pid, "VmHWM") * 1024)
        if spill is not None:
            spill_peak = max(spill_peak, _folder_bytes(spill))
        if rss > args.max_rss_gib * GIB or _available_bytes() < args.min_available_gib * GIB:
            stopped = (f"stopped by the watchdog at RSS {fmt_bytes(rss)}, "
                       f"{fmt_bytes(_available_bytes())} available")
            proc.kill()
            proc.wait()
            break
        time.sleep(0.5)
    seconds = time.perf_counter() - started
    stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    result = {"seconds": round(seconds, 2), "peak_rss_bytes": peak, "code": proc.returncode,
              "spill_peak_bytes": spill_peak}
    if stopped or proc.returncode != 0:
        result["error"] = stopped or stderr[-2000:]
    print(f"  {' '.join(cmd[1:3])}: {seconds:.1f} s, peak RSS {fmt_bytes(peak)}"
          + (f", spill peak {fmt_bytes(spill_peak)}" if spill is not None else "")
          + (f"  [{result['error'][:300]}]" if "error" in result else ""), file=sys.stderr,
          flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=30_000_000)
    parser.add_argument("--salesfunnel", default=SALESFUNNEL, help="The salesfunnel to run.")
    parser.add_argument("--max-rss-gib", type=float, default=18.0)
    parser.add_argument("--min-available-gib", type=float, default=2.0)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    args = parser.parse_args(argv)
    label = f"{args.deals // 1_000_000}m" if args.deals % 1_000_000 == 0 else str(args.deals)
    folder = DATA / label
    work = DATA / f"{label}-work"
    work.mkdir(parents=True, exist_ok=True)
    spill = work / "spill"
    db = work / "salesfunnel.duckdb"
    result: dict = {"machine": machine(), "deals": args.deals, "salesfunnel": args.salesfunnel}
    started = time.perf_counter()
    manifest = generate.ensure(args.deals, folder, seed=1)
    result["data"] = manifest
    result["csv_bytes"] = sum(manifest["bytes"].values())
    print(f"data: {manifest['rows']} ({fmt_bytes(result['csv_bytes'])} of CSV, "
          f"{'reused' if manifest.get('reused') else f'{time.perf_counter() - started:.0f} s'})",
          file=sys.stderr, flush=True)
    remove_db(db)
    shutil.rmtree(spill, ignore_errors=True)
    spill.mkdir()
    env = {**os.environ, "SALESFUNNEL_TEMP_DIR": str(spill)}
    result["load"] = watched([args.salesfunnel, "load", str(folder), "--db", str(db)], args,
                             env=env, spill=spill)
    result["db_bytes"] = sum(p.stat().st_size for p in (db, Path(f"{db}.wal")) if p.exists())
    result["reports"] = {}
    if result["load"]["code"] == 0:
        for name, cmd in REPORTS.items():
            result["reports"][name] = watched(
                [args.salesfunnel, *cmd, "--db", str(db), "--format", "json"], args, env=env
            )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"scale-{label}.json"
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    if not args.keep:
        remove_db(db)
    shutil.rmtree(spill, ignore_errors=True)
    load = result["load"]
    ok = load["code"] == 0 and all(r["code"] == 0 for r in result["reports"].values())
    value = (f"{args.deals:,} deals: load {load['seconds']:.0f} s, peak RSS "
             f"{fmt_bytes(load['peak_rss_bytes'])}, spill peak {fmt_bytes(load['spill_peak_bytes'])}, "
             f"database {fmt_bytes(result['db_bytes'])}; reports "
             + " / ".join(f"{r['seconds']:.1f} s" for r in result["reports"].values())
             + ("" if ok else f"; FAILED: {load.get('error', '')[:200]}"))
    print(f"results: {out}", file=sys.stderr)
    print(json.dumps({"figure": "largest load that fits this machine", "value": value,
                      "target": "30M deals (stretch 100M)", "ok": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
