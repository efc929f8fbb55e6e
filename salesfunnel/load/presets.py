"""Presets: how a CRM's export headers map onto the canonical fields.

A preset knows, for each kind of file it can read, which headers hold which
canonical field (several spellings each), which fields a file must have, and
the CRM's default funnel. `plan_file` matches a header against the presets (or
the one asked for) and returns a `FilePlan`: for every canonical field an SQL
expression over the raw text columns c0..cN, plus the columns that hold the
date a stage was entered. Header matching ignores case and surrounding spaces.

Expressions are built here from column positions only (no value from a file
or a flag is spliced into SQL); band thresholds travel as bound parameters.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from salesfunnel.config import Config, Funnel, TierRule
from salesfunnel.db import quote_ident
from salesfunnel.errors import ConfigError, InputError
from salesfunnel.kinds import DATE_FIELDS, KINDS, NO_OWNER
from salesfunnel.load.layouts import (
    BUILT_IN,
    DELETED_FLAGS,
    FIRST_FILLED,
    HUBSPOT,
    HUBSPOT_STAGE_DATE,
    PIPEDRIVE,
    SALESFORCE,
    WAREHOUSE,
    KindMapping,
    Preset,
)
from salesfunnel.load.money_headers import MONEY_FIELDS, currency_from_header, money_headers
from salesfunnel.load.vocabulary import FALSE_WORDS, TRUE_WORDS, sql_words


class PresetName(enum.StrEnum):
    """`--preset` choices: auto recognises the layout from the header."""

    auto = "auto"
    canonical = "canonical"
    hubspot = "hubspot"
    salesforce = "salesforce"
    pipedrive = "pipedrive"
    warehouse = "warehouse"


PRESET_NAMES = tuple(PresetName)


def header_key(name: str) -> str:
    """Headers match ignoring case and surrounding spaces."""
    return " ".join(name.strip().lower().split())


def canonical_key(name: str) -> str:
    """Canonical headers also accept spaces or hyphens for underscores (Deal ID = deal_id)."""
    return "_".join(name.strip().lower().replace("-", " ").split())


@dataclass
class FilePlan:
    """How to turn one file's raw columns into canonical rows."""

    preset: str
    kind: str
    fields: dict[str, str]  # canonical field -> SQL expression over csv_records
    params: dict[str, Any] = field(default_factory=dict)
    stage_dates: list[tuple[str, str, str]] = field(default_factory=list)  # (stage, expr, header)
    footer: re.Pattern[str] | None = None
    matched: int = 0
    deleted: str | None = None  # SQL: true for a record flagged deleted (skipped)
    deleted_header: str | None = None
    why: str | None = None  # why this layout was chosen over another that fits
    notices: list[str] = field(default_factory=list)  # said in the load summary
    copies: set[int] = field(default_factory=set)  # repeated headers read as "Name#n"


def _col(index: int) -> str:
    return f"records.{quote_ident(f'c{index}')}"


# -- the presets --------------------------------------------------------------------
def canonical_preset() -> Preset:
    kinds = [
        KindMapping(spec.name, {f: (f,) for f in spec.fields}, spec.required)
        for spec in KINDS.values()
    ]
    return Preset("canonical", tuple(kinds), canonical_headers=True)


_TRUE = sql_words(TRUE_WORDS)
_FALSE = sql_words(FALSE_WORDS)
# flag columns a [columns.deals] table may map: the status is derived from them
MAPPING_FLAGS = {"deals": ("is_won", "is_closed", "is_active")}
# "Associated Company#2": the second column of a header that appears more than once
COPY_MARK = "#"


def preset_funnel(name: str) -> Funnel | None:
    preset = BUILT_IN.get(name)
    return preset.funnel if preset else None


