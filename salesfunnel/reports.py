"""The reports: each function runs one view or table macro of queries/ with bound
parameters and shapes the result with Polars. Nothing here formats for humans.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from salesfunnel.errors import UsageError

if TYPE_CHECKING:
    import polars as pl

    from salesfunnel.db import Database

GROUP_BY_CHOICES = ("tier", "rep", "source", "month")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Filters:
    """Cohort filters as the user gave them, and the created_at window [since, until)."""

    tier: str | None = None
    rep: str | None = None
    source: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    window_label: str = "all deals"

    def args(self) -> list:
        return [self.tier, self.rep, self.source, self.since, self.until]

    def describe(self) -> str:
        parts = [self.window_label]
        parts += [f"{name} {value}" for name, value in
                  (("tier", self.tier), ("rep", self.rep), ("source", self.source)) if value]
        return " · ".join(parts)


@dataclass
class Report:
    """A report's rows (`frame`, the fields users and scripts rely on) and its title."""

    name: str
    title: str
    frame: pl.DataFrame
    stages: tuple[str, ...] = ()
    group_by: str | None = None
    extra: dict = field(default_factory=dict)


def month_start(text: str) -> dt.date:
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise UsageError(f"--month takes YYYY-MM, 'last' or 'latest'; got {text!r}.")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_day(text: str, flag: str) -> dt.date:
    if not _DATE.match(text):
        raise UsageError(f"{flag} takes a date as YYYY-MM-DD; got {text!r}.")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{flag}: {text!r} is not a calendar date.") from None


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


def resolve_month(db: Database, text: str, today: dt.date, *, latest_of: str) -> dt.date | None:
    """YYYY-MM, `last` (the calendar month before today) or `latest` (latest month with
    data: `latest_of` is the data_span column to use). None when the database has no data."""
    if text == "last":
        return add_months(today.replace(day=1), -1)
    if text == "latest":
        latest = db.scalar(f"select {latest_of} from data_span")
        return None if latest is None else latest.date().replace(day=1)
    return month_start(text)


def cohort_filters(
    db: Database,
    *,
    tier: str | None,
    rep: str | None,
    source: str | None,
    month: str | None,
    since: str | None,
    until: str | None,
    today: dt.date,
) -> Filters:
    """The cohort: --month selects a calendar month of created_at; --since and --until
    are inclusive days. They cannot be combined."""
    if month and (since or until):
        raise UsageError("Use --month, or --since/--until, not both.")
    start = end = None
    label = "all deals"
    if month:
        first = resolve_month(db, month, today, latest_of="last_created")
        if first is None:
            first = today.replace(day=1)
        start, end = _midnight(first), _midnight(add_months(first, 1))
        label = f"created {first:%Y-%m}"
    else:
        if since:
            start = _midnight(parse_day(since, "--since"))
        if until:
            end = _midnight(parse_day(until, "--until") + dt.timedelta(days=1))
        if start and end and start >= end:
            raise UsageError(f"--since {since} is after --until {until}.")
        if since and until:
            label = f"created {since} to {until}"
        elif since:
            label = f"created since {since}"
        elif until:
            label = f"created until {until}"
    return Filters(
        tier=_blank_to_none(tier),
        rep=_blank_to_none(rep),
        source=_blank_to_none(source),
        since=start,
        until=end,
        window_label=label,
    )


def _blank_to_none(value: str | None) -> str | None:
    return value if value is not None and value.strip() else None


def conversion(db: Database, filters: Filters, by: str | None = None) -> Report:
    """Cohort conversion per funnel stage, optionally per tier, rep, source or month."""
    if by is not None and by not in GROUP_BY_CHOICES:
        raise UsageError(f"--by takes one of {', '.join(GROUP_BY_CHOICES)}; got {by!r}.")
    import polars as pl

    frame = db.call_macro("conversion", [*filters.args(), by])
    columns = ["stage", "reached", "step_rate", "overall_rate", "lost", "open", "median_days"]
    if by:
        frame = frame.rename({"group_value": by})
        columns = [by, *columns]
    frame = frame.select(columns).with_columns(
        pl.col("reached", "lost", "open").cast(pl.Int64),
        pl.col("step_rate", "overall_rate", "median_days").cast(pl.Float64),
    )
    title = f"Conversion · {filters.describe()}" + (f" · by {by}" if by else "")
    return Report("conversion", title, frame, db.funnel.stages, group_by=by)


def dropoff(db: Database, filters: Filters) -> Report:
    """Lost deals of the cohort by tier, lost-at stage and reason."""
    import polars as pl

    frame = db.call_macro("dropoff", filters.args()).with_columns(
        pl.col("lost").cast(pl.Int64), pl.col("share", "amount").cast(pl.Float64)
    )
    return Report("dropoff", f"Drop-off · {filters.describe()}", frame, db.funnel.stages)


def rank(db: Database, month: str, tier: str | None, today: dt.date) -> Report:
    """Per-rep activity in a month per stage, with the competition rank this month and
    the month before; rows by won-stage rank, then rep."""
    import polars as pl

    stages = db.funnel.stages
    tier = _blank_to_none(tier)
    first = resolve_month(db, month, today, latest_of="last_activity")
    if first is None:
        first = today.replace(day=1)
    long = db.call_macro("rep_rank", [_midnight(first), tier])
    wide = long.select("rep", "won_amount", "lost", "win_rate").unique("rep", keep="first")
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
    columns += ["won_amount", "lost", "win_rate"]
    frame = (
        wide.sort([won_rank, "rep"], nulls_last=True)
        .select(columns)
        .with_columns(
            pl.col("won_amount").cast(pl.Float64),
            pl.col("lost").cast(pl.Int64),
            pl.col("win_rate").cast(pl.Float64),
        )
    )
    title = f"Rep ranking · activity in {first:%Y-%m} (ranks vs {add_months(first, -1):%Y-%m})"
    if tier:
        title += f" · tier {tier}"
    return Report("rank", title, frame, stages, extra={"month": first})


@dataclass
class Info:
    """What the database holds."""

    path: str
    funnel: tuple[str, ...]
    files: pl.DataFrame
    deal_counts: pl.DataFrame
    first_created: dt.datetime | None
    last_created: dt.datetime | None
    last_activity: dt.datetime | None
    history_rows: int
    orphan_history_rows: int
    subscription_rows: int
    reject_rows: int
    recent_rejects: pl.DataFrame


def info(db: Database, reject_limit: int = 5) -> Info:
    span = db.fetchall("select first_created, last_created, last_activity from data_span")[0]
    return Info(
        path=str(db.path),
        funnel=db.funnel.stages,
        files=db.read_view("loaded_files").drop("file_id"),
        deal_counts=db.read_view("deal_counts"),
        first_created=span[0],
        last_created=span[1],
        last_activity=span[2],
        history_rows=db.scalar("select count(*) from stage_history"),
        orphan_history_rows=db.scalar(
            "select count(*) from stage_history anti join deals using (deal_id)"
        ),
        subscription_rows=db.scalar("select count(*) from subscriptions"),
        reject_rows=db.scalar("select count(*) from (select distinct path, line from load_rejects)"),
        recent_rejects=db.read_view("recent_rejects").drop("file_id").head(reject_limit),
    )
