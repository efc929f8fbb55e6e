"""The commands that bring data in: load (CRM exports into the database) and sample
(a synthetic export to try the tool on)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from salesfunnel.cli.common import DEFAULT_WAIT, env_number, handle_errors, silence_stderr
from salesfunnel.cli.options import ConfigOption, DbOption, ForceOutOption, WaitOption
from salesfunnel.config import DateOrder
from salesfunnel.kinds import Kind
from salesfunnel.load.presets import PresetName

PROGRESS_DELAY_SECONDS = 1.0  # $SALESFUNNEL_PROGRESS_DELAY overrides it (seconds)


@handle_errors
def load(
    paths: Annotated[
        # readable=False: an unreadable file is an input error (exit 3) raised by the loader
        list[Path],
        typer.Argument(help="CSV files or folders of .csv files.", readable=False, metavar="PATH"),
    ],
    preset: Annotated[
        PresetName,
        typer.Option("--preset", help="Export layout (auto: recognise it from the header)."),
    ] = PresetName.auto,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind", metavar="KIND[=PATH]",
            help="Force the kind of every file (KIND), or of one file (KIND=PATH; repeatable). "
            f"Kinds: {', '.join(Kind)}.",
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
        typer.Option(
            "--encoding", metavar="CODEC",
            help="The files' encoding (default: detected; utf-8, utf-16, cp1252, gb18030, big5, ...).",
        ),
    ] = None,
    date_format: Annotated[
        DateOrder | None,
        typer.Option("--date-format", help="Order of slash dates like 03/04/2026."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", metavar="DATETIME",
            help="When the deals files were exported (default: a date in the file name, "
                 "else its modification time).",
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option("--full", help="Each deals file lists every deal: missing deals are removed."),
    ] = False,
    funnel_from_config: Annotated[
        bool,
        typer.Option(
            "--funnel-from-config",
            help="The config's [funnel] replaces the funnel the database was loaded with.",
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="Print only warnings and errors (for cron)."),
    ] = False,
    db: DbOption = None,
    config: ConfigOption = None,
    wait: WaitOption = DEFAULT_WAIT,
) -> None:
    """Load CRM CSV exports into the database (one transaction: all or nothing).

    Example: salesfunnel load exports/ --db crm.duckdb

    Example (cron): salesfunnel load --quiet /srv/exports/ --db /srv/crm.duckdb
    """
    from salesfunnel.config import load_config
    from salesfunnel.db import open_database, resolve_db_path
    from salesfunnel.load.encodings import check_encoding
    from salesfunnel.load.orchestrate import LoadOptions, load_paths
    from salesfunnel.load.snapshots import parse_as_of
    from salesfunnel.render.cells import stderr_console
    from salesfunnel.render.info import print_load_summary

    settings = load_config(config)
    every_file, by_path = _kinds(kind or [])
    options = LoadOptions(
        preset=str(preset), kind=every_file, strict=strict, force=force,
        encoding=None if encoding is None else check_encoding(encoding),
        date_order=None if date_format is None else str(date_format),
        as_of=None if as_of is None else parse_as_of(as_of), full=full,
        kinds_by_path=by_path,
    )
    console = stderr_console()
    # checked on every load, terminal or not, so a bad value is found before cron needs it
    delay = env_number("SALESFUNNEL_PROGRESS_DELAY", PROGRESS_DELAY_SECONDS, 0, 3600)
    database = open_database(
        resolve_db_path(db), write=True, config_funnel=settings.funnel, wait=wait,
        funnel_from_config=funnel_from_config,
    )
    try:
        try:
            with _progress(None if quiet else console, delay) as progress:
                report = load_paths(
                    database, paths, config=settings, options=options, progress=progress
                )
        finally:
            database.close()
        try:
            print_load_summary(console, report, str(database.path), quiet=quiet)
            sys.stderr.flush()
        except (OSError, ValueError):
            # stderr closed or full once the load has committed: the data is stored, the
            # summary cannot be said; that is a success (docs/cli.md, "load")
            silence_stderr()
    except KeyboardInterrupt:
        if not database.committed:
            raise
        # Ctrl-C once the load has committed: the data is stored; that is a success
        stderr_console().print(f"salesfunnel: loaded into {database.path} (interrupted "
                               "while reporting; the load itself is complete).")


def _kinds(values: list[str]) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """--kind KIND (every file) and --kind KIND=PATH (one file)."""
    from salesfunnel.errors import UsageError

    every_file = None
    by_path = []
    for value in values:
        name, _, path = value.partition("=")
        if name.strip() not in Kind.__members__:
            raise UsageError(
                f"--kind {value!r}: {name.strip()!r} is not one of {', '.join(Kind)} "
                "(KIND for every file, KIND=PATH for one)."
            )
        if path:
            by_path.append((path, name.strip()))
        else:
            every_file = name.strip()
    return every_file, tuple(by_path)


@contextmanager
def _progress(console, delay: float) -> Iterator:
    """A transient progress display on stderr, only on a terminal, and only once a load
    has taken more than about a second (a quick load prints nothing but its summary)."""
    if console is None or not console.is_terminal:
        yield None
        return
    import threading

    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
        console=console, transient=True,
    )
    task = bar.add_task("loading", total=None)
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


@handle_errors
def sample(
    out: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="Folder to write the CSV files into.")
    ],
    deals: Annotated[int, typer.Option("--deals", min=1, max=100_000_000, help="Number of deals.")] = 3000,
    seed: Annotated[
        int, typer.Option("--seed", min=0, max=2**63 - 1, help="Random seed (same seed, same files).")
    ] = 7,
    force: ForceOutOption = False,
) -> None:
    """Write a realistic synthetic CRM export (canonical format) for trying the tool.

    Example: salesfunnel sample --out try/ && salesfunnel load try/
    """
    from rich.text import Text

    from salesfunnel.errors import InputError
    from salesfunnel.load.sample import write_sample
    from salesfunnel.paths import check_replaceable
    from salesfunnel.render.cells import stderr_console
    from salesfunnel.written import write_failure, written_whole

    check_replaceable(out, force=force, flag="--out", what="the sample", folder=True)
    try:
        with written_whole(out, folder=True) as staging:  # every file, or none
            written = write_sample(staging, deals=deals, seed=seed)
    except Exception as exc:
        reason = write_failure(exc)
        if reason is None:
            raise
        raise InputError(f"Cannot write the sample into {out}: {reason}.") from None
    console = stderr_console()
    for path, rows in written:
        console.print(Text(f"wrote {out / path.relative_to(staging)} ({rows:,} rows)"))
