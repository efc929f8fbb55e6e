"""Shared helpers: fixture paths, loading through the core, running the CLI."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from salesfunnel.cli import app
from salesfunnel.config import Config, Funnel, load_config
from salesfunnel.db import open_database
from salesfunnel.errors import ExitCode
from salesfunnel.load.orchestrate import LoadOptions, load_paths
from salesfunnel.render.cells import fit_table
from salesfunnel.render.registry import report_table

# pytest-xdist's workers (make test runs them) start with COLUMNS=80 and LINES=24 set:
# without them, tables are as wide as off a terminal, as in a run without workers
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _name in ("COLUMNS", "LINES"):
        os.environ.pop(_name, None)

# The pack's charts render in this process, not in two helper processes per pack: on two
# cores already busy with two workers the helpers only add their warm-up (about half a
# second each, per pack). tests/test_pack.py runs the helpers on purpose, and checks
# that a pack through them is the same bytes as one without.
os.environ.setdefault("SALESFUNNEL_PACK_NO_HELPER", "1")

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"


def load_into(db_path: Path, *paths, config: Config | Path | None = None, **options):
    """Load through the core (no CLI) and return the LoadReport."""
    if isinstance(config, Path):
        config = load_config(str(config))
    config = config or Config()
    db = open_database(db_path, write=True, config_funnel=config.funnel)
    try:
        return load_paths(db, paths, config=config, options=LoadOptions(**options))
    finally:
        db.close()


def query(db_path: Path, sql: str, params=None, funnel: Funnel | None = None) -> list[tuple]:
    db = open_database(db_path, write=False, config_funnel=funnel)
    try:
        return db.fetchall(sql, params)
    finally:
        db.close()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def propose(cli, tmp_path, path):
    """`init path` into tmp_path/p.toml, exit 0: (init's result, the proposal's path)."""
    proposal = tmp_path / "p.toml"
    result = cli("init", path, "--out", proposal)
    assert result.exit_code == ExitCode.OK, result.stderr
    return result, proposal


def load_proposed(cli, tmp_path, proposal, path):
    """`load path` with the proposal into tmp_path/db.duckdb, exit 0: (load's result, db)."""
    db = tmp_path / "db.duckdb"
    result = cli("load", "--db", db, "--config", proposal, path)
    assert result.exit_code == ExitCode.OK, result.stderr
    return result, db


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"


def _loaded_once(tmp_path_factory, name: str) -> Path:
    """A fixture folder loaded into a database once per session (per worker under
    pytest-xdist); tests get a copy of it."""
    path = tmp_path_factory.mktemp(f"{name}-master") / f"{name}.duckdb"
    load_into(path, FIXTURES / name)
    assert not Path(f"{path}.wal").exists()  # closed and checkpointed: one file to copy
    return path


_BUILT: dict[str, Path] = {}


@pytest.fixture(scope="session")
def built_once(tmp_path_factory):
    """`built_once(key, build, target)`: the database `build(path)` makes, built once per
    session (per worker) under `key` and copied to `target` for each test, which may
    write to its copy. For databases built from files that never change (fixtures, texts
    in the test module): the copy is the same as building it again."""

    def copy(key: str, build, target: Path) -> Path:
        if key not in _BUILT:
            path = tmp_path_factory.mktemp("built") / "master.duckdb"
            build(path)
            assert not Path(f"{path}.wal").exists()  # closed and checkpointed: one file
            _BUILT[key] = path
        shutil.copyfile(_BUILT[key], target)
        return target

    return copy


@pytest.fixture(scope="session")
def _funnel_master(tmp_path_factory) -> Path:
    return _loaded_once(tmp_path_factory, "funnel")


@pytest.fixture(scope="session")
def _rank_master(tmp_path_factory) -> Path:
    return _loaded_once(tmp_path_factory, "rank")


@pytest.fixture
def funnel_db(tmp_path: Path, _funnel_master: Path) -> Path:
    """The hand-computed funnel fixture loaded into a fresh database (a copy of the one
    loaded for the session: a test may write to it)."""
    path = tmp_path / "funnel.duckdb"
    shutil.copyfile(_funnel_master, path)
    return path


@pytest.fixture
def rank_db(tmp_path: Path, _rank_master: Path) -> Path:
    path = tmp_path / "rank.duckdb"
    shutil.copyfile(_rank_master, path)
    return path


@pytest.fixture
def copy_fixture(tmp_path: Path):
    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(FIXTURES / name, target)
        return target

    return copy


class Cli:
    """Runs the CLI in-process; stdout and stderr stay separate."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, env: dict | None = None):
        return self.runner.invoke(app, [str(a) for a in args], env=env, catch_exceptions=False)


@pytest.fixture
def cli() -> Cli:
    return Cli()


def render_report(db_path: Path, build) -> str:
    """The Rich table of `build(db)` as plain text, 100 columns wide, split into panels
    where wider, as the CLI prints it."""
    db = open_database(db_path, write=False, config_funnel=None)
    try:
        report = build(db)
    finally:
        db.close()
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, color_system=None, legacy_windows=False)
    for panel in fit_table(report_table(report), console):
        console.print(panel)
    return buffer.getvalue()


def check_golden(name: str, text: str) -> None:
    """Compare with tests/golden/<name>.txt (UPDATE_GOLDEN=1 rewrites it)."""
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def only_stale_notice(stderr: str) -> bool:
    """Nothing on stderr but notes, such as the stale-data notice (the fixtures' data are
    months older than the day the tests run) or a partial period: no error, no warning."""
    return all(line.startswith("salesfunnel: note: ") for line in stderr.splitlines())
