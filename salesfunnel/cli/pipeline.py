"""The pipeline-over-time commands: movement (the pipeline waterfall)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from salesfunnel.cli.common import report_command
from salesfunnel.cli.options import CurrencyOption, RepOption, SourceOption, TierOption
from salesfunnel.reports.movement import MovementBy

if TYPE_CHECKING:
    from salesfunnel.db import Database
    from salesfunnel.reports.common import Report


@report_command
def movement(
    database: Database,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="YYYY-MM-DD",
                     help="Start day (end of day; default: 7 days before --until)."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", metavar="YYYY-MM-DD",
                     help="End day (end of day; default: the newest export's as-of)."),
    ] = None,
    tier: TierOption = None,
    rep: RepOption = None,
    source: SourceOption = None,
    by: Annotated[MovementBy | None, typer.Option("--by", help="One waterfall per group.")] = None,
    currency: CurrencyOption = None,
) -> Report:
    """How the open pipeline moved between two days: start, created, reopened, amount
    up/down, won, lost, removed, end; then advanced, regressed, pushed, pulled in.

    Example: salesfunnel movement --since 2026-11-13 --until 2026-11-20 --by rep
    """
    from salesfunnel.reports import movement as report

    return report.movement(database, since, until, tier=tier, rep=rep, source=source, by=by)
