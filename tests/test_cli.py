"""The CLI edge: stdout is data, stderr messages, exit codes; the same numbers in
every output format; golden Rich tables at a fixed width."""

from __future__ import annotations

import io
import json

import polars as pl
import pytest
from conftest import FIXTURES, Cli, check_golden, only_stale_notice, render_report, write

from salesfunnel.errors import ExitCode
from salesfunnel.reports import common, funnel

# Wilson intervals at --confidence 0.90 (z = 1.644854, z² = 2.705543), by hand:
#   low, high = (p + z²/2n ∓ z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)
#   6 of 6: p = 1, low = 6 / (6 + z²) = 6 / 8.705543 = 0.689216, high = 1
#   4 of 6: 0.666667 + 0.225462 = 0.892129 ∓ 1.644854·√(0.037037 + 0.018789) = ∓ 0.388637,
#           / 1.450924 -> 0.347015, 0.882724
#   3 of 4: 0.75 + 0.338193 = 1.088193 ∓ 0.491118, / 1.676386 -> 0.356168, 0.942093
#   3 of 6: 0.5 + 0.225462 = 0.725462 ∓ 0.404431, / 1.450924 -> 0.221260, 0.778740
#   1 of 3: 0.333333 + 0.450924 = 0.784257 ∓ 0.635408, / 1.901848 -> 0.078266, 0.746466
#   1 of 6: 0.166667 + 0.225462 = 0.392129 ∓ 0.336840, / 1.450924 -> 0.038106, 0.502417
# Day quantiles (quantile_cont, linear between closest ranks, position q·(n−1)):
#   lead>qualified [1.0, 1.5, 2.0]: p25 at 0.5 -> 1.25, p75 at 1.5 -> 1.75, p90 at 1.8 -> 1.9
#   qualified>opportunity [2.0, 3.5] (an even count): p25 at 0.25 -> 2.375,
#   median 2.75, p75 -> 3.125, p90 at 0.9 -> 2.0 + 0.9·1.5 = 3.35
#   opportunity>won [10.0]: every quantile 10.0
CONVERSION_EXPECTED = [
    {"stage": "lead", "reached": 6, "step_rate": None, "step_rate_low": None,
     "step_rate_high": None, "overall_rate": 1.0, "overall_rate_low": 0.689216,
     "overall_rate_high": 1.0, "lost": 1, "open": 1, "median_days": None, "p25_days": None,
     "p75_days": None, "p90_days": None},
    {"stage": "qualified", "reached": 4, "step_rate": 4 / 6, "step_rate_low": 0.347015,
     "step_rate_high": 0.882724, "overall_rate": 4 / 6, "overall_rate_low": 0.347015,
     "overall_rate_high": 0.882724, "lost": 1, "open": 0, "median_days": 1.5, "p25_days": 1.25,
     "p75_days": 1.75, "p90_days": 1.9},
    {"stage": "opportunity", "reached": 3, "step_rate": 0.75, "step_rate_low": 0.356168,
     "step_rate_high": 0.942093, "overall_rate": 0.5, "overall_rate_low": 0.221260,
     "overall_rate_high": 0.778740, "lost": 1, "open": 1, "median_days": 2.75,
     "p25_days": 2.375, "p75_days": 3.125, "p90_days": 3.35},
    {"stage": "won", "reached": 1, "step_rate": 1 / 3, "step_rate_low": 0.078266,
     "step_rate_high": 0.746466, "overall_rate": 1 / 6, "overall_rate_low": 0.038106,
     "overall_rate_high": 0.502417, "lost": 0, "open": 0, "median_days": 10.0,
     "p25_days": 10.0, "p75_days": 10.0, "p90_days": 10.0},
]


def _cli_load_funnel(db) -> None:
    result = Cli()("load", FIXTURES / "funnel", "--db", db)
    assert result.exit_code == ExitCode.OK, result.stderr


@pytest.fixture
def loaded(tmp_path, built_once):
    return built_once("funnel through the cli", _cli_load_funnel, tmp_path / "cli.duckdb")


def _approx_rows(rows):
    return [{k: pytest.approx(v, abs=1e-6) if isinstance(v, float) else v for k, v in r.items()}
            for r in rows]


def test_load_prints_summary_on_stderr_only(cli, tmp_path):
    db = tmp_path / "x.duckdb"
    result = cli("load", FIXTURES / "funnel", "--db", db)
    assert result.exit_code == ExitCode.OK
    assert result.stdout == ""
    assert "deals.csv: deals (preset canonical), read 6, loaded 6, rejected 0" in result.stderr
    assert "stage_history.csv: history (preset canonical), read 12, loaded 12, rejected 0" in result.stderr


def test_load_missing_column_exit_3_no_traceback(cli, tmp_path):
    db = tmp_path / "x.duckdb"
    # the owner is optional since issue 14; the stage is not
    bad = write(tmp_path, "deals.csv", "deal_id,owner,phase\nX,ann,lead\n")
    result = cli("load", bad, "--db", db)
    assert result.exit_code == ExitCode.INPUT
    assert result.stdout == ""
    assert "lacks the required column stage" in result.stderr
    assert "Traceback" not in result.stderr


