"""Issue 13, the report side: typos in filters, range checks, partial periods and the
default period, the stale-data notice, CSV header formulas, output failures, a
non-UTF-8 stdout, tiny $COLUMNS and the environment variables.

The data is tests/fixtures/funnel (deals D1..D6, docs/metrics.md's worked example):
tiers smb (D1, D2, D3), mid (D4, D5: D5's tier comes from account Acme), enterprise
(D6); reps ann (D1, D2), bob (D3, D4, D5), cy (D6); sources inbound, outbound,
referral; the newest activity is D5's loss on 2026-02-20.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, write

from salesfunnel.errors import ExitCode

ENV = {"SALESFUNNEL_TODAY": "2026-02-23", "NO_COLOR": "1"}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    from conftest import load_into

    db = tmp_path_factory.mktemp("guard") / "crm.duckdb"
    # exported on 2026-02-20 (the last loss): D6, which has no created_at, is first seen
    # then, so its lead entry is that day, not the day the fixture was checked out
    load_into(db, FIXTURES / "funnel", as_of=dt.datetime(2026, 2, 20))
    return db


def one_error(result) -> str:
    assert result.stderr.startswith("salesfunnel: error: "), result.stderr
    return " ".join(result.stderr.split())


def run(args: list[str], env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in ("SALESFUNNEL_DEBUG", "COLUMNS")}
    full_env.update(ENV, **(env or {}))
    return subprocess.run([sys.executable, "-m", "salesfunnel", *map(str, args)],
                          env=full_env, timeout=120, **kwargs)


# -- case 10: typos are errors, a known value with no rows is an empty success ----------------
@pytest.mark.parametrize("args, message", [
    (("conversion", "--tier", "smbb"), "--tier 'smbb' matches no deal in the database. Known "
     "values, closest first: smb, mid, enterprise"),
    (("dropoff", "--rep", "Nobody Here"), "--rep 'Nobody Here' matches no deal"),
    (("conversion", "--source", "x"), "--source 'x' matches no deal"),
    (("conversion", "--rep", "bobb"), "Known values, closest first: bob, "),
    (("pulse", "--tier", "smbb"), "closest first: smb, mid, enterprise"),
    (("rank", "--tier", "Enterprize"), "closest first: enterprise, "),
    (("stalled", "--tier", "xl"), "--tier 'xl' matches no deal"),
])
def test_unknown_filter_value_is_exit_2(cli, loaded, args, message):
    result = cli(*args, "--db", loaded, env=ENV)
    assert result.exit_code == ExitCode.USAGE, result.stderr
    assert message in one_error(result)
    assert result.stdout == ""


@pytest.mark.parametrize("args", [
    ("conversion", "--month", ""), ("rank", "--month", " "), ("dropoff", "--tier", ""),
    ("pulse", "--tier", ""), ("conversion", "--source", ""), ("tiers", "--currency", ""),
    ("cohorts", "--pipeline", ""), ("movement", "--since", ""),
    ("pack", "--month", "", "--out", "unwritten"),
    ("conversion", "--db", ""), ("load", "--db", "", "missing.csv"),
    ("load", "--config", "", "missing.csv"), ("info", "--db", ""),
])
def test_an_empty_value_is_exit_2_in_every_command(cli, loaded, args):
    """`--month "$MONTH"` with MONTH unset is no report over all deals: every command
    refuses an option given an empty value (cli.common.refuse_empty_values)."""
    given_db = "--db" in args
    result = cli(*args, *([] if given_db else ["--db", loaded]), env=ENV)
    assert result.exit_code == ExitCode.USAGE, result.stderr
    assert f"{args[1]} was given an empty value" in one_error(result)
    assert result.stdout == ""


@pytest.mark.parametrize("args, message", [
    (("pack", "--out", ""), "--out was given an empty value"),
    (("sample", "--out", " "), "--out was given an empty value"),
    (("init", "--out", "", "deals.csv"), "--out was given an empty value"),
    (("tiers", "-o", ""), "--output was given an empty value"),
    (("load", ""), "PATH was given an empty value (an unset shell variable?): name the export "
     "files or folders to read."),
    (("init", "deals.csv", " "), "PATH was given an empty value"),
])
def test_an_empty_path_is_exit_2_and_nothing_is_written(cli, loaded, tmp_path, monkeypatch,
                                                        args, message):
    """`pack --out "$DIR"`, `load "$EXPORTS"` with the variable unset: Path("") is the
    current folder, so the pack and the sample were written into it, init's proposal was
    "Cannot write .", `-o` "is a folder", and the load read every CSV file of the current
    folder (cron's: the home folder) into the database. Now each is exit 2 naming the
    option (or PATH), and the folder is as it was: only deals.csv."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "deals.csv", "deal_id,rep,stage\nD1,Ann,lead\n")
    db = ["--db", tmp_path / "new.duckdb"] if args[0] == "load" else (
        [] if args[0] in ("sample", "init") else ["--db", loaded])
    result = cli(*args, *db, env=ENV)
    assert result.exit_code == ExitCode.USAGE, result.stderr
    assert message in one_error(result)
    assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deals.csv"]


@pytest.mark.parametrize("args, message", [
    (("plan", "--months", "abc"), "salesfunnel: error: Invalid value for '--months': 'abc' is "
     "not a whole number. Try 'salesfunnel plan -h' for help."),
    (("rank", "--confidence", "high"), "salesfunnel: error: Invalid value for '--confidence': "
     "'high' is not a number. Try 'salesfunnel rank -h' for help."),
    (("rank", "--min-deals", "2.5"), "salesfunnel: error: Invalid value for '--min-deals': "
     "'2.5' is not a whole number. Try 'salesfunnel rank -h' for help."),
    # a number outside the option's range is no "not a number" (it said so of 99999)
    (("rank", "--wait", "99999"), "salesfunnel: error: Invalid value for '--wait': '99999' is "
     "not a number from 0 to 86400. Try 'salesfunnel rank -h' for help."),
    (("sample", "--out", "x", "--deals", "0"), "salesfunnel: error: Invalid value for "
     "'--deals': '0' is not a whole number from 1 to 1e+08. Try 'salesfunnel sample -h' for "
     "help."),
    (("churn", "--early-months", "5000"), "salesfunnel: error: Invalid value for "
     "'--early-months': '5000' is not a whole number at most 1200. Try 'salesfunnel churn -h' "
     "for help."),
    (("conversion", "--by", "region"), "salesfunnel: error: Invalid value for '--by': 'region' "
     "is not one of 'tier', 'rep', 'source', 'month', 'pipeline'. Try 'salesfunnel "
     "conversion -h' for help."),
    (("info", "-f", "xml"), "salesfunnel: error: Invalid value for '--format' / '-f': 'xml' is "
     "not one of 'table', 'json', 'csv'. Try 'salesfunnel info -h' for help."),
    (("rank", "--mnth", "2026-01"), "salesfunnel: error: No such option: --mnth (Possible "
     "options: --month). Try 'salesfunnel rank -h' for help."),
    (("dropoff", "extra"), "salesfunnel: error: Got unexpected extra argument(s) (extra). Try "
     "'salesfunnel dropoff -h' for help."),
    (("init",), "salesfunnel: error: Missing argument 'PATH'. Try 'salesfunnel init -h' for "
     "help."),
    (("rank", "--tier"), "salesfunnel: error: Option '--tier' requires an argument."),
    (("forecast",), "salesfunnel: error: No such command 'forecast'. Try 'salesfunnel -h' for "
     "help."),
])
def test_a_parser_error_is_one_paragraph_like_every_other_error(cli, loaded, args, message):
    """The option parser's own errors (a value of the wrong type, an unknown option or
    command, a missing argument) read like the tool's: one line on stderr, exit 2, in
    words rather than the validator's ('Input should be a valid integer, ...')."""
    result = cli(*args, env=ENV)
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr == message + "\n"
    assert result.stdout == ""


@pytest.mark.parametrize("command", ["rank", "dropoff", "tiers", "pulse", "velocity", "pacing",
                                     "movement", "plan", "pack"])
def test_a_currency_no_deal_has_is_exit_2(cli, loaded, tmp_path, command):
    """--currency filters as --tier does: a code no deal has is a typo, not an empty report
    (the fixture's deals have no currency column)."""
    extra = {"plan": ["--target-amount", "1000"], "pacing": ["--target-amount", "1000"],
             "pack": ["--out", str(tmp_path / "pack")]}.get(command, [])
    result = cli(command, "--currency", "EUR", *extra, "--db", loaded, env=ENV)
    assert result.exit_code == ExitCode.USAGE, result.stderr
    assert "--currency 'EUR' matches no deal: no deal has a currency" in one_error(result)
    assert not (tmp_path / "pack").exists()


def test_a_window_cohort_says_its_days_in_every_machine_format(cli, loaded, tmp_path):
    """--since/--until: trailing fields since and until (inclusive days). D1, D2, D3 were
    created in January: 3 reached lead; D2 and D3 were lost, both smb (dropoff)."""
    window = ("--since", "2026-01-01", "--until", "2026-01-31")
    rows = json.loads(cli("conversion", *window, "-f", "json", "--db", loaded, env=ENV).stdout)
    assert rows[0]["stage"] == "lead" and rows[0]["reached"] == 3
    assert {(r["since"], r["until"]) for r in rows} == {("2026-01-01", "2026-01-31")}
    csv = cli("conversion", *window, "-f", "csv", "--db", loaded, env=ENV).stdout.splitlines()
    assert csv[0].endswith(",overall_rate_high,since,until")
    assert csv[1].startswith("lead,3,") and csv[1].endswith(",2026-01-01,2026-01-31")
    lost = json.loads(cli("dropoff", "--since", "2026-01-01", "-f", "json", "--db", loaded,
                          env=ENV).stdout)
    assert sum(r["lost"] for r in lost if r["tier"] == "smb") == 2  # D2, D3 (D5: February)
    assert {(r["since"], r["until"]) for r in lost} == {("2026-01-01", None)}
    tiers = json.loads(cli("tiers", *window, "-f", "json", "--db", loaded, env=ENV).stdout)
    assert [(t["tier"], t["deals"], t["won"], t["lost"], t["since"], t["until"]) for t in tiers] \
        == [("smb", 3, 1, 2, "2026-01-01", "2026-01-31")]  # D1 won; D2, D3 lost
    parquet = tmp_path / "c.parquet"
    assert cli("conversion", *window, "-o", parquet, "--db", loaded, env=ENV).exit_code == 0
    import polars as pl

    frame = pl.read_parquet(parquet)
    assert frame.columns[-2:] == ["since", "until"] and frame["since"].unique().to_list() == [
        "2026-01-01"]


def test_known_value_without_rows_is_an_empty_success(cli, loaded):
    """bob's deals were created 2026-01-15 and in February: none in 2025-12."""
    result = cli("conversion", "--rep", " BOB ", "--month", "2025-12", "--db", loaded, env=ENV)
    assert result.exit_code == ExitCode.OK
    assert "Nothing matched these filters." in result.stdout
    # a match is case-insensitive and trimmed: bob reached lead with 3 deals (D3, D4, D5)
    rows = json.loads(cli("conversion", "--rep", " BOB ", "-f", "json", "--db", loaded,
                          env=ENV).stdout)
    assert rows[0]["stage"] == "lead" and rows[0]["reached"] == 3


# -- case 14: range checks ------------------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (("conversion", "--month", "0000-01"), "outside the years 1900 to 2999"),
    (("conversion", "--month", "9999-12"), "outside the years 1900 to 2999"),
    (("conversion", "--until", "9999-12-31"), "--until: '9999-12-31' is outside the years"),
    (("dropoff", "--since", "0001-01-01"), "--since: '0001-01-01' is outside"),
    (("pulse", "--date", "0001-01-01"), "--date: '0001-01-01' is outside"),
    (("pulse", "--month", "2026-13"), "--month takes YYYY-MM"),
    (("rank", "--month", "9999-12"), "outside the years"),
    (("plan", "--target-amount", "1000", "--lookback", "100000"), "--lookback"),
    (("plan", "--target-amount", "1000", "--months", "1000000"), "--months"),
    (("plan", "--target-amount", "1e308"), "--target-amount"),
    (("churn", "--early-months", "100000000000"), "--early-months"),
    (("stalled", "--min-days", "99999999"), "--min-days"),
])
def test_out_of_range_flags_are_exit_2(cli, loaded, args, message):
    result = cli(*args, "--db", loaded, env=ENV)
    assert result.exit_code == ExitCode.USAGE, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_sample_seed_out_of_range(cli, tmp_path):
    result = cli("sample", "--out", tmp_path / "s", "--seed", str(2**70))
    assert result.exit_code == ExitCode.USAGE
    assert "--seed" in result.stderr and not (tmp_path / "s").exists()


