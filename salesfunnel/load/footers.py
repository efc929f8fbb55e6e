"""A report's own lines after its records, which are never deals: footer lines (a
confidentiality notice, a copyright line, Salesforce's "Grand Totals (n records)") and a
totals row at the end, in the languages CRMs write reports in; and the header repeated
above each group of a board exported group by group (monday.com). A preset may have its own
footer pattern (Salesforce's); every other file gets REPORT_FOOTER. `structure_problems`
tells the records DuckDB rejected from the report's footer lines after them."""

from __future__ import annotations

from salesfunnel.db import Database, quote_ident
from salesfunnel.load.presets import FilePlan

REPORT_FOOTER = (
    r'^\s*"?\s*(grand totals? \(\d[\d,.]* (records?|rijen)\)|'
    r"(confidential|vertrouwelijke?|vertraulich|confidentiel(le)?|confidencial|riservat[oa]|"
    r"конфиденциальн\w*)( information| informatie| informationen| informação)?\b.*|"
    r"copyright\s*(\(c\)|©).*|©.*)\s*\"?\s*$"
)
# the label of a report's totals row (Salesforce "Total", Dutch "Totaal", German "Summe")
TOTALS_LABEL = (
    r"(grand |sub)?totals?(:| \(.*\))?|(eind|sub)?totaal|totalen|gesamt(summe)?|summe|"
    r"zwischensumme|total g[ée]n[ée]ral|sous-total|totale|итого|всего|合计|总计|小计"
)

# a report's totals rows are among its last records
TAIL_RECORDS = 20


def skip_totals_rows(db: Database, plan: FilePlan, columns: list[int] | None, width: int) -> None:
    """A report's totals rows at the end of the file (one cell a totals label, every other
    filled cell a number) are not deals: deleted, and said in the load summary. Only the
    last records are looked at (a report's footer), so the lines of the others stay. The
    numbers are read by the checking parser (parse_any_amount), whatever parsers the
    previous file of the load left in place."""
    indexes = columns if columns is not None else range(width)
    cells = ", ".join(f"nullif(trim({quote_ident(f'c{i}')}), '')" for i in indexes if i < width)
    if not cells:
        return
    labelled = f"len(list_filter([{cells}], lambda x: regexp_full_match(x, $label, 'i'))) = 1"
    last = "rowid > (select max(rowid) from csv_records) - $tail"
    # most files end in a deal: this small statement rules them out without planning the
    # amount parser, a tenth of a small file's load
    if not db.scalar(f"select count(*) from csv_records where {last} and {labelled}",
                     {"label": TOTALS_LABEL, "tail": TAIL_RECORDS}):
        return
    condition = (
        f"{labelled} and len(list_filter([{cells}], lambda x: not regexp_full_match(x, $label, 'i') "
        "and parse_any_amount(x) is null)) = 0"
    )
    skipped = db.scalar(
        f"""
        with
        last_records as (
            select rowid as id, {condition} as is_total
            from csv_records
            where {last}
        ),
        final as (
            select id from last_records
            where is_total
                and id > (select coalesce(max(id), -1) from last_records where not is_total)
        )
        select list(id) from final
        """,
        {"label": TOTALS_LABEL, "tail": TAIL_RECORDS},
    )
    if skipped:
        db.execute("delete from csv_records where rowid in (select unnest($ids))", {"ids": skipped})
        plan.notices.append(
            f"{len(skipped)} report totals row{'s' if len(skipped) > 1 else ''} at the end of the "
            "file skipped: not deals"
        )


def repeated_header_condition(header: tuple[str, ...], indexes) -> tuple[str, list[str]] | None:
    """An SQL condition on a record of csv_records (its columns c<i>, `indexes` of them
    kept) true when it repeats the header (null or false otherwise), and the header names it compares with (a
    bound parameter $headers); None when fewer than two kept columns have a name."""
    named = [i for i in indexes if i < len(header) and header[i].strip()]
    if len(named) < 2:
        return None
    cells = [f"lower(trim({quote_ident(f'c{i}')}))" for i in named]
    names = [header[i].strip().lower() for i in named]
    # the first cell alone first: a plain comparison rules out nearly every record cheaply
    # (a fifth of the list comparison's time over a million records)
    return (f"{cells[0]} = $headers[1] and coalesce([{', '.join(cells)}] = $headers, false)",
            names)


