"""Management reports beyond the funnel: churn by rep or tier, tier economics, the
bottom-up plan, the pulse (five numbers of a week or month) and stalled deals.

As in funnel.py, each function runs table macros of queries/reports/ with bound
parameters and shapes the result with Polars; nothing here formats for humans.
Definitions are in docs/management.md.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from salesfunnel.db import quote_ident
from salesfunnel.errors import DatabaseError, UsageError
from salesfunnel.funnel import label_key, stage_dates_hint
from salesfunnel.reports.common import (
    Report,
    Window,
    add_months,
    midnight,
    tier_filter,
)
from salesfunnel.reports.currency import mrr_currency_notices
from salesfunnel.reports.intervals import DEFAULT_CONFIDENCE, z_value
from salesfunnel.reports.notices import (
    undated_closes_notices,
    undated_created_notices,
    undated_stages_notices,
    undated_won_days_notices,
    unpriced_closes_notices,
)

if TYPE_CHECKING:
    from salesfunnel.db import Database
    from salesfunnel.rows import Rows


DEFAULT_EARLY_MONTHS = 5
STALLED_QUANTILE = 0.9
# a p90 of fewer past deals than this is noise: their tier and stage is not checked
STALLED_MIN_PAST_DEALS = 20
PULSE_PERIODS = ("week", "month")


NO_SUBSCRIPTIONS = (
    "no subscriptions are loaded, so churn and MRR are unknown, not 0 (churn has no rows; "
    "tiers' customers, churn_rate and avg_mrr are null): they come from a subscriptions "
    "file, one row per customer (customer_id or deal_id, started_at, ended_at, mrr, "
    "optionally rep and tier); load it with `salesfunnel load` beside the deals."
)


class ChurnBy(enum.StrEnum):
    """`churn --by` choices."""

    rep = "rep"
    tier = "tier"










def _require_subscriptions(db: Database) -> list[str]:
    """A database created before subscriptions existed gets the table at its next load.
    With the table but no subscription loaded, churn is unknown rather than 0: the
    notice that says so and which file gives it (the report then has no rows)."""
    found = db.scalar(
        "select count(*) from duckdb_tables() "
        "where not temporary and schema_name = 'main' and table_name = 'subscriptions'"
    )
    if not found:
        raise DatabaseError(
            f"The database {db.path} was created by an older salesfunnel and has no "
            "subscriptions table. Run `salesfunnel load` on it once with any export (unchanged "
            "files are skipped) to add the table, then load a subscriptions file."
        )
    if db.scalar("select count(*) from (select 1 from subscriptions limit 1)"):
        return []
    return [NO_SUBSCRIPTIONS]


# -- churn ---------------------------------------------------------------------------
def churn(
    db: Database,
    window: Window,
    today: dt.date,
    by: str = "rep",
    early_months: int = DEFAULT_EARLY_MONTHS,
    confidence: float = DEFAULT_CONFIDENCE,
) -> Report:
    """Per rep (or tier): customers started in the window, churned by today, churn rate
    with its Wilson interval, early churn, MRR lost, and the company's churn rate beside
    it; well above the company when the interval's lower end is above the company's rate."""
    by = str(by)
    if by not in ChurnBy.__members__:
        raise UsageError(f"--by takes rep or tier; got {by!r}.")
    _check_early_months(early_months)
    notices = _require_subscriptions(db)
    days, day_args = window.day_columns()
    # new fields after the old ones (the intervals, the window), so that readers by
    # position keep working
    frame = db.rows(
        f"select group_value as {quote_ident(by)}, started::bigint as started, "
        "churned::bigint as churned, churn_rate::double as churn_rate, "
        "early_churned::bigint as early_churned, early_churn_rate::double as early_churn_rate, "
        "mrr_lost::double as mrr_lost, company_churn_rate::double as company_churn_rate, "
        "rate_difference::double as rate_difference, "
        "well_above_company::boolean as well_above_company, "
        f"churn_rate_low::double as churn_rate_low, churn_rate_high::double as churn_rate_high{days} "
        f"from churn_by_group(?, ?, ?, ?, ?, ?){' limit 0' if notices else ''}",
        [*day_args, *window.args(), today, early_months, by, z_value(confidence)],
    )
    if not notices:  # subscriptions are loaded
        notices = [*(_repless_customers_notices(frame) if by == "rep" else []),
                   *mrr_currency_notices(db)]
    title = (
        f"Churn by {by} · customers started {_window_text(window)} · as of {today:%Y-%m-%d} "
        f"· early = ended within {early_months} month{'s' if early_months != 1 else ''}"
    )
    return Report("churn", title, frame, db.funnel.stages, group_by=by, notices=notices,
                  extra={"today": today, "early_months": early_months, "confidence": confidence,
                         "no_subscriptions": bool(notices)})


def early_churn(
    db: Database, window: Window, today: dt.date, early_months: int = DEFAULT_EARLY_MONTHS
) -> Report:
    """The customers of the window who churned within `early_months` of starting."""
    _check_early_months(early_months)
    notices = _require_subscriptions(db)
    days, day_args = window.day_columns()
    frame = db.rows(
        "select customer_id, deal_id, rep, tier, started_at::date as started_at, "
        "ended_at::date as ended_at, days_active::bigint as days_active, "
        # the MRR's currency after the old fields, before the window's (readers by position)
        f"mrr::double as mrr, currency{days} from early_churn_list(?, ?, ?, ?)"
        f"{' limit 0' if notices else ''}",
        [*day_args, *window.args(), today, early_months],
    )
    title = (
        f"Early churn · ended within {early_months} month{'s' if early_months != 1 else ''} of "
        f"starting · customers started {_window_text(window)} · as of {today:%Y-%m-%d}"
    )
    return Report("early_churn", title, frame, notices=notices,
                  extra={"early_months": early_months, "no_subscriptions": bool(notices)})


def _repless_customers_notices(frame: Rows) -> list[str]:
    """What churn by rep says when customers of the window have no known rep (the row
    without a rep, shown "(none)"): why, and which columns would give one."""
    started = sum(row["started"] for row in frame.rows(named=True) if row["rep"] is None)
    if not started:
        return []
    return [
        f"{started:,} customer{'s have' if started != 1 else ' has'} no known rep: the "
        f"subscriptions file gives none and {'they are' if started != 1 else 'it is'} not "
        "linked to a loaded deal with an owner, so the row without a rep ((none), null) holds "
        f"{'them' if started != 1 else 'it'}, and the company's rate counts "
        f"{'them' if started != 1 else 'it'}. Map a rep column or a deal_id "
        '([columns.subscriptions] rep = "<column>" or deal_id = "<column>") and load again.'
    ]


def _check_early_months(early_months: int) -> None:
    if early_months < 1:
        raise UsageError(f"--early-months takes a whole number of months >= 1; got {early_months}.")


def _window_text(window: Window) -> str:
    return window.span or "any time"


# -- tiers ---------------------------------------------------------------------------
def tiers(
    db: Database, window: Window, today: dt.date, confidence: float = DEFAULT_CONFIDENCE
) -> Report:
    """Per tier: deals, win rate, days to win, won amounts and their share, and the
    churn and MRR of the tier's customers when subscriptions are loaded; the win and
    churn rates with their Wilson intervals (no subscriptions: null, and a notice says so)."""
    notices = _require_subscriptions(db) or mrr_currency_notices(db)
    counts = ("deals", "won", "lost", "open", "customers")
    # new fields after the old ones (the intervals, the window), so that readers by
    # position keep working
    fields = ("deals", "won", "lost", "open", "win_rate", "median_days_to_win",
              "avg_won_amount", "median_won_amount", "won_amount", "won_amount_share",
              "customers", "churn_rate", "avg_mrr", "win_rate_low", "win_rate_high",
              "churn_rate_low", "churn_rate_high")
    typed = ", ".join(f"{name}::{'bigint' if name in counts else 'double'} as {name}"
                      for name in fields)
    days, day_args = window.day_columns()
    frame = db.rows(f"select tier, {typed}{days} from tier_economics(?, ?, ?, ?)",
                    [*day_args, *window.args(), today, z_value(confidence)])
    label = f"created {window.span}" if window.span else "all deals"
    undated = undated_created_notices(db, window.since, window.until)
    # undated_created: the window left out deals without a created date (the pack's card
    # of the cohort's won amount is then unknown when no deal is in it, not 0)
    return Report("tiers", f"Tier economics · {label} · as of {today:%Y-%m-%d}", frame,
                  db.funnel.stages, extra={"confidence": confidence,
                                           "undated_created": bool(undated)},
                  notices=notices + undated
                  + ([] if window.since or window.until else undated_won_days_notices(db))
                  + unpriced_closes_notices(db))


# -- pulse ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # exclusive
    previous_start: dt.date
    label: str
    previous_label: str


def pulse_period(kind: str, day: dt.date) -> Period:
    """The ISO week (Monday to Sunday) or calendar month containing `day`, and the one before."""
    if kind not in PULSE_PERIODS:
        raise UsageError(f"The pulse period is week or month; got {kind!r}.")
    if kind == "week":
        start = day - dt.timedelta(days=day.weekday())
        previous = start - dt.timedelta(days=7)
        return Period(start, start + dt.timedelta(days=7), previous, _iso_week(start),
                      _iso_week(previous))
    start = day.replace(day=1)
    previous = add_months(start, -1)
    return Period(start, add_months(start, 1), previous, f"{start:%Y-%m}", f"{previous:%Y-%m}")


def _iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def default_opportunity_index(stages: tuple[str, ...]) -> int:
    """The opportunity stage (1-based): the third stage of a funnel of four or more
    stages, else the stage before won."""
    return 3 if len(stages) >= 4 else max(len(stages) - 1, 1)


def _stage_index(stages: tuple[str, ...], name: str, flag: str) -> int:
    for index, stage in enumerate(stages, start=1):
        if label_key(stage) == label_key(name):
            return index
    raise UsageError(f"{flag} takes a funnel stage ({', '.join(stages)}); got {name!r}.")


def pulse(
    db: Database,
    kind: str,
    day: dt.date,
    opportunity_stage: str | None = None,
    tier: str | None = None,
) -> Report:
    """Leads, opportunities, deals entering the stage before won, wins and the average
    won amount: this period, the one before and the change."""
    stages = db.funnel.stages
    period = pulse_period(kind, day)
    if opportunity_stage is not None and opportunity_stage.strip():
        opportunity = _stage_index(stages, opportunity_stage, "--opportunity-stage")
    else:
        opportunity = default_opportunity_index(stages)
    tier = tier_filter(tier)
    frame = db.rows(
        "select metric, stage, current::double as current, previous::double as previous, "
        "change::double as change, change_rate::double as change_rate, "
        "?::varchar as period, ?::varchar as previous_period from pulse(?, ?, ?, ?, ?)",
        [period.label, period.previous_label, midnight(period.previous_start),
         midnight(period.start), midnight(period.end), opportunity, tier],
    )
    title = f"Pulse · {kind} {period.label} vs {period.previous_label}" + (
        f" · tier {tier}" if tier else ""
    )
    counted = list(dict.fromkeys(row["stage"] for row in frame.rows(named=True)))
    return Report("pulse", title, frame, stages, extra={"period": period},
                  notices=undated_stages_notices(db, counted) + undated_closes_notices(db)
                  + unpriced_closes_notices(db))


# -- stalled -------------------------------------------------------------------------
def stalled(
    db: Database, today: dt.date, tier: str | None = None, min_days: int = 0,
    min_past_deals: int = STALLED_MIN_PAST_DEALS,
) -> Report:
    """Open deals longer in their current stage than 90% of past deals of their tier were,
    where at least `min_past_deals` past deals give that p90; the open deals of a tier and
    stage with fewer are not checked, and `extra["unchecked"]` says which and why."""
    if min_days < 0:
        raise UsageError(f"--min-days takes a number of days >= 0; got {min_days}.")
    if not 1 <= min_past_deals <= 1_000_000:
        raise UsageError(
            f"--min-past-deals takes a number of past deals from 1 to 1,000,000; got {min_past_deals}.")
    tier = tier_filter(tier)
    args = [today, tier, min_days, STALLED_QUANTILE, min_past_deals]
    frame = db.rows(
        "select deal_id, rep, tier, stage, entered_at::date as entered_at, "
        "days_in_stage::bigint as days_in_stage, threshold_days::double as p90_days, "
        "days_over::double as days_over, past_deals::bigint as past_deals, "
        "amount::double as amount, currency "
        "from stalled_deals(?, ?, ?, ?, ?) where stalled order by days_over desc, deal_id",
        args,
    )
    unchecked = db.fetchall(
        "select tier, stage, count(*)::bigint as open_deals, max(past_deals)::bigint "
        "from stalled_deals(?, ?, ?, ?, ?) where threshold_days is null "
        "group by tier, stage, stage_index order by tier, stage_index",
        args,
    )
    title = (
        "Stalled deals · open longer than the 90th percentile of their tier and stage · "
        f"as of {today:%Y-%m-%d}"
    )
    if tier:
        title += f" · tier {tier}"
    if min_days:
        title += f" · at least {min_days} days"
    note = unchecked_note(unchecked, min_past_deals) if unchecked else None
    undated_rows = db.fetchall("select * from stalled_undated(?)", [tier])
    undated = undated_open_note(undated_rows, db.funnel.stages[0])
    report = Report("stalled", title, frame, db.funnel.stages,
                    extra={"min_past_deals": min_past_deals, "unchecked": unchecked,
                           "unchecked_note": note, "undated_note": undated,
                           "undated_open": sum(count for _, count in undated_rows)})
    report.notices.extend(text for text in (note, undated) if text)
    return report


def undated_open_note(undated: list[tuple], first_stage: str) -> str | None:
    """Which open deals stalled cannot judge: no entry date of their current stage, so
    their days in it are unknown (not 0, not stalled); and which column would date it."""
    if not undated:
        return None
    deals = sum(count for _, count in undated)
    by_stage = ", ".join(f"{stage} {count:,}" for stage, count in undated)
    return (
        f"{deals:,} open deal{'s have' if deals != 1 else ' has'} no entry date for "
        f"{'their' if deals != 1 else 'its'} current stage ({by_stage}): the days in it are "
        f"unknown, so {'they are' if deals != 1 else 'it is'} not judged stalled or not. "
        f"{stage_dates_hint([stage for stage, _ in undated], first_stage)}"
    )


def unchecked_note(unchecked: list[tuple], min_past_deals: int, shown: int = 4) -> str:
    """Why some open deals are not checked: their tier and stage has too few past deals."""
    deals = sum(row[2] for row in unchecked)
    groups = [f"{tier} {stage}: {past} past, {count} open"
              for tier, stage, count, past in unchecked[:shown]]
    if len(unchecked) > shown:
        groups.append(f"{len(unchecked) - shown} more")
    fewer = "no past deal" if min_past_deals == 1 else f"fewer than {min_past_deals} past deals"
    return (
        f"{deals:,} open deal{'s are' if deals != 1 else ' is'} not checked: {fewer} of "
        f"the tier left the stage, too few for a p90 ({'; '.join(groups)})."
    )
