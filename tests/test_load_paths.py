"""Issue 17: the fast path of parsing (one cast for the plain ISO shapes of dates) and
the checking path alone ($SALESFUNNEL_LOAD_CHECKED) give the same database and the same
rejects: every fixture folder is loaded both ways and compared (all tables, without the
load timestamps; the corpus cases are compared in test_corpus.py), and every value of
the fixtures and the corpus, with hand-picked edge cases, parses alike both ways."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES
from test_corpus import CORPUS, same_database

from salesfunnel.db import memory_database
from salesfunnel.funnel import Funnel
from salesfunnel.load.orchestrate import CHECKED_ENV
from salesfunnel.sqltree import sql_text

PER_FILE = {"presets", "real_shapes"}  # files of different CRMs: one by one
SKIPPED = {"onboarding"}  # exports that need a proposed config (init): their values are below
SAMPLE = Path(__file__).parent.parent / "sample_data"
CONFIGS = {"rank9": "salesfunnel.toml", "real_shapes": "currency.toml"}
UNITS = sorted(
    str(path.relative_to(FIXTURES))
    for folder in FIXTURES.iterdir()
    if folder.is_dir() and any(folder.rglob("*.csv")) and folder.name not in SKIPPED
    for path in (sorted(folder.rglob("*.csv")) if folder.name in PER_FILE else [folder])
)
EDGE = [
    "2026-01-01", "2026-01-01 10:00:00", "2026-02-30", "2026-02-28 24:00:00", "2026-13-01",
    "0000-01-01", "1899-12-31", "2199-12-31 23:59:59", "2200-01-01", "9999-12-31",
    "2026-01-01 10:00:00+05:00", "2026-01-01T10:00:00Z", "2026-01-01 10:00:00 EST",
    "2026-01-01 10:00:00 UTC", "2026-01-01 10:00:00.5", "2026-1-1", "2026-01-01 1:00:00",
    "2026-01-01 10:00", "2026-01-01 10:00:60", "2026-01-01  10:00:00", "12026-01-01",
    "-2026-01-01", "01/02/2026", "31.12.2026", "2026/01/02", "Apr 15, 2021", "epoch",
    "infinity", "", "2026-01-01\n", "２０２６-01-01", "2026-01-01 10:00:00 PM",
]


@pytest.mark.parametrize("unit", UNITS)
def test_fixture_loads_alike_both_ways(unit, cli, tmp_path):
    """Each fixture folder (each file of the folders mixing CRMs) loaded both ways."""
    top = unit.split("/")[0]
    source = tmp_path / "in"
    shutil.copytree(FIXTURES / top, source)  # the same files (and times) for both
    target = source / Path(unit).relative_to(top)
    config = ["--config", str(source / CONFIGS[top])] if top in CONFIGS else []
    result, loaded = assert_loads_alike(cli, tmp_path, target, config, CHECKED_ENV)
    assert loaded == (result.exit_code == 0)


def assert_loads_alike(cli, tmp_path: Path, target: Path, config: list[str], switch: str):
    """`load` of `target` with the environment switch off, then on (the fast and the
    checking parsers; batches and file by file): the same exit code, stderr and tables.
    Returns the first run's result and whether it left a database."""
    off, on = tmp_path / "off.duckdb", tmp_path / "on.duckdb"
    first = cli("load", target, *config, "--db", off, env={switch: ""})
    second = cli("load", target, *config, "--db", on, env={switch: "1"})
    assert first.exit_code == second.exit_code
    assert first.stderr.replace(str(off), "DB") == second.stderr.replace(str(on), "DB")
    assert off.exists() == on.exists()
    if off.exists():
        assert same_database(off) == same_database(on)
    return first, off.exists()


def _values() -> list[str]:
    """Every cell of every CSV file of the fixtures, the corpus and the sample data, and
    the edge cases."""
    db = memory_database()
    try:
        files = [str(p) for root in (FIXTURES, CORPUS / "cases", SAMPLE) for p in root.rglob("*.csv")]
        cells = set(EDGE)
        for path in files:
            try:
                rows = db.conn.execute(
                    "select * from read_csv(?, all_varchar = true, header = false, "
                    "ignore_errors = true, null_padding = true)", [path]).fetchall()
            except Exception:  # not a CSV DuckDB reads (binary, legacy encoding): skipped
                continue
            cells |= {v.strip() for row in rows for v in row if v}
        return sorted(cells)
    finally:
        db.close()


