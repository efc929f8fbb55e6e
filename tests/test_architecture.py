"""The layout's promises, checked: no import cycles, the layering contracts of
pyproject.toml, a table builder for every report, small modules, and a `--help`
that imports neither DuckDB nor Polars."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import grimp

from salesfunnel.render.registry import TABLE_BUILDERS

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


def test_help_imports_neither_duckdb_nor_polars():
    code = (
        "import sys\n"
        "from salesfunnel.cli import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in ('duckdb', 'polars', 'pyarrow') if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY=\n" in result.stdout


def test_the_core_imports_polars_only_inside_functions():
    """Polars is imported lazily: module-level imports only under TYPE_CHECKING."""
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [alias.name for alias in node.names]
                module = getattr(node, "module", None) or ""
                assert not {"polars", "duckdb"} & {module, *names}, path
