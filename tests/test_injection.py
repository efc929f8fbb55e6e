"""Injection: no value from a flag or a file runs as SQL, Rich markup or a spreadsheet
formula.

Flag values reach SQL only as bound parameters: SQL-looking --tier/--rep/--source
values match nothing (or, with a real quote in a real name, exactly that name), bad
--month/--since/--until/--by are usage errors, and the tables are intact afterwards.
File and database paths with quotes, semicolons and glob characters are just paths.
CSV output escapes cells that begin with = + - @ (tab, CR) unless --raw; JSON and
Parquet keep values as they are.
"""

from __future__ import annotations

import json

import polars as pl
import pytest
from conftest import FIXTURES, load_into, write
from test_corpus import snapshot

from salesfunnel.errors import ExitCode

ATTACKS = [
    "smb' OR 1=1 --",
    '"; DROP TABLE deals; --',
    "') or ('1'='1",
    "smb'; delete from deals where '1'='1",
    "%",
    "*",
    "$1 ?",
]
# lost at the first stage (a loss at no known stage is in no conversion row: issue 21)
EVIL_DEALS = (
    "deal_id,rep,tier,source,stage,status,lost_reason,amount\n"
    "X1,O'Brien,smb,inbound,lead,lost,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",10\n"
    "X2,=1+2,smb,inbound,lead,lost,@SUM(A1:A9),20\n"
    "X3,+44 20 7946 0000,mid,outbound,lead,lost,-2+3,30\n"
    "X4,\"'); DROP TABLE deals; --\",\"mid'--\",\"x\"\"; drop table deals\",lead,lost,[/bold] [red]x[/],40\n"
    "X5,\"\tTab\",mid,inbound,qualified,open,,\n"
)


@pytest.fixture(scope="module")
def evil_db(tmp_path_factory):
    """Shared by the tests, which all check that they leave it exactly as it was."""
    folder = tmp_path_factory.mktemp("evil")
    db = folder / "evil.duckdb"
    load_into(db, FIXTURES / "funnel")
    report = load_into(db, write(folder, "evil.csv", EVIL_DEALS))
    assert [(f.rows_read, f.rows_loaded, f.rows_rejected) for f in report.files] == [(5, 5, 0)]
    return db


def _json(result) -> list[dict]:
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("flag", ["--tier", "--rep", "--source"])
def test_sql_in_filter_flags_matches_nothing(cli, evil_db, flag):
    """A value no deal has is a usage error naming it literally (issue 13: typos are not
    empty successes); the database is untouched."""
    before = snapshot(evil_db)
    commands = ["conversion", "dropoff"] + (["rank"] if flag == "--tier" else [])
    for value in ATTACKS:
        for command in commands:
            result = cli(command, flag, value, "-f", "json", "--db", evil_db)
            assert result.exit_code == ExitCode.USAGE, (command, value)
            assert f"{flag} {value!r} matches no deal" in " ".join(result.stderr.split())
            assert result.stdout == ""
    assert snapshot(evil_db) == before


def test_quotes_in_real_values_match_exactly(cli, evil_db):
    rows = _json(cli("conversion", "--rep", "O'Brien", "-f", "json", "--db", evil_db))
    assert [row["reached"] for row in rows] == [1, 0, 0, 0]
    rows = _json(cli("conversion", "--rep", "'); DROP TABLE deals; --", "-f", "json", "--db", evil_db))
    assert rows[0]["reached"] == 1
    rows = _json(cli("dropoff", "--tier", "mid'--", "-f", "json", "--db", evil_db))
    assert [(row["tier"], row["lost"]) for row in rows] == [("mid'--", 1)]
    rows = _json(cli("conversion", "--source", 'x"; drop table deals', "-f", "json", "--db", evil_db))
    assert rows[0]["reached"] == 1


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["conversion", "--month", "2026-01' or 1=1 --"], "--month takes YYYY-MM"),
        (["conversion", "--since", "2026-01-01'; drop table deals; --"], "--since takes a date"),
        (["dropoff", "--until", "2026-01-01\" or \"1\"=\"1"], "--until takes a date"),
        (["rank", "--month", "latest'; drop table deals; --"], "--month takes YYYY-MM"),
        (["conversion", "--by", "tier; drop table deals"], "is not one of"),
        (["conversion", "--by", "rep) --"], "is not one of"),
    ],
)
def test_sql_in_date_and_grouping_flags_is_a_usage_error(cli, evil_db, args, fragment):
    before = snapshot(evil_db)
    result = cli(*args, "--db", evil_db)
    assert result.exit_code == ExitCode.USAGE
    assert fragment in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert snapshot(evil_db) == before


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["--encoding", "utf-8'; drop table deals; --"], 2, "Unknown encoding"),
        (["--kind", "deals; drop table deals"], 2, "is not one of"),
        (["--preset", "canonical' --"], 2, "is not one of"),
        (["--date-format", "mdy'; --"], 2, "is not one of"),
    ],
)
def test_sql_in_load_flags_is_refused(cli, evil_db, tmp_path, args, code, fragment):
    before = snapshot(evil_db)
    path = write(tmp_path, "more.csv", "deal_id,rep,stage\nM1,ann,lead\n")
    result = cli("load", path, *args, "--db", evil_db)
    assert result.exit_code == code, result.stderr
    assert fragment in " ".join(result.stderr.split())
    assert snapshot(evil_db) == before


