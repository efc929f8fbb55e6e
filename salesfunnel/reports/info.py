"""`salesfunnel info`: what the database holds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from salesfunnel.db import Database
    from salesfunnel.rows import Rows


@dataclass
class Info:
    """What the database holds."""

    path: str
    funnel: tuple[str, ...]
    files: Rows  # as the queries gave them: the table needs no Polars
    deal_counts: Rows
    first_created: dt.datetime | None
    last_created: dt.datetime | None
    last_activity: dt.datetime | None
    history_rows: int
    orphan_history_rows: int
    subscription_rows: int
    reject_rows: int
    recent_rejects: Rows
    removed_deals: int = 0  # removed by a full export: kept, out of every report
    newest_as_of: dt.datetime | None = None  # of the deals exports loaded
    # per pipeline of the deals (None: without one): its deals and the stages it counts
    pipelines: list[tuple[str | None, int, tuple[str, ...]]] = field(default_factory=list)
    # deals whose amount is unknown in the report currency (no rate): (currency, deals)
    unconverted: list[tuple[str, int]] = field(default_factory=list)
    # what the exports leave unknown: stages reached but never dated, deals without an
    # amount, won or lost deals without a close date
    undated_stages: tuple[str, ...] = ()
    deals_without_amount: int = 0
    closed_without_date: int = 0


def info(db: Database, reject_limit: int = 5) -> Info:
    span = db.fetchall("select first_created, last_created, last_activity from data_span")[0]
    return Info(
        path=str(db.path),
        funnel=db.funnel.stages,
        files=db.rows("select * exclude (file_id) from loaded_files"),
        deal_counts=db.rows("select * from deal_counts"),
        first_created=span[0],
        last_created=span[1],
        last_activity=span[2],
        history_rows=db.scalar("select count(*) from stage_history"),
        orphan_history_rows=db.scalar(
            "select count(*) from stage_history anti join deals using (deal_id)"
        ),
        subscription_rows=db.scalar("select count(*) from subscriptions"),
        reject_rows=db.scalar("select count(*) from (select distinct path, line from load_rejects)"),
        recent_rejects=db.rows("select * exclude (file_id) from recent_rejects limit ?",
                               [reject_limit]),
        removed_deals=db.scalar("select count(*) from removed_deals semi join deals using (deal_id)"),
        newest_as_of=db.scalar("select max(as_of) from deal_exports"),
        pipelines=[
            (name, deals, db.full_funnel.for_pipeline(name).stages)
            for name, deals in db.fetchall("select pipeline, deals from pipeline_deals")
        ],
        unconverted=db.unconverted_amounts(),
        undated_stages=tuple(stage for (stage,) in db.fetchall(
            "select stage from undated_stages order by stage_index")),
        deals_without_amount=db.scalar("select count(*) from deal_facts where amount is null"),
        closed_without_date=db.scalar("select won_undated + lost_undated from undated_closes"),
    )
