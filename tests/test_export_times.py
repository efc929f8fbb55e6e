"""Exports over time (issue 21 points 6-8, issue 23 point 7): a time in the file name
is part of the as-of, dated folders give their files an as-of, two exports of one
as-of that disagree stop the load, movement with one export in the window says its
start is unknown, and the pack picks the month the other reports pick. Numbers by
hand, through JSON and the table."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from conftest import query, write

from salesfunnel.errors import ExitCode
from salesfunnel.load.snapshots import as_of_from_name

D = dt.datetime
HEADER = "deal_id,rep,tier,created_at,stage,status,amount,closed_at\n"


def export(folder: Path, name: str, *rows: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write(folder, name, HEADER + "".join(row + "\n" for row in rows))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- point 7: the time in the file name ------------------------------------------------
@pytest.mark.parametrize(("name", "expected"), [
    ("deals_2026-11-20_1800.csv", D(2026, 11, 20, 18)),
    ("deals_2026-11-20_0600.csv", D(2026, 11, 20, 6)),
    ("deals_2026-11-20T06-30.csv", D(2026, 11, 20, 6, 30)),
    ("deals 2026-11-20 18.00.05.csv", D(2026, 11, 20, 18, 0, 5)),
    ("export_20261120_180005.csv", D(2026, 11, 20, 18, 0, 5)),
    ("export20261120T0600.csv", D(2026, 11, 20, 6)),
    ("deals_2026-11-20.csv", D(2026, 11, 20)),
    ("deals_2026-11-20_2561.csv", D(2026, 11, 20)),  # 25:61 is no time: the date alone
    ("deals_2026-11-20_1.csv", D(2026, 11, 20)),  # one digit: a version, not a time
])
def test_a_time_in_the_file_name_is_part_of_the_as_of(name, expected):
    assert as_of_from_name(name) == expected


def test_two_exports_a_day_are_two_snapshots(cli, tmp_path):
    """A at 06:00 is a lead, at 18:00 qualified: the 18:00 export is the current state
    whatever the load order, and qualified is entered (inferred) at 18:00, the previous
    sighting 06:00. B is the same in both."""
    folder = tmp_path / "exports"
    export(folder, "deals_2026-11-20_1800.csv",
           "A,ann,smb,2026-11-01,qualified,open,100,", "B,bob,smb,2026-11-02,lead,open,50,")
    export(folder, "deals_2026-11-20_0600.csv",
           "A,ann,smb,2026-11-01,lead,open,100,", "B,bob,smb,2026-11-02,lead,open,50,")
    db = tmp_path / "db.duckdb"
    late = cli("load", folder / "deals_2026-11-20_1800.csv", "--db", db)
    early = cli("load", folder / "deals_2026-11-20_0600.csv", "--db", db)
    assert late.exit_code == early.exit_code == ExitCode.OK, early.stderr
    assert "as of 2026-11-20 18:00 (from the file name)" in late.stderr
    assert "as of 2026-11-20 06:00 (from the file name)" in early.stderr
    assert query(db, "select as_of from deal_exports order by as_of") == [
        (D(2026, 11, 20, 6),), (D(2026, 11, 20, 18),)
    ]
    assert query(db, "select deal_id, stage from deals order by 1") == [("A", "qualified"),
                                                                          ("B", "lead")]
    assert query(db, "select deal_id, stage, entered_at, previous_as_of from inferred_entries") \
        == [("A", "qualified", D(2026, 11, 20, 18), D(2026, 11, 20, 6))]
    rows = json.loads(cli("movement", "--since", "2026-11-19", "--until", "2026-11-20",
                          "--db", db, "-f", "json").stdout)
    advanced = next(row for row in rows if row["category"] == "advanced")
    assert (advanced["deals"], float(advanced["amount"])) == (1, 100.0)


def test_two_exports_of_one_as_of_that_disagree_stop_the_load(cli, tmp_path):
    """east/ and west/ both hold deals_2026-11-20.csv; they disagree on A (lead 100 vs
    qualified 150): exit 3 naming both files and A, the database as it was."""
    east = export(tmp_path / "east", "deals_2026-11-20.csv",
                  "A,ann,smb,2026-11-01,lead,open,100,", "B,bob,smb,2026-11-02,lead,open,50,")
    west = export(tmp_path / "west", "deals_2026-11-20.csv",
                  "A,ann,smb,2026-11-01,qualified,open,150,", "B,bob,smb,2026-11-02,lead,open,50,")
    db = tmp_path / "db.duckdb"
    assert cli("load", east, "--db", db).exit_code == ExitCode.OK
    before = digest(db)
    result = cli("load", west, "--db", db)
    assert result.exit_code == ExitCode.INPUT
    message = " ".join(result.stderr.split())
    assert f"{west} and {east} are both exports as of 2026-11-20 and disagree on 1 deal" in message
    assert "A: stage qualified here, lead there; amount 150 here, 100 there" in message
    assert "Nothing was loaded" in message
    assert digest(db) == before
    assert query(db, "select deal_id, stage, amount from deals order by 1") == [
        ("A", "lead", 100.0), ("B", "lead", 50.0)
    ]
    # in one load too: nothing is kept, no database file is left
    fresh = tmp_path / "fresh.duckdb"
    both = cli("load", tmp_path / "east", tmp_path / "west", "--db", fresh)
    assert both.exit_code == ExitCode.INPUT and "disagree on 1 deal" in both.stderr
    assert not fresh.exists()


def test_exports_of_one_as_of_that_agree_or_a_changed_file_reloaded_are_fine(cli, tmp_path):
    """Two files of one as-of that agree on their shared deal (B) load; the same path
    edited and loaded again replaces its own earlier version (A: 100 -> 120)."""
    first = export(tmp_path / "east", "deals_2026-11-20.csv",
                   "A,ann,smb,2026-11-01,lead,open,100,", "B,bob,smb,2026-11-02,lead,open,50,")
    export(tmp_path / "west", "deals_2026-11-20.csv",
           "B,bob,smb,2026-11-02,lead,open,50,", "C,cat,smb,2026-11-03,lead,open,70,")
    db = tmp_path / "db.duckdb"
    result = cli("load", tmp_path / "east", tmp_path / "west", "--db", db)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert query(db, "select count(*) from deals") == [(3,)]
    export(tmp_path / "east", first.name,
           "A,ann,smb,2026-11-01,lead,open,120,", "B,bob,smb,2026-11-02,lead,open,50,")
    again = cli("load", first, "--db", db)
    assert again.exit_code == ExitCode.OK, again.stderr
    assert query(db, "select amount from deals where deal_id = 'A'") == [(120.0,)]


def test_a_full_export_of_the_same_as_of_is_a_conflict_inside_a_run(cli, tmp_path):
    """A is lead on the 19th, 20th (a full export) and 21st: one compact state row. Another
    file of the 20th saying qualified disagrees with the full export, which lists A."""
    db = tmp_path / "db.duckdb"
    row = "A,ann,smb,2026-11-01,lead,open,100,"
    for day in (19, 21):
        assert cli("load", export(tmp_path / "daily", f"deals_2026-11-{day}.csv", row),
                   "--db", db).exit_code == ExitCode.OK
    full = export(tmp_path / "full", "deals_2026-11-20.csv", row)
    assert cli("load", full, "--full", "--db", db).exit_code == ExitCode.OK
    assert query(db, "select count(*) from deal_snapshots") == [(1,)]
    other = export(tmp_path / "other", "deals_2026-11-20.csv",
                   "A,ann,smb,2026-11-01,qualified,open,100,")
    result = cli("load", other, "--db", db)
    assert result.exit_code == ExitCode.INPUT
    assert f"and {full} are both exports as of 2026-11-20" in " ".join(result.stderr.split())


# -- issue 23 point 7: dated folders -----------------------------------------------------
def test_dated_folders_give_their_files_the_as_of(cli, tmp_path):
    """snapshots/2021-08-25/deals.csv and snapshots/2021-09-01/deals.csv: the as-of of
    each is its folder's date. A goes lead -> won (closed 2021-08-30), B is new on
    09-01: movement 08-25 to 09-01: start 1 (A 100), created 1 (B 40), won 1 (100),
    end 1 (B 40)."""
    root = tmp_path / "snapshots"
    export(root / "2021-08-25", "deals.csv", "A,ann,smb,2021-08-01,lead,open,100,")
    export(root / "2021-09-01", "deals.csv", "A,ann,smb,2021-08-01,won,won,100,2021-08-30",
           "B,bob,smb,2021-08-31,lead,open,40,")
    db = tmp_path / "db.duckdb"
    result = cli("load", root, "--db", db)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stderr.count("(from the folder name)") == 2
    assert query(db, "select as_of, as_of_source from deal_exports order by as_of") == [
        (D(2021, 8, 25), "folder name"), (D(2021, 9, 1), "folder name"),
    ]
    rows = json.loads(cli("movement", "--since", "2021-08-25", "--until", "2021-09-01",
                          "--db", db, "-f", "json").stdout)
    got = {row["category"]: (row["deals"], float(row["amount"])) for row in rows}
    assert got["start"] == (1, 100.0) and got["created"] == (1, 40.0)
    assert got["won"] == (1, 100.0) and got["end"] == (1, 40.0)
    info = json.loads(cli("info", "--db", db, "-f", "json").stdout)
    assert "2021-09-01" in json.dumps(info)


# -- point 6: movement before a second export ------------------------------------------
FIRST = ("A,ann,smb,2026-11-01,lead,open,100,", "B,bob,smb,2026-11-02,qualified,open,50,",
         "C,ann,smb,2026-11-03,won,won,70,2026-11-10")


def _movement(cli, db, *args):
    result = cli("movement", *args, "--db", db, "-f", "json")
    assert result.exit_code == ExitCode.OK, result.stderr
    return {row["category"]: (row["deals"], float(row["amount"]))
            for row in json.loads(result.stdout)}, result


def test_movement_with_one_export_starts_at_it(cli, tmp_path):
    """One export (as of 2026-11-20): the default window 11-13 to 11-20 starts before it,
    so the start is that export's open pipeline, A and B (150), and nothing moved: never
    "created 2" from a start of 0. The title and a notice say the start is unknown before."""
    db = tmp_path / "db.duckdb"
    assert cli("load", export(tmp_path / "x", "deals_2026-11-20.csv", *FIRST), "--db", db) \
        .exit_code == ExitCode.OK
    got, result = _movement(cli, db)
    assert got["start"] == (2, 150.0) and got["end"] == (2, 150.0)
    assert got["created"] == (0, 0.0) and got["won"] == (0, 0.0)
    notice = " ".join(result.stderr.split())
    assert "the pipeline before the first deals export (as of 2026-11-20) is unknown" in notice
    assert "only one deals export (as of 2026-11-20) in the window" in notice
    table = cli("movement", "--db", db, env={"COLUMNS": "120"}).stdout
    assert "Pipeline movement · 2026-11-20 (first export) to 2026-11-20" in " ".join(table.split())
    start_line = next(line for line in table.splitlines() if line.strip().startswith("start"))
    assert "2" in start_line and "150" in start_line
    # a window that ends before the first export has no known pipeline at all
    before = cli("movement", "--since", "2026-11-01", "--until", "2026-11-19", "--db", db)
    assert before.exit_code == ExitCode.QUERY
    assert "Choose --until 2026-11-20 or later" in " ".join(before.stderr.split())


def test_movement_from_the_first_export_on(cli, tmp_path):
    """A second export (11-22): A won, D new (30). From 11-13: start 2 (150, the first
    export's), created 1 (30), won 1 (100), end 2 (B 50 + D 30 = 80); 150 + 30 - 100 = 80."""
    db = tmp_path / "db.duckdb"
    folder = tmp_path / "x"
    export(folder, "deals_2026-11-20.csv", *FIRST)
    export(folder, "deals_2026-11-22.csv", "A,ann,smb,2026-11-01,won,won,100,2026-11-21",
           "B,bob,smb,2026-11-02,qualified,open,50,", "C,ann,smb,2026-11-03,won,won,70,2026-11-10",
           "D,bob,smb,2026-11-21,lead,open,30,")
    assert cli("load", folder, "--db", db).exit_code == ExitCode.OK
    got, result = _movement(cli, db, "--since", "2026-11-13", "--until", "2026-11-22")
    assert got["start"] == (2, 150.0) and got["created"] == (1, 30.0)
    assert got["won"] == (1, 100.0) and got["end"] == (2, 80.0)
    assert "is unknown" in result.stderr and "only one deals export" not in result.stderr
    # a window that starts on the first export's day needs no notice
    got, result = _movement(cli, db, "--since", "2026-11-20", "--until", "2026-11-22")
    assert got["start"] == (2, 150.0) and "unknown" not in result.stderr


# -- point 8: the pack's month and its notices ------------------------------------------
PACK_DEALS = ("A,ann,smb,2026-09-05,won,won,100,2026-10-12",
              "B,bob,smb,2026-10-03,lead,lost,40,2026-10-20",
              "C,ann,smb,2026-10-07,qualified,open,60,")
PACK_TODAY = {"SALESFUNNEL_TODAY": "2026-12-10"}


def _pack_db(cli, tmp_path) -> Path:
    db = tmp_path / "db.duckdb"
    result = cli("load", export(tmp_path / "x", "deals_2026-10-31.csv", *PACK_DEALS), "--db", db)
    assert result.exit_code == ExitCode.OK, result.stderr
    return db


def test_pack_without_month_is_the_month_rank_picks_with_the_stale_notice(cli, tmp_path):
    """Data end in October; today is 2026-12-10. rank's default month is 2026-10 (the
    last complete month with data), and so is the pack's, not November (empty). By hand,
    rank 2026-10: ann won 1 (A, 100), lead 1 (C); bob lead 1 (B), lost 1. The newest
    activity (B lost 10-20... the export's as-of 10-31) is more than 7 days old: the pack
    says the data may be stale, as every report does."""
    import openpyxl

    db = _pack_db(cli, tmp_path)
    ranked = json.loads(cli("rank", "--db", db, "-f", "json", env=PACK_TODAY).stdout)
    by_rep = {row["rep"]: row for row in ranked}
    assert (by_rep["ann"]["won"], by_rep["ann"]["won_amount"], by_rep["ann"]["lead"]) == (1, 100, 1)
    assert (by_rep["bob"]["lead"], by_rep["bob"]["lost"]) == (1, 1)
    out = tmp_path / "pack"
    result = cli("pack", "--out", out, "--db", db, env=PACK_TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "Wrote the 2026-10 pack" in result.stderr
    assert "the data may be stale" in result.stderr
    sheet = openpyxl.load_workbook(out / "salesfunnel-2026-10.xlsx")["rank"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    got = {row[header.index("rep")]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert got["ann"]["won"] == 1 and got["ann"]["won_amount"] == 100
    assert got["bob"]["lost"] == 1
    assert "the data may be stale" in (out / "index.html").read_text(encoding="utf-8")


def test_pack_of_a_month_without_data_is_refused(cli, tmp_path):
    """November has no deal created, no stage entry, no loss: exit 6 and no pack, never
    "Leads 0 vs 3, -100%"."""
    db = _pack_db(cli, tmp_path)
    out = tmp_path / "pack"
    result = cli("pack", "--out", out, "--month", "2026-11", "--db", db, env=PACK_TODAY)
    assert result.exit_code == ExitCode.QUERY
    message = " ".join(result.stderr.split())
    assert "2026-11 has no data: no deal was created, entered a stage or was lost in it" in message
    assert "The data run from 2026-09 to 2026-10" in message
    assert not out.exists()
    last = cli("pack", "--out", out, "--month", "last", "--db", db, env=PACK_TODAY)
    assert last.exit_code == ExitCode.QUERY  # 'last' is November too


# -- make demo: the sample carries its as-of and shows movement -----------------------
SAMPLE = Path(__file__).parent.parent / "sample_data"
DEMO_TODAY = {"SALESFUNNEL_TODAY": "2026-11-01"}


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    from conftest import load_into

    db = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    load_into(db, SAMPLE)
    return db


def test_the_sample_carries_its_as_of_and_is_not_stale_on_the_demo_day(cli, sample_db):
    assert query(sample_db, "select as_of, as_of_source from deal_exports order by as_of") == [
        (D(2026, 9, 30, 23), "file name"), (D(2026, 10, 31, 23), "file name"),
    ]
    for command in (["info"], ["conversion"], ["rank"], ["pack", "--out", sample_db.parent / "p"]):
        result = cli(*command, "--db", sample_db, env=DEMO_TODAY)
        assert result.exit_code == ExitCode.OK, result.stderr
        assert "stale" not in result.stderr, command
    # every demo command runs on the pinned day
    makefile = (SAMPLE.parent / "Makefile").read_text(encoding="utf-8")
    assert "demo: export SALESFUNNEL_TODAY := $(DEMO_TODAY)" in makefile


def test_the_sample_movement_is_real_and_adds_up(cli, sample_db):
    """October on the sample: the first export (09-30 23:00) holds 149 open deals; the
    window starts at it (no notice). Counted from the two exports' files (status open):
    start 149, end 151, created and won + lost as set differences; the identity holds."""
    import csv

    def open_deals(name: str) -> set[str]:
        with (SAMPLE / name).open(encoding="utf-8") as handle:
            return {row["deal_id"] for row in csv.DictReader(handle) if row["status"] == "open"}

    first, last = open_deals("deals_2026-09-30_2300.csv"), open_deals("deals_2026-10-31_2300.csv")
    got, result = _movement(cli, sample_db, "--since", "2026-09-30", "--until", "2026-10-31")
    # the window starts at the first export: nothing before it is said to be unknown
    assert "pipeline before the first deals export" not in result.stderr
    assert got["start"][0] == len(first) == 149
    assert got["end"][0] == len(last) == 151
    assert got["created"][0] > 0 and got["won"][0] > 0 and got["lost"][0] > 0
    deals = {name: count for name, (count, _) in got.items()}
    assert deals["end"] == deals["start"] + deals["created"] + deals["reopened"] \
        - deals["won"] - deals["lost"] - deals["removed"]
    # the known amounts add up too (deals without an amount add nothing; one valued while
    # open is in amount_up)
    amount = {name: value for name, (_, value) in got.items()}
    assert round(amount["end"], 2) == round(
        amount["start"] + amount["created"] + amount["reopened"] + amount["amount_up"]
        - amount["amount_down"] - amount["won"] - amount["lost"] - amount["removed"], 2)
    # created: open in the last export and not in the first at all (a deal closed on
    # 09-30 stays closed); a deal of the first export is never "created"
    with (SAMPLE / "deals_2026-09-30_2300.csv").open(encoding="utf-8") as handle:
        known = {row["deal_id"] for row in csv.DictReader(handle)}
    assert got["created"][0] == len(last - known)
    # won + lost: open on 09-30 and closed on 10-31
    assert got["won"][0] + got["lost"][0] == len(first - last)


def test_the_earlier_sample_export_changes_no_funnel_number(cli, sample_db, tmp_path):
    """Every stage a sample deal moves to between its two exports is in its history: the
    funnel reports equal those of the last export alone."""
    import shutil

    from conftest import load_into

    alone = tmp_path / "alone"
    alone.mkdir()
    for path in SAMPLE.iterdir():
        if path.name != "deals_2026-09-30_2300.csv":
            shutil.copy(path, alone / path.name)
    db = tmp_path / "alone.duckdb"
    load_into(db, alone)
    assert query(db, "select count(*) from inferred_entries") == [(0,)]
    assert query(sample_db, "select count(*) from inferred_entries") == [(0,)]
    for command in (["conversion", "--by", "tier"], ["rank", "--month", "2026-10"],
                    ["dropoff"], ["pulse", "--date", "2026-10-31"], ["stalled"]):
        both = cli(*command, "--db", sample_db, "-f", "json", env=DEMO_TODAY).stdout
        one = cli(*command, "--db", db, "-f", "json", env=DEMO_TODAY).stdout
        assert json.loads(both) == json.loads(one), command


def test_sample_ids_stay_unique_beyond_a_million_deals():
    """`sample --deals` takes up to 1e8, but the ids were 'D' || lpad(i, 6, '0'), and lpad
    cuts a longer text: from the millionth deal on the ids repeated (D1000000 was D100000),
    so `sample --deals 3000000` wrote a first export of 23,181,291 rows (its join on
    deal_id multiplied) and exports whose deals overwrote each other. The ids (and the
    customers') come from one macro, sample_key, which keeps every digit."""
    from salesfunnel.db import memory_database
    from salesfunnel.sqltree import sql_text

    db = memory_database()
    script = sql_text("sample/sample")
    macros = [s for s in db.conn.extract_statements(script) if "temp macro" in s.query]
    for statement in macros:
        db.conn.execute(statement)
    keys = [row[0] for row in db.conn.execute(
        "select sample_key('D', i) from range(999998, 1000002) as r(i) union all "
        "select sample_key('D', 100000) union all select sample_key('C', 7)").fetchall()]
    assert keys == ["D999998", "D999999", "D1000000", "D1000001", "D100000", "C000007"]
    assert script.count("lpad(") == 0 and script.count("sample_key(") >= 3
