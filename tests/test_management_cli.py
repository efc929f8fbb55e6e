"""The management commands at the CLI edge: the same numbers in every format, exit
codes, and golden Rich tables at a fixed width (tests/golden/management_*.txt;
UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from conftest import FIXTURES, check_golden, only_stale_notice, render_report

from salesfunnel.errors import ExitCode
from salesfunnel.reports import common, management, plan

TODAY = "2026-11-23"
ENV = {"SALESFUNNEL_TODAY": TODAY, "NO_COLOR": "1"}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    from conftest import Cli

    db = tmp_path_factory.mktemp("mgmt") / "cli.duckdb"
    result = Cli()("load", FIXTURES / "management", "--db", db)
    assert result.exit_code == ExitCode.OK, result.stderr
    return db


def _json(cli, *args):
    result = cli(*args, "-f", "json", env=ENV)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert only_stale_notice(result.stderr)
    return json.loads(result.stdout)


def _all_formats_agree(cli, tmp_path, *args):
    """JSON, CSV and Parquet of one command hold the same rows; returns the JSON rows."""
    as_json = _json(cli, *args)
    as_csv = cli(*args, "-f", "csv", env=ENV)
    assert as_csv.exit_code == ExitCode.OK, as_csv.stderr
    out = tmp_path / "report.parquet"
    assert cli(*args, "-o", out, env=ENV).exit_code == ExitCode.OK
    from_parquet = pl.read_parquet(out)
    assert json.loads(from_parquet.write_json()) == as_json
    assert from_parquet.write_csv() == as_csv.stdout
    return as_json


@pytest.mark.parametrize(
    "args",
    [
        ("churn",),
        ("churn", "--by", "tier", "--since", "2026-02-01"),
        ("churn", "--list-early"),
        ("tiers",),
        ("plan", "--target-amount", "30000", "--months", "2"),
        ("pulse", "--date", "2026-07-15"),
        ("stalled", "--min-past-deals", "1"),
    ],
)
def test_formats_agree(cli, loaded, tmp_path, args):
    rows = _all_formats_agree(cli, tmp_path, *args, "--db", loaded)
    assert rows


def test_churn_json_fields(cli, loaded):
    rows = _json(cli, "churn", "--db", loaded)
    # bob's 3 of 4 at 90%: Wilson 0.356168 to 0.942093 (test_management.test_churn_by_rep);
    # the low end is under the company's 5/12, so not well above
    assert rows[0] == {
        "rep": "bob", "started": 4, "churned": 3, "churn_rate": 0.75,
        "churn_rate_low": pytest.approx(0.356168, abs=1e-6),
        "churn_rate_high": pytest.approx(0.942093, abs=1e-6), "early_churned": 2,
        "early_churn_rate": 0.5, "mrr_lost": 260.0, "company_churn_rate": pytest.approx(5 / 12),
        "rate_difference": pytest.approx(0.75 - 5 / 12), "well_above_company": False,
    }
    assert rows[-1]["rep"] == "dee" and rows[-1]["churn_rate"] is None
    assert rows[-1]["churn_rate_low"] is None and rows[-1]["churn_rate_high"] is None
    # at 50% bob's interval starts at 0.583760, above 5/12: well above
    rows = _json(cli, "churn", "--confidence", "0.5", "--db", loaded)
    assert rows[0]["churn_rate_low"] == pytest.approx(0.583760, abs=1e-6)
    assert rows[0]["well_above_company"] is True


def test_tiers_intervals_in_every_format(cli, loaded, tmp_path):
    rows = _all_formats_agree(cli, tmp_path, "tiers", "--db", loaded)
    # hand-computed in test_management.test_tiers_all_deals: smb won 3 of 4, churned 4 of 8
    smb = rows[-1]
    assert smb["tier"] == "smb"
    assert smb["win_rate_low"] == pytest.approx(0.356168, abs=1e-6)
    assert smb["win_rate_high"] == pytest.approx(0.942093, abs=1e-6)
    assert smb["churn_rate_low"] == pytest.approx(0.248642, abs=1e-6)
    assert smb["churn_rate_high"] == pytest.approx(0.751358, abs=1e-6)
    table = cli("tiers", "--db", loaded, env=ENV).stdout
    assert "35.6%–94.2%" in table and "24.9%–75.1%" in table


def test_churn_list_early_csv(cli, loaded):
    result = cli("churn", "--list-early", "--db", loaded, "-f", "csv", env=ENV)
    assert result.exit_code == ExitCode.OK
    assert result.stdout.splitlines() == [
        "customer_id,deal_id,rep,tier,started_at,ended_at,days_active,mrr,currency",
        "C01,P01,ann,smb,2026-01-15,2026-06-14,150,100.0,",
        "C05,,bob,smb,2026-02-01,2026-04-10,68,80.0,",
        "C07,,bob,smb,2026-05-01,2026-09-30,152,60.0,",
    ]


def test_churn_table_marks_reps_well_above_in_words(cli, loaded):
    result = cli("churn", "--db", loaded, "--confidence", "0.5", env=ENV)
    assert result.exit_code == ExitCode.OK
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    # churn, its 50% interval (0.583760 to 0.865180, shown like the rate), company, difference
    assert lines["bob"].split()[1:8] == ["4", "3", "75.0%", "58.4%–86.5%", "41.7%", "+33.3", "pp"]
    assert lines["bob"].rstrip().endswith("▲ well above")
    assert "well above" not in lines["ann"]


def test_plan_json(cli, loaded):
    rows = _json(cli, "plan", "--target-amount", "30000", "--db", loaded)
    assert [{k: rows[0][k] for k in ("month", "lead", "qualified", "opportunity", "won",
                                     "reps_needed")}] == [
        {"month": "2026-11", "lead": 29, "qualified": 24, "opportunity": 14, "won": 7,
         "reps_needed": 28}
    ]


def test_plan_without_wins_exit_6(cli, loaded):
    result = cli("plan", "--target-amount", "30000", "--tier", "enterprise", "--db", loaded,
                 env=ENV)
    assert result.exit_code == ExitCode.QUERY
    assert result.stdout == ""
    assert "No deal was won in the lookback (2026-05 to 2026-10, tier enterprise)" in result.stderr
    assert "Traceback" not in result.stderr


def test_plan_lookback_lacking_a_stage_exit_6(cli, loaded):
    result = cli("plan", "--target-amount", "30000", "--lookback", "3", "--db", loaded, env=ENV)
    assert result.exit_code == ExitCode.QUERY
    assert "reached won, so the conversion from opportunity to won is unknown" in result.stderr


def test_usage_errors_exit_2(cli, loaded):
    cases = [
        (("plan", "--db", loaded), "--target-amount"),
        (("plan", "--target-amount", "-5", "--db", loaded), "--target-amount takes an amount > 0"),
        (("plan", "--target-amount", "5", "--start", "Dec", "--db", loaded), "YYYY-MM"),
        (("pulse", "--week", "--month", "2026-10", "--db", loaded), "--week or --month, not both"),
        (("pulse", "--date", "yesterday", "--db", loaded), "--date takes a date"),
        (("churn", "--by", "source", "--db", loaded), "is not one of"),
        (("churn", "--since", "2026-05-01", "--until", "2026-04-01", "--db", loaded), "is after"),
        (("stalled", "--min-days", "-3", "--db", loaded), "--min-days"),
    ]
    for args, message in cases:
        result = cli(*args, env=ENV)
        assert result.exit_code == ExitCode.USAGE, args
        assert message in result.stderr, (args, result.stderr)


def test_missing_database_exit_5(cli, tmp_path):
    result = cli("tiers", "--db", tmp_path / "none.duckdb", env=ENV)
    assert result.exit_code == ExitCode.DATABASE
    assert "No database at" in result.stderr


def test_pulse_defaults_to_the_last_complete_period(cli, loaded):
    """Today is 2026-11-23 (a Monday of W48): the last complete month is 2026-10, the last
    complete ISO week 2026-W47; today's own period is only for --date or --month."""
    rows = _json(cli, "pulse", "--db", loaded)
    assert {(r["period"], r["previous_period"]) for r in rows} == {("2026-10", "2026-09")}
    week = _json(cli, "pulse", "--week", "--db", loaded)
    assert week[0]["period"] == "2026-W47" and week[0]["previous_period"] == "2026-W46"
    current = cli("pulse", "--month", "2026-11", "--db", loaded, env=ENV)
    assert current.exit_code == 0
    assert "partial: 2026-11-01 to 2026-11-23 only, to date" in " ".join(current.stdout.split())
    assert "2026-11 is a partial period" in current.stderr


