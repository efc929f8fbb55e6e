"""What `init` says a deals file lacks: the report fields no column gives and what each
costs, the outcome no label or status column gives, and the values of its date and
currency columns the load cannot read (on stderr and in the proposal's opening comment)."""

from __future__ import annotations

from salesfunnel.db import Database, quote_ident
from salesfunnel.load.columns import status_values
from salesfunnel.load.infer import FileFacts
from salesfunnel.load.money_headers import columns_in
from salesfunnel.load.vocabulary import SYNONYMS, normalise

# what a deals file without the field cannot give (said by init on stderr and in the proposal)
MISSING_COSTS = {
    "rep": 'no owner column: every deal loads as "(no owner)"; rank has no reps to rank',
    "created_at": "no created date: no first-stage entry dates (conversion days from the first "
                  "stage, cohorts by created month, rank's first stage)",
    "closed_at": "no close date: won and lost deals have no month for rank, pulse or pacing",
    "amount": "no amount: no revenue, pacing, velocity or tier economics",
    "lost_reason": 'no lost reason: dropoff lists every loss as "(unspecified)"',
    "account": "no account: no accounts-file tiers, no churn by customer",
    "source": "no lead source: no --by source",
    "status": "no outcome: no stage label means won and no status column the load reads "
              "(status words such as Open, Won, Lost; IsWon/IsClosed flags): no deal of this "
              "file loads as won",
}


def gives_outcome(db: Database, facts: FileFacts) -> bool:
    """Whether a deals file's status is read: a preset's or mapping's status (flags give
    one), or a status column of status words only."""
    if facts.kind != "deals":
        return True
    if facts.plan is not None:
        return "status" in facts.plan.fields
    fields = facts.fields
    if "is_active" in fields or ("is_won" in fields and "is_closed" in fields):
        return True
    return "status" in fields and status_values(db, facts.table, fields["status"])


def missing_fields(facts: FileFacts) -> list[str]:
    """For a deals file: what each report field no column gives costs (MISSING_COSTS)."""
    if facts.kind != "deals":
        return []
    found = set(facts.fields)
    if facts.plan is not None:
        found = {name for name, expr in facts.plan.fields.items() if columns_in(expr)}
    found = found - {"status"} if facts.no_outcome else found | {"status"}
    return [cost + _named_so(facts, name) for name, cost in MISSING_COSTS.items()
            if name not in found]


# what a field's values must be, for the note on a column named like it whose values are not
_VALUES = {"created_at": "dates", "closed_at": "dates", "amount": "amounts"}


def _named_so(facts: FileFacts, name: str) -> str:
    """For a field no column gives: the column whose header names it but whose values are
    not it (a `created` column of numbers), so the user knows what to fix; else ""."""
    if facts.plan is not None or name not in _VALUES:
        return ""
    used = {c.index for c in facts.fields.values()}
    column = next((c for c in facts.columns if c.index not in used and c.filled
                   and normalise(c.name) in SYNONYMS[name]), None)
    if column is None:
        return ""
    serial = (" (numbers only, as Excel writes a date cell formatted as a number, 45292 for "
              "2024-01-01: no date is read from them; format the column as dates and export "
              "again)" if _VALUES[name] == "dates"
              and column.numbers == column.filled else "")
    return f"; {column.name!r} is named so but its values are no {_VALUES[name]}{serial}"


DATE_FIELDS = ("created_at", "closed_at", "entered_at")


def unread_dates(facts: FileFacts) -> list[str]:
    """For each date column the file is read with (a preset's or the mapping's): how many of
    its values the load's date parsing does not read (`01.10.` without a year, `Oct 1`),
    each a rejected row (`unparseable date`); no year or shape is ever filled in."""
    if facts.kind is None:
        return []
    if facts.plan is not None:
        indexes = [i for name, expr in facts.plan.fields.items() if name in DATE_FIELDS
                   for i in columns_in(expr)]
    else:
        indexes = [c.index for name, c in facts.fields.items() if name in DATE_FIELDS]
    notes = []
    for index in dict.fromkeys(indexes):
        if index >= len(facts.columns):
            continue
        column = facts.columns[index]
        bad = column.filled - column.dates - column.slash - column.epochs
        if column.filled and bad > 0 and not column.formats:
            notes.append(
                f"{column.name!r}: {bad} of {column.filled} values {'is' if bad == 1 else 'are'} "
                f"no date the load reads: load rejects {'that row' if bad == 1 else 'those rows'} "
                "(unparseable date); a date without its year is never completed, other shapes "
                "need [dates] formats"
            )
    return notes


def unread_currencies(db: Database, facts: FileFacts) -> list[str]:
    """For the currency column a deals file is read with: how many of its values the load
    reads as no currency (a name it does not know, `Dollar`, `$`), each a rejected row;
    a currency is never guessed."""
    if facts.kind != "deals":
        return []
    if facts.plan is not None:
        indexes = columns_in(facts.plan.fields.get("currency", ""))
    else:
        indexes = [facts.fields["currency"].index] if "currency" in facts.fields else []
    notes = []
    for index in indexes:
        if index >= len(facts.columns):
            continue
        column = facts.columns[index]
        [(bad, examples)] = db.fetchall(
            f"select count(*), list(distinct v order by v)[1:3] from ("
            f"select nullif(trim_spaces(({column.sql})::varchar), '') as v "
            f"from {quote_ident(facts.table)}) where v is not null "
            "and currency_problem(currency_cell(v)) is not null"
        )
        if bad:
            notes.append(
                f"{column.name!r}: {bad} of {column.filled} values {'is' if bad == 1 else 'are'} "
                f"no currency the load reads ({', '.join(map(repr, examples))}): load rejects "
                f"{'that row' if bad == 1 else 'those rows'}; write ISO codes (USD, EUR)"
            )
    return notes


# columns that say over what period an amount runs (Capsule's Duration Basis FIXED / MONTH /
# YEAR, Insightly's Bid Type Fixed Bid / Per Month, Close's value_period one_time / monthly),
# and their values that mean the amount is the whole deal's
PERIOD_COLUMNS = ("durationbasis", "bidtype", "valueperiod", "billingperiod")
ONE_TIME = ("", "fixed", "fixedbid", "onetime", "once", "total")


def periodic_amounts(db: Database, facts: FileFacts) -> list[str]:
    """For a deals file with an amount and a column saying the amount's period: how many
    amounts are per period (a month, a year, an hour), not the deal's total. The load reads
    each amount as it is written; init says so (no total is ever computed)."""
    amount = facts.fields.get("amount") if facts.plan is None else None
    if facts.kind != "deals" or amount is None:
        return []
    notes = []
    for column in facts.columns:
        if normalise(column.name) not in PERIOD_COLUMNS:
            continue
        table, cell = quote_ident(facts.table), f"lower(regexp_replace({column.sql}, '[^A-Za-z]', '', 'g'))"
        rows = db.fetchall(
            f"select min(trim({column.sql})), count(*) from {table} "
            f"where coalesce({cell}, '') not in $one_time "
            f"and nullif(trim({amount.sql}), '') is not null group by {cell} order by 2 desc",
            {"one_time": list(ONE_TIME)},
        )
        if rows:
            count = sum(n for _, n in rows)
            notes.append(
                f"{column.name!r}: {count} {'amount is' if count == 1 else 'amounts are'} per "
                f"period ({', '.join(f'{value} {n}' for value, n in rows)}), not the deal's "
                f"total: the load reads {amount.name!r} as written, a per-period value as the "
                "deal's amount: export totals, or correct those amounts"
            )
    return notes
