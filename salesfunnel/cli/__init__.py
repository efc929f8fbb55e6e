"""The command line: a thin layer over the core.

- `app.py`: the Typer app; registers the commands of the modules below.
- `common.py`: shared options, error translation to exit codes, database opening,
  report emission, and `report_command` (common options + open → compute → emit).
- `onboarding.py`: init. `loading.py`: load, sample. `funnel.py`: info, conversion,
  rank, dropoff. `management.py`: churn, tiers, plan, pulse, stalled.
  `pipeline.py`: movement. `analysis.py`: pacing, velocity, cohorts. `pack.py`: pack.

Each command declares its own options and makes one call into the core
(salesfunnel.reports, salesfunnel.load); no SQL lives here.
"""

from __future__ import annotations

import sys

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point. `salesfunnel --version` answers before Typer and the
    commands are imported (cron jobs and scripts call it often)."""
    if sys.argv[1:] == ["--version"]:
        from salesfunnel import __version__

        sys.stdout.write(f"salesfunnel {__version__}\n")
        return
    from salesfunnel.cli.app import main as run

    run()


def __getattr__(name: str):
    if name == "app":  # the Typer app, imported when first asked for
        from salesfunnel.cli.app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
