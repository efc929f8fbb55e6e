"""The management commands: churn, tiers, plan, pulse and stalled.

They are registered on the app of cli.py (which imports this module at its end)
and share its options, error handling and database opening. As there, each
command parses its options, makes one call into the core (management.py) and
renders or writes the result.
"""

from __future__ import annotations

from typing import Annotated

import typer

from salesfunnel.cli import (
    ConfigOption,
    DbOption,
    FormatOption,
    OutputOption,
    RawOption,
    TierOption,
    WaitOption,
    _database,
    _emit_report,
    _today,
    app,
    handle_errors,
)
from salesfunnel.errors import UsageError

StartedSinceOption = Annotated[
    str | None, typer.Option("--since", help="Customers started on or after YYYY-MM-DD.")
]
StartedUntilOption = Annotated[
    str | None, typer.Option("--until", help="Customers started on or before YYYY-MM-DD.")
]
EarlyMonthsOption = Annotated[
    int,
    typer.Option(
        "--early-months",
        help="Early churn: ended within this many calendar months of starting.",
    ),
]


@app.command()
@handle_errors
def churn(
    since: StartedSinceOption = None,
    until: StartedUntilOption = None,
    by: Annotated[str, typer.Option("--by", help="One row per rep or per tier.")] = "rep",
    early_months: EarlyMonthsOption = 5,
    list_early: Annotated[
        bool,
        typer.Option(
            "--list-early",
            help="List the early-churned customers with their rep (commission review) instead.",
        ),
    ] = False,
    fmt: FormatOption = None,
    output: OutputOption = None,
    raw: RawOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
    wait: WaitOption = 5.0,
) -> None:
    """Customer churn per rep (or tier) beside the company's; flags reps well above it."""
    from salesfunnel import management

    window = management.day_window(since, until)
    today = _today()
    with _database(db, config, write=False, wait=wait) as database:
        if list_early:
            report = management.early_churn(database, window, today, early_months)
        else:
            report = management.churn(database, window, today, by, early_months)
    _emit_report(report, fmt, output, raw)


@app.command()
@handle_errors
def tiers(
    since: Annotated[
        str | None,
        typer.Option("--since", help="Deals created (customers started) on or after YYYY-MM-DD."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="Deals created (customers started) on or before YYYY-MM-DD."),
    ] = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
    raw: RawOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
    wait: WaitOption = 5.0,
) -> None:
    """Per tier: deals, win rate, days to win, won amounts, and customer churn and MRR."""
    from salesfunnel import management

    window = management.day_window(since, until)
    with _database(db, config, write=False, wait=wait) as database:
        report = management.tiers(database, window, _today())
    _emit_report(report, fmt, output, raw)


@app.command()
@handle_errors
def plan(
    target_amount: Annotated[
        float, typer.Option("--target-amount", help="Revenue target for the whole plan.")
    ],
    months: Annotated[
        int, typer.Option("--months", help="Months the target is spread over (evenly).")
    ] = 1,
    lookback: Annotated[
        int,
        typer.Option("--lookback", help="Full calendar months before this one to take rates from."),
    ] = 6,
    tier: TierOption = None,
    start: Annotated[
        str | None,
        typer.Option("--start", help="First month of the plan, YYYY-MM (default: next month)."),
    ] = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
    raw: RawOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
    wait: WaitOption = 5.0,
) -> None:
    """Bottom-up plan: deals that must enter each stage per month, and reps, for a target."""
    from salesfunnel import management

    with _database(db, config, write=False, wait=wait) as database:
        report = management.plan(
            database, target_amount, _today(), months=months, lookback=lookback, tier=tier,
            start=start,
        )
    _emit_report(report, fmt, output, raw)


@app.command()
@handle_errors
def pulse(
    week: Annotated[bool, typer.Option("--week", help="The ISO week (Monday to Sunday).")] = False,
    month: Annotated[
        bool, typer.Option("--month", help="The calendar month (the default).")
    ] = False,
    date: Annotated[
        str | None,
        typer.Option("--date", help="A day of the period, YYYY-MM-DD (default: today)."),
    ] = None,
    opportunity_stage: Annotated[
        str | None,
        typer.Option(
            "--opportunity-stage",
            help="The stage counted as opportunity (default: the third of four or more stages, "
            "else the stage before won).",
        ),
    ] = None,
    tier: TierOption = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
    raw: RawOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
    wait: WaitOption = 5.0,
) -> None:
    """Leads, opportunities, last stage before won, wins, average won amount: vs the period before."""
    from salesfunnel import management
    from salesfunnel.reports import parse_day

    if week and month:
        raise UsageError("Use --week or --month, not both.")
    day = parse_day(date, "--date") if date else _today()
    with _database(db, config, write=False, wait=wait) as database:
        report = management.pulse(
            database, "week" if week else "month", day, opportunity_stage, tier
        )
    _emit_report(report, fmt, output, raw)


@app.command()
@handle_errors
def stalled(
    tier: TierOption = None,
    min_days: Annotated[
        int, typer.Option("--min-days", help="Only deals at least this many days in their stage.")
    ] = 0,
    fmt: FormatOption = None,
    output: OutputOption = None,
    raw: RawOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
    wait: WaitOption = 5.0,
) -> None:
    """Open deals longer in their stage than 90% of past deals of their tier were."""
    from salesfunnel import management

    with _database(db, config, write=False, wait=wait) as database:
        report = management.stalled(database, _today(), tier, min_days)
    _emit_report(report, fmt, output, raw)
