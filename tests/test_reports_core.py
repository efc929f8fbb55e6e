"""Hand-computed reports on tests/fixtures/funnel and tests/fixtures/rank.

The funnel fixture (default funnel lead > qualified > opportunity > won):

    deal  rep  tier        created     furthest      status  notes
    D1    ann  smb (SMB)   2026-01-05  won           won     full history
    D2    ann  smb         2026-01-10  opportunity   lost    skipped qualified, Price
    D3    bob  smb (' smb ') 2026-01-15 lead         lost    'price ' (same reason as Price)
    D4    bob  mid         2026-02-01  opportunity   open    regressed to qualified
    D5    bob  mid (Acme)  2026-02-03  qualified     lost    blank tier, blank reason
    D6    cy   enterprise  (none)      lead          open    no created_at

Median days (entry date of k minus entry date of k-1, deals with both known):
    lead>qualified: D1 1.5, D4 2.0, D5 1.0           -> 1.5
    qualified>opportunity: D1 3.5, D4 2.0 (D2 skip)   -> 2.75
    opportunity>won: D1 10.0                          -> 10.0
"""

from __future__ import annotations

import datetime as dt

import pytest

from salesfunnel.db import open_database
from salesfunnel.reports import common, funnel

TODAY = dt.date(2026, 11, 23)


def _open(path):
    return open_database(path, write=False, config_funnel=None)


def _conversion(path, by=None, **filters):
    db = _open(path)
    try:
        options = dict(tier=None, rep=None, source=None, month=None, since=None, until=None)
        options.update(filters)
        report = funnel.conversion(db, common.cohort_filters(db, today=TODAY, **options), by)
        columns = ["stage", "reached", "step_rate", "overall_rate", "lost", "open", "median_days"]
        return report.frame.select(([by] if by else []) + columns).rows()
    finally:
        db.close()


def test_conversion_all_deals(funnel_db):
    assert _conversion(funnel_db) == [
        ("lead", 6, None, 1.0, 1, 1, None),
        ("qualified", 4, pytest.approx(4 / 6), pytest.approx(4 / 6), 1, 0, 1.5),
        ("opportunity", 3, 0.75, 0.5, 1, 1, 2.75),
        ("won", 1, pytest.approx(1 / 3), pytest.approx(1 / 6), 0, 0, 10.0),
    ]


def test_conversion_of_every_deal_reads_the_stage_entries_as_the_cohort_join_does(rank_db):
    """No filter and no --by: the days come from every stage entry without the join to
    the cohort; a --since before every deal (each has a created_at) takes the join: the
    same rows, the same days."""
    def full(**filters):
        db = _open(rank_db)
        try:
            options = dict(tier=None, rep=None, source=None, month=None, since=None, until=None)
            options.update(filters)
            return funnel.conversion(db, common.cohort_filters(db, today=TODAY, **options)).rows()
        finally:
            db.close()

    whole, joined = full(), full(since="2000-01-01")
    assert any(row["median_days"] is not None for row in whole)
    # the window's rows say it (trailing since, until); otherwise the same
    assert {(row.pop("since"), row.pop("until")) for row in joined} == {("2000-01-01", None)}
    assert whole == joined


def test_conversion_by_tier_has_zero_denominator_as_null(funnel_db):
    rows = _conversion(funnel_db, by="tier")
    assert rows == [
        ("enterprise", "lead", 1, None, 1.0, 0, 1, None),
        ("enterprise", "qualified", 0, 0.0, 0.0, 0, 0, None),
        ("enterprise", "opportunity", 0, None, 0.0, 0, 0, None),
        ("enterprise", "won", 0, None, 0.0, 0, 0, None),
        ("mid", "lead", 2, None, 1.0, 0, 0, None),
        ("mid", "qualified", 2, 1.0, 1.0, 1, 0, 1.5),
        ("mid", "opportunity", 1, 0.5, 0.5, 0, 1, 2.0),
        ("mid", "won", 0, 0.0, 0.0, 0, 0, None),
        ("smb", "lead", 3, None, 1.0, 1, 0, None),
        ("smb", "qualified", 2, pytest.approx(2 / 3), pytest.approx(2 / 3), 0, 0, 1.5),
        ("smb", "opportunity", 2, 1.0, pytest.approx(2 / 3), 1, 0, 3.5),
        ("smb", "won", 1, 0.5, pytest.approx(1 / 3), 0, 0, 10.0),
    ]


def test_conversion_month_cohort_excludes_deal_without_created_at(funnel_db):
    rows = _conversion(funnel_db, month="2026-01")
    assert [r[:2] for r in rows] == [("lead", 3), ("qualified", 2), ("opportunity", 2), ("won", 1)]
    rows = _conversion(funnel_db, since="2026-02-01", until="2026-02-03")
    assert [r[:2] for r in rows] == [("lead", 2), ("qualified", 2), ("opportunity", 1), ("won", 0)]
    # D6 has no created_at: only in a cohort without a date window
    assert _conversion(funnel_db, tier="enterprise")[0][:2] == ("lead", 1)
    # an empty cohort has no rows at all (the table says nothing matched)
    assert _conversion(funnel_db, tier="enterprise", since="2020-01-01") == []


def test_conversion_latest_month_is_latest_created(funnel_db):
    assert _conversion(funnel_db, month="latest") == _conversion(funnel_db, month="2026-02")


