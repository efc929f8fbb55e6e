"""The options several commands share, declared once (cli/common.py gives them to
every report command)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import typer.core

from salesfunnel.render.machine import OutputFormat

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
        "--wait", min=0, max=86400, metavar="SECONDS",
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
        help="Cohort month by created_at: YYYY-MM, 'last', 'latest' or 'complete' "
        "(--month alone: the last complete month).",
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
ConfidenceOption = Annotated[
    float,
    typer.Option(
        "--confidence", metavar="LEVEL",
        help="Confidence level of the Wilson intervals beside rates (0.90 = 90%).",
    ),
]

CurrencyOption = Annotated[
    str | None,
    typer.Option(
        "--currency", metavar="CODE",
        help="Only deals with amounts in this currency (needed when there are several).",
    ),
]

PipelineOption = Annotated[
    str | None,
    typer.Option(
        "--pipeline", metavar="NAME",
        help="Only this pipeline's deals (default: each pipeline apart when there are several).",
    ),
]

ForceOutputOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Write --output even over a file salesfunnel did not write (or one edited since).",
    ),
]
ForceOutOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Write into --out even where it holds files salesfunnel did not write there.",
    ),
]

IncludeRemovedOption = Annotated[
    bool,
    typer.Option("--include-removed", help="Also count deals removed by a full export."),
]


# -- options whose value may be left out ------------------------------------------
# `--month` alone means the last complete month (what `rank` and `pulse` show without
# it), in every command that takes --month, also when another option follows it.
OPTIONAL_VALUES = {"--month": "complete"}


class OptionalValueCommand(typer.core.TyperCommand):
    """A command whose options in OPTIONAL_VALUES may be given without a value: the
    arguments are read once before Typer parses them, and an option of OPTIONAL_VALUES
    followed by nothing, by another option or by `--` gets its bare value. Every command
    is registered with this class (cli/application.py), so each option inherits it."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        return super().parse_args(ctx, fill_optional_values(self.params, args))


def fill_optional_values(params, args: list[str]) -> list[str]:
    """`args` with the bare value after each optional-value option given none."""
    takes_value = {
        opt for param in params if getattr(param, "param_type_name", "") == "option"
        and not (param.is_flag or param.count) for opt in param.opts
    }
    optional = {opt: OPTIONAL_VALUES[opt] for opt in takes_value if opt in OPTIONAL_VALUES}
    if not optional:
        return args
    filled: list[str] = []
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        filled.append(arg)
        if arg == "--":  # the rest are arguments
            filled.extend(rest)
            break
        if arg in optional and (not rest or rest[0].startswith("-")):
            filled.append(optional[arg])
        elif arg in takes_value and rest:  # another option's value: never an option
            filled.append(rest.pop(0))
    return filled
