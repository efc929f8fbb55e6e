"""The bad-input corpus (tests/corpus/manifest.toml) through the real CLI.

Every case loads into a copy of a database that already holds the funnel fixture. It
must end with the documented exit code, no traceback, the expected message, and every
row accounted for: loaded + rejected = read, each rejected line recorded in
load_rejects with its reason, exactly the expected deals added (none twice). A failed
load leaves the database exactly as it was. Cases marked `subprocess` also run as
`python -m salesfunnel` in a child process, to see the process-level output and code.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import duckdb
import pytest
from conftest import FIXTURES, load_into
from corpus.generate import generate

from salesfunnel.errors import ExitCode
from salesfunnel.load.orchestrate import CHECKED_ENV

CORPUS = Path(__file__).parent / "corpus"
CASES = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))["case"]
OUTCOME_KEYS = {"read", "loaded", "rejected"}


@pytest.fixture(scope="module")
def corpus_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    generate(root / "gen")
    return root


@pytest.fixture(scope="module")
def base_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus-base") / "base.duckdb"
    load_into(path, FIXTURES / "funnel")
    return path


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table of the database file."""
    with duckdb.connect(str(db), read_only=True) as conn:
        tables = [t for (t,) in conn.execute(
            "select table_name from duckdb_tables() where not temporary order by 1"
        ).fetchall()]
        return {t: conn.execute(f'select * from "{t}" order by all').fetchall() for t in tables}


def same_database(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table, without the load timestamps (what both load paths must
    give alike)."""
    with duckdb.connect(str(db), read_only=True) as conn:
        tables = [t for (t,) in conn.execute(
            "select table_name from duckdb_tables() where not temporary order by 1"
        ).fetchall()]
        return {t: conn.execute(
            f'select * {"exclude (loaded_at)" if t == "load_files" else ""} from "{t}" '
            "order by all"
        ).fetchall() for t in tables}


def _rows(db: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(sql, params).fetchall()


def _case_paths(case: dict, root: Path) -> list[str]:
    return [
        str(root / path) if path.startswith("gen/") else str(CORPUS / "cases" / path)
        for path in case["paths"]
    ]


def _flat(text: str) -> str:
    return " ".join(text.split())


def run_subprocess(args: list[str], cwd: Path, unreadable: bool = False):
    """`python -m salesfunnel ARGS` as cron runs it: no terminal, no colour."""
    env = {k: v for k, v in os.environ.items() if k != "SALESFUNNEL_DEBUG"}
    env.update(NO_COLOR="1", TERM="dumb")
    prefix = []
    if unreadable and os.geteuid() == 0:
        # root reads any file: drop the capabilities that let it ignore permissions
        setpriv = shutil.which("setpriv")
        assert setpriv, "running as root needs setpriv to test an unreadable file"
        prefix = [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search"]
    return subprocess.run(
        [*prefix, sys.executable, "-m", "salesfunnel", *args],
        capture_output=True, text=True, cwd=cwd, env=env, stdin=subprocess.DEVNULL, timeout=120,
    )


def expected_exit(case: dict) -> ExitCode:
    """A case's `exit`: an ExitCode name ("INPUT") or, for older cases, the number."""
    value = case["exit"]
    return ExitCode[value] if isinstance(value, str) else ExitCode(value)


def check_outcome(case: dict, exit_code: int, stdout: str, stderr: str, db: Path, before: dict):
    name = case["name"]
    assert "Traceback" not in stderr + stdout, name
    assert "internal error" not in stderr, name
    assert exit_code == expected_exit(case), f"{name}: exit {exit_code}, stderr: {stderr}"
    assert stdout == "", f"{name}: load writes nothing on stdout"
    if "message" in case:
        assert _flat(case["message"]) in _flat(stderr), f"{name}: {stderr}"
    if expected_exit(case) != ExitCode.OK:
        assert stderr.startswith("salesfunnel: error: "), name
        assert len(stderr.strip().splitlines()) == 1, f"{name}: one paragraph: {stderr}"
        assert snapshot(db) == before, f"{name}: a failed load changed the database"
        return

    base_file = max(file_id for file_id, *_ in before["load_files"])
    (counts,) = _rows(
        db, "select rows_read, rows_loaded, rows_rejected from load_files where file_id > ?",
        [base_file],
    )
    read, loaded, rejected = counts
    assert (read, loaded, rejected) == (case["read"], case["loaded"], case["rejected"]), name
    assert loaded + rejected == read, name
    assert f"read {read:,}, loaded {loaded:,}, rejected {rejected:,}" in stderr, name

    rejects = _rows(
        db,
        "select line, coalesce(column_name, ''), reason from load_rejects where file_id > ? "
        "order by line, column_name nulls first",
        [base_file],
    )
    expected = case.get("rejects", [])
    assert [(line, column) for line, column, _ in rejects] == [
        (line, column) for line, column, _ in expected
    ], name
    for (_, _, reason), (_, _, wanted) in zip(rejects, expected, strict=True):
        assert reason.startswith(wanted), f"{name}: {reason!r} does not start with {wanted!r}"
    assert len({line for line, _, _ in rejects}) == rejected, f"{name}: a rejected row unrecorded"

    added = dict(_rows(db, "select deal_id, line from deals where file_id > ?", [base_file]))
    assert added == case["deal_ids"], name
    old_deals = _rows(db, "select * from deals where file_id <= ? order by all", [base_file])
    assert old_deals == before["deals"], f"{name}: deals of earlier loads changed"


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_corpus_case(case, cli, corpus_root, base_db, tmp_path):
    args = ["load", *_case_paths(case, corpus_root), *case.get("args", [])]
    if not case.get("unreadable"):  # as root, in-process, the file would be readable
        db = tmp_path / "inprocess.duckdb"
        shutil.copy(base_db, db)
        before = snapshot(db)
        result = cli(*args, "--db", db)
        check_outcome(case, result.exit_code, result.stdout, result.stderr, db, before)
        if result.exit_code == ExitCode.OK:
            # issue 17: the checking path alone (no fast path) gives the same database
            checked = tmp_path / "checked.duckdb"
            shutil.copy(base_db, checked)
            again = cli(*args, "--db", checked, env={CHECKED_ENV: "1"})
            assert (again.exit_code, again.stderr) == (result.exit_code, result.stderr.replace(
                str(db), str(checked))), case["name"]
            assert same_database(checked) == same_database(db), case["name"]
    if case.get("subprocess"):
        db = tmp_path / "subprocess.duckdb"
        shutil.copy(base_db, db)
        before = snapshot(db)
        proc = run_subprocess([*args, "--db", str(db)], tmp_path, case.get("unreadable", False))
        check_outcome(case, proc.returncode, proc.stdout, proc.stderr, db, before)


def test_manifest_is_complete():
    """At least 40 cases, each fully specified, and every committed file used."""
    assert len(CASES) >= 40
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names))
    for case in CASES:
        assert case["what"] and case["paths"], case["name"]
        if expected_exit(case) == ExitCode.OK:
            assert OUTCOME_KEYS <= case.keys() and "deal_ids" in case, case["name"]
            assert case["loaded"] + case["rejected"] == case["read"], case["name"]
        else:
            assert "message" in case and not OUTCOME_KEYS & case.keys(), case["name"]
    used = {path for case in CASES for path in case["paths"]}
    committed = {path.name for path in (CORPUS / "cases").iterdir()}
    assert committed <= used, f"unused corpus files: {committed - used}"
