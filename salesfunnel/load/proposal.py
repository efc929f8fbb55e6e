"""`salesfunnel init`: the proposed config, as commented TOML.

infer.py reads and describes the files, infer_funnel.py proposes the funnel and
tier bands; this module decides the per-kind column mappings, the key, the date
settings and the files to skip, and writes it all with a comment on each choice
saying how it was inferred. Nothing is written to any database.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from salesfunnel.db import Database
from salesfunnel.kinds import KINDS
from salesfunnel.load.columns import status_values
from salesfunnel.load.currencies import count_currencies, currency_lines
from salesfunnel.load.gaps import (
    gives_outcome,
    missing_fields,
    periodic_amounts,
    unread_currencies,
    unread_dates,
)
from salesfunnel.load.infer import FileFacts, inspect_paths, repeated
from salesfunnel.load.infer_funnel import (
    any_won,
    band_limits,
    find_stage_dates,
    label_stats,
    pipeline_counts,
    propose_funnel,
)
from salesfunnel.load.presets import COPY_MARK, header_key

MAPPED = {
    "deals": ("deal_id", "rep", "stage", "status", "amount", "currency", "created_at",
              "closed_at", "account", "source", "lost_reason", "tier", "pipeline", "is_won",
              "is_closed", "is_active"),
    "history": ("deal_id", "stage", "entered_at"),
    "reps": ("rep", "team", "manager"),
    "accounts": ("account", "tier"),
}
DATE_NAMES = ("created_at", "closed_at", "entered_at")
FLAG_NOTES = {
    "is_won": "won / closed flags give the status: won, else closed = lost, else open",
    "is_active": "an archived record (active false) that is not won is lost at its stage",
}


def propose(paths: list[str | Path]) -> tuple[str, list[FileFacts]]:
    """The proposed config for these exports, and what was found in each file."""
    db, files = inspect_paths(paths)
    labels = label_stats(db, files)
    for facts in files:
        if facts.plan is None and facts.kind == "deals":
            find_stage_dates(db, facts, [label.text for label in labels.values()])
    labels = label_stats(db, files)
    for facts in files:
        count_currencies(db, facts)
    funnel = propose_funnel(files, labels)
    for facts in files:
        facts.no_outcome = bool(labels) and not any_won(labels) and not gives_outcome(db, facts)
    pipelines = pipeline_counts(db, files)
    own = {name: label_stats(db, files, name) for name in pipelines} if len(pipelines) > 1 else {}
    label_sets = [frozenset(stats) for stats in own.values()]
    if funnel.preset or not any(not (a <= b or b <= a) for a in label_sets for b in label_sets):
        # a preset's funnel names every label, or one pipeline's labels hold every other's
        own = {}
    missing = [f"{f.label}: {cost}" for f in files for cost in missing_fields(f)]
    for facts in files:
        facts.warnings = periodic_amounts(db, facts)
    undated = [f"{f.label}: {note}" for f in files for note in unread_dates(f)]
    periodic = [f"{f.label}: {note}" for f in files for note in f.warnings]
    uncurrenced = []
    for facts in files:
        notes = unread_currencies(db, facts)
        facts.warnings += notes  # said on stderr too
        uncurrenced += [f"{facts.label}: {note}" for note in notes]
    out = [
        "# salesfunnel config proposed by `salesfunnel init` from:",
        *(f"#   {f.path.parent.name + '/' if f.path.parent.name else ''}{f.label}: "
          f"{_what(f)}" for f in files),
        *(["# Not found in the files (what each costs):"] + [f"#   {m}" for m in missing]
          if missing else []),
        *(["# Dates the load cannot read (those rows are rejected):"]
          + [f"#   {u}" for u in undated] if undated else []),
        *(["# Amounts per period (CHECK):"] + [f"#   {p}" for p in periodic] if periodic else []),
        *(["# Currencies the load cannot read (those rows are rejected):"]
          + [f"#   {u}" for u in uncurrenced] if uncurrenced else []),
        "# Check each choice, then: salesfunnel load --config THIS_FILE PATH...",
        "",
    ]
    if own:
        main, *others = own
        out += _funnel_lines(
            propose_funnel(files, own[main]), own[main],
            note=f"the funnel of pipeline {main} (the most deals), and of any pipeline without "
            "its own table below; the pipelines' stage labels differ, so each has its funnel",
        )
        for name in others:
            out += _funnel_lines(propose_funnel(files, own[name]), own[name],
                                 table=f"funnel.{_key(name)}", note=f"pipeline {name}")
    elif labels:
        out += _funnel_lines(funnel, labels)
    else:  # no record names a stage: any funnel would be made up
        out += ["# no [funnel]: the files hold no stage label (no records), so none is proposed; "
                "the load keeps the preset's funnel or the database's", ""]
    out += _columns_tables(db, files)
    out += _dates_lines(files)
    out += _tiers_lines(db, files)
    out += currency_lines(files)
    files_table = _header_lines(files)
    skipped = [f.label for f in files if f.kind is None]
    if skipped:
        files_table += [
            "# no kind of file fits these (not deals, history, accounts, reps or subscriptions)",
            f"skip = [{', '.join(_string(name) for name in skipped)}]",
        ]
    if files_table:
        out += ["[files]", *files_table, ""]
    return "\n".join(_one_line(line) for line in out).rstrip("\n") + "\n", files


_LINE_BREAK = re.compile(r"\r\n|\n|\r")


def _one_line(line: str) -> str:
    """A comment that quotes the data (a stage label or header holding a line break) stays
    one TOML comment line: its line breaks are shown as ⏎ (values are TOML strings, whose
    escapes keep them)."""
    return _LINE_BREAK.sub("⏎", line) if line.startswith("#") else line


def _header_lines(files: list[FileFacts]) -> list[str]:
    """[files] header = false and the column names, for files without a header row."""
    dumps = [f for f in files if f.headerless]
    if not dumps:
        return []
    first = dumps[0]
    lines = [
        f"# {', '.join(f.label for f in dumps)}: the first line holds values, not column names "
        "(a database dump): every line is a record, the columns named by their values: CHECK "
        "each name (column_N: not read)",
    ]
    if len(dumps) < len(files) or len({tuple(c.name for c in f.columns) for f in dumps}) > 1:
        lines.append("# CHECK: header = false applies to every file loaded with this config; "
                     "load files of other shapes with another config")
    lines.append("header = false")
    lines.append(f"column_names = [{', '.join(_string(c.name) for c in first.columns)}]")
    if first.escape == "\\":
        lines.append('# a quote inside a field is written \\" (MySQL): backslash escapes')
        lines.append('escape = "\\\\"')
    return lines


def _what(facts: FileFacts) -> str:
    if facts.kind is None:
        return f"{facts.rows} rows, " + (f"skipped: it {facts.unkind}" if facts.unkind
                                         else "not a kind salesfunnel loads (skipped)")
    how = f"preset {facts.plan.preset}" if facts.plan else "a column mapping below"
    return f"{facts.kind}, {facts.rows} rows ({how})"


def _funnel_lines(proposal, labels, table: str = "funnel", note: str | None = None) -> list[str]:
    funnel = proposal.funnel
    lines = [f"[{table}]"] + ([f"# {note}"] if note else []) + [f"# stage order: {proposal.how}"]
    if proposal.unordered:
        lines.append("# The export does not say the order: put the stages in funnel order.")
    lines += [f"# {note}" for note in proposal.notes]
    counts = ", ".join(f"{label.text} {label.rows}" for label in labels.values())
    if counts:
        lines.append(f"# rows per stage label in the files: {counts}")
    lines.append(f"stages = [{', '.join(_string(s) for s in funnel.stages)}]  # the last is won")
    lines.append(f"lost = [{', '.join(_string(s) for s in funnel.lost_labels)}]")
    if funnel.aliases:
        lines.append("")
        lines.append(f"[{table}.aliases]")
        lines += [f"{_key(alias)} = {_string(target)}" for alias, target in funnel.aliases]
    return lines + [""]


def _columns_tables(db: Database, files: list[FileFacts]) -> list[str]:
    """One [columns.<kind>] table per kind: the files of a kind (weekly snapshots, or
    exports of two shapes) share it; a field whose header differs between them lists
    every header (the first one a file has is read)."""
    lines: list[str] = []
    for kind in MAPPED:
        group = [f for f in files if f.plan is None and f.kind == kind]
        if group:
            lines += _columns_lines(db, kind, group)
    return lines


def _columns_lines(db: Database, kind: str, group: list[FileFacts]) -> list[str]:
    headers: dict[str, list] = {}
    notes: dict[str, list[str]] = {}
    stage_dates: dict[str, list[str]] = {}
    for facts in group:
        for name, value, said in _file_mapping(db, facts):
            if value not in headers.setdefault(name, []):
                headers[name].append(value)
            notes.setdefault(name, []).extend(n for n in said if n not in notes[name])
        for stage, column in facts.stage_dates.items():
            if column.name not in stage_dates.setdefault(stage, []):
                stage_dates[stage].append(column.name)
    labels = ", ".join(dict.fromkeys(f.label for f in group))
    lines = [f"[columns.{kind}]", f"# {labels}: headers matched by name, checked by values"]
    for name, values in headers.items():
        lines += [f"# {note}" for note in notes[name]]
        if name == "deal_id" or len(values) == 1:  # the key of the first file
            value = values[0]
            lines.append(f"{name} = {_value(value)}")
        else:
            lines.append(f"{name} = [{', '.join(_string(v) for v in values)}]")
    if kind == "deals" and "rep" not in headers:
        lines.append('# no owner column: deals load with rep "(no owner)"; rank has nothing to rank')
    if stage_dates:
        lines += ["", f"[columns.{kind}.stage_dates]",
                  "# date columns named after a stage: the date the deal entered it"]
        lines += [f"{_key(stage)} = {_value(names[0])}" for stage, names in stage_dates.items()]
    return lines + [""]


def _value(value) -> str:
    if isinstance(value, str):
        return _string(value)
    return _string(value[0]) if len(value) == 1 else f"[{', '.join(_string(k) for k in value)}]"


def _file_mapping(db: Database, facts: FileFacts):
    """(field, header or key, notes) for each field the file's columns give."""
    for name in MAPPED[facts.kind]:
        if name == "deal_id" and facts.kind == "deals":
            yield name, facts.key if isinstance(facts.key, str) else tuple(facts.key), facts.notes
            continue
        column = facts.fields.get(name)
        if name == "created_at" and column is None and facts.kind == "history":
            column = facts.fields.get("entered_at")
        if name == "entered_at":
            column = facts.fields.get("entered_at") or facts.fields.get("created_at")
        if column is not None and name == "status" and not status_values(db, facts.table, column):
            yield name, "", [f"{column.name!r} holds values other than open, won and lost: not read"]
            continue
        if column is None and name in KINDS[facts.kind].optional:
            # a column named like the field (Currency holding SugarCRM's -99) that its values
            # say is not it: named "" so that the load does not read it by its name
            named = [c for c in facts.columns if header_key(c.name) == name]
            if named:
                yield name, "", [f"{named[0].name!r} holds no {name} values: not read"]
                continue
        if column is None or (name == "is_closed" and "is_won" not in facts.fields) or (
            name == "is_won" and "is_closed" not in facts.fields
        ):
            continue
        copies = repeated(facts, column)
        said = [FLAG_NOTES[name]] if name in FLAG_NOTES else []
        if len(copies) > 1:
            copy = copies.index(column) + 1
            others = "s are" if len(copies) > 2 else " is"
            said.append(
                f"{column.name!r} appears {len(copies)} times (columns "
                f"{', '.join(facts.column_label(c.index) for c in copies)}): copy {copy} "
                f"(column {facts.column_label(column.index)}) holds the {name}; the "
                f"other{others} not read"
            )
            yield name, f"{column.name}{COPY_MARK}{copy}", said
            continue
        yield name, column.name, said


