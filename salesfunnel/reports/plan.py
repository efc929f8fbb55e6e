"""`salesfunnel plan`: a revenue target turned bottom-up into the deals that must
enter each stage and the reps it takes, at the rates of a trailing lookback,
with the capacity schedule of capacity.py (ramp, attrition, hires, managers,
seasonality). The model is documented with a worked example in docs/management.md.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from salesfunnel.errors import QueryError, UsageError
from salesfunnel.funnel import CREATED_AT_COLUMN
from salesfunnel.reports import capacity as capacity_model
from salesfunnel.reports.common import (
    Report,
    add_months,
    midnight,
    month_start,
    tier_filter,
)
from salesfunnel.reports.notices import (
    amount_hint,
    newest_activity,
    undated_closes_notices,
    undated_created_notices,
)

if TYPE_CHECKING:
    from salesfunnel.db import Database


@dataclass(frozen=True)
class Trailing:
    """What the lookback months say: the rates and averages a plan is built on."""

    first_month: dt.date
    last_month: dt.date
    tier: str | None
    wins: int
    wins_with_amount: int
    won_amount: float
    active_rep_months: float  # a tier's share of rep-months (plan_trailing.sql)
    reached: tuple[tuple[str, int], ...]  # (stage, deals of the lookback cohort reaching it)

    @property
    def avg_won_amount(self) -> float:
        return self.won_amount / self.wins_with_amount

    @property
    def wins_per_rep_month(self) -> float:
        return self.wins / self.active_rep_months

    def step_rate(self, index: int) -> float:
        """Conversion into stage `index` (0-based, >= 1) from the stage before."""
        return self.reached[index][1] / self.reached[index - 1][1]

    def describe(self) -> str:
        return f"{self.first_month:%Y-%m} to {self.last_month:%Y-%m}" + (
            f", tier {self.tier}" if self.tier else ""
        )


def _ceil(value: float) -> int:
    """Round up, ignoring float noise below 1e-9 (6.0000000001 deals is 6 deals)."""
    return math.ceil(round(value, 9))


def _ceil_ratio(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def trailing_figures(
    db: Database, today: dt.date, lookback: int, tier: str | None, hint: str | None = None
) -> Trailing:
    """The lookback: the `lookback` full calendar months before today's month.
    QueryError when it has no win, no won amount, or a stage no deal reached; its advice
    is `hint` when given (a caller without --lookback and --tier: the pack), else to
    lengthen --lookback (or drop --tier)."""
    if lookback < 1:
        raise UsageError(f"--lookback takes a number of months >= 1; got {lookback}.")
    tier = tier_filter(tier)
    end = today.replace(day=1)
    start = add_months(end, -lookback)
    since, until = midnight(start), midnight(end)
    row = db.call_macro("plan_trailing", [since, until, tier]).row(0, named=True)
    conversion = db.call_macro("conversion", [tier, None, None, since, until, None, 1.0])
    trailing = Trailing(
        first_month=start,
        last_month=add_months(end, -1),
        tier=tier,
        wins=int(row["wins"]),
        wins_with_amount=int(row["wins_with_amount"]),
        won_amount=float(row["won_amount"] or 0.0),
        active_rep_months=float(row["active_rep_months"]),
        reached=tuple(zip(conversion["stage"].to_list(), conversion["reached"].to_list(),
                          strict=True)),
    )
    unknown_rates = not trailing.reached or 0 in (n for _, n in trailing.reached[1:])
    failing = trailing.wins == 0 or trailing.wins_with_amount == 0 \
        or trailing.won_amount <= 0 or unknown_rates
    if not failing:
        return trailing
    caller_hint, hint = hint, hint or _lookback_hint(db, start, tier)
    where = f"the lookback ({trailing.describe()})"
    if trailing.wins == 0:
        undated = undated_closes_notices(db)
        raise QueryError(
            f"No deal was won in {where}, so there is no average won amount and no win rate "
            f"per rep to plan from. {hint}" + (f" Note: {undated[0]}" if undated else "")
        )
    if trailing.wins_with_amount == 0 or trailing.won_amount <= 0:
        raise QueryError(
            f"The {trailing.wins} deal{'s' if trailing.wins != 1 else ''} won in {where} "
            f"{'have' if trailing.wins != 1 else 'has'} no amount, so a revenue target cannot "
            f"be turned into wins. {hint}"
        )
    _refuse_unknown_rates(db, trailing, where, hint, since, until, caller_hint)
    return trailing


def _lookback_hint(db: Database, start: dt.date, tier: str | None) -> str:
    """plan's advice for a lookback without the figures it needs: a longer lookback (or
    no --tier); when the data ends before the lookback, no length helps: plan as of the
    data's end with --start, or load a fresh export."""
    newest = newest_activity(db)
    if newest is not None and newest < start:
        after = add_months(newest.replace(day=1), 1)
        return (
            f"The newest activity in the database is from {newest:%Y-%m-%d}, before the "
            f"lookback: plan as of then with --start {after:%Y-%m}, or load a fresh export."
        )
    return "Lengthen --lookback" + (" or drop --tier" if tier else "") + "."


