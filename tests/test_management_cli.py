"""The management commands at the CLI edge: the same numbers in every format, exit
codes, and golden Rich tables at a fixed width (tests/golden/management_*.txt;
UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from conftest import FIXTURES, check_golden, render_report

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
    assert result.stderr == ""
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
        ("stalled",),
    ],
)
def test_formats_agree(cli, loaded, tmp_path, args):
    rows = _all_formats_agree(cli, tmp_path, *args, "--db", loaded)
    assert rows


def test_churn_json_fields(cli, loaded):
    rows = _json(cli, "churn", "--db", loaded)
    assert rows[0] == {
        "rep": "bob", "started": 4, "churned": 3, "churn_rate": 0.75, "early_churned": 2,
        "early_churn_rate": 0.5, "mrr_lost": 260.0, "company_churn_rate": pytest.approx(5 / 12),
        "rate_difference": pytest.approx(0.75 - 5 / 12), "well_above_company": True,
    }
    assert rows[-1]["rep"] == "dee" and rows[-1]["churn_rate"] is None


def test_churn_list_early_csv(cli, loaded):
    result = cli("churn", "--list-early", "--db", loaded, "-f", "csv", env=ENV)
    assert result.exit_code == ExitCode.OK
    assert result.stdout.splitlines() == [
        "customer_id,deal_id,rep,tier,started_at,ended_at,days_active,mrr",
        "C01,P01,ann,smb,2026-01-15,2026-06-14,150,100.0",
        "C05,,bob,smb,2026-02-01,2026-04-10,68,80.0",
        "C07,,bob,smb,2026-05-01,2026-09-30,152,60.0",
    ]


def test_churn_table_marks_reps_well_above_in_words(cli, loaded):
    result = cli("churn", "--db", loaded, env=ENV)
    assert result.exit_code == ExitCode.OK
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert lines["bob"].split()[1:7] == ["4", "3", "75.0%", "41.7%", "+33.3", "pp"]
    assert lines["bob"].rstrip().endswith("▲ well above")
    assert "well above" not in lines["ann"]


def test_plan_json(cli, loaded):
    rows = _json(cli, "plan", "--target-amount", "30000", "--db", loaded)
    assert [{k: rows[0][k] for k in ("month", "lead", "qualified", "opportunity", "won",
                                     "reps_needed")}] == [
        {"month": "2026-12", "lead": 29, "qualified": 24, "opportunity": 14, "won": 7,
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
        (("pulse", "--week", "--month", "--db", loaded), "--week or --month, not both"),
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


def test_pulse_defaults_to_the_month_of_today(cli, loaded):
    rows = _json(cli, "pulse", "--db", loaded)
    assert {(r["period"], r["previous_period"]) for r in rows} == {("2026-11", "2026-10")}
    week = _json(cli, "pulse", "--week", "--db", loaded)
    assert week[0]["period"] == "2026-W48" and week[0]["previous_period"] == "2026-W47"


def test_table_written_to_a_txt_file(cli, loaded, tmp_path):
    out = tmp_path / "stalled.txt"
    result = cli("stalled", "--db", loaded, "-o", out, env=ENV)
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
    "management_stalled": lambda db: management.stalled(db, DAY),
}


@pytest.mark.parametrize("name", sorted(GOLDENS))
def test_golden(loaded, name):
    check_golden(name, render_report(loaded, GOLDENS[name]))


def test_database_older_than_subscriptions_exit_5(cli, tmp_path):
    import duckdb

    db = tmp_path / "old.duckdb"
    assert cli("load", FIXTURES / "funnel", "--db", db).exit_code == ExitCode.OK
    with duckdb.connect(str(db)) as conn:  # as a database made before subscriptions existed
        conn.execute("drop table subscriptions")
    assert cli("conversion", "--db", db, env=ENV).exit_code == ExitCode.OK
    for command in ("churn", "tiers"):
        result = cli(command, "--db", db, env=ENV)
        assert result.exit_code == ExitCode.DATABASE
        assert "has no subscriptions table. Run `salesfunnel load` on it once" in result.stderr
    assert cli("stalled", "--db", db, env=ENV).exit_code == ExitCode.OK
    # any load adds the table, even when every file is unchanged and skipped
    assert cli("load", FIXTURES / "funnel", "--db", db).exit_code == ExitCode.OK
    assert cli("churn", "--db", db, env=ENV).exit_code == ExitCode.OK