def _date_columns(facts: FileFacts):
    if facts.kind is None:
        return []
    columns = [facts.fields[n] for n in DATE_NAMES if n in facts.fields]
    if facts.plan is not None:  # the preset's stage-date columns
        found = (re.fullmatch(r'records\."c(\d+)"', expr) for _, expr, _ in facts.plan.stage_dates)
        columns += [facts.columns[int(m.group(1))] for m in found if m]
    return columns + list(facts.stage_dates.values())


def _dates_lines(files: list[FileFacts]) -> list[str]:
    """[dates]: the shapes the parsing does not read, and the slash-date order. Load
    decides the order per file over all its date columns (the one every value fits; the
    config's only when both fit), so init judges each file the same way."""
    formats: list[str] = []
    ambiguous, day_first, month_first = [], [], []
    for facts in files:
        columns = _date_columns(facts)
        for column in columns:
            formats += [f for f in column.formats if f not in formats]
        slash = sum(c.slash for c in columns)
        mdy, dmy = sum(c.mdy for c in columns), sum(c.dmy for c in columns)
        if slash and mdy == slash and dmy == slash:
            ambiguous.append(facts.label)
        elif slash and dmy == slash:
            day_first.append(facts.label)
        elif slash and mdy == slash:
            month_first.append(facts.label)
    if not (formats or ambiguous or day_first):
        return []
    lines = ["[dates]"]
    if formats:
        lines.append("# date shapes the built-in parsing does not read, found in the values")
        lines.append(f"formats = [{', '.join(_string(f) for f in formats)}]")
    order = "dmy" if day_first and not month_first else "mdy"
    if ambiguous:
        others = f" ({', '.join(day_first)}: day-first)" if order == "dmy" else ""
        lines.append(
            f"# every slash date in {', '.join(ambiguous)} fits both month-first and day-first"
            f"{others}: CHECK this"
        )
        lines.append(f'order = "{order}"')
    elif day_first:
        lines.append(f"# slash dates in {', '.join(day_first)} are day-first")
        lines.append('order = "dmy"')
    return lines + [""]


def _tiers_lines(db: Database, files: list[FileFacts]) -> list[str]:
    if any(f.kind == "deals" and ("tier" in f.fields or (f.plan and "tier" in f.plan.fields))
           for f in files):
        return []  # the deals carry their tier
    if any(f.kind == "accounts" and f.plan and "tier" in f.plan.fields for f in files):
        return []  # the accounts carry theirs
    for facts in files:
        column = facts.fields.get("employees")
        if facts.kind == "accounts" and column is not None:
            limits = band_limits(db, facts, column)
            if len(limits) == 2:
                return [
                    "[tiers]",
                    f"# bands on {facts.label} {column.name} at its tertiles, rounded",
                    'source = "accounts"',
                    f"column = {_string(column.name)}",
                    "bands = [",
                    f'    {{ below = {_number(limits[0])}, tier = "smb" }},',
                    f'    {{ below = {_number(limits[1])}, tier = "mid" }},',
                    '    { tier = "enterprise" },',
                    "]",
                    "",
                ]
    return []


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _key(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z0-9_-]+", text) else _string(text)
