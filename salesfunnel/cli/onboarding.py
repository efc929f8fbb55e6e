"""`salesfunnel init`: look at CRM exports and propose a config (TOML) for loading them.

It reads the files into a scratch in-memory database and never opens the
salesfunnel database. The proposal goes to stdout (or --out FILE); what was found
goes to stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from salesfunnel.cli.common import handle_errors
from salesfunnel.cli.options import ForceOutOption


@handle_errors
def init(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="CSV or Excel exports, or folders of them.", readable=False, metavar="PATH"
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="FILE", help="Write the proposed config here, not to stdout."),
    ] = None,
    force: ForceOutOption = False,
) -> None:
    """Propose a config for these exports: kinds, columns, key, stage order, won and lost
    labels, date formats, tiers, each with how it was inferred. Never writes the database.

    Example: salesfunnel init exports/ --out salesfunnel.toml && salesfunnel load exports/
    """
    from rich.text import Text

    from salesfunnel.errors import InputError
    from salesfunnel.load.currencies import currency_note
    from salesfunnel.load.dating import proposed_undated_note
    from salesfunnel.load.gaps import missing_fields, unread_dates
    from salesfunnel.load.proposal import propose
    from salesfunnel.paths import check_replaceable
    from salesfunnel.render.cells import stderr_console
    from salesfunnel.written import stamp, written_whole

    if out is not None:  # never onto an export, the database or a file init did not write
        check_replaceable(out, force=force, flag="--out", what="the proposal")
    text, files = propose(paths)
    console = stderr_console()
    if out is None:
        typer.echo(text, nl=False)
    else:
        try:
            with written_whole(out) as staging:  # a disk full midway leaves no half proposal
                staging.write_text(stamp(text), encoding="utf-8")
        except OSError as exc:
            raise InputError(f"Cannot write {out}: {exc.strerror or exc}.") from None
    for facts in files:
        what = facts.kind or (f"skipped: it {facts.unkind}" if facts.unkind
                              else "skipped (not a kind salesfunnel loads)")
        how = f", preset {facts.plan.preset}" if facts.plan else (", mapped" if facts.kind else "")
        console.print(Text(f"{facts.label}: {facts.rows:,} rows, {what}{how}"))
        for cost in missing_fields(facts):
            console.print(Text(f"  not found: {cost}"))
        for note in [*unread_dates(facts), *facts.warnings]:
            console.print(Text(f"  warning: {note}"))
    for note in (proposed_undated_note(text, files), currency_note(files)):
        if note:
            console.print(Text(note))
    target = out or "the proposal"
    console.print(Text(
        f"Check {target}, then: salesfunnel load --config {out or 'FILE'} "
        + " ".join(str(p) for p in paths)
    ))
