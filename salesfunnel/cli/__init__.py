"""The command line: a thin layer over the core.

- `application.py`: the Typer app; registers the commands of the modules below
  (a run registers only the command it names).
- `common.py`: shared options, error translation to exit codes, database opening,
  report emission, and `report_command` (common options + open → compute → emit).
- `onboarding.py`: init. `loading.py`: load, sample. `funnel.py`: info, conversion,
  rank, dropoff. `management.py`: churn, tiers, plan, pulse, stalled.
  `pipeline.py`: movement. `analysis.py`: pacing, velocity, cohorts. `pack.py`: pack.

Each command declares its own options and makes one call into the core
(salesfunnel.reports, salesfunnel.load); no SQL lives here.
"""

from salesfunnel.cli.application import main

__all__ = ["app", "main"]


def __getattr__(name: str):
    if name == "app":  # the whole app is built on first use (cli/application.py)
        from salesfunnel.cli import application

        return application.app
    raise AttributeError(name)
