"""The capacity plan (`plan` with ramp, attrition, reps now, managers and seasonality)
computed by hand on tests/fixtures/management (see test_management.py for the deals),
as of TODAY = 2026-11-23.

The trailing figures of the lookback 2026-05 to 2026-10 (test_plan_one_month): average
won amount 14,000 / 3, 0.25 wins per active rep per month, step rates 10/12, 6/10, 3/6.
A target of 42,000 over three months is 14,000 a month = exactly 3 wins, so
opportunity ceil(3 × 6/3) = 6, qualified ceil(6 × 10/6) = 10, lead ceil(10 × 12/10) = 12,
and 3 / 0.25 = 12 ramped reps a month. The wins span 2026-06 to 2026-10, five months,
fewer than 12: seasonality is off (1.0).

The model: month i (1..3) has R·(1−a)^(i−1) of today's reps plus, for each month j ≤ i,
h_j·(1−a)^(i−j) of its hires, who count r(i−j+1) ramped reps each (r = the ramp, then 1).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import FIXTURES, load_into

from salesfunnel.db import open_database
from salesfunnel.errors import ExitCode, UsageError
from salesfunnel.reports import capacity, plan

TODAY = dt.date(2026, 11, 23)
FIELDS = ["month", "lead", "qualified", "opportunity", "won", "won_needed",
          "ramped_reps_needed", "seasonality", "headcount", "hires", "ramped_capacity",
          "managers"]


@pytest.fixture(scope="module")
def mgmt_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("capacity") / "management.duckdb"
    load_into(path, FIXTURES / "management")
    return path


def _plan(path, **options):
    db = open_database(path, write=False, config_funnel=None)
    try:
        return plan.plan(db, 42000, TODAY, months=3, start="2026-12", **options)
    finally:
        db.close()


def _rows(report):
    return [tuple(pytest.approx(v) if isinstance(v, float) else v for v in row)
            for row in report.frame.select(FIELDS).rows()]


# R = 10 reps now, a = 0.1, ramp 0.5 then 1, 7 reps per manager:
#   month 1: 10 on staff, need 12, short 2; a hire now adds 0.5 -> 4 hires:
#            capacity 10 + 4 × 0.5 = 12; headcount 14; managers 14 / 7 = 2 exactly
#   month 2: 10 × 0.9 = 9 + 4 × 0.9 × 1 = 3.6 -> 12.6 >= 12, no hire (but see month 3)
#   month 3: 10 × 0.81 = 8.1 + 4 × 0.81 = 3.24 -> 11.34, short 0.66. A hire in month 1
#            adds 0.81, in month 2 0.9 × 1 = 0.9, in month 3 0.5: one hire in month 2
#            (ceil(0.66 / 0.9) = 1), so month 2 becomes 12.6 + 0.5 = 13.1 with headcount
#            9 + 3.6 + 1 = 13.6 (managers ceil(1.94) = 2) and month 3 11.34 + 0.9 = 12.24
#            with headcount 8.1 + 3.24 + 0.9 = 12.24 (managers ceil(1.75) = 2).
#   5 hires in all; hiring month 3's missing rep in month 3 would take 2 (0.66 / 0.5).
THREE_MONTHS = [
    ("2026-12", 12, 10, 6, 3, 3, 12.0, 1.0, 14.0, 4, 12.0, 2),
    ("2027-01", 12, 10, 6, 3, 3, 12.0, 1.0, 13.6, 1, 13.1, 2),
    ("2027-02", 12, 10, 6, 3, 3, 12.0, 1.0, 12.24, 0, 12.24, 2),
]


def test_three_month_plan_with_ramp_and_attrition(mgmt_db):
    report = _plan(mgmt_db, ramp="0.5", attrition=0.1, reps_now=10, reps_per_manager=7)
    assert _rows(report) == THREE_MONTHS
    frame = report.frame
    assert (frame["ramped_capacity"] >= frame["ramped_reps_needed"]).all()
    assert report.extra["capacity"].sources == {
        "ramp": "option", "attrition": "option", "reps_now": "option"}


def test_capacity_defaults_from_the_data(mgmt_db):
    # reps now: reps with an event in 2026-10: cy (P05 P12 P14) and dee (P10) = 2.
    # attrition: the data ends 2026-11-20 (P06 won, P13 created); bob's last event is
    # P08 lost 09-01, more than 60 days before: he left. Months active: ann 05..11 = 7,
    # bob 05..09 = 5, cy 09..11 = 3, dee 10 = 1 -> 16; attrition 1 / 16 = 0.0625.
    # No ramp (reps carry no start date); 8 reps per manager.
    #   month 1: 2 on staff, short 10: 10 hires -> 12, headcount 12, managers ceil(1.5) = 2
    #   month 2: 12 × 0.9375 = 11.25, short 0.75: a hire in month 2 adds 1.0 (month 1:
    #            0.9375) -> 1 hire: 12.25
    #   month 3: 12 × 0.87890625 = 10.546875 + 0.9375 = 11.484375, short 0.515625 -> 1
    #            hire in month 3: 12.484375
    report = _plan(mgmt_db)
    capacity_used = report.extra["capacity"]
    assert (capacity_used.reps_now, capacity_used.attrition, capacity_used.ramp) == (2, 0.0625, ())
    assert capacity_used.sources == {"ramp": "default", "attrition": "data", "reps_now": "data"}
    assert report.frame.select("hires", "headcount", "ramped_capacity", "managers").rows() == [
        (10, 12.0, 12.0, 2),
        (1, 12.25, 12.25, 2),
        (1, pytest.approx(12.484375), pytest.approx(12.484375), 2),
    ]


def test_capacity_plan_in_every_format_and_the_table(cli, tmp_path):
    db = tmp_path / "cli.duckdb"
    assert cli("load", FIXTURES / "management", "--db", db).exit_code == 0
    env = {"SALESFUNNEL_TODAY": "2026-11-23", "NO_COLOR": "1"}
    args = ["plan", "--target-amount", "42000", "--months", "3", "--start", "2026-12", "--ramp", "0.5",
            "--attrition", "0.1", "--reps-now", "10", "--reps-per-manager", "7", "--db", db]
    rows = json.loads(cli(*args, "-f", "json", env=env).stdout)
    assert [tuple(row[f] for f in FIELDS) for row in rows] == [
        tuple(pytest.approx(v) if isinstance(v, float) else v for v in row)
        for row in THREE_MONTHS
    ]
    import io

    import polars as pl

    as_csv = pl.read_csv(io.StringIO(cli(*args, "-f", "csv", env=env).stdout))
    out = tmp_path / "plan.parquet"
    assert cli(*args, "-o", out, env=env).exit_code == 0
    for frame in (as_csv, pl.read_parquet(out)):
        assert frame.select(FIELDS).rows() == [
            tuple(pytest.approx(v) if isinstance(v, float) else v for v in row)
            for row in THREE_MONTHS
        ]
    table = cli(*args, env=env).stdout
    lines = {line.split()[0]: line.split() for line in table.splitlines() if line.strip()}
    # month, target, the four stages, season, ramped need, capacity, hires, headcount, managers
    assert lines["2027-01"] == ["2027-01", "14,000", "12", "10", "6", "3", "1.00", "12.0",
                                "13.1", "1", "13.6", "2"]
    assert "attrition 10.0% a month (option)" in " ".join(table.split())


def test_capacity_option_errors(cli, tmp_path):
    for options, message in [
        (dict(ramp="0.5,x"), "--ramp takes productivities"),
        (dict(ramp="1.5"), "--ramp takes productivities between 0 and 1"),
        (dict(attrition=1.0), "--attrition"),
        (dict(reps_now=-1), "--reps-now"),
        (dict(reps_per_manager=0), "--reps-per-manager"),
    ]:
        with pytest.raises(UsageError, match=message):
            plan.plan(None, 42000, TODAY, months=3, **options)
    db = tmp_path / "cli.duckdb"
    assert cli("load", FIXTURES / "management", "--db", db).exit_code == 0
    result = cli("plan", "--target-amount", "1000", "--attrition", "-0.1", "--db", db)
    assert result.exit_code == ExitCode.USAGE and "--attrition" in result.stderr


def test_a_ramp_starting_at_zero_cannot_meet_the_first_month():
    model = capacity.Capacity(ramp=(0.0, 1.0), attrition=0.0, reps_now=1, reps_per_manager=8,
                              sources={})
    months, notices = capacity.schedule([2.0, 2.0], model)
    # month 1: a hire adds nothing yet; month 2: a month-1 hire adds 1.0 -> 1 hire in month 1
    assert [(m.hires, m.ramped_capacity) for m in months] == [(1, 1.0), (0, 2.0)]
    assert notices and "month 1 of the plan cannot be met" in notices[0]


def test_seasonality_needs_twelve_months():
    assert capacity.seasonality_factors([(1, 1.2, 11), (2, 0.8, 11)]) == {}
    assert capacity.seasonality_factors([(1, 1.2, 12), (2, 0.8, 12)]) == {1: 1.2, 2: 0.8}


# -- seasonality -------------------------------------------------------------------------
# One win a month from 2025-11 to 2026-10 (12 months, each deal created on the 1st and won
# on the 15th by ann, 1,000 each) and a second December win (created 2025-12-02, won
# 12-20): 13 wins over 12 months, the average month 13/12. December's factor is
# 2 / (13/12) = 24/13 = 1.846154, every other month's 1 / (13/12) = 12/13 = 0.923077.
# Lookback 2026-05 to 2026-10: 6 wins, 6 rep-months (ann each month): 1 win per rep-month;
# average won amount 1,000; every deal created then was won: step rates 1.
# A target of 4,000 over 2026-12 and 2027-01 is 2 wins a month:
#   December: 2 / (1 × 24/13) = 13/12 = 1.083333 ramped reps; ann (active in October, no
#             one left: attrition 0) is 1: short 0.083333 -> 1 hire; capacity 2
#   January:  2 / (1 × 12/13) = 13/6 = 2.166667; 2 on staff, short 0.166667: a hire in
#             December or January adds 1.0 each, the later is taken -> 1 hire; capacity 3
def test_seasonality_from_twelve_months_of_wins(tmp_path):
    from conftest import write

    lines = ["deal_id,rep,created_at,stage,status,amount,closed_at"]
    for number in range(12):
        year, month = (2025, 11 + number) if number < 2 else (2026, number - 1)
        lines.append(f"W{number:02d},ann,{year}-{month:02d}-01,won,won,1000,"
                     f"{year}-{month:02d}-15")
    lines.append("W12,ann,2025-12-02,won,won,1000,2025-12-20")
    path = tmp_path / "season.duckdb"
    load_into(path, write(tmp_path, "deals.csv", "\n".join(lines) + "\n"))
    db = open_database(path, write=False, config_funnel=None)
    try:
        report = plan.plan(db, 4000, TODAY, months=2, start="2026-12")
    finally:
        db.close()
    assert report.extra["seasonal"] is True
    assert report.frame.select(
        "month", "won_needed", "seasonality", "ramped_reps_needed", "hires", "headcount",
        "ramped_capacity", "managers",
    ).rows() == [
        ("2026-12", 2, pytest.approx(24 / 13), pytest.approx(13 / 12), 1, 2.0, 2.0, 1),
        ("2027-01", 2, pytest.approx(12 / 13), pytest.approx(13 / 6), 1, 3.0, 3.0, 1),
    ]


# -- a tier's own productivity -----------------------------------------------------------
# Lookback 1 month (2026-10). ann wins S1 (smb) and M1 (mid), bob wins M2 (mid); each deal
# has 4 stage entries in October (lead on created_at, the rest on the won day).
# Rep-months: ann 8 events, 4 smb and 4 mid; bob 4 mid.
#   company: 3 wins / 2 rep-months = 1.5 wins per rep-month
#   smb: 1 win / (ann 4/8 = 0.5) = 2.0;  mid: 2 wins / (ann 0.5 + bob 1) = 1.333333
# (counting every rep-month with a tier event as a whole one would give smb 1 / 1 and
# mid 2 / 2, and a tier plan would ask for reps as if each rep sold only that tier).
def test_a_tier_plan_reads_its_own_productivity(tmp_path):
    from conftest import write

    deals = write(tmp_path, "deals.csv", (
        "deal_id,rep,tier,created_at,stage,status,amount,closed_at\n"
        "S1,ann,smb,2026-10-01,won,won,1000,2026-10-10\n"
        "M1,ann,mid,2026-10-02,won,won,1000,2026-10-12\n"
        "M2,bob,mid,2026-10-03,won,won,1000,2026-10-13\n"
    ))
    path = tmp_path / "tiers.duckdb"
    load_into(path, deals)
    db = open_database(path, write=False, config_funnel=None)
    try:
        reports = {tier: plan.plan(db, 2000, TODAY, lookback=1, tier=tier, reps_now=0)
                   for tier in (None, "smb", "mid")}
    finally:
        db.close()
    productivity = {tier: (r.extra["trailing"].active_rep_months,
                           r.frame["wins_per_rep_month"][0], r.frame["ramped_reps_needed"][0])
                    for tier, r in reports.items()}
    # 2,000 at 1,000 a win is 2 wins: 2 / 1.5, 2 / 2.0, 2 / 1.333333 ramped reps
    assert productivity == {
        None: (2.0, 1.5, pytest.approx(4 / 3)),
        "smb": (0.5, 2.0, 1.0),
        "mid": (1.5, pytest.approx(4 / 3), pytest.approx(1.5)),
    }
