"""Currencies in the reports: amounts are never added across currencies, nor an amount
of unknown currency to others, and a report that sums amounts says which deals'
amounts are unknown in the report currency (no rate for their currency)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from salesfunnel.config import currency_tally, rates_to_fill
from salesfunnel.errors import QueryError, UsageError

if TYPE_CHECKING:
    from salesfunnel.db import Database


def scope_currency(db: Database, currency: str | None) -> list[str]:
    """Amounts are never summed across currencies, nor an amount of unknown currency
    with others. With `currency` (--currency), the reports see only the deals in it
    (a code no deal has is a UsageError naming the codes they have);
    without it, a database holding amounts in more than one currency, or amounts in one
    currency beside amounts with no currency (a blank currency cell), is a QueryError
    naming them and what would resolve it. Returns notices."""
    # the currencies, and how many deals with an amount have none (one scan)
    by_currency = dict(db.fetchall(
        "select currency, count(*) filter (where amount is not null) from deal_facts "
        "group by currency"
    ))
    codes = sorted(code for code in by_currency if code is not None)
    unknown = by_currency.get(None, 0) if codes else 0
    if currency is not None and currency.strip():
        code = currency.strip().upper()
        if code not in codes:  # a filter that matches nothing known: a typo, as --tier's
            held = (f"the deals' currencies are {', '.join(codes)}" if codes else
                    "no deal has a currency (the exports loaded had no currency column, or "
                    "it was empty)")
            raise UsageError(f"--currency {currency.strip()!r} matches no deal: {held}.")
        db.restrict_to_currency(code)
        return [*unconverted_notices(db), *([
            f"{unknown:,} deal{'s' if unknown != 1 else ''} with an amount but no currency "
            f"{'are' if unknown != 1 else 'is'} left out with the deals in other currencies "
            f"(--currency {code} counts only the deals in {code})."
        ] if unknown else [])]
    if len(codes) > 1:
        raise QueryError(
            f"The deals' amounts are in {len(codes)} currencies ({', '.join(codes)}), and "
            "amounts in different currencies are never added up. Pick one with --currency "
            f"{codes[0]}, or convert them when loading: add to the config file [currency] "
            f'report = "{codes[0]}" and rates = {rates_to_fill(codes[1:])} (one unit of each '
            f"currency in {codes[0]}), then load the exports again with --force."
        )
    if unknown:
        deals = f"{unknown:,} deal{'s' if unknown != 1 else ''}"
        raise QueryError(
            f"The deals' amounts are in {codes[0]}, but {deals} with an amount "
            f"{'have' if unknown != 1 else 'has'} no currency (a blank currency cell), and "
            f"an amount of unknown currency is never added to {codes[0]}. Pick --currency "
            f"{codes[0]} (it leaves them out), or, when they are in {codes[0]}, say so in "
            f'the config file: [currency] report = "{codes[0]}" (a deal without a currency '
            "is then in the report currency), and load the exports again with --force."
        )
    return unconverted_notices(db)


def unconverted_notices(db: Database) -> list[str]:
    """What a report that sums amounts must say when some deals' amounts are unknown in
    the report currency (facts/unconverted_amounts: no rate for their currency): no sum
    counts them, and which rates would. Empty when every amount is converted."""
    rows = db.unconverted_amounts()
    if not rows:
        return []
    total = sum(count for _, count in rows)
    have = "have" if total != 1 else "has"
    return [
        f"{total:,} deal{'s' if total != 1 else ''} ({currency_tally(rows)}) {have} no amount "
        "here: the config's [currency] has no rate for the currency, so no sum counts "
        f"{'them' if total != 1 else 'it'} (the amount is unknown, not zero). Add rates = "
        f"{rates_to_fill(code for code, _ in rows)} and load the exports again with --force."
    ]


def mrr_currency_notices(db: Database) -> list[str]:
    """What churn and tiers say when the subscriptions' MRR is in more than one currency,
    or in one beside MRR of no known currency (facts/mrr_currencies): MRR is never added
    across them, so mrr_lost and avg_mrr are unknown, and which [currency] would convert
    them. Empty when the MRR is in one currency (or none is loaded)."""
    db.ensure("mrr_currencies")
    rows = db.fetchall("select currency, subscriptions from mrr_currencies")
    if len(rows) <= 1:
        return []
    codes = [code for code, _ in rows if code is not None]
    unknown = sum(count for code, count in rows if code is None)
    held = ", ".join(f"{count:,} in {code}" for code, count in rows if code is not None) + (
        f", {unknown:,} without a currency" if unknown else "")
    target = codes[0]
    return [
        f"the subscriptions' MRR is in more than one currency ({held}), and MRR in different "
        "currencies is never added up: churn's mrr_lost and tiers' avg_mrr are unknown "
        f'(shown as –). Convert them when loading: add to the config file [currency] report = '
        f'"{target}"' + (f" and rates = {rates_to_fill(codes[1:])} (one unit of each currency "
                         f"in {target})" if len(codes) > 1 else "")
        + ("; MRR without a currency is then in the report currency" if unknown else "")
        + ", then load the subscriptions again with --force."
    ]
