"""Management reports beyond the funnel: churn by rep or tier, tier economics, the
bottom-up plan, the pulse (five numbers of a week or month) and stalled deals.

As in reports.py, each function runs table macros of queries/ with bound
parameters and shapes the result with Polars; nothing here formats for humans.
Definitions are in docs/management.md.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from salesfunnel.config import label_key
from salesfunnel.errors import DatabaseError, QueryError, UsageError
from salesfunnel.reports import Report, add_months, month_start, parse_day

if TYPE_CHECKING:
    from salesfunnel.db import Database

CHURN_BY_CHOICES = ("rep", "tier")
DEFAULT_EARLY_MONTHS = 5
# a rep (or tier) is "well above" the company when both hold:
WELL_ABOVE_RATIO = 1.5  # its churn rate is at least 1.5 times the company's
WELL_ABOVE_POINTS = 0.05  # and at least 5 percentage points above it
STALLED_QUANTILE = 0.9
PULSE_PERIODS = ("week", "month")


@dataclass(frozen=True)
class Window:
    """A window of days [since, until) (None = open) and how to say it."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    span: str = ""  # "2026-03-01 to 2026-06-30", "since 2026-03-01", ...; "" = any time

    def args(self) -> list:
        return [self.since, self.until]


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


def day_window(since: str | None, until: str | None) -> Window:
    """--since and --until as inclusive days."""
    start = _midnight(parse_day(since, "--since")) if since else None
    end = _midnight(parse_day(until, "--until") + dt.timedelta(days=1)) if until else None
    if start and end and start >= end:
        raise UsageError(f"--since {since} is after --until {until}.")
    if since and until:
        span = f"{since} to {until}"
    elif since:
        span = f"since {since}"
    elif until:
        span = f"until {until}"
    else:
        span = ""
    return Window(start, end, span)


def _tier(value: str | None) -> str | None:
    """A --tier as tiers are stored (trimmed, lower case); None when blank."""
    return label_key(value) if value is not None and value.strip() else None


def _require_subscriptions_table(db: Database) -> None:
    """A database created before subscriptions existed gets the table at its next load."""
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


# -- churn ---------------------------------------------------------------------------
def churn(
    db: Database,
    window: Window,
    today: dt.date,
    by: str = "rep",
    early_months: int = DEFAULT_EARLY_MONTHS,
) -> Report:
    """Per rep (or tier): customers started in the window, churned by today, churn rate,
    early churn, MRR lost, and the company's churn rate beside it."""
    import polars as pl

    if by not in CHURN_BY_CHOICES:
        raise UsageError(f"--by takes rep or tier; got {by!r}.")
    _check_early_months(early_months)
    _require_subscriptions_table(db)
    frame = db.call_macro(
        "churn_by_group",
        [*window.args(), today, early_months, by, WELL_ABOVE_RATIO, WELL_ABOVE_POINTS],
    )
    frame = frame.rename({"group_value": by}).select(
        pl.col(by),
        pl.col("started", "churned").cast(pl.Int64),
        pl.col("churn_rate").cast(pl.Float64),
        pl.col("early_churned").cast(pl.Int64),
        pl.col("early_churn_rate", "mrr_lost", "company_churn_rate", "rate_difference").cast(
            pl.Float64
        ),
        pl.col("well_above_company").cast(pl.Boolean),
    )
    title = (
        f"Churn by {by} · customers started {_window_text(window)} · as of {today:%Y-%m-%d} "
        f"· early = ended within {early_months} month{'s' if early_months != 1 else ''}"
    )
    return Report("churn", title, frame, db.funnel.stages, group_by=by,
                  extra={"today": today, "early_months": early_months})


def early_churn(
    db: Database, window: Window, today: dt.date, early_months: int = DEFAULT_EARLY_MONTHS
) -> Report:
    """The customers of the window who churned within `early_months` of starting."""
    import polars as pl

    _check_early_months(early_months)
    _require_subscriptions_table(db)
    frame = db.call_macro("early_churn_list", [*window.args(), today, early_months]).select(
        "customer_id",
        "deal_id",
        "rep",
        "tier",
        pl.col("started_at").cast(pl.Date),
        pl.col("ended_at").cast(pl.Date),
        pl.col("days_active").cast(pl.Int64),
        pl.col("mrr").cast(pl.Float64),
    )
    title = (
        f"Early churn · ended within {early_months} month{'s' if early_months != 1 else ''} of "
        f"starting · customers started {_window_text(window)} · as of {today:%Y-%m-%d}"
    )
    return Report("early_churn", title, frame, extra={"early_months": early_months})


