"""The `pack` command: the monthly pack people open (workbook, HTML page, rep pages)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from salesfunnel.cli.common import (
    DEFAULT_WAIT,
    handle_errors,
    open_database,
    refuse_empty_values,
    stale_notices,
    today,
)
from salesfunnel.cli.options import (
    ConfigOption,
    CurrencyOption,
    DbOption,
    ForceOutOption,
    PipelineOption,
    WaitOption,
)
from salesfunnel.errors import InputError


@handle_errors
def pack(
    out: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="Folder to write the pack into (created).")
    ],
    month: Annotated[
        str | None,
        typer.Option("--month", metavar="YYYY-MM",
                     help="The month: YYYY-MM, 'last', 'latest' or 'complete' (default, and "
                     "--month alone: the last complete month with data, as rank and pulse)."),
    ] = None,
    target_amount: Annotated[
        float | None,
        typer.Option("--target-amount", metavar="AMOUNT",
                     help="Revenue target of next month, for the plan sheet (default: no plan)."),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    wait: WaitOption = DEFAULT_WAIT,
    pipeline: PipelineOption = None,
    currency: CurrencyOption = None,
    force: ForceOutOption = False,
) -> None:
    """Write the monthly pack: salesfunnel-M.xlsx, index.html with charts, one page per rep in reps/.

    Example: salesfunnel pack --out pack/ --target-amount 500000

    Example: salesfunnel pack --month 2026-10 --out pack-2026-10/
    """
    from rich.text import Text

    from salesfunnel.paths import check_replaceable
    from salesfunnel.render.cells import stderr_console
    from salesfunnel.render.pack import engine, write_pack
    from salesfunnel.render.pack.collect import collect_ranks, collect_rest, pack_month
    from salesfunnel.reports.currency import scope_currency
    from salesfunnel.reports.pipelines import scope_to_one
    from salesfunnel.written import written_whole

    refuse_empty_values({"month": month, "pipeline": pipeline, "currency": currency})
    check_replaceable(out, force=force, flag="--out", what="the pack", folder=True)
    day = today()
    engines = engine.start()  # warms up while the reports are computed
    try:
        with open_database(db, config, write=False, wait=wait) as database:
            scoped = scope_to_one(database, pipeline)
            notes = scope_currency(database, currency)  # never summed across currencies
            first = pack_month(database, month, day)
            data = collect_ranks(database, first, day)
            data.notes[:0] = notes
            if scoped is not None:
                data.notes.insert(0, f"the pack covers pipeline {scoped}.")
            data.notes.extend(stale_notices(database))  # as every report says it
            try:
                # whole or not at all: a report or a file that fails midway leaves no
                # partial folder, and an earlier pack in `out` as it was
                with written_whole(out, folder=True) as staging:
                    # the other reports are computed while the reps' rank charts render
                    files = write_pack(data, staging, engines,
                                       lambda: collect_rest(database, data, target_amount))
                files = files.moved(staging, out)
            except OSError as exc:
                raise InputError(
                    f"Cannot write the pack into {out}: {exc.strerror or exc}."
                ) from None
    finally:
        engines.close()
    console = stderr_console()
    for note in data.notes:
        console.print(Text(f"salesfunnel: note: {note}"))
    pages = len(files.rep_pages)
    console.print(Text(f"Wrote the {data.label} pack: {files.workbook.name}, index.html and "
                       f"{pages} rep page{'' if pages == 1 else 's'}."))
    typer.echo(str(files.index))
