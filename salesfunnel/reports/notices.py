"""What a report says on stderr about the data behind its numbers: stale data, a cache
of another release, and facts the export lacks (closes without a date, stages without
an entry date): each notice says what is unknown and which column would give it.
Nothing here formats for humans beyond the sentence."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from salesfunnel.funnel import CREATED_AT_COLUMN, stage_dates_hint

if TYPE_CHECKING:
    from salesfunnel.db import Database


def newest_activity(db: Database) -> dt.date | None:
    """The day of the newest activity in the database (a deal created, a stage entered,
    a loss)."""
    newest = db.scalar("select greatest(last_created, last_activity) from data_span")
    return None if newest is None else newest.date()


def stale_notice(db: Database, today: dt.date, days: int) -> str | None:
    """A notice when the newest activity is more than `days` days before today."""
    newest = newest_activity(db)
    if newest is None or (today - newest).days <= days:
        return None
    return (
        f"the newest activity in the database is from {newest:%Y-%m-%d}, "
        f"{(today - newest).days} days before {today:%Y-%m-%d}: the data may be stale. "
        f"Load a fresh export (this notice comes after {days} days: [reports] "
        "stale_after_days in the config)."
    )


def outdated_cache_notice(db: Database) -> str | None:
    """A notice when the cached per-deal facts were computed by another release (their
    key differs: Database.cache_outdated), so the report computed them live."""
    if not db.cache_outdated:
        return None
    return (
        "the cached per-deal facts were computed by another salesfunnel release, so this "
        "report computed them from the loaded data (the same numbers, slower on a large "
        "database); the next `salesfunnel load` refreshes them."
    )


def close_date_hint(*, open_deals: bool = False) -> str:
    """Which column gives a deal its close date (for an open deal: its expected close)."""
    expected = "; for an open deal its expected close" if open_deals else ""
    return (
        '([columns.deals] closed_at = "<column>", e.g. Close Date, CloseDate'
        f"{expected}) and load again."
    )


def amount_hint(db: Database) -> str:
    """Where the missing amounts would come from: the amount column when no deal has an
    amount (it is not mapped), else the CRM (the column is mapped, those cells are empty)."""
    if db.scalar("select count(amount) > 0 from deal_facts"):
        return "Their amount cells are empty in the export (the amount column is mapped)."
    return 'Map the amount column ([columns.deals] amount = "<column>", e.g. Amount) and load again.'


def deals_counted(counts: tuple[tuple[int, str], ...]) -> str:
    """'1 won deal and 2 open deals' from ((1, "won"), (2, "open")); zero counts left out."""
    return " and ".join(
        f"{count:,} {what} deal{'s' if count != 1 else ''}" for count, what in counts if count
    )


def undated_closes_notices(db: Database) -> list[str]:
    """What a report counting wins and losses by period must say when some closed deals
    have no date for it (facts/undated_closes): they are in no period, and which column
    would give them one. Empty when every win and loss is dated."""
    won, lost = db.fetchall("select won_undated, lost_undated from undated_closes")[0]
    if not won and not lost:
        return []
    have, are = ("have", "are") if won + lost != 1 else ("has", "is")
    return [
        f"{deals_counted(((won, 'won'), (lost, 'lost')))} {have} no close date (closed_at) "
        f"and so {are} in no period's wins or losses here: the date is unknown, not zero. "
        f"Map the close-date column {close_date_hint()}"
    ]


def unpriced_closes_notices(db: Database, status: str = "won") -> list[str]:
    """What a report summing or averaging the amounts of won (or lost) deals must say when
    some of them have no amount in the export (facts/unpriced_closes): the sums and
    averages are of the others, and which column would give the amount."""
    column = {"won": "won_unpriced", "lost": "lost_unpriced"}[status]
    (count,) = db.fetchall(f"select {column} from unpriced_closes")[0]
    if not count:
        return []
    what = "won amounts and averages" if status == "won" else "lost amounts"
    return [
        f"{deals_counted(((count, status),))} {'have' if count != 1 else 'has'} no amount: "
        f"{what} add up the {status} deals with one (unknown, shown as –, where none has "
        f"one), not 0. {amount_hint(db)}"
    ]


def undated_created_notices(
    db: Database, since: dt.datetime | None, until: dt.datetime | None, *,
    tier: str | None = None, rep: str | None = None, source: str | None = None,
    by_month: bool = False,
) -> list[str]:
    """What a report of the deals created in a window (--month, --since/--until), or one
    grouped by created month, says of the deals without a created date: how many of the
    deals its other filters keep, that the window leaves them out (whether they were
    created in it is unknown) or that their month is unknown, and which column would
    date them. Empty without a window or grouping by month, or when every deal is dated."""
    windowed = since is not None or until is not None
    if not windowed and not by_month:
        return []
    db.ensure("cohort")
    count = db.scalar(
        "select count(*) from cohort(?, ?, ?, null, null) where created_at is null",
        [tier, rep, source],
    )
    if not count:
        return []
    many = count != 1
    what = (
        f", so {'they are' if many else 'it is'} in no created window and left out: whether "
        f"{'they were' if many else 'it was'} created in this one is unknown"
        if windowed else
        f": {'their' if many else 'its'} created month is unknown, so "
        f"{'they are' if many else 'it is'} counted in the rows without a month ((none))"
    )
    return [
        f"{count:,} deal{'s have' if many else ' has'} no created date (created_at){what}. "
        f"Map the created-date column {CREATED_AT_COLUMN} and load again."
    ]


def undated_won_days_notices(db: Database) -> list[str]:
    """What a report of the days from created to won (tiers' median days to win) says of
    the won deals without a created date: how many it leaves out, and which column would
    date them. Empty when every won deal has one."""
    count = db.scalar("select count(*) from deal_facts where status = 'won' and created_at is null")
    if not count:
        return []
    many = count != 1
    return [
        f"{count:,} won deal{'s have' if many else ' has'} no created date (created_at): "
        f"median days to win leaves {'them' if many else 'it'} out (unknown, shown as –, for "
        f"a tier where no won deal has one). Map the created-date column {CREATED_AT_COLUMN} "
        "and load again."
    ]


def undated_stages_notices(db: Database, counted: list[str] | None = None) -> list[str]:
    """What a report counting stage entries by period (rank, pulse, velocity) says when
    a stage it counts (`counted`, default every stage) was reached by deals but none has
    an entry date for it (facts/undated_stages): the counts of such stages are null,
    unknown rather than 0, and which column would date them. The text names every
    undated stage, so that it is the same in every report. The won stage is undated_closes_notices' (its date
    is the close date). Empty when every counted stage is dated."""
    won = db.funnel.stages[-1]
    undated = [
        stage for (stage,) in db.fetchall("select stage from undated_stages order by stage_index")
        if stage != won
    ]
    # one text for every report (the pack says it once): all undated stages, when any
    # of the counted ones is
    if not undated or (counted is not None and not set(undated) & set(counted)):
        return []
    plural = len(undated) != 1
    return [
        f"no deal has an entry date for the stage{'s' if plural else ''} {', '.join(undated)}: "
        f"{'their' if plural else 'its'} entries per period are unknown and shown as – "
        f"(null), not 0. {stage_dates_hint(undated, db.funnel.stages[0])}"
    ]
