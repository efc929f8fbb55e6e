"""The options several commands share, declared once (cli/common.py gives them to
every report command)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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

IncludeRemovedOption = Annotated[
    bool,
    typer.Option("--include-removed", help="Also count deals removed by a full export."),
]
