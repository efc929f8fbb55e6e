"""What every command shares: the common options, error translation (named errors
become exit codes here and only here), opening the database, emitting a report,
and `report_command`, which gives a report command its common options and its
open → compute → emit steps so that the command declares only its own options.

DuckDB, Polars and Rich are imported inside functions so `salesfunnel --help`
stays fast (a test checks it).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from salesfunnel.errors import ExitCode, InputError, Interrupted, SalesfunnelError
from salesfunnel.render.machine import OutputFormat

if TYPE_CHECKING:
    from salesfunnel.db import Database
    from salesfunnel.reports.common import Report

# -- shared options -------------------------------------------------------------
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", envvar="SALESFUNNEL_DB", metavar="FILE",
        help="Database file (default: ./salesfunnel.duckdb).",
    ),
]
ConfigOption = Annotated[
    str | None,
    typer.Option(
        "--config",
        envvar="SALESFUNNEL_CONFIG",
        metavar="FILE",
        help="Funnel config (TOML) (default: ./salesfunnel.toml when it exists).",
    ),
]
WaitOption = Annotated[
    float,
    typer.Option(
        "--wait", min=0, metavar="SECONDS",
        help="Seconds to wait while another process holds the database.",
    ),
]
FormatOption = Annotated[
    OutputFormat | None,
    typer.Option("--format", "-f", help="Output format (default: from --output, else table)."),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", metavar="FILE", help="Write to this file instead of stdout."),
]
RawOption = Annotated[
    bool, typer.Option("--raw", help="CSV: do not escape cells that look like formulas.")
]
BomOption = Annotated[
    bool, typer.Option("--bom", help="CSV: start with a UTF-8 byte-order mark (for Excel).")
]
TierOption = Annotated[
    str | None, typer.Option("--tier", metavar="TIER", help="Only this tier (smb, mid, ...).")
]
RepOption = Annotated[str | None, typer.Option("--rep", metavar="REP", help="Only this rep's deals.")]
SourceOption = Annotated[
    str | None, typer.Option("--source", metavar="SOURCE", help="Only this lead source.")
]
MonthOption = Annotated[
    str | None,
    typer.Option(
        "--month", metavar="YYYY-MM",
        help="Cohort month by created_at: YYYY-MM, 'last' or 'latest'.",
    ),
]
SinceOption = Annotated[
    str | None,
    typer.Option("--since", metavar="YYYY-MM-DD", help="Cohort: created on or after this day."),
]
UntilOption = Annotated[
    str | None,
    typer.Option("--until", metavar="YYYY-MM-DD", help="Cohort: created on or before this day."),
]

DEFAULT_WAIT = 5.0
INTERRUPTED = "Interrupted; nothing was written."


# -- errors ---------------------------------------------------------------------
def handle_errors(command: Callable) -> Callable:
    """Translate the tool's named errors into one-paragraph messages and exit codes."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt:
            fail(Interrupted(INTERRUPTED))
        except SalesfunnelError as error:
            fail(error)
        except (typer.Exit, typer.TyperException):  # Typer reports its usage errors (exit 2)
            raise
        except Exception as error:  # a bug: say so briefly, full trace only on request
            if isinstance(error, RuntimeError) and "interrupted" in str(error).lower():
                # Ctrl-C inside a DuckDB call made outside Database._run
                fail(Interrupted(INTERRUPTED))
            if os.environ.get("SALESFUNNEL_DEBUG"):
                raise
            from rich.text import Text

            from salesfunnel.render.cells import stderr_console

            stderr_console().print(
                Text(
                    f"salesfunnel: internal error: {type(error).__name__}: {error}. This is a "
                    "bug; run again with SALESFUNNEL_DEBUG=1 for the traceback and report it.",
                    style="red",
                )
            )
            raise typer.Exit(ExitCode.INTERNAL) from None

    return wrapper


def fail(error: SalesfunnelError) -> None:
    from rich.text import Text

    from salesfunnel.render.cells import stderr_console

    stderr_console().print(Text.assemble(("salesfunnel: error: ", "bold red"), str(error)))
    raise typer.Exit(error.exit_code)


# -- plumbing ---------------------------------------------------------------------
def today() -> dt.date:
    """Today, or $SALESFUNNEL_TODAY (YYYY-MM-DD) for reproducible runs."""
    override = os.environ.get("SALESFUNNEL_TODAY")
    return dt.date.fromisoformat(override) if override else dt.date.today()


@contextmanager
def open_database(db: str | None, config: str | None, *, write: bool, wait: float) -> Iterator[Database]:
    from salesfunnel import db as database_module
    from salesfunnel.config import load_config

    settings = load_config(config)
    database = database_module.open_database(
        database_module.resolve_db_path(db), write=write, config_funnel=settings.funnel, wait=wait
    )
    try:
        yield database
    finally:
        database.close()


def emit_report(
    report: Report, fmt: OutputFormat | None, output: Path | None, raw: bool, bom: bool = False
) -> None:
    """Say the report's notices on stderr, then render it as a table or write it as
    JSON, CSV, Parquet or an Excel workbook."""
    from salesfunnel.render.machine import choose_format, write_frame

    if report.notices:
        from rich.text import Text

        from salesfunnel.render.cells import stderr_console

        console = stderr_console()
        for notice in report.notices:
            console.print(Text(f"salesfunnel: note: {notice}"))

    chosen = choose_format(fmt, output)
    if chosen is not OutputFormat.table:
        write_frame(report.frame, chosen, output, raw, bom, sheet=report.name)
        return
    from salesfunnel.render.cells import print_table
    from salesfunnel.render.registry import report_table

    try:
        print_table(report_table(report), output)
    except OSError as exc:
        raise InputError(f"Cannot write {output}: {exc.strerror or exc}.") from None


IncludeRemovedOption = Annotated[
    bool,
    typer.Option("--include-removed", help="Also count deals removed by a full export."),
]

_COMMON_OPTIONS = (
    ("fmt", FormatOption, None),
    ("output", OutputOption, None),
    ("raw", RawOption, False),
    ("bom", BomOption, False),
    ("db", DbOption, None),
    ("config", ConfigOption, None),
    ("wait", WaitOption, DEFAULT_WAIT),
    ("include_removed", IncludeRemovedOption, False),
)


def report_command(compute: Callable[..., Report]) -> Callable[..., None]:
    """A report command from `compute(database, **own options) -> Report`.

    The command takes compute's own options plus --format/-o/--raw/--bom/--db/
    --config/--wait; it opens the database read-only, calls compute, and renders or writes
    the report. Errors are translated by `handle_errors`.
    """
    own = [
        # the first parameter (the database) and the return type may be names imported
        # for type checking only: evaluate the options' annotations alone
        p.replace(annotation=eval(p.annotation, compute.__globals__))
        if isinstance(p.annotation, str) else p
        for p in list(inspect.signature(compute).parameters.values())[1:]
    ]
    common = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)
        for name, kind, default in _COMMON_OPTIONS
    ]
    parameters = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own] + common

    @handle_errors
    @functools.wraps(compute)
    def command(**options):
        fmt, output, raw, bom, db, config, wait, include_removed = (
            options.pop(name) for name, _, _ in _COMMON_OPTIONS
        )
        with open_database(db, config, write=False, wait=wait) as database:
            if include_removed:
                database.include_removed_deals()
            report = compute(database, **options)
        emit_report(report, fmt, output, raw, bom)

    command.__signature__ = inspect.Signature(parameters)
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    return command
