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
from dataclasses import dataclass, field
from pathlib import Path

from salesfunnel.db import Database, memory_database, quote_ident
from salesfunnel.errors import InputError
from salesfunnel.load.choose import plan_file
from salesfunnel.load.discover import expand_paths
from salesfunnel.load.presets import FilePlan
from salesfunnel.load.records import read_records
from salesfunnel.load.sheets import open_source
from salesfunnel.sqltree import sql_text

# normalised header (lower case, letters and digits only) -> the field it suggests
SYNONYMS: dict[str, tuple[str, ...]] = {
    "deal_id": ("opportunityid", "dealid", "recordid", "id", "opportunitynumber", "dealnumber"),
    "rep": ("owner", "ownername", "opportunityowner", "dealowner", "salesagent", "salesrep",
            "rep", "salesperson", "assignedto", "accountmanager", "ownerfullname", "ownerid",
            "agent", "repname"),
    "stage": ("stage", "stagename", "dealstage", "opportunitystage", "pipelinestage",
              "salesstage", "phase"),
    "status": ("status", "dealstatus", "outcome"),
    "amount": ("amount", "value", "dealvalue", "closevalue", "dealamount", "opportunityamount",
               "amountusd", "totalvalue", "revenue", "estrevenue", "estimatedrevenue"),
    "created_at": ("createddate", "createdate", "createdat", "created", "creationdate",
                   "createdon", "datecreated", "createdtime"),
    "closed_at": ("closedate", "closeddate", "closedat", "closedon", "closingdate", "dateclosed",
                  "closetime", "expectedclosedate"),
    "account": ("account", "accountname", "company", "companyname", "organization",
                "organisation", "organizationname", "customer", "client", "associatedcompany",
                "potentialcustomer", "accountid"),
    "source": ("leadsource", "source", "originalsource", "channel", "dealsource"),
    "lost_reason": ("lostreason", "lossreason", "closedlostreason", "reasonlost"),
    "tier": ("tier", "segment", "customertier", "customersegment"),
    "entered_at": ("enteredat", "entereddate", "createddate", "changedate", "date",
                   "lastmodifieddate", "editdate", "modifieddate", "timestamp"),
    "team": ("team", "salesteam", "regionaloffice", "office", "region", "territory"),
    "manager": ("manager", "salesmanager", "reportsto", "managername"),
    "employees": ("employees", "employeecount", "numberofemployees", "headcount", "size"),
    "is_won": ("iswon", "won"),
    "is_closed": ("isclosed", "closed"),
    "sort_order": ("stagesortorder", "sortorder", "stageorder", "stagesequence"),
    "probability": ("probability", "probabilitypercent", "winprobability", "dealprobability"),
    "pipeline": ("pipeline", "dealpipeline", "pipelinename", "salespipeline"),
    "name": ("opportunityname", "dealname", "name", "dealtitle", "title", "topic"),
}
WON_WORDS = re.compile(r"\b(won|win|closed ?won|signed)\b", re.IGNORECASE)
LOST_WORDS = re.compile(r"\b(lost|closed ?lost|dead|disqualified)\b", re.IGNORECASE)
NUMBERED = re.compile(r"^\s*(\d{1,3})\s*[-.):_ ]")
# strftime shapes tried for date values the built-in parsing does not read
FORMAT_CANDIDATES = (
    "%d %b, %Y %H:%M:%S", "%d-%m-%Y", "%m-%d-%Y", "%d-%m-%Y %H:%M", "%m-%d-%Y %H:%M",
    "%d-%m-%y", "%m-%d-%y", "%Y%m%d", "%d.%m.%y", "%Y.%m.%d", "%d/%m/%Y %H.%M", "%Y-%m-%d %I:%M %p",
    "%Y-%m-%d %I:%M:%S %p", "%b %d %Y %H:%M", "%d %b %Y %H:%M:%S", "%b-%d-%Y", "%b-%y",
    "%Y-%m-%d %H:%M:%S UTC", "%Y-%m-%d %H:%M UTC", "%d/%m/%Y %H:%M:%S UTC", "%m/%d/%Y %H:%M:%S UTC",
)


def normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass
class Column:
    index: int
    name: str
    filled: int = 0
    distinct: int = 0
    dates: int = 0  # values the loader's own parsing reads as dates
    numbers: int = 0
    booleans: int = 0
    slash: int = 0  # slash dates, and how many read month-first / day-first
    mdy: int = 0
    dmy: int = 0
    formats: list[str] = field(default_factory=list)  # strftime patterns the rest need

    @property
    def sql(self) -> str:
        return quote_ident(f"c{self.index}")


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
    try:
        plan: FilePlan | None = plan_file(layout.header, str(layout.path))
    except InputError:
        plan = None
    reading = plan or FilePlan(preset="init", kind="", fields={})
    layout = read_records(db, layout, reading, scratch, allow_retry=True, every_column=True)
    table = f"init_file_{number}"
    db.execute(f"create temp table {quote_ident(table)} as select * from csv_records")
    rows = db.scalar(f"select count(*) from {quote_ident(table)}")
    columns = [_profile(db, table, Column(i, name)) for i, name in enumerate(layout.header)]
    facts = FileFacts(layout.path, layout.path.name, table, rows, columns, plan)
    classify(db, facts)
    return facts