def mapping_preset(config: Config) -> Preset | None:
    """The config file's [columns.<kind>] tables as a preset named `mapping`."""
    columns = config.raw.get("columns")
    if not columns:
        return None
    if not isinstance(columns, dict):
        raise ConfigError(f"{config.path}: [columns] must hold one table per kind of file.")
    kinds = []
    for kind, table in columns.items():
        if kind not in KINDS:
            raise ConfigError(
                f"{config.path}: [columns.{kind}]: unknown kind; use one of "
                f"{', '.join(KINDS)}."
            )
        required, optional = KINDS[kind].required, KINDS[kind].optional
        fields: dict[str, tuple[str, ...]] = {}
        composite: list[tuple[str, tuple[str, ...]]] = []
        for name, header in table.items():
            if name == "stage_dates":
                continue
            if header == "":  # `status = ""`: the file's column of that name is not this field
                fields[name] = ()
                continue
            if name == "deal_id" and (header == ROW_KEY or (isinstance(header, list) and len(header) > 1)):
                parts = (ROW_KEY,) if header == ROW_KEY else tuple(header_key(h) for h in header)
                composite.append((name, parts))
                fields[name] = ()
                continue
            if name not in required + optional + MAPPING_FLAGS.get(kind, ()):
                raise ConfigError(
                    f"{config.path}: [columns.{kind}] maps {name!r}, which is not a field of "
                    f"{kind} (fields: {', '.join(required + optional)})."
                )
            headers = (header,) if isinstance(header, str) else tuple(header)
            fields[name] = tuple(header_key(h) for h in headers)
        taken = {spelling for spellings in fields.values() for spelling in spellings}
        for name in required + optional:  # unmapped fields keep their canonical header
            if name not in taken:
                fields.setdefault(name, (name,))
        kinds.append(KindMapping(kind, fields, required, tuple(composite)))
    return Preset("mapping", tuple(kinds))


# -- matching a header ------------------------------------------------------------------
@lru_cache(maxsize=8)
def _positions(header: tuple[str, ...], key) -> dict[str, int]:
    """The first column of each header key (cached: every preset and kind asks it of
    the same header, which may have 100k columns). Callers do not change it."""
    positions: dict[str, int] = {}
    every: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        positions.setdefault(key(name), index)
        every.setdefault(key(name), []).append(index)
    for name, indexes in every.items():  # a repeated header's copies: "name#1", "name#2"
        for copy, index in enumerate(indexes if len(indexes) > 1 else (), start=1):
            positions.setdefault(f"{name}{COPY_MARK}{copy}", index)
    return positions


def chosen_copies(mapping: KindMapping, header: tuple[str, ...], key) -> set[int]:
    """The columns a mapping names by copy ("Name#2"): chosen, so not ambiguous."""
    positions = _positions(header, key)
    return {
        positions[key(spelling)]
        for spellings in mapping.fields.values() for spelling in spellings
        if COPY_MARK in spelling and key(spelling) in positions
    }


def _match(preset: Preset, mapping: KindMapping, header: tuple[str, ...]) -> dict[str, int]:
    return {name: found[0] for name, found in _match_all(preset, mapping, header).items()}


def _match_all(
    preset: Preset, mapping: KindMapping, header: tuple[str, ...]
) -> dict[str, list[int]]:
    """Every column of the header that holds each field, in the order of its spellings."""
    key = canonical_key if preset.canonical_headers else header_key
    positions = _positions(header, key)
    found: dict[str, list[int]] = {}
    for name, spellings in mapping.fields.items():
        for spelling in spellings:
            index = positions.get(key(spelling))
            if index is not None and index not in found.get(name, []):
                found.setdefault(name, []).append(index)
    for name in MONEY_FIELDS:
        # "Amount (EUR)", "Amount in USD": the amount column, its header naming the currency
        if name in mapping.fields and name not in found:
            spellings = [key(spelling) for spelling in mapping.fields[name]]
            bases = [(spellings.index(key(base)), index) for index, base, _ in money_headers(header)
                     if key(base) in spellings]
            if bases:
                found[name] = [index for _, index in sorted(bases)]
    for name, parts in mapping.composite:
        if parts == (ROW_KEY,) or all(key(p) in positions for p in parts):
            found[name] = [-1]  # built by _build_plan from the parts
    return found


def _candidates(preset_name: str, config: Config) -> list[Preset]:
    mapping = mapping_preset(config)
    if preset_name == "auto":
        return ([mapping] if mapping else []) + [
            canonical_preset(), HUBSPOT, SALESFORCE, PIPEDRIVE, WAREHOUSE
        ]
    if preset_name == "canonical":
        return ([mapping] if mapping else []) + [canonical_preset()]
    if preset_name in BUILT_IN:
        return [BUILT_IN[preset_name]]
    raise InputError(f"Unknown preset {preset_name!r}; use one of {', '.join(PRESET_NAMES)}.")


