"""What `salesfunnel init` reads from exports: for each file its kind, the column
that holds each canonical field (by header and by values), the key, the date
shapes; across files the funnel (stage order, won and lost labels) and tiers.

The files are read by DuckDB into a scratch in-memory database (the user's
database is never opened). Python looks at headers and at per-column and
per-label summaries, never at data rows. proposal.py turns the result into TOML.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from salesfunnel.db import Database, memory_database, quote_ident
from salesfunnel.errors import InputError
from salesfunnel.load.choose import plan_file
from salesfunnel.load.columns import (
    Column,
    is_named_date,
    name_by_values,
    profile_all,
    stage_by_values,
    status_values,
)
from salesfunnel.load.discover import expand_paths
from salesfunnel.load.headerless import backslash_escapes, looks_headerless, without_header
from salesfunnel.load.money_headers import columns_in
from salesfunnel.load.presets import FilePlan, header_key
from salesfunnel.load.records import read_records
from salesfunnel.load.sheets import open_source
from salesfunnel.load.vocabulary import SYNONYMS, header_currency, normalise
from salesfunnel.sqltree import sql_text

NUMBERED = re.compile(r"^\s*(\d{1,3})\s*[-.):_ ]")
@dataclass
class FileFacts:
    path: Path
    label: str  # the file as named in the proposal (sheet included)
    table: str  # scratch table with the file's records as text
    rows: int
    columns: list[Column]
    plan: FilePlan | None  # a preset that fits as is
    kind: str | None = None
    fields: dict[str, Column] = field(default_factory=dict)  # canonical and helper fields
    key: list[str] | str | None = None  # deal_id columns, or "@row"
    stage_dates: dict[str, Column] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    fitted: str | None = None  # the preset of a file proposed as a mapping for a repeated header
    escape: str | None = None  # a file without a header row: the escape character it needs
    # a deals file's currency codes with how many rows with an amount hold each (init)
    currencies: dict[str, int] = field(default_factory=dict)
    # of those rows, how many name no currency (no currency cell, $ or a plain number)
    amounts_without_currency: int = 0
    # a column (0-based) as the user sees it: its number, a sheet's letter (CsvLayout's)
    column_label: Callable[[int], str] = field(default=lambda index: str(index + 1))
    # a deals file no stage label or status column of which says won (init: "not found")
    no_outcome: bool = False
    warnings: list[str] = field(default_factory=list)  # said by init on stderr and in the proposal
    unkind: str | None = None  # why a file of no kind is none, when it looks like one

    @property
    def headerless(self) -> bool:
        return self.escape is not None


def inspect_paths(paths: list[str | Path]) -> tuple[Database, list[FileFacts]]:
    """Read every file into a scratch database and describe it."""
    files, _ = expand_paths(paths, ())
    db = memory_database()
    db.run_script(sql_text("load/load_macros"))
    facts = []
    with tempfile.TemporaryDirectory(prefix="salesfunnel-init-") as scratch_name:
        scratch = Path(scratch_name)
        for number, path in enumerate(files, start=1):
            for layout in open_source(path, None, scratch):
                facts.append(_inspect(db, layout, number * 100 + len(facts), scratch))
    return db, facts


def inspect_layout(db: Database, layout, scratch: Path, name: str) -> FileFacts:
    """One file read into the scratch table `init_<name>` and described."""
    return _inspect(db, layout, name, scratch)


def _inspect(db: Database, layout, number: int | str, scratch: Path) -> FileFacts:
    headerless = looks_headerless(layout.header)
    if headerless:  # a database dump: read every line as a record, name columns by values
        layout = without_header(
            layout, tuple(f"column_{i + 1}" for i in range(len(layout.header))),
            "\\" if backslash_escapes(layout) else '"',
        )
    try:
        plan: FilePlan | None = None if headerless else plan_file(layout.header, str(layout.path))
    except InputError:
        plan = None
    reading = plan or FilePlan(preset="init", kind="", fields={})
    layout = read_records(db, layout, reading, scratch, allow_retry=True, every_column=True)
    table = f"init_file_{number}"
    db.execute(f"create temp table {quote_ident(table)} as select * from csv_records")
    rows = db.scalar(f"select count(*) from {quote_ident(table)}")
    columns = profile_all(db, table, layout.header)
    if headerless:
        name_by_values(db, table, columns, rows)
        try:
            plan = plan_file(tuple(c.name for c in columns), str(layout.path))
        except InputError:
            plan = None
    facts = FileFacts(layout.path, layout.path.name, table, rows, columns, plan,
                      escape=layout.escape if headerless else None,
                      column_label=layout.column_label)
    classify(db, facts)
    return facts


def classify(db: Database, facts: FileFacts) -> None:
    """The kind of a file no preset fits, and which column holds which field."""
    by_field: dict[str, Column] = {}
    taken: set[int] = set()
    # a header as spelled, then (for a field no header spells) without the record's name in
    # front: "Deal Create Date", "Opportunity Lost Reason" (ActiveCampaign, Keap, ...)
    for spelled in (_spelled, _unprefixed):
        for name, spellings in SYNONYMS.items():
            for spelling in spellings if name not in by_field else ():
                fitting = [c for c in facts.columns if spelled(name, c.name) == spelling
                           and c.index not in taken and _fits(name, c, facts.rows)]
                if fitting:
                    # of a repeated header (HubSpot's two "Associated Company"), the copy with
                    # the most values, text before numbers (names before ids)
                    column = max(fitting, key=lambda c: (c.filled, c.numbers < c.filled, -c.index))
                    by_field[name] = column
                    taken.add(column.index)
                    break
    if "stage" not in by_field and facts.columns and not facts.headerless:
        _stage_from_values(db, facts, by_field, taken)
    facts.fields = by_field
    amount = by_field.get("amount")
    if amount is not None and amount.numbers < amount.filled:
        bad = amount.filled - amount.numbers
        facts.notes.append(
            f"{amount.name!r}: {bad} of {amount.filled} values {'is' if bad == 1 else 'are'} no amount: "
            f"load rejects {'that row' if bad == 1 else 'those rows'} (unparseable amount)"
        )
    has = by_field.__contains__
    if facts.plan is not None and _reads_a_repeated_header(facts):
        # load would refuse the preset: a mapping names the copy to read; the file is still
        # that CRM's export, with its funnel
        facts.fitted, facts.plan = facts.plan.preset, None
    if facts.plan is not None and not (
        has("stage") and has("deal_id") and facts.plan.kind not in ("deals", "history")
    ) and not _maps_fewer(facts.plan, by_field):
        # a preset fits (unless it reads a deals file as accounts or users, or the header
        # names fields the preset leaves out)
        facts.kind = facts.plan.kind
        return
    facts.plan = None
    if has("stage") and has("deal_id") and has("entered_at") and not has("rep") and (
        by_field["deal_id"].distinct < facts.rows
    ):
        facts.kind = "history"
    elif has("stage"):
        facts.kind = "deals"
        _choose_key(db, facts)
    elif has("rep") and (has("team") or has("manager")):
        facts.kind = "reps"
    elif has("amount") and any(map(has, DEAL_FIELDS)):
        # amounts with a close date or a lost reason are deals, never an accounts file
        found = [f"{name} in {by_field[name].name!r}" for name in ("amount", *DEAL_FIELDS)
                 if has(name)]
        facts.unkind = (
            f"looks like deals ({', '.join(found)}) but no column holds stage labels: map "
            'the stage in [columns.deals] (stage = "<column>") and load it with that config'
        )
    elif has("account") and by_field["account"].distinct == by_field["account"].filled:
        facts.kind = "accounts"


# besides an amount, the fields that make a file without stage labels deals, not accounts
DEAL_FIELDS = ("closed_at", "probability", "lost_reason")


# fields a deals report reads: a preset that leaves one of them out while the header
# names it (Zoho's Owner__name beside a Salesforce-like header) loses to the mapping
REPORTED = ("deal_id", "rep", "stage", "amount", "created_at", "closed_at", "account",
            "lost_reason", "pipeline", "source")


def _stage_from_values(db: Database, facts: FileFacts, by_field: dict, taken: set) -> None:
    """No header names the stage: a column whose labels hold a won and a lost word is it
    (a `Status` column of stages too, when its values are not status words only), said."""
    status = by_field.get("status")
    if status is not None and status_values(db, facts.table, status):
        status = None  # a status column the load reads: it is no stage
    free = [c for c in facts.columns if c.index not in taken or c is status]
    column = stage_by_values(db, facts.table, free)
    if column is None:
        return
    if column is status:
        del by_field["status"]
    by_field["stage"] = column
    taken.add(column.index)
    facts.notes.append(
        f"no header names the stage: {column.name!r} holds stage labels (a won and a lost one "
        "among them): read as the stage, CHECK"
    )


def repeated(facts: FileFacts, column: Column) -> list[Column]:
    """Every column of the file whose header is the same as this one's (itself included)."""
    return [c for c in facts.columns if header_key(c.name) == header_key(column.name)]


