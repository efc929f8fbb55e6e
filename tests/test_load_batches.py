"""Issue 24: small files of one plan are loaded as one batch (salesfunnel/load/batches.py),
with the same database, reports and messages as loading them one by one
($SALESFUNNEL_LOAD_PER_FILE): a folder built for it (dated deals exports whose order
matters, a file with a bad row, one with another header, history rows repeated within
and across files, a second load over the first) and every fixture folder are loaded
both ways and compared table by table; the figures are checked by hand."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, load_into, query, write
from test_corpus import same_database
from test_load_paths import CONFIGS, SKIPPED, assert_loads_alike

from salesfunnel.errors import InputError
from salesfunnel.load import orchestrate
from salesfunnel.load.batches import PER_FILE_ENV

DEALS = "deal_id,rep,tier,source,account,created_at,stage,status,lost_reason,amount,closed_at\n"
HISTORY = "deal_id,stage,entered_at\n"


def _first_load(folder: Path) -> Path:
    """Runs (consecutive files of one plan): [Jan, Feb] share D1 (merged file by file),
    [Feb 15] has another column order, [Mar 1, Mar 15] share no deal (merged at once),
    [both history files]."""
    folder.mkdir()
    write(folder, "deals_2026-01-01.csv", DEALS
          + "D1,Ann,smb,web,Acme,2026-01-01,lead,open,,100,\n"
          + "D2,Bob,smb,web,Beta,2026-01-01,qualified,open,,200,\n"
          + "D3,Ann,mid,ads,Gamma,2026-01-01,lead,open,,300,\n")
    write(folder, "deals_2026-02-01.csv", DEALS
          + "D1,Ann,smb,web,Acme,2026-01-01,qualified,open,,100,\n"
          + "D4,Bob,mid,web,Delta,2026-01-20,lead,open,,400,\n"
          + "D9,Bob,mid,web,Nine,not a date,lead,open,,900,\n")
    write(folder, "deals_2026-02-15.csv",
          "deal_id,stage,rep,tier,source,account,created_at,status,lost_reason,amount,closed_at\n"
          "D6,lead,Cy,smb,web,Eps,2026-02-10,open,,600,\n")
    write(folder, "deals_2026-03-01.csv", DEALS
          + "D5,Cy,smb,ads,Zeta,2026-02-20,lead,open,,500,\n"
          + "D5,Cy,smb,ads,Zeta,2026-02-20,qualified,open,,550,\n"
          + "D1,Ann,smb,web,Acme,2026-01-01,opportunity,open,,150,\n")
    write(folder, "deals_2026-03-15.csv", DEALS + "D7,,smb,web,Eta,2026-03-10,lead,open,,700,\n")
    write(folder, "stage_history_a.csv", HISTORY
          + "D1,lead,2026-01-01\nD1,qualified,2026-01-25\nD2,lead,2026-01-01\nD2,lead,2026-01-01\n")
    write(folder, "stage_history_b.csv", HISTORY
          + "D1,lead,2026-01-01\nD4,lead,2026-01-20\nD4,nope,2026-01-21\n")
    return folder


def _second_load(folder: Path) -> Path:
    """One run of three deals files sharing no deal, over the first load's timeline."""
    folder.mkdir()
    write(folder, "deals_2026-01-15.csv", DEALS
          + "D2,Bob,smb,web,Beta,2026-01-01,opportunity,open,,200,\n")
    write(folder, "deals_2026-01-20.csv", DEALS
          + "D4,Bob,mid,web,Delta,2026-01-20,won,won,,400,2026-01-20\n")
    write(folder, "deals_2026-04-01.csv", DEALS
          + "D3,Ann,mid,ads,Gamma,2026-01-01,lead,open,,300,\n"
          + "D10,Dee,smb,web,Ten,2026-03-30,lead,open,,1000,\n")
    return folder


def _reports(report) -> list[dict]:
    return [dataclasses.asdict(item) for item in report.files]


def _batches(monkeypatch) -> list[int]:
    """The sizes of the batches that loaded (not sent back to the file-by-file path)."""
    sizes: list[int] = []
    original = orchestrate.load_batch

    def counted(db, items, *args):
        loaded = original(db, items, *args)
        if loaded is not None:
            sizes.append(len(items))
        return loaded

    monkeypatch.setattr(orchestrate, "load_batch", counted)
    return sizes


