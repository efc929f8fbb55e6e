"""The reports of a monthly pack, computed from the database by the report functions
(the same functions, so the same numbers, as the commands' JSON).

For month M (first day `month`), "as of" is the first day of the next month (or
today, when that is earlier). Cohort reports (conversion, dropoff, tiers) take the
deals created in the twelve months ending with M, so the rates rest on deals that
had time to move; rank is M's activity against M-1; pulse compares M with M-1;
churn and stalled are as of the as-of day; the plan is for the month after M.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from salesfunnel.kinds import NO_OWNER
from salesfunnel.reports import funnel, management
from salesfunnel.reports import plan as planning
from salesfunnel.reports.common import (
    Filters,
    Report,
    Window,
    add_months,
    last_complete_month,
    midnight,
    require_month_data,
    resolve_month,
)

if TYPE_CHECKING:
    from salesfunnel.db import Database

COHORT_MONTHS = 12
TREND_MONTHS = 6
EARLY_MONTHS = 5
SHEETS = ("conversion", "conversion_by_tier", "rank", "dropoff", "churn", "early_churn", "tiers",
          "plan", "pulse", "stalled", "movement")


@dataclass
class RepPack:
    """One rep's part of the pack (reports filtered to the rep)."""

    rep: str
    conversion: Report
    dropoff: Report


@dataclass
class PackData:
    month: dt.date
    as_of: dt.date
    cohort: Filters
    reports: dict[str, Report]  # by sheet name, in sheet order
    rep_names: list[str]  # reps in the rank or the stalled deals, sorted
    notes: list[str] = field(default_factory=list)
    trend: list[Report] = field(default_factory=list)  # rank of the last TREND_MONTHS months,
    reps: list[RepPack] = field(default_factory=list)  # oldest first

    @property
    def label(self) -> str:
        return f"{self.month:%Y-%m}"


def pack_month(db: Database, month: str | None, today: dt.date) -> dt.date:
    """The pack's month: --month (YYYY-MM, `last` or `latest`), by default the month
    rank and pulse pick (the last complete month with data). A month without any data
    is refused (QueryError)."""
    if month is None:
        first = last_complete_month(db, today, latest_of="last_activity")
    else:
        first = resolve_month(db, month, today, latest_of="last_activity") \
            or add_months(today.replace(day=1), -1)
    require_month_data(db, first)
    return first


def movement_report(db: Database, month: dt.date) -> Report | None:
    """The `movement` report (issue 12) of the month: the open pipeline from the end of
    the month before to the end of M, the same as `movement --since <last day of M-1>
    --until <last day of M>` (which starts at the first deals export when that is later:
    the pipeline before it is unknown). None when no deals export carries an as-of by
    the end of M."""
    from salesfunnel.reports import movement

    before = month - dt.timedelta(days=1)
    last = add_months(month, 1) - dt.timedelta(days=1)
    if not db.scalar("select count(*) from deal_exports where as_of <= ?",
                     [movement.end_of_day(last)]):
        return None
    return movement.movement(db, f"{before:%Y-%m-%d}", f"{last:%Y-%m-%d}")


def cohort(month: dt.date, rep: str | None = None) -> Filters:
    first = add_months(month, 1 - COHORT_MONTHS)
    last = add_months(month, 1) - dt.timedelta(days=1)
    return Filters(
        rep=rep, since=midnight(first), until=midnight(add_months(month, 1)),
        window_label=f"created {first:%Y-%m-%d} to {last:%Y-%m-%d}",
    )


def rep_conversions(db: Database, month: dt.date, reps: list[str]) -> dict[str, Report]:
    """Each rep's cohort conversion, the rows of `conversion --rep <rep>`: one query
    grouped by rep, split here (a rep without deals in the cohort has no rows)."""
    grouped = funnel.conversion(db, cohort(month), "rep")
    frames = grouped.frame.partition_by("rep", as_dict=True, include_key=False)
    empty = grouped.frame.drop("rep").clear()
    return {
        rep: replace(grouped, title=f"Conversion · {cohort(month, rep).describe()}",
                     frame=frames.get((rep,), empty), group_by=None, notices=[])
        for rep in reps
    } if reps else {}