def _check_early_months(early_months: int) -> None:
    if early_months < 1:
        raise UsageError(f"--early-months takes a whole number of months >= 1; got {early_months}.")


def _window_text(window: Window) -> str:
    return window.span or "any time"


# -- tiers ---------------------------------------------------------------------------
def tiers(db: Database, window: Window, today: dt.date) -> Report:
    """Per tier: deals, win rate, days to win, won amounts and their share, and the
    churn and MRR of the tier's customers when subscriptions are loaded."""
    import polars as pl

    _require_subscriptions_table(db)
    frame = db.call_macro("tier_economics", [*window.args(), today]).select(
        "tier",
        pl.col("deals", "won", "lost", "open").cast(pl.Int64),
        pl.col(
            "win_rate", "median_days_to_win", "avg_won_amount", "median_won_amount",
            "won_amount", "won_amount_share",
        ).cast(pl.Float64),
        pl.col("customers").cast(pl.Int64),
        pl.col("churn_rate", "avg_mrr").cast(pl.Float64),
    )
    label = f"created {window.span}" if window.span else "all deals"
    return Report("tiers", f"Tier economics · {label} · as of {today:%Y-%m-%d}", frame,
                  db.funnel.stages)


# -- plan ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Trailing:
    """What the lookback months say: the rates and averages a plan is built on."""

    first_month: dt.date
    last_month: dt.date
    tier: str | None
    wins: int
    wins_with_amount: int
    won_amount: float
    active_rep_months: int
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


def trailing_figures(db: Database, today: dt.date, lookback: int, tier: str | None) -> Trailing:
    """The lookback: the `lookback` full calendar months before today's month.
    QueryError when it has no win, no won amount, or a stage no deal reached."""
    if lookback < 1:
        raise UsageError(f"--lookback takes a number of months >= 1; got {lookback}.")
    tier = _tier(tier)
    end = today.replace(day=1)
    start = add_months(end, -lookback)
    since, until = _midnight(start), _midnight(end)
    row = db.call_macro("plan_trailing", [since, until, tier]).row(0, named=True)
    conversion = db.call_macro("conversion", [tier, None, None, since, until, None])
    trailing = Trailing(
        first_month=start,
        last_month=add_months(end, -1),
        tier=tier,
        wins=int(row["wins"]),
        wins_with_amount=int(row["wins_with_amount"]),
        won_amount=float(row["won_amount"] or 0.0),
        active_rep_months=int(row["active_rep_months"]),
        reached=tuple(zip(conversion["stage"].to_list(), conversion["reached"].to_list(),
                          strict=True)),
    )
    hint = "Lengthen --lookback" + (" or drop --tier" if tier else "") + "."
    where = f"the lookback ({trailing.describe()})"
    if trailing.wins == 0:
        raise QueryError(
            f"No deal was won in {where}, so there is no average won amount and no win rate "
            f"per rep to plan from. {hint}"
        )
    if trailing.wins_with_amount == 0 or trailing.won_amount <= 0:
        raise QueryError(
            f"The {trailing.wins} deal{'s' if trailing.wins != 1 else ''} won in {where} "
            f"{'have' if trailing.wins != 1 else 'has'} no amount, so a revenue target cannot "
            f"be turned into wins. {hint}"
        )
    if not trailing.reached:
        raise QueryError(
            f"No deal was created in {where}, so there are no conversion rates to plan "
            f"from. {hint}"
        )
    for index in range(1, len(trailing.reached)):
        stage, reached = trailing.reached[index]
        if reached == 0:
            previous = trailing.reached[index - 1][0]
            raise QueryError(
                f"No deal created in {where} reached {stage}, so the conversion from "
                f"{previous} to {stage} is unknown and the plan cannot say how many {previous} "
                f"deals make one {stage}. {hint}"
            )
    return trailing


