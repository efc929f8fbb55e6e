"""The funnel and the tiers `salesfunnel init` proposes, from the files' values.

Stage order, in this order of preference: a sort-order column, a probability
column, the order of HubSpot's "Date entered" columns, the order stages appear
in each deal's history, numbers in the labels (`1-Qualify`), how many
stage-date columns a label's deals have filled; else by frequency with a
request to put them in order. Won and lost labels come from IsWon/IsClosed
flags, else from the label words (won, lost, dead, disqualified). A preset's
funnel is kept when it already names every label in the data."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from salesfunnel.db import Database, quote_ident
from salesfunnel.funnel import Funnel, label_key
from salesfunnel.load.columns import is_date
from salesfunnel.load.infer import FileFacts
from salesfunnel.load.layouts import HUBSPOT_STAGE_DATE
from salesfunnel.load.presets import preset_funnel
from salesfunnel.load.stage_order import Label, order_stages
from salesfunnel.load.vocabulary import (
    LOST_WORDS,
    SYNONYMS,
    TRUE_WORDS,
    WON_WORDS,
    normalise,
)

_TRUE = list(TRUE_WORDS)


@dataclass
class FunnelProposal:
    funnel: Funnel
    how: str  # one line: how the order was found
    unordered: bool = False  # listed by frequency: the user must order them
    notes: list[str] = field(default_factory=list)
    preset: str | None = None  # the preset whose funnel names every label


def _column_of(facts: FileFacts, name: str):
    """The column holding a field: the preset plan's, else the inferred one."""
    if facts.plan is not None and name in facts.plan.fields:
        found = re.fullmatch(r'records\."c(\d+)"', facts.plan.fields[name])
        return facts.columns[int(found.group(1))] if found else None
    return facts.fields.get(name)


def find_stage_dates(db: Database, facts: FileFacts, labels: list[str]) -> None:
    """Date columns named after a stage (engage_date for Engaging) hold its entry date."""
    used = {c.index for c in facts.fields.values()}
    for column in facts.columns:
        if column.index in used or not is_date(column):
            continue
        stem = re.sub(r"(date|dt|at|on|entered|time)$", "", normalise(column.name)).rstrip("e")
        if len(stem) < 4:
            continue
        match = [label for label in labels if normalise(label).startswith(stem)]
        if len(match) == 1:
            facts.stage_dates[match[0]] = column


def pipeline_counts(db: Database, files: list[FileFacts]) -> dict[str, int]:
    """The pipelines named in the deals files (most used spelling) and their rows."""
    counts: dict[str, list] = {}
    for facts in files:
        column = _column_of(facts, "pipeline") if facts.kind == "deals" else None
        if column is None:
            continue
        for name, rows in db.fetchall(
            f"select min(trim({column.sql})), count(*) from {quote_ident(facts.table)} "
            f"where nullif(trim({column.sql}), '') is not null group by lower(trim({column.sql}))"
        ):
            entry = counts.setdefault(label_key(name), [name, 0])
            entry[1] += rows
    return dict(sorted(((name, rows) for name, rows in counts.values()), key=lambda p: (-p[1], p[0])))


def _pipeline_filter(files: list[FileFacts], facts: FileFacts, pipeline: str) -> str | None:
    """SQL keeping the rows of `facts` that belong to `pipeline` (history rows through
    their deal in a deals file), or None when the file cannot tell."""
    column = _column_of(facts, "pipeline")
    if facts.kind == "deals":
        return None if column is None else f"lower(trim({column.sql})) = $pipeline"
    deal = _column_of(facts, "deal_id")
    for other in files:
        other_deal, other_pipeline = _column_of(other, "deal_id"), _column_of(other, "pipeline")
        if other.kind == "deals" and deal and other_deal and other_pipeline:
            return (
                f"trim({deal.sql}) in (select trim({other_deal.sql}) from "
                f"{quote_ident(other.table)} where lower(trim({other_pipeline.sql})) = $pipeline)"
            )
    return None


