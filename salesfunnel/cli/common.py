"""What every command shares: the common options, error translation (named errors
become exit codes here and only here), opening the database, emitting a report,
and `report_command`, which gives a report command its common options and its
open → compute → emit steps so that the command declares only its own options.

DuckDB, Polars and Rich are imported inside functions so `salesfunnel --help`
stays fast (a test checks it).
"""

from __future__ import annotations

import datetime as dt
import errno
import functools
import inspect
import io
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from salesfunnel.cli.options import (
    BomOption,
    ConfigOption,
    DbOption,
    ForceOutputOption,
    FormatOption,
    IncludeRemovedOption,
    OutputOption,
    PipelineOption,
    RawOption,
    WaitOption,
)
from salesfunnel.errors import (
    EMPTY_VALUE,
    ExitCode,
    InputError,
    Interrupted,
    OutputError,
    SalesfunnelError,
    Terminated,
    UsageError,
)
from salesfunnel.render.machine import OutputFormat

if TYPE_CHECKING:
    from salesfunnel.db import Database
    from salesfunnel.reports.common import Report

DEFAULT_WAIT = 5.0
INTERRUPTED = "Interrupted; nothing was written."


# -- errors ---------------------------------------------------------------------
class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that every `finally` runs (the load's
    transaction rolls back, scratch files are removed)."""


_SIGTERM_RECEIVED: list[bool] = []


def _on_sigterm(signum, frame) -> None:
    # remembered: inside a DuckDB call the exception comes back as "interrupted"
    _SIGTERM_RECEIVED.append(True)
    raise _Terminated()


def debug_enabled() -> bool:
    """$SALESFUNNEL_DEBUG: 1, true, yes or on (any case) turn it on; anything else is off."""
    return os.environ.get("SALESFUNNEL_DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}


def env_number(name: str, default: float, low: float, high: float) -> float:
    """A numeric environment variable within [low, high]; UsageError otherwise."""
    text = os.environ.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # NaN fails too
        raise UsageError(f"${name} must be a number of seconds from {low:g} to {high:g}; got {text!r}.")
    return value


def _flush_stdout() -> None:
    """Data goes to stdout: a failure to write it (closed pipe, full disk) is an output
    error naming stdout, and later flushes (at exit) are silenced."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError) as exc:
        _silence_stdout()
        reason = getattr(exc, "strerror", None) or str(exc)
        raise OutputError(f"Cannot write stdout: {reason}.") from None


class _ClosedStdout(io.TextIOBase):
    """Stands for a stdout the process was started without: writing data fails as
    writing to a closed descriptor does (an output error, exit 3)."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "it is closed")

    def isatty(self) -> bool:
        return False


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def silence_stderr() -> None:
    """stderr cannot be written (closed, a full disk): later messages, and Python's
    flush at exit, go nowhere instead of failing the command a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
    except (OSError, ValueError):
        pass
    sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115  # lives to the exit


