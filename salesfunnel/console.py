"""The `salesfunnel` console script: `salesfunnel --version` answers before the CLI
(Typer and every command) is imported, as cron jobs and scripts call it often;
everything else is `salesfunnel.cli.main`."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"] and sys.stdout is not None:
        from salesfunnel import __version__

        sys.stdout.write(f"salesfunnel {__version__}\n")
        return
    from salesfunnel.cli import main as cli_main

    cli_main()
