"""Reports over several pipelines: a deal's stages are those of its pipeline's funnel,
so pipelines are never mixed in one funnel. `in_scope` runs a report for the pipeline
asked for (--pipeline), or for each pipeline of the database in turn when it holds
several, stacking the results with a leading `pipeline` field. docs/metrics.md,
"Pipelines".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from salesfunnel.errors import UsageError
from salesfunnel.funnel import label_key
from salesfunnel.reports.common import Report

if TYPE_CHECKING:
    from salesfunnel.db import Database

NO_PIPELINE = "(none)"  # how the deals without a pipeline are named in a stacked report


def pipeline_name(name: str | None) -> str:
    return NO_PIPELINE if name is None else name


def resolve_pipeline(db: Database, asked: str) -> str | None:
    """The stored pipeline a --pipeline value names (case-insensitive; "(none)" is the
    deals without one); UsageError listing the known ones when it names none."""
    known = db.pipelines()
    for name in known:
        if label_key(pipeline_name(name)) == label_key(asked):
            return name
    listed = ", ".join(pipeline_name(name) for name in known) or "(no deal loaded)"
    raise UsageError(f"--pipeline {asked!r} matches no deal in the database. Pipelines: {listed}.")


def in_scope(
    db: Database,
    pipeline: str | None,
    compute: Callable[[], Report],
    *,
    grouped: bool = False,
    mode: str = "split",
) -> Report:
    """`compute()` for --pipeline `pipeline`; without it, on the whole database when it
    holds one pipeline (or none, or `mode` is "whole"), else once per pipeline, stacked
    (`stack`), or, `mode` "one", a UsageError asking for --pipeline. `grouped` (--by
    pipeline) stacks even a single pipeline and renders one grouped table."""
    if pipeline is not None and pipeline.strip():
        if grouped:
            raise UsageError("--by pipeline and --pipeline do not go together: pick one.")
        name = resolve_pipeline(db, pipeline)
        db.scope_pipeline(name)
        try:
            report = compute()
        finally:
            db.scope_every_pipeline()
        report.title += f" · pipeline {pipeline_name(name)}"
        return report
    if mode == "whole" and not grouped:
        return compute()
    known = db.pipelines()
    if grouped or (mode == "split" and len(known) > 1):
        parts = []
        try:
            for name in known:
                db.scope_pipeline(name)
                report = compute()
                parts.append(replace(report, title=f"{report.title} · pipeline {pipeline_name(name)}"))
        finally:
            db.scope_every_pipeline()
        return stack(parts, known, grouped=grouped)
    scope_to_one(db, None)  # several pipelines here (mode "one") is a UsageError
    if db.scope_mode == "all":  # no pipeline with a funnel of its own: nothing to undo
        return compute()
    try:
        return compute()
    finally:
        db.scope_every_pipeline()


def stack(parts: list[Report], names: list[str | None], *, grouped: bool) -> Report:
    """One report from one per pipeline: the rows with a leading `pipeline` field (fields
    a pipeline lacks, such as another funnel's stage columns, are null), the notices of
    each said once, and the parts kept for a table per pipeline."""
    import polars as pl

    frames = [
        part.frame.select(pl.lit(pipeline_name(name), dtype=pl.String).alias("pipeline"), pl.all())
        for part, name in zip(parts, names, strict=True)
    ]
    frame = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
    first = parts[0]
    notices: list[str] = []
    for part, name in zip(parts, names, strict=True):
        for notice in part.notices:
            said = f"pipeline {pipeline_name(name)}: {notice}"
            if said not in notices:
                notices.append(said)
    title = first.title.rsplit(" · pipeline ", 1)[0] + " · by pipeline"
    return Report(
        first.name, title, frame, first.stages,
        group_by="pipeline" if grouped else first.group_by,
        extra={**first.extra, "pipeline_parts": [] if grouped else parts},
        notices=notices,
    )


def scope_to_one(db: Database, pipeline: str | None) -> str | None:
    """For what covers one funnel (the pack): scope to --pipeline `pipeline`, or to the
    database's only pipeline; several pipelines and no --pipeline is a UsageError naming
    them. Returns the name of the pipeline asked for, else None."""
    if pipeline is not None and pipeline.strip():
        name = resolve_pipeline(db, pipeline)
        db.scope_pipeline(name)
        return pipeline_name(name)
    known = db.pipelines()
    if len(known) > 1:
        raise UsageError(
            f"The database holds {len(known)} pipelines "
            f"({', '.join(pipeline_name(n) for n in known)}), each with its own stages: "
            "pick one with --pipeline NAME."
        )
    if known and known[0] is not None and db.full_funnel.has_own(known[0]):
        db.scope_pipeline(known[0])
    return None