def test_paths_with_quotes_semicolons_and_globs(cli, tmp_path):
    folder = tmp_path / "it's \"here\"; drop table deals; --"
    folder.mkdir()
    export = write(folder, "deals 'q' \"x\"; DROP TABLE deals; --[1].csv",
                   "deal_id,rep,stage\nQ1,ann,lead\nQ2,bob,won\n")
    write(folder, "deals 'q' \"x\"; DROP TABLE deals; --1.csv", "deal_id,rep,stage\nZ9,eve,lead\n")
    db = folder / "db 'x'; drop.duckdb"
    result = cli("load", export, "--db", db)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "read 2, loaded 2, rejected 0" in result.stderr
    rows = _json(cli("conversion", "-f", "json", "--db", db))
    assert [row["reached"] for row in rows] == [2, 1, 1, 1]
    tables = snapshot(db)
    assert [row[0] for row in tables["deals"]] == ["Q1", "Q2"]
    assert [row[1] for row in tables["load_files"]] == [str(export.resolve())]


def _dropoff(cli, db, *args):
    result = cli("dropoff", *args, "--db", db)
    assert result.exit_code == ExitCode.OK, result.stderr
    return result.stdout


def test_csv_output_escapes_formulas_unless_raw(cli, evil_db, tmp_path):
    escaped = _dropoff(cli, evil_db, "-f", "csv")
    raw = _dropoff(cli, evil_db, "-f", "csv", "--raw")
    reasons = pl.read_csv(escaped.encode())["reason"].to_list()
    raw_reasons = pl.read_csv(raw.encode())["reason"].to_list()
    for formula in ('=HYPERLINK("http://evil.example","click")', "@SUM(A1:A9)", "-2+3"):
        assert "'" + formula in reasons
        assert formula in raw_reasons
        assert formula not in reasons
    # a file gets the same escaping as stdout
    assert cli("dropoff", "-o", tmp_path / "d.csv", "--db", evil_db).exit_code == ExitCode.OK
    assert (tmp_path / "d.csv").read_text(encoding="utf-8") == escaped
    ranks = pl.read_csv(
        cli("conversion", "--by", "rep", "-f", "csv", "--db", evil_db).stdout.encode()
    )["rep"].to_list()
    assert {"'=1+2", "'+44 20 7946 0000", "'\tTab"} <= set(ranks)
    assert "O'Brien" in ranks  # a quote inside is not a formula
    # numbers are never prefixed: the numeric columns stay numeric
    assert pl.read_csv(escaped.encode())["lost"].dtype == pl.Int64


def test_json_and_parquet_keep_values(cli, evil_db, tmp_path):
    rows = _json(cli("dropoff", "-f", "json", "--db", evil_db))
    reasons = {row["reason"] for row in rows}
    assert '=HYPERLINK("http://evil.example","click")'.lower() in {r.lower() for r in reasons}
    assert not any(reason.startswith("'") for reason in reasons)
    target = tmp_path / "d.parquet"
    assert cli("dropoff", "-o", target, "--db", evil_db).exit_code == ExitCode.OK
    assert set(pl.read_parquet(target)["reason"].to_list()) == reasons
    reps = {row["rep"] for row in _json(cli("conversion", "--by", "rep", "-f", "json", "--db", evil_db))}
    assert {"=1+2", "+44 20 7946 0000", "\tTab", "'); DROP TABLE deals; --"} <= reps


def test_rich_markup_in_values_is_printed_as_text(cli, evil_db, tmp_path):
    table = cli("dropoff", "--db", evil_db)
    assert table.exit_code == ExitCode.OK, table.stderr
    assert "[/bold] [red]x[/]" in table.stdout
    by_rep = cli("conversion", "--by", "rep", "--rep", "[/]", "--db", evil_db)
    # no rep is named "[/]": the usage error prints the value as text, not as markup
    assert by_rep.exit_code == ExitCode.USAGE and "--rep '[/]' matches no deal" in by_rep.stderr
    info = cli("info", "--db", evil_db)
    assert info.exit_code == ExitCode.OK, info.stderr
    assert cli("dropoff", "-o", tmp_path / "d.txt", "--db", evil_db).exit_code == ExitCode.OK
    assert "[/bold] [red]x[/]" in (tmp_path / "d.txt").read_text(encoding="utf-8")
