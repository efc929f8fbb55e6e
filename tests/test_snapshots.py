"""Deals exports over time: as-of, snapshots, newest-as-of wins, inferred entries,
full exports and removals, the load summary per deals file.

The fixture tests/fixtures/nightly holds three nightly exports of six deals with
no stage history (default funnel lead > qualified > opportunity > won), dated
by their names 2026-11-18, -19 and -20:

    deal  rep    created     18                     19                 20
    D1    alice  11-01       lead 1000              qualified 1000     won 1000 (closed 11-20)
    D2    bob    11-02       opportunity 2000       qualified 2000     qualified 2000
    D3    alice  11-03       qualified 1500         qualified 1500     (missing: removed)
    D4    bob    11-04       opportunity 3000       opportunity 3000   opportunity 3500
    D5    alice  11-05       qualified 500 ~12-01   qualified ~12-01   qualified ~12-15
    D6    bob    11-19       -                      lead 800           won 800 (closed 11-20)

They are loaded as full exports in the wrong order: 20, then 18, then 19.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from salesfunnel.errors import ExitCode
from salesfunnel.load.snapshots import as_of_from_name, parse_as_of
from tests.conftest import FIXTURES, load_into, query

NIGHTLY = FIXTURES / "nightly"
D = dt.datetime


def export(day: int) -> Path:
    return NIGHTLY / f"deals_2026-11-{day}.csv"


def load_wrong_order(db_path: Path, full: bool = True) -> list:
    """Three loads, newest first; returns each load's report of its one file."""
    return [load_into(db_path, export(day), full=full).files[0] for day in (20, 18, 19)]


@pytest.fixture
def nightly_db(db_path: Path, built_once) -> Path:
    return built_once("nightly wrong order", load_wrong_order, db_path)


def dump(db_path: Path) -> tuple[list, list]:
    deals = query(db_path, "select * exclude (file_id, line) from deals order by deal_id")
    snapshots = query(
        db_path, "select * exclude (file_id) from deal_snapshots order by deal_id, as_of"
    )
    return deals, snapshots


def test_final_state_equals_the_newest_export_whatever_the_load_order(nightly_db):
    rows = query(
        nightly_db,
        "select deal_id, stage, status, amount, closed_at from deals order by deal_id",
    )
    assert rows == [
        ("D1", "won", "won", 1000.0, D(2026, 11, 20)),
        ("D2", "qualified", "open", 2000.0, None),
        ("D3", "qualified", "open", 1500.0, None),  # its newest sighting: the 19th
        ("D4", "opportunity", "open", 3500.0, None),
        ("D5", "qualified", "open", 500.0, D(2026, 12, 15)),
        ("D6", "won", "won", 800.0, D(2026, 11, 20)),
    ]


def test_the_timeline_is_compact_and_equal_to_loading_in_order(nightly_db, tmp_path):
    # a row per change: D1 3 states; D2 opportunity then qualified (seen to the 20th);
    # D3 qualified then removed at the 20th; D4 amount 3000 -> 3500; D5 close date
    # 12-01 -> 12-15; D6 lead -> won: 3 + 2 * 5 = 13 rows
    rows = query(
        nightly_db,
        "select deal_id, as_of, seen_until, removed, stage, amount, closed_at "
        "from deal_snapshots order by deal_id, as_of",
    )
    assert len(rows) == 13
    assert rows[3:7] == [
        ("D2", D(2026, 11, 18), D(2026, 11, 18), False, "opportunity", Decimal("2000"), None),
        ("D2", D(2026, 11, 19), D(2026, 11, 20), False, "qualified", Decimal("2000"), None),
        ("D3", D(2026, 11, 18), D(2026, 11, 19), False, "qualified", Decimal("1500"), None),
        ("D3", D(2026, 11, 20), D(2026, 11, 20), True, "qualified", Decimal("1500"), None),
    ]
    in_order = tmp_path / "in_order.duckdb"
    load_into(in_order, NIGHTLY, full=True)  # one load, files by name: 18, 19, 20
    assert dump(in_order) == dump(nightly_db)