def test_conversion_filters_match_normalised_values(funnel_db):
    assert _conversion(funnel_db, tier="SMB ")[0][:2] == ("lead", 3)
    assert _conversion(funnel_db, source="INBOUND")[0][:2] == ("lead", 4)  # D1 D2 D5 D6
    assert _conversion(funnel_db, rep="Bob")[0][:2] == ("lead", 3)
    assert _conversion(funnel_db, rep="nobody") == []


def test_conversion_by_month_puts_undated_deals_last(funnel_db):
    rows = _conversion(funnel_db, by="month")
    assert [(r[0], r[1], r[2]) for r in rows if r[1] == "lead"] == [
        ("2026-01", "lead", 3),
        ("2026-02", "lead", 2),
        (None, "lead", 1),
    ]


def test_conversion_invariants(funnel_db):
    rows = _conversion(funnel_db)
    for current, following in zip(rows, rows[1:], strict=False):
        _, reached, _, _, lost, open_, _ = current
        assert following[1] <= reached
        assert lost + open_ + following[1] == reached


def test_dropoff_groups_reasons_case_insensitively(funnel_db):
    db = _open(funnel_db)
    try:
        frame = funnel.dropoff(db, common.Filters()).frame
    finally:
        db.close()
    assert frame.columns == ["tier", "stage", "reason", "lost", "share", "amount"]
    assert frame.rows() == [
        ("mid", "qualified", "(unspecified)", 1, 1.0, 300.0),
        ("smb", "lead", "Price", 1, 0.5, None),  # no amount: unknown, not 0
        ("smb", "opportunity", "Price", 1, 0.5, 500.5),
    ]


def _rank(path, month, tier=None):
    db = _open(path)
    try:
        return funnel.rank(db, month, tier, TODAY).frame.select(RANK_COLUMNS)
    finally:
        db.close()


RANK_COLUMNS = [
    "rep",
    "lead", "lead_rank", "lead_prev_rank",
    "qualified", "qualified_rank", "qualified_prev_rank",
    "opportunity", "opportunity_rank", "opportunity_prev_rank",
    "won", "won_rank", "won_prev_rank",
    "won_amount", "lost", "win_rate",
]


def test_rank_first_month_everyone_new(rank_db):
    frame = _rank(rank_db, "2026-01")
    assert frame.columns == RANK_COLUMNS
    # ann: R1 lead, qualified, opportunity, won (all recorded); R2 lead, opportunity
    # (recorded); R2 skipped qualified: reached, but no event in a month
    assert frame.rows() == [
        ("ann", 2, 1, None, 1, 1, None, 2, 1, None, 1, 1, None, 1000.0, 1, 0.5),
        # a count of zero has no rank (docs/metrics.md): nobody is "#2 with 0"
        ("bob", 1, 2, None, 0, None, None, 0, None, None, 0, None, None, 0.0, 1, 0.0),
        ("dee", 1, 2, None, 0, None, None, 0, None, None, 0, None, None, 0.0, 0, None),
    ]


def test_rank_ties_new_rep_and_previous_ranks(rank_db):
    frame = _rank(rank_db, "2026-02")
    # cy: R6 lead, R7 lead and won 02-28; R7 skipped qualified and opportunity (only
    # passed: no events), so cy has no count and no rank there
    assert frame.rows() == [
        ("cy", 2, 1, None, 0, None, None, 0, None, None, 1, 1, None, 700.0, 0, 1.0),
        # zero counts have no rank, this month or last (January: bob and dee entered
        # only lead, so their January ranks of the other stages are empty)
        ("bob", 2, 1, 2, 2, 1, None, 1, 1, None, 0, None, None, 0.0, 1, 0.0),
        ("dee", 0, None, 2, 1, 2, None, 0, None, None, 0, None, None, 0.0, 0, None),
    ]
    assert _rank(rank_db, "latest").rows() == frame.rows()


def test_rank_tier_filter(rank_db):
    frame = _rank(rank_db, "2026-02", tier="MID")
    assert frame.rows() == [
        ("bob", 2, 1, None, 2, 1, None, 1, 1, None, 0, None, None, 0.0, 1, 0.0),
        ("dee", 0, None, 1, 1, 2, None, 0, None, None, 0, None, None, 0.0, 0, None),
    ]


def test_rank_month_without_activity_is_empty(rank_db):
    assert _rank(rank_db, "2025-06").height == 0
    assert _rank(rank_db, "last").height == 0  # 2026-10: nothing happened


def test_rank_month_validation(rank_db):
    from salesfunnel.errors import UsageError

    with pytest.raises(UsageError, match="YYYY-MM"):
        _rank(rank_db, "2026-13")


def test_reexported_deal_with_new_status_moves_in_the_funnel(funnel_db, tmp_path):
    from conftest import load_into, write

    # D4 (open at opportunity after a regression) is re-exported as won on 2026-02-20
    later = write(
        tmp_path,
        "deals_update.csv",
        "deal_id,rep,tier,source,created_at,stage,status,amount,closed_at\n"
        "D4,bob,mid,referral,2026-02-01,won,won,2000,2026-02-20\n",
    )
    load_into(funnel_db, later)
    assert _conversion(funnel_db) == [
        ("lead", 6, None, 1.0, 1, 1, None),
        ("qualified", 4, pytest.approx(4 / 6), pytest.approx(4 / 6), 1, 0, 1.5),
        ("opportunity", 3, 0.75, 0.5, 1, 0, 2.75),
        # D1 10.0 days, D4 from 2026-02-05 to 2026-02-20: 15.0 days
        ("won", 2, pytest.approx(2 / 3), pytest.approx(2 / 6), 0, 0, 12.5),
    ]
