"""The analysis commands: pacing, velocity and cohorts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from salesfunnel.cli.common import report_command, today
from salesfunnel.cli.options import CurrencyOption
from salesfunnel.reports.analysis import CohortBy, PacingBy, VelocityBy

if TYPE_CHECKING:
    from salesfunnel.db import Database
    from salesfunnel.reports.common import Report


@report_command(pipelines="one")  # a target belongs to one funnel
def pacing(
    database: Database,
    target_amount: Annotated[
        float,
        typer.Option("--target-amount", metavar="AMOUNT",
                     help="Target for the period (each rep's or tier's with --by)."),
    ],
    period: Annotated[
        str | None,
        typer.Option("--period", metavar="YYYY-QN|YYYY-MM",
                     help="A quarter (2026-Q4) or a month (2026-11) (default: this quarter)."),
    ] = None,
    by: Annotated[
        PacingBy | None, typer.Option("--by", help="One row per rep or per tier.")
    ] = None,
    lookback: Annotated[
        int,
        typer.Option("--lookback", metavar="MONTHS",
                     help="Full calendar months before the period to take win rates from."),
    ] = 6,
    currency: CurrencyOption = None,
) -> Report:
    """Are we on pace? Won vs target, open pipeline closing in the period, coverage, projection.

    Example: salesfunnel pacing --target-amount 1500000 --period 2026-Q4
    """
    from salesfunnel.reports import analysis

    return analysis.pacing(database, target_amount, today(), period, by, lookback)


@report_command
def velocity(
    database: Database,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="YYYY-MM-DD", help="Window: from this day."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", metavar="YYYY-MM-DD",
                     help="Window: to this day (inclusive; default today)."),
    ] = None,
    month: Annotated[
        str | None,
        typer.Option("--month", metavar="YYYY-MM",
                     help="Window: a month, 'last', 'latest' or 'complete' (default: last; "
                     "--month alone: the last complete month)."),
    ] = None,
    by: Annotated[
        VelocityBy | None, typer.Option("--by", help="One row per tier, rep or source.")
    ] = None,
    from_stage: Annotated[
        str | None,
        typer.Option("--from-stage", metavar="STAGE",
                     help="The stage opportunities enter (default: the stage before won)."),
    ] = None,
    currency: CurrencyOption = None,
) -> Report:
    """Sales velocity (opportunities × win rate × avg won amount / cycle days) vs the window before.

    Example: salesfunnel velocity --month 2026-10 --by tier
    """
    from salesfunnel.reports import analysis

    return analysis.velocity(database, today(), since=since, until=until, month=month, by=by,
                             from_stage=from_stage)


@report_command
def cohorts(
    database: Database,
    stage: Annotated[
        str | None,
        typer.Option("--stage", metavar="STAGE", help="The stage to reach (default: won)."),
    ] = None,
    ages: Annotated[
        str | None,
        typer.Option("--ages", metavar="DAYS,...",
                     help="Ages in days after created_at (default: 30,60,90,180)."),
    ] = None,
    by: Annotated[CohortBy | None, typer.Option("--by", help="One heatmap per tier.")] = None,
) -> Report:
    """Cohort maturity: share of each created_at month reaching a stage within N days.

    Example: salesfunnel cohorts --stage opportunity --ages 30,90
    """
    from salesfunnel.reports import analysis

    return analysis.cohorts(database, stage, ages, by)
