"""Which funnel stages an export cannot date, said once on stderr by `init` (from the
proposed mapping) and by `load`'s summary (from the loaded data), with the columns
that would give the dates. A stage without dates still counts as reached in
`conversion`; its entries per month are unknown (null in rank, pulse and velocity)
and plan counts no event of it."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence

from salesfunnel.db import Database
from salesfunnel.funnel import stage_dates_hint
from salesfunnel.load.infer import FileFacts


def undated_note(stages: Sequence[str], first_stage: str) -> str | None:
    """The note for these undated stages (funnel order), or None when every stage is dated."""
    if not stages:
        return None
    named = ", ".join(stages)
    plural = len(stages) != 1
    return (
        f"note: no entry dates for the stage{'s' if plural else ''} {named}: "
        f"{'they count' if plural else 'it counts'} as reached in conversion, but "
        f"{'their' if plural else 'its'} entries per month are unknown (rank, pulse and "
        "velocity show them as –, plan counts no event of it) and no step of conversion's "
        f"days. {stage_dates_hint(stages, first_stage)}"
    )


def loaded_undated_note(db: Database) -> str | None:
    """From the loaded deals (right after the load refreshed the cached facts): the stages
    that deals reached and none has a date for."""
    db.ensure("undated_stages")
    stages = [stage for (stage,) in db.fetchall("select stage from undated_stages")]
    return undated_note(stages, db.full_funnel.shared.stages[0]) if stages else None


def proposed_undated_note(proposal: str, files: Sequence[FileFacts]) -> str | None:
    """From `init`'s proposal: the proposed funnel's stages that no mapped column dates."""
    stages = tomllib.loads(proposal).get("funnel", {}).get("stages")
    deals = [facts for facts in files if facts.kind == "deals"]
    if not stages or not deals or any(facts.kind == "history" for facts in files):
        return None  # a history file may date any stage: nothing to say before loading
    dated: set[str] = set()
    for facts in deals:
        fields = set(facts.plan.fields) if facts.plan else set(facts.fields)
        if "created_at" in fields:
            dated.add(stages[0].lower())
        if "closed_at" in fields:
            dated.add(stages[-1].lower())
        named = [stage for stage, _, _ in facts.plan.stage_dates] if facts.plan else list(
            facts.stage_dates)
        dated |= {stage.lower() for stage in named}
    return undated_note([s for s in stages if s.lower() not in dated], stages[0])
