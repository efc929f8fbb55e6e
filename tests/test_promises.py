"""Promises that hold on every path (issue 22): `--month` alone, one currency guard,
spreadsheet-safe workbooks, the user's files never destroyed, full-export removal.

Each promise lives in one shared place; the sweeps at the end run every command that
takes the option through it, so that no command slips past."""

from __future__ import annotations

import json
import os

import pytest
import typer.main

from salesfunnel.cli import app
from salesfunnel.errors import ExitCode
from tests.conftest import load_into, query, write

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


# -- a bad date is exit 2, with or without a database ---------------------------------
DATE_SHAPES = {"YYYY-MM-DD": "2026-02-30", "YYYY-MM": "2026-13", "YYYY-QN|YYYY-MM": "2026-Q5"}


def _date_options() -> list[tuple[str, str, str]]:
    return sorted((name, param.opts[0], param.metavar) for name, command in _commands().items()
                  for param in command.params if getattr(param, "metavar", None) in DATE_SHAPES)


def test_there_are_date_options_to_check():
    """The sweep below finds every date option by its metavar: were they renamed, it
    would check nothing."""
    found = {(name, flag) for name, flag, _ in _date_options()}
    assert {("rank", "--month"), ("conversion", "--since"), ("pulse", "--date"),
            ("plan", "--start"), ("pacing", "--period"), ("churn", "--until"),
            ("movement", "--since"), ("pack", "--month"), ("velocity", "--month")} <= found
    assert len(found) >= 20


@pytest.mark.parametrize(("name", "flag", "metavar"), _date_options())
def test_a_malformed_date_is_exit_2_before_the_database_is_opened(name, flag, metavar, cli,
                                                                    tmp_path):
    """`rank --month 2026-13` was exit 5 ("No database at ...") without a database and
    exit 2 with one: the value is judged first, by the report's own parser, so a cron
    job learns of the typo the same way everywhere."""
    missing = tmp_path / "none.duckdb"
    bad = DATE_SHAPES[metavar]
    result = cli(name, flag, bad, "--db", missing, env=ENV)
    assert result.exit_code == ExitCode.USAGE, (name, flag, result.stderr)
    assert flag in result.stderr and repr(bad) in result.stderr, result.stderr
    assert "No database" not in result.stderr
    assert not missing.exists()


def test_month_words_still_reach_the_report(cli, tmp_path):
    missing = tmp_path / "none.duckdb"
    for word in ("last", "latest", "complete"):
        result = cli("rank", "--month", word, "--db", missing, env=ENV)
        assert result.exit_code == ExitCode.DATABASE, result.stderr


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


# -- never summed across currencies --------------------------------------------------
# Two full exports: D1 and D3 in EUR, D2 in JPY. By hand, EUR only: open on the 18th D1
# 1000 + D3 500; on the 20th D1 is won at 1000, D3 is up 500 -> 700; D2 (JPY 200000) is
# won on the 19th and counts in no EUR figure.
EXPORT_18 = """deal_id,rep,tier,created_at,stage,status,amount,closed_at,currency
D1,alice,smb,2026-11-01,opportunity,open,1000,,EUR
D2,bob,smb,2026-11-02,opportunity,open,200000,,JPY
D3,alice,mid,2026-11-03,qualified,open,500,,EUR
"""
EXPORT_20 = """deal_id,rep,tier,created_at,stage,status,amount,closed_at,currency
D1,alice,smb,2026-11-01,won,won,1000,2026-11-20,EUR
D2,bob,smb,2026-11-02,won,won,200000,2026-11-19,JPY
D3,alice,mid,2026-11-03,qualified,open,700,,EUR
"""
TWO_CURRENCIES = "2 currencies (EUR, JPY)"
# what each command needs besides the shared options, to run at all
REQUIRED = {
    "plan": ["--target-amount", "2000"], "pacing": ["--target-amount", "2000"],
    "pack": ["--out", "{tmp}/pack"],
}


