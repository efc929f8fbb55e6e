"""Which Rich table shows which report: one builder per report name."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from salesfunnel.render import funnel, management, movement

if TYPE_CHECKING:
    from rich.table import Table

    from salesfunnel.reports.common import Report

TABLE_BUILDERS: dict[str, Callable[[Report], Table]] = {
    "conversion": funnel.conversion_table,
    "rank": funnel.rank_table,
    "dropoff": funnel.dropoff_table,
    "churn": management.churn_table,
    "early_churn": management.early_churn_table,
    "tiers": management.tiers_table,
    "plan": management.plan_table,
    "pulse": management.pulse_table,
    "stalled": management.stalled_table,
    "movement": movement.movement_table,
}


def report_table(report: Report) -> Table:
    """The Rich table of any report, by its name."""
    return TABLE_BUILDERS[report.name](report)