def label_stats(
    db: Database, files: list[FileFacts], pipeline: str | None = None
) -> dict[str, Label]:
    """Per stage label (case-insensitive) its rows and what the files say of its place;
    with `pipeline`, of that pipeline's rows only."""
    labels: dict[str, Label] = {}
    for facts in files:
        stage = _column_of(facts, "stage")
        if stage is None or facts.kind not in ("deals", "history"):
            continue
        where = ""
        if pipeline is not None:
            condition = _pipeline_filter(files, facts, pipeline)
            if condition is None:
                continue
            where = f"and {condition}"
        table = quote_ident(facts.table)
        parts = {
            "sort": _numeric(_column_of(facts, "sort_order")),
            "probability": _percent(_column_of(facts, "probability")),
            "won": _flag(_column_of(facts, "is_won")),
            "closed": _flag(_column_of(facts, "is_closed")),
            "dated": " + ".join(f"({c.sql} is not null)::int" for c in facts.stage_dates.values())
            or "null",
            "position": "null",
            "open_row": _open_row(_column_of(facts, "status")),
        }
        deal, entered = _column_of(facts, "deal_id"), _column_of(facts, "entered_at") or (
            _column_of(facts, "created_at") if facts.kind == "history" else None
        )
        if facts.kind == "history" and deal is not None and entered is not None:
            parts["position"] = (
                f"(row_number() over (partition by {deal.sql} order by "
                f"parse_timestamp(trim({entered.sql})))) / count(*) over (partition by {deal.sql})"
            )
        select = ", ".join(f"{expr} as {name}" for name, expr in parts.items())
        rows = db.fetchall(
            f"""
            with
            cells as (
                select trim({stage.sql}) as label, {select} from {table}
                where nullif(trim({stage.sql}), '') is not null {where}
            ),
            final as (
                select min(label), count(*), min(sort),
                       -- a lost deal's 0% and a won deal's 100% (Capsule, Pipedrive keep the
                       -- stage it was in) say nothing of the stage: its open deals' mean
                       coalesce(avg(probability) filter (where open_row), avg(probability)),
                       avg(won), avg(closed), avg(position), avg(dated)
                from cells
                group by lower(label)
            )
            select * from final
            """,
            {
                **({"truthy": _TRUE} if "$truthy" in select else {}),
                **({"pipeline": label_key(pipeline)} if where else {}),
            } or None,
        )
        for text, count, sort, probability, won, closed, position, dated in rows:
            label = labels.setdefault(label_key(text), Label(text))
            label.rows += count
            if facts.kind == "deals":  # over every file: snapshots may disagree
                label.sort = min((v for v in (label.sort, sort) if v is not None), default=None)
                if probability is not None:
                    label.probability_sum += probability * count
                    label.probability_rows += count
                label.won = _first(label.won, won)
                label.closed = _first(label.closed, closed)
                label.dated = _first(label.dated, dated)
            label.position = _first(label.position, position)
        # a stage-date column names a stage even when no deal is in it now; HubSpot
        # writes these columns in pipeline order
        for order, (stage_name, _, header) in enumerate(facts.plan.stage_dates if facts.plan else ()):
            named = HUBSPOT_STAGE_DATE.match(" ".join(header.strip().lower().split()))
            of_pipeline = named.group("pipeline") if named else None
            if pipeline is not None and of_pipeline and of_pipeline != label_key(pipeline):
                continue
            label = labels.setdefault(label_key(stage_name), Label(stage_name))
            label.column_order = _first(label.column_order, order)
    return labels


def _numeric(column) -> str:
    return "null" if column is None else f"parse_amount(nullif(trim({column.sql}), ''))"


def _percent(column) -> str:
    """A probability as a number: 10 and 10% are both ten."""
    return "null" if column is None else (
        f"parse_amount(nullif(trim(regexp_replace({column.sql}, '\\s*%\\s*$', '')), ''))")


def _open_row(column) -> str:
    """Whether a row's status cell (when the file has one) is not a won or lost word."""
    return "true" if column is None else (
        f"coalesce(lower(trim({column.sql})) not in "
        "(select word from status_words where status <> 'open'), true)")


def _flag(column) -> str:
    return "null" if column is None else f"(lower(trim({column.sql})) in $truthy)::int"


def _first(old, new):
    return old if old is not None else new


def propose_funnel(files: list[FileFacts], labels: dict[str, Label]) -> FunnelProposal:
    """The funnel for the labels found: a preset's when it names them all, else inferred."""
    presets = [f.plan.preset if f.plan is not None else f.fitted for f in files
               if (f.plan is not None or f.fitted) and f.kind in ("deals", "history")]
    for name in dict.fromkeys(presets):
        funnel = preset_funnel(name) or (Funnel() if name == "canonical" else None)
        if funnel is not None and labels:
            known = {key for key, *_ in funnel.label_rows()}
            if set(labels) <= known:
                return FunnelProposal(funnel, f"the {name} preset's funnel names every stage label",
                                      preset=name)
    won = [x for x in labels.values() if _is_won(x)]
    lost = [x for x in labels.values() if x not in won and _is_lost(x)]
    open_ = [x for x in labels.values() if x not in won and x not in lost]
    order, how, unordered, notes = order_stages(open_)
    won.sort(key=lambda x: -x.rows)
    if won:
        won_stage, aliases = won[0].text, tuple((x.text, won[0].text) for x in won[1:])
    else:
        won_stage, aliases = "Won", ()
        notes.append('no label means won: "Won" ends the funnel (deals won only by status)')
    lost_labels = tuple(x.text for x in sorted(lost, key=lambda x: (-x.rows, x.text))) or ("Lost",)
    stages = tuple(x.text for x in order) + (won_stage,)
    if len(stages) < 2:
        stages = ("Open",) + stages
    return FunnelProposal(
        Funnel(stages=stages, lost_labels=lost_labels, aliases=tuple(sorted(aliases))),
        how, unordered, notes,
    )