def say_error(text) -> None:
    """The error paragraph on stderr; a stderr that cannot take it changes nothing (the
    exit code still says what happened)."""
    from salesfunnel.render.cells import stderr_console

    try:
        stderr_console().print(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        silence_stderr()


def handle_errors(command: Callable) -> Callable:
    """Translate the tool's named errors into one-paragraph messages and exit codes;
    flush stdout here so a failed write of the data is reported, not lost."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _on_sigterm)
        if sys.stdout is None:  # started with stdout closed (`>&-`)
            sys.stdout = _ClosedStdout()
        if sys.stderr is None:  # started with stderr closed (`2>&-`): messages go nowhere
            sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
        try:
            from salesfunnel.bounds import check_parameters

            check_parameters(kwargs)  # every numeric option in its range (bounds.py)
            result = command(*args, **kwargs)
            _flush_stdout()
            return result
        except (_Terminated, KeyboardInterrupt, Interrupted) as error:
            if _SIGTERM_RECEIVED:
                fail(Terminated("Terminated (SIGTERM); nothing was written."))
            fail(error if isinstance(error, Interrupted) else Interrupted(INTERRUPTED))
        except SalesfunnelError as error:
            fail(error)
        except (typer.Exit, typer.TyperException):  # Typer reports its usage errors (exit 2)
            raise
        except BrokenPipeError:
            _silence_stdout()
            fail(OutputError("Cannot write stdout: the reader closed the pipe."))
        except OSError as error:  # a file the tool was asked to use (not the database)
            name = os.fsdecode(error.filename) if error.filename else "a file"
            fail(InputError(f"Cannot use {name}: {error.strerror or error}."))
        except Exception as error:  # a bug: say so briefly, full trace only on request
            if isinstance(error, RuntimeError) and "interrupted" in str(error).lower():
                # Ctrl-C (or SIGTERM) inside a DuckDB call made outside Database._run
                if _SIGTERM_RECEIVED:
                    fail(Terminated("Terminated (SIGTERM); nothing was written."))
                fail(Interrupted(INTERRUPTED))
            if debug_enabled():
                raise
            from rich.text import Text

            say_error(
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

    say_error(Text.assemble(("salesfunnel: error: ", "bold red"), str(error)))
    raise typer.Exit(error.exit_code)


# -- plumbing ---------------------------------------------------------------------
def today() -> dt.date:
    """Today, or $SALESFUNNEL_TODAY (YYYY-MM-DD) for reproducible runs."""
    from salesfunnel.reports.common import parse_day

    override = os.environ.get("SALESFUNNEL_TODAY")
    return parse_day(override.strip(), "$SALESFUNNEL_TODAY") if override else dt.date.today()


def refuse_empty_values(options: dict) -> None:
    """An option given an empty value (`--month ""`, often an unset shell variable in a
    cron line) is a usage error in every command, never taken as the option left out."""
    for name, value in options.items():
        if isinstance(value, str) and not value.strip():
            raise UsageError(EMPTY_VALUE.format(flag=f"--{name.replace('_', '-')}"))


@contextmanager
def open_database(
    db: str | None, config: str | None, *, write: bool, wait: float, output: Path | None = None,
    force: bool = False, fmt: OutputFormat | None = None, raw: bool = False, bom: bool = False,
) -> Iterator[Database]:
    """The database (its path checked; a report's --output must not be it, nor a file
    salesfunnel did not write unless `force`; its --format, --raw and --bom must fit,
    check_output_options)."""
    from salesfunnel import db as database_module
    from salesfunnel.config import load_config
    from salesfunnel.paths import check_output_path, check_replaceable
    from salesfunnel.render.machine import check_output_options

    settings = load_config(config)
    path = database_module.resolve_db_path(db)
    check_output_path(output, path)
    if output is not None:
        check_replaceable(output, force=force, flag="--output", what="the report")
    check_output_options(fmt, output, raw, bom)
    database = database_module.open_database(
        path, write=write, config_funnel=settings.funnel, wait=wait
    )
    database.config = settings
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

    say_notices(report.notices)

    chosen = choose_format(fmt, output)
    if chosen is not OutputFormat.table:
        write_frame(report.frame, chosen, output, raw, bom, sheet=report.name)
        return
    from salesfunnel.render.cells import TABLE_ROW_LIMIT, print_table
    from salesfunnel.render.registry import report_table

    parts = report.extra.get("pipeline_parts") or [report]  # a table per pipeline
    shown = [part.head(TABLE_ROW_LIMIT) for part in parts]
    print_data(lambda: print_table([report_table(part) for part in shown], output), output)
    height = max(part.height for part in parts)
    if height > TABLE_ROW_LIMIT:
        say_notices([f"the table shows the first {TABLE_ROW_LIMIT:,} of {height:,} rows; "
                     "--format csv or --format json (or --output FILE.csv) writes all of them."])


def say_notices(notices: list[str]) -> None:
    """What the reader must know about the numbers, on stderr."""
    if not notices:
        return
    from rich.text import Text

    from salesfunnel.render.cells import stderr_console

    console = stderr_console()
    for notice in notices:
        console.print(Text(f"salesfunnel: note: {notice}"))


def print_data(write: Callable[[], None], output: Path | None = None) -> None:
    """Run `write` (data to stdout or `output`); a failure is an output error naming
    the target (exit 3)."""
    try:
        write()
    except OSError as exc:
        if output is None:
            _silence_stdout()
        target = "stdout" if output is None else output
        raise OutputError(f"Cannot write {target}: {exc.strerror or exc}.") from None


def stale_notices(database: Database) -> list[str]:
    from salesfunnel.reports.notices import outdated_cache_notice, stale_notice

    days = database.config.stale_after_days if database.config else 7
    return [notice for notice in (stale_notice(database, today(), days),
                                  outdated_cache_notice(database)) if notice]


_COMMON_OPTIONS = (
    ("fmt", FormatOption, None),
    ("output", OutputOption, None),
    ("raw", RawOption, False),
    ("bom", BomOption, False),
    ("db", DbOption, None),
    ("config", ConfigOption, None),
    ("wait", WaitOption, DEFAULT_WAIT),
    ("include_removed", IncludeRemovedOption, False),
    ("pipeline", PipelineOption, None),
    ("force", ForceOutputOption, False),
)


def report_command(
    compute: Callable[..., Report] | None = None, *, pipelines: str = "split"
) -> Callable[..., None]:
    """A report command from `compute(database, **own options) -> Report`.

    --pipeline scopes it to one pipeline; without it, a database of several pipelines
    gets the report once per pipeline (`pipelines` "split", reports.pipelines.in_scope),
    or over the whole database ("whole": about customers, not funnels: churn), or it
    needs --pipeline ("one": a target belongs to one funnel: plan, pacing).

    The command takes compute's own options plus --format/-o/--raw/--bom/--db/
    --config/--wait; it opens the database read-only, calls compute, and renders or writes
    the report. Errors are translated by `handle_errors`. A compute that declares
    `currency` (CurrencyOption) sums amounts: the database is first scoped to one
    currency (reports.currency.scope_currency), compute may ignore the value.
    """
    if compute is None:
        return functools.partial(report_command, pipelines=pipelines)
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
        refuse_empty_values(options)
        fmt, output, raw, bom, db, config, wait, include_removed, pipeline, force = (
            options.pop(name) for name, _, _ in _COMMON_OPTIONS
        )
        with open_database(db, config, write=False, wait=wait, output=output,
                           force=force, fmt=fmt, raw=raw, bom=bom) as database:
            from salesfunnel.reports.common import FILTER_COLUMNS, check_filter_values

            check_filter_values(database, **{k: v for k, v in options.items() if k in FILTER_COLUMNS})
            if include_removed:
                database.include_removed_deals()
            notices = []
            if "currency" in options:
                from salesfunnel.reports.currency import scope_currency

                notices = scope_currency(database, options["currency"])
            from salesfunnel.reports.pipelines import in_scope

            grouped = options.get("by") == "pipeline"  # --by pipeline: a group per pipeline
            if grouped:
                options["by"] = None
            report = in_scope(
                database, pipeline, lambda: compute(database, **options), grouped=grouped,
                mode=pipelines,
            )
            report.notices[:0] = notices
            report.notices.extend(stale_notices(database))
        emit_report(report, fmt, output, raw, bom)

    command.__signature__ = inspect.Signature(parameters)
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    return command
