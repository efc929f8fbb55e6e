"""The command line. Each command parses its options, makes one call into the core
and renders or writes the result. Errors become exit codes here and only here.

DuckDB and Polars are imported inside the commands so `salesfunnel --help` is fast.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from salesfunnel import __version__
from salesfunnel.errors import InputError, Interrupted, SalesfunnelError, UsageError
from salesfunnel.output import OutputFormat

app = typer.Typer(
    name="salesfunnel",
    help="B2B sales funnel analytics from CRM CSV exports. Load exports with `load`, then "
    "run `conversion`, `rank` or `dropoff`. Data goes to stdout, messages to stderr.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# -- shared options -------------------------------------------------------------
DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="SALESFUNNEL_DB", help="Database file (default: ./salesfunnel.duckdb)."),
]
ConfigOption = Annotated[
    str | None,
    typer.Option(
        "--config",
        envvar="SALESFUNNEL_CONFIG",
        help="Funnel config (TOML) (default: ./salesfunnel.toml when it exists).",
    ),
]
WaitOption = Annotated[
    float,
    typer.Option("--wait", min=0, help="Seconds to wait while another process holds the database."),
]
FormatOption = Annotated[
    OutputFormat | None,
    typer.Option("--format", "-f", help="Output format (default: from --output, else table)."),
]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
]
RawOption = Annotated[
    bool, typer.Option("--raw", help="CSV: do not escape cells that look like formulas.")
]
TierOption = Annotated[str | None, typer.Option("--tier", help="Only this tier (smb, mid, ...).")]
RepOption = Annotated[str | None, typer.Option("--rep", help="Only this rep's deals.")]
SourceOption = Annotated[str | None, typer.Option("--source", help="Only this lead source.")]
MonthOption = Annotated[
    str | None,
    typer.Option("--month", help="Cohort month by created_at: YYYY-MM, 'last' or 'latest'."),
]
SinceOption = Annotated[
    str | None, typer.Option("--since", help="Cohort: created on or after YYYY-MM-DD.")
]
UntilOption = Annotated[
    str | None, typer.Option("--until", help="Cohort: created on or before YYYY-MM-DD.")
]


def handle_errors(command):
    """Translate the tool's named errors into one-paragraph messages and exit codes."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt:
            _fail(Interrupted("Interrupted; nothing was written."))
        except SalesfunnelError as error:
            _fail(error)
        except (typer.Exit, typer.TyperException):  # Typer reports its usage errors (exit 2)
            raise
        except Exception as error:  # a bug: say so briefly, full trace only on request
            if isinstance(error, RuntimeError) and "interrupted" in str(error).lower():
                # Ctrl-C inside a DuckDB call made outside Database._run
                _fail(Interrupted("Interrupted; nothing was written."))
            if os.environ.get("SALESFUNNEL_DEBUG"):
                raise
            from rich.text import Text

            from salesfunnel.render import stderr_console

            stderr_console().print(
                Text(
                    f"salesfunnel: internal error: {type(error).__name__}: {error}. This is a "
                    "bug; run again with SALESFUNNEL_DEBUG=1 for the traceback and report it.",
                    style="red",
                )
            )
            raise typer.Exit(1) from None

    return wrapper


def _fail(error: SalesfunnelError) -> None:
    from rich.text import Text

    from salesfunnel.render import stderr_console

    stderr_console().print(
        Text.assemble(("salesfunnel: error: ", "bold red"), str(error))
    )
    raise typer.Exit(error.exit_code)


def _today() -> dt.date:
    """Today, or $SALESFUNNEL_TODAY (YYYY-MM-DD) for reproducible runs."""
    override = os.environ.get("SALESFUNNEL_TODAY")
    return dt.date.fromisoformat(override) if override else dt.date.today()


@contextmanager
def _database(db: str | None, config: str | None, *, write: bool, wait: float):
    from salesfunnel.config import load_config
    from salesfunnel.db import open_database, resolve_db_path

    settings = load_config(config)
    database = open_database(
        resolve_db_path(db), write=write, config_funnel=settings.funnel, wait=wait
    )
    try:
        yield database
    finally:
        database.close()


def _emit_report(report, fmt: OutputFormat | None, output: Path | None, raw: bool) -> None:
    """Render a report as a table or write it as JSON, CSV or Parquet."""
    from salesfunnel.output import choose_format, write_frame

    chosen = choose_format(fmt, output)
    if chosen is not OutputFormat.table:
        write_frame(report.frame, chosen, output, raw)
        return
    from salesfunnel.render import print_table, report_table

    try:
        print_table(report_table(report), output)
    except OSError as exc:
        raise InputError(f"Cannot write {output}: {exc.strerror or exc}.") from None