def test_load_strict_exit_3(cli, tmp_path):
    db = tmp_path / "x.duckdb"
    bad = write(tmp_path, "deals.csv", "deal_id,rep,stage\nX,ann,nowhere\n")
    result = cli("load", bad, "--db", db, "--strict")
    assert result.exit_code == ExitCode.INPUT
    assert "--strict: 1 row rejected" in result.stderr


def test_conversion_json(cli, loaded):
    result = cli("conversion", "--db", loaded, "--format", "json")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert only_stale_notice(result.stderr)
    assert json.loads(result.stdout) == _approx_rows(CONVERSION_EXPECTED)


def test_conversion_csv(cli, loaded):
    result = cli("conversion", "--db", loaded, "--format", "csv")
    assert result.exit_code == ExitCode.OK
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "stage,reached,step_rate,overall_rate,lost,open,median_days,p25_days,p75_days,p90_days,"
        "step_rate_low,step_rate_high,overall_rate_low,overall_rate_high"
    )
    assert lines[1].startswith("lead,6,,1.0,1,1,,,,,,,0.6892")
    assert lines[1].endswith(",1.0")
    # 3.35 is 3.3499999999999996 in binary floating point
    assert lines[3].startswith("opportunity,3,0.75,0.5,1,1,2.75,2.375,3.125,3.3499")
    frame = pl.read_csv(io.StringIO(result.stdout))
    assert _approx_rows(frame.to_dicts()) == CONVERSION_EXPECTED


def test_conversion_parquet_and_extension(cli, loaded, tmp_path):
    out = tmp_path / "conversion.parquet"
    result = cli("conversion", "--db", loaded, "--output", out)
    assert result.exit_code == ExitCode.OK
    assert result.stdout == ""
    assert _approx_rows(pl.read_parquet(out).to_dicts()) == CONVERSION_EXPECTED
    json_out = tmp_path / "c.json"
    assert cli("conversion", "--db", loaded, "-o", json_out).exit_code == ExitCode.OK
    assert json.loads(json_out.read_text()) == _approx_rows(CONVERSION_EXPECTED)


def test_parquet_needs_output(cli, loaded):
    result = cli("conversion", "--db", loaded, "--format", "parquet")
    assert result.exit_code == ExitCode.USAGE
    assert "--output" in result.stderr


def test_table_shows_the_same_numbers(cli, loaded):
    result = cli("conversion", "--db", loaded, env={"NO_COLOR": "1"})
    assert result.exit_code == ExitCode.OK
    assert "\x1b[" not in result.stdout
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line.strip()}
    # reached, step, its 90% interval formatted like the rate, overall, its interval, lost, open,
    # median days, p25–p75, p90 (the numbers of CONVERSION_EXPECTED)
    assert lines["lead"][1:10] == ["6", "–", "100.0%", "68.9%–100.0%", "1", "1", "–", "–", "–"]
    assert lines["qualified"][1:11] == [
        "4", "66.7%", "34.7%–88.3%", "66.7%", "34.7%–88.3%", "1", "0", "1.5", "1.2–1.8", "1.9"]
    assert lines["opportunity"][1:11] == [
        "3", "75.0%", "35.6%–94.2%", "50.0%", "22.1%–77.9%", "1", "1", "2.8", "2.4–3.1", "3.4"]
    assert lines["won"][1:11] == [
        "1", "33.3%", "7.8%–74.6%", "16.7%", "3.8%–50.2%", "0", "0", "10.0", "10.0–10.0", "10.0"]


def test_rank_and_dropoff_formats_agree(cli, tmp_path):
    db = tmp_path / "r.duckdb"
    assert cli("load", FIXTURES / "rank", "--db", db).exit_code == ExitCode.OK
    as_json = json.loads(cli("rank", "--db", db, "--month", "2026-02", "-f", "json").stdout)
    as_csv = pl.read_csv(io.StringIO(cli("rank", "--db", db, "--month", "2026-02", "-f", "csv").stdout))
    out = tmp_path / "rank.parquet"
    assert cli("rank", "--db", db, "--month", "2026-02", "-o", out).exit_code == ExitCode.OK
    as_parquet = pl.read_parquet(out)
    assert [r["rep"] for r in as_json] == ["cy", "bob", "dee"]
    assert as_json[1]["lead_prev_rank"] == 2 and as_json[0]["lead_prev_rank"] is None
    assert as_csv.to_dicts() == as_json
    assert as_parquet.to_dicts() == as_json


def test_dropoff_formats_agree(cli, loaded, tmp_path):
    as_json = json.loads(cli("dropoff", "--db", loaded, "-f", "json").stdout)
    assert as_json == [
        {"tier": "mid", "stage": "qualified", "reason": "(unspecified)", "lost": 1, "share": 1.0,
         "amount": 300.0},
        # the deal lost at lead has no amount: unknown, not 0
        {"tier": "smb", "stage": "lead", "reason": "Price", "lost": 1, "share": 0.5, "amount": None},
        {"tier": "smb", "stage": "opportunity", "reason": "Price", "lost": 1, "share": 0.5,
         "amount": 500.5},
    ]
    as_csv = pl.read_csv(io.StringIO(cli("dropoff", "--db", loaded, "-f", "csv").stdout))
    assert as_csv.to_dicts() == as_json
    out = tmp_path / "d.parquet"
    assert cli("dropoff", "--db", loaded, "-o", out).exit_code == ExitCode.OK
    assert pl.read_parquet(out).to_dicts() == as_json