def test_inferred_entries_keep_the_previous_as_of(nightly_db):
    # a stage change between consecutive snapshots: an entry at the later as-of, the
    # earlier as-of kept; no entry for the stage of a deal's first snapshot, nor for
    # D2's return from opportunity to qualified on the 19th (a regression: qualified
    # was entered before the first snapshot, the return is no fresh entry)
    rows = query(
        nightly_db,
        "select deal_id, stage, entered_at, previous_as_of from inferred_entries "
        "order by deal_id, stage_index",
    )
    assert rows == [
        ("D1", "qualified", D(2026, 11, 19), D(2026, 11, 18)),
        ("D1", "won", D(2026, 11, 20), D(2026, 11, 19)),
        ("D6", "won", D(2026, 11, 20), D(2026, 11, 19)),
    ]


def test_conversion_median_days_and_rank_use_inferred_entries(nightly_db, cli):
    # D3 is removed: 5 deals. Furthest stage: D1 won, D2 opportunity (its first
    # snapshot), D4 opportunity, D5 qualified, D6 won.
    # reached: lead 5, qualified 5, opportunity 4 (D1 D2 D4 D6), won 2 (D1 D6);
    # open at furthest: qualified 1 (D5), opportunity 2 (D2 D4).
    # median days lead -> qualified over deals with known entries of both:
    # D1 11-01 -> 11-19 = 18 (D2's return to qualified on 11-19 is a regression, no
    # entry: its qualified was entered before its first snapshot); median 18.0.
    # opportunity and won: no deal has a known entry of opportunity -> null.
    result = cli("conversion", "--db", nightly_db, "-f", "json")
    assert result.exit_code == ExitCode.OK
    rows = {row["stage"]: row for row in json.loads(result.stdout)}
    assert [rows[s]["reached"] for s in ("lead", "qualified", "opportunity", "won")] == [5, 5, 4, 2]
    assert rows["qualified"]["open"] == 1 and rows["opportunity"]["open"] == 2
    assert rows["qualified"]["median_days"] == 18.0
    assert rows["opportunity"]["median_days"] is None and rows["won"]["median_days"] is None
    assert rows["won"]["overall_rate"] == 0.4  # 2 / 5

    # rank, November 2026 (events: known entries at their entry dates): alice D1 lead
    # 11-01, qualified 11-19, won 11-20 (opportunity skipped: passed, no event); D5
    # lead 11-05 -> 2, 1, 0, 1. bob D2 lead 11-02 (its return to qualified is no
    # entry); D4 lead 11-04; D6 lead 11-19 (created), won 11-20 (qualified and
    # opportunity skipped) -> 3, 0, 0, 1. Won amounts 1000 and 800. No deal of the data
    # has an entry date of opportunity: its count is unknown (empty), not 0.
    result = cli("rank", "--db", nightly_db, "--month", "2026-11", "-f", "csv")
    assert result.exit_code == ExitCode.OK
    lines = result.stdout.splitlines()
    # then win_rate_low/high (Wilson, 1 won of 1 decided, z = 1.645: 0.269866 to 1),
    # low_volume (1 decided < 5), events (alice 2+1+0+1 = 4, bob 3+0+0+1 = 4), prev_events 0
    assert lines[1:] == [
        "2026-11,alice,2,2,,1,1,,,,,1,1,,1000.0,0,1.0,0.26986594878405434,1.0,true,4,0",
        "2026-11,bob,3,1,,0,,,,,,1,1,,800.0,0,1.0,0.26986594878405434,1.0,true,4,0",
    ]


def test_pulse_counts_inferred_entries(nightly_db, cli):
    # November 2026, known entries: leads D1 11-01, D2 11-02, D4 11-04, D5 11-05,
    # D6 11-19 = 5; opportunity unknown (null, not 0): D1 and D6 skipped it on 11-20
    # (passed, no event), D2's and D4's is their first snapshot (no entry), so no deal
    # has an entry date of it; won D1 and D6 on the 20th =
    # 2, average amount (1000 + 800) / 2 = 900
    result = cli("pulse", "--month", "2026-11", "--db", nightly_db, "-f", "json")
    assert result.exit_code == ExitCode.OK
    current = {row["metric"]: row["current"] for row in json.loads(result.stdout)}
    assert current == {
        "leads": 5.0, "opportunities": None, "won": 2.0, "avg_won_amount": 900.0,
    }


