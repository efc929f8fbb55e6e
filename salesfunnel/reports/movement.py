"""`salesfunnel movement`: how the open pipeline went from one day to another.

The state of a deal at a day is its newest snapshot on or before the end of
that day (queries/facts/movement_events.sql, queries/reports/movement.sql). Rows are
the categories of CATEGORIES (per --by group), with deals and amount as exact
decimals; the identity end = start + created + reopened (+ amount_up -
amount_down) - won - lost - removed holds for deals and for the known amounts: an
amount adds up the deals with one (unknown, null, when none has), and one that becomes
known or is cleared while the deal is open is an amount_up or amount_down. Definitions are
in docs/metrics.md, "movement". Before the first deals export the pipeline is
unknown: a window that starts earlier starts at that export (its open deals are the
start, never "created" from a start of 0), and says so in the title and a notice.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from salesfunnel.errors import QueryError, UsageError
from salesfunnel.reports.common import Report, blank_to_none, midnight, parse_day, tier_filter
from salesfunnel.reports.notices import amount_hint

if TYPE_CHECKING:
    import polars as pl

    from salesfunnel.db import Database

DEFAULT_DAYS = 7
CATEGORIES = (
    "start", "created", "reopened", "amount_up", "amount_down", "won", "lost", "removed", "end",
    "advanced", "regressed", "pushed", "pulled_in",
)
IDENTITY_CATEGORIES = CATEGORIES[:9]  # the rest are informational


class MovementBy(enum.StrEnum):
    """`movement --by` choices."""

    tier = "tier"
    rep = "rep"


def end_of_day(day: dt.date) -> dt.datetime:
    return midnight(day + dt.timedelta(days=1)) - dt.timedelta(microseconds=1)


def window(db: Database, since: str | None, until: str | None) -> tuple[dt.date, dt.date]:
    """--since/--until as days; by default the 7 days up to the newest export's as-of."""
    if until is not None:
        last = parse_day(until, "--until")
    else:
        newest = db.scalar("select max(as_of) from deal_exports")
        if newest is None:
            raise UsageError(
                "movement needs deals exports loaded with their as-of (load a deals file "
                "first), or --since and --until."
            )
        last = newest.date()
    first = parse_day(since, "--since") if since is not None else last - dt.timedelta(DEFAULT_DAYS)
    if first > last:
        raise UsageError(f"--since {first} is after --until {last}.")
    return first, last


def known_start(db: Database, first: dt.date, last: dt.date) -> tuple[dt.datetime, list[str]]:
    """Where the movement can start: the end of `first`, unless the first deals export is
    later (the pipeline before it is unknown): then that export's as-of. Returns it and
    the notices that say what is unknown."""
    start = end_of_day(first)
    earliest = db.scalar("select min(as_of) from deal_exports")
    if earliest is None or earliest <= start:
        return start, []
    shown = f"{earliest:%Y-%m-%d %H:%M}".removesuffix(" 00:00")
    if earliest > end_of_day(last):
        raise QueryError(
            f"The first deals export is as of {shown}, after {last}: the pipeline up to then "
            f"is unknown. Choose --until {earliest:%Y-%m-%d} or later."
        )
    notices = [
        f"the pipeline before the first deals export (as of {shown}) is unknown: the movement "
        f"starts at that export (start = the deals open in it), not at the end of {first}."
    ]
    if not db.scalar(
        "select count(*) from deal_exports where as_of > ? and as_of <= ?",
        [earliest, end_of_day(last)],
    ):
        notices.append(
            f"only one deals export (as of {shown}) in the window: nothing can be seen to "
            "move before a second export is loaded."
        )
    return earliest, notices


def movement(
    db: Database,
    since: str | None = None,
    until: str | None = None,
    *,
    tier: str | None = None,
    rep: str | None = None,
    source: str | None = None,
    by: MovementBy | None = None,
) -> Report:
    import polars as pl

    first, last = window(db, since, until)
    start, notices = known_start(db, first, last)
    at_first_export = bool(notices)  # the window starts at the first export, not at `first`
    frame = db.call_macro(
        "movement",
        [start, end_of_day(last), tier_filter(tier), blank_to_none(rep),
         blank_to_none(source), None if by is None else str(by), db.currency_scope],
    )
    if by is None:
        frame = frame.drop("group_value", "position")
    else:
        frame = frame.drop("position").rename({"group_value": str(by)})
    since_text = f"{start:%Y-%m-%d %H:%M}".removesuffix(" 00:00") if at_first_export else f"{first}"
    # machine output says its window: trailing fields since and until (inclusive days;
    # since is the first export's as-of when the window starts before it), after the
    # report's own so that readers by position keep working
    frame = frame.with_columns(
        pl.lit(since_text).alias("since"), pl.lit(f"{last}").alias("until")
    ).select(pl.exclude("deals_without_amount"), "deals_without_amount")
    notices = notices + unpriced_notices(db, frame)
    begins = f"{since_text} (first export)" if at_first_export else since_text
    parts = [f"{begins} to {last}"]
    parts += [f"{name} {value}" for name, value in
              (("tier", tier), ("rep", rep), ("source", source)) if value]
    return Report(
        "movement", f"Pipeline movement · {' · '.join(parts)}", frame,
        group_by=None if by is None else str(by),
        extra={"start": start, "start_unknown_before": start if at_first_export else None},
        notices=notices,
    )


def unpriced_notices(db: Database, frame: pl.DataFrame) -> list[str]:
    """What movement says when deals in it have no amount: each amount adds up the deals
    with one (unknown when none has), which rows they are in, and the column to map."""
    import polars as pl

    totals = frame.group_by("category", maintain_order=True).agg(
        pl.col("deals_without_amount").sum()
    )
    unpriced = {category: count for category, count in totals.iter_rows() if count}
    if not unpriced:
        return []
    where = ", ".join(f"{category} {count:,}" for category, count in unpriced.items())
    return [
        f"some deals of the movement have no amount ({where}): each amount adds up the "
        "deals with one (unknown, shown as –, where none has one), and an amount that became "
        "known or was cleared while open is in amount up or down. "
        f"{amount_hint(db)}"
    ]