def _reads_a_repeated_header(facts: FileFacts) -> bool:
    used = set().union(*map(columns_in, facts.plan.fields.values()))
    return any(len(repeated(facts, facts.columns[i])) > 1 for i in used if i < len(facts.columns))


def _maps_fewer(plan: FilePlan, by_field: dict[str, Column]) -> bool:
    if plan.kind != "deals" or "stage" not in by_field:
        return False
    mapped = {name for name, expr in plan.fields.items() if columns_in(expr)}
    return any(name in by_field and name not in mapped for name in REPORTED)


def _spelled(name: str, header: str) -> str:
    """The header as SYNONYMS spells it; of an amount, without the currency it names
    (`Betrag (EUR)` is an amount, in EUR: the load reads the currency from the header)."""
    if name == "amount":
        named = header_currency(header)
        if named is not None:
            return normalise(named[0])
    return normalise(header)


RECORD_PREFIX = re.compile(r"^(deal|opportunity|opp|lead)(?=.)")


def _unprefixed(name: str, header: str) -> str:
    return RECORD_PREFIX.sub("", _spelled(name, header))


def _fits(name: str, column: Column, rows: int) -> bool:
    """Values must agree with the name: dates for date fields, numbers for amounts."""
    if name in ("created_at", "closed_at", "entered_at"):
        return is_named_date(column)
    if name == "amount":  # a few values that are no amount are the load's rejects
        return column.numbers > 0 and column.numbers * 2 >= column.filled
    if name == "probability":  # 10 or 10% (Salesforce's formatted reports)
        return column.filled > 0 and column.numbers + column.percents >= column.filled
    if name in ("employees", "sort_order"):
        return column.numbers >= column.filled
    if name in ("is_won", "is_closed", "is_active"):
        return column.booleans == column.filled
    if name == "currency":
        return 0 < column.distinct <= 20 and column.numbers == 0
    return column.filled > 0