def _build_plan(
    preset: Preset, mapping: KindMapping, found: dict[str, int], header, config: Config
) -> FilePlan:
    fields = {name: _col(index) for name, index in found.items() if index >= 0}
    plan = FilePlan(preset=preset.name, kind=mapping.kind, fields=fields, footer=preset.footer,
                    matched=len(found),
                    copies=chosen_copies(mapping, header,
                                         canonical_key if preset.canonical_headers else header_key))
    _composite_fields(plan, mapping, header, preset)
    if mapping.kind == "deals" and "rep" not in fields:
        fields["rep"] = f"'{NO_OWNER}'"
        plan.notices.append(
            f'no owner column: every deal is loaded with rep "{NO_OWNER}" (rank has nothing '
            "to rank; map a rep column in [columns.deals] to rank reps)"
        )
    every = _match_all(preset, mapping, header)
    for name in FIRST_FILLED:
        if len(every.get(name, [])) > 1:
            fields[name] = "coalesce(" + ", ".join(
                f"nullif(trim({_col(i)}), '')" for i in every[name]
            ) + ")"
    flags = _positions(header, header_key)
    deleted = sorted({flags[f] for f in DELETED_FLAGS if f in flags} - set(found.values()))
    if deleted:
        plan.deleted = " or ".join(
            f"coalesce(lower(trim({_col(i)})) in {_TRUE}, false)" for i in deleted
        )
        plan.deleted_header = ", ".join(header[i] for i in deleted)
    if mapping.kind == "deals":
        _status_from_flags(fields)
    if mapping.kind == "users" and "name" not in fields:  # HubSpot owners
        parts = [f"nullif(trim({p}), '')" for p in
                 (fields.pop("first_name", None), fields.pop("last_name", None)) if p]
        if parts:
            fields["name"] = f"nullif(concat_ws(' ', {', '.join(parts)}), '')"
    if preset.name == "pipedrive":
        won_time, lost_time = fields.pop("won_time", None), fields.pop("lost_time", None)
        expected = fields.pop("expected_close", None)
        parts = [p for p in (fields.get("closed_at"), won_time, lost_time, expected) if p]
        if parts:
            fields["closed_at"] = "coalesce(" + ", ".join(f"nullif(trim({p}), '')" for p in parts) + ")"
    currency_from_header(plan, header)
    if mapping.kind == "deals":
        plan.stage_dates = _stage_date_columns(preset, header, config)
    _apply_tier_rule(plan, header, config.tiers)
    _apply_date_formats(plan, config)
    return plan


def _status_from_flags(fields: dict[str, str]) -> None:
    """IsWon + IsClosed (Salesforce, HubSpot "Is Deal Closed?", Bitrix24 CLOSED Y/N) give
    the status; an archived record (Odoo `active` False) that is not won is lost. A
    status column, when mapped, wins."""
    won, closed = fields.pop("is_won", None), fields.pop("is_closed", None)
    active = fields.pop("is_active", None)
    if "status" in fields or not ((won and closed) or active):
        return
    whens = []
    if won:
        whens.append(f"when lower(trim({won})) in {_TRUE} then 'won'")
    if active:
        whens.append(f"when lower(trim({active})) in {_FALSE} then 'lost'")
    if won and closed:
        # a flag that is neither true nor false (a word of no known language) is no
        # status: the row is rejected naming it, never read as open
        whens += [f"when lower(trim({closed})) in {_TRUE} then 'lost'",
                  f"when lower(trim({closed})) in {_FALSE} then 'open'",
                  f"when nullif(trim({closed}), '') is not null then lower(trim({closed}))"]
    elif active:
        whens.append(f"when lower(trim({active})) in {_TRUE} then null")
    fields["status"] = f"case {' '.join(whens)} end"


ROW_KEY = "@row"  # deal_id = "@row": the record's line number (a one-shot export)