def test_removed_deals_leave_reports_and_come_back_with_include_removed(nightly_db, cli):
    plain = json.loads(cli("conversion", "--db", nightly_db, "-f", "json").stdout)
    result = cli("conversion", "--db", nightly_db, "-f", "json", "--include-removed")
    assert result.exit_code == ExitCode.OK
    every = json.loads(result.stdout)
    # D3 (qualified, open) comes back: lead 5 -> 6, qualified 5 -> 6, open there 1 -> 2
    assert (plain[0]["reached"], every[0]["reached"]) == (5, 6)
    assert (plain[1]["open"], every[1]["open"]) == (1, 2)
    info = cli("info", "--db", nightly_db)
    assert info.exit_code == ExitCode.OK
    assert "removed deals (not in reports)" in info.stdout
    assert query(nightly_db, "select deal_id, removed_at from removed_deals") == [
        ("D3", D(2026, 11, 20))
    ]


def test_load_summary_counts_per_deals_file(db_path):
    newest, oldest, middle = load_wrong_order(db_path)
    # the 20th first: all five deals new
    assert (newest.snapshot.new, newest.snapshot.changed, newest.snapshot.unchanged) == (5, 0, 0)
    assert newest.snapshot.as_of == D(2026, 11, 20)
    assert newest.snapshot.as_of_source == "file name"
    # the 18th: D1 D2 D4 D5 were set by the newer export; D3 is new, and the full
    # export of the 20th lacks it: removed
    assert (oldest.snapshot.new, oldest.snapshot.older_not_updated, oldest.snapshot.removed) == (
        1, 4, 0 + 1,
    )
    # the 19th: D3 as on the 18th (unchanged), the five others set by the 20th
    assert (middle.snapshot.unchanged, middle.snapshot.older_not_updated) == (1, 5)
    assert (middle.snapshot.new, middle.snapshot.changed, middle.snapshot.removed) == (0, 0, 0)


def test_load_summary_in_order_counts_changes(db_path, cli):
    cli("load", export(18), "--full", "--db", db_path)
    cli("load", export(19), "--full", "--db", db_path)
    result = cli("load", export(20), "--full", "--db", db_path)
    assert result.exit_code == ExitCode.OK
    # 20 vs 19: D1 lead->... qualified->won and closed 11-20; D4 amount 3000->3500;
    # D5 close date 12-01->12-15; D6 lead->won and closed 11-20; D2 unchanged;
    # D3 missing: removed. Changed 4: stage 2, amount 1, close date 3.
    assert (
        "as of 2026-11-20 (from the file name, full export); new 0; changed 4 (stage moved 2, "
        "amount changed 1, close date changed 3); unchanged 1; removed 1"
    ) in " ".join(result.stderr.split())


def test_without_full_nothing_is_removed_and_the_summary_says_what_is_missing(db_path, cli):
    for day in (18, 19):
        cli("load", export(day), "--db", db_path)
    result = cli("load", export(20), "--db", db_path)
    assert "1 known deals not in this export (not removed: not --full)" in " ".join(
        result.stderr.split()
    )
    assert query(db_path, "select count(*) from removed_deals") == [(0,)]
    assert query(db_path, "select count(*) from deal_facts") == [(6,)]


def test_config_full_exports_is_like_full(db_path, tmp_path):
    config = tmp_path / "salesfunnel.toml"
    config.write_text("[load]\nfull_exports = true\n", encoding="utf-8")
    for day in (18, 20):
        load_into(db_path, export(day), config=config)
    assert query(db_path, "select deal_id from removed_deals") == [("D3",)]


def test_a_full_export_of_no_rows_removes_no_deal_and_says_so(nightly_db, cli, tmp_path):
    """A nightly `load --full --quiet` of an export that came out as its header only (the
    CRM's export failed): every deal was marked removed, exit 0, and --quiet printed
    nothing, so every report went empty as if the CRM held no deal. Now a full export
    without a single row removes nothing and a warning says so, --quiet included."""
    before = query(nightly_db, "select deal_id from deal_facts order by 1")
    assert len(before) == 5  # D3 was removed by the export of the 20th
    empty = tmp_path / "deals_2026-11-21.csv"
    empty.write_text("deal_id,rep,stage,status,created_at,closed_at,amount\n", encoding="utf-8")
    result = cli("load", empty, "--full", "--quiet", "--db", nightly_db)
    assert result.exit_code == ExitCode.OK, result.stderr
    said = " ".join(result.stderr.split())
    assert "warning: this full export has no rows (a header only): no deal is removed" in said
    assert query(nightly_db, "select deal_id from deal_facts order by 1") == before
    assert query(nightly_db, "select count(*) from removed_deals") == [(1,)]  # D3, as before