def test_table_written_to_a_txt_file(cli, loaded, tmp_path):
    out = tmp_path / "stalled.txt"
    result = cli("stalled", "--min-past-deals", "1", "--db", loaded, "-o", out, env=ENV)
    assert result.exit_code == ExitCode.OK and result.stdout == ""
    assert "P04" in out.read_text(encoding="utf-8")


# -- golden tables ----------------------------------------------------------------------
DAY = dt.date(2026, 11, 23)
WHOLE = common.Window()
GOLDENS = {
    "management_churn": lambda db: management.churn(db, WHOLE, DAY),
    "management_early_churn": lambda db: management.early_churn(db, WHOLE, DAY),
    "management_tiers": lambda db: management.tiers(db, WHOLE, DAY),
    "management_plan": lambda db: plan.plan(db, 30000, DAY, months=2),
    "management_pulse": lambda db: management.pulse(db, "month", dt.date(2026, 7, 15)),
    "management_stalled": lambda db: management.stalled(db, DAY, min_past_deals=1),
}


@pytest.mark.parametrize("name", sorted(GOLDENS))
def test_golden(loaded, name):
    check_golden(name, render_report(loaded, GOLDENS[name]))


def test_database_older_than_subscriptions_is_migrated(cli, tmp_path):
    import duckdb

    db = tmp_path / "old.duckdb"
    assert cli("load", FIXTURES / "funnel", "--db", db).exit_code == ExitCode.OK
    with duckdb.connect(str(db)) as conn:  # as a database made before subscriptions existed
        conn.execute("drop table subscriptions")
        conn.execute("update salesfunnel_meta set value = '1' where key = 'schema_version'")
    # the first open migrates it (schema version 1 -> 2 adds the missing tables)
    assert cli("conversion", "--db", db, env=ENV).exit_code == ExitCode.OK
    for command in ("churn", "tiers", "stalled"):
        assert cli(command, "--db", db, env=ENV).exit_code == ExitCode.OK


def test_stalled_says_why_deals_are_not_checked(cli, loaded):
    """The management fixture's tiers and stages have at most 5 past deals (the 7 open
    deals: test_management.test_stalled_needs_enough_past_deals_for_a_p90): at the default
    20 none is flagged, in every format, and stderr and the table say why."""
    rows = _json(cli, "stalled", "--db", loaded)
    assert rows == []
    table = cli("stalled", "--db", loaded, env={**ENV, "COLUMNS": "100"})
    assert table.exit_code == ExitCode.OK
    text = " ".join(table.stdout.split())
    assert "No open deal is stalled." in text
    assert ("7 open deals are not checked: fewer than 20 past deals of the tier left the "
            "stage, too few for a p90 (enterprise qualified: 2 past, 1 open;") in text
    assert "salesfunnel: note: 7 open deals are not checked" in table.stderr
    at_three = _json(cli, "stalled", "--min-past-deals", "3", "--db", loaded)
    assert [row["deal_id"] for row in at_three] == ["P04", "P05", "P10"]
    assert min(row["past_deals"] for row in at_three) == 3
