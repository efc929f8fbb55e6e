"""Crash safety: a load killed at any point (SIGKILL) or interrupted (Ctrl-C, SIGINT)
leaves the database exactly as it was (or, once it has committed, complete: never
anything between), and the database still opens and loads.

A session fixture writes a large synthetic export and times one full load of it; the
kills land at fractions of that time, so the test follows the machine's speed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import FIXTURES, load_into
from test_corpus import snapshot

from salesfunnel.errors import ExitCode
from salesfunnel.load.sample import write_sample

DEALS = 100_000


def _state(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table, but when a file was loaded (two loads of one export
    hold the same data at different times)."""
    tables = snapshot(db)
    with duckdb.connect(str(db), read_only=True) as conn:
        tables["load_files"] = conn.execute(
            "select * exclude (loaded_at) from load_files order by all"
        ).fetchall()
    return tables


def _start_load(export: Path, db: Path, cwd: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "SALESFUNNEL_DEBUG"}
    env.update(NO_COLOR="1", TERM="dumb")
    # Ctrl-C as at a terminal: a shell starts a background job (a CI runner's, `make test &`)
    # with SIGINT ignored, which its children inherit, and Python then installs no Ctrl-C
    # handler at all; the load under test starts as a foreground command would
    return subprocess.Popen(
        [sys.executable, "-m", "salesfunnel", "load", str(export), "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        cwd=cwd, env=env, preexec_fn=_sigint_as_at_a_terminal,
    )


def _sigint_as_at_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A large export, a small database to load it into, and how long a full load takes."""
    root = tmp_path_factory.mktemp("crash")
    export = root / "export"
    write_sample(export, deals=DEALS, seed=11)
    base = root / "base.duckdb"
    load_into(base, FIXTURES / "funnel")
    full = root / "full.duckdb"
    shutil.copy(base, full)
    started = time.monotonic()
    process = _start_load(export, full, root)
    _, stderr = process.communicate(timeout=120)
    seconds = time.monotonic() - started
    assert process.returncode == ExitCode.OK, stderr
    return {
        "export": export, "base": base, "full": _state(full), "seconds": seconds, "root": root,
    }


def _db_copy(big, name: str) -> Path:
    db = big["root"] / name
    shutil.copy(big["base"], db)
    return db


def _still_usable(db: Path, before: dict, tmp_path: Path) -> None:
    """The database opens for writing after the crash and takes a new load."""
    extra = tmp_path / "extra.csv"
    extra.write_text("deal_id,rep,stage\nAFTER-1,ann,lead\n", encoding="utf-8")
    report = load_into(db, extra)
    assert report.files[0].rows_loaded == 1
    after = snapshot(db)
    assert len(after["deals"]) == len(before["deals"]) + 1


def _signal_during_load(big, db: Path, tmp_path: Path, fraction: float, sig: int,
                        must_land: bool) -> tuple[subprocess.Popen, str, str]:
    """Start a load into `db` and send `sig` at `fraction` of the timed full load. When
    `must_land` and the load had already finished (the machine ran faster than when the
    fixture timed it), the database is put back and the signal sent earlier (halving
    the wait, down to the interpreter's start-up), so the test exercises what it names."""
    wait = max(big["seconds"] * fraction, 0.8)  # past interpreter start-up
    for _ in range(4):
        process = _start_load(big["export"], db, tmp_path)
        time.sleep(wait)
        process.send_signal(sig)
        stdout, stderr = process.communicate(timeout=60)
        if not must_land or process.returncode != ExitCode.OK or wait <= 0.8:
            return process, stdout, stderr
        assert _state(db) == big["full"], "a load that exited 0 is complete"
        shutil.copy(big["base"], db)
        wait = max(wait / 2, 0.8)
    return process, stdout, stderr


@pytest.mark.parametrize("fraction", [0.15, 0.5, 0.85])
def test_sigkill_during_load_keeps_the_previous_state(big, fraction, tmp_path):
    db = _db_copy(big, f"kill-{fraction}.duckdb")
    before = _state(db)
    process, _, _ = _signal_during_load(big, db, tmp_path, fraction, signal.SIGKILL,
                                        must_land=fraction <= 0.3)
    # reopening replays or discards the WAL: the state before, or (killed after the
    # commit, or the load finished first) the complete load; never anything between
    after = _state(db)
    if fraction <= 0.3:  # well before the commit, whatever the machine's pace
        assert process.returncode == -signal.SIGKILL
        assert after == before
    if after != before:
        assert after == big["full"], "a half-written load"
        return
    _still_usable(db, snapshot(db), tmp_path)


@pytest.mark.parametrize("fraction", [0.3, 0.6])
def test_ctrl_c_during_load_exits_130_and_writes_nothing(big, fraction, tmp_path):
    db = _db_copy(big, f"int-{fraction}.duckdb")
    before = _state(db)
    process, stdout, stderr = _signal_during_load(big, db, tmp_path, fraction, signal.SIGINT,
                                                  must_land=fraction <= 0.3)
    if process.returncode == ExitCode.OK:  # it had committed: Ctrl-C then waits for the end
        assert fraction > 0.3, stderr
        assert _state(db) == big["full"]
        return
    assert process.returncode == ExitCode.INTERRUPTED, stderr
    assert stdout == ""
    assert stderr == "salesfunnel: error: Interrupted; nothing was written.\n"
    assert _state(db) == before
    assert db.read_bytes() == big["base"].read_bytes()  # not even freed blocks left
    _still_usable(db, snapshot(db), tmp_path)


def test_a_load_that_fails_after_writing_leaves_the_file_byte_for_byte(big, tmp_path,
                                                                      monkeypatch):
    """DuckDB writes a large insert's row groups into new blocks at the end of the file
    before the commit; a rollback frees them but the file kept them (SIGTERM during a load
    of 1M deals left a 3.4 MB database 51 MB long, its rows unchanged).
    The load fails here after merging every deal and history row, while refreshing the
    cached facts: the file is the same bytes as before, and still takes a load."""
    from salesfunnel import db as dbmod
    from salesfunnel.errors import DatabaseError

    db = _db_copy(big, "failed-late.duckdb")
    before_bytes, before = db.read_bytes(), _state(db)

    def fail(self):
        raise DatabaseError("the disk went away")

    monkeypatch.setattr(dbmod.Database, "refresh_fact_cache", fail)
    with pytest.raises(DatabaseError, match="the disk went away"):
        load_into(db, big["export"])
    monkeypatch.undo()
    assert db.read_bytes() == before_bytes
    assert not Path(f"{db}.wal").exists()
    assert _state(db) == before
    _still_usable(db, before, tmp_path)