def test_every_value_parses_alike_both_ways():
    values = _values()
    assert len(values) > 10_000
    db = memory_database()
    try:
        db.install_funnel(Funnel())
        db.run_script(sql_text("load/load_macros"))
        db.execute("create temp table cells as select unnest(?::varchar[]) as v", [values])
        fast = db.fetchall("select v, parse_timestamp(v) from cells order by v")
        plain = db.scalar("select count(*) from cells where plain_iso_timestamp(v)")
        db.run_script(sql_text("load/checking_path_only"))
        assert db.fetchall("select v, parse_timestamp(v) from cells order by v") == fast
    finally:
        db.close()
    assert plain > 100  # the fast path was taken (by every plain ISO value)


@pytest.mark.parametrize("checked", ["", "1"])
def test_plain_files_parse_like_mixed_files(tmp_path, monkeypatch, checked):
    """A file whose dates and amounts all have the plain shape is parsed with one cast
    each (parsing.use_plain_parsers); the same values in a file with one zoned date and
    one amount with a thousands separator take the checking parsers. Both give the same
    values and the same rejects, by hand, both ways."""
    from conftest import load_into, query, write

    monkeypatch.setenv(CHECKED_ENV, checked)
    header = "deal_id,rep,stage,created_at,amount\n"
    plain = write(tmp_path, "plain.csv", header + (
        "P1,Ann,lead,2026-03-04,1200\n"
        "P2,Ann,lead,2026-03-04 13:05:09,-3\n"  # negative amount: rejected
        "P3,Ann,lead,2026-02-30,7.5\n"  # impossible date: rejected
        "P4,Ann,lead,,\n"))
    mixed = write(tmp_path, "mixed.csv", header + (
        "M1,Ann,lead,2026-03-04,\"1,200\"\n"
        "M2,Ann,lead,2026-03-04T14:05:09+01:00,-3\n"
        "M3,Ann,lead,2026-02-30,7.5\n"
        "M4,Ann,lead,2026-03-04 13:05:09 EST,\n"))  # a zone name: rejected
    for path in (plain, mixed):
        load_into(tmp_path / f"{path.stem}.duckdb", path)
    deals = {
        name: query(tmp_path / f"{name}.duckdb",
                    "select deal_id, created_at::varchar, amount from deals order by deal_id")
        for name in ("plain", "mixed")
    }
    assert deals["plain"] == [("P1", "2026-03-04 00:00:00", 1200.0), ("P4", None, None)]
    assert deals["mixed"] == [("M1", "2026-03-04 00:00:00", 1200.0)]
    rejects = {
        name: query(tmp_path / f"{name}.duckdb",
                    "select line, column_name, value, reason from load_rejects order by line")
        for name in ("plain", "mixed")
    }
    assert rejects["plain"] == [
        (3, "amount", "-3", "negative amount"),
        (4, "created_at", "2026-02-30", "unparseable date"),
    ]
    assert rejects["mixed"] == [
        (3, "amount", "-3", "negative amount"),
        (4, "created_at", "2026-02-30", "unparseable date"),
        (5, "created_at", "2026-03-04 13:05:09 EST",
         "time zone name not understood (give a UTC offset such as -05:00)"),
    ]


def test_trim_spaces_is_trim():
    """The staging scripts' trim_spaces skips trim for a cell that starts and ends with a
    printable ASCII character: it gives what trim gives for every corpus value and for
    every space separator DuckDB's trim strips, at either end or both."""
    spaces = [" ", "\u00a0", "\u1680", *map(chr, range(0x2000, 0x200b)), "\u202f", "\u205f",
              "\u3000"]
    values = [*_values(), None, "", "\t", "\ta\t", "é", "aé", "éa", "~", "!x!",
              *(f"{s}x" for s in spaces), *(f"x{s}" for s in spaces), *(f"{s}x y{s}" for s in spaces)]
    db = memory_database()
    try:
        db.run_script(sql_text("load/load_macros"))
        db.execute("create temp table cells as select unnest(?::varchar[]) as v", [values])
        assert db.scalar("select count(*) from cells") == len(values)
        assert db.scalar("select count(*) from cells where trim_spaces(v) is distinct from trim(v)") == 0
        assert db.scalar("select count(*) from cells where trim(v) <> v") >= 3 * len(spaces)
    finally:
        db.close()