@pytest.fixture
def two_currencies_db(db_path, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    for day, text in (("18", EXPORT_18), ("20", EXPORT_20)):
        load_into(db_path, write(folder, f"deals_2026-11-{day}.csv", text), full=True)
    return db_path


def test_pacing_velocity_movement_take_one_currency(two_currencies_db, cli):
    db = two_currencies_db
    for args in (["movement"], ["velocity"], ["pacing", "--target-amount", "2000"]):
        result = cli(*args, "--db", db, env=ENV)
        assert result.exit_code == ExitCode.QUERY, args
        assert TWO_CURRENCIES in result.stderr and "--currency EUR" in result.stderr
    moved = {r["category"]: (r["deals"], r["amount"]) for r in _json(
        cli, "movement", "--since", "2026-11-18", "--until", "2026-11-20", "--currency", "eur",
        "--db", db)}
    assert moved["start"] == (2, 1500.0)
    assert moved["won"] == (1, 1000.0)
    assert moved["amount_up"] == (1, 200.0)
    assert moved["end"] == (1, 700.0)
    [paced] = _json(cli, "pacing", "--target-amount", "2000", "--period", "2026-11",
                    "--currency", "EUR", "--db", db)
    assert (paced["won"], paced["won_amount"], paced["attainment"]) == (1, 1000.0, 0.5)
    [velocity] = _json(cli, "velocity", "--month", "2026-11", "--currency", "EUR", "--db", db)
    assert (velocity["won"], velocity["avg_won_amount"]) == (1, 1000.0)
    # the table says the same numbers
    table = cli("pacing", "--target-amount", "2000", "--period", "2026-11", "--currency", "EUR",
                "--db", db, env=ENV)
    assert "1,000" in table.stdout and "201,000" not in table.stdout


def test_pack_refuses_several_currencies_and_writes_nothing(two_currencies_db, cli, tmp_path):
    out = tmp_path / "pack"
    result = cli("pack", "--month", "2026-11", "--out", out, "--db", two_currencies_db, env=ENV)
    assert result.exit_code == ExitCode.QUERY
    assert TWO_CURRENCIES in result.stderr
    assert not out.exists()
    result = cli("pack", "--month", "2026-11", "--out", out, "--currency", "EUR",
                 "--db", two_currencies_db, env=ENV)
    assert result.exit_code == ExitCode.OK, result.stderr
    import polars as pl

    pulse = pl.read_excel(out / "salesfunnel-2026-11.xlsx", sheet_name="pulse")
    won = pulse.filter(pl.col("metric") == "avg_won_amount")["current"].to_list()
    assert won == [1000.0]  # D1 alone, never (1000 + 200000) / 2


def test_no_command_sums_amounts_across_currencies(two_currencies_db, cli, tmp_path):
    """Every command either takes --currency and exits 6 without it on two currencies, or
    writes no amount at all: no command slips past the guard (reports.currency.scope_currency)."""
    guarded, unguarded = set(), set()
    for name, command in sorted(_commands().items()):
        options = _options(command)
        if "--db" not in options or name in ("load", "info"):
            continue  # not a report
        extra = [a.replace("{tmp}", str(tmp_path)) for a in REQUIRED.get(name, [])]
        machine = ["-f", "json"] if "--format" in options else []
        result = cli(name, *extra, *machine, "--db", two_currencies_db, env=ENV)
        if result.exit_code == ExitCode.QUERY and TWO_CURRENCIES in result.stderr:
            assert "--currency" in options, name
            guarded.add(name)
            continue
        assert result.exit_code == ExitCode.OK, (name, result.stderr)
        assert "--currency" not in options, f"{name} takes --currency but sums without it"
        keys = {key for row in json.loads(result.stdout) for key in row}
        assert not {key for key in keys if "amount" in key}, name
        unguarded.add(name)
    assert guarded == {"dropoff", "movement", "pack", "pacing", "plan", "pulse", "rank",
                       "tiers", "velocity"}
    assert unguarded == {"churn", "cohorts", "conversion", "stalled"}


def test_stalled_says_each_deals_currency(db_path, tmp_path, cli):
    """stalled lists each deal's amount (no sum, so no exit 6), but without its currency:
    EUR 1,000 and JPY 200,000 stood in one Amount column as if of one currency (as
    churn --list-early's MRR did before it got its currency field). Now a trailing field
    currency, and a Currency column in the table when any row has one."""
    deals = ["deal_id,rep,tier,created_at,stage,status,amount,currency"]
    history = ["deal_id,stage,entered_at"]
    for i in range(1, 7):  # six past deals of smb left lead after 5 days
        deals.append(f"P{i},ann,smb,2026-08-0{i},qualified,open,100,EUR")
        history += [f"P{i},lead,2026-08-0{i}", f"P{i},qualified,2026-08-{i + 5:02d}"]
    deals += ["S1,ann,smb,2026-08-01,lead,open,1000,EUR", "S2,bob,smb,2026-08-01,lead,open,200000,JPY"]
    history += ["S1,lead,2026-08-01", "S2,lead,2026-08-01"]
    load_into(db_path, write(tmp_path, "deals.csv", "\n".join(deals) + "\n"),
              write(tmp_path, "history.csv", "\n".join(history) + "\n"))
    rows = _json(cli, "stalled", "--min-past-deals", "1", "--db", db_path)
    assert [(r["deal_id"], r["amount"], r["currency"]) for r in rows] == [
        ("S1", 1000.0, "EUR"), ("S2", 200000.0, "JPY")]
    table = cli("stalled", "--min-past-deals", "1", "--db", db_path,
                env={**ENV, "COLUMNS": "160"}).stdout
    assert "Currency" in table
    assert [line.split()[-1] for line in table.splitlines()
            if line.strip().startswith(("S1", "S2"))] == ["EUR", "JPY"]


# -- spreadsheet safety -----------------------------------------------------------
EVIL_REP = '=HYPERLINK("http://evil.example","click")'
EVIL_REASON = "=1+2"
EVIL_CUSTOMER = "@SUM(A1)"
FORMULA_DEALS = f"""deal_id,rep,tier,account,created_at,stage,status,lost_reason,amount,closed_at
E1,"{EVIL_REP.replace('"', '""')}",smb,+Acme,2026-10-02,won,won,,1000,2026-10-20
E2,"{EVIL_REP.replace('"', '""')}",smb,-Initech,2026-10-03,lead,lost,{EVIL_REASON},,2026-10-05
E3,ann,smb,Acme,2026-10-04,qualified,lost,-fee,,2026-10-09
"""
FORMULA_SUBSCRIPTIONS = f"""customer_id,deal_id,rep,tier,started_at,ended_at,mrr
{EVIL_CUSTOMER},E1,"{EVIL_REP.replace('"', '""')}",smb,2026-10-20,2026-10-30,100
"""


def _cells(path) -> tuple[list[str], set[str]]:
    """Every formula (<f>) of every sheet of an .xlsx, and every text it holds."""
    import re
    import zipfile
    from html import unescape

    with zipfile.ZipFile(path) as book:
        names = book.namelist()
        formulas = [f for name in names if name.startswith("xl/worksheets/sheet")
                    for f in re.findall(r"<f>(.*?)</f>", book.read(name).decode())]
        texts = {unescape(t) for t in re.findall(
            r"<t[^>]*>(.*?)</t>", book.read("xl/sharedStrings.xml").decode())}
    return formulas, texts


def test_workbooks_write_formula_like_text_as_strings(db_path, tmp_path, cli):
    load_into(db_path, write(tmp_path, "deals.csv", FORMULA_DEALS),
              write(tmp_path, "subscriptions.csv", FORMULA_SUBSCRIPTIONS))
    books = {
        "rank": ["rank", "--month", "2026-10"],
        "dropoff": ["dropoff", "--month", "2026-10"],
        "early": ["churn", "--list-early"],
    }
    for name, args in books.items():
        result = cli(*args, "-o", tmp_path / f"{name}.xlsx", "--db", db_path, env=ENV)
        assert result.exit_code == ExitCode.OK, (name, result.stderr)
    result = cli("pack", "--month", "2026-10", "--out", tmp_path / "pack", "--db", db_path,
                 env=ENV)
    assert result.exit_code == ExitCode.OK, result.stderr
    books["pack"] = []
    paths = {name: tmp_path / f"{name}.xlsx" for name in books}
    paths["pack"] = tmp_path / "pack" / "salesfunnel-2026-10.xlsx"
    for name, path in paths.items():
        formulas, texts = _cells(path)
        assert formulas == [], name
        if name != "dropoff":  # dropoff shows no rep
            assert EVIL_REP in texts, name  # the name itself, as a string: no quote added
    assert EVIL_REASON in _cells(paths["dropoff"])[1]
    assert "-fee" in _cells(paths["dropoff"])[1]
    assert EVIL_CUSTOMER in _cells(paths["early"])[1]
    assert {EVIL_REASON, EVIL_CUSTOMER} <= _cells(paths["pack"])[1]
    # the CSV output escapes them (a leading quote), as before
    csv = cli("dropoff", "--month", "2026-10", "-f", "csv", "--db", db_path, env=ENV).stdout
    assert "'=1+2" in csv and "'-fee" in csv


# -- the user's files are never destroyed ---------------------------------------------
def _hashes(*roots) -> dict[str, str]:
    """SHA-256 of every file under `roots` (files or folders)."""
    import hashlib
    from pathlib import Path

    found = {}
    for root in map(Path, roots):
        for path in ([root] if root.is_file() else sorted(root.rglob("*"))):
            if path.is_file():
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture
def user_files(rank_db, tmp_path):
    """A user's folder: an export, a config of their own, and the database."""
    folder = tmp_path / "user"
    folder.mkdir()
    export = write(folder, "deals.csv", "deal_id,rep,stage\nU1,ann,lead\nU2,bob,won\n")
    config = write(folder, "mine.toml", "[funnel]\nstages = ['lead', 'won']\n")
    return {"folder": folder, "export": export, "config": config, "db": rank_db}


def test_init_out_never_replaces_a_file_init_did_not_write(user_files, cli, tmp_path):
    export, config, db = user_files["export"], user_files["config"], user_files["db"]
    before = _hashes(export, config, db)
    for target, says in ((export, "a file salesfunnel did not write"), (db, "a database"),
                         (config, "a file salesfunnel did not write")):
        result = cli("init", export, "--out", target)
        assert result.exit_code == ExitCode.USAGE, target
        assert f"--out {target} is {says}" in result.stderr and "--force" in result.stderr
    assert _hashes(export, config, db) == before
    # its own proposal, unchanged: replaced; edited by the user: theirs
    proposal = tmp_path / "proposal.toml"
    assert cli("init", export, "--out", proposal).exit_code == ExitCode.OK
    assert cli("init", export, "--out", proposal).exit_code == ExitCode.OK
    assert "stages" in proposal.read_text(encoding="utf-8")
    with proposal.open("a", encoding="utf-8") as handle:
        handle.write("# my change\n")
    edited = _hashes(proposal)
    result = cli("init", export, "--out", proposal)
    assert result.exit_code == ExitCode.USAGE
    assert "(or one edited since)" in result.stderr
    assert _hashes(proposal) == edited
    # the proposal loads as it is, stamp line and all
    assert cli("load", export, "--config", proposal, "--db", tmp_path / "p.duckdb").exit_code \
        == ExitCode.OK
    # --force: the user asked for it
    assert cli("init", export, "--out", config, "--force").exit_code == ExitCode.OK
    assert "# salesfunnel config proposed by" in config.read_text(encoding="utf-8")


def test_pack_out_never_mixes_with_a_users_files(user_files, cli, tmp_path):
    folder, db = user_files["folder"], user_files["db"]
    before = _hashes(folder)
    result = cli("pack", "--month", "2026-02", "--out", folder, "--db", db, env=ENV)
    assert result.exit_code == ExitCode.USAGE
    assert "holds files salesfunnel did not write there (deals.csv, mine.toml)" in result.stderr
    assert _hashes(folder) == before  # nothing written, nothing replaced
    # its own folder: written again (a file the pack wrote, changed since, is the user's)
    pack = tmp_path / "pack"
    for _ in range(2):
        result = cli("pack", "--month", "2026-02", "--out", pack, "--db", db, env=ENV)
        assert result.exit_code == ExitCode.OK, result.stderr
    (pack / "index.html").write_text("my notes", encoding="utf-8")
    result = cli("pack", "--month", "2026-02", "--out", pack, "--db", db, env=ENV)
    assert result.exit_code == ExitCode.USAGE and "(index.html)" in result.stderr
    assert (pack / "index.html").read_text(encoding="utf-8") == "my notes"
    # --force writes the pack and leaves the user's other files as they were
    result = cli("pack", "--month", "2026-02", "--out", folder, "--force", "--db", db, env=ENV)
    assert result.exit_code == ExitCode.OK
    after = _hashes(folder)
    assert {name: after[name] for name in before} == before
    assert (folder / "salesfunnel-2026-02.xlsx").exists()


def test_sample_out_never_replaces_a_users_export(user_files, cli, tmp_path):
    folder = user_files["folder"]
    before = _hashes(folder)
    result = cli("sample", "--out", folder, "--deals", "20")
    assert result.exit_code == ExitCode.USAGE
    assert "holds files salesfunnel did not write there (deals.csv, mine.toml)" in result.stderr
    assert _hashes(folder) == before
    # the sample's own folder: written again, with another size
    sample = tmp_path / "sample"
    assert cli("sample", "--out", sample, "--deals", "20").exit_code == ExitCode.OK
    assert cli("sample", "--out", sample, "--deals", "30").exit_code == ExitCode.OK
    newest = sample / "deals_2026-10-31_2300.csv"  # the sample's current-state export
    assert len(newest.read_text(encoding="utf-8").splitlines()) == 31
    export_before = user_files["export"].read_bytes()
    result = cli("sample", "--out", folder, "--deals", "20", "--force")
    assert result.exit_code == ExitCode.OK
    # --force writes the sample's files beside the user's (whose names it does not use)
    assert len((folder / newest.name).read_text(encoding="utf-8").splitlines()) == 21
    assert user_files["export"].read_bytes() == export_before


def test_no_command_writes_over_the_database(user_files, cli, tmp_path):
    """Every command that takes -o/--output or --out goes through the shared checks
    (paths.check_output_path, paths.check_replaceable): aimed at the database, exit 2 and
    the database unchanged. No command slips past."""
    db, export = user_files["db"], user_files["export"]
    before = _hashes(db)
    checked = set()
    for name, command in sorted(_commands().items()):
        options = _options(command)
        flags = [flag for flag in ("-o", "--out") if flag in options]
        if not flags:
            continue
        extra = [a.replace("{tmp}", str(tmp_path)) for a in REQUIRED.get(name, [])
                 if name != "pack"]
        paths = [export] if name in ("init", "load") else []
        database = ["--db", db] if "--db" in options else []
        result = cli(name, *paths, *extra, flags[0], db, *database, env=ENV)
        # a folder command (--out DIR) given a file: an input error, as for any file
        wanted = ExitCode.INPUT if name in ("pack", "sample") else ExitCode.USAGE
        assert result.exit_code == wanted, (name, result.stderr)
        assert str(db) in result.stderr, name
        assert _hashes(db) == before, name
        checked.add(name)
    assert checked == {"churn", "cohorts", "conversion", "dropoff", "init", "movement", "pack",
                       "pacing", "plan", "pulse", "rank", "sample", "stalled", "tiers",
                       "velocity"}


def test_no_report_writes_over_a_users_file(user_files, cli, tmp_path):
    """Every report's -o FILE goes through paths.check_replaceable: aimed at a user's
    export or config, exit 2 naming it, and the file unchanged; --force replaces it."""
    db, export, config = user_files["db"], user_files["export"], user_files["config"]
    before = _hashes(export, config)
    checked = set()
    for name, command in sorted(_commands().items()):
        options = _options(command)
        if "-o" not in options or name in ("init", "pack", "sample"):
            continue
        extra = [a.replace("{tmp}", str(tmp_path)) for a in REQUIRED.get(name, [])]
        for target in (export, config):
            result = cli(name, *extra, "-o", target, "-f", "csv", "--db", db, env=ENV)
            assert result.exit_code == ExitCode.USAGE, (name, result.stderr)
            assert (f"--output {target} is a file salesfunnel did not write"
                    in " ".join(result.stderr.split())), name
        assert _hashes(export, config) == before, name
        checked.add(name)
    assert checked == {"churn", "cohorts", "conversion", "dropoff", "movement", "pacing", "plan",
                       "pulse", "rank", "stalled", "tiers", "velocity"}
    result = cli("conversion", "-o", export, "-f", "csv", "--force", "--db", db, env=ENV)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert export.read_text(encoding="utf-8").startswith("stage,reached,")


def test_a_folder_where_a_file_is_wanted_is_refused_in_every_command(user_files, cli, tmp_path):
    """`-o reports/`, `init --out conf/`, `--db data/`: a path ending in / names a folder.
    Path() drops the slash, so each wrote a *file* named `reports`, `conf` or `data`
    (exit 0); and init's --out onto an existing folder was exit 3 'Is a directory' where
    a report's -o is exit 2. Now every file-writing option refuses a folder alike (exit 2;
    --db exit 5, as for any folder), and nothing is created."""
    db, export = user_files["db"], user_files["export"]
    folder = tmp_path / "there"
    folder.mkdir()
    checked = set()
    for name, command in sorted(_commands().items()):
        options = _options(command)
        if "-o" not in options:
            continue
        extra = [a.replace("{tmp}", str(tmp_path)) for a in REQUIRED.get(name, [])]
        for target in (f"{tmp_path}/new/", str(folder), f"{folder}/"):
            result = cli(name, *extra, "-o", target, "-f", "csv", "--db", db, env=ENV)
            assert result.exit_code == ExitCode.USAGE, (name, target, result.stderr)
            assert "is a folder; give a file name" in " ".join(result.stderr.split()), name
        checked.add(name)
    assert len(checked) == 12, checked
    for target in (f"{tmp_path}/new/", str(folder), f"{folder}/"):
        result = cli("init", export, "--out", target)
        assert result.exit_code == ExitCode.USAGE, (target, result.stderr)
        assert "--out" in result.stderr and "is a folder; give a file name" in result.stderr
    result = cli("load", export, "--db", f"{tmp_path}/data/")
    assert result.exit_code == ExitCode.DATABASE, result.stderr
    assert "is a folder, not a file" in result.stderr
    assert not (tmp_path / "new").exists() and not (tmp_path / "data").exists()
    assert list(folder.iterdir()) == []


def test_a_reports_own_output_is_written_again_until_someone_edits_it(rank_db, cli, tmp_path):
    """A nightly `rank -o rank.csv` replaces its own file (listed in .salesfunnel-written
    with its SHA-256); once a person edits the file it is theirs: exit 2, unchanged."""
    import json

    output = tmp_path / "reports" / "rank.csv"
    output.parent.mkdir()
    for _ in range(2):
        result = cli("rank", "--month", "2026-06", "-o", output, "--db", rank_db, env=ENV)
        assert result.exit_code == ExitCode.OK, result.stderr
    listed = json.loads((output.parent / ".salesfunnel-written").read_text(encoding="utf-8"))
    assert list(listed) == ["rank.csv"] and listed["rank.csv"] == _hashes(output)[str(output)]
    with output.open("a", encoding="utf-8") as handle:
        handle.write("my note\n")
    before = _hashes(output)
    result = cli("rank", "--month", "2026-06", "-o", output, "--db", rank_db, env=ENV)
    assert result.exit_code == ExitCode.USAGE
    assert _hashes(output) == before


def test_output_to_dev_stdout_is_written_as_it_is(rank_db, tmp_path):
    """`-o /dev/stdout` with stdout redirected to a file (cron): the report lands in that
    file (never replaced by a rename, which would leave the redirection writing nowhere)."""
    import subprocess
    import sys

    target = tmp_path / "out.csv"
    with target.open("w", encoding="utf-8") as handle:
        done = subprocess.run(
            [sys.executable, "-m", "salesfunnel", "conversion", "-o", "/dev/stdout", "-f", "csv",
             "--db", str(rank_db)], stdout=handle, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **ENV}, check=False)
    assert done.returncode == ExitCode.OK, done.stderr
    assert target.read_text(encoding="utf-8").startswith("stage,reached,")


