"""The columns of a file `salesfunnel init` reads: what each holds (filled, distinct,
dates, numbers, booleans, slash dates and their order, the date shapes the built-in
parsing does not read), summarised in one statement per file; and, for a file without a
header row, names for its columns from their values."""

from __future__ import annotations

from dataclasses import dataclass, field

from salesfunnel.db import Database, quote_ident
from salesfunnel.load.vocabulary import FALSE_WORDS, LOST_WORDS, TRUE_WORDS, WON_WORDS, sql_words

# strftime shapes tried for date values the built-in parsing does not read
FORMAT_CANDIDATES = (
    "%d %b, %Y %H:%M:%S", "%d-%m-%Y", "%m-%d-%Y", "%d-%m-%Y %H:%M", "%m-%d-%Y %H:%M",
    "%d-%m-%y", "%m-%d-%y", "%Y%m%d", "%d.%m.%y", "%Y.%m.%d", "%d/%m/%Y %H.%M", "%Y-%m-%d %I:%M %p",
    "%Y-%m-%d %I:%M:%S %p", "%b %d %Y %H:%M", "%d %b %Y %H:%M:%S", "%b-%d-%Y", "%b-%y",
    "%Y-%m-%d %H:%M:%S UTC", "%Y-%m-%d %H:%M UTC", "%d/%m/%Y %H:%M:%S UTC", "%m/%d/%Y %H:%M:%S UTC",
)


@dataclass
class Column:
    index: int
    name: str
    filled: int = 0
    distinct: int = 0
    dates: int = 0  # values the loader's own parsing reads as dates
    epochs: int = 0  # Unix times (13 or 10 digits) it reads as dates: numbers, not in `dates`
    numbers: int = 0
    percents: int = 0  # numbers followed by % (10%, 12,5 %): a probability column's values
    booleans: int = 0
    slash: int = 0  # slash dates, and how many read month-first / day-first
    mdy: int = 0
    dmy: int = 0
    formats: list[str] = field(default_factory=list)  # strftime patterns the rest need

    @property
    def sql(self) -> str:
        return quote_ident(f"c{self.index}")


def name_by_values(db: Database, table: str, columns: list[Column], rows: int) -> None:
    """The columns of a file without a header, named by what their values look like: the
    first column distinct on every row is deal_id; a column of few labels among which a won
    or lost word appears is stage; the date columns are created_at then closed_at; the
    numeric column with the most values is amount; a remaining column of few values is
    rep. Other columns keep their column_N name."""
    def free(c: Column) -> bool:
        return c.name.startswith("column_")

    def name(column: Column | None, field_name: str) -> None:
        if column is not None:
            column.name = field_name

    name(next((c for c in columns if c.filled == c.distinct == rows > 0), None), "deal_id")
    for column in columns:
        if free(column) and 0 < column.distinct <= 50 and column.numbers < column.filled:
            labels = [v for (v,) in db.fetchall(
                f"select distinct trim({column.sql}) from {quote_ident(table)} "
                f"where nullif(trim({column.sql}), '') is not null"
            )]
            if any(WON_WORDS.search(v) or LOST_WORDS.search(v) for v in labels):
                name(column, "stage")
                break
    dates = [c for c in columns if free(c) and is_date(c)]
    for column, field_name in zip(dates, ("created_at", "closed_at"), strict=False):
        name(column, field_name)
    numeric = [c for c in columns if free(c) and c.filled and c.numbers == c.filled]
    amount = max(numeric, key=lambda c: (c.distinct, -c.index), default=None)
    if amount is not None and amount.distinct > 2:
        name(amount, "amount")
    name(next((c for c in columns if free(c) and 0 < c.distinct < rows / 2 + 1
               and c.distinct <= 1000), None), "rep")


def status_values(db: Database, table: str, column: Column) -> bool:
    """Whether each filled value of the column is a status word the load reads as open,
    won or lost (load_macros.sql's status_words), nothing else: only then is it mapped
    as the status."""
    return not db.scalar(
        f"select count(*) from {quote_ident(table)} where nullif(trim({column.sql}), '') "
        f"is not null and lower(trim({column.sql})) not in (select word from status_words)"
    )


def stage_by_values(db: Database, table: str, columns: list[Column]) -> Column | None:
    """Of a file whose header names no stage: the column of short text labels (at most 50,
    none longer than 40 characters) among which one says won and another lost (NetSuite's
    `Opportunity Status`: Qualification, Proposal, Closed Won, Closed Lost; not a data
    dictionary's descriptions, "the deal was Won or Lost"), the one of fewest labels; None
    when there is none."""
    found = []
    for column in columns:
        if not (1 < column.distinct <= 50 and column.numbers < column.filled):
            continue
        labels = [v for (v,) in db.fetchall(
            f"select distinct trim({column.sql}) from {quote_ident(table)} "
            f"where nullif(trim({column.sql}), '') is not null"
        )]
        won = [x for x in labels if WON_WORDS.search(x) and not LOST_WORDS.search(x)]
        lost = [x for x in labels if LOST_WORDS.search(x) and not WON_WORDS.search(x)]
        if won and lost and max(map(len, labels)) <= 40:
            found.append(column)
    return min(found, key=lambda c: (c.distinct, c.index), default=None)


