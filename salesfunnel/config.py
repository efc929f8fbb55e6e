"""The config file (the funnel itself is defined in funnel.py).

The config is TOML (documented in docs/config.md)::

    [funnel]
    stages = ["lead", "qualified", "opportunity", "won"]   # ordered; the last is the won stage
    lost = ["lost"]                                          # labels that mean lost

    [funnel.aliases]                                         # CRM label -> stage or lost label
    "sql" = "qualified"
    "closed won" = "won"
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salesfunnel.errors import EMPTY_VALUE, ConfigError, UsageError
from salesfunnel.funnel import Funnel, build_funnel, label_key

DEFAULT_CONFIG_NAME = "salesfunnel.toml"

# the tables of the config and the keys each takes: any other key is a ConfigError
# naming the table, the key and the closest known key ([funnel] checks its own keys,
# [columns.<kind>] tables map fields to headers)
TABLE_KEYS: dict[str, tuple[str, ...] | None] = {
    "funnel": None,
    "columns": None,
    "tiers": ("source", "column", "bands"),
    "dates": ("order", "formats"),
    "amounts": ("decimal",),
    "files": ("skip", "kinds", "header", "column_names", "escape"),
    "currency": ("report", "rates"),
    "load": ("full_exports",),
    "reports": ("stale_after_days",),
}
# a rate of one unit of a currency in the report currency: outside this a rate is a typo
# (and an amount times it would overflow or vanish)
MIN_RATE, MAX_RATE = 1e-9, 1e9


@dataclass(frozen=True)
class TierRule:
    """How tiers are derived: from a tier `column` (default), from numeric bands over an
    accounts column (`accounts`), or from bands over the deal amount (`amount`).
    `bands` are (upper limit exclusive, tier) in ascending order; the last may have no limit."""

    source: str = "column"
    column: str | None = None
    bands: tuple[tuple[float | None, str], ...] = ()


class DateOrder(enum.StrEnum):
    """`--date-format` choices: the order of slash dates such as 03/04/2026."""

    mdy = "mdy"
    dmy = "dmy"


DATE_ORDERS = tuple(DateOrder)


@dataclass(frozen=True)
class Config:
    """What the config file says. `funnel` is None when the file does not define one."""

    path: Path | None = None
    funnel: Funnel | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    tiers: TierRule | None = None
    date_order: str | None = None
    # [amounts] decimal: the decimal mark of amounts, "." or "," (else decided per file)
    decimal_mark: str | None = None
    skip_files: tuple[str, ...] = ()
    full_exports: bool = False  # [load] full_exports: each deals file lists every deal
    # [files] kinds: (file-name pattern, kind), in the config's order
    file_kinds: tuple[tuple[str, str], ...] = ()
    currency: CurrencySettings | None = None
    # [dates] formats: strftime patterns tried in order; "*" for every date column,
    # else a canonical date field (created_at, closed_at, ...) for that column only
    date_formats: dict[str, tuple[str, ...]] = field(default_factory=dict)
    stale_after_days: int = 7  # [reports] stale_after_days: the stale-data notice
    # [files] header = false: the files have no header row (database dumps); column_names
    # names their columns in order; escape = "\\" reads MySQL's backslash-escaped quotes
    has_header: bool = True
    column_names: tuple[str, ...] = ()
    escape: str = '"'


@dataclass(frozen=True)
class CurrencySettings:
    """[currency]: amounts are converted into `report` when loaded; one unit of a key of
    `rates` is that many units of `report`."""

    report: str
    rates: tuple[tuple[str, float], ...] = ()


def rates_to_fill(codes: Iterable[str]) -> str:
    """`{ EUR = <rate>, MXN = <rate> }`: the [currency] rates for these codes as every
    message and proposal asks the user to fill them in (a rate is never guessed)."""
    return "{ " + ", ".join(f"{code} = <rate>" for code in codes) + " }"


def currency_tally(counts: Iterable[tuple[str, int]]) -> str:
    """`COP 1, MXN 12`: currency codes, each with how many deals (or rows) it has."""
    return ", ".join(f"{code} {count:,}" for code, count in counts)


def resolve_config_path(option: str | None) -> Path | None:
    """--config wins, then $SALESFUNNEL_CONFIG, then ./salesfunnel.toml when it exists.
    An empty --config (an unset shell variable) is a UsageError, not "no config"."""
    if option is not None and not option.strip():
        raise UsageError(EMPTY_VALUE.format(flag="--config"))
    if option:
        return Path(option)
    env = os.environ.get("SALESFUNNEL_CONFIG")
    if env:
        return Path(env)
    default = Path(DEFAULT_CONFIG_NAME)
    return default if default.is_file() else None


def load_config(option: str | None) -> Config:
    """Read and validate the config file; defaults everywhere when there is none."""
    path = resolve_config_path(option)
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"The config file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The config file {path} cannot be read: {exc}.") from None
    import tomllib  # here, not at the top: a report without a config file skips it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The config file {path} is not valid TOML: {exc}.") from None
    _check_keys(data, path)
    funnel_table = data.get("funnel")
    funnel = None
    if funnel_table is not None:
        if not isinstance(funnel_table, dict):
            raise ConfigError(f"{path}: [funnel] must be a table.")
        funnel = build_funnel(funnel_table, source=str(path))
    _check_columns(data.get("columns"), path)
    return Config(
        path=path,
        funnel=funnel,
        raw=data,
        tiers=_tier_rule(data.get("tiers"), path),
        date_order=_date_order(data.get("dates"), path),
        date_formats=_date_formats(data.get("dates"), path),
        decimal_mark=_decimal_mark(data.get("amounts"), path),
        skip_files=_skip_files(data.get("files"), path),
        full_exports=_full_exports(data.get("load"), path),
        file_kinds=_file_kinds(data.get("files"), path),
        currency=_currency(data.get("currency"), path),
        stale_after_days=_stale_after_days(data.get("reports"), path),
        **_header_settings(data.get("files"), path),
    )


def _check_keys(data: dict[str, Any], path: Path) -> None:
    """Every table and key of the config is one the tool reads: a misspelt key
    (`[load] full_export = true`) would otherwise be ignored without a word."""
    for table, value in data.items():
        if table not in TABLE_KEYS:
            raise ConfigError(_unknown(path, "the config", table, list(TABLE_KEYS), "table"))
        known = TABLE_KEYS[table]
        if known is None or not isinstance(value, dict):
            continue  # wrong types are the table's own checks' business
        for key in value:
            if key not in known:
                raise ConfigError(_unknown(path, f"[{table}]", key, list(known), "key"))


def _unknown(path: Path, where: str, key: str, known: list[str], what: str) -> str:
    import difflib

    close = difflib.get_close_matches(key, known, n=1, cutoff=0)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return (f"{path}: {where} has an unknown {what} {key!r}.{hint} It takes "
            f"{', '.join(known)} (docs/config.md).")


def _check_columns(table: Any, path: Path) -> None:
    """[columns.<kind>] tables map a field to a header (or a list of headers); their
    stage_dates table maps a stage to a header. Anything else is a ConfigError here,
    before any file is read."""
    if table is None:
        return
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [columns] must hold one table per kind of file, "
                          f"like [columns.deals]; got {table!r}.")
    for kind, fields in table.items():
        if not isinstance(fields, dict):
            raise ConfigError(f"{path}: [columns.{kind}] must be a table of field = \"header\"; "
                              f"got {fields!r}.")
        for name, header in fields.items():
            if name == "stage_dates":
                if not isinstance(header, dict) or not all(
                    isinstance(v, str) for v in header.values()
                ):
                    raise ConfigError(
                        f"{path}: [columns.{kind}.stage_dates] must map stage names to "
                        f"headers (stage = \"header\"); got {header!r}."
                    )
                continue
            ok = isinstance(header, str) or (
                isinstance(header, list) and header and all(isinstance(h, str) for h in header)
            )
            if not ok:
                raise ConfigError(
                    f"{path}: [columns.{kind}] {name} must be a header name or a list of "
                    f"header names; got {header!r}."
                )


def _stale_after_days(table: Any, path: Path) -> int:
    if table is None:
        return 7
    value = table.get("stale_after_days", 7) if isinstance(table, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 36500:
        raise ConfigError(
            f"{path}: [reports] stale_after_days must be a whole number of days from 0 to "
            f"36500; got {value!r}."
        )
    return value


def _tier_rule(table: Any, path: Path) -> TierRule | None:
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tiers] must be a table.")
    source = table.get("source", "column")
    if source not in ("column", "accounts", "amount"):
        raise ConfigError(f"{path}: [tiers] source must be column, accounts or amount; got {source!r}.")
    column = table.get("column")
    if column is not None and not isinstance(column, str):
        raise ConfigError(f"{path}: [tiers] column must be a column name; got {column!r}.")
    if source == "accounts" and not isinstance(column, str):
        raise ConfigError(f"{path}: [tiers] source = accounts needs column = \"<accounts column>\".")
    bands: list[tuple[float | None, str]] = []
    if not isinstance(table.get("bands", []), list):
        raise ConfigError(f"{path}: [tiers] bands must be a list of {{ below = N, tier = \"name\" }}.")
    for band in table.get("bands", []):
        if not isinstance(band, dict) or not isinstance(band.get("tier"), str):
            raise ConfigError(f"{path}: each [tiers] band is {{ below = N, tier = \"name\" }}.")
        limit = band.get("below")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int | float)):
            raise ConfigError(f"{path}: [tiers] band below = {limit!r} is not a number.")
        bands.append((None if limit is None else float(limit), label_key(band["tier"])))
    if source != "column" and not bands:
        raise ConfigError(f"{path}: [tiers] source = {source} needs bands.")
    limits = [limit for limit, _ in bands if limit is not None]
    if limits != sorted(limits) or any(limit is None for limit, _ in bands[:-1]):
        raise ConfigError(
            f"{path}: [tiers] bands must ascend, and only the last may omit `below`."
        )
    return TierRule(source=source, column=column, bands=tuple(bands))


def _date_order(table: Any, path: Path) -> str | None:
    if table is None:
        return None
    order = table.get("order") if isinstance(table, dict) else None
    if order is None and isinstance(table, dict) and "formats" in table:
        return None
    if order not in DATE_ORDERS:
        raise ConfigError(f"{path}: [dates] order must be \"mdy\" or \"dmy\"; got {order!r}.")
    return order


def _decimal_mark(table: Any, path: Path) -> str | None:
    if table is None:
        return None
    mark = table.get("decimal") if isinstance(table, dict) else None
    if mark not in (".", ","):
        raise ConfigError(f"{path}: [amounts] decimal must be \".\" or \",\"; got {mark!r}.")
    return mark


def _date_formats(table: Any, path: Path) -> dict[str, tuple[str, ...]]:
    """[dates] formats = ["%d %b, %Y %H:%M:%S", ...] for every date column, or a table
    {created_at = [...], closed_at = [...]} per canonical date field."""
    if not isinstance(table, dict) or "formats" not in table:
        return {}
    formats = table["formats"]
    per_field = formats if isinstance(formats, dict) else {"*": formats}
    result: dict[str, tuple[str, ...]] = {}
    for name, patterns in per_field.items():
        if isinstance(patterns, str):
            patterns = [patterns]
        if (
            not isinstance(patterns, list) or not patterns
            or not all(isinstance(p, str) and "%" in p for p in patterns)
        ):
            raise ConfigError(
                f"{path}: [dates] formats must be a list of strftime patterns such as "
                f"\"%d %b, %Y %H:%M:%S\" (or a table of such lists per date field); got {patterns!r}."
            )
        result[name] = tuple(patterns)
    return result


def _skip_files(table: Any, path: Path) -> tuple[str, ...]:
    if table is None:
        return ()
    skip = table.get("skip", []) if isinstance(table, dict) else None
    if not isinstance(skip, list) or not all(isinstance(s, str) for s in skip):
        raise ConfigError(f"{path}: [files] skip must be a list of file names or patterns.")
    return tuple(skip)


def _header_settings(table: Any, path: Path) -> dict[str, Any]:
    """[files] header, column_names and escape (files without a header row)."""
    table = table if isinstance(table, dict) else {}
    header, names = table.get("header", True), table.get("column_names", [])
    escape = table.get("escape", '"')
    if not isinstance(header, bool):
        raise ConfigError(f"{path}: [files] header must be true or false; got {header!r}.")
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        raise ConfigError(f"{path}: [files] column_names must be a list of column names.")
    if names and header:
        raise ConfigError(
            f"{path}: [files] column_names names the columns of files without a header row; "
            "set header = false too (a file with a header row is read by its header)."
        )
    if not header and not names:
        raise ConfigError(
            f"{path}: [files] header = false needs column_names, the names of the columns in "
            'order (e.g. column_names = ["deal_id", "rep", "stage"]).'
        )
    if escape not in ('"', "\\"):
        raise ConfigError(
            f'{path}: [files] escape must be "\\"" (a doubled quote, the CSV standard) or '
            f'"\\\\" (a backslash, MySQL\'s dumps); got {escape!r}.'
        )
    return {"has_header": header, "column_names": tuple(n.strip() for n in names),
            "escape": escape}


def _full_exports(table: Any, path: Path) -> bool:
    if table is None:
        return False
    value = table.get("full_exports", False) if isinstance(table, dict) else None
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: [load] full_exports must be true or false; got {value!r}.")
    return value
def _file_kinds(table: Any, path: Path) -> tuple[tuple[str, str], ...]:
    """[files] kinds: file-name pattern -> kind (the loader checks the kinds' names)."""
    kinds = table.get("kinds", {}) if isinstance(table, dict) else {}
    if not isinstance(kinds, dict) or not all(isinstance(k, str) for k in kinds.values()):
        raise ConfigError(
            f'{path}: [files] kinds maps file-name patterns to kinds, e.g. '
            '{ "OpportunityHistory*.csv" = "history" }.'
        )
    return tuple(kinds.items())


def _currency(table: Any, path: Path) -> CurrencySettings | None:
    if table is None:
        return None
    if not isinstance(table, dict) or not isinstance(table.get("report"), str):
        raise ConfigError(f'{path}: [currency] needs report = "USD" (the report currency).')
    report = table["report"].strip().upper()
    rates = table.get("rates", {})
    if not isinstance(rates, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and MIN_RATE <= v <= MAX_RATE
        for v in rates.values()
    ):
        bad = [f"{k} = {v!r}" for k, v in rates.items()] if isinstance(rates, dict) else []
        raise ConfigError(
            f"{path}: [currency] rates maps currency codes to numbers from {MIN_RATE:g} to "
            f"{MAX_RATE:g} (one unit of the currency in the report currency), e.g. "
            f"rates = {{ EUR = 1.08 }}; got {', '.join(bad) or repr(rates)}."
        )
    codes = [report, *(k.strip().upper() for k in rates)]
    bad = [c for c in codes if len(c) != 3 or not c.isalpha()]
    if bad:
        raise ConfigError(f"{path}: [currency]: {', '.join(bad)} is not a currency code like USD.")
    return CurrencySettings(
        report, tuple((k.strip().upper(), float(v)) for k, v in rates.items())
    )
