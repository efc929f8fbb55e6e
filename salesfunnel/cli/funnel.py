"""The funnel commands: info, conversion, rank and dropoff."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from salesfunnel.cli.common import (
    DEFAULT_WAIT,
    handle_errors,
    open_database,
    print_data,
    report_command,
    say_notices,
    stale_notices,
    today,
)
from salesfunnel.cli.options import (
    ConfidenceOption,
    ConfigOption,
    CurrencyOption,
    DbOption,
    MonthOption,
    RepOption,
    SinceOption,
    SourceOption,
    TierOption,
    UntilOption,
    WaitOption,
)
from salesfunnel.render.machine import InfoFormat
from salesfunnel.reports.common import DropoffBy, GroupBy

if TYPE_CHECKING:
    from salesfunnel.db import Database
    from salesfunnel.reports.common import Filters, Report


@handle_errors
def info(
    fmt: Annotated[
        InfoFormat,
        typer.Option("--format", "-f", help="table, or json / csv (one row) for monitoring."),
    ] = InfoFormat.table,
    db: DbOption = None,
    config: ConfigOption = None,
    wait: WaitOption = DEFAULT_WAIT,
) -> None:
    """What the database holds: files, deals by status and tier, dates, rejects.

    Example: salesfunnel info --format json --db crm.duckdb
    """
    import sys

    from salesfunnel.render.cells import print_table
    from salesfunnel.render.info import info_csv, info_json, info_tables
    from salesfunnel.reports.info import info as database_info

    with open_database(db, config, write=False, wait=wait) as database:
        summary = database_info(database)
        notices = stale_notices(database)
    say_notices(notices)
    if fmt is InfoFormat.table:
        print_data(lambda: print_table(info_tables(summary), None))
    else:
        text = info_json(summary) if fmt is InfoFormat.json else info_csv(summary)
        print_data(lambda: sys.stdout.write(text))


@report_command
def conversion(
    database: Database,
    tier: TierOption = None,
    rep: RepOption = None,
    source: SourceOption = None,
    month: MonthOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    by: Annotated[GroupBy | None, typer.Option("--by", help="One funnel per group.")] = None,
    confidence: ConfidenceOption = 0.90,
) -> Report:
    """Stage conversion of a cohort of deals (by created_at): reached, rates, lost, open.

    Example: salesfunnel conversion --by tier --month 2026-10
    """
    from salesfunnel.reports import funnel

    filters = _cohort(database, tier, rep, source, month, since, until)
    return funnel.conversion(database, filters, by, confidence)


@report_command
def rank(
    database: Database,
    month: Annotated[
        str | None,
        typer.Option(
            "--month", metavar="YYYY-MM",
            help="Month of activity: YYYY-MM, 'last', 'latest' or 'complete' (default, and "
            "--month alone: the last complete month).",
        ),
    ] = None,
    tier: TierOption = None,
    currency: CurrencyOption = None,
    confidence: ConfidenceOption = 0.90,
    min_deals: Annotated[
        int,
        typer.Option(
            "--min-deals", metavar="N",
            help="Below N won + lost a rep is low volume; below N events its move is not ranked.",
        ),
    ] = 5,
) -> Report:
    """Each rep's activity and rank per funnel stage in a month, next to last month's rank.

    Example: salesfunnel rank --month 2026-10 -f csv -o rank.csv
    """
    from salesfunnel.reports import funnel

    return funnel.rank(database, month, tier, today(), confidence, min_deals)


@report_command
def dropoff(
    database: Database,
    tier: TierOption = None,
    rep: RepOption = None,
    source: SourceOption = None,
    month: MonthOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    currency: CurrencyOption = None,
    by: Annotated[
        DropoffBy | None, typer.Option("--by", help="One group of rows per pipeline.")
    ] = None,
) -> Report:
    """Why deals are lost: lost deals by tier, lost-at stage and reason.

    Example: salesfunnel dropoff --tier smb --since 2026-01-01
    """
    from salesfunnel.reports import funnel

    return funnel.dropoff(database, _cohort(database, tier, rep, source, month, since, until), by)


def _cohort(database: Database, tier, rep, source, month, since, until) -> Filters:
    from salesfunnel.reports import common

    return common.cohort_filters(
        database, tier=tier, rep=rep, source=source, month=month, since=since, until=until,
        today=today(),
    )
