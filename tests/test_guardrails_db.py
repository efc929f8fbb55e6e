"""Issue 13, the database side: paths checked once, no file before a load commits,
foreign files untouched, external failures as exit 5, hand-edited databases, schema
versions (the previous release's database is committed as a fixture), a stray config.

Each case asserts the exit code, the message and the database before/after (a
byte-for-byte hash of the file, or the rows of every table).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import FIXTURES, Cli, only_stale_notice, write
from test_corpus import snapshot

from salesfunnel.errors import ExitCode

RELEASE_DB = FIXTURES / "releases" / "v0.1.0-7f9ed3a.duckdb"
ENV = {"SALESFUNNEL_TODAY": "2026-03-01", "NO_COLOR": "1"}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def error_line(result) -> str:
    """The error paragraph (after any notes); exactly one."""
    errors = [line for line in result.stderr.splitlines() if line.startswith("salesfunnel: ")
              and not line.startswith("salesfunnel: note: ")]
    assert len(errors) == 1 and errors[0].startswith("salesfunnel: error: "), result.stderr
    return " ".join(errors[0].split())


def _cli_load_funnel(db: Path) -> None:
    assert Cli()("load", FIXTURES / "funnel", "--db", db).exit_code == 0


@pytest.fixture
def loaded(tmp_path, built_once) -> Path:
    return built_once("funnel through the cli", _cli_load_funnel, tmp_path / "crm.duckdb")


# -- case 1: -o naming the database ------------------------------------------------------
def test_output_naming_the_database_is_refused(cli, loaded, tmp_path, monkeypatch):
    before = digest(loaded)
    result = cli("conversion", "-f", "csv", "-o", loaded, "--db", loaded)
    assert result.exit_code == ExitCode.USAGE
    assert "is the database this report reads" in error_line(result)
    assert digest(loaded) == before
    # the default database name, found in the working folder
    monkeypatch.chdir(tmp_path)
    shutil.copy(loaded, tmp_path / "salesfunnel.duckdb")
    before = digest(tmp_path / "salesfunnel.duckdb")
    result = cli("rank", "-o", "salesfunnel.duckdb", "-f", "json")
    assert result.exit_code == ExitCode.USAGE
    assert digest(tmp_path / "salesfunnel.duckdb") == before
    # nor its write-ahead log, which the next opening of the database replays and deletes
    result = cli("rank", "-o", "salesfunnel.duckdb.wal", "-f", "json", "--force")
    assert result.exit_code == ExitCode.USAGE
    assert "--output salesfunnel.duckdb.wal is the write-ahead log of the database this " \
        "report reads" in error_line(result)
    assert not (tmp_path / "salesfunnel.duckdb.wal").exists()


# -- case 2: --db naming a data file ------------------------------------------------------
@pytest.mark.parametrize("name, data, looks_like", [
    ("deals.csv", b"deal_id,rep,stage\nD1,ann,lead\n", "text file"),
    ("deals.json", b'[{"deal_id": "D1"}]\n', "text file"),
    ("deals.parquet", b"PAR1" + b"\0" * 64, "Parquet file"),
    # what the content is, whatever the name says
    ("notes.duckdb", b"just some notes\n", "text file"),
    ("crm.duckdb", b"PK\x03\x04" + b"\0" * 64, "zip archive or Excel workbook"),
    ("old.db", b"SQLite format 3\0" + b"\0" * 64, "SQLite database"),
    ("blob.duckdb", bytes(range(128, 200)), "data file"),
])
def test_database_path_naming_a_data_file(cli, tmp_path, name, data, looks_like):
    target = write(tmp_path, name, "")
    target.write_bytes(data)
    for args in (("load", FIXTURES / "funnel"), ("conversion",)):
        result = cli(*args, "--db", target)
        assert result.exit_code == ExitCode.DATABASE, result.stderr
        assert "is not a DuckDB database file" in error_line(result)
        assert f"(it looks like a {looks_like})" in " ".join(result.stderr.split())
        assert target.read_bytes() == data


def test_empty_file_as_database_is_refused(cli, tmp_path):
    empty = write(tmp_path, "empty.duckdb", "")
    for args in (("load", FIXTURES / "funnel"), ("conversion",)):
        result = cli(*args, "--db", empty)
        assert result.exit_code == ExitCode.DATABASE
        assert "is an empty file, not a salesfunnel database" in error_line(result)
        assert empty.read_bytes() == b""


# -- cases 5 and 6: a failed load leaves no file, and a foreign file untouched ------------
def test_failed_first_load_creates_no_database(cli, tmp_path):
    db = tmp_path / "new.duckdb"
    bad = write(tmp_path, "bad.csv", "deal_id,rep,stage\nB1,ann,nowhere\n")
    for args in (("load", tmp_path / "missing.csv"), ("load", bad, "--strict")):
        result = cli(*args, "--db", db)
        assert result.exit_code == ExitCode.INPUT, result.stderr
        assert not db.exists() and not Path(f"{db}.wal").exists()
    result = cli("conversion", "--db", db)
    assert result.exit_code == ExitCode.DATABASE
    assert "No database at" in error_line(result)


def test_foreign_duckdb_file_is_left_untouched(cli, tmp_path):
    db = tmp_path / "other.duckdb"
    with duckdb.connect(str(db)) as conn:
        conn.execute("create table deals (x integer); insert into deals values (1), (2)")
    before = snapshot(db)
    result = cli("load", FIXTURES / "funnel", "--db", db)
    assert result.exit_code == ExitCode.DATABASE
    assert "is a DuckDB database but not a salesfunnel one (it holds deals)" in error_line(result)
    assert snapshot(db) == before == {"deals": [(1,), (2,)]}


# -- case 7: Ctrl-C once the load has committed --------------------------------------------
def test_ctrl_c_after_commit_is_a_success(cli, tmp_path, monkeypatch):
    import salesfunnel.render.info as info

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(info, "print_load_summary", interrupted)
    db = tmp_path / "crm.duckdb"
    result = cli("load", FIXTURES / "funnel", "--db", db)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "the load itself is complete" in result.stderr
    # the funnel fixture: 6 deals, 12 stage-history rows
    assert snapshot(db)["deals"].__len__() == 6
    assert len(snapshot(db)["stage_history"]) == 12


# -- case 25: FIFOs and devices -------------------------------------------------------------
def test_fifo_or_device_as_database_is_refused(cli, tmp_path):
    fifo = tmp_path / "pipe.duckdb"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/null")):
        for args in (("load", FIXTURES / "funnel"), ("info",)):
            result = cli(*args, "--db", path)
            assert result.exit_code == ExitCode.DATABASE
            assert "is not a regular file" in error_line(result)


# -- cases 12, 13, 17: external failures --------------------------------------------------
def test_corrupt_block_is_a_database_error(cli, loaded, tmp_path):
    """Garbage over every block after the file header: DuckDB's checksum check fails."""
    data = bytearray(loaded.read_bytes())
    for offset in range(12288 + 4096, len(data), 4096):
        data[offset:offset + 32] = b"\xde\xad\xbe\xef" * 8
    loaded.write_bytes(bytes(data))
    for args in (("conversion",), ("load", FIXTURES / "funnel", "--force")):
        result = cli(*args, "--db", loaded)
        assert result.exit_code == ExitCode.DATABASE
        assert "the file is damaged (a block's checksum does not match)" in error_line(result)
    assert loaded.read_bytes() == bytes(data)


