"""Cron behaviour: no terminal, NO_COLOR, TERM=dumb, stdin closed.

stdout holds only data (parseable JSON or CSV, no ANSI escapes), stderr only messages;
exit codes as documented; and many back-to-back invocations never hang at
interpreter exit.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import FIXTURES

import salesfunnel
from salesfunnel.errors import ExitCode

ESC = "\x1b"
PER_CALL_TIMEOUT = 30


def _cron_env(home: Path) -> dict[str, str]:
    """A cron job's environment: no terminal type, no colour, nothing from the session."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "NO_COLOR": "1",
        "TERM": "dumb",
        "LANG": "C.UTF-8",
    }
    for name in ("PYTHONPATH", "VIRTUAL_ENV", "TMPDIR"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def cron(*args, cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "salesfunnel", *map(str, args)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=cwd, env=_cron_env(cwd),
        timeout=PER_CALL_TIMEOUT,
    )
    assert ESC not in result.stdout and ESC not in result.stderr, args
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cron")
    result = cron("load", FIXTURES / "funnel", "--db", folder / "cron.duckdb", cwd=folder)
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout == ""
    assert "deals.csv: deals (preset canonical), read 6, loaded 6, rejected 0" in result.stderr
    return folder, folder / "cron.duckdb"


def test_data_on_stdout_messages_on_stderr(loaded):
    folder, db = loaded
    as_json = cron("conversion", "-f", "json", "--db", db, cwd=folder)
    assert as_json.returncode == ExitCode.OK and as_json.stderr == ""
    assert [row["reached"] for row in json.loads(as_json.stdout)] == [6, 4, 3, 1]

    as_csv = cron("dropoff", "-f", "csv", "--db", db, cwd=folder)
    assert as_csv.returncode == ExitCode.OK and as_csv.stderr == ""
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert rows and set(rows[0]) == {"tier", "stage", "reason", "lost", "share", "amount"}

    rank = cron("rank", "--month", "2026-01", "-f", "json", "--db", db, cwd=folder)
    assert rank.returncode == ExitCode.OK and rank.stderr == ""
    json.loads(rank.stdout)

    table = cron("conversion", "--db", db, cwd=folder)
    assert table.returncode == ExitCode.OK and table.stderr == ""
    assert "Conversion" in table.stdout
    assert cron("info", "--db", db, cwd=folder).stderr == ""


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["conversion", "--db", "missing.duckdb"], 5, "No database at missing.duckdb"),
        (["conversion", "--month", "March"], 2, "--month takes YYYY-MM"),
        (["conversion", "--wait", "-1"], 2, "--wait"),
        (["conversion", "--no-such-flag"], 2, "No such option"),
        (["load", "nowhere/"], 3, "nowhere does not exist"),
        (["conversion", "-f", "parquet"], 2, "Parquet is binary"),
    ],
)
def test_errors_go_to_stderr_with_their_exit_code(loaded, args, code, fragment):
    folder, db = loaded
    if "--db" not in args:
        args = [*args, "--db", db]
    result = cron(*args, cwd=folder)
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    assert fragment in " ".join(result.stderr.split())


def test_two_hundred_back_to_back_runs_never_hang(loaded):
    """200 invocations, two streams of 100 back-to-back: each must exit within the
    per-call timeout (a hang at interpreter exit fails it); a few of them run
    reports, which start DuckDB and Polars threads."""
    folder, db = loaded
    expected = f"salesfunnel {salesfunnel.__version__}\n"

    def stream(number: int) -> list[float]:
        took = []
        for index in range(100):
            started = time.monotonic()
            if index % 25 == 0:
                result = cron("conversion", "-f", "json", "--db", db, cwd=folder)
                assert result.returncode == ExitCode.OK and json.loads(result.stdout)
            else:
                result = cron("--version", cwd=folder)
                assert (result.returncode, result.stdout, result.stderr) == (0, expected, "")
            took.append(time.monotonic() - started)
        return took

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        durations = [d for part in pool.map(stream, range(2)) for d in part]
    assert len(durations) == 200
    assert max(durations) < PER_CALL_TIMEOUT
    assert time.monotonic() - started < 180