def test_reloading_an_export_changes_nothing(nightly_db):
    before = dump(nightly_db)
    report = load_into(nightly_db, export(19), full=True, force=True).files[0]
    assert dump(nightly_db) == before
    assert report.snapshot.older_not_updated == 5 and report.snapshot.unchanged == 1
    skipped = load_into(nightly_db, export(18), full=True).files[0]
    assert skipped.skipped_unchanged and dump(nightly_db) == before


def test_as_of_from_option_name_or_modification_time(tmp_path, db_path, cli):
    assert as_of_from_name("deals_2026-11-20.csv") == D(2026, 11, 20)
    assert as_of_from_name("export20261120.csv") == D(2026, 11, 20)
    # Salesforce: report<epoch ms>; 1763596800 s = 2025-11-20 00:00 UTC
    assert as_of_from_name("report1763596800000.csv") == D(2025, 11, 20)
    assert as_of_from_name("deals_20261340.csv") is None  # month 13: not a date
    assert parse_as_of("2026-11-20T07:00+01:00") == D(2026, 11, 20, 6)

    plain = tmp_path / "deals.csv"
    plain.write_text(export(18).read_text(encoding="utf-8"), encoding="utf-8")
    stamp = D(2026, 11, 17, 5, 30, tzinfo=dt.UTC).timestamp()
    os.utime(plain, (stamp, stamp))
    report = load_into(db_path, plain).files[0]
    assert (report.snapshot.as_of, report.snapshot.as_of_source) == (
        D(2026, 11, 17, 5, 30), "modification time",
    )
    result = cli("load", export(19), "--as-of", "2026-11-19T06:00", "--db", db_path)
    assert result.exit_code == ExitCode.OK
    assert query(db_path, "select as_of, as_of_source from deal_exports order by as_of") == [
        (D(2026, 11, 17, 5, 30), "modification time"),
        (D(2026, 11, 19, 6), "option"),
    ]
    bad = cli("load", export(20), "--as-of", "yesterday", "--db", db_path)
    assert bad.exit_code == ExitCode.USAGE  # a bad flag value
    assert "--as-of 'yesterday' is not a date" in bad.stderr


def test_stalled_uses_the_stage_the_crm_shows_now(nightly_db):
    # D2's furthest stage is opportunity (its first snapshot, no known entry); the
    # CRM shows qualified since it went back on 11-19, but it entered qualified
    # before its first snapshot (the return is no fresh entry): no entry date, so
    # it is not listed, though the p90 of smb qualified is 1 day (D1 qualified 11-19
    # -> opportunity entry 11-20). D5 (qualified from its first snapshot) and the
    # mid deals have no entry date either.
    rows = query(
        nightly_db,
        "select deal_id, stage, days_in_stage, threshold_days "
        "from stalled_deals(timestamp '2026-11-25', null, 0, 0.9, 1) where stalled",
    )
    assert rows == []
    assert query(
        nightly_db,
        "select entered_at from deal_stage_dates where deal_id = 'D2' and stage = 'qualified'",
    ) == [(None,)]


def test_the_summary_says_an_older_export_updated_nothing(db_path, cli):
    assert cli("load", export(20), "--full", "--db", db_path).exit_code == ExitCode.OK
    result = cli("load", export(19), "--full", "--db", db_path)
    assert result.exit_code == ExitCode.OK
    # all six deals of the 19th: D1 D2 D4 D5 D6 set by the 20th; D3 new (and then
    # removed: the full export of the 20th lacks it)
    assert (
        "as of 2026-11-19 (from the file name, full export); new 1; changed 0 (stage moved 0, "
        "amount changed 0, close date changed 0); unchanged 0; removed 1; older than the "
        "newest export: 5 deals not updated"
    ) in " ".join(result.stderr.split())
