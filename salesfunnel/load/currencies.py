"""`salesfunnel init`: the currencies a deals export's amounts are in. Amounts in
several currencies are said on stderr and get a commented [currency] table in the
proposal, with a blank rate for each currency but the report's (a rate is never
guessed)."""

from __future__ import annotations

from salesfunnel.config import currency_tally, rates_to_fill
from salesfunnel.db import Database, quote_ident
from salesfunnel.load.infer import FileFacts
from salesfunnel.load.vocabulary import header_currency


def count_currencies(db: Database, facts: FileFacts) -> None:
    """A deals file's currencies as the load reads them (the currency cell, else the code
    or one-currency symbol the amount is written with: `€500,00`, `99 GBP`) with how many
    rows that have an amount hold each, into `facts.currencies`; the rows with an amount
    that name none ($ is several currencies) into `facts.amounts_without_currency`."""
    currency, amount = facts.fields.get("currency"), facts.fields.get("amount")
    if facts.kind != "deals" or amount is None:
        return
    amount_text = f"nullif(trim_spaces(({amount.sql})::varchar), '')"
    code = f"amount_currency({amount_text})"
    named = header_currency(amount.name)
    params = None
    if currency is None and named is not None:  # `Amount (EUR)`: as the load reads it
        code, params = "$header_currency::varchar", {"header_currency": named[1]}
    if currency is not None:
        code = f"coalesce(currency_cell(nullif(trim_spaces(({currency.sql})::varchar), '')), {code})"
    counts = db.fetchall(
        f"select {code}, count(*) from {quote_ident(facts.table)} "
        f"where {amount_text} is not null group by 1 order by 2 desc, 1",
        params,
    )
    facts.currencies = {name: count for name, count in counts if name is not None}
    facts.amounts_without_currency = sum(count for name, count in counts if name is None)


def currency_note(files: list[FileFacts]) -> str | None:
    """What init says when the deals' amounts are in several currencies: the reports
    that add amounts up refuse (exit 6) until --currency picks one or the config
    converts them; None for one currency or none."""
    counts = _currency_counts(files)
    unnamed = _unnamed(files, counts)
    if len(counts) < 2 and not unnamed:
        return None
    several = (f"the amounts are in {len(counts)} currencies ({currency_tally(counts)} rows)"
               if len(counts) > 1 else
               f"{counts[0][1]:,} amount{'s are' if counts[0][1] != 1 else ' is'} in {counts[0][0]}")
    return (
        f"note: {several}{_unnamed_text(unnamed)}: rank, dropoff, tiers, plan, pulse and the "
        "pack never add amounts of different or unknown currencies up. Give the reports "
        f"--currency {counts[0][0]}, or convert them when loading: fill in the rates of the "
        "commented [currency] table in the proposal (left blank: a rate is no guess)."
    )


def _unnamed(files: list[FileFacts], counts: list[tuple[str, int]]) -> int:
    """Amounts that name no currency beside amounts that do (else nothing to say)."""
    return sum(facts.amounts_without_currency for facts in files) if counts else 0


def _unnamed_text(unnamed: int) -> str:
    if not unnamed:
        return ""
    return (f", and {unnamed:,} amount{'s name' if unnamed != 1 else ' names'} no currency "
            "($ or a plain number, no currency column)")


def _currency_counts(files: list[FileFacts]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for facts in files:
        for code, count in facts.currencies.items():
            counts[code] = counts.get(code, 0) + count
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def currency_lines(files: list[FileFacts]) -> list[str]:
    """A commented [currency] table for amounts in several currencies: the most used
    is the report currency, and every other needs a rate only the user knows."""
    counts = _currency_counts(files)
    unnamed = _unnamed(files, counts)
    if len(counts) < 2 and not unnamed:
        return []
    report = counts[0][0]
    lines = [
        f"# The amounts are in {len(counts)} currenc{'ies' if len(counts) > 1 else 'y'} "
        f"({currency_tally(counts)} rows){_unnamed_text(unnamed)}.",
        "# Reports never add amounts in different currencies up: pick one with --currency, or",
        "# convert them when loading. Uncomment, and give one unit of each currency in",
        f"# {report} (a currency without a rate loads with an unknown amount):",
    ]
    if unnamed:
        lines += [f"# (with a report currency, an amount that names none is taken to be in {report}:",
                  "# map a currency column first if it is not)"]
    lines += [
        "# [currency]",
        f'# report = "{report}"',
        *([f"# rates = {rates_to_fill(code for code, _ in counts[1:])}"] if len(counts) > 1 else []),
        "",
    ]
    return lines
