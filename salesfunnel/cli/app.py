"""The Typer app: every command module's commands registered in help order."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from salesfunnel import __version__
from salesfunnel.cli import analysis, funnel, loading, management, onboarding, pipeline
from salesfunnel.errors import ExitCode

app = typer.Typer(
    name="salesfunnel",
    help="B2B sales funnel analytics from CRM CSV exports. Load exports with `load`, then run "
    "the reports: conversion, rank, dropoff, churn, tiers, plan, pulse, stalled, pacing, "
    "velocity, cohorts. Data goes to "
    "stdout, messages to stderr.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help and one-line usage errors: readable in cron mail
    context_settings={"help_option_names": ["-h", "--help"]},
)

for command in (
    *onboarding.COMMANDS, *loading.COMMANDS, *funnel.COMMANDS, *management.COMMANDS,
    *pipeline.COMMANDS, *analysis.COMMANDS, *loading.LAST_COMMANDS,
):
    app.command()(command)


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


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("salesfunnel: interrupted\n")
        sys.exit(ExitCode.INTERRUPTED)