def test_many_small_files_load_alike_batch_wise_and_one_by_one(tmp_path, monkeypatch):
    first, second = _first_load(tmp_path / "one"), _second_load(tmp_path / "two")
    batched, one_by_one = tmp_path / "batched.duckdb", tmp_path / "one_by_one.duckdb"
    sizes = _batches(monkeypatch)
    monkeypatch.setenv(PER_FILE_ENV, "")
    reports = [_reports(load_into(batched, first)), _reports(load_into(batched, second))]
    assert sizes == [2, 2, 2, 3]  # [Jan, Feb], [Mar 1, Mar 15], the history files, two/
    monkeypatch.setenv(PER_FILE_ENV, "1")
    alone = [_reports(load_into(one_by_one, first)), _reports(load_into(one_by_one, second))]
    assert sizes == [2, 2, 2, 3]  # none more
    assert reports == alone
    assert same_database(batched) == same_database(one_by_one)

    # by hand: the first load
    by_name = {Path(r["path"]).name: r for r in reports[0]}
    feb, mar, mar15 = (by_name[f"deals_2026-{d}.csv"] for d in ("02-01", "03-01", "03-15"))
    assert (feb["rows_read"], feb["rows_loaded"], feb["rows_rejected"]) == (3, 2, 1)
    assert feb["first_reasons"] == ["line 4, created_at: unparseable date ('not a date')"]
    assert (mar["rows_read"], mar["rows_loaded"], mar["duplicates"]) == (3, 3, 1)
    # Mar 1: D5 new, D1 moved (lead -> qualified on Feb 1, -> opportunity, 100 -> 150);
    # not in it: D2, D3, D4, D6 (D7 comes after it)
    snapshot = mar["snapshot"]
    assert (snapshot["new"], snapshot["changed"], snapshot["stage_moved"],
            snapshot["amount_changed"], snapshot["not_mentioned"]) == (1, 1, 1, 1, 4)
    assert (mar15["snapshot"]["new"], mar15["snapshot"]["not_mentioned"]) == (1, 6)
    assert any(n.startswith('1 deal with a blank owner cell loaded with rep "(no owner)"')
               for n in mar15["notices"])
    assert not any("blank owner" in n for n in mar["notices"])
    history_b = by_name["stage_history_b.csv"]
    assert history_b["first_reasons"][0].startswith("line 4, stage: unknown stage label")
    assert query(batched, "select deal_id, stage, line, file_id from deals order by deal_id") == [
        ("D1", "opportunity", 4, 4), ("D10", "lead", 3, 10), ("D2", "opportunity", 2, 8),
        ("D3", "lead", 2, 10), ("D4", "lead", 3, 2), ("D5", "qualified", 3, 4),
        ("D6", "lead", 2, 3), ("D7", "lead", 2, 5),
    ]
    # a history row is kept with the file and line of its first sighting
    assert query(batched, "select h.deal_id, h.stage, f.path, h.line from stage_history h "
                          "join load_files f using (file_id) order by all") == [
        ("D1", "lead", str(first / "stage_history_a.csv"), 2),
        ("D1", "qualified", str(first / "stage_history_a.csv"), 3),
        ("D2", "lead", str(first / "stage_history_a.csv"), 4),
        ("D4", "lead", str(first / "stage_history_b.csv"), 3),
    ]
    assert query(batched, "select file_id, line, column_name, value, left(reason, 20) "
                          "from load_rejects order by file_id") == [
        (2, 4, "created_at", "not a date", "unparseable date"),
        (7, 4, "stage", "nope", "unknown stage label "),
    ]
    # the second load: Jan 15 moves D2 on; Jan 20 is older than D4's Feb 1 export (the
    # deal stays as Feb 1 said); Apr 1 sees D3 as on Jan 1 and a new D10
    jan15, jan20, apr = (r["snapshot"] for r in reports[1])
    assert (jan15["changed"], jan15["stage_moved"], jan15["not_mentioned"]) == (1, 1, 6)
    assert (jan20["new"], jan20["older_not_updated"], jan20["not_mentioned"]) == (0, 1, 6)
    assert (apr["unchanged"], apr["new"], apr["not_mentioned"]) == (1, 1, 6)
    assert query(batched, "select as_of::date::varchar, seen_until::date::varchar, stage "
                          "from deal_snapshots where deal_id = 'D4' order by as_of") == [
        ("2026-01-20", "2026-01-20", "won"), ("2026-02-01", "2026-02-01", "lead"),
    ]

    # loaded again: every file unchanged, skipped with its counts, in both ways
    monkeypatch.setenv(PER_FILE_ENV, "")
    again = _reports(load_into(batched, first))
    monkeypatch.setenv(PER_FILE_ENV, "1")
    assert again == _reports(load_into(one_by_one, first))
    assert [r["skipped_unchanged"] for r in again] == [True] * 7
    assert same_database(batched) == same_database(one_by_one)

    # a changed export at its own path replaces its earlier version (no conflict)
    write(second, "deals_2026-04-01.csv", DEALS
          + "D3,Ann,mid,ads,Gamma,2026-01-01,qualified,open,,300,\n")
    changed = []
    for db, per_file in ((batched, ""), (one_by_one, "1")):
        monkeypatch.setenv(PER_FILE_ENV, per_file)
        changed.append(_reports(load_into(db, second)))
    assert changed[0] == changed[1]
    assert [r["skipped_unchanged"] for r in changed[0]] == [True, True, False]
    assert same_database(batched) == same_database(one_by_one)
    assert query(batched, "select stage, file_id from deals where deal_id = 'D3'") == [
        ("qualified", 11)]


