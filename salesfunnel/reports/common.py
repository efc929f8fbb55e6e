"""What every report shares: the `Report` a command renders, cohort filters, day
windows, month arithmetic and the normalisation of filter values. Reports of
funnel.py and management.py build on these; nothing here formats for humans.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from salesfunnel.bounds import check_year
from salesfunnel.errors import QueryError, UsageError
from salesfunnel.funnel import label_key
from salesfunnel.rows import Rows

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
    pipeline = "pipeline"


class DropoffBy(enum.StrEnum):
    """`dropoff --by` choices."""

    pipeline = "pipeline"


class _Frame:
    """The `frame` of a Report: a Polars DataFrame, or `Rows` (a query's rows as DuckDB
    returned them) that become one when `frame` is first read. `Report.rows()` reads
    either without Polars, so a report shown as a table never imports it."""

    def __set_name__(self, owner, name: str) -> None:
        self.slot = "_" + name

    def __get__(self, report, owner=None):
        if report is None:
            raise AttributeError(self.slot)  # a field without a default
        value = report.__dict__[self.slot]
        if isinstance(value, Rows):
            value = report.__dict__[self.slot] = value.to_polars()
        return value

    def __set__(self, report, value) -> None:
        report.__dict__[self.slot] = value


@dataclass
class Report:
    """A report's rows (`frame`, the fields users and scripts rely on) and its title."""

    name: str
    title: str
    frame: pl.DataFrame = _Frame()  # type: ignore[assignment]  # given Rows, converted when read
    stages: tuple[str, ...] = ()
    group_by: str | None = None
    extra: dict = field(default_factory=dict)
    # things the reader must know about these numbers (said on stderr, never in the data)
    notices: list[str] = field(default_factory=list)

    def rows(self) -> list[dict]:
        """The rows as dicts, without converting Rows to a DataFrame."""
        return self.__dict__["_frame"].rows(named=True)

    @property
    def height(self) -> int:
        return self.__dict__["_frame"].height

    def head(self, n: int) -> Report:
        """The same report with its first `n` rows only."""
        rows = self.__dict__["_frame"]
        first = Rows(rows.columns, rows.types, rows.data[:n]) if isinstance(rows, Rows) \
            else rows.head(n)
        return replace(self, frame=first)


@dataclass(frozen=True)
class Filters:
    """Cohort filters as the user gave them, and the created_at window [since, until)."""

    tier: str | None = None
    rep: str | None = None
    source: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    window_label: str = "all deals"
    month: str | None = None  # "2026-10" when the cohort is a calendar month (--month)

    def args(self) -> list:
        return [self.tier, self.rep, self.source, self.since, self.until]

    def period_columns(self, *, month: bool = True) -> tuple[str, str, list[str]]:
        """The fields that say the cohort's period in machine output, as SQL around the
        report's own fields, with the parameters in order: a leading `month` (YYYY-MM)
        for --month; trailing `since` and `until` (inclusive days, empty for an open end)
        for --since/--until, after the report's fields so that readers by position keep
        working; none for all deals."""
        if self.month is not None:
            return ("?::varchar as month, ", "", [self.month]) if month else ("", "", [])
        return "", *window_columns(self.since, self.until)

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

    def day_columns(self) -> tuple[str, list[str | None]]:
        """The trailing fields since and until of a report over this window (SQL after
        the report's own fields, and their parameters); none for any time."""
        return window_columns(self.since, self.until)


def window_columns(since: dt.datetime | None, until: dt.datetime | None,
                   ) -> tuple[str, list[str | None]]:
    """Machine output says a window [since, until) of midnights: trailing fields since
    and until, its inclusive days (YYYY-MM-DD; null for an open end), after a report's
    own fields so that readers by position keep working. Nothing for an open window."""
    if since is None and until is None:
        return "", []
    last = None if until is None else until - dt.timedelta(days=1)
    return ", ?::varchar as since, ?::varchar as until", [
        None if since is None else f"{since:%Y-%m-%d}",
        None if last is None else f"{last:%Y-%m-%d}",
    ]


def midnight(day: dt.date) -> dt.datetime:
    """The start of a day, as the naive UTC datetimes the database stores."""
    return dt.datetime(day.year, day.month, day.day)


def tier_filter(value: str | None) -> str | None:
    """A --tier as tiers are stored (trimmed, lower case); None when blank."""
    return label_key(value) if value is not None and value.strip() else None


def blank_to_none(value: str | None) -> str | None:
    return value if value is not None and value.strip() else None


# what --month takes besides YYYY-MM (resolve_month says what each means)
MONTH_WORDS = ("last", "latest", "complete")


def month_start(text: str, flag: str = "--month") -> dt.date:
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        # only --month takes the words (resolve_month); --start, --period take a month
        words = ", 'last', 'latest' or 'complete'" if flag == "--month" else ""
        raise UsageError(f"{flag} takes YYYY-MM{words}; got {text!r}.")
    check_year(int(match.group(1)), flag, text)
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_day(text: str, flag: str) -> dt.date:
    if not _DATE.match(text):
        raise UsageError(f"{flag} takes a date as YYYY-MM-DD; got {text!r}.")
    check_year(int(text[:4]), flag, text)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{flag}: {text!r} is not a calendar date.") from None