def test_names_too_long_or_not_utf8(cli, tmp_path):
    long_db = tmp_path / ("d" * 300 + ".duckdb")
    result = cli("load", FIXTURES / "funnel", "--db", long_db)
    assert result.exit_code == ExitCode.DATABASE
    assert "longer than 255 bytes" in error_line(result)
    result = cli("load", tmp_path / ("f" * 300 + ".csv"), "--db", tmp_path / "ok.duckdb")
    assert result.exit_code == ExitCode.INPUT
    assert "File name too long" in error_line(result)
    bad_name = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9.duckdb"))
    result = cli("load", FIXTURES / "funnel", "--db", bad_name)
    assert result.exit_code == ExitCode.DATABASE
    assert "its name is not valid UTF-8" in error_line(result)
    assert sorted(os.listdir(tmp_path)) == []


def test_database_in_a_missing_folder(cli, tmp_path):
    result = cli("load", FIXTURES / "funnel", "--db", tmp_path / "no" / "such" / "db.duckdb")
    assert result.exit_code == ExitCode.DATABASE
    assert "the folder" in error_line(result) and "does not exist" in result.stderr


# -- case 19: a hand-edited database -------------------------------------------------------
@pytest.mark.parametrize("edit, message", [
    ("update salesfunnel_meta set value = '{not json' where key = 'funnel'",
     "The funnel stored in"),
    ("drop table load_rejects", "lacks the table(s) load_rejects"),
    ("drop table stage_history", "lacks the table(s) stage_history"),
])
def test_hand_edited_database_is_exit_5(cli, loaded, edit, message):
    with duckdb.connect(str(loaded)) as conn:
        conn.execute(edit)
    before = snapshot(loaded)
    for args in (("conversion",), ("info",), ("load", FIXTURES / "funnel")):
        result = cli(*args, "--db", loaded, env=ENV)
        assert result.exit_code == ExitCode.DATABASE, (args, result.stderr)
        assert message in error_line(result)
    assert snapshot(loaded) == before


