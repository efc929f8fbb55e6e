"""`salesfunnel movement`: how the open pipeline went from one day to another.

The state of a deal at a day is its newest snapshot on or before the end of
that day (queries/facts/movement_events.sql, queries/reports/movement.sql). Rows are
the categories of CATEGORIES (per --by group), with deals and amount as exact
decimals; the identity end = start + created + reopened (+ amount_up -
amount_down) - won - lost - removed holds for deals and amounts. Definitions are
in docs/metrics.md, "movement".
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from salesfunnel.errors import UsageError
from salesfunnel.reports.common import Report, blank_to_none, midnight, parse_day, tier_filter

if TYPE_CHECKING:
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
    first, last = window(db, since, until)
    frame = db.call_macro(
        "movement",
        [end_of_day(first), end_of_day(last), tier_filter(tier), blank_to_none(rep),
         blank_to_none(source), None if by is None else str(by), db.currency_scope],
    )
    if by is None:
        frame = frame.drop("group_value", "position")
    else:
        frame = frame.drop("position").rename({"group_value": str(by)})
    parts = [f"{first} to {last}"]
    parts += [f"{name} {value}" for name, value in
              (("tier", tier), ("rep", rep), ("source", source)) if value]
    return Report(
        "movement", f"Pipeline movement · {' · '.join(parts)}", frame,
        group_by=None if by is None else str(by),
    )
