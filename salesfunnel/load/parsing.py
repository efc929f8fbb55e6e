"""How a file's values are parsed: the order of its slash dates (month-first or
day-first, for the whole file), the decimal mark of its amounts (point or comma, for
the whole file) and, when every date and amount has the plain shape,
the one-cast parsers instead of the checking ones (load_macros.sql defines both)."""

from __future__ import annotations

from salesfunnel.db import Database
from salesfunnel.errors import InputError
from salesfunnel.kinds import DATE_FIELDS
from salesfunnel.load.presets import FilePlan
from salesfunnel.load.records import params_in
from salesfunnel.load.sniff import CsvLayout

# the canonical fields the staging SQL parses as amounts
AMOUNT_FIELDS = ("amount", "mrr")
# (macro, its body for plain values, its checking body): load_macros.sql defines both
_PARSERS = (
    ("parse_timestamp", "try_cast(x as timestamp)", "parse_any_timestamp(x)"),
    ("date_zone_name", "false", "has_zone_name(x)"),
    ("parse_amount", "try_cast(x as double)", "parse_any_amount(x)"),
)


def choose_parsing(db: Database, layout: CsvLayout, plan: FilePlan, asked: str | None,
                   decimal_asked: str | None) -> tuple[str | None, str | None, str | None]:
    """(date order, decimal mark, a notice on the mark) of the file, from one look at its values: slash dates
    (03/04/2026) are month-first or day-first for the whole file, the one every value
    fits; `asked` (--date-format or the config) when both fit; else an error. The
    decimal mark: see _decimal_mark."""
    expressions = [f"({plan.fields[f]})" for f in DATE_FIELDS if f in plan.fields]
    expressions += [f"({expr})" for _, expr, _ in plan.stage_dates]
    order = None
    slashes, plain_dates, plain_amounts, marks = value_shapes(db, plan)
    if not slashes:
        expressions = []
    if expressions:
        values = " union all ".join(
            f"select nullif(trim({expr}::varchar), '') as v from csv_records as records"
            for expr in expressions
        )
        sql = f"""
            with dates as ({values}),
            slashed as (
                select v from dates
                where contains(v, '/') and regexp_matches(v, '^\\d{{1,2}}/\\d{{1,2}}/(\\d{{4}}|\\d{{2}}\\b)')
            )
            select
                count(*),
                count(*) filter (where parse_slash_date(v, 'mdy') is not null),
                count(*) filter (where parse_slash_date(v, 'dmy') is not null),
                min(v)
            from slashed
            """
        slash, month_first, day_first, sample = db.fetchall(sql, params_in(sql, plan.params))[0]
        if slash:
            order = asked or "mdy"
            if month_first == slash and day_first < slash:
                order = "mdy"
            elif day_first == slash and month_first < slash:
                order = "dmy"
            elif month_first == slash and day_first == slash and not asked:
                raise InputError(
                    f"{layout.path}: every date like {sample} fits both month-first (MM/DD/YYYY) "
                    "and day-first (DD/MM/YYYY), so the order cannot be told from the data. Say "
                    "which with --date-format mdy|dmy, or [dates] order in the config file."
                )
            elif not asked:
                order = "mdy" if month_first >= day_first else "dmy"
    # a constant for the statements that parse (load_macros.sql); mdy or dmy only
    db.execute(f"set variable salesfunnel_date_order = '{'dmy' if order == 'dmy' else 'mdy'}'")
    use_plain_parsers(db, dates=bool(plain_dates), amounts=bool(plain_amounts))
    return (order, *_decimal_mark(db, layout, marks, decimal_asked))


