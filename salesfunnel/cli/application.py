"""The Typer app: every command module's commands registered in help order.

A run registers only the command it names (`COMMAND_MODULES` says which module holds
each): a report's start-up then imports one command module, not all seven, and Typer
builds one command's parameters, not forty. `--help`, an unknown name and shell
completion get every command. `app` (tests, docs) is the whole app, built on first use.
"""

from __future__ import annotations

import enum
import importlib
import os
import re
import sys
from pathlib import Path
from typing import Annotated

import typer
import typer.core

from salesfunnel import __version__
from salesfunnel.cli.options import OptionalValueCommand
from salesfunnel.errors import EMPTY_PATH, EMPTY_VALUE, FOLDER_FOR_FILE, ExitCode

# command -> the cli module that defines it, in help order
COMMAND_MODULES = {
    "init": "onboarding",
    "load": "loading",
    "info": "funnel",
    "conversion": "funnel",
    "rank": "funnel",
    "dropoff": "funnel",
    "churn": "management",
    "tiers": "management",
    "plan": "management",
    "pulse": "management",
    "stalled": "management",
    "movement": "pipeline",
    "pacing": "analysis",
    "velocity": "analysis",
    "cohorts": "analysis",
    "pack": "pack",
    "sample": "loading",
}


def _new_app() -> typer.Typer:
    return typer.Typer(
        name="salesfunnel",
        help="B2B sales funnel analytics from CRM CSV exports. Load exports with `load`, then run "
        "the reports: conversion, rank, dropoff, churn, tiers, plan, pulse, stalled, pacing, "
        "velocity, cohorts, movement; `pack` writes the monthly workbook and HTML pages. Data goes to "
        "stdout, messages to stderr.",
        no_args_is_help=True,
        add_completion=True,  # --install-completion / --show-completion
        pretty_exceptions_enable=False,
        rich_markup_mode=None,  # plain help and one-line usage errors: readable in cron mail
        context_settings={"help_option_names": ["-h", "--help"]},
    )


def _argument_type_label(self, ctx) -> str | None:
    """An argument's help shows its metavar (PATH...), not Typer's internal type label
    (`<list[Path]>`), as options with a metavar already do."""
    if self.metavar is not None:
        return None
    return typer.core.TyperArgument.display_type(self, ctx)


def _option_type_label(self, ctx) -> str | None:
    """An option's value in help: its metavar, else its choices (auto|canonical|...),
    else its name in capitals (--months MONTHS), never Typer's `<int>`/`<bool>` labels."""
    if self.metavar is not None:
        return self.metavar
    label = typer.core.TyperOption.display_type(self, ctx)
    if "|" in label:
        return label.strip("<>")
    return (self.name or "value").upper()


def _range_label(self) -> str | None:
    """A numeric option's range in help as words (0 to 86400), not `0<=x<=86400`."""
    if self.min is None and self.max is None:
        return None
    if self.max is None:
        return f"at least {self.min:g}"
    if self.min is None:
        return f"at most {self.max:g}"
    return f"{self.min:g} to {self.max:g}"


def _needs_no_coercion(param, ctx, value) -> bool:
    """A value Typer's coercion would return unchanged: an absent one, a text for a text
    option, or the default the command declares. Typer builds a pydantic validator for
    every parameter it coerces (importing pydantic: about 0.08 s of a report's start-up)."""
    if value is None:
        return not (param.multiple or param.nargs == -1)
    annotation = param.type_descriptor.annotation
    if annotation is str and isinstance(value, str):
        return True
    source = ctx.get_parameter_source(param.name)
    return source is typer.core._click.core.ParameterSource.DEFAULT and value is param.default


_PLAIN_INT = re.compile(r"[+-]?\d+")
_PLAIN_FLOAT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_NOT_PLAIN = object()


