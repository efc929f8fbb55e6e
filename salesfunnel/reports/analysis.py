"""The questions after "how are we converting?": pacing and coverage for a period,
the four levers of sales velocity, and cohort maturity. Each function runs one
table macro of queries/reports/ with bound parameters and shapes the result with
Polars; nothing here formats for humans. Definitions (with their sources) are in
docs/metrics.md.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from salesfunnel.bounds import MAX_DAYS, check_year
from salesfunnel.db import quote_ident
from salesfunnel.errors import UsageError
from salesfunnel.funnel import CREATED_AT_COLUMN, label_key, stage_dates_hint
from salesfunnel.reports.common import (
    Report,
    add_months,
    midnight,
    month_start,
    parse_day,
    resolve_month,
)
from salesfunnel.reports.notices import (
    amount_hint,
    close_date_hint,
    deals_counted,
    undated_closes_notices,
    undated_stages_notices,
    unpriced_closes_notices,
)

if TYPE_CHECKING:
    from salesfunnel.db import Database
    from salesfunnel.rows import Rows

_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
DEFAULT_AGES = (30, 60, 90, 180)
DEFAULT_PACING_LOOKBACK = 6


class PacingBy(enum.StrEnum):
    """`pacing --by` choices."""

    rep = "rep"
    tier = "tier"


class VelocityBy(enum.StrEnum):
    """`velocity --by` choices."""

    tier = "tier"
    rep = "rep"
    source = "source"


class CohortBy(enum.StrEnum):
    """`cohorts --by` choices."""

    tier = "tier"


def stage_index(stages: tuple[str, ...], name: str, flag: str) -> int:
    """The 1-based index of a funnel stage named by the user (case and spaces ignored)."""
    for index, stage in enumerate(stages, start=1):
        if label_key(stage) == label_key(name):
            return index
    raise UsageError(f"{flag} takes a funnel stage ({', '.join(stages)}); got {name!r}.")


# -- pacing --------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # exclusive
    label: str


def pacing_period(text: str | None, today: dt.date) -> Period:
    """--period YYYY-QN (a calendar quarter) or YYYY-MM; default the quarter of today."""
    if text is None or not text.strip():
        first = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        return Period(first, add_months(first, 3), f"{first.year}-Q{(first.month + 2) // 3}")
    text = text.strip()
    quarter = _QUARTER.match(text)
    if quarter:
        check_year(int(quarter.group(1)), "--period", text)
        first = dt.date(int(quarter.group(1)), (int(quarter.group(2)) - 1) * 3 + 1, 1)
        return Period(first, add_months(first, 3), f"{first.year}-Q{quarter.group(2)}")
    if re.match(r"^\d{4}-\d{2}$", text):
        check_year(int(text[:4]), "--period", text)
    try:
        first = month_start(text)
    except UsageError:
        raise UsageError(
            f"--period takes a quarter (YYYY-QN, e.g. 2026-Q4) or a month (YYYY-MM); got {text!r}."
        ) from None
    return Period(first, add_months(first, 1), f"{first:%Y-%m}")


def _unpriced_notices(db: Database, frame: Rows) -> list[str]:
    """What pacing says when won or open deals of the period have no amount: the sums
    are over the deals with one (unknown, shown as –, when none has one)."""
    rows = frame.rows(named=True)
    won = sum(row["won_without_amount"] for row in rows)
    open_ = sum(row["open_without_amount"] for row in rows)
    if not won and not open_:
        return []
    return [
        f"{deals_counted(((won, 'won'), (open_, 'open')))} of the period "
        f"{'have' if won + open_ != 1 else 'has'} no amount: "
        "won_amount and the pipeline add up the deals with one (unknown, shown as –, where "
        f"none has one). {amount_hint(db)}"
    ]


def pacing(
    db: Database,
    target_amount: float,
    today: dt.date,
    period: str | None = None,
    by: str | None = None,
    lookback: int = DEFAULT_PACING_LOOKBACK,
) -> Report:
    """Attainment of a target in a period, the open pipeline closing in it, its coverage
    and weighted value at trailing win rates, and the projected gap. With --by the
    target is each rep's (tier's) own."""
    if not target_amount > 0 or not math.isfinite(target_amount):
        raise UsageError(f"--target-amount takes an amount > 0; got {target_amount:g}.")
    if lookback < 1:
        raise UsageError(f"--lookback takes a number of months >= 1; got {lookback}.")
    by = None if by is None else str(by)
    if by is not None and by not in PacingBy.__members__:
        raise UsageError(f"--by takes rep or tier; got {by!r}.")
    chosen = pacing_period(period, today)
    lookback_since = add_months(chosen.start, -lookback)
    days_left = max((chosen.end - max(today, chosen.start)).days, 0)
    group = f"group_value as {quote_ident(by)}, " if by else ""
    open_total, undated = db.fetchall(
        "select count(*) filter (where status = 'open'), "
        "count(*) filter (where status = 'open' and closed_at is null) from deal_facts"
    )[0]
    # no open deal has a close date: which period their pipeline falls in is unknown
    pipeline_unknown = bool(open_total) and undated == open_total
    # greatest and least skip nulls; a rate over nothing (no remaining target, no
    # trailing win rate) is null
    frame = db.rows(
        f"""
        with
        pacing_rows as (
            select * from pacing($start, $end, $lookback_since, $by)
        ),

        typed as (
            select
                group_value,
                won_amount::double as won_amount,
                case when not $pipeline_unknown then open_pipeline::double end as open_pipeline,
                case when not $pipeline_unknown then weighted_pipeline::double end
                    as weighted_pipeline,
                trailing_win_rate::double as trailing_win_rate,
                won::bigint as won,
                open_deals::bigint as open_deals,
                won_without_amount::bigint as won_without_amount,
                open_without_amount::bigint as open_without_amount,
                case when won_amount is not null
                    then greatest($target - won_amount::double, 0.0) end as remaining
            from pacing_rows
        )

        select
            {group}$period as period,
            $target as target_amount,
            won_amount,
            won_amount / $target as attainment,
            remaining,
            open_pipeline,
            case when remaining > 0 then open_pipeline / remaining end as coverage,
            case when trailing_win_rate > 0 then 1 / trailing_win_rate end as required_coverage,
            weighted_pipeline,
            won_amount + weighted_pipeline as projected,
            $target - won_amount - weighted_pipeline as gap,
            $days_left::bigint as days_left,
            trailing_win_rate,
            won,
            open_deals,
            won_without_amount,
            open_without_amount
        from typed
        """,
        {"start": midnight(chosen.start), "end": midnight(chosen.end),
         "lookback_since": midnight(lookback_since), "by": by, "target": float(target_amount),
         "period": chosen.label, "days_left": days_left, "pipeline_unknown": pipeline_unknown},
    )
    notices = undated_closes_notices(db) + _unpriced_notices(db, frame)
    if pipeline_unknown:
        notices.append(
            f"none of the {open_total:,} open deal{'s' if open_total != 1 else ''} has a close "
            "date (closed_at), so the open pipeline closing in the period, its coverage, "
            "weighted value, the projection and the gap are unknown (shown as –), not 0. "
            f"Map the close-date column {close_date_hint(open_deals=True)}"
        )
    elif undated:
        notices.append(
            f"{undated:,} open deal{'s have' if undated != 1 else ' has'} no close date "
            "(closed_at), so no period's open pipeline counts "
            f"{'them' if undated != 1 else 'it'}. Map the close-date column "
            f"{close_date_hint(open_deals=True)}"
        )
    last = add_months(chosen.start, -1)
    title = (
        f"Pacing · {chosen.label} · target {target_amount:,.0f}"
        + (f" per {by}" if by else "")
        + f" · as of {today:%Y-%m-%d} · win rates of {lookback_since:%Y-%m} to {last:%Y-%m}"
    )
    return Report("pacing", title, frame, db.funnel.stages, group_by=by, notices=notices,
                  extra={"period": chosen, "today": today})


# -- velocity ------------------------------------------------------------------------
VELOCITY_LEVERS = ("opportunities", "win_rate", "avg_won_amount", "cycle_days", "velocity")


def velocity_windows(
    db: Database, since: str | None, until: str | None, month: str | None, today: dt.date
) -> tuple[dt.date, dt.date, dt.date, str, str]:
    """(previous start, start, end) of the window and the one before it, and their labels.
    Default: the last complete calendar month."""
    if month and (since or until):
        raise UsageError("Use --month, or --since/--until, not both.")
    if since or until:
        if not since:
            raise UsageError("--until needs --since: the window is --since to --until.")
        start = parse_day(since, "--since")
        end = (parse_day(until, "--until") if until else today) + dt.timedelta(days=1)
        if start >= end:
            raise UsageError(f"--since {since} is after --until {until or 'today'}.")
        previous = start - (end - start)
        last = end - dt.timedelta(days=1)
        return (previous, start, end, f"{start:%Y-%m-%d} to {last:%Y-%m-%d}",
                f"{previous:%Y-%m-%d} to {start - dt.timedelta(days=1):%Y-%m-%d}")
    first = resolve_month(db, month or "last", today, latest_of="last_activity")
    if first is None:
        first = add_months(today.replace(day=1), -1)
    previous = add_months(first, -1)
    return previous, first, add_months(first, 1), f"{first:%Y-%m}", f"{previous:%Y-%m}"


def velocity(
    db: Database,
    today: dt.date,
    *,
    since: str | None = None,
    until: str | None = None,
    month: str | None = None,
    by: str | None = None,
    from_stage: str | None = None,
) -> Report:
    """Sales velocity = opportunities × win rate × average won amount / cycle days, each
    lever beside the previous window's value and the change."""
    stages = db.funnel.stages
    if len(stages) < 2:
        raise UsageError("velocity needs a funnel of at least two stages.")
    by = None if by is None else str(by)
    if by is not None and by not in VelocityBy.__members__:
        raise UsageError(f"--by takes tier, rep or source; got {by!r}.")
    if from_stage is not None and from_stage.strip():
        index = stage_index(stages, from_stage, "--from-stage")
        if index == len(stages):
            raise UsageError(
                f"--from-stage takes a stage before {stages[-1]}: from the won stage itself "
                "there is no cycle to measure."
            )
    else:
        index = len(stages) - 1
    previous, start, end, label, previous_label = velocity_windows(db, since, until, month, today)
    fields = [f"group_value as {quote_ident(by)}"] if by else []
    fields += ["?::varchar as period", "?::varchar as previous_period"]
    for lever in VELOCITY_LEVERS:
        kind = "bigint" if lever == "opportunities" else "double"
        current, before = f"{lever}::{kind}", f"{lever}_previous::{kind}"
        fields += [f"{current} as {lever}", f"{before} as {lever}_previous",
                   f"{current} - {before} as {lever}_change"]
    fields += ["coalesce(won, 0)::bigint as won", "coalesce(lost, 0)::bigint as lost"]
    frame = db.rows(
        f"select {', '.join(fields)} from velocity(?, ?, ?, ?, ?)",
        [label, previous_label, midnight(previous), midnight(start), midnight(end), index, by],
    )
    title = (
        f"Sales velocity · from {stages[index - 1]} · {label} vs {previous_label}"
        + (f" · by {by}" if by else "")
    )
    return Report("velocity", title, frame, stages, group_by=by,
                  extra={"stage": stages[index - 1]},
                  notices=undated_stages_notices(db, [stages[index - 1]]) + undated_closes_notices(db)
                  + unpriced_closes_notices(db))


