"""`salesfunnel init`: the currencies a deals export's amounts are in. Amounts in
several currencies are said on stderr and get a commented [currency] table in the
proposal, with a blank rate for each currency but the report's (a rate is never
guessed)."""

from __future__ import annotations

from salesfunnel.config import currency_tally, rates_to_fill
from salesfunnel.db import Database, quote_ident
from salesfunnel.load.infer import FileFacts


def count_currencies(db: Database, facts: FileFacts) -> None:
    """A deals file's currency codes (as the load reads them: trimmed, upper case) with
    how many rows that have an amount hold each, into `facts.currencies`."""
    currency, amount = facts.fields.get("currency"), facts.fields.get("amount")
    if facts.kind != "deals" or currency is None or amount is None:
        return
    facts.currencies = dict(db.fetchall(
        f"select upper(trim({currency.sql})), count(*) from {quote_ident(facts.table)} "
        f"where nullif(trim({currency.sql}), '') is not null "
        f"and nullif(trim({amount.sql}), '') is not null group by 1 order by 2 desc, 1"
    ))


def currency_note(files: list[FileFacts]) -> str | None:
    """What init says when the deals' amounts are in several currencies: the reports
    that add amounts up refuse (exit 6) until --currency picks one or the config
    converts them; None for one currency or none."""
    counts = _currency_counts(files)
    if len(counts) < 2:
        return None
    return (
        f"note: the amounts are in {len(counts)} currencies ({currency_tally(counts)} rows): "
        "rank, dropoff, tiers, plan, pulse and the pack never add them up. Give the reports "
        "--currency "
        f"{counts[0][0]}, or convert them when loading: fill in the rates of the commented "
        "[currency] table in the proposal (left blank: a rate is no guess)."
    )


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
    if len(counts) < 2:
        return []
    report = counts[0][0]
    return [
        f"# The amounts are in {len(counts)} currencies ({currency_tally(counts)} rows), "
        "and reports",
        "# never add amounts in different currencies up: pick one with --currency, or",
        "# convert them when loading. Uncomment, and give one unit of each currency in",
        f"# {report} (a currency without a rate loads with an unknown amount):",
        "# [currency]",
        f'# report = "{report}"',
        f"# rates = {rates_to_fill(code for code, _ in counts[1:])}",
        "",
    ]