# -- case 35: schema versions ----------------------------------------------------------------
def _version(db: Path) -> str:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(
            "select value from salesfunnel_meta where key = 'schema_version'"
        ).fetchone()[0]


def test_database_of_the_previous_release_is_migrated(cli, tmp_path):
    """tests/fixtures/releases/v0.1.0-7f9ed3a.duckdb: tests/fixtures/funnel loaded by
    commit 7f9ed3a (schema version 1). The first open migrates it in one transaction;
    the numbers are the fixture's (docs/metrics.md worked example): lead 6, qualified 4,
    opportunity 3, won 1."""
    db = tmp_path / "old.duckdb"
    shutil.copy(RELEASE_DB, db)
    assert _version(db) == "1"
    before = snapshot(db)
    result = cli("conversion", "--db", db, "-f", "json", env=ENV)
    assert result.exit_code == ExitCode.OK, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["stage"], r["reached"]) for r in rows] == [
        ("lead", 6), ("qualified", 4), ("opportunity", 3), ("won", 1)
    ]
    assert _version(db) == "5"
    after = snapshot(db)
    for table in ("stage_history", "accounts"):
        assert after[table] == before[table], table
    # rejects keep every row and value; they gain the (empty) deal_id column
    assert [row[:-1] for row in after["load_rejects"]] == before["load_rejects"]
    # deals keep every row and value; they gain the (empty) currency and pipeline columns
    assert [row[:-4] for row in after["deals"]] == before["deals"]
    assert {row[-4:] for row in after["deals"]} == {(None, None, None, None)}
    # a load into an old database migrates it too, in the load's transaction
    db2 = tmp_path / "old2.duckdb"
    shutil.copy(RELEASE_DB, db2)
    result = cli("load", FIXTURES / "funnel", "--db", db2)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert _version(db2) == "5"


def test_a_version_2_database_gains_the_pipeline_column(cli, loaded):
    """Schema version 2 (before pipelines): the first open adds deals.pipeline (empty)
    and rebuilds the cached facts; the numbers stay the fixture's."""
    with duckdb.connect(str(loaded)) as conn:
        conn.execute("alter table deals drop column pipeline")
        conn.execute("update salesfunnel_meta set value = '2' where key = 'schema_version'")
    result = cli("conversion", "--db", loaded, "-f", "json", env=ENV)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert [(r["stage"], r["reached"]) for r in json.loads(result.stdout)] == [
        ("lead", 6), ("qualified", 4), ("opportunity", 3), ("won", 1)
    ]
    assert _version(loaded) == "5"
    with duckdb.connect(str(loaded)) as conn:
        assert conn.execute("select count(*), count(pipeline) from deals").fetchone() == (6, 0)


def test_newer_schema_version_is_refused(cli, loaded):
    with duckdb.connect(str(loaded)) as conn:
        conn.execute("update salesfunnel_meta set value = '6' where key = 'schema_version'")
    before = snapshot(loaded)
    for args in (("conversion",), ("load", FIXTURES / "funnel")):
        result = cli(*args, "--db", loaded)
        assert result.exit_code == ExitCode.DATABASE
        line = error_line(result)
        assert "has schema version 6, newer than version 5" in line
    assert snapshot(loaded) == before


# -- case 9: a stray config --------------------------------------------------------------------
HUBSPOT_LIKE = """
[funnel]
stages = ["appointment scheduled", "qualified to buy", "closed won"]
lost = ["closed lost"]
"""