def _composite_fields(plan: FilePlan, mapping: KindMapping, header, preset: Preset) -> None:
    """deal_id = ["Opportunity Name", "Created Date"] joins the columns with " | ";
    deal_id = "@row" is the record's line number."""
    key = canonical_key if preset.canonical_headers else header_key
    positions = _positions(header, key)
    for name, parts in mapping.composite:
        if parts == (ROW_KEY,):
            plan.fields[name] = "records.line"
            continue
        cells = ", ".join(f"nullif(trim({_col(positions[key(p)])}), '')" for p in parts)
        plan.fields[name] = f"nullif(concat_ws(' | ', {cells}), '')"


def _apply_date_formats(plan: FilePlan, config: Config) -> None:
    """[dates] formats: a value one of the patterns reads becomes ISO text before the
    usual parsing; other values parse (or are rejected) as usual. Bound parameters."""
    formats = config.date_formats
    if not formats:
        return
    for name in DATE_FIELDS:
        patterns = formats.get(name) or formats.get("*")
        if name in plan.fields and patterns:
            plan.params[f"date_formats_{name}"] = list(patterns)
            plan.fields[name] = _formatted(plan.fields[name], f"$date_formats_{name}")
    patterns = formats.get("entered_at") or formats.get("*")
    if plan.stage_dates and patterns:
        plan.params["date_formats_stage_dates"] = list(patterns)
        plan.stage_dates = [
            (stage, _formatted(expr, "$date_formats_stage_dates"), column)
            for stage, expr, column in plan.stage_dates
        ]


def _formatted(expr: str, param: str) -> str:
    return (
        f"coalesce(strftime(try_strptime(trim({expr}), {param}), '%Y-%m-%d %H:%M:%S'), {expr})"
    )


def _stage_date_columns(preset: Preset, header, config: Config) -> list[tuple[str, str, str]]:
    result = []
    if preset.name == "hubspot":
        for index, name in enumerate(header):
            match = HUBSPOT_STAGE_DATE.match(header_key(name))
            if match:
                # keep the header's own spelling of the stage
                original = re.match(r'^\s*date entered "(.+?)(?: \([^()]*\))?"\s*$', name,
                                    re.IGNORECASE)
                stage = original.group(1) if original else match.group("stage")
                result.append((stage, _col(index), name))
    if preset.name == "mapping":
        table = config.raw.get("columns", {}).get("deals", {}).get("stage_dates", {})
        positions = _positions(header, header_key)
        for stage, column in table.items():
            index = positions.get(header_key(column))
            if index is None:
                raise InputError(
                    f"The config maps the entry date of stage {stage!r} to column {column!r}, "
                    f"which this file lacks. Headers found: {', '.join(header)}."
                )
            result.append((stage, _col(index), column))
    return result


def _apply_tier_rule(plan: FilePlan, header, rule: TierRule | None) -> None:
    """Tier from numeric bands: over an accounts column, or over the deal amount."""
    if rule is None or rule.source == "column":
        return
    if rule.source == "accounts" and plan.kind == "accounts":
        positions = _positions(header, header_key)
        index = positions.get(header_key(rule.column))
        if index is None:
            raise InputError(
                f"The config derives tiers from the accounts column {rule.column!r}, which "
                f"this accounts file lacks. Headers found: {', '.join(header)}."
            )
        value = f"parse_amount(nullif(trim({_col(index)}), ''))"
        plan.fields["tier"] = _band_expression(value, rule, plan.params, fallback=plan.fields.get("tier"))
    if rule.source == "amount" and plan.kind == "deals" and "amount" in plan.fields:
        value = f"parse_amount(nullif(trim({plan.fields['amount']}), ''))"
        plan.fields["tier"] = _band_expression(value, rule, plan.params, fallback=plan.fields.get("tier"))


def _band_expression(value: str, rule: TierRule, params: dict[str, Any], fallback: str | None) -> str:
    """case when v < $band_limit_1 then $band_tier_1 ... else $band_tier_last end."""
    whens = []
    for number, (limit, tier) in enumerate(rule.bands, start=1):
        params[f"band_tier_{number}"] = tier
        if limit is None:
            whens.append(f"else $band_tier_{number}")
        else:
            params[f"band_limit_{number}"] = limit
            whens.append(f"when {value} < $band_limit_{number} then $band_tier_{number}")
    if not whens[-1].startswith("else"):
        whens.append("else null")
    banded = f"(case when {value} is null then null {' '.join(whens)} end)"
    if fallback:
        return f"coalesce(nullif(trim({fallback}), ''), {banded})"
    return banded