@pytest.mark.parametrize("value", ["tomorrow", "2026-02-30", "0001-01-01"])
def test_malformed_salesfunnel_today(cli, loaded, value):
    result = cli("conversion", "--db", loaded, env={"SALESFUNNEL_TODAY": value})
    assert result.exit_code == ExitCode.USAGE
    assert "$SALESFUNNEL_TODAY" in one_error(result)


# -- cases 33 and 34: partial periods, the default period, one --month -----------------------------
def test_rank_defaults_to_the_last_complete_month(cli, loaded):
    """Today 2026-02-23: February is not over, so rank shows January. January's lead
    entries (entry dates): ann D1 (01-05), D2 (01-10); bob D3 (01-15): ann 2 #1, bob 1 #2."""
    rows = json.loads(cli("rank", "-f", "json", "--db", loaded, env=ENV).stdout)
    assert [(r["rep"], r["lead"], r["lead_rank"]) for r in rows] == [("ann", 2, 1), ("bob", 1, 2)]


def test_partial_month_is_labelled(cli, loaded):
    """rank --month latest is February 2026, which has not ended on 2026-02-23."""
    result = cli("rank", "--month", "latest", "--db", loaded, env=ENV)
    assert result.exit_code == ExitCode.OK
    assert "partial: 2026-02-01 to 2026-02-23 only, to date" in " ".join(result.stdout.split())
    assert "2026-02 is a partial month" in result.stderr