def test_config_whose_funnel_differs_is_refused(cli, loaded, tmp_path, monkeypatch):
    before = snapshot(loaded)
    stray = write(tmp_path, "other.toml", HUBSPOT_LIKE)
    for args in (("conversion",), ("rank",), ("load", FIXTURES / "funnel")):
        result = cli(*args, "--db", loaded, "--config", stray, env=ENV)
        assert result.exit_code == ExitCode.INPUT, (args, result.stderr)
        line = error_line(result)
        assert "appointment scheduled > qualified to buy > closed won" in line
        assert "lead > qualified > opportunity > won" in line
    # picked up from the working folder just the same
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "salesfunnel.toml", HUBSPOT_LIKE)
    assert cli("conversion", "--db", loaded, env=ENV).exit_code == ExitCode.INPUT
    assert snapshot(loaded) == before
    # a config without [funnel] asserts nothing about it
    write(tmp_path, "salesfunnel.toml", '[dates]\norder = "dmy"\n')
    result = cli("conversion", "--db", loaded, env=ENV)
    assert result.exit_code == ExitCode.OK and only_stale_notice(result.stderr)


def test_funnel_from_config_replaces_the_stored_funnel(cli, loaded, tmp_path):
    """The documented escape: the five-stage config funnel becomes the stored one."""
    config = write(tmp_path, "five.toml", '[funnel]\nstages = ["lead", "qualified", '
                   '"demo", "opportunity", "won"]\n')
    result = cli("load", FIXTURES / "funnel", "--db", loaded, "--config", config,
                 "--funnel-from-config")
    assert result.exit_code == ExitCode.OK, result.stderr
    result = cli("conversion", "--db", loaded, "--config", config, "-f", "json", env=ENV)
    assert result.exit_code == ExitCode.OK
    assert [r["stage"] for r in json.loads(result.stdout)] == [
        "lead", "qualified", "demo", "opportunity", "won"
    ]


# -- cases 15 and 16: wrong types in the config, stage names that collide ------------------------
@pytest.mark.parametrize("text, message", [
    ('[columns]\ndeals = "x"\n', "[columns.deals] must be a table"),
    ('[columns.deals]\ndeal_id = 5\n', "[columns.deals] deal_id must be a header name"),
    ('[columns.deals]\nstage_dates = "x"\n', "[columns.deals.stage_dates] must map"),
    ('[tiers]\nsource = "amount"\nbands = 5\n', "[tiers] bands must be a list"),
    ('[reports]\nstale_after_days = "week"\n', "[reports] stale_after_days must be"),
    ('[funnel]\nstages = ["lead", "rep", "won"]\n',
     "gives the reports (rank, plan, the pack) the column 'rep'"),
    ('[funnel]\nstages = ["lead", "lost", "won"]\nlost = ["gone"]\n', "the column 'lost'"),
    ('[funnel]\nstages = ["lead", "won_amount", "won"]\n', "the column 'won_amount'"),
    ('[funnel]\nstages = ["lead", "lead_rank", "won"]\n', "the column 'lead_rank'"),
])
def test_config_errors_are_exit_3(cli, loaded, tmp_path, text, message):
    config = write(tmp_path, "bad.toml", text)
    before = snapshot(loaded)
    for args in (("load", FIXTURES / "funnel", "--funnel-from-config"), ("conversion",)):
        result = cli(*args, "--db", loaded, "--config", config)
        assert result.exit_code == ExitCode.INPUT, (args, result.stderr)
        assert message in error_line(result)
    assert snapshot(loaded) == before


# -- the README's exit-code table is the code's -----------------------------------------------------
def test_readme_exit_codes_match_the_code():
    import re

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = [int(code) for code in re.findall(r"^\| (\d+) \|", section, re.MULTILINE)]
    assert documented == [code.value for code in ExitCode]
    assert 143 in documented and ExitCode.TERMINATED == 143
    # every test the README names exists
    for path, name in re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", readme):
        text = (Path(__file__).parent.parent / path).read_text(encoding="utf-8")
        assert not name or f"def {name}(" in text, (path, name)