def test_empty_result_is_a_note_and_exit_0(cli, loaded):
    """A known tier with no deal in the window is an empty success (a typo is exit 2:
    tests/test_guardrails.py)."""
    result = cli("conversion", "--db", loaded, "--tier", "smb", "--month", "2025-01")
    assert result.exit_code == ExitCode.OK
    assert "Nothing matched these filters." in result.stdout
    as_json = cli("conversion", "--db", loaded, "--tier", "smb", "--month", "2025-01", "-f", "json")
    assert as_json.stdout.strip() == "[]"


def test_missing_database_exit_5(cli, tmp_path):
    result = cli("conversion", "--db", tmp_path / "none.duckdb")
    assert result.exit_code == ExitCode.DATABASE
    assert "No database at" in result.stderr


def test_bad_month_exit_2(cli, loaded):
    result = cli("conversion", "--db", loaded, "--month", "March")
    assert result.exit_code == ExitCode.USAGE
    assert "--month takes YYYY-MM" in result.stderr


def test_db_from_environment(cli, loaded):
    result = cli("conversion", "-f", "json", env={"SALESFUNNEL_DB": str(loaded)})
    assert result.exit_code == ExitCode.OK
    assert json.loads(result.stdout)[0]["reached"] == 6


def test_info_shows_counts(cli, loaded):
    result = cli("info", "--db", loaded)
    assert result.exit_code == ExitCode.OK
    out = result.stdout
    assert "lead > qualified > opportunity > won" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.strip()}
    # Deals by status and tier: enterprise, mid, smb, total
    assert rows["open"] == ["1", "1", "0", "2"]
    assert rows["won"] == ["0", "0", "1", "1"]
    assert rows["lost"] == ["0", "1", "2", "3"]


# -- golden tables -------------------------------------------------------------------
def test_golden_conversion_by_tier(funnel_db):
    text = render_report(funnel_db, lambda db: funnel.conversion(db, common.Filters(), "tier"))
    check_golden("conversion_by_tier", text)


def test_golden_rank(rank_db):
    import datetime as dt

    text = render_report(rank_db, lambda db: funnel.rank(db, "2026-02", None, dt.date(2026, 11, 23)))
    check_golden("rank_2026_02", text)


def test_golden_dropoff(funnel_db):
    text = render_report(funnel_db, lambda db: funnel.dropoff(db, common.Filters()))
    check_golden("dropoff", text)


def test_plain_option_values_are_coerced_as_typer_does():
    """A plain text of an int, float, path or enum option is coerced without Typer's
    pydantic validators (80 ms of start-up): to exactly what Typer gives, for every such
    option of every command; anything else is left to Typer (its checks, its messages)."""
    import enum
    from pathlib import Path

    import typer.core
    import typer.main

    from salesfunnel.cli.application import _NOT_PLAIN, _plain_value, build_app

    group = typer.main.get_command(build_app(None))
    texts = {int: ["6", "-3", "+7", "0012"], float: ["1000", "0.9", "1e3", ".5", "-2.50"],
             Path: ["a/b.csv", "~/x.parquet", " spaced .csv"]}
    checked = 0
    for command in group.commands.values():
        ctx = typer.core._click.core.Context(command)
        for param in command.params:
            annotation = param.type_descriptor.annotation
            if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
                values = [member.value for member in annotation]
            else:
                values = texts.get(annotation, [])
            if param.multiple or param.nargs != 1:  # `load PATH...`, `--kind K=PATH`
                values = [None, (), ("a.csv",), ("a/b.csv", "~/c d.csv", "kind=x.csv")]
            for text in values:
                plain = _plain_value(param, text)
                if plain is _NOT_PLAIN:
                    assert param.type_descriptor.is_ranged, (param.name, text)
                    continue
                typed = param.get_runtime_param().coerce(text, param=param, ctx=ctx)
                assert (type(plain), plain) == (type(typed), typed), (command.name, param.name)
                checked += 1
    assert checked > 100
    lists = {(name, p.name) for name, c in group.commands.items() for p in c.params
             if p.multiple or p.nargs != 1}
    assert lists == {("init", "paths"), ("load", "paths"), ("load", "kind")}
    # not plain: left to Typer, whose message names the option
    options = {p.opts[0]: p for p in group.commands["pacing"].params}
    for text in ("x", "1,5", "nan", "inf", "1_000"):
        assert _plain_value(options["--target-amount"], text) is _NOT_PLAIN
    assert _plain_value(options["--format"], "JSON") is _NOT_PLAIN
    assert _plain_value(options["--lookback"], "1.5") is _NOT_PLAIN