def any_won(labels: dict[str, Label]) -> bool:
    """Whether a stage label means won (by its IsWon flags or its words)."""
    return any(_is_won(label) for label in labels.values())


def _is_won(label: Label) -> bool:
    if label.won is not None:
        return label.won > 0.5
    return bool(WON_WORDS.search(label.text)) and not LOST_WORDS.search(label.text)


def _is_lost(label: Label) -> bool:
    if label.closed is not None:
        return label.closed > 0.5
    return bool(LOST_WORDS.search(label.text))


def band_limits(db: Database, facts: FileFacts, column) -> list[float]:
    """Two cut points at the tertiles of a numeric column, rounded to one significant
    figure (1408 -> 1000, 4634 -> 5000)."""
    low, high = db.fetchall(
        f"select quantile_cont(v, [1/3, 2/3]) from (select parse_amount(nullif(trim({column.sql}), "
        f"'')) as v from {quote_ident(facts.table)}) where v is not null"
    )[0][0] or (None, None)
    limits = []
    for value in (low, high):
        if value and value > 0:
            magnitude = 10 ** math.floor(math.log10(value))
            rounded = round(value / magnitude) * magnitude
            if not limits or rounded > limits[-1]:
                limits.append(float(rounded))
    return limits


def funnel_from_export(db: Database, layout, scratch) -> FunnelProposal | None:
    """The funnel a deals export states itself: its stages ordered by a sort-order or
    probability column, won and lost from its is_won / is_closed flags. None when the
    file lacks those columns, or its preset's funnel already names every label."""
    from salesfunnel.load.infer import inspect_layout

    names = {normalise(h) for h in layout.header}
    ordered = names & set(SYNONYMS["sort_order"] + SYNONYMS["probability"])
    flagged = names & set(SYNONYMS["is_won"] + SYNONYMS["is_closed"])
    if not (ordered and flagged):
        return None
    facts = inspect_layout(db, layout, scratch, "export_funnel")
    try:
        if facts.kind != "deals":
            return None
        labels = label_stats(db, [facts])
        proposal = propose_funnel([facts], labels)
        if proposal.unordered or proposal.how.startswith("the "):  # a preset's funnel fits
            return None
        return proposal
    finally:
        db.execute(f"drop table if exists {quote_ident(facts.table)}")


def stated_funnel(db: Database, layouts, plans, scratch) -> Funnel | None:
    """Without a config funnel: the funnel a deals export states itself (said in the
    file's notices). A database holding deals of another funnel refuses it."""
    from salesfunnel.errors import InputError

    for layout, plan in zip(layouts, plans, strict=True):
        proposal = funnel_from_export(db, layout, scratch) if plan.kind == "deals" else None
        if proposal is None:
            continue
        funnel = proposal.funnel
        note = (
            f"funnel from {layout.path.name} ({proposal.how.removeprefix('from ')}, won/lost "
            f"from its flags): {' > '.join(funnel.stages)}; lost: {', '.join(funnel.lost_labels)}"
        )
        stored = db.meta("funnel")
        if stored and Funnel.from_json(stored) != funnel and db.scalar(
            "select count(*) from deals"
        ):
            raise InputError(
                f"The database holds deals of the funnel "
                f"{' > '.join(Funnel.from_json(stored).stages)}, but the {note}. Load it into "
                "another database (--db), or define the funnel in the config file."
            )
        plan.notices.append(note)
        return funnel
    return None


def unknown_label_notices(db: Database, paths: dict) -> dict[int, list[str]]:
    """Per file id of `paths` (file id -> path): a notice naming the stage labels the
    funnel lacks, suggesting `salesfunnel init` (one query for them all)."""
    found: dict[int, list[str]] = {}
    for file_id, count, labels in db.fetchall(
        "select file_id, count(*), string_agg(distinct value, ', ' order by value) "
        "from load_rejects where list_contains($ids, file_id) and column_name = 'stage' "
        "and starts_with(reason, 'unknown stage label') group by file_id",
        {"ids": list(paths)},
    ):
        labels = labels if len(labels) <= 200 else labels[:199] + "…"
        found[file_id] = [
            f"{count:,} row{'s' if count != 1 else ''} rejected for stage labels the funnel "
            f"does not know ({labels}): `salesfunnel init {paths[file_id]}` proposes a config "
            "whose funnel orders them"
        ]
    return found
