"""The loader: kinds, last-loaded-wins, idempotence, rejects with line numbers,
--strict, missing columns, all-or-nothing across files."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import FIXTURES, load_into, query, write

from salesfunnel.errors import InputError

DEALS_HEADER = "deal_id,rep,tier,source,account,created_at,stage,status,lost_reason,amount,closed_at\n"


def _snapshot(db_path):
    return {
        table: query(db_path, f"select * exclude (file_id) from {table} order by all")
        for table in ("deals", "stage_history", "accounts", "reps")
    } | {"files": query(db_path, "select count(*) from load_files")}


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("deal_id,rep,stage", "deals"),
        ("Deal ID , Rep,Stage,Amount", "deals"),
        ("deal_id,stage,entered_at", "history"),
        ("account,tier", "accounts"),
        ("account,employees", "accounts"),
        ("rep,team,manager", "reps"),
    ],
)
def test_kind_is_recognised_from_header(tmp_path, db_path, header, kind):
    path = write(tmp_path, "export.csv", header + "\n")
    report = load_into(db_path, path)
    assert [(f.kind, f.rows_read) for f in report.files] == [(kind, 0)]


def test_kind_can_be_forced_and_then_must_fit(tmp_path, db_path):
    path = write(tmp_path, "x.csv", "rep,team\nann,north\n")
    assert load_into(db_path, path, kind="reps").files[0].kind == "reps"
    with pytest.raises(InputError, match=r"lacks the required columns deal_id, stage"):
        load_into(db_path, path, kind="deals", force=True)


def test_missing_column_names_it_and_headers_found(tmp_path, db_path):
    load_into(db_path, FIXTURES / "funnel")
    before = _snapshot(db_path)
    # the rep is optional (issue 14): the stage is what this file lacks
    bad = write(tmp_path, "deals.csv", "deal_id,owner,phase\nX1,ann,lead\n")
    with pytest.raises(InputError) as caught:
        load_into(db_path, bad)
    message = str(caught.value)
    assert "lacks the required column stage" in message
    assert "Headers found: deal_id, owner, phase" in message
    assert _snapshot(db_path) == before


def test_unrecognisable_file_names_closest_kind(tmp_path, db_path):
    path = write(tmp_path, "x.csv", "foo,bar\n1,2\n")
    with pytest.raises(InputError, match=r"no preset fits this header"):
        load_into(db_path, path)


def test_loads_fixture_counts(funnel_db):
    assert query(funnel_db, "select count(*) from deals") == [(6,)]
    assert query(funnel_db, "select count(*) from stage_history") == [(12,)]
    assert query(
        funnel_db, "select deal_id, tier, source, stage, status, amount from deals order by deal_id"
    ) == [
        ("D1", "smb", "inbound", "won", "won", 1000.0),
        ("D2", "smb", "inbound", "opportunity", "lost", 500.5),
        ("D3", "smb", "outbound", "lead", "lost", None),
        ("D4", "mid", "referral", "qualified", "open", 2000.0),
        ("D5", None, "inbound", "qualified", "lost", 300.0),
        ("D6", "enterprise", "inbound", "lead", "open", None),
    ]


def test_last_loaded_wins_across_files_and_within_a_file(tmp_path, db_path):
    first = write(tmp_path, "a.csv", DEALS_HEADER + "X1,ann,smb,,,2026-01-01,lead,,,100,\n")
    second = write(
        tmp_path,
        "b.csv",
        DEALS_HEADER
        + "X1,bob,smb,,,2026-01-01,qualified,,,150,\n"
        + "X1,cy,smb,,,2026-01-01,won,,,200,2026-02-01\n",
    )
    report = load_into(db_path, first, second)
    assert report.files[1].duplicates == 1
    assert query(db_path, "select rep, stage, status, amount from deals") == [
        ("cy", "won", "won", 200.0)
    ]
    # a later invocation replaces it again: the deal was re-exported as lost
    third = write(tmp_path, "c.csv", DEALS_HEADER + "X1,cy,smb,,,2026-01-01,lost,,Price,200,2026-02-03\n")
    load_into(db_path, third)
    assert query(db_path, "select stage, status, lost_reason from deals") == [("lost", "lost", "Price")]


def test_reload_is_idempotent(db_path):
    load_into(db_path, FIXTURES / "funnel")
    before = _snapshot(db_path)
    again = load_into(db_path, FIXTURES / "funnel")
    assert all(f.skipped_unchanged for f in again.files)
    assert _snapshot(db_path) == before
    forced = load_into(db_path, FIXTURES / "funnel", force=True)
    assert not any(f.skipped_unchanged for f in forced.files)
    after = _snapshot(db_path)
    assert {k: v for k, v in after.items() if k != "files"} == {
        k: v for k, v in before.items() if k != "files"
    }


def test_history_rows_are_deduplicated(tmp_path, db_path):
    path = write(
        tmp_path,
        "h.csv",
        "deal_id,stage,entered_at\nX,lead,2026-01-01\nX,lead,2026-01-01\nX,Lead,2026-01-01 00:00\n",
    )
    load_into(db_path, path)
    assert query(db_path, "select count(*) from stage_history") == [(1,)]


BAD_DEALS = (
    DEALS_HEADER
    + "G1,ann,smb,,,2026-01-01,lead,,,100,\n"  # line 2: fine
    + ",ann,smb,,,2026-01-01,lead,,,100,\n"  # 3: empty deal_id
    + "G3,,smb,,,2026-01-01,lead,,,100,\n"  # 4: empty rep: loaded as (no owner)
    + "G4,ann,smb,,,2026-01-01,,,,100,\n"  # 5: empty stage
    + "G5,ann,smb,,,2026-01-01,negotiation,,,100,\n"  # 6: unknown stage
    + "G6,ann,smb,,,2026-02-30,lead,,,100,\n"  # 7: impossible date
    + "G7,ann,smb,,,2026-01-01,lead,,,abc,\n"  # 8: bad amount
    + "G8,ann,smb\n"  # 9: too few fields
    + "G9,ann,smb,,,2026-01-01,lead,maybe,,100,\n"  # 10: unknown status
    + "G10,ann,smb,,,2026-01-01,lead,,,1 200.50,\n"  # 11: fine (space as thousands)
)


def test_each_reject_reason_with_its_line(tmp_path, db_path):
    path = write(tmp_path, "deals.csv", BAD_DEALS)
    report = load_into(db_path, path)
    item = report.files[0]
    assert (item.rows_read, item.rows_loaded, item.rows_rejected) == (10, 3, 7)
    rejects = query(db_path, "select line, column_name, value, reason from load_rejects order by line")
    assert [(line, column, value) for line, column, value, _ in rejects] == [
        (3, "deal_id", None),
        (5, "stage", None),
        (6, "stage", "negotiation"),
        (7, "created_at", "2026-02-30"),
        (8, "amount", "abc"),
        (9, None, "G8,ann,smb"),
        (10, "status", "maybe"),
    ]
    reasons = [reason for *_, reason in rejects]
    assert reasons[0] == "deal_id is empty"
    assert reasons[1] == "stage is empty"
    assert reasons[2].startswith("unknown stage label (expected one of: lead, lost, opportunity")
    assert reasons[3] == "unparseable date"
    assert reasons[4] == "unparseable amount"
    assert reasons[5] == "too few fields (expected 11)"
    assert reasons[6] == "unknown status (expected open, won or lost)"
    assert query(db_path, "select deal_id, rep, amount from deals order by deal_id") == [
        ("G1", "ann", 100.0),
        ("G10", "ann", 1200.5),
        ("G3", "(no owner)", 100.0),
    ]
    assert item.first_reasons[0] == "line 3, deal_id: deal_id is empty"


def test_line_numbers_after_a_structural_reject(tmp_path, db_path):
    path = write(
        tmp_path,
        "deals.csv",
        "deal_id,rep,stage,amount\nA,ann,lead,1\nB,ann\nC,ann,lead,1,extra\nD,ann,lead,x\nE,,lead,1\n",
    )
    load_into(db_path, path)
    assert query(db_path, "select line, reason from load_rejects order by line") == [
        (3, "too few fields (expected 4)"),
        (4, "too many fields (expected 4)"),
        (5, "unparseable amount"),
    ]
    assert query(db_path, "select deal_id, rep, line from deals order by line") == [
        ("A", "ann", 2), ("E", "(no owner)", 6),
    ]


def test_strict_fails_and_keeps_nothing(tmp_path, db_path):
    load_into(db_path, FIXTURES / "funnel")
    before = _snapshot(db_path)
    path = write(tmp_path, "deals.csv", BAD_DEALS)
    with pytest.raises(InputError, match=r"--strict: 7 rows rejected"):
        load_into(db_path, path, strict=True)
    assert _snapshot(db_path) == before
    assert query(db_path, "select count(*) from load_rejects") == [(0,)]


def test_failure_in_the_middle_of_several_files_keeps_nothing(tmp_path, db_path):
    load_into(db_path, FIXTURES / "funnel")
    before = _snapshot(db_path)
    good = write(tmp_path, "a_deals.csv", DEALS_HEADER + "N1,ann,smb,,,2026-03-01,lead,,,1,\n")
    # the second file fails inside the transaction, after the first was merged:
    # its slash dates fit both month-first and day-first
    bad = write(tmp_path, "b_deals.csv", DEALS_HEADER + "N2,ann,smb,,,03/04/2026,lead,,,1,\n")
    with pytest.raises(InputError, match=r"fits both month-first"):
        load_into(db_path, good, bad)
    assert _snapshot(db_path) == before


def test_dates_and_amounts(tmp_path, db_path):
    path = write(
        tmp_path,
        "deals.csv",
        "deal_id,rep,stage,created_at,amount\n"
        "A,ann,lead,2026-03-01,1200\n"
        "B,ann,lead,2026-03-01 14:05,1200.75\n"
        "C,ann,lead,2026-03-01T14:05:00Z,\"1,200.50\"\n"
        "D,ann,lead,2026-03-01T14:05:00.000Z,$99\n"
        "E,ann,lead,2026-03-01T14:05:00+02:00,0\n",
    )
    load_into(db_path, path)
    assert query(db_path, "select deal_id, created_at, amount from deals order by deal_id") == [
        ("A", dt.datetime(2026, 3, 1), 1200.0),
        ("B", dt.datetime(2026, 3, 1, 14, 5), 1200.75),
        ("C", dt.datetime(2026, 3, 1, 14, 5), 1200.5),
        ("D", dt.datetime(2026, 3, 1, 14, 5), 99.0),
        ("E", dt.datetime(2026, 3, 1, 12, 5), 0.0),
    ]


def test_orphan_history_rows_are_kept_and_reported(tmp_path, db_path):
    deals = write(tmp_path, "deals.csv", "deal_id,rep,stage\nA,ann,lead\n")
    history = write(
        tmp_path, "history.csv", "deal_id,stage,entered_at\nA,lead,2026-01-01\nZ,lead,2026-01-02\n"
    )
    report = load_into(db_path, deals, history)
    assert report.orphan_history_rows == 1
    assert report.files[1].orphans == 1
    assert query(db_path, "select count(*) from stage_history") == [(2,)]


def test_folder_without_csv_and_missing_path(tmp_path, db_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="holds no .csv file"):
        load_into(db_path, empty)
    with pytest.raises(InputError, match="does not exist"):
        load_into(db_path, tmp_path / "nope.csv")


def test_empty_file_is_an_input_error(tmp_path, db_path):
    path = write(tmp_path, "deals.csv", "")
    with pytest.raises(InputError, match="is empty"):
        load_into(db_path, path)


def test_unchanged_content_with_new_mtime_is_skipped_by_hash(tmp_path, db_path):
    import os

    path = write(tmp_path, "deals.csv", DEALS_HEADER + "M1,ann,smb,,,2026-01-01,lead,,,1,\n")
    load_into(db_path, path)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # touched, same bytes
    assert load_into(db_path, path).files[0].skipped_unchanged
    path.write_text(DEALS_HEADER + "M1,ann,smb,,,2026-01-01,won,,,1,\n")  # same size, new content
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2 * 10**9))
    assert not load_into(db_path, path).files[0].skipped_unchanged
    assert query(db_path, "select stage from deals") == [("won",)]