def test_zero_count_has_no_rank(cli, loaded):
    """January: ann won D1 (01-20), bob won nothing: bob's won count is 0, its rank null."""
    rows = json.loads(cli("rank", "--month", "2026-01", "-f", "json", "--db", loaded,
                          env=ENV).stdout)
    bob = next(r for r in rows if r["rep"] == "bob")
    assert (bob["won"], bob["won_rank"]) == (0, None)
    ann = next(r for r in rows if r["rep"] == "ann")
    assert (ann["won"], ann["won_rank"]) == (1, 1)


def test_pulse_month_takes_a_month(cli, loaded):
    """pulse --month 2026-01 is the same period as --date 2026-01-15 (and labelled so):
    leads created in January 2026: D1, D2, D3 = 3; in December 2025: 0."""
    by_month = json.loads(cli("pulse", "--month", "2026-01", "-f", "json", "--db", loaded,
                              env=ENV).stdout)
    by_date = json.loads(cli("pulse", "--date", "2026-01-15", "-f", "json", "--db", loaded,
                             env=ENV).stdout)
    assert by_month == by_date
    leads = next(r for r in by_month if r["metric"] == "leads")
    assert (leads["period"], leads["current"], leads["previous"]) == ("2026-01", 3, 0)
    # --month alone (issue 22): the last complete month, as without it
    alone = cli("pulse", "--month", "-f", "json", "--db", loaded, env=ENV)
    assert alone.exit_code == ExitCode.OK
    assert json.loads(alone.stdout) == json.loads(
        cli("pulse", "-f", "json", "--db", loaded, env=ENV).stdout)