# -- cohorts -------------------------------------------------------------------------
def parse_ages(text: str | None) -> tuple[int, ...]:
    """--ages 30,60,90,180: whole days > 0, ascending, no repeats."""
    if text is None or not text.strip():
        return DEFAULT_AGES
    try:
        ages = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise UsageError(f"--ages takes whole days separated by commas (30,60,90); got {text!r}.") from None
    if not ages or any(not 0 < age <= MAX_DAYS for age in ages):
        raise UsageError(f"--ages takes days from 1 to {MAX_DAYS:,} (100 years); got {text!r}.")
    return tuple(sorted(set(ages)))


def cohorts(
    db: Database, stage: str | None = None, ages: str | None = None, by: str | None = None
) -> Report:
    """Per created_at month: the share of deals that entered the stage within each age,
    and whether the cohort is old enough (mature) to be compared at that age."""

    stages = db.funnel.stages
    by = None if by is None else str(by)
    if by is not None and by not in CohortBy.__members__:
        raise UsageError(f"--by takes tier; got {by!r}.")
    index = stage_index(stages, stage, "--stage") if stage and stage.strip() else len(stages)
    days = parse_ages(ages)
    group = f"group_value as {quote_ident(by)}, " if by else ""
    frame = db.rows(
        f"select {group}cohort, deals::bigint as deals, age_days::bigint as age_days, "
        "reached::bigint as reached, rate::double as rate, mature::boolean as mature "
        "from cohorts(?, ?, ?)",
        [index, list(days), by],
    )
    last_activity = db.scalar("select last_activity from data_span")
    undated = db.scalar("select count(*) from deal_facts where created_at is null")
    notices = [
        f"{undated:,} deal{'s have' if undated != 1 else ' has'} no created date "
        f"(created_at) and {'are' if undated != 1 else 'is'} in no cohort: the date is "
        f"unknown. Map the created-date column {CREATED_AT_COLUMN} and load again."
    ] if undated else []
    reached_undated = db.scalar(
        "select count(*) from deal_facts as facts inner join deal_stage_dates as entry "
        "using (deal_id) where entry.stage_index = ? and entry.entered_at is null "
        "and facts.created_at is not null", [index]
    )
    if reached_undated:
        notices.append(
            f"{reached_undated:,} deal{'s' if reached_undated != 1 else ''} reached "
            f"{stages[index - 1]} on an unknown date (no close date or stage date) and "
            f"{'are' if reached_undated != 1 else 'is'} in no cohort: whether "
            f"{'they' if reached_undated != 1 else 'it'} got there within N days is unknown. "
            + (f"Map the close-date column {close_date_hint()}" if index == len(stages)
               else stage_dates_hint([stages[index - 1]], stages[0]))
        )
    title = f"Cohorts · reached {stages[index - 1]} within N days of created_at" + (
        f" · by {by}" if by else ""
    )
    if last_activity is not None:
        title += f" · data to {last_activity:%Y-%m-%d}"
    return Report("cohorts", title, frame, stages, group_by=by, notices=notices,
                  extra={"stage": stages[index - 1], "ages": days})
