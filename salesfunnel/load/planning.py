"""Before a load writes anything: the kind asked for each file (--kind, [files] kinds),
the checks on each file's plan, the funnel the load uses, and the config's [currency]
(with, after the load, what it could not convert).
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

from salesfunnel.config import Config, Funnel, currency_tally, rates_to_fill
from salesfunnel.db import Database
from salesfunnel.errors import InputError
from salesfunnel.kinds import KindSpec
from salesfunnel.load import presets
from salesfunnel.load.money_headers import columns_in
from salesfunnel.load.presets import FilePlan
from salesfunnel.load.sniff import CsvLayout


def kind_of(
    path: Path, kinds_by_path: tuple[tuple[str, str], ...], every_file: str | None,
    config: Config,
) -> str | None:
    """The kind asked for this file: --kind KIND=PATH, else the first [files] kinds
    pattern matching its name, else --kind KIND; None = recognise it from the header."""
    for given, kind in kinds_by_path:
        if Path(given).resolve() == path.resolve():
            return kind
    for pattern, kind in config.file_kinds:
        if fnmatch.fnmatchcase(path.name, pattern):
            return kind
    return every_file


def install_currency(db: Database, config: Config) -> None:
    """The config's [currency] report currency and rates, for stage_deals.sql."""
    if config.currency is None:
        return
    db.execute(
        "create or replace temp table currency_settings as select ?::varchar as report",
        [config.currency.report],
    )
    for code, rate in config.currency.rates:
        db.execute("insert into currency_rates values (?, ?)", [code, rate])


def unconverted_note(db: Database, config: Config) -> str | None:
    """After a load with [currency]: the loaded deals in a currency without a rate
    (facts/unconverted_amounts). They load with an unknown amount, not a guessed one,
    and the note names the rates that would convert them; None when every amount is
    converted."""
    if config.currency is None:
        return None
    rows = db.unconverted_amounts()
    if not rows:
        return None
    report = config.currency.report
    total = sum(count for _, count in rows)
    deals, are = ("deals are", "they are") if total != 1 else ("deal is", "it is")
    return (
        f"note: {total:,} {deals} in a currency without a rate to {report} "
        f"({currency_tally(rows)}): "
        f"{are} loaded and counted in conversion, but the amount in {report} is unknown "
        f"and no sum counts {'them' if total != 1 else 'it'}. Add to the config's [currency] rates "
        f"{rates_to_fill(code for code, _ in rows)} (one unit of each in {report}) and load "
        "again with --force."
    )


def require_one_of(spec: KindSpec, plan: FilePlan, layout: CsvLayout) -> None:
    """A kind whose key may come from either of two columns needs at least one of them."""
    if spec.one_of and not any(name in plan.fields for name in spec.one_of):
        raise InputError(
            f"{layout.path}: a {spec.name} file needs a {' or '.join(spec.one_of)} column "
            f"(and {', '.join(spec.required)}). Headers found: {', '.join(layout.header)}."
        )


def refuse_ambiguous_columns(plan: FilePlan, layout: CsvLayout) -> None:
    """A header name that appears twice is ambiguous when a field is read from it (which
    column holds the rep?): refuse rather than guess. Unused repeated columns are ignored."""
    key = presets.canonical_key if plan.preset == "canonical" else presets.header_key
    expressions = [*plan.fields.values(), *(expr for _, expr, _ in plan.stage_dates)]
    used = sorted(set().union(*map(columns_in, expressions)))
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(layout.header):
        positions.setdefault(key(name), []).append(index)
    for index in sorted(set(used) - plan.copies):
        same = positions.get(key(layout.header[index]), [])
        if len(same) > 1:
            raise InputError(
                f"{layout.path}: the column {layout.header[index]!r} appears {len(same)} times "
                f"(columns {', '.join(layout.column_label(i) for i in same)}), so which one to load cannot "
                "be told. Rename or remove the extra column and load again. Nothing was loaded."
            )


def funnel_for(db: Database, config: Config, plans: list[FilePlan], files: list[Path]) -> Funnel:
    """The config's funnel; else the one the database was loaded with; else the preset's."""
    if config.funnel is not None:
        return config.funnel
    implied = {}
    for plan, path in zip(plans, files, strict=True):
        preset_funnel = presets.preset_funnel(plan.preset)
        if preset_funnel is not None:
            implied.setdefault(preset_funnel, path)
    stored_text = db.meta("funnel")
    stored = Funnel.from_json(stored_text) if stored_text else None
    if len(implied) > 1:
        names = ", ".join(f"{path.name} ({' > '.join(f.stages)})" for f, path in implied.items())
        raise InputError(
            f"These files come from CRMs with different funnels: {names}. Load them into "
            "separate databases, or define one funnel in the config file."
        )
    if implied:
        wanted = next(iter(implied))
        if stored is not None and stored != wanted and has_data(db):
            raise InputError(
                f"The database holds deals of the funnel {' > '.join(stored.stages)}, but "
                f"{implied[wanted].name} is an export with the funnel {' > '.join(wanted.stages)}. "
                "Load it into another database (--db), or define the funnel in the config file."
            )
        return wanted
    return stored or Funnel()


def has_data(db: Database) -> bool:
    return bool(db.scalar("select count(*) from deals") or db.scalar("select count(*) from stage_history"))