def plan(
    db: Database,
    target_amount: float,
    today: dt.date,
    *,
    months: int = 1,
    lookback: int = 6,
    tier: str | None = None,
    start: str | None = None,
) -> Report:
    """Bottom-up: the target per month becomes wins at the trailing average won amount,
    wins become deals entering each earlier stage at the trailing step rates (rounded up
    at each stage, from won upward), and wins become reps at the trailing wins per
    active rep per month. One row per month of the plan."""
    import polars as pl

    if not target_amount > 0 or not math.isfinite(target_amount):
        raise UsageError(f"--target-amount takes an amount > 0; got {target_amount:g}.")
    if months < 1:
        raise UsageError(f"--months takes a number of months >= 1; got {months}.")
    first = month_start(start) if start else add_months(today.replace(day=1), 1)
    trailing = trailing_figures(db, today, lookback, tier)
    stages = [stage for stage, _ in trailing.reached]
    monthly_target = target_amount / months
    wins = _ceil(monthly_target / trailing.avg_won_amount)
    needed = [0] * len(stages)
    needed[-1] = wins
    for index in range(len(stages) - 1, 0, -1):
        needed[index - 1] = _ceil_ratio(
            needed[index] * trailing.reached[index - 1][1], trailing.reached[index][1]
        )
    reps = _ceil_ratio(wins * trailing.active_rep_months, trailing.wins)
    rows = []
    for number in range(months):
        row = {"month": f"{add_months(first, number):%Y-%m}", "target_amount": monthly_target}
        row.update(dict(zip(stages, needed, strict=True)))
        row["reps_needed"] = reps
        row["avg_won_amount"] = trailing.avg_won_amount
        row["wins_per_rep_month"] = trailing.wins_per_rep_month
        for index in range(1, len(stages)):
            row[f"{stages[index]}_step_rate"] = trailing.step_rate(index)
        rows.append(row)
    schema = {"month": pl.String, "target_amount": pl.Float64}
    schema.update({stage: pl.Int64 for stage in stages})
    schema.update({"reps_needed": pl.Int64, "avg_won_amount": pl.Float64,
                   "wins_per_rep_month": pl.Float64})
    schema.update({f"{stage}_step_rate": pl.Float64 for stage in stages[1:]})
    frame = pl.DataFrame(rows, schema=schema)
    last = add_months(first, months - 1)
    span = f"{first:%Y-%m}" if months == 1 else f"{first:%Y-%m} to {last:%Y-%m}"
    title = (
        f"Plan · {target_amount:,.0f} over {span} · per month, at the rates of "
        f"{trailing.describe()}"
    )
    return Report("plan", title, frame, tuple(stages), extra={"trailing": trailing})


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
    import polars as pl

    stages = db.funnel.stages
    period = pulse_period(kind, day)
    if opportunity_stage is not None and opportunity_stage.strip():
        opportunity = _stage_index(stages, opportunity_stage, "--opportunity-stage")
    else:
        opportunity = default_opportunity_index(stages)
    tier = _tier(tier)
    frame = db.call_macro(
        "pulse",
        [_midnight(period.previous_start), _midnight(period.start), _midnight(period.end),
         opportunity, tier],
    ).select(
        "metric",
        "stage",
        pl.col("current", "previous", "change", "change_rate").cast(pl.Float64),
        pl.lit(period.label).alias("period"),
        pl.lit(period.previous_label).alias("previous_period"),
    )
    title = f"Pulse · {kind} {period.label} vs {period.previous_label}" + (
        f" · tier {tier}" if tier else ""
    )
    return Report("pulse", title, frame, stages, extra={"period": period})


# -- stalled -------------------------------------------------------------------------
def stalled(db: Database, today: dt.date, tier: str | None = None, min_days: int = 0) -> Report:
    """Open deals longer in their current stage than 90% of past deals of their tier were."""
    import polars as pl

    if min_days < 0:
        raise UsageError(f"--min-days takes a number of days >= 0; got {min_days}.")
    tier = _tier(tier)
    frame = db.call_macro("stalled_deals", [today, tier, min_days, STALLED_QUANTILE]).select(
        "deal_id",
        "rep",
        "tier",
        "stage",
        pl.col("entered_at").cast(pl.Date),
        pl.col("days_in_stage").cast(pl.Int64),
        pl.col("threshold_days").cast(pl.Float64).alias("p90_days"),
        pl.col("days_over").cast(pl.Float64),
        pl.col("past_deals").cast(pl.Int64),
        pl.col("amount").cast(pl.Float64),
    )
    title = (
        "Stalled deals · open longer than the 90th percentile of their tier and stage · "
        f"as of {today:%Y-%m-%d}"
    )
    if tier:
        title += f" · tier {tier}"
    if min_days:
        title += f" · at least {min_days} days"
    return Report("stalled", title, frame, db.funnel.stages)
