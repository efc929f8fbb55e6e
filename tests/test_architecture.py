"""The layout's promises, checked: no import cycles, the layering contracts of
pyproject.toml, a table builder for every report, small modules, a `--help`
that imports neither DuckDB nor Polars, and a table report on DuckDB's engine alone."""

from __future__ import annotations

import ast
import hashlib
import re
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from salesfunnel.db import open_database
from salesfunnel.render.registry import TABLE_BUILDERS
from salesfunnel.sqltree import CACHED_VIEWS, query_files

PACKAGE = Path(__file__).resolve().parent.parent / "salesfunnel"
ROOT = PACKAGE.parent
MAX_MODULE_LINES = 400


def test_no_import_cycles():
    graph = grimp.build_graph("salesfunnel")
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back:
                cycles.append((module, *back))
    assert cycles == []


def test_import_linter_contracts_are_kept():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports"))], cwd=ROOT, capture_output=True,
        text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_report_has_a_table_builder():
    names = set()
    for path in (PACKAGE / "reports").glob("*.py"):
        names |= set(re.findall(r'\bReport\(\s*"(\w+)"', path.read_text(encoding="utf-8")))
    assert names, "no Report(...) found"
    assert names == set(TABLE_BUILDERS)


def test_modules_are_small_or_say_why():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > MAX_MODULE_LINES:
            docstring = ast.get_docstring(ast.parse(text)) or ""
            assert "one piece" in docstring, f"{path.relative_to(ROOT)} has {lines} lines"


def _run_cli_then(setup: str, call: str, report: str) -> str:
    """stdout of a fresh interpreter that runs `setup`, then the CLI `call` (its exit
    caught), then `report` (which prints what it found in sys.modules)."""
    code = (f"import sys\n{setup}try:\n    {call}\nexcept SystemExit as stop:\n"
            f"    print('EXIT', stop.code)\n{report}")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return result.stdout


def test_help_imports_neither_duckdb_nor_polars():
    stdout = _run_cli_then(
        "from salesfunnel.cli import app\n", "app(['--help'])",
        "heavy = sorted(m for m in ('duckdb', 'polars', 'pyarrow') if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy))\n",
    )
    assert "HEAVY=\n" in stdout


@pytest.mark.parametrize("command", [
    ["conversion"], ["rank"], ["dropoff"], ["pulse"], ["tiers"], ["info"], ["stalled"],
    ["pacing", "--target-amount", "1000"], ["velocity"], ["cohorts"], ["conversion", "--by", "tier"],
])
def test_a_table_report_runs_on_the_engine_alone(funnel_db, command):
    """A table report's start-up pays for DuckDB's engine, not for the `duckdb`
    package's Python layer, Polars, statistics, hashlib or tomllib (80, 200, 5, 4 and
    4 ms of a 0.25 s run): its rows come as Python rows (rows.Rows) and the table
    builders read them as they are (Report.rows)."""
    stdout = _run_cli_then(
        "from salesfunnel.console import main\n"
        f"sys.argv = ['salesfunnel', *{command!r}, '--db', {str(funnel_db)!r}]\n",
        "main()",
        "heavy = sorted(m for m in ('duckdb', 'polars', 'pyarrow', 'statistics', "
        "'hashlib', 'tomllib', 'pydantic') if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy), '_duckdb' in sys.modules)\n",
    )
    assert "HEAVY= True\n" in stdout
    assert "EXIT 0\n" in stdout  # the report ran, to the end


def test_a_bulk_frame_brings_the_duckdb_package_in(funnel_db):
    """Database.bulk_frame needs the relation API: it imports the package itself, on a
    connection the engine alone opened."""
    stdout = _run_cli_then(
        "from salesfunnel.db import open_database\n"
        f"db = open_database(__import__('pathlib').Path({str(funnel_db)!r}), write=False, "
        "config_funnel=None)\n"
        "print('BEFORE', 'duckdb' in sys.modules)\n",
        "frame = db.bulk_frame('select count(*) as deals from deals')",
        "print('AFTER', 'duckdb' in sys.modules, frame['deals'].to_list())\n",
    )
    assert "BEFORE False\n" in stdout
    assert "AFTER True [6]\n" in stdout  # the six rows of fixtures/funnel/deals.csv


def test_the_facts_key_is_the_sha256_of_funnel_and_sql(funnel_db):
    """Computed by DuckDB's sha256 (no hashlib at start-up), it is the digest the
    releases before stored: their databases keep their cached facts."""
    db = open_database(funnel_db, write=False, config_funnel=None)
    try:
        sql = "".join(q.sql for q in query_files() if q.name in CACHED_VIEWS)
        text = db.full_funnel.to_json() + sql
        assert db.facts_key() == hashlib.sha256(text.encode()).hexdigest()[:16]
        assert db.meta("facts_key") == db.facts_key()
    finally:
        db.close()


def test_the_core_imports_polars_only_inside_functions():
    """Polars is imported lazily: module-level imports only under TYPE_CHECKING."""
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [alias.name for alias in node.names]
                module = getattr(node, "module", None) or ""
                assert not {"polars", "duckdb"} & {module, *names}, path


def test_the_command_table_names_every_command_of_the_cli_modules():
    """application.COMMAND_MODULES is the one list of commands: each is a function of
    the module it names, and every command the full app registers is in it, in order."""
    import importlib

    from salesfunnel.cli import app
    from salesfunnel.cli.application import COMMAND_MODULES

    for name, module in COMMAND_MODULES.items():
        assert callable(getattr(importlib.import_module(f"salesfunnel.cli.{module}"), name))
    assert [command.name for command in app.registered_commands] == list(COMMAND_MODULES)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["conversion", "--db", "x.duckdb"], "conversion"),
        (["rank", "--month", "--db", "x.duckdb"], "rank"),
        (["--help"], None),
        (["--version"], None),
        ([], None),
        (["nosuch"], "nosuch"),
    ],
)
def test_a_run_names_its_command(argv, expected):
    from salesfunnel.cli.application import command_named

    assert command_named(argv) == expected


def test_a_report_run_imports_only_its_command_module(tmp_path):
    """`salesfunnel conversion` imports cli/funnel.py alone of the seven command modules
    (start-up: issue 24); --help and an unknown name still see every command."""
    stdout = _run_cli_then(
        "sys.argv = ['salesfunnel', 'conversion', '--help']\nfrom salesfunnel.cli import main\n",
        "main()",
        "names = ('onboarding', 'loading', 'funnel', 'management', 'pipeline', 'analysis', 'pack')\n"
        "print('LOADED=' + ','.join(n for n in names if 'salesfunnel.cli.' + n in sys.modules))\n",
    )
    assert "LOADED=funnel\n" in stdout
    assert "Stage conversion of a cohort" in stdout


@pytest.mark.parametrize("argv", [["conversion", "--help"], ["pack", "--help"], ["nosuch"]])
def test_one_command_app_answers_like_the_full_app(argv):
    from typer.testing import CliRunner

    from salesfunnel.cli import app
    from salesfunnel.cli.application import build_app, command_named

    runner = CliRunner()
    alone = runner.invoke(build_app(command_named(argv)), argv)
    full = runner.invoke(app, argv)
    assert (alone.exit_code, alone.output) == (full.exit_code, full.output)