# -- case 32: stale data -----------------------------------------------------------------------
def test_stale_data_notice(cli, loaded, tmp_path):
    """The newest activity is 2026-02-20: on 2026-03-15 that is 23 days old (> 7)."""
    stale = {"SALESFUNNEL_TODAY": "2026-03-15"}
    for command in ("stalled", "info"):
        result = cli(command, "--db", loaded, env=stale)
        assert result.exit_code == ExitCode.OK
        assert ("salesfunnel: note: the newest activity in the database is from 2026-02-20, "
                "23 days before 2026-03-15") in result.stderr
    fresh = cli("stalled", "--db", loaded, env={"SALESFUNNEL_TODAY": "2026-02-27"})  # 7 days
    assert "newest activity" not in fresh.stderr
    config = write(tmp_path, "c.toml", "[reports]\nstale_after_days = 30\n")
    relaxed = cli("stalled", "--db", loaded, "--config", config, env=stale)
    assert relaxed.exit_code == ExitCode.OK and "newest activity" not in relaxed.stderr


# -- case 8: formulas in CSV header cells -------------------------------------------------------
def test_csv_header_cells_are_escaped(cli, tmp_path):
    config = write(tmp_path, "f.toml", '[funnel]\nstages = ["=HYPERLINK(1)", "+cmd|x", "won"]\n')
    deals = write(tmp_path, "deals.csv", "deal_id,rep,stage,created_at\nF1,ann,=HYPERLINK(1),"
                  "2026-01-05\n")
    db = tmp_path / "f.duckdb"
    assert cli("load", deals, "--db", db, "--config", config).exit_code == ExitCode.OK
    result = cli("rank", "--month", "2026-01", "-f", "csv", "--db", db, "--config", config, env=ENV)
    header = result.stdout.splitlines()[0].split(",")
    assert header[:5] == ["month", "rep", "'=HYPERLINK(1)", "'=HYPERLINK(1)_rank", "'=HYPERLINK(1)_prev_rank"]
    assert header[5] == "'+cmd|x"
    assert result.stdout.splitlines()[1].split(",")[:4] == ["2026-01", "ann", "1", "1"]
    raw = cli("rank", "--month", "2026-01", "-f", "csv", "--raw", "--db", db, "--config", config,
              env=ENV)
    assert raw.stdout.startswith("month,rep,=HYPERLINK(1),")