def skip_repeated_headers(
    db: Database, plan: FilePlan, header: tuple[str, ...], columns: list[int] | None,
    width: int,
) -> None:
    """A board exported group by group (monday.com) repeats its header above each group,
    under the group's name: a record that repeats the header, and a record whose only
    filled cell is the first one right above such a record (the group's name), are not
    deals: deleted (their rowids stay gaps, so every other record keeps its line), and
    said in the load summary."""
    indexes = list(columns if columns is not None else range(width))
    found = repeated_header_condition(header, indexes)
    if found is None:
        return
    condition, names = found
    if not db.scalar(f"select count(*) from csv_records where {condition}", {"headers": names}):
        return
    others = [quote_ident(f"c{i}") for i in indexes if 0 < i < width]
    one_cell = " and ".join([f"{quote_ident('c0')} is not null", *(f"{c} is null" for c in others)])
    headers, titles = db.fetchall(
        f"""
        with
        marked as (
            select rowid as id, {condition} as is_header, {one_cell} as is_title
            from csv_records
        ),
        ordered as (
            select *, lead(is_header) over (order by id) as above_header from marked
        ),
        final as (
            select id, is_header from ordered where is_header or (is_title and above_header)
        )
        select list(id) filter (where is_header), list(id) filter (where not is_header)
        from final
        """,
        {"headers": names},
    )[0]
    db.execute("delete from csv_records where rowid in (select unnest($ids))",
               {"ids": [*headers, *(titles or [])]})
    said = f"{len(headers)} repeated header line{'s' if len(headers) > 1 else ''}"
    if titles:
        said += f" and {len(titles)} group name line{'s' if len(titles) > 1 else ''} above them"
    plan.notices.append(f"{said} skipped (the header repeated above a group of records): not records")


def any_totals_rows(db: Database, kept: list[str]) -> bool:
    """Whether the last records of any file of a batch (csv_records with `filename`, the
    columns `kept`) look like a totals row, as skip_totals_rows judges them (the
    file-by-file path then deletes and reports them)."""
    cells = ", ".join(f"nullif(trim({quote_ident(name)}), '')" for name in kept)
    return bool(db.scalar(
        f"""
        select count(*) from (
            select [{cells}] as cells from csv_records
            qualify row_number() over (partition by filename order by rowid desc) <= 20
        )
        where len(list_filter(cells, lambda x: regexp_full_match(x, $label, 'i'))) = 1
            and len(list_filter(cells, lambda x: not regexp_full_match(x, $label, 'i')
                and parse_any_amount(x) is null)) = 0
        """,
        {"label": TOTALS_LABEL},
    ))


def structure_problems(
    db: Database, expected: int, footer: str | None, delimiter: str, header_lines: int,
    above: int,
) -> None:
    """csv_structure_problems: one row per record DuckDB rejected, with the reason and its
    line in the user's file (`above`: a sheet's blank rows above the CSV copy's start).

    A report's footer is no record: the rejected lines after the file's last record,
    when each is one cell (a quoted text, or no delimiter) and one of them matches the
    footer pattern (copyright, confidential, grand totals), are that footer with the
    one-cell lines around it ("Total", "Generated By: ...", the company name, a quoted
    empty line). They go to csv_footer_lines, counted, not rejected; so does a line
    matching the pattern anywhere."""
    db.execute(
        """
        create or replace temp table csv_problem_lines as
        with
        problems as (
            select
                line,
                left(ltrim(any_value(csv_line order by column_idx), E'\r\n'), 500) as value,
                any_value(error_type order by column_idx) as error_type
            from csv_errors
            group by line
        ),
        marked as (
            select
                *,
                $footer is not null
                    and regexp_full_match(trim(value, E' \r\n,'), $footer, 'i') as is_footer,
                error_type = 'MISSING COLUMNS' and (
                    regexp_full_match(trim(value, E' \r\n'), '"[^"]*"')
                    or not contains(value, $delimiter)
                ) as one_cell,
                -- the records DuckDB kept before this line: the lines after the header
                -- less the rejected and the empty ones
                line - $header_lines - row_number() over (order by line)
                    - (select count(*) from csv_blank_lines as blank
                       where blank.line < problems.line + $above) as records_before
            from problems
        ),
        final as (
            select
                line, value, error_type, is_footer, one_cell,
                records_before >= (select count(*) from csv_records) as after_records
            from marked
        )
        select * from final
        """,
        {"footer": footer, "delimiter": delimiter, "header_lines": header_lines,
         "above": above},
    )
    db.execute(
        """
        create or replace temp table csv_footer_lines as
        with
        tail as (
            select line, value, is_footer
            from csv_problem_lines
            where after_records and one_cell
        ),
        final as (
            select line, line + $above as user_line, value
            from tail where exists (select 1 from tail where is_footer)
            union
            select line, line + $above as user_line, value
            from csv_problem_lines where is_footer
        )
        select * from final
        """,
        {"above": above},
    )
    db.execute(
        """
        create or replace temp table csv_structure_problems as
        with
        problems as (
            select line, value, error_type
            from csv_problem_lines
            where line not in (select line from csv_footer_lines)
        ),
        final as (
            select
                line + $above as line,
                null::varchar as column_name,
                value,
                case error_type
                    when 'MISSING COLUMNS' then 'too few fields (expected ' || $expected || ')'
                    when 'TOO MANY COLUMNS' then 'too many fields (expected ' || $expected || ')'
                    when 'UNQUOTED VALUE' then 'unclosed or stray double quote'
                    when 'LINE SIZE OVER MAXIMUM' then 'line longer than 64 MiB'
                    else lower(error_type)
                end as reason
            from problems
        )
        select * from final
        """,
        {"expected": expected, "above": above},
    )
