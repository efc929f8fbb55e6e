"""What every report shares: the `Report` a command renders, cohort filters, day
windows, month arithmetic and the normalisation of filter values. Reports of
funnel.py and management.py build on these; nothing here formats for humans.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from salesfunnel.config import label_key
from salesfunnel.errors import UsageError

if TYPE_CHECKING:
    import polars as pl

    from salesfunnel.db import Database

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class GroupBy(enum.StrEnum):
    """`conversion --by` choices."""

    tier = "tier"
    rep = "rep"
    source = "source"
    month = "month"


@dataclass
class Report:
    """A report's rows (`frame`, the fields users and scripts rely on) and its title."""

    name: str
    title: str
    frame: pl.DataFrame
    stages: tuple[str, ...] = ()
    group_by: str | None = None
    extra: dict = field(default_factory=dict)
    # things the reader must know about these numbers (said on stderr, never in the data)
    notices: list[str] = field(default_factory=list)


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


@dataclass(frozen=True)
class Window:
    """A window of days [since, until) (None = open) and how to say it."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    span: str = ""  # "2026-03-01 to 2026-06-30", "since 2026-03-01", ...; "" = any time

    def args(self) -> list:
        return [self.since, self.until]


def midnight(day: dt.date) -> dt.datetime:
    """The start of a day, as the naive UTC datetimes the database stores."""
    return dt.datetime(day.year, day.month, day.day)


def tier_filter(value: str | None) -> str | None:
    """A --tier as tiers are stored (trimmed, lower case); None when blank."""
    return label_key(value) if value is not None and value.strip() else None


def blank_to_none(value: str | None) -> str | None:
    return value if value is not None and value.strip() else None


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
        start, end = midnight(first), midnight(add_months(first, 1))
        label = f"created {first:%Y-%m}"
    else:
        window = day_window(since, until)
        start, end = window.since, window.until
        if window.span:
            label = f"created {window.span}"
    return Filters(
        tier=blank_to_none(tier),
        rep=blank_to_none(rep),
        source=blank_to_none(source),
        since=start,
        until=end,
        window_label=label,
    )


def day_window(since: str | None, until: str | None) -> Window:
    """--since and --until as inclusive days."""
    start = midnight(parse_day(since, "--since")) if since else None
    end = midnight(parse_day(until, "--until") + dt.timedelta(days=1)) if until else None
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