def _plain_value(param, value):
    """The value Typer's coercion gives a plain text of a plain option, without it: a
    whole number for an int, a decimal for a float, a path, an enum member by its
    value, a list of paths or texts for a list of them. _NOT_PLAIN for everything else (a
    ranged number, a text that is no plain number or member), which Typer
    coerces, with its checks and its messages."""
    descriptor = param.type_descriptor
    annotation = descriptor.annotation
    if descriptor.file_annotation is not None or descriptor.is_ranged:
        return _NOT_PLAIN
    if param.multiple or param.nargs != 1:  # `load PATH...`, `--kind K=PATH` (repeatable)
        if value is None:  # none given: Typer's empty tuple
            return ()
        if not isinstance(value, (list, tuple)) or not all(isinstance(t, str) for t in value):
            return _NOT_PLAIN
        texts = value
        if annotation == list[Path]:
            return [Path(text) for text in texts]
        return list(texts) if annotation == list[str] else _NOT_PLAIN
    if not isinstance(value, str):
        return _NOT_PLAIN
    if annotation is int and _PLAIN_INT.fullmatch(value):
        return int(value)
    if annotation is float and _PLAIN_FLOAT.fullmatch(value):
        return float(value)
    if annotation is Path:
        return Path(value)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        members = {member.value: member for member in annotation}
        return members.get(value, _NOT_PLAIN)
    return _NOT_PLAIN


_NUMBER_WORDS = {int: "a whole number", float: "a number"}


def _coerced(param, ctx, value):
    """Typer's coercion of `value`; a text that is no number says so in words, not in the
    validator's ('Input should be a valid integer, unable to parse string ...'), and a
    number outside the option's range says the range (`'0' is not a whole number from 1
    to 1e+08`), never that it is no number."""
    try:
        return param.get_runtime_param().coerce(value, param=param, ctx=ctx)
    except typer.core._click.exceptions.BadParameter:
        annotation = param.type_descriptor.annotation
        wanted = _NUMBER_WORDS.get(annotation)
        if wanted is None or not isinstance(value, str):
            raise
        plain = _PLAIN_INT if annotation is int else _PLAIN_FLOAT
        within = _range_label(param) if plain.fullmatch(value.strip()) else None
        if within is not None:
            wanted += f" from {within}" if " to " in within else f" {within}"
        raise typer.core._click.exceptions.BadParameter(
            f"{value!r} is not {wanted}", ctx=ctx, param=param) from None


def _refuse_empty_paths(param, ctx, value) -> None:
    """A path option or argument given an empty text (`--out "$DIR"`, `load "$EXPORTS"`
    with the variable unset) is a usage error: Path("") is the current folder, so the
    pack, the sample or the load would use whatever is there."""
    annotation = param.type_descriptor.annotation
    if annotation is not Path and annotation != list[Path]:
        return
    texts = value if isinstance(value, (list, tuple)) else [value]
    if any(isinstance(text, str) and not text.strip() for text in texts):
        message = (EMPTY_VALUE.format(flag=param.opts[0])
                   if isinstance(param, typer.core.TyperOption) else EMPTY_PATH)
        raise typer.core._click.exceptions.UsageError(message, ctx=ctx)
    if isinstance(param, typer.core.TyperOption) and param.metavar == "FILE":
        for text in texts:  # `-o reports/`: Path() drops the slash, and a file was written
            if isinstance(text, str) and text.endswith(("/", os.sep)):
                raise typer.core._click.exceptions.UsageError(
                    FOLDER_FOR_FILE.format(flag=param.opts[0], path=text), ctx=ctx)