def _decimal_mark(db: Database, layout: CsvLayout, marks: tuple[int, int, int],
                  asked: str | None) -> tuple[str | None, str | None]:
    """The decimal mark of a file's amounts, for the whole file (as the date order is):
    `asked` ([amounts] decimal) when given; a comma when some amount shows a decimal
    comma (1200,50, 1.234,56) or dots grouping thousands (1.234.567) and none shows a
    decimal point (1200.50, 1,234.56); also a comma when the only dotted amounts are a
    dot then three digits (12.000), either reading, in a semicolon-separated file (what
    Excel writes where the comma is the decimal mark); else a point. Returns "," when
    the comma was chosen (the load summary says so), else None, and a notice when amounts
    like 12.000 were read with a decimal point without a word from the data or the
    config, or when amounts show both marks (a point is chosen, and amounts with one mark
    only may be misread); sets the variable the parsing reads and, for a comma, the checking parser
    (its first cast reads 12.000 as twelve)."""
    comma, point, thousands_dot = marks
    if asked is not None:
        mark = asked
    elif comma and not point:
        mark = ","
    elif thousands_dot and not comma and not point and layout.delimiter == ";":
        mark = ","
    else:
        mark = "."
    db.execute(f"set variable salesfunnel_decimal_mark = '{',' if mark == ',' else '.'}'")
    if mark == ",":
        db.execute("create or replace temp macro parse_amount(x) as parse_any_amount(x)")
    notice = None
    if mark == "." and asked is None and thousands_dot and not point:
        notice = (
            f"{thousands_dot} amount{'s' if thousands_dot > 1 else ''} like 12.000 read with a "
            "decimal point (12.000 is twelve): no amount of the file shows its decimal mark. "
            'If the dot groups thousands, say [amounts] decimal = "," in the config file.'
        )
    if asked is None and comma and point:
        notice = (
            f"the amounts show both decimal marks: {comma:,} a decimal comma (1.234,56) and "
            f"{point:,} a decimal point (1,234.56). Read with a decimal point, so an amount "
            "with one mark only may be misread (1,5 and 1.234 read either way). Say which "
            'mark the file uses with [amounts] decimal = "," or "." in the config file, or '
            "export the amounts in one format."
        )
    return ("," if mark == "," and (comma or thousands_dot or asked) else None), notice


def value_shapes(db: Database, plan: FilePlan) -> tuple[int, bool, bool, tuple[int, int, int]]:
    """One look at csv_records' date and amount values: how many records hold a slash in
    a date (most exports have none), whether every date and every amount has the
    plain shape the staging can parse with one cast, and how many amounts show a decimal
    comma, a decimal point, or a dot then three digits (amount_mark_evidence)."""
    expressions = [f"({plan.fields[f]})" for f in DATE_FIELDS if f in plan.fields]
    expressions += [f"({expr})" for _, expr, _ in plan.stage_dates]
    amounts = [f"({plan.fields[f]})" for f in AMOUNT_FIELDS if f in plan.fields]
    if not expressions and not amounts:
        return 0, True, True, (0, 0, 0)
    any_slash = " or ".join(f"contains({expr}::varchar, '/')" for expr in expressions)
    dates_plain = " and ".join(
        f"coalesce(plain_iso_timestamp(nullif(trim({expr}::varchar), '')), true)"
        for expr in expressions)
    amounts_plain = " and ".join(
        f"coalesce(plain_amount(nullif(trim({expr}::varchar), '')), true)" for expr in amounts)
    # each amount's evidence computed once (a column), then counted three ways
    marks = ", ".join(f"{_mark(expr)} as mark_{n}" for n, expr in enumerate(amounts))
    evidence = [
        f"count(*) filter (where {' or '.join(f'mark_{n} = {kind!r}' for n in range(len(amounts)))})"
        if amounts else "0"
        for kind in ("comma", "point", "thousands dot")
    ]
    sql = (
        f"select count(*) filter (where {any_slash or 'false'}), "
        f"coalesce(bool_and({dates_plain or 'true'}), true), "
        f"coalesce(bool_and({amounts_plain or 'true'}), true), "
        f"{', '.join(evidence)} "
        f"from (select *{', ' + marks if marks else ''} from csv_records as records) as records"
    )
    slashes, dates, amounts_ok, *marks = db.fetchall(sql, params_in(sql, plan.params))[0]
    return slashes, bool(dates), bool(amounts_ok), tuple(marks)


def _mark(expr: str) -> str:
    # digits, marks and signs only: the evidence needs no currency or parentheses
    return f"amount_mark_evidence(regexp_replace({expr}::varchar, '[^\\d.,+-]', '', 'g'))"


def use_plain_parsers(db: Database, *, dates: bool, amounts: bool) -> None:
    """The parsing macros the staging SQL calls (load_macros.sql): the one cast for a
    file whose date values (or amounts) all have the plain shape, else the checking
    parsers. Both give the same value for a plain one; the cast is a far smaller
    statement to plan (a third of a small file's staging)."""
    for name, plain, checking in _PARSERS:
        body = plain if (dates if name != "parse_amount" else amounts) else checking
        db.execute(f"create or replace temp macro {name}(x) as {body}")
