"""Issue 17: DuckDB's memory, temp folder and threads are bounded on every connection,
from $SALESFUNNEL_MEMORY_LIMIT, $SALESFUNNEL_TEMP_DIR and $SALESFUNNEL_THREADS, else
from the machine; a malformed value is a usage error (exit 2), never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import FIXTURES

from salesfunnel import db as dbmod
from salesfunnel.db import memory_database, open_database, resource_settings
from salesfunnel.errors import ExitCode, UsageError

SETTINGS = ("select current_setting('memory_limit'), current_setting('temp_directory'), "
            "current_setting('threads')")


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("SALESFUNNEL_MEMORY_LIMIT", "SALESFUNNEL_TEMP_DIR", "SALESFUNNEL_THREADS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(("text", "size"), [
    ("3GB", 3_000_000_000), ("512MiB", 512 * 1024**2), (" 1.5 gb ", 1_500_000_000),
    ("64MB", 64_000_000),
])
def test_memory_limit_is_parsed(clean_env, text, size):
    clean_env.setenv("SALESFUNNEL_MEMORY_LIMIT", text)
    assert resource_settings(Path("x.duckdb"))["memory_limit"] == size


@pytest.mark.parametrize(("name", "value", "message"), [
    ("SALESFUNNEL_MEMORY_LIMIT", "3", "with its unit"),
    ("SALESFUNNEL_MEMORY_LIMIT", "3XB", "got '3XB'"),
    ("SALESFUNNEL_MEMORY_LIMIT", "10MB", "at least 64MB"),
    ("SALESFUNNEL_MEMORY_LIMIT", "-1GB", "got '-1GB'"),
    ("SALESFUNNEL_THREADS", "0", "from 1 to 1024"),
    ("SALESFUNNEL_THREADS", "two", "got 'two'"),
])
def test_malformed_values_are_usage_errors(clean_env, name, value, message):
    clean_env.setenv(name, value)
    with pytest.raises(UsageError, match=message):
        resource_settings(Path("x.duckdb"))


def test_temp_dir_naming_a_file_is_refused(clean_env, tmp_path):
    clean_env.setenv("SALESFUNNEL_TEMP_DIR", str(FIXTURES / "funnel" / "deals.csv"))
    with pytest.raises(UsageError, match="is not a folder"):
        resource_settings(tmp_path / "x.duckdb")


def test_defaults_are_a_share_of_the_ram_capped(clean_env, tmp_path):
    settings = resource_settings(tmp_path / "x.duckdb")
    assert dbmod.MIN_MEMORY <= settings["memory_limit"] <= dbmod.DEFAULT_MEMORY_CAP
    assert settings["temp_directory"] == f"{tmp_path / 'x.duckdb'}.tmp"
    assert "threads" not in settings



def test_an_in_memory_database_spills_into_the_system_temporary_folder(clean_env, tmp_path,
                                                                      monkeypatch):
    """init and sample work in memory: a spill goes to salesfunnel-<pid>.tmp in the system's
    temporary folder, never DuckDB's default ./.tmp in the user's working folder."""
    import tempfile

    monkeypatch.chdir(tmp_path)
    expected = str(Path(tempfile.gettempdir()) / f"salesfunnel-{os.getpid()}.tmp")
    assert resource_settings(Path(":memory:"))["temp_directory"] == expected
    scratch = memory_database()
    try:
        assert scratch.fetchall("select current_setting('temp_directory')") == [(expected,)]
    finally:
        scratch.close()
    assert list(tmp_path.iterdir()) == []


def test_settings_are_applied_on_every_connection(clean_env, cli, tmp_path):
    path = tmp_path / "crm.duckdb"
    assert cli("load", FIXTURES / "funnel", "--db", path).exit_code == 0
    clean_env.setenv("SALESFUNNEL_MEMORY_LIMIT", "300MiB")
    clean_env.setenv("SALESFUNNEL_TEMP_DIR", str(tmp_path / "spill"))
    clean_env.setenv("SALESFUNNEL_THREADS", "1")
    for write in (True, False):
        db = open_database(path, write=write, config_funnel=None)
        try:
            assert db.fetchall(SETTINGS) == [("300.0 MiB", str(tmp_path / "spill"), 1)]
        finally:
            db.close()
    scratch = memory_database()
    try:
        assert scratch.fetchall(SETTINGS)[0][0] == "300.0 MiB"
    finally:
        scratch.close()


def test_default_limit_is_applied(clean_env, tmp_path, monkeypatch):
    monkeypatch.setattr(dbmod, "_default_memory", lambda: 200 * 1024**2)
    db = open_database(tmp_path / "new.duckdb", write=True, config_funnel=None)
    try:
        assert db.fetchall(SETTINGS)[0][:2] == ("200.0 MiB", f"{tmp_path / 'new.duckdb'}.tmp")
    finally:
        db.close()


def test_cli_reports_a_bad_setting_as_exit_2(clean_env, cli, tmp_path):
    path = tmp_path / "crm.duckdb"
    result = cli("load", FIXTURES / "funnel", "--db", path,
                 env={"SALESFUNNEL_MEMORY_LIMIT": "lots"})
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr.startswith("salesfunnel: error: $SALESFUNNEL_MEMORY_LIMIT takes a size")
    assert "Traceback" not in result.stderr
    assert not path.exists()


def test_running_out_of_memory_names_the_knob():
    """DuckDB's out-of-memory error becomes a QueryError (exit 6) saying how to give
    it more memory."""
    import duckdb

    from salesfunnel.errors import QueryError

    db = memory_database()

    def allocate():
        raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")

    try:
        with pytest.raises(QueryError, match="SALESFUNNEL_MEMORY_LIMIT=12GB") as caught:
            db._run(allocate)
        assert caught.value.exit_code == ExitCode.QUERY
    finally:
        db.close()