def _refuse_malformed_dates(param, ctx, value) -> None:
    """A date, month or period option whose text is no such thing (`--month 2026-13`,
    `--since 2026-02-30`) is a usage error, exit 2, before any database is opened: the
    same answer with or without a database. The option's metavar says its shape; the
    report's own parser (reports/common.py) judges it, so the words are the same."""
    metavar = getattr(param, "metavar", None)
    if not isinstance(value, str) or not value.strip() \
            or metavar not in ("YYYY-MM-DD", "YYYY-MM", "YYYY-QN|YYYY-MM"):
        return  # a blank is refuse_empty_values' to say ("--month was given an empty value")
    import datetime as dt

    from salesfunnel.errors import UsageError
    from salesfunnel.reports.common import MONTH_WORDS, month_start, parse_day

    flag = param.opts[0]
    try:
        if metavar == "YYYY-MM-DD":
            parse_day(value, flag)
        elif metavar == "YYYY-QN|YYYY-MM":
            from salesfunnel.reports.analysis import pacing_period

            pacing_period(value, dt.date.today())
        elif not (flag == "--month" and value in MONTH_WORDS):
            month_start(value, flag)
    except UsageError as error:
        raise typer.core._click.exceptions.UsageError(str(error), ctx=ctx) from None


def _process_value(self, ctx, value):
    """Typer's `process_value`, skipping the coercion of values that need none, and
    coercing plain texts of plain types itself (`_plain_value`); an empty path is
    refused (`_refuse_empty_paths`)."""
    _refuse_empty_paths(self, ctx, value)
    _refuse_malformed_dates(self, ctx, value)
    if not (self.type_descriptor.annotation is bool and isinstance(value, bool)) \
            and not _needs_no_coercion(self, ctx, value):
        plain = _plain_value(self, value)
        value = _coerced(self, ctx, value) if plain is _NOT_PLAIN else plain
    if self.required and self.value_is_missing(value):
        raise typer.core._click.exceptions.MissingParameter(ctx=ctx, param=self)
    if self.callback is not None:
        value = self.callback(ctx, self, value)
    return value


def _show_usage_error(self, file=None) -> None:
    """Every usage error the parser finds (an unknown option, a missing or malformed value,
    an extra argument) in the form of the tool's own errors: one paragraph on stderr,
    `salesfunnel: error: ...`, then where the options are listed. Exit 2 as before."""
    from rich.text import Text

    from salesfunnel.cli.common import say_error

    message = " ".join(self.format_message().replace("Value error, ", "").split())
    if not message.endswith((".", "?", "!")):
        message += "."
    if self.ctx is not None:
        message += f" Try '{self.ctx.command_path} -h' for help."
    say_error(Text.assemble(("salesfunnel: error: ", "bold red"), message))


typer.core._TyperParameter.process_value = _process_value
typer.core._click.exceptions.UsageError.show = _show_usage_error
typer.core.TyperOption._get_number_range_help_str = _range_label
typer.core.TyperArgument._get_number_range_help_str = _range_label
typer.core.TyperArgument.display_type_rich = _argument_type_label
typer.core.TyperOption.display_type_rich = _option_type_label

def _version(value: bool) -> None:
    if value:
        typer.echo(f"salesfunnel {__version__}")
        raise typer.Exit()


def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """B2B sales funnel analytics from CRM CSV exports."""


def build_app(only: str | None = None) -> typer.Typer:
    """The app with every command in help order, or with the one command `only` names."""
    new = _new_app()
    new.callback()(_root)  # a group even with one command: `salesfunnel NAME ...` as always
    names = [only] if only in COMMAND_MODULES else list(COMMAND_MODULES)
    for name in names:
        module = importlib.import_module(f"salesfunnel.cli.{COMMAND_MODULES[name]}")
        new.command(name, cls=OptionalValueCommand)(getattr(module, name))
    return new


def command_named(argv: list[str]) -> str | None:
    """The command a command line runs (its first word that is not an option), or None
    when every command is needed: shell completion, or no command word at all."""
    if any(key.startswith("_") and key.endswith("_COMPLETE") for key in os.environ):
        return None
    return next((word for word in argv if not word.startswith("-")), None)


def __getattr__(name: str):
    if name == "app":
        globals()["app"] = built = build_app()
        return built
    raise AttributeError(name)


def main() -> None:
    """Console-script entry point."""
    try:
        build_app(command_named(sys.argv[1:]))()
    except KeyboardInterrupt:
        sys.stderr.write("salesfunnel: interrupted\n")
        sys.exit(ExitCode.INTERRUPTED)