def _refuse_unknown_rates(db: Database, trailing: Trailing, where: str, hint: str,
                          since: dt.datetime, until: dt.datetime,
                          caller_hint: str | None) -> None:
    """The QueryError of a lookback whose conversion rates are unknown: no deal created
    in it, or none reaching a stage. The rates are of the deals created in the lookback,
    so deals without a created date are in none: the error says how many, and which
    column would date them, instead of "no deal was created"; with no dated deal at all
    that column is the advice, besides the caller's own (`caller_hint`: the pack's)."""
    undated = undated_created_notices(db, since, until, tier=trailing.tier)
    note = f" Note: {undated[0]}" if undated else ""
    deal = "deal with a created date" if undated else "deal"
    if undated and not db.scalar(
        "select count(*) from cohort(?, null, null, null, null) where created_at is not null",
        [trailing.tier],
    ):  # no lookback or --start helps, only the column
        raise QueryError(
            f"No deal{' of the tier' if trailing.tier else ''} has a created date "
            "(created_at), so none is known to be created in the lookback and the plan has "
            "no conversion rates (they are of the deals created in it). Map the created-date "
            f"column {CREATED_AT_COLUMN} and load again." + (f" {caller_hint}" if caller_hint else "")
        )
    if not trailing.reached:
        raise QueryError(
            f"No {deal} was created in {where}, so there are no conversion rates to plan "
            f"from. {hint}{note}"
        )
    for index in range(1, len(trailing.reached)):
        stage, reached = trailing.reached[index]
        if reached == 0:
            previous = trailing.reached[index - 1][0]
            raise QueryError(
                f"No {deal} created in {where} reached {stage}, so the conversion from "
                f"{previous} to {stage} is unknown and the plan cannot say how many {previous} "
                f"deals make one {stage}. {hint}{note}"
            )


def planned_month(today: dt.date, after: dt.date | None = None) -> dt.date:
    """The month a plan plans (its first month): the month after `after` (the pack's
    month), by default the month after the last complete calendar month, i.e. today's
    month: on 2026-11-01, with October closed, November. `plan` and the pack's plan share
    it, and both read their rates, seasonality and reps as of `plan_as_of`."""
    if after is None:
        after = add_months(today.replace(day=1), -1)
    return add_months(after.replace(day=1), 1)


def plan_as_of(today: dt.date, first: dt.date) -> dt.date:
    """The day a plan is made as of: the first day of its first month, or today when that
    is later: the lookback, seasonality and reps on staff are those known then."""
    return min(today, first)