def _choose_key(db: Database, facts: FileFacts) -> None:
    """A deals file's key: its id column when every row has a distinct one; else the
    deal name with the created date when together they are distinct; else "@row"."""
    key = facts.fields.get("deal_id")
    if key is not None and key.distinct == facts.rows:
        facts.key = [key.name]
        return
    if key is not None and key.distinct == key.filled and key.filled * 2 >= facts.rows:
        # distinct where filled: a row without an id is the load's reject, not a reason to
        # key every deal by its line
        blank = facts.rows - key.filled
        facts.key = [key.name]
        facts.notes.append(
            f"{key.name!r} is distinct on every row that has one; {blank} of {facts.rows} "
            f"rows {'has' if blank == 1 else 'have'} none: load rejects "
            f"{'it' if blank == 1 else 'them'} (empty deal_id)"
        )
        return
    unique = _unique_id_column(facts)
    if unique is not None:
        facts.fields["deal_id"] = unique
        facts.key = [unique.name]
        facts.notes.append(f"{unique.name!r} is distinct and filled on every row: the key")
        return
    name, created = facts.fields.get("name"), facts.fields.get("created_at")
    if name is not None and created is not None:
        distinct = db.scalar(
            f"select count(distinct ({name.sql}, {created.sql})) from {quote_ident(facts.table)} "
            f"where {name.sql} is not null"
        )
        if distinct == facts.rows:
            facts.key = [name.name, created.name]
            facts.notes.append(
                f"no distinct id column: the key is {name.name!r} with {created.name!r} "
                "(distinct together on every row)"
            )
            return
    facts.key = "@row"
    facts.notes.append(
        "no distinct id column: each row is a deal, keyed by its line (\"@row\"); such a file "
        "cannot be reloaded as an update of itself"
        + (f" ({key.name!r} repeats: {key.distinct} values for {key.filled} rows"
           + (f", {facts.rows - key.filled} rows without one" if key.filled < facts.rows else "")
           + ")" if key else "")
    )