def _distinct_values(table: str, indexes) -> str:
    """CTEs ending in `distinct_values` (col, v, n): each filled value of the columns,
    trimmed, with how often it appears in its column (the file unpivoted)."""
    names = ", ".join(quote_ident(f"c{i}") for i in indexes)
    return f"""cells as (
            select col, nullif(trim(v), '') as v
            from (unpivot (select {names} from {quote_ident(table)})
                  on {names} into name col value v)
        ),
        distinct_values as (  -- each value parsed once, counted as often as it appears
            select col, v, count(*) as n from cells where v is not null group by col, v
        )"""


def profile_all(db: Database, table: str, header) -> list[Column]:
    """Every column's summary in one statement (the file unpivoted to column, value):
    a 100-column export is one scan, not a hundred. Then the date shapes of the columns
    the built-in parsing does not read."""
    columns = [Column(i, name) for i, name in enumerate(header)]
    if not columns:
        return columns
    found = db.fetchall(
        f"""
        with
        {_distinct_values(table, range(len(columns)))},
        slashed as (
            select *, regexp_matches(v, '^\\d{{1,2}}/\\d{{1,2}}/\\d{{2,4}}') as slash
            from distinct_values
        ),
        final as (
            select
                col,
                sum(n),
                count(*),
                coalesce(sum(n) filter (
                    where regexp_matches(v, '\\d') and parse_timestamp(v) is not null
                        -- a number is no date, a dotted date (31.12.2026) is
                        and (not regexp_full_match(v, '[+-]?[\\d.,]+')
                             or regexp_full_match(v, '\\d{{1,2}}\\.\\d{{1,2}}\\.\\d{{4}}'))
                ), 0),
                coalesce(sum(n) filter (
                    where regexp_full_match(v, '\\d{{13}}|\\d{{10}}') and parse_timestamp(v) is not null
                ), 0),
                coalesce(sum(n) filter (where parse_amount(v) is not null), 0),
                coalesce(sum(n) filter (where regexp_full_match(v, '[+-]?\\d[\\d.,]*\\s*%')), 0),
                coalesce(sum(n) filter (
                    where lower(v) in {sql_words(TRUE_WORDS + FALSE_WORDS)}
                ), 0),
                coalesce(sum(n) filter (where slash), 0),
                coalesce(sum(n) filter (where slash and parse_slash_date(v, 'mdy') is not null), 0),
                coalesce(sum(n) filter (where slash and parse_slash_date(v, 'dmy') is not null), 0)
            from slashed
            group by col
        )
        select * from final
        """
    )
    for col, *summary in found:
        column = columns[int(col[1:])]
        (column.filled, column.distinct, column.dates, column.epochs, column.numbers,
         column.percents, column.booleans, column.slash, column.mdy, column.dmy) = summary
    _find_formats(db, table, [
        c for c in columns
        if c.filled and c.dates + c.slash < c.filled and c.numbers < c.filled
    ])
    return columns


def _find_formats(db: Database, table: str, columns: list[Column]) -> None:
    """For each column, the strftime patterns (from FORMAT_CANDIDATES, in that order)
    that read the values the built-in parsing does not: a pattern is kept when it is the
    first to read some value. None unless dates then make up at least half of the
    column. One statement for every column."""
    if not columns:
        return
    first = " ".join(
        f"when try_strptime(v, $p{n}) is not null then {n}" for n in range(len(FORMAT_CANDIDATES))
    )
    found = db.fetchall(
        f"""
        with
        {_distinct_values(table, [c.index for c in columns])},
        unread as (
            select col, n, case {first} end as pattern
            from distinct_values
            where regexp_matches(v, '\\d') and parse_timestamp(v) is null
        ),
        final as (
            select col, pattern, sum(n) from unread group by col, pattern
        )
        select * from final
        """,
        {f"p{n}": pattern for n, pattern in enumerate(FORMAT_CANDIDATES)},
    )
    by_column: dict[int, dict[int | None, int]] = {}
    for col, pattern, count in found:
        by_column.setdefault(int(col[1:]), {})[pattern] = count
    for column in columns:
        counts = by_column.get(column.index, {})
        chosen = sorted(p for p in counts if p is not None)
        unread = counts.get(None, 0)
        if chosen and (column.filled - unread) * 2 >= column.filled:
            column.formats = [FORMAT_CANDIDATES[p] for p in chosen]


def is_date(column: Column) -> bool:
    return column.filled > 0 and (column.dates + column.slash) * 2 >= column.filled or bool(
        column.formats
    )


def is_named_date(column: Column) -> bool:
    """is_date, or Unix times (1735689600000) in a column whose header names a date: a
    number is a date only there, never in a file without a header."""
    return is_date(column) or column.filled > 0 and column.epochs > 0 and (
        column.dates + column.slash + column.epochs) * 2 >= column.filled