def test_a_batch_with_a_conflict_fails_as_one_by_one_and_writes_nothing(tmp_path, monkeypatch):
    """Two exports of one as-of that disagree on D1: the deals files of the second load
    share no deal (merged at once), and the load stops with the file-by-file message."""
    first = tmp_path / "one"
    first.mkdir()
    write(first, "deals_2026-01-01.csv", DEALS + "D1,Ann,smb,web,Acme,2026-01-01,lead,open,,100,\n")
    second = tmp_path / "two"
    second.mkdir()
    write(second, "deals_2026-01-01_copy.csv",
          DEALS + "D1,Ann,smb,web,Acme,2026-01-01,won,won,,100,2026-01-01\n")
    write(second, "deals_2026-01-02.csv", DEALS + "D8,Ann,smb,web,Ate,2026-01-02,lead,open,,80,\n")
    messages = []
    for per_file in ("", "1"):
        monkeypatch.setenv(PER_FILE_ENV, per_file)
        db = tmp_path / f"db{per_file}.duckdb"
        load_into(db, first)
        before = same_database(db)
        with pytest.raises(InputError) as error:
            load_into(db, second)
        assert same_database(db) == before
        messages.append(str(error.value))
    assert messages[0] == messages[1]
    assert "deals_2026-01-01_copy.csv and " in messages[0]
    assert "disagree on 1 deal, e.g. D1: stage won here, lead there" in messages[0]


FOLDERS = sorted(
    folder.name for folder in FIXTURES.iterdir()
    if folder.is_dir() and any(folder.rglob("*.csv")) and folder.name not in SKIPPED
)


@pytest.mark.parametrize("name", FOLDERS)
def test_fixture_folders_load_alike_batch_wise_and_one_by_one(name, cli, tmp_path):
    source = tmp_path / "in"
    shutil.copytree(FIXTURES / name, source)  # the same files (and times) both ways
    config = ["--config", str(source / CONFIGS[name])] if name in CONFIGS else []
    assert_loads_alike(cli, tmp_path, source, config, PER_FILE_ENV)


@pytest.mark.parametrize("second_row", [
    "D3,Ann,smb,web,Acme,2026-01-03,lead\n",  # too few fields: DuckDB's structural reject
    "D3,Ann,smb,web,Acme,13/01/2026,lead,open,,30,\n",  # a slash date: its order is per file
    "Total,,,,,,,,,60,\n",  # a report's totals row at the end
])
def test_what_a_batch_cannot_do_exactly_is_loaded_file_by_file(second_row, tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder, "deals_2026-01-01.csv", DEALS + "D1,Ann,smb,web,Acme,2026-01-01,lead,open,,10,\n")
    write(folder, "deals_2026-01-02.csv", DEALS + "D2,Bob,smb,web,Beta,2026-01-02,lead,open,,20,\n"
          + second_row)
    sizes = _batches(monkeypatch)
    monkeypatch.setenv(PER_FILE_ENV, "")
    batched = _reports(load_into(tmp_path / "batched.duckdb", folder))
    assert sizes == []  # the batch was tried and sent back
    monkeypatch.setenv(PER_FILE_ENV, "1")
    assert batched == _reports(load_into(tmp_path / "alone.duckdb", folder))
    assert same_database(tmp_path / "batched.duckdb") == same_database(tmp_path / "alone.duckdb")
    second = batched[1]
    assert (second["rows_read"], second["rows_loaded"]) == {
        "D3,Ann,smb,web,Acme,2026-01-03,lead\n": (2, 1),
        "D3,Ann,smb,web,Acme,13/01/2026,lead,open,,30,\n": (2, 2),
        "Total,,,,,,,,,60,\n": (1, 1),
    }[second_row]