ID_NAME = re.compile(r"(id|no|nr|number|num|key|code|ref)$")


def _unique_id_column(facts: FileFacts) -> Column | None:
    """The first column named like an id (potential_no, External_Id__c, ...) that is filled
    and distinct on every row."""
    used = {c.index for c in facts.fields.values()}
    return next(
        (c for c in facts.columns if c.index not in used and facts.rows > 0
         and c.filled == c.distinct == facts.rows and ID_NAME.search(normalise(c.name))),
        None,
    )


def plan_files(db: Database, layouts, scratch: Path, kinds: list[str | None], **how) -> list[FilePlan]:
    """plan_file for each file (of the kind given for it, if any); when none fits, the
    error also says which kind of file the values suggest and which of its fields were
    found and which lack."""
    plans = []
    # a plan depends on the header and kind, and names the file only in `why`: files
    # with one header (a folder of exports) are planned once, each gets its own copy
    planned: dict[tuple, FilePlan] = {}
    for layout, kind in zip(layouts, kinds, strict=True):
        try:
            known = planned.get((layout.header, kind))
            if known is not None:
                plans.append(replace(
                    known, fields=dict(known.fields), params=dict(known.params),
                    stage_dates=list(known.stage_dates), notices=list(known.notices),
                    copies=set(known.copies)))
                continue
            plans.append(plan_file(layout.header, str(layout.path), kind=kind, **how))
            if plans[-1].why is None:
                planned[(layout.header, kind)] = plans[-1]
        except InputError as error:
            if looks_headerless(layout.header):  # the error says how to name the columns
                raise
            raise InputError(f"{error} {_judged_by_values(db, layout, scratch)}") from None
    return plans


def _judged_by_values(db: Database, layout, scratch: Path) -> str:
    from salesfunnel.kinds import KINDS

    db.run_script(sql_text("load/load_macros"))
    try:
        facts = inspect_layout(db, layout, scratch, "miss")
    except InputError:
        return ""
    db.execute(f"drop table if exists {quote_ident(facts.table)}")
    if facts.kind is None:
        return (
            "Judged by its values too, it is not a deals file (no column holds stage labels), "
            "nor history, accounts or reps."
        )
    spec = KINDS[facts.kind]
    found = [f"{name} in {c.name!r}" for name, c in facts.fields.items() if name in spec.fields]
    lacking = [name for name in spec.required if name not in facts.fields
               and not (name == "deal_id" and facts.key) and name != "rep"]
    return (
        f"Judged by its values it is most likely a {facts.kind} file ({', '.join(found)})"
        + (f"; it lacks {', '.join(lacking)}" if lacking else "")
        + f". Map it in [columns.{facts.kind}]."
    )
