"""The management commands: churn, tiers, plan, pulse and stalled."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from salesfunnel.cli.common import report_command, today
from salesfunnel.cli.options import ConfidenceOption, CurrencyOption, TierOption
from salesfunnel.errors import UsageError
from salesfunnel.reports.management import ChurnBy

if TYPE_CHECKING:
    from salesfunnel.db import Database
    from salesfunnel.reports.common import Report

StartedSinceOption = Annotated[
    str | None,
    typer.Option("--since", metavar="YYYY-MM-DD", help="Customers started on or after this day."),
]
StartedUntilOption = Annotated[
    str | None,
    typer.Option("--until", metavar="YYYY-MM-DD", help="Customers started on or before this day."),
]


@report_command(pipelines="whole")  # customers, not funnels: --pipeline scopes it
def churn(
    database: Database,
    since: StartedSinceOption = None,
    until: StartedUntilOption = None,
    by: Annotated[ChurnBy, typer.Option("--by", help="One row per rep or per tier.")] = ChurnBy.rep,
    early_months: Annotated[
        int,
        typer.Option(
            "--early-months", metavar="MONTHS", max=1200,
            help="Early churn: ended within this many calendar months of starting.",
        ),
    ] = 5,
    list_early: Annotated[
        bool,
        typer.Option(
            "--list-early",
            help="List the early-churned customers with their rep (commission review) instead.",
        ),
    ] = False,
    confidence: ConfidenceOption = 0.90,
) -> Report:
    """Customer churn per rep (or tier) beside the company's; flags reps well above it.

    Example: salesfunnel churn --since 2026-01-01 --by tier
    """
    from salesfunnel.reports import common, management

    window = common.day_window(since, until)
    if list_early:
        return management.early_churn(database, window, today(), early_months)
    return management.churn(database, window, today(), by, early_months, confidence)


@report_command
def tiers(
    database: Database,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", metavar="YYYY-MM-DD",
            help="Deals created (customers started) on or after this day.",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until", metavar="YYYY-MM-DD",
            help="Deals created (customers started) on or before this day.",
        ),
    ] = None,
    currency: CurrencyOption = None,
    confidence: ConfidenceOption = 0.90,
) -> Report:
    """Per tier: deals, win rate, days to win, won amounts, and customer churn and MRR.

    Example: salesfunnel tiers --since 2026-01-01
    """
    from salesfunnel.reports import common, management

    return management.tiers(database, common.day_window(since, until), today(), confidence)


@report_command(pipelines="one")  # a target belongs to one funnel
def plan(
    database: Database,
    target_amount: Annotated[
        float,
        typer.Option(
            "--target-amount", metavar="AMOUNT",
            help="Revenue target for the whole plan.",
        ),
    ],
    months: Annotated[
        int, typer.Option("--months", help="Months the target is spread over (evenly).")
    ] = 1,
    lookback: Annotated[
        int,
        typer.Option("--lookback", metavar="MONTHS",
                     help="Full calendar months before this one to take rates from."),
    ] = 6,
    tier: TierOption = None,
    start: Annotated[
        str | None,
        typer.Option("--start", metavar="YYYY-MM",
                     help="First month of the plan (default: this month, the one after the last "
                          "complete month, as in the pack)."),
    ] = None,
    currency: CurrencyOption = None,
    ramp: Annotated[
        str | None,
        typer.Option("--ramp", metavar="R1,R2,...",
                     help="A new rep's productivity by month of tenure, e.g. 0.25,0.5,0.75, "
                     "then 1 (default: none)."),
    ] = None,
    attrition: Annotated[
        float | None,
        typer.Option("--attrition", metavar="SHARE",
                     help="Monthly share of reps who leave (default: from the reps' activity)."),
    ] = None,
    reps_now: Annotated[
        int | None,
        typer.Option("--reps-now", metavar="N",
                     help="Reps on staff now (default: reps active in the last complete month)."),
    ] = None,
    reps_per_manager: Annotated[
        int, typer.Option("--reps-per-manager", metavar="N", help="Reps one manager leads.")
    ] = 8,
) -> Report:
    """Bottom-up plan: deals per stage per month, and the reps, hires and managers it takes.

    Example: salesfunnel plan --target-amount 1500000 --months 3
    """
    from salesfunnel.reports import plan as planning

    return planning.plan(
        database, target_amount, today(), months=months, lookback=lookback, tier=tier, start=start,
        ramp=ramp, attrition=attrition, reps_now=reps_now, reps_per_manager=reps_per_manager,
    )


@report_command
def pulse(
    database: Database,
    week: Annotated[
        bool, typer.Option("--week", help="ISO weeks (Monday to Sunday) instead of months.")
    ] = False,
    month: Annotated[
        str | None,
        typer.Option(
            "--month", metavar="YYYY-MM",
            help="The calendar month: YYYY-MM, 'last', 'latest' or 'complete' (default, and "
            "--month alone: the last complete one).",
        ),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(
            "--date", metavar="YYYY-MM-DD",
            help="A day of the period (default: the last complete period).",
        ),
    ] = None,
    opportunity_stage: Annotated[
        str | None,
        typer.Option(
            "--opportunity-stage", metavar="STAGE",
            help="The stage counted as opportunity (default: the third of four or more stages, "
            "else the stage before won).",
        ),
    ] = None,
    tier: TierOption = None,
    currency: CurrencyOption = None,
) -> Report:
    """Leads, opportunities, last stage before won, wins, average won amount: vs the period before.

    Example: salesfunnel pulse --month 2026-10
    """
    import datetime as dt

    from salesfunnel.reports import common, management

    if week and month:
        raise UsageError("Use --week or --month, not both.")
    if month and date:
        raise UsageError("Use --month YYYY-MM or --date, not both.")
    now = today()
    if month:
        day = common.resolve_month(database, month, now, latest_of="last_activity") \
            or now.replace(day=1)
    elif date:
        day = common.parse_day(date, "--date")
    elif week:  # the last complete ISO week
        day = now - dt.timedelta(days=now.weekday() + 7)
    else:
        day = common.last_complete_month(database, now, latest_of="last_activity")
    report = management.pulse(
        database, "week" if week else "month", day, opportunity_stage, tier
    )
    period = report.extra["period"]
    partial = common.partial_period(period.start, period.end, now)
    if partial:
        report.title += f" · {partial}"
        report.notices.append(
            f"{period.label} is a partial period ({partial}); it is compared with the whole "
            f"period {period.previous_label}."
        )
    return report


@report_command
def stalled(
    database: Database,
    tier: TierOption = None,
    min_days: Annotated[
        int,
        typer.Option("--min-days", metavar="DAYS",
                     help="Only deals at least this many days in their stage."),
    ] = 0,
    min_past_deals: Annotated[
        int | None,
        typer.Option("--min-past-deals", metavar="N",
                     help="Past deals a tier and stage needs for a p90 (default: 20); "
                          "with fewer, its open deals are not checked."),
    ] = None,
) -> Report:
    """Open deals longer in their stage than 90% of past deals of their tier were.

    Example: salesfunnel stalled --tier smb --min-days 30
    """
    from salesfunnel.reports import management

    if min_past_deals is None:
        min_past_deals = management.STALLED_MIN_PAST_DEALS
    return management.stalled(database, today(), tier, min_days, min_past_deals)
