"""The funnel reports: conversion, dropoff and rank. Each function runs one table
macro of sql/reports/ with bound parameters and shapes the result with Polars.
Definitions are in docs/metrics.md; nothing here formats for humans.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from salesfunnel.errors import UsageError
from salesfunnel.kinds import NO_OWNER
from salesfunnel.reports.common import (
    Filters,
    GroupBy,
    Report,
    add_months,
    blank_to_none,
    last_complete_month,
    midnight,
    partial_period,
    resolve_month,
)
from salesfunnel.reports.intervals import (
    DEFAULT_CONFIDENCE,
    DEFAULT_MIN_DEALS,
    check_min_deals,
    z_value,
)

if TYPE_CHECKING:
    from salesfunnel.db import Database


def conversion(
    db: Database, filters: Filters, by: str | None = None, confidence: float = DEFAULT_CONFIDENCE
) -> Report:
    """Cohort conversion per funnel stage, optionally per tier, rep, source or month, with
    the Wilson interval of each rate and the spread of the days from the stage before."""
    if by is not None and by not in GroupBy.__members__:
        raise UsageError(f"--by takes one of {', '.join(GroupBy)}; got {by!r}.")
    by = None if by is None else str(by)
    if by == "pipeline":
        from salesfunnel.reports.pipelines import in_scope

        return in_scope(db, None, lambda: conversion(db, filters, None, confidence), grouped=True)
    import polars as pl

    frame = db.call_macro("conversion", [*filters.args(), by, z_value(confidence)])
    # new fields after the old ones, so that readers by position keep working
    rates = ["step_rate", "overall_rate", "step_rate_low", "step_rate_high",
             "overall_rate_low", "overall_rate_high"]
    days = ["median_days", "p25_days", "p75_days", "p90_days"]
    columns = ["stage", "reached", "step_rate", "overall_rate", "lost", "open", "median_days",
               "p25_days", "p75_days", "p90_days", "step_rate_low", "step_rate_high",
               "overall_rate_low", "overall_rate_high"]
    if by:
        frame = frame.rename({"group_value": by})
        columns = [by, *columns]
    frame = frame.select(columns).with_columns(
        pl.col("reached", "lost", "open").cast(pl.Int64),
        pl.col(*rates, *days).cast(pl.Float64),
    )
    title = f"Conversion · {filters.describe()}" + (f" · by {by}" if by else "")
    report = Report("conversion", title, frame, db.funnel.stages, group_by=by,
                    extra={"confidence": confidence})
    unknown = db.scalar(
        "select count(*) from cohort(?, ?, ?, ?, ?) where stage_unknown", filters.args()
    )
    if unknown:
        report.notices.append(
            f"{unknown} lost deal{'s have' if unknown != 1 else ' has'} no stage before loss "
            f"(no stage history); {'they count' if unknown != 1 else 'it counts'} as lost at "
            f"the first stage, {db.funnel.stages[0]}."
        )
    return report


def dropoff(db: Database, filters: Filters, by: str | None = None) -> Report:
    """Lost deals of the cohort by tier, lost-at stage and reason; `by` "pipeline": the
    same per pipeline, stacked."""
    import polars as pl

    if by is not None:
        if str(by) != "pipeline":
            raise UsageError(f"dropoff --by takes pipeline; got {by!r}.")
        from salesfunnel.reports.pipelines import in_scope

        return in_scope(db, None, lambda: dropoff(db, filters), grouped=True)

    frame = db.call_macro("dropoff", filters.args()).with_columns(
        pl.col("lost").cast(pl.Int64), pl.col("share", "amount").cast(pl.Float64)
    )
    return Report("dropoff", f"Drop-off · {filters.describe()}", frame, db.funnel.stages)


def rank(
    db: Database,
    month: str | None,
    tier: str | None,
    today: dt.date,
    confidence: float = DEFAULT_CONFIDENCE,
    min_deals: int = DEFAULT_MIN_DEALS,
) -> Report:
    """Per-rep activity in a month per stage, with the competition rank this month and
    the month before; rows by won-stage rank, then rep. No month: the last complete one.
    The win rate carries its Wilson interval; a rep with fewer than `min_deals` won +
    lost is low volume."""
    import polars as pl

    z = z_value(confidence)
    check_min_deals(min_deals)
    stages = db.funnel.stages
    tier = blank_to_none(tier)
    if month is None:
        first = last_complete_month(db, today, latest_of="last_activity")
    else:
        first = resolve_month(db, month, today, latest_of="last_activity")
    if first is None:
        first = today.replace(day=1)
    long = db.call_macro("rep_rank", [midnight(first), tier, z])
    wide = long.select(
        "rep", "won_amount", pl.col("won").alias("_wins"), "lost", "win_rate", "win_rate_low",
        "win_rate_high", "events", "prev_events",
    ).unique("rep", keep="first")
    for index, stage in enumerate(stages, start=1):
        part = long.filter(pl.col("stage_index") == index).select(
            "rep",
            pl.col("entered").cast(pl.Int64).alias(stage),
            pl.col("stage_rank").cast(pl.Int64).alias(f"{stage}_rank"),
            pl.col("previous_rank").cast(pl.Int64).alias(f"{stage}_prev_rank"),
        )
        wide = wide.join(part, on="rep", how="left")
    won_rank = f"{stages[-1]}_rank"
    columns = ["rep"]
    for stage in stages:
        columns += [stage, f"{stage}_rank", f"{stage}_prev_rank"]
    columns += ["won_amount", "lost", "win_rate", "win_rate_low", "win_rate_high", "low_volume",
                "events", "prev_events"]
    frame = (
        wide.with_columns(low_volume=pl.col("_wins") + pl.col("lost") < min_deals)
        .sort([won_rank, "rep"], nulls_last=True)
        .select(columns)
        .with_columns(
            pl.col("won_amount").cast(pl.Float64),
            pl.col("lost", "events", "prev_events").cast(pl.Int64),
            pl.col("win_rate", "win_rate_low", "win_rate_high").cast(pl.Float64),
            pl.col("low_volume").cast(pl.Boolean),
        )
    )
    title = f"Rep ranking · activity in {first:%Y-%m} (ranks vs {add_months(first, -1):%Y-%m})"
    if tier:
        title += f" · tier {tier}"
    partial = partial_period(first, add_months(first, 1), today)
    notices = []
    if partial:
        title += f" · {partial}"
        notices.append(f"{first:%Y-%m} is a partial month ({partial}); its counts are not "
                       "comparable with the full month before.")
    if db.scalar("select count(*) from deals") and not db.scalar(
        "select count(*) from deals where rep <> ?", [NO_OWNER]
    ):
        notices.append(
            f'Nothing to rank: every deal was loaded without an owner (rep "{NO_OWNER}"). Map '
            "an owner column in [columns.deals] and load again to rank reps."
        )
    extra = {"month": first, "confidence": confidence, "min_deals": min_deals}
    return Report("rank", title, frame, stages, extra=extra, notices=notices)