# -- commands ---------------------------------------------------------------------
def _version(value: bool) -> None:
    if value:
        typer.echo(f"salesfunnel {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """B2B sales funnel analytics from CRM CSV exports."""


@app.command()
@handle_errors
def load(
    paths: Annotated[
        # readable=False: an unreadable file is an input error (exit 3) raised by the loader
        list[Path], typer.Argument(help="CSV files or folders of .csv files.", readable=False)
    ],
    preset: Annotated[
        str,
        typer.Option(
            "--preset",
            help="Export layout: auto (recognise from the header), canonical, hubspot, "
            "salesforce, pipedrive.",
        ),
    ] = "auto",
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="Force the kind of every file: deals, history, accounts, reps, subscriptions.",
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail (exit 3, nothing kept) if any row is rejected.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Reload files even when unchanged since their last load.")
    ] = False,
    encoding: Annotated[
        str | None,
        typer.Option("--encoding", help="The files' encoding (default: detected; utf-8, utf-16, "
                     "cp1252, gb18030, big5, ...)."),
    ] = None,
    date_format: Annotated[
        str | None,
        typer.Option("--date-format", help="Order of slash dates like 03/04/2026: mdy or dmy."),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    wait: WaitOption = 5.0,
) -> None:
    """Load CRM CSV exports into the database (one transaction: all or nothing)."""
    from salesfunnel.config import DATE_ORDERS, load_config
    from salesfunnel.db import open_database, resolve_db_path
    from salesfunnel.loader import KIND_NAMES, LoadOptions, load_paths
    from salesfunnel.presets import PRESET_NAMES
    from salesfunnel.render import print_load_summary, stderr_console

    if kind is not None and kind not in KIND_NAMES:
        raise UsageError(f"--kind takes one of {', '.join(KIND_NAMES)}; got {kind!r}.")
    if preset not in PRESET_NAMES:
        raise UsageError(f"--preset takes one of {', '.join(PRESET_NAMES)}; got {preset!r}.")
    if date_format is not None and date_format not in DATE_ORDERS:
        raise UsageError(f"--date-format takes mdy or dmy; got {date_format!r}.")
    settings = load_config(config)
    options = LoadOptions(
        preset=preset, kind=kind, strict=strict, force=force, encoding=encoding,
        date_order=date_format,
    )
    console = stderr_console()
    database = open_database(resolve_db_path(db), write=True, config_funnel=settings.funnel, wait=wait)
    try:
        with _progress(console) as progress:
            report = load_paths(database, paths, config=settings, options=options, progress=progress)
    finally:
        database.close()
    print_load_summary(console, report, str(database.path))


PROGRESS_DELAY_SECONDS = 1.0  # $SALESFUNNEL_PROGRESS_DELAY overrides it (seconds)


@contextmanager
def _progress(console):
    """A transient progress display on stderr, only on a terminal, and only once a load
    has taken more than about a second (a quick load prints nothing but its summary)."""
    if not console.is_terminal:
        yield None
        return
    import threading

    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
        console=console, transient=True,
    )
    task = bar.add_task("loading", total=None)
    delay = float(os.environ.get("SALESFUNNEL_PROGRESS_DELAY", PROGRESS_DELAY_SECONDS))
    timer = threading.Timer(delay, bar.start)
    timer.daemon = True

    def update(number: int, total: int, path: Path) -> None:
        bar.update(task, total=total, completed=number - 1,
                   description=f"loading {path.name} ({number}/{total})")

    timer.start()
    try:
        yield update
    finally:
        timer.cancel()
        bar.stop()


@app.command()
@handle_errors
def info(db: DbOption = None, config: ConfigOption = None, wait: WaitOption = 5.0) -> None:
    """What the database holds: files, deals by status and tier, dates, rejects."""
    from salesfunnel import reports
    from salesfunnel.render import info_renderable, stdout_console

    with _database(db, config, write=False, wait=wait) as database:
        summary = reports.info(database)
    stdout_console().print(info_renderable(summary))


@app.command()
@handle_errors
def conversion(
    tier: TierOption = None,
    rep: RepOption = None,
    source: SourceOption = None,
    month: MonthOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    by: Annotated[
        str | None, typer.Option("--by", help="One funnel per tier, rep, source or month.")
    ] = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
    raw: RawOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
    wait: WaitOption = 5.0,
) -> None:
    """Stage conversion of a cohort of deals (by created_at): reached, rates, lost, open."""
    from salesfunnel import reports

    with _database(db, config, write=False, wait=wait) as database:
        filters = reports.cohort_filters(
            database, tier=tier, rep=rep, source=source, month=month, since=since, until=until,
            today=_today(),
        )
        report = reports.conversion(database, filters, by)
    _emit_report(report, fmt, output, raw)


@app.command()
@handle_errors
def rank(
    month: Annotated[
        str, typer.Option("--month", help="Month of activity: YYYY-MM, 'last' or 'latest'.")
    ] = "latest",
    tier: TierOption = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
    raw: RawOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
    wait: WaitOption = 5.0,
) -> None:
    """Each rep's activity and rank per funnel stage in a month, next to last month's rank."""
    from salesfunnel import reports

    with _database(db, config, write=False, wait=wait) as database:
        report = reports.rank(database, month, tier, _today())
    _emit_report(report, fmt, output, raw)


@app.command()
@handle_errors
def dropoff(
    tier: TierOption = None,
    rep: RepOption = None,
    source: SourceOption = None,
    month: MonthOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
    raw: RawOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
    wait: WaitOption = 5.0,
) -> None:
    """Why deals are lost: lost deals by tier, lost-at stage and reason."""
    from salesfunnel import reports

    with _database(db, config, write=False, wait=wait) as database:
        filters = reports.cohort_filters(
            database, tier=tier, rep=rep, source=source, month=month, since=since, until=until,
            today=_today(),
        )
        report = reports.dropoff(database, filters)
    _emit_report(report, fmt, output, raw)


@app.command()
@handle_errors
def sample(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the CSV files into.")],
    deals: Annotated[int, typer.Option("--deals", min=1, help="Number of deals.")] = 3000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same files).")] = 7,
) -> None:
    """Write a realistic synthetic CRM export (canonical format) for trying the tool."""
    from rich.text import Text

    from salesfunnel.render import stderr_console
    from salesfunnel.sample import write_sample

    written = write_sample(out, deals=deals, seed=seed)
    console = stderr_console()
    for path, rows in written:
        console.print(Text(f"wrote {path} ({rows:,} rows)"))


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("salesfunnel: interrupted\n")
        sys.exit(130)


from salesfunnel import cli_management  # noqa: E402,F401  (registers churn, tiers, plan, pulse, stalled)