def collect(
    db: Database, month: dt.date, today: dt.date, target_amount: float | None
) -> PackData:
    """Every report of the pack for `month` (a first day of a month)."""
    data = collect_ranks(db, month, today)
    collect_rest(db, data, target_amount)
    return data


def collect_ranks(db: Database, month: dt.date, today: dt.date) -> PackData:
    """First, what the reps' rank charts need (the most costly charts of the pack): the
    rank of the month and the months before, and who the reps are (in the rank or the
    stalled deals). The other reports come from `collect_rest`."""
    as_of = min(today, add_months(month, 1))
    reports: dict[str, Report] = {
        "rank": funnel.rank(db, f"{month:%Y-%m}", None, as_of),
        "stalled": management.stalled(db, as_of),
    }
    reps = sorted(  # a one-on-one page per rep; the deals without an owner are no rep
        (set(reports["rank"].frame["rep"].drop_nulls().to_list())
         | set(reports["stalled"].frame["rep"].drop_nulls().to_list())) - {NO_OWNER}
    )
    data = PackData(month, as_of, cohort(month), reports, reps)
    data.trend = [
        funnel.rank(db, f"{add_months(month, offset):%Y-%m}", None, as_of)
        for offset in range(1 - TREND_MONTHS, 0)
    ] + [reports["rank"]]
    return data


# the pack has no --lookback or --tier: its plan error says what to run instead
PLAN_HINT = ("The pack plans from the 6 months before it: to plan from a longer lookback, "
             "run the plan command on its own, or leave out --target-amount for a pack "
             "without a plan.")


def collect_rest(db: Database, data: PackData, target_amount: float | None) -> None:
    """The other reports, the reps' own, and the reports in sheet order."""
    month, as_of, filters = data.month, data.as_of, data.cohort
    window = Window(filters.since, filters.until,
                    f"{filters.since:%Y-%m-%d} to {filters.until - dt.timedelta(days=1):%Y-%m-%d}")
    reports = data.reports
    reports["conversion"] = funnel.conversion(db, filters)
    by_rep = rep_conversions(db, month, data.rep_names)
    data.reps = [RepPack(rep, by_rep[rep], funnel.dropoff(db, cohort(month, rep)))
                 for rep in data.rep_names]
    reports["conversion_by_tier"] = funnel.conversion(db, filters, "tier")
    reports["dropoff"] = funnel.dropoff(db, filters)
    reports["churn"] = management.churn(db, Window(), as_of, "rep", EARLY_MONTHS)
    reports["early_churn"] = management.early_churn(db, Window(), as_of, EARLY_MONTHS)
    reports["tiers"] = management.tiers(db, window, as_of)
    if target_amount is not None:
        planned = planning.planned_month(as_of, after=month)
        reports["plan"] = planning.plan(db, target_amount, as_of, months=1,
                                        start=f"{planned:%Y-%m}", hint=PLAN_HINT)
    else:
        data.notes.append("No plan: give --target-amount to plan the next month's deals and reps.")
    last_day = add_months(month, 1) - dt.timedelta(days=1)
    reports["pulse"] = management.pulse(db, "month", last_day, None, None)
    movement = movement_report(db, month)
    if movement is not None:
        reports["movement"] = movement
        data.notes.extend(movement.notices)
    else:
        data.notes.append(f"No movement: no deals export is as of {data.label} or earlier.")
    data.reports = {name: reports[name] for name in SHEETS if name in reports}
    # what each report must say about its numbers (deals without an owner, closes without
    # a date, losses at an unknown stage) is said in the pack too, once
    for report in data.reports.values():
        data.notes.extend(n for n in report.notices if n not in data.notes)
