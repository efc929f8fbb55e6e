"""Concurrent runs on one database file, as overlapping cron jobs make them.

Two loads at once both land (the second waits for the first); a process that cannot
get the database within --wait exits 4 naming the holder's PID; a report during a
load shows the database before or after the load, never half of it. The lock
holder is sometimes this test process itself (a DuckDB connection), which makes
the timing exact; the loads and reports always run as real `salesfunnel` processes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
from conftest import FIXTURES, load_into, only_stale_notice
from test_corpus import snapshot

from salesfunnel.errors import ExitCode
from salesfunnel.load.sample import write_sample


def _command(*args) -> list[str]:
    return [sys.executable, "-m", "salesfunnel", *map(str, args)]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SALESFUNNEL_DEBUG"}
    env.update(NO_COLOR="1", TERM="dumb")
    return env


def _run(*args, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        _command(*args), capture_output=True, text=True, cwd=cwd, env=_env(),
        stdin=subprocess.DEVNULL, timeout=timeout,
    )


def _start(*args, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        _command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
        env=_env(), stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    root = tmp_path_factory.mktemp("concurrency")
    write_sample(root / "sample", deals=80_000, seed=5)
    other = root / "other.csv"
    other.write_text(
        "deal_id,rep,stage,amount\n" + "".join(f"B-{i},bea,lead,{i}\n" for i in range(1, 20_001)),
        encoding="utf-8",
    )
    base = root / "base.duckdb"
    load_into(base, FIXTURES / "funnel")
    return {"root": root, "sample": root / "sample", "other": other, "base": base}


@pytest.fixture
def db(exports, tmp_path) -> Path:
    path = tmp_path / "shared.duckdb"
    shutil.copy(exports["base"], path)
    return path


def _deal_count(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute("select count(*) from deals").fetchone()[0]


def _assert_busy_message(result, holder_pid: int | None = None) -> None:
    assert result.returncode == ExitCode.BUSY, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert result.stderr.startswith("salesfunnel: error: Another salesfunnel process")
    assert len(result.stderr.strip().splitlines()) == 1
    if holder_pid is not None:
        assert f"(PID {holder_pid}) holds the database" in result.stderr


def test_two_loads_at_once_both_land(exports, db, tmp_path):
    sample_deals = _deal_count_of_sample(exports)
    first = _start("load", exports["sample"], "--db", db, "--wait", 60, cwd=tmp_path)
    second = _start("load", exports["other"], "--db", db, "--wait", 60, cwd=tmp_path)
    for process in (first, second):
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == ExitCode.OK, stderr
        assert stdout == "" and "Traceback" not in stderr
    assert _deal_count(db) == 6 + sample_deals + 20_000
    with duckdb.connect(str(db), read_only=True) as conn:
        assert conn.execute("select count(*) from deals where deal_id like 'B-%'").fetchone() == (
            20_000,
        )
        assert conn.execute(
            "select count(*) - count(distinct deal_id) from deals"
        ).fetchone() == (0,)


def _deal_count_of_sample(exports) -> int:
    # the sample's newest export lists every deal (the earlier one a subset of them)
    with (exports["sample"] / "deals_2026-10-31_2300.csv").open(encoding="utf-8") as handle:
        return sum(1 for _ in handle) - 1


def test_a_process_that_cannot_get_the_database_exits_4_with_the_pid(db, exports, tmp_path):
    before = snapshot(db)
    holder = duckdb.connect(str(db))  # this process holds the write lock
    try:
        started = time.monotonic()
        loser = _run("load", exports["other"], "--db", db, "--wait", 0, cwd=tmp_path)
        _assert_busy_message(loser, os.getpid())
        assert "gave up after waiting 0 s" in loser.stderr
        report = _run("conversion", "-f", "json", "--db", db, "--wait", 0, cwd=tmp_path)
        _assert_busy_message(report, os.getpid())
        waited = _run("load", exports["other"], "--db", db, "--wait", 1.5, cwd=tmp_path)
        _assert_busy_message(waited, os.getpid())
        assert "gave up after waiting 1.5 s" in waited.stderr
        assert time.monotonic() - started >= 1.5
    finally:
        holder.close()
    assert snapshot(db) == before


def test_a_waiting_load_goes_ahead_when_the_holder_lets_go(db, exports, tmp_path):
    holder = duckdb.connect(str(db))
    release = threading.Timer(2.0, holder.close)
    started = time.monotonic()
    release.start()
    try:
        result = _run("load", exports["other"], "--db", db, "--wait", 30, cwd=tmp_path)
    finally:
        release.join()
    assert result.returncode == ExitCode.OK, result.stderr
    assert time.monotonic() - started >= 2.0
    assert _deal_count(db) == 6 + 20_000


def _conversion_json(path: Path) -> list[dict]:
    from salesfunnel.db import open_database
    from salesfunnel.reports import common, funnel

    database = open_database(path, write=False, config_funnel=None)
    try:
        frame = funnel.conversion(database, common.Filters()).frame
    finally:
        database.close()
    return json.loads(frame.write_json())


def test_reports_during_a_load_see_before_or_after_never_half(db, exports, tmp_path):
    before = _conversion_json(db)
    # --wait 60: a report may hold the database just when the load starts
    load = _start("load", exports["sample"], "--db", db, "--wait", 60, cwd=tmp_path)
    outcomes = []
    deadline = time.monotonic() + 60
    while load.poll() is None and time.monotonic() < deadline:
        outcomes.append(_run("conversion", "-f", "json", "--db", db, "--wait", 0, cwd=tmp_path))
    outcomes.append(_run("conversion", "-f", "json", "--db", db, "--wait", 60, cwd=tmp_path))
    _, stderr = load.communicate(timeout=60)
    assert load.returncode == ExitCode.OK, stderr
    after = _conversion_json(db)
    assert after != before
    for result in outcomes:
        assert "Traceback" not in result.stderr
        if result.returncode == ExitCode.BUSY:
            _assert_busy_message(result, load.pid)
        else:
            assert result.returncode == ExitCode.OK, result.stderr
            assert only_stale_notice(result.stderr)
            assert json.loads(result.stdout) in (before, after)
    assert json.loads(outcomes[-1].stdout) == after
    assert any(result.returncode == ExitCode.BUSY for result in outcomes), "no report ran during the load"