# -- cases 11 and 12: full disk at commit, read-only and untraversable folders ------------------------
def test_disk_full_at_commit_is_a_database_error(tmp_path):
    """DuckDB's commit (or checkpoint) failing with ENOSPC: exit 5 naming the disk, and
    the transaction is over (rolled back)."""
    from salesfunnel.config import Funnel
    from salesfunnel.db import Database
    from salesfunnel.errors import DatabaseError

    class FullDisk:
        def execute(self, sql, params=None):
            if sql == "commit":
                raise duckdb.IOException("Could not write file \"x.duckdb.wal\": No space left on device")

        def close(self):
            raise duckdb.IOException("Checkpoint failed: No space left on device")

    db = Database(FullDisk(), tmp_path / "x.duckdb", Funnel())
    with pytest.raises(DatabaseError, match=r"Database error on .*x.duckdb: the disk is full"):
        with db.transaction():
            pass
    with pytest.raises(DatabaseError, match=r"the disk is full \(Checkpoint failed"):
        db.close()


def _unprivileged(args: list[str], cwd: Path):
    """`python -m salesfunnel ARGS` without root's power to ignore permissions."""
    import subprocess
    import sys

    from test_corpus import run_subprocess

    if os.geteuid() != 0:
        return run_subprocess(args, cwd)
    setpriv = shutil.which("setpriv")
    assert setpriv, "running as root needs setpriv to test permissions"
    env = {k: v for k, v in os.environ.items() if k != "SALESFUNNEL_DEBUG"}
    return subprocess.run(
        [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search",
         sys.executable, "-m", "salesfunnel", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=120,
    )


def test_read_only_and_untraversable_folders(loaded, tmp_path):
    read_only = tmp_path / "ro"
    read_only.mkdir()
    shutil.copy(loaded, read_only / "crm.duckdb")
    before = digest(read_only / "crm.duckdb")
    read_only.chmod(0o555)
    locked = tmp_path / "locked"
    locked.mkdir()
    shutil.copy(loaded, locked / "crm.duckdb")
    locked.chmod(0)
    try:
        new = _unprivileged(["load", FIXTURES / "funnel", "--db", read_only / "new.duckdb"], tmp_path)
        assert new.returncode == ExitCode.DATABASE, new.stderr
        assert "is not writable" in new.stderr and "Traceback" not in new.stderr
        # a writable database in a read-only folder: its write-ahead log cannot be made
        existing = _unprivileged(
            ["load", FIXTURES / "funnel", "--force", "--db", read_only / "crm.duckdb"], tmp_path)
        assert existing.returncode == ExitCode.DATABASE, existing.stderr
        assert existing.stderr.startswith("salesfunnel: error: ")
        inside = _unprivileged(["conversion", "--db", locked / "crm.duckdb"], tmp_path)
        assert inside.returncode == ExitCode.DATABASE, inside.stderr
        assert "Permission denied" in inside.stderr
    finally:
        read_only.chmod(0o755)
        locked.chmod(0o755)
    assert digest(read_only / "crm.duckdb") == before
    assert sorted(os.listdir(read_only)) == ["crm.duckdb"]


def test_parquet_to_a_full_disk_names_the_file(cli, loaded):
    result = cli("rank", "-f", "parquet", "-o", "/dev/full", "--db", loaded)
    assert result.exit_code == ExitCode.INPUT
    assert "Cannot write /dev/full" in error_line(result)


def test_facts_cached_by_another_release_are_computed_live_and_said(cli, funnel_db):
    """The cached facts of a database another release loaded (its facts key differs)
    are not read: the report computes them from the loaded data, gives the same numbers
    and says why it may be slow; the next load refreshes the cache."""
    import duckdb

    env = {"SALESFUNNEL_TODAY": "2026-02-23"}
    before = cli("conversion", "-f", "json", "--db", funnel_db, env=env)
    with duckdb.connect(str(funnel_db)) as conn:
        conn.execute("update salesfunnel_meta set value = 'another-release' where key = 'facts_key'")
    live = cli("conversion", "-f", "json", "--db", funnel_db, env=env)
    assert live.exit_code == 0 and live.stdout == before.stdout
    assert json.loads(live.stdout)[0]["reached"] == 6  # D1..D6 reached lead
    assert "computed by another salesfunnel release" in " ".join(live.stderr.split())
    assert "another salesfunnel release" not in before.stderr
    reload = cli("load", FIXTURES / "funnel", "--db", funnel_db, env=env)
    assert reload.exit_code == 0, reload.stderr
    after = cli("conversion", "-f", "json", "--db", funnel_db, env=env)
    assert after.stdout == before.stdout and "another salesfunnel release" not in after.stderr
