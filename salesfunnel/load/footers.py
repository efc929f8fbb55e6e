"""A report's own lines after its records, which are never deals: footer lines (a
confidentiality notice, a copyright line, Salesforce's "Grand Totals (n records)") and a
totals row at the end, in the languages CRMs write reports in. A preset may have its own
footer pattern (Salesforce's); every other file gets REPORT_FOOTER."""

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
    condition = (
        f"len(list_filter([{cells}], lambda x: regexp_full_match(x, $label, 'i'))) = 1 "
        f"and len(list_filter([{cells}], lambda x: not regexp_full_match(x, $label, 'i') "
        "and parse_any_amount(x) is null)) = 0"
    )
    skipped = db.scalar(
        f"""
        with
        last_records as (
            select rowid as id, {condition} as is_total
            from csv_records
            where rowid > (select max(rowid) from csv_records) - $tail
        ),
        final as (
            select id from last_records
            where is_total
                and id > (select coalesce(max(id), -1) from last_records where not is_total)
        )
        select list(id) from final
        """,
        {"label": TOTALS_LABEL, "tail": 20},
    )
    if skipped:
        db.execute("delete from csv_records where rowid in (select unnest($ids))", {"ids": skipped})
        plan.notices.append(
            f"{len(skipped)} report totals row{'s' if len(skipped) > 1 else ''} at the end of the "
            "file skipped: not deals"
        )


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