def resolve_month(db: Database, text: str, today: dt.date, *, latest_of: str) -> dt.date | None:
    """YYYY-MM, `last` (the calendar month before today), `latest` (latest month with
    data: `latest_of` is the data_span column to use) or `complete` (the latest month with
    data that has ended by today: what `--month` alone means). None when the database has
    no data. --month means this in every command that takes it."""
    if text == "complete":
        return last_complete_month(db, today, latest_of=latest_of)
    if text == "last":
        return add_months(today.replace(day=1), -1)
    if text == "latest":
        latest = db.scalar(f"select {latest_of} from data_span")
        return None if latest is None else latest.date().replace(day=1)
    return month_start(text)


def last_complete_month(db: Database, today: dt.date, *, latest_of: str) -> dt.date:
    """The default month of `rank` and `pulse`: the latest month with data that has
    ended by today (the month before today's at the latest)."""
    previous = add_months(today.replace(day=1), -1)
    latest = db.scalar(f"select {latest_of} from data_span")
    if latest is None:
        return previous
    return min(latest.date().replace(day=1), previous)


def require_month_data(db: Database, first: dt.date) -> None:
    """A month in which no deal was created, entered a stage or was lost has nothing to
    report: a QueryError naming the months that have data (never a report that
    compares zeros with the month before, "Leads 0 vs 227, -100%")."""
    entries, losses, created = db.fetchall(
        "select * from month_activity(?, ?)", [midnight(first), midnight(add_months(first, 1))]
    )[0]
    if entries or losses or created:
        return
    span = db.fetchall(
        "select least(first_created, last_activity), greatest(last_created, last_activity) "
        "from data_span"
    )[0]
    if span[0] is None:
        held = "The database holds no dated deal: load a deals export first."
    else:
        held = (f"The data run from {span[0]:%Y-%m} to {span[1]:%Y-%m}: choose one of those "
                "months with --month, or leave --month out for the last complete month with data.")
    raise QueryError(
        f"{first:%Y-%m} has no data: no deal was created, entered a stage or was lost in it, "
        f"so its reports would only compare zeros with {add_months(first, -1):%Y-%m}. {held}"
    )


def partial_period(start: dt.date, end: dt.date, today: dt.date) -> str | None:
    """Why the period [start, end) is partial, or None: it has not ended by today. Said
    in the title and as a notice. (Data that stop long before today are the stale-data
    notice's business.)"""
    if end > today:
        last = min(today, end - dt.timedelta(days=1))
        return f"partial: {start:%Y-%m-%d} to {last:%Y-%m-%d} only, to date"
    return None


FILTER_COLUMNS = {"tier": "tier", "rep": "rep", "source": "source"}


def check_filter_values(db: Database, **values: str | None) -> None:
    """A --tier, --rep or --source value the reports never show (facts/filter_values: tiers
    through the account and `unknown`, reps by name) is a typo: UsageError listing the
    known values, closest first. (A known value with no rows in the window
    is a success with the empty note.)"""
    import difflib

    for name, value in values.items():
        if value is None or not value.strip() or name not in FILTER_COLUMNS:
            continue
        known = [row[0] for row in db.fetchall(
            "select value from filter_values where filter_name = ? order by 1",
            [FILTER_COLUMNS[name]],
        )]
        wanted = label_key(value)
        if any(label_key(k) == wanted for k in known):
            continue
        shared = [k for k in known if re.sub(r" \([^()]*\)$", "", label_key(k)) == wanted]
        if name == "rep" and len(shared) > 1:  # users sharing a name (rep_names)
            raise UsageError(
                f"--rep {value!r} is the name of {len(shared)} users; name one as the reports "
                f"show it: {', '.join(shared)}."
            )
        keys = {label_key(k): k for k in known}
        close = [keys[k] for k in difflib.get_close_matches(
            wanted, list(keys), n=max(len(keys), 1), cutoff=0)]
        listed = close[:10]
        more = f" (and {len(known) - len(listed)} more)" if len(known) > len(listed) else ""
        raise UsageError(
            f"--{name} {value!r} matches no deal in the database. Known values, closest "
            f"first: {', '.join(listed) if listed else '(none)'}{more}."
        )


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
    cohort_month = None
    if month:
        first = resolve_month(db, month, today, latest_of="last_created")
        if first is None:
            first = today.replace(day=1)
        start, end = midnight(first), midnight(add_months(first, 1))
        partial = partial_period(first, add_months(first, 1), today)
        label = f"created {first:%Y-%m}" + (f" ({partial})" if partial else "")
        cohort_month = f"{first:%Y-%m}"
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
        month=cohort_month,
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