# -- case 20: output failures ---------------------------------------------------------------------
@pytest.mark.parametrize("args", [
    ["conversion", "-f", "json"], ["rank", "--month", "2026-01"], ["info"], ["dropoff", "-f", "csv"],
])
def test_full_stdout_is_exit_3_naming_stdout(loaded, args):
    with open("/dev/full", "w") as full:
        proc = run([*args, "--db", loaded], stdout=full, stderr=subprocess.PIPE, text=True)
    assert proc.returncode == ExitCode.INPUT, proc.stderr
    assert "salesfunnel: error: Cannot write stdout: No space left on device." in proc.stderr
    assert "Traceback" not in proc.stderr and "None" not in proc.stderr


def test_closed_pipe_is_exit_3(loaded):
    proc = subprocess.Popen([sys.executable, "-m", "salesfunnel", "conversion", "-f", "json",
                             "--db", str(loaded)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, **ENV})
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == ExitCode.INPUT, err
    assert b"Cannot write stdout" in err and b"Traceback" not in err


def test_output_file_that_cannot_be_written(cli, loaded, tmp_path):
    target = tmp_path / "no" / "such" / "folder" / "rank.parquet"
    result = cli("rank", "-o", target, "--db", loaded, env=ENV)
    assert result.exit_code == ExitCode.INPUT
    assert f"Cannot write {target}" in one_error(result)


