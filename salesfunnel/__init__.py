"""salesfunnel: B2B sales funnel analytics from CRM CSV exports.

The package follows the data's path:

- `load/`: CRM export files into the database (discovery, sniffing, presets and
  mappings, reading records, staging and merging; the sample generator).
- `db.py`: the one module that talks to DuckDB; it reads the SQL tree `queries/`
  (schema, load scripts, and the `facts`, `reports`, `info` view layers).
- `reports/`: the reports computed from the database (funnel, management, plan,
  info), with their shared filters and date windows; nothing formats for humans.
- `render/`: Rich tables and cell formatting, machine formats (JSON, CSV, Parquet).
- `cli/`: the Typer commands, a thin layer over the above.
- `errors.py` (named errors, exit codes), `config.py` (the TOML config and the
  funnel), `kinds.py` (the kinds of file and their canonical fields).

The core (load, reports, db, config, kinds) never imports cli, render, typer or
rich; reports never import load (import-linter contracts in pyproject.toml).
"""

__version__ = "0.1.0"