def plan(
    db: Database,
    target_amount: float,
    today: dt.date,
    *,
    months: int = 1,
    lookback: int = 6,
    tier: str | None = None,
    start: str | None = None,
    ramp: str | None = None,
    attrition: float | None = None,
    reps_now: int | None = None,
    reps_per_manager: int = capacity_model.DEFAULT_REPS_PER_MANAGER,
    hint: str | None = None,
) -> Report:
    """Bottom-up: the target per month becomes wins at the trailing average won amount,
    wins become deals entering each earlier stage at the trailing step rates (rounded up
    at each stage, from won upward), and wins become ramped reps at the trailing wins per
    active rep per month (times the month's seasonality); the capacity schedule then
    says the headcount, hires and managers that meet it. One row per month of the plan."""
    import polars as pl

    if not target_amount > 0 or not math.isfinite(target_amount):
        raise UsageError(f"--target-amount takes an amount > 0; got {target_amount:g}.")
    if months < 1:
        raise UsageError(f"--months takes a number of months >= 1; got {months}.")
    ramp_given = capacity_model.parse_ramp(ramp)
    capacity_model.check_options(attrition, reps_now, reps_per_manager)
    first = month_start(start, "--start") if start else planned_month(today)
    today = plan_as_of(today, first)
    trailing = trailing_figures(db, today, lookback, tier, hint)
    stages = [stage for stage, _ in trailing.reached]
    monthly_target = target_amount / months
    wins = _ceil(monthly_target / trailing.avg_won_amount)
    needed = [0] * len(stages)
    needed[-1] = wins
    for index in range(len(stages) - 1, 0, -1):
        needed[index - 1] = _ceil_ratio(
            needed[index] * trailing.reached[index - 1][1], trailing.reached[index][1]
        )
    factors, capacity = _capacity(db, today, trailing.tier, ramp_given, attrition, reps_now,
                                  reps_per_manager)
    seasonality = []
    for number in range(months):
        month = add_months(first, number)
        factor = factors.get(month.month, 1.0) if factors else 1.0
        if factor <= 0:
            raise QueryError(
                f"No deal was won in any {month:%B} of the data, so seasonality gives a rep no "
                f"wins in {month:%Y-%m} and no headcount can meet the plan then. Plan other "
                "months with --start and --months."
            )
        seasonality.append(factor)
    needs = [wins / (trailing.wins_per_rep_month * factor) for factor in seasonality]
    schedule, notices = capacity_model.schedule(needs, capacity)
    notices = [*notices, *undated_closes_notices(db)]
    unpriced = trailing.wins - trailing.wins_with_amount
    if unpriced:
        notices.append(
            f"{unpriced:,} of the {trailing.wins:,} deals won in the lookback "
            f"{'have' if unpriced != 1 else 'has'} no amount: avg_won_amount is the average "
            f"of the {trailing.wins_with_amount:,} with one (the others add nothing known, "
            f"not 0). {amount_hint(db)}"
        )
    rows = []
    for number in range(months):
        row = {"month": f"{add_months(first, number):%Y-%m}", "target_amount": monthly_target}
        row.update(dict(zip(stages, needed, strict=True)))
        planned = schedule[number]
        row["won_needed"] = wins
        row["reps_needed"] = _ceil(planned.ramped_reps_needed)
        row["ramped_reps_needed"] = planned.ramped_reps_needed
        row["seasonality"] = seasonality[number]
        row["headcount"] = planned.headcount
        row["hires"] = planned.hires
        row["ramped_capacity"] = planned.ramped_capacity
        row["managers"] = planned.managers
        row["avg_won_amount"] = trailing.avg_won_amount
        row["wins_per_rep_month"] = trailing.wins_per_rep_month
        for index in range(1, len(stages)):
            row[f"{stages[index]}_step_rate"] = trailing.step_rate(index)
        rows.append(row)
    schema = {"month": pl.String, "target_amount": pl.Float64}
    schema.update({stage: pl.Int64 for stage in stages})
    schema.update({"won_needed": pl.Int64, "reps_needed": pl.Int64,
                   "ramped_reps_needed": pl.Float64, "seasonality": pl.Float64,
                   "headcount": pl.Float64, "hires": pl.Int64, "ramped_capacity": pl.Float64,
                   "managers": pl.Int64, "avg_won_amount": pl.Float64,
                   "wins_per_rep_month": pl.Float64})
    schema.update({f"{stage}_step_rate": pl.Float64 for stage in stages[1:]})
    frame = pl.DataFrame(rows, schema=schema)
    last = add_months(first, months - 1)
    span = f"{first:%Y-%m}" if months == 1 else f"{first:%Y-%m} to {last:%Y-%m}"
    title = (
        f"Plan · {target_amount:,.0f} over {span} · per month, at the rates of "
        f"{trailing.describe()}"
    )
    return Report("plan", title, frame, tuple(stages), notices=notices,
                  extra={"trailing": trailing, "capacity": capacity,
                         "seasonal": bool(factors)})


def _capacity(
    db: Database,
    today: dt.date,
    tier: str | None,
    ramp: tuple[float, ...] | None,
    attrition: float | None,
    reps_now: int | None,
    reps_per_manager: int,
) -> tuple[dict[int, float], capacity_model.Capacity]:
    """The seasonality factors and the capacity factors: each option as given, else
    from the data (reps active in the last complete month; attrition from the reps'
    activity history), else the default (no ramp: reps carry no start date yet)."""
    this_month = today.replace(day=1)
    rows = db.call_macro("plan_seasonality", [midnight(this_month), tier]).rows()
    factors = capacity_model.seasonality_factors(rows)
    reps = db.call_macro("plan_reps", [midnight(add_months(this_month, -1)), tier]).row(
        0, named=True)
    sources = {
        "ramp": "option" if ramp is not None else "default",
        "attrition": "option" if attrition is not None else "data",
        "reps_now": "option" if reps_now is not None else "data",
    }
    capacity = capacity_model.Capacity(
        ramp=ramp or (),
        attrition=attrition if attrition is not None else capacity_model.data_attrition(
            int(reps["reps_left"]), int(reps["rep_months"])),
        reps_now=reps_now if reps_now is not None else int(reps["reps_now"]),
        reps_per_manager=reps_per_manager,
        sources=sources,
    )
    return factors, capacity
