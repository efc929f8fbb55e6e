"""The funnel reports: conversion, dropoff and rank. Each function runs one table
macro of queries/reports/ with bound parameters and shapes its few rows in SQL (no
Polars: a report shown as a table never imports it, see rows.py).
Definitions are in docs/metrics.md; nothing here formats for humans.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from salesfunnel.db import quote_ident
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
from salesfunnel.reports.notices import (
    undated_closes_notices,
    undated_created_notices,
    undated_stages_notices,
    unpriced_closes_notices,
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
    # new fields after the old ones, so that readers by position keep working
    counts = ["reached", "lost", "open"]
    columns = ["stage", "reached", "step_rate", "overall_rate", "lost", "open", "median_days",
               "p25_days", "p75_days", "p90_days", "step_rate_low", "step_rate_high",
               "overall_rate_low", "overall_rate_high"]
    fields = [f"{name}::bigint as {name}" if name in counts else
              name if name == "stage" else f"{name}::double as {name}" for name in columns]
    if by:
        fields.insert(0, f"group_value as {quote_ident(by)}")
    lead, trail, period_args = filters.period_columns(month=by != "month")
    frame = db.rows(
        f"select {lead}{', '.join(fields)}{trail} from conversion(?, ?, ?, ?, ?, ?, ?)",
        [*period_args, *filters.args(), by, z_value(confidence)],
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
            f"(no stage history): lost at an unknown stage, {'they are' if unknown != 1 else 'it is'} "
            "left out of conversion (dropoff lists them as stage unknown)."
        )
    report.notices += _undated_created(db, filters, by_month=by == "month")
    return report


def _undated_created(db: Database, filters: Filters, *, by_month: bool = False) -> list[str]:
    return undated_created_notices(db, filters.since, filters.until, tier=filters.tier,
                                   rep=filters.rep, source=filters.source, by_month=by_month)


def dropoff(db: Database, filters: Filters, by: str | None = None) -> Report:
    """Lost deals of the cohort by tier, lost-at stage and reason; `by` "pipeline": the
    same per pipeline, stacked."""
    if by is not None:
        if str(by) != "pipeline":
            raise UsageError(f"dropoff --by takes pipeline; got {by!r}.")
        from salesfunnel.reports.pipelines import in_scope

        return in_scope(db, None, lambda: dropoff(db, filters), grouped=True)
    lead, trail, period_args = filters.period_columns()
    frame = db.rows(
        f"select {lead}tier, stage, reason, "
        f"lost::bigint as lost, share::double as share, amount::double as amount{trail} "
        "from dropoff(?, ?, ?, ?, ?)", [*period_args, *filters.args()]
    )
    return Report("dropoff", f"Drop-off · {filters.describe()}", frame, db.funnel.stages,
                  notices=_undated_created(db, filters) + unpriced_closes_notices(db, "lost"))


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
    # one row per rep: the stages' counts and ranks side by side (rows by won-stage rank,
    # then rep)
    pivot = []
    for index, stage in enumerate(stages, start=1):
        pivot += [
            f"max(entered) filter (where stage_index = {index})::bigint as {quote_ident(stage)}",
            f"max(stage_rank) filter (where stage_index = {index})::bigint "
            f"as {quote_ident(stage + '_rank')}",
            f"max(previous_rank) filter (where stage_index = {index})::bigint "
            f"as {quote_ident(stage + '_prev_rank')}",
        ]
    won_rank = quote_ident(f"{stages[-1]}_rank")
    frame = db.rows(
        f"""select * from (
            select ?::varchar as month, rep, {', '.join(pivot)},
                any_value(won_amount)::double as won_amount,
                any_value(lost)::bigint as lost,
                any_value(win_rate)::double as win_rate,
                any_value(win_rate_low)::double as win_rate_low,
                any_value(win_rate_high)::double as win_rate_high,
                any_value(won) + any_value(lost) < ? as low_volume,
                any_value(events)::bigint as events,
                any_value(prev_events)::bigint as prev_events
            from rep_rank(?, ?, ?, ?)
            group by rep
        ) order by rep is not distinct from ?, {won_rank} nulls last, rep nulls last""",
        [f"{first:%Y-%m}", min_deals, midnight(first), tier, z, NO_OWNER, NO_OWNER],
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
    else:
        unowned = [row for row in frame.rows(named=True) if row["rep"] == NO_OWNER]
        if unowned and unowned[0]["events"]:
            notices.append(
                f'{unowned[0]["events"]:,} of the month\'s stage entries and losses '
                f'{"is" if unowned[0]["events"] == 1 else "are"} of deals without an owner: '
                f'their row "{NO_OWNER}" is counted but not ranked.'
            )
    notices += undated_stages_notices(db) + undated_closes_notices(db) + unpriced_closes_notices(db)
    extra = {"month": first, "confidence": confidence, "min_deals": min_deals}
    return Report("rank", title, frame, stages, extra=extra, notices=notices)