def _profile(db: Database, table: str, column: Column) -> Column:
    values = f"select nullif(trim({column.sql}), '') as v from {quote_ident(table)}"
    (column.filled, column.distinct, column.dates, column.numbers, column.booleans, column.slash,
     column.mdy, column.dmy) = db.fetchall(
        f"""
        with
        cells as ({values}),
        final as (
            select
                count(v),
                count(distinct v),
                count(parse_timestamp(v)) filter (where not regexp_full_match(v, '[+-]?[\\d.,]+')),
                count(parse_amount(v)),
                count(*) filter (where lower(v) in ('true', 'false', '1', '0', 'yes', 'no')),
                count(*) filter (where regexp_matches(v, '^\\d{{1,2}}/\\d{{1,2}}/\\d{{2,4}}')),
                count(parse_slash_date(v, 'mdy'))
                    filter (where regexp_matches(v, '^\\d{{1,2}}/\\d{{1,2}}/\\d{{2,4}}')),
                count(parse_slash_date(v, 'dmy'))
                    filter (where regexp_matches(v, '^\\d{{1,2}}/\\d{{1,2}}/\\d{{2,4}}'))
            from cells
        )
        select * from final
        """
    )[0]
    if column.filled and column.dates + column.slash < column.filled and column.numbers < column.filled:
        column.formats = _formats_for(db, values, column)
    return column


def _formats_for(db: Database, values: str, column: Column) -> list[str]:
    """The strftime patterns (from FORMAT_CANDIDATES) that read the values the built-in
    parsing does not, in the order found; none unless dates then make up at least half
    of the column."""
    chosen: list[str] = []
    for pattern in FORMAT_CANDIDATES:
        read = db.scalar(
            f"select count(*) from ({values}) where v is not null and parse_timestamp(v) is null "
            "and try_strptime(v, $chosen) is null and try_strptime(v, $pattern) is not null",
            {"chosen": chosen or ["%%never"], "pattern": pattern},
        )
        if read:
            chosen.append(pattern)
    if not chosen:
        return []
    unread = db.scalar(
        f"select count(*) from ({values}) where v is not null and parse_timestamp(v) is null "
        "and try_strptime(v, $chosen) is null",
        {"chosen": chosen},
    )
    return chosen if (column.filled - unread) * 2 >= column.filled else []


def is_date(column: Column) -> bool:
    return column.filled > 0 and (column.dates + column.slash) * 2 >= column.filled or bool(
        column.formats
    )


def classify(db: Database, facts: FileFacts) -> None:
    """The kind of a file no preset fits, and which column holds which field."""
    by_field: dict[str, Column] = {}
    taken: set[int] = set()
    for name, spellings in SYNONYMS.items():
        for spelling in spellings:
            column = next(
                (c for c in facts.columns if normalise(c.name) == spelling and c.index not in taken),
                None,
            )
            if column is not None and _fits(name, column, facts.rows):
                by_field[name] = column
                taken.add(column.index)
                break
    facts.fields = by_field
    has = by_field.__contains__
    if facts.plan is not None and not (
        has("stage") and has("deal_id") and facts.plan.kind not in ("deals", "history")
    ):  # a preset fits (unless it reads a deals file as accounts or reps)
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
    elif has("account") and by_field["account"].distinct == by_field["account"].filled:
        facts.kind = "accounts"


def _fits(name: str, column: Column, rows: int) -> bool:
    """Values must agree with the name: dates for date fields, numbers for amounts."""
    if name in ("created_at", "closed_at", "entered_at"):
        return is_date(column)
    if name in ("amount", "employees", "sort_order", "probability"):
        return column.numbers >= column.filled
    if name in ("is_won", "is_closed"):
        return column.booleans == column.filled
    return column.filled > 0


def _choose_key(db: Database, facts: FileFacts) -> None:
    """A deals file's key: its id column when every row has a distinct one; else the
    deal name with the created date when together they are distinct; else "@row"."""
    key = facts.fields.get("deal_id")
    if key is not None and key.distinct == facts.rows:
        facts.key = [key.name]
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
        + (f" ({key.name!r} repeats: {key.distinct} values for {facts.rows} rows)" if key else "")
    )


def plan_files(db: Database, layouts, scratch: Path, kinds: list[str | None], **how) -> list[FilePlan]:
    """plan_file for each file (of the kind given for it, if any); when none fits, the
    error also says which kind of file the values suggest and which of its fields were
    found and which lack."""
    plans = []
    for layout, kind in zip(layouts, kinds, strict=True):
        try:
            plans.append(plan_file(layout.header, str(layout.path), kind=kind, **how))
        except InputError as error:
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
