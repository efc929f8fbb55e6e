"""Honest dates (issue 21, points 1-5): every date a report uses is known from the data
or visibly unknown. Each test is computed by hand on a few deals (default funnel lead >
qualified > opportunity > won) and checked through JSON and the table.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from salesfunnel.errors import ExitCode
from tests.conftest import write

TABLE_ENV = {"NO_COLUMNS": "1", "COLUMNS": "200", "NO_COLOR": "1"}


def _mtime(path: Path, day: dt.datetime) -> None:
    stamp = day.replace(tzinfo=dt.UTC).timestamp()
    os.utime(path, (stamp, stamp))


def _json(cli, *args, env=None):
    result = cli(*args, "-f", "json", env=env)
    assert result.exit_code == ExitCode.OK, result.stderr
    return json.loads(result.stdout), result.stderr


def _table(cli, *args, env=None):
    result = cli(*args, env={**TABLE_ENV, **(env or {})})
    assert result.exit_code == ExitCode.OK, result.stderr
    return result.stdout


def _row(table: str, first: str) -> list[str]:
    """The cells of the table line whose first cell is `first` (split on 2+ spaces)."""
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().split("  ") if cell.strip()]
        if cells and cells[0] == first:
            return cells
    raise AssertionError(f"no row {first!r} in:\n{table}")


# ---------------------------------------------------------------------------------------
# 1. Without created_at, no first-stage entry is invented from an as-of / file time.
#
# deals.csv has no created_at; its modification time (the as-of) is 2026-06-15:
#   A ann  opportunity  open   history qualified 03-05, opportunity 03-20
#   B ann  won          won    closed 03-25, history qualified 03-10
#   C bob  lead         open   no history
# Known entries: A qualified 03-05, opportunity 03-20; B qualified 03-10, won 03-25.
# No deal has a known lead entry (no created_at, no lead in its history).
# ---------------------------------------------------------------------------------------

NO_CREATED = (
    "deal_id,rep,stage,closed_at,amount\n"
    "A,ann,opportunity,,100\n"
    "B,ann,won,2026-03-25,200\n"
    "C,bob,lead,,300\n"
)
NO_CREATED_HISTORY = (
    "deal_id,stage,entered_at\n"
    "A,qualified,2026-03-05\n"
    "A,opportunity,2026-03-20\n"
    "B,qualified,2026-03-10\n"
)


def _no_created_db(cli, tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    deals = write(folder, "deals.csv", NO_CREATED)
    write(folder, "history.csv", NO_CREATED_HISTORY)
    _mtime(deals, dt.datetime(2026, 6, 15, 8, 0))
    db = tmp_path / "p.duckdb"
    result = cli("load", str(folder), "--db", db)
    assert result.exit_code == ExitCode.OK, result.stderr
    return db


def test_no_created_at_no_first_stage_entry_from_the_file_time(cli, tmp_path):
    db = _no_created_db(cli, tmp_path)
    env = {"SALESFUNNEL_TODAY": "2026-06-20"}
    # info: the last activity is B's won entry 03-25, not the file time 06-15; so the
    # data are stale on 06-20 (87 days) and every report says so
    info, notes = _json(cli, "info", "--db", db, env=env)
    assert info["last_activity"].startswith("2026-03-25")
    assert info["newest_as_of"].startswith("2026-06-15")
    assert "the newest activity in the database is from 2026-03-25, 87 days before" in notes
    assert "2026-03-25" in _row(_table(cli, "info", "--db", db, env=env), "last activity")[1]

    # the month of the as-of has no activity at all: no lead entries there
    rows, _ = _json(cli, "rank", "--month", "2026-06", "--db", db, env=env)
    assert rows == []
    # plain rank picks the last month with activity, March
    assert "activity in 2026-03" in _table(cli, "rank", "--db", db, env=env)

    # conversion: reached lead 3, qualified 2, opportunity 2, won 1; lead -> qualified has
    # no days (no known lead entry); qualified -> opportunity: A 03-05 -> 03-20 = 15.0
    # (B skipped opportunity: no recorded entry); opportunity -> won: nobody (B's
    # opportunity is not recorded)
    rows, _ = _json(cli, "conversion", "--db", db, env=env)
    by_stage = {row["stage"]: row for row in rows}
    assert [by_stage[s]["reached"] for s in ("lead", "qualified", "opportunity", "won")] == [
        3, 2, 2, 1]
    assert [by_stage[s]["median_days"] for s in ("lead", "qualified", "opportunity", "won")] == [
        None, None, 15.0, None]
    table = _table(cli, "conversion", "--db", db, env=env)
    assert _row(table, "qualified")[-1] != "0.0" and "0.0" not in " ".join(
        _row(table, "qualified"))
    assert "15.0" in _row(table, "opportunity")


# ---------------------------------------------------------------------------------------
# 2. Durations run between entry dates (entry date of k = earliest known entry over
#    k' >= k), so they never decrease along the funnel and are never negative.
#
#   Q smb won   created 01-01, closed 01-25; history opportunity 01-10, qualified 02-27
#               (recorded after the won date)
#   R smb lost  created 01-01, closed 02-01; history qualified 01-02, opportunity 01-12
#   O smb open  created 01-01, stage qualified; history qualified 01-05
# Entry dates of Q: lead 01-01, qualified min(02-27, 01-10, 01-25) = 01-10,
# opportunity 01-10, won 01-25. R: 01-01, 01-02, 01-12. O: 01-01, 01-05.
# conversion days (deals with a known entry of both stages):
#   qualified:   Q 9.0, R 1.0, O 4.0 -> p25 2.5, median 4.0
#   opportunity: Q 0.0 (not 02-27 -> 01-10 = -48), R 10.0 -> median 5.0
#   won:         Q 01-10 -> 01-25 = 15.0
# stalled, past times in qualified (known entry of qualified, went further):
#   Q 0.0 (entry date of opportunity minus entry date of qualified), R 10.0
#   -> p90 (quantile_cont) 9.0; O is 55 days in qualified on 03-01: flagged, 46 over
#   (two past deals: --min-past-deals 2, the default 20 would give no p90).
# ---------------------------------------------------------------------------------------

OUT_OF_ORDER = (
    "deal_id,rep,tier,created_at,stage,closed_at,amount\n"
    "Q,ann,smb,2026-01-01,won,2026-01-25,100\n"
    "R,ann,smb,2026-01-01,lost,2026-02-01,100\n"
    "O,bob,smb,2026-01-01,qualified,,100\n"
)
OUT_OF_ORDER_HISTORY = (
    "deal_id,stage,entered_at\n"
    "Q,opportunity,2026-01-10\n"
    "Q,qualified,2026-02-27\n"
    "R,qualified,2026-01-02\n"
    "R,opportunity,2026-01-12\n"
    "O,qualified,2026-01-05\n"
)


def _loaded(cli, tmp_path: Path, deals: str, history: str | None = None) -> Path:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    write(folder, "deals.csv", deals)
    if history is not None:
        write(folder, "history.csv", history)
    db = tmp_path / "p.duckdb"
    result = cli("load", str(folder), "--db", db)
    assert result.exit_code == ExitCode.OK, result.stderr
    return db


def test_durations_run_between_entry_dates_never_negative(cli, tmp_path):
    db = _loaded(cli, tmp_path, OUT_OF_ORDER, OUT_OF_ORDER_HISTORY)
    rows, _ = _json(cli, "conversion", "--db", db)
    by_stage = {row["stage"]: row for row in rows}
    assert [by_stage[s]["median_days"] for s in ("lead", "qualified", "opportunity", "won")] == [
        None, 4.0, 5.0, 15.0]
    assert by_stage["qualified"]["p25_days"] == 2.5
    assert by_stage["opportunity"]["p25_days"] == 2.5  # 0.0 and 10.0: never below 0
    table = _table(cli, "conversion", "--db", db)
    assert _row(table, "opportunity")[6:8] == ["5.0", "2.5–7.5"]
    assert _row(table, "won")[6] == "15.0"

    env = {"SALESFUNNEL_TODAY": "2026-03-01"}
    rows, _ = _json(cli, "stalled", "--min-past-deals", "2", "--db", db, env=env)
    assert [(r["deal_id"], r["stage"], r["days_in_stage"], r["p90_days"], r["days_over"],
             r["past_deals"]) for r in rows] == [("O", "qualified", 55, 9.0, 46.0, 2)]
    table = _table(cli, "stalled", "--min-past-deals", "2", "--db", db, env=env)
    assert _row(table, "O")[4:7] == ["55", "9.0", "46.0"]


# ---------------------------------------------------------------------------------------
# 5. A reopened deal (won, then open again in a later export) is no fresh entry.
#
# Three exports, the as-of in the file names:
#   W ann created 01-15   03-01 qualified   04-10 won (closed 04-05)   05-10 opportunity, open
#   X bob created 05-02   -                 -                          05-10 lead
# W is open now: furthest stage opportunity, its won entries do not count. Its return
# to opportunity on 05-10 follows a won snapshot: no inferred entry (it was past
# opportunity before). So May has one event: X's lead entry (created 05-02).
# ---------------------------------------------------------------------------------------

REOPENED = {
    "2026-03-01": "W,ann,2026-01-15,qualified,,100\n",
    "2026-04-10": "W,ann,2026-01-15,won,2026-04-05,100\n",
    "2026-05-10": "W,ann,2026-01-15,opportunity,,100\nX,bob,2026-05-02,lead,,50\n",
}


def test_a_reopened_deal_is_no_fresh_entry_for_rank_or_pulse(cli, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for day, rows in REOPENED.items():
        write(folder, f"deals_{day}.csv", "deal_id,rep,created_at,stage,closed_at,amount\n" + rows)
    db = tmp_path / "p.duckdb"
    assert cli("load", str(folder), "--db", db).exit_code == ExitCode.OK
    env = {"SALESFUNNEL_TODAY": "2026-06-02"}
    rows, _ = _json(cli, "rank", "--month", "2026-05", "--db", db, env=env)
    # qualified and opportunity have no entry date in any export: unknown (null), not 0
    assert [(r["rep"], r["lead"], r["qualified"], r["opportunity"], r["won"]) for r in rows] == [
        ("bob", 1, None, None, 0)]
    table = _table(cli, "rank", "--month", "2026-05", "--db", db, env=env)
    assert not any(line.strip().startswith("ann") for line in table.splitlines())
    assert _row(table, "bob *")[1:3] == ["1 #1", "·"]

    rows, _ = _json(cli, "pulse", "--month", "2026-05", "--db", db, env=env)
    current = {row["metric"]: row["current"] for row in rows}
    assert (current["leads"], current["opportunities"], current["won"]) == (1.0, None, 0.0)
    table = _table(cli, "pulse", "--month", "2026-05", "--db", db, env=env)
    assert _row(table, "Opportunities")[1:3] == ["opportunity", "–"]

    # conversion still counts W as reached opportunity, open there (reached, not dated)
    rows, _ = _json(cli, "conversion", "--db", db, env=env)
    by_stage = {row["stage"]: row for row in rows}
    assert [by_stage[s]["reached"] for s in ("lead", "qualified", "opportunity", "won")] == [
        2, 1, 1, 0]
    assert (by_stage["opportunity"]["open"], by_stage["lead"]["open"]) == (1, 1)


# ---------------------------------------------------------------------------------------
# 3. A skipped middle stage counts as reached, but is no event in a month unless a real
#    date says when; load and init say once which stages have no dates.
#
# An export without stage history or "Date entered" columns (created_at, closed_at only):
#   H1 ann created 03-02, won, closed 03-20, 100
#   H2 ann created 03-05, opportunity, open (its first and only snapshot: no entry)
#   H3 bob created 02-10, qualified, open
# Known entries: lead (created_at) of all three, won 03-20 of H1. qualified and
# opportunity have none: reached (H1 and H2 reached both, H3 qualified) but undated.
# rank 2026-03: ann lead 2, qualified 0, opportunity 0, won 1 (100); bob has no event.
# ---------------------------------------------------------------------------------------

UNDATED = (
    "deal_id,rep,created_at,stage,closed_at,amount\n"
    "H1,ann,2026-03-02,won,2026-03-20,100\n"
    "H2,ann,2026-03-05,opportunity,,50\n"
    "H3,bob,2026-02-10,qualified,,70\n"
)
UNDATED_NOTE = (
    "note: no entry dates for the stages qualified, opportunity: they count as reached in "
    "conversion, but their entries per month are unknown (rank, pulse and velocity show them "
    "as –, plan counts no event of it)"
)


def test_a_skipped_stage_is_reached_but_no_event_and_load_and_init_say_so(cli, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    path = write(folder, "deals.csv", UNDATED)
    proposal = cli("init", str(path))
    assert proposal.exit_code == ExitCode.OK
    said = " ".join(proposal.stderr.split())
    assert said.count(UNDATED_NOTE) == 1
    assert '[columns.deals.stage_dates] "qualified" = "<column>"' in said
    assert "created_at column" not in said  # the first stage is dated

    db = tmp_path / "p.duckdb"
    result = cli("load", str(path), "--db", db)
    assert result.exit_code == ExitCode.OK
    assert " ".join(result.stderr.split()).count(UNDATED_NOTE) == 1
    quiet = cli("load", str(path), "--db", tmp_path / "q.duckdb", "--quiet")
    assert quiet.exit_code == ExitCode.OK and "no entry dates" not in quiet.stderr

    env = {"SALESFUNNEL_TODAY": "2026-04-02"}
    rows, _ = _json(cli, "rank", "--month", "2026-03", "--db", db, env=env)
    assert [(r["rep"], r["lead"], r["qualified"], r["opportunity"], r["won"], r["won_amount"])
            for r in rows] == [("ann", 2, None, None, 1, 100.0)]
    table = _table(cli, "rank", "--month", "2026-03", "--db", db, env=env)
    assert _row(table, "ann *")[1:5] == ["2 #1", "·", "–", "–"]

    rows, _ = _json(cli, "pulse", "--month", "2026-03", "--db", db, env=env)
    current = {row["metric"]: row["current"] for row in rows}
    assert (current["leads"], current["opportunities"], current["won"]) == (2.0, None, 1.0)

    rows, _ = _json(cli, "conversion", "--db", db, env=env)
    by_stage = {row["stage"]: row for row in rows}
    assert [by_stage[s]["reached"] for s in ("lead", "qualified", "opportunity", "won")] == [
        3, 3, 2, 1]
    assert all(row["median_days"] is None for row in rows)  # no step has two dates
    table = _table(cli, "conversion", "--db", db, env=env)
    assert _row(table, "opportunity")[1] == "2"


def test_a_stage_without_any_entry_date_is_unknown_in_every_monthly_report(cli, tmp_path):
    """Same UNDATED deals: qualified and opportunity entries per month are unknown (no
    column dates them), so every report counting entries by period shows null / – and
    says which column would date them; a dated stage of the same data is counted.
    velocity --from-stage lead in March: H1 and H2 entered lead, H1 won (100) 18 days
    after its lead entry: 2 x 1.0 x 100 / 18 = 11.111 a day."""
    db = _loaded(cli, tmp_path, UNDATED)
    env = {"SALESFUNNEL_TODAY": "2026-04-02"}
    hint = '[columns.deals.stage_dates] "qualified" = "<column>"'

    rows, notes = _json(cli, "rank", "--month", "2026-03", "--db", db, env=env)
    (ann,) = rows
    assert (ann["qualified"], ann["qualified_rank"], ann["opportunity"]) == (None, None, None)
    assert (ann["lead"], ann["lead_rank"], ann["won"]) == (2, 1, 1)
    said = " ".join(notes.split())
    assert ("no deal has an entry date for the stages qualified, opportunity: their entries "
            "per period are unknown and shown as – (null), not 0.") in said
    assert hint in said
    csv = cli("rank", "--month", "2026-03", "--db", db, "-f", "csv", env=env)
    header, line = csv.stdout.splitlines()
    cells = dict(zip(header.split(","), line.split(","), strict=True))
    assert (cells["qualified"], cells["opportunity"], cells["lead"]) == ("", "", "2")

    rows, notes = _json(cli, "pulse", "--month", "2026-03", "--db", db, env=env)
    by_metric = {row["metric"]: row for row in rows}
    assert (by_metric["opportunities"]["current"], by_metric["opportunities"]["previous"]) == (
        None, None)
    assert by_metric["leads"]["current"] == 2.0
    # one text in every report (the pack says it once)
    assert "entry date for the stages qualified, opportunity:" in " ".join(notes.split())

    (row,), notes = _json(cli, "velocity", "--month", "2026-03", "--db", db, env=env)
    assert (row["opportunities"], row["velocity"], row["won"]) == (None, None, 1)
    assert "entry date for the stages qualified, opportunity:" in " ".join(notes.split())
    table = _table(cli, "velocity", "--month", "2026-03", "--db", db, env=env)
    assert "–" in table

    (row,), notes = _json(cli, "velocity", "--month", "2026-03", "--from-stage", "lead",
                          "--db", db, env=env)
    assert (row["opportunities"], row["won"], row["lost"], row["win_rate"]) == (2, 1, 0, 1.0)
    assert (row["avg_won_amount"], row["cycle_days"]) == (100.0, 18.0)
    assert abs(row["velocity"] - 2 * 1.0 * 100 / 18) < 1e-9
    assert "no deal has an entry date" not in notes


def test_info_says_what_the_exports_leave_unknown(cli, tmp_path):
    """UNDATED: qualified and opportunity are reached but never dated; every deal has an
    amount and H1, the one closed deal, its close date."""
    db = _loaded(cli, tmp_path, UNDATED)
    result = cli("info", "--db", db, "-f", "json")
    assert result.exit_code == ExitCode.OK, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["undated_stages"], summary["deals_without_amount"],
            summary["closed_without_date"]) == (["qualified", "opportunity"], 0, 0)
    csv = cli("info", "--db", db, "-f", "csv").stdout
    assert csv.splitlines()[1].endswith(',"qualified, opportunity",0,0')
    table = _table(cli, "info", "--db", db)
    assert _row(table, "stages without entry dates")[1] == "qualified, opportunity"

def test_stalled_says_which_open_deals_it_cannot_judge(cli, tmp_path):
    """Same UNDATED deals: H2 (opportunity) and H3 (qualified) are open with no entry
    date of their stage, so their days in it are unknown: not flagged, not 'fine'."""
    db = _loaded(cli, tmp_path, UNDATED)
    env = {"SALESFUNNEL_TODAY": "2026-04-02"}
    rows, notes = _json(cli, "stalled", "--db", db, env=env)
    assert rows == []
    said = " ".join(notes.split())
    assert ("2 open deals have no entry date for their current stage (qualified 1, "
            "opportunity 1): the days in it are unknown, so they are not judged stalled or "
            "not.") in said
    assert '[columns.deals.stage_dates] "qualified" = "<column>"' in said
    table = " ".join(_table(cli, "stalled", "--db", db, env=env).split())
    assert "No open deal with known days in its stage is stalled." in table
    assert "No open deal is stalled." not in table
    rows, notes = _json(cli, "stalled", "--tier", "unknown", "--db", db, env=env)
    assert "2 open deals have no entry date" in " ".join(notes.split())


def test_the_pack_says_each_unknown_once_and_its_cards_do_not_claim_it(cli, tmp_path):
    """Same UNDATED deals, pack of 2026-03 (no subscriptions): one note per unknown
    (rank, pulse and velocity share the undated-stages text; churn and tiers the
    no-subscriptions text), and the stalled card says 2 open deals were not judged."""
    db = _loaded(cli, tmp_path, UNDATED)
    out = tmp_path / "pack"
    result = cli("pack", "--out", out, "--month", "2026-03", "--db", db,
                 env={"SALESFUNNEL_TODAY": "2026-04-02"})
    assert result.exit_code == ExitCode.OK, result.stderr
    said = result.stderr
    assert said.count("no deal has an entry date for the stages qualified, opportunity") == 1
    assert said.count("no subscriptions are loaded") == 1
    assert said.count("2 open deals have no entry date for their current stage") == 1
    page = (out / "index.html").read_text()
    assert ("<b>0</b><span>open deals stalled on 2026-04-01 (2 not judged: no entry date of their "
            "stage)</span>") in page
    assert page.count("No subscriptions are loaded, so churn") == 1  # the note, capitalised
    # no deal was lost: a sentence, not an empty chart with a 0 axis
    dropoff = page[page.index('<section id="dropoff">'):page.index('<section id="rank">')]
    assert "No lost deal in this cohort." in dropoff and "<svg" not in dropoff


# ---------------------------------------------------------------------------------------
# 4. Lost with no stage before loss: lost at an unknown stage, in every report.
#   L1 ann created 03-01, "lost" (a lost label), no history, closed 03-10, Budget, 40
#   L2 ann created 03-02, stage qualified, status lost, closed 03-11, Budget, 60
#   K1 bob created 03-03, lead, open
# conversion: L1 is in no row (its stage is unknown): lead 2 (L2, K1), qualified 1,
# lost 1 at qualified, open 1 at lead; dropoff: qualified 1 (share 0.5), unknown 1 (0.5).
# ---------------------------------------------------------------------------------------

NO_STAGE = (
    "deal_id,rep,created_at,stage,status,closed_at,lost_reason,amount\n"
    "L1,ann,2026-03-01,lost,,2026-03-10,Budget,40\n"
    "L2,ann,2026-03-02,qualified,lost,2026-03-11,Budget,60\n"
    "K1,bob,2026-03-03,lead,,,,10\n"
)


def test_lost_with_no_stage_is_lost_at_an_unknown_stage_everywhere(cli, tmp_path):
    db = _loaded(cli, tmp_path, NO_STAGE)
    rows, notes = _json(cli, "conversion", "--db", db)
    assert [(r["stage"], r["reached"], r["lost"], r["open"]) for r in rows] == [
        ("lead", 2, 0, 1), ("qualified", 1, 1, 0), ("opportunity", 0, 0, 0), ("won", 0, 0, 0)]
    assert ("1 lost deal has no stage before loss (no stage history): lost at an unknown "
            "stage, it is left out of conversion") in " ".join(notes.split())
    table = _table(cli, "conversion", "--db", db)
    assert _row(table, "lead")[1] == "2" and "(stage unknown)" not in table

    rows, _ = _json(cli, "dropoff", "--db", db)
    assert [(r["stage"], r["reason"], r["lost"], r["share"], r["amount"]) for r in rows] == [
        ("qualified", "Budget", 1, 0.5, 60.0), (None, "Budget", 1, 0.5, 40.0)]
    table = _table(cli, "dropoff", "--db", db)
    assert table.count("(stage unknown)") == 1


def test_closed_deals_without_a_close_date_are_in_no_period_and_reports_say_so(cli, tmp_path):
    """October 2026, canonical columns: D1 won 10-03 (1,000), D2 won with no closed_at
    (500), D3 lost 10-06, D4 lost with no closed_at, D5 open. rank: Ann 1 win (D1) and
    1,000, Bob 1 loss (D3): D2 and D4 are in no month, not in October as a fill-in;
    rank, pulse, velocity and pacing say "1 won deal and 1 lost deal have no close date".
    cohorts (reached won): D2's win date is unknown, so it is in no cohort: 4 deals, 1
    (D1) reached won within 30 days = 25%, and the note says so."""
    deals = (
        "deal_id,rep,stage,status,created_at,closed_at,amount\n"
        "D1,Ann,won,won,2026-10-01,2026-10-03,1000\n"
        "D2,Ann,won,won,2026-10-01,,500\n"
        "D3,Bob,qualified,lost,2026-10-02,2026-10-06,300\n"
        "D4,Bob,qualified,lost,2026-10-02,,300\n"
        "D5,Bob,qualified,open,2026-10-02,,300\n"
    )
    db = _loaded(cli, tmp_path, deals)
    note = ("1 won deal and 1 lost deal have no close date (closed_at) and so are in no "
            "period's wins or losses here")
    rows, stderr = _json(cli, "rank", "--month", "2026-10", "--db", db)
    by_rep = {row["rep"]: row for row in rows}
    assert (by_rep["Ann"]["won"], by_rep["Ann"]["won_amount"], by_rep["Ann"]["lost"]) == (1, 1000.0, 0)
    assert (by_rep["Bob"]["won"], by_rep["Bob"]["lost"]) == (0, 1)
    assert note in " ".join(stderr.split())
    for command in (["pulse", "--month", "2026-10"], ["velocity", "--month", "2026-10"],
                    ["pacing", "--period", "2026-Q4", "--target-amount", "10000"]):
        _, stderr = _json(cli, *command, "--db", db)
        assert note in " ".join(stderr.split()), command
    pulse, _ = _json(cli, "pulse", "--month", "2026-10", "--db", db)
    assert [row["current"] for row in pulse if row["metric"] == "won"] == [1.0]
    cohorts, stderr = _json(cli, "cohorts", "--ages", "30", "--db", db)
    assert [(row["cohort"], row["deals"], row["reached"], row["rate"]) for row in cohorts] == [
        ("2026-10", 4, 1, 0.25)]
    assert ("1 deal reached won on an unknown date (no close date or stage date) and is in no "
            "cohort: whether it got there within N days is unknown. Map the close-date column "
            '([columns.deals] closed_at = "<column>", e.g. Close Date, CloseDate) and load '
            "again.") in " ".join(stderr.split())
    assert _row(_table(cli, "cohorts", "--ages", "30", "--db", db), "2026-10")[:3] == [
        "2026-10", "4", "25.0%*"]
    # reached qualified: D1 entered it by its win on 10-03 at the latest; D2 (won, no
    # date) and D3-D5 (their current stage, no history) reached it on unknown dates
    _, stderr = _json(cli, "cohorts", "--ages", "30", "--stage", "qualified", "--db", db)
    assert ("4 deals reached qualified on an unknown date (no close date or stage date) and "
            "are in no cohort: whether they got there within N days is unknown. qualified is "
            "dated by a stage history file (deal_id, stage, entered_at) or a date column per "
            'stage in the deals export ([columns.deals.stage_dates] "qualified" = "<column>"'
            ) in " ".join(stderr.split())