# -- what a command writes appears whole or not at all (paths.written_whole) -------------
FEBRUARY_PACK = {  # the reps with February activity: bob (R4, R5), cy (R6, R7), dee (R8)
    "salesfunnel-2026-02.xlsx", "index.html", "reps/bob.html", "reps/cy.html", "reps/dee.html",
}


def _names(root) -> set[str]:
    """Every file and folder under `root`, relative (a staging folder left behind shows)."""
    return {path.relative_to(root).as_posix() for path in root.rglob("*")}


def _no_space(*_args, **_kwargs):
    import errno

    raise OSError(errno.ENOSPC, "No space left on device")


def _fail_pack(monkeypatch, where: str) -> None:
    """Make the pack fail midway: while writing the workbook (its last sheet), while
    writing the rep pages (after the workbook and index.html, a half page on disk), in a
    report (the tiers report raises), or by Ctrl-C in a report."""
    from pathlib import Path

    from salesfunnel.errors import QueryError

    if where == "workbook":
        monkeypatch.setattr("salesfunnel.render.workbook.add_text_sheet", _no_space)
    elif where == "rep page":
        real = Path.write_text

        def write_text(self, text, *args, **kwargs):
            if self.parent.name == "reps":
                real(self, text[: len(text) // 2], *args, **kwargs)
                _no_space()
            return real(self, text, *args, **kwargs)

        monkeypatch.setattr(Path, "write_text", write_text)
    elif where == "report":
        def tiers(*_args, **_kwargs):
            raise QueryError("the tiers report failed")

        monkeypatch.setattr("salesfunnel.reports.management.tiers", tiers)
    else:
        def interrupted(*_args, **_kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr("salesfunnel.reports.management.tiers", interrupted)


@pytest.mark.parametrize(("where", "code"), [
    ("workbook", ExitCode.INPUT), ("rep page", ExitCode.INPUT), ("report", ExitCode.QUERY),
    ("ctrl-c", ExitCode.INTERRUPTED),
])
def test_a_pack_that_fails_midway_leaves_the_disk_as_it_was(user_files, cli, tmp_path,
                                                            monkeypatch, where, code):
    """No partial folder (nor the parent folders made for it), an earlier pack and a
    user's folder (--force) byte for byte as they were, no staging folder left."""
    db, user = user_files["db"], user_files["folder"]
    earlier = tmp_path / "earlier"
    result = cli("pack", "--month", "2026-01", "--out", earlier, "--db", db, env=ENV)
    assert result.exit_code == ExitCode.OK, result.stderr
    before, names = _hashes(earlier, user), _names(tmp_path)
    assert len(_hashes(earlier)) == 6  # January: workbook, index.html, 3 rep pages, the list
    _fail_pack(monkeypatch, where)
    for out, force in ((tmp_path / "new" / "pack", []), (earlier, []), (user, ["--force"])):
        result = cli("pack", "--month", "2026-02", "--out", out, *force, "--db", db, env=ENV)
        assert result.exit_code == code, (where, out, result.stderr)
        assert result.stdout == ""
        if code == ExitCode.INPUT:
            assert f"Cannot write the pack into {out}: No space left on device." in \
                result.stderr
        assert _hashes(earlier, user) == before, (where, out)
        assert _names(tmp_path) == names, (where, out)  # no new folder, no staging left
    assert not (tmp_path / "new").exists()


def test_a_pack_that_succeeds_writes_every_file(user_files, cli, tmp_path):
    """Into a new folder (its parent made too) every file and the list of their SHA-256;
    into an earlier pack the new files replace their namesakes and the earlier month's
    workbook stays as it was."""
    import hashlib

    db, work = user_files["db"], tmp_path / "work"
    work.mkdir()
    out = work / "new" / "pack"
    result = cli("pack", "--month", "2026-02", "--out", out, "--db", db, env=ENV)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout.strip() == str(out / "index.html")
    assert "Wrote the 2026-02 pack: salesfunnel-2026-02.xlsx, index.html and 3 rep pages." in \
        result.stderr
    assert _names(work) == {"new", "new/pack", "new/pack/reps", "new/pack/.salesfunnel-written",
                            *(f"new/pack/{name}" for name in FEBRUARY_PACK)}
    listed = json.loads((out / ".salesfunnel-written").read_text(encoding="utf-8"))
    assert listed == {name: hashlib.sha256((out / name).read_bytes()).hexdigest()
                      for name in FEBRUARY_PACK}
    february = _hashes(out / "salesfunnel-2026-02.xlsx")
    result = cli("pack", "--month", "2026-01", "--out", out, "--db", db, env=ENV)
    assert result.exit_code == ExitCode.OK, result.stderr
    # January's reps: ann (R1, R2), bob (R3), dee (R8); cy's page of February stays
    assert _names(out) == {"reps", ".salesfunnel-written", *FEBRUARY_PACK,
                           "salesfunnel-2026-01.xlsx", "reps/ann.html"}
    assert _hashes(out / "salesfunnel-2026-02.xlsx") == february
    assert len(json.loads((out / ".salesfunnel-written").read_text(encoding="utf-8"))) == 7
    assert _names(work) == {"new", "new/pack", *(f"new/pack/{n}" for n in _names(out))}


def test_sample_init_and_output_files_that_fail_midway_leave_the_disk_as_it_was(
    user_files, cli, tmp_path, monkeypatch,
):
    """sample --out, init --out and -o go through the same helper: a failure after the
    first file (or halfway through one) leaves no partial file or folder, and what was
    there (an earlier sample, proposal or report file) byte for byte as it was."""
    from pathlib import Path

    import polars as pl

    db, export = user_files["db"], user_files["export"]
    sample, proposal, report = tmp_path / "sample", tmp_path / "p.toml", tmp_path / "rank.xlsx"
    assert cli("sample", "--out", sample, "--deals", "20").exit_code == ExitCode.OK
    assert cli("init", export, "--out", proposal).exit_code == ExitCode.OK
    assert cli("rank", "--month", "2026-02", "-o", report, "--db", db, env=ENV).exit_code == 0
    before, names = _hashes(tmp_path), _names(tmp_path)
    assert len(_hashes(sample)) == 7  # six CSV files and the list

    real_csv = pl.DataFrame.write_csv

    def write_csv(self, path=None, *args, **kwargs):
        if path is not None and Path(path).name == "stage_history.csv":  # the third file
            _no_space()
        return real_csv(self, path, *args, **kwargs)

    monkeypatch.setattr(pl.DataFrame, "write_csv", write_csv)
    for out in (sample, tmp_path / "new" / "sample"):
        result = cli("sample", "--out", out, "--deals", "30")
        assert result.exit_code == ExitCode.INPUT, result.stderr
        assert f"Cannot write the sample into {out}: No space left on device." in result.stderr
    real_text = Path.write_text

    def write_text(self, text, *args, **kwargs):
        real_text(self, text[: len(text) // 2], *args, **kwargs)  # half, then the disk is full
        _no_space()

    monkeypatch.setattr(Path, "write_text", write_text)
    for out in (proposal, tmp_path / "new.toml"):
        result = cli("init", export, "--out", out)
        assert result.exit_code == ExitCode.INPUT, result.stderr
        assert f"Cannot write {out}: No space left on device." in result.stderr
    monkeypatch.setattr("salesfunnel.render.workbook.add_sheet", _no_space)
    for out in (report, tmp_path / "new.xlsx"):
        result = cli("rank", "--month", "2026-01", "-o", out, "--db", db, env=ENV)
        assert result.exit_code == ExitCode.INPUT, result.stderr
        assert f"Cannot write {out}: No space left on device." in result.stderr
    assert _hashes(tmp_path) == before
    assert _names(tmp_path) == names


# -- full exports: a rejected row is still a row of the export --------------------------
FULL_10 = """deal_id,rep,tier,created_at,stage,status,amount,closed_at
D1,ann,smb,2026-11-01,lead,open,100,
D2,bob,smb,2026-11-02,qualified,open,200,
D3,bob,smb,2026-11-03,lead,open,300,
"""
# D1's stage is unknown, D2's amount unparseable: both rows rejected, both deals in the
# export; D3 is missing: removed
FULL_17 = """deal_id,rep,tier,created_at,stage,status,amount,closed_at
D1,ann,smb,2026-11-01,negotiation,open,100,
D2,bob,smb,2026-11-02,qualified,open,abc,
"""
FULL_24 = """deal_id,rep,tier,created_at,stage,status,amount,closed_at
D2,bob,smb,2026-11-02,qualified,open,250,
"""


def _removed(db_path) -> dict[str, str]:
    return {deal: f"{as_of:%Y-%m-%d}" for deal, as_of in query(
        db_path, "select deal_id, as_of from deal_snapshots where removed order by 1")}


def test_a_rejected_row_of_a_full_export_never_removes_its_deal(db_path, tmp_path, cli):
    folder = tmp_path / "exports"
    folder.mkdir()
    first = load_into(db_path, write(folder, "deals_2026-11-10.csv", FULL_10), full=True)
    assert first.files[0].snapshot.new == 3
    second = load_into(db_path, write(folder, "deals_2026-11-17.csv", FULL_17), full=True)
    assert (second.files[0].rows_rejected, second.files[0].snapshot.removed) == (2, 1)
    assert _removed(db_path) == {"D3": "2026-11-17"}  # D1 and D2 are in the export
    assert query(db_path, "select line, column_name, deal_id from load_rejects order by 1") \
        == [(2, "stage", "D1"), (3, "amount", "D2")]
    # the reports agree: the open pipeline on the 17th lost D3 (300) alone
    moved = {r["category"]: (r["deals"], r["amount"]) for r in _json(
        cli, "movement", "--since", "2026-11-10", "--until", "2026-11-17", "--db", db_path)}
    assert moved["removed"] == (1, 300.0)
    assert moved["end"] == (2, 300.0)  # D1 100 + D2 200, their last known states
    info = json.loads(cli("info", "--format", "json", "--db", db_path, env=ENV).stdout)
    assert info["deals"] == 2
    # a later full export without D1 removes it then, from its last known state
    third = load_into(db_path, write(folder, "deals_2026-11-24.csv", FULL_24), full=True)
    assert third.files[0].snapshot.removed == 1
    assert _removed(db_path) == {"D1": "2026-11-24", "D3": "2026-11-17"}
    # loaded in another order, the same timeline
    other = tmp_path / "other.duckdb"
    for name in ("deals_2026-11-24.csv", "deals_2026-11-10.csv", "deals_2026-11-17.csv"):
        load_into(other, folder / name, full=True)
    assert _removed(other) == _removed(db_path)


def test_a_version_3_database_gains_the_rejects_deal_id(db_path, tmp_path, cli):
    import duckdb

    load_into(db_path, write(tmp_path, "deals_2026-11-10.csv", FULL_10), full=True)
    with duckdb.connect(str(db_path)) as conn:
        conn.execute("alter table load_rejects drop column deal_id")
        conn.execute("update salesfunnel_meta set value = '3' where key = 'schema_version'")
    result = cli("load", "--full", write(tmp_path, "deals_2026-11-17.csv", FULL_17),
                 "--db", db_path, env=ENV)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert query(db_path, "select value from salesfunnel_meta where key = 'schema_version'") \
        == [("5",)]
    assert _removed(db_path) == {"D3": "2026-11-17"}


# -- a database of the previous release ------------------------------------------------
def test_deals_loaded_before_the_upgrade_take_part_in_full_export_removal(cli, tmp_path):
    """tests/fixtures/releases/v0.1.0-7f9ed3a.duckdb: tests/fixtures/funnel (D1-D6) loaded
    by release 0.1 (schema version 1, no snapshots). A full export of D1-D5 as of
    2026-12-01, later than the old file's modification time (2026-11-23): D1-D5 are the
    same (unchanged 5, new 0), D6 is missing (removed 1)."""
    import shutil

    from tests.conftest import FIXTURES

    db = tmp_path / "old.duckdb"
    shutil.copy(FIXTURES / "releases" / "v0.1.0-7f9ed3a.duckdb", db)
    before = _hashes(db)
    lines = (FIXTURES / "funnel" / "deals.csv").read_text(encoding="utf-8").splitlines()
    assert lines[6].startswith("D6,")
    export = write(tmp_path, "deals_2026-12-01.csv", "\n".join(lines[:6]) + "\n")
    result = cli("load", "--full", export, "--db", db, env=ENV)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert _hashes(db) != before
    assert "new 0;" in result.stderr and "unchanged 5; removed 1" in result.stderr
    assert _removed(db) == {"D6": "2026-12-01"}
    assert query(db, "select count(*), min(as_of) from deal_snapshots where not removed") \
        == [(6, query(db, "select as_of from deal_exports where file_id = 2")[0][0])]
    info = json.loads(cli("info", "--format", "json", "--db", db, env=ENV).stdout)
    assert (info["deals"], info["removed_deals"]) == (5, 1)
    # conversion counts D1-D5 only now: lead 5 (D6 was a lead)
    rows = _json(cli, "conversion", "--db", db)
    assert [(r["stage"], r["reached"]) for r in rows][:1] == [("lead", 5)]
    # once per database: a second full export changes only what it says
    again = cli("load", "--full", write(tmp_path, "deals_2026-12-08.csv", "\n".join(lines[:6])
                                        + "\n"), "--db", db, env=ENV)
    assert "new 0;" in again.stderr and "removed 0" in again.stderr


def test_every_workbook_writes_formula_like_text_as_strings(db_path, tmp_path, cli):
    """Every command that takes -o writes its .xlsx through the one workbook writer: no
    formula in any sheet, whatever the reps and reasons are called. No command slips past."""
    load_into(db_path, write(tmp_path, "deals.csv", FORMULA_DEALS),
              write(tmp_path, "subscriptions.csv", FORMULA_SUBSCRIPTIONS))
    written = set()
    for name, command in sorted(_commands().items()):
        if "-o" not in _options(command):
            continue
        extra = REQUIRED.get(name, [])
        path = tmp_path / f"{name}.xlsx"
        result = cli(name, *extra, "-o", path, "--db", db_path, env=ENV)
        assert result.exit_code == ExitCode.OK, (name, result.stderr)
        formulas, _ = _cells(path)
        assert formulas == [], name
        written.add(name)
    assert written == {"churn", "cohorts", "conversion", "dropoff", "movement", "pacing", "plan",
                       "pulse", "rank", "stalled", "tiers", "velocity"}


def test_written_whole_puts_every_file_back_when_a_move_fails(tmp_path, monkeypatch):
    """The last step can fail too (a rename refused): the files already moved into an
    existing folder are taken out again and the old ones put back; nothing staged is left."""
    import os

    from salesfunnel import written

    folder = tmp_path / "pack"
    (folder / "reps").mkdir(parents=True)
    (folder / "a.txt").write_text("old a", encoding="utf-8")
    (folder / "reps" / "b.txt").write_text("old b", encoding="utf-8")
    before, names = _hashes(folder), _names(tmp_path)
    real = os.replace

    def replace(source, destination):
        if os.fspath(destination).endswith("c.txt"):  # after a.txt and reps/b.txt are in
            raise PermissionError(13, "Permission denied")
        return real(source, destination)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(PermissionError):
        with written.written_whole(folder, folder=True) as staging:
            (staging / "reps").mkdir()
            for name, text in (("a.txt", "new a"), ("reps/b.txt", "new b"), ("reps/c.txt", "c")):
                (staging / name).write_text(text, encoding="utf-8")
    assert _hashes(folder) == before
    assert _names(tmp_path) == names
    monkeypatch.setattr(os, "replace", real)
    with written.written_whole(folder, folder=True) as staging:
        (staging / "reps").mkdir()
        (staging / "reps" / "c.txt").write_text("c", encoding="utf-8")
    assert (folder / "reps" / "c.txt").read_text(encoding="utf-8") == "c"
    assert (folder / "a.txt").read_text(encoding="utf-8") == "old a"  # not the pack's: kept
    assert _names(tmp_path) == names | {"pack/reps/c.txt", "pack/.salesfunnel-written"}
