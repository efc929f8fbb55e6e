"""Promises that hold on every path (issue 22): `--month` alone, one currency guard,
spreadsheet-safe workbooks, the user's files never destroyed, full-export removal.

Each promise lives in one shared place; the sweeps at the end run every command that
takes the option through it, so that no command slips past."""

from __future__ import annotations

import json

import typer.main

from salesfunnel.cli import app
from salesfunnel.errors import ExitCode

ENV = {"SALESFUNNEL_TODAY": "2026-11-01", "NO_COLOR": "1"}


def _commands() -> dict:
    """Every command of the app by name, as click sees it."""
    return typer.main.get_command(app).commands


def _options(command) -> set[str]:
    return {opt for param in command.params for opt in getattr(param, "opts", [])}


def _json(cli, *args):
    result = cli(*args, "-f", "json", env=ENV)
    assert result.exit_code == ExitCode.OK, result.stderr
    return json.loads(result.stdout)


# -- the design card: `--month` alone ----------------------------------------------
def test_rank_month_alone_is_the_last_complete_month_also_before_another_option(rank_db, cli):
    # today 2026-11-01; the newest activity is R7's win on 2026-02-28: the last complete
    # month with data is 2026-02. Tier mid in February, by hand: bob's R4 and R5 entered
    # lead and qualified, R4 opportunity, R5 was lost; dee's R8 entered qualified.
    rows = _json(cli, "rank", "--month", "--tier", "mid", "--db", rank_db)
    assert [(r["rep"], r["lead"], r["qualified"], r["opportunity"], r["won"], r["lost"])
            for r in rows] == [("bob", 2, 2, 1, 0, 1), ("dee", 0, 1, 0, 0, 0)]
    assert rows == _json(cli, "rank", "--tier", "mid", "--db", rank_db)  # the default
    assert rows == _json(cli, "rank", "--tier", "mid", "--month", "2026-02", "--db", rank_db)
    assert rows == _json(cli, "rank", "--tier", "mid", "--db", rank_db, "--month")  # last
    # a month is still a month: January has ann's R1 and R2
    january = _json(cli, "rank", "--month", "2026-01", "--tier", "smb", "--db", rank_db)
    assert [(r["rep"], r["lead"], r["won"]) for r in january] == [("ann", 2, 1), ("bob", 1, 0)]


def test_pulse_month_alone_is_the_last_complete_month(rank_db, cli):
    rows = _json(cli, "pulse", "--month", "--tier", "mid", "--db", rank_db)
    got = {r["metric"]: (r["period"], r["current"], r["previous"]) for r in rows}
    # mid leads: February R4, R5; January R8. Opportunities: February R4
    assert got["leads"] == ("2026-02", 2.0, 1.0)
    assert got["opportunities"] == ("2026-02", 1.0, 0.0)
    assert rows == _json(cli, "pulse", "--tier", "mid", "--db", rank_db)
    # --month alone is still --month: not with --week
    result = cli("pulse", "--week", "--month", "--db", rank_db, env=ENV)
    assert result.exit_code == ExitCode.USAGE
    assert "Use --week or --month, not both." in result.stderr


def test_table_output_of_month_alone_says_the_month(rank_db, cli):
    result = cli("rank", "--month", "--tier", "mid", "--db", rank_db, env=ENV)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "activity in 2026-02" in result.stdout


def test_every_command_taking_month_takes_it_alone(rank_db, cli, tmp_path):
    """No command slips past: each command with --month accepts it alone before another
    option and means `--month complete` (the last complete month) by it."""
    taking = sorted(name for name, command in _commands().items()
                    if "--month" in _options(command))
    assert taking == ["conversion", "dropoff", "pack", "pulse", "rank", "velocity"]
    for name in taking:
        if name == "pack":
            alone = cli(name, "--month", "--out", tmp_path / "a", "--db", rank_db, env=ENV)
            named = cli(name, "--month", "complete", "--out", tmp_path / "b", "--db", rank_db,
                        env=ENV)
            assert alone.exit_code == named.exit_code == ExitCode.OK, alone.stderr
            assert (tmp_path / "a" / "salesfunnel-2026-02.xlsx").exists()
            assert (tmp_path / "b" / "salesfunnel-2026-02.xlsx").exists()
            continue
        alone = cli(name, "--month", "-f", "json", "--db", rank_db, env=ENV)
        named = cli(name, "--month", "complete", "-f", "json", "--db", rank_db, env=ENV)
        assert alone.exit_code == ExitCode.OK, (name, alone.stderr)
        assert alone.stdout == named.stdout, name


# -- the README's promise table ------------------------------------------------------
def test_every_promise_names_tests_that_exist():
    import re
    from pathlib import Path

    root = Path(__file__).parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    table = readme.split("| promise | test |", 1)[1].split("\n\n", 1)[0]
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", table)
    assert len(named) >= 15
    for path, name in named:
        assert re.search(rf"^def {name}\(", (root / path).read_text(encoding="utf-8"),
                         re.MULTILINE), f"{path}::{name}"
