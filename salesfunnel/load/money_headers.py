"""Which raw columns a plan's expression reads, and amount headers that name their
currency (`Amount (EUR)`, `Betrag in CHF`): the currency of every row of a file without a
currency column. Used by presets.py while it builds a file's plan."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from salesfunnel.load.vocabulary import header_currency

_RAW_COLUMN = re.compile(r'"c(\d+)"')


def columns_in(expr: str) -> set[int]:
    """The raw columns (c0..cN, as _col writes them) a plan's SQL expression reads."""
    return {int(i) for i in _RAW_COLUMN.findall(expr)}


MONEY_FIELDS = ("amount", "mrr")  # fields whose header may name their currency


@lru_cache(maxsize=64)
def money_headers(header: tuple[str, ...]) -> tuple[tuple[int, str, str], ...]:
    """(column, header without its currency, currency code) of each header that ends with
    the currency of its values (`Amount (EUR)`, `Betrag in CHF`)."""
    found = []
    for index, name in enumerate(header):
        named = header_currency(name)
        if named is not None:
            found.append((index, *named))
    return tuple(found)


def currency_from_header(plan: Any, header: tuple[str, ...]) -> None:
    """A file without a currency column whose amount (MRR) header names a currency
    (`Amount (EUR)`, `Betrag in CHF`): that is the currency of its every row, as a
    currency column would say (a bound parameter), and the load summary says so. `plan`:
    the presets.FilePlan being built (its fields, params and notices are completed)."""
    money = "amount" if plan.kind == "deals" else "mrr" if plan.kind == "subscriptions" else None
    if money not in plan.fields or "currency" in plan.fields:
        return
    columns = columns_in(plan.fields[money])
    if len(columns) != 1:
        return
    index = next(iter(columns))
    named = header_currency(header[index]) if index < len(header) else None
    if named is None:
        return
    plan.fields["currency"] = "$header_currency"
    plan.params["header_currency"] = named[1]
    what = "MRR" if money == "mrr" else money
    plan.notices.append(f"the currency of every {what} is {named[1]}, as its header "
                        f"{header[index]!r} says (no currency column)")