# -- cases 21 and 29: non-UTF-8 stdout, tiny COLUMNS -----------------------------------------------
@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "ascii"])
def test_non_utf8_stdout_falls_back_to_ascii(loaded, encoding):
    """rank January: bob has no won rank (null) and a new rank: '–' and '·' need UTF-8."""
    proc = run(["rank", "--month", "2026-01", "--db", loaded], env={"PYTHONIOENCODING": encoding},
               capture_output=True)
    assert proc.returncode == ExitCode.OK, proc.stderr
    text = proc.stdout.decode(encoding)  # strict: every character is in the encoding
    assert "ann" in text and "1,000" in text  # ann's won amount (D1)
    if encoding != "cp1252":  # cp1252 has the en dash; latin-1 and ASCII do not
        assert "–" not in text and " - " in text


@pytest.mark.parametrize("columns", ["0", "1", "5"])
def test_tiny_columns_keeps_the_numbers(loaded, columns):
    """conversion of the fixture: reached 6, 4, 3, 1; step 66.7%, 75.0%, 33.3%."""
    proc = run(["conversion", "--db", loaded], env={"COLUMNS": columns}, capture_output=True,
               text=True)
    assert proc.returncode == ExitCode.OK
    for figure in ("66.7%", "75.0%", "33.3%", "16.7%"):
        assert figure in proc.stdout, proc.stdout
    assert "qualified" in proc.stdout and "opportunity" in proc.stdout


# -- cases 22 and 23: environment variables ----------------------------------------------------------
def test_debug_and_progress_delay_parsing(monkeypatch):
    from salesfunnel.cli.common import debug_enabled, env_number
    from salesfunnel.errors import UsageError

    for value, expected in (("0", False), ("", False), ("no", False), ("1", True), ("true", True)):
        monkeypatch.setenv("SALESFUNNEL_DEBUG", value)
        assert debug_enabled() is expected, value
    monkeypatch.setenv("SALESFUNNEL_PROGRESS_DELAY", "abc")
    with pytest.raises(UsageError, match=r"\$SALESFUNNEL_PROGRESS_DELAY must be a number"):
        env_number("SALESFUNNEL_PROGRESS_DELAY", 1.0, 0, 3600)
    monkeypatch.setenv("SALESFUNNEL_PROGRESS_DELAY", "2.5")
    assert env_number("SALESFUNNEL_PROGRESS_DELAY", 1.0, 0, 3600) == 2.5


@pytest.mark.parametrize("args", [["conversion", "-f", "json"], ["rank", "--month", "2026-01"],
                                  ["info"]])
def test_closed_stdout_is_exit_3(loaded, args):
    """Started with stdout closed (`salesfunnel ... >&-`)."""
    proc = run([*args, "--db", loaded], stderr=subprocess.PIPE, text=True,
               preexec_fn=lambda: os.close(1))
    assert proc.returncode == ExitCode.INPUT, proc.stderr
    assert "salesfunnel: error: Cannot write stdout: it is closed." in proc.stderr


def test_partial_cohort_month_is_labelled(cli, loaded):
    """conversion --month 2026-02 on 2026-02-23: the cohort month is not over."""
    result = cli("conversion", "--month", "2026-02", "--db", loaded, env=ENV)
    assert result.exit_code == ExitCode.OK
    assert "created 2026-02 (partial: 2026-02-01 to 2026-02-23 only, to date)" in result.stdout
    full = cli("conversion", "--month", "2026-01", "--db", loaded, env=ENV)
    assert full.exit_code == ExitCode.OK and "partial" not in full.stdout
