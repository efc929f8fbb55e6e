"""Issue 22, "Bad input is a clear error, never exit 1" and "Filters and the users kind":
each bad value is refused with the documented exit code (by name) and a one-paragraph
message naming the option, and the database and the files are as they were (hashed)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from salesfunnel.errors import ExitCode
from tests.conftest import FIXTURES, Cli, write


def hashes(*paths: Path) -> dict[str, str]:
    """SHA-256 of every file under `paths` (files or folders); absent paths are absent."""
    found = {}
    for path in paths:
        files = (
            sorted(p for p in path.rglob("*") if p.is_file())
            if path.is_dir()
            else ([path] if path.exists() else [])
        )
        for file in files:
            found[str(file)] = hashlib.sha256(file.read_bytes()).hexdigest()
    return found


def error_line(result) -> str:
    """The one error paragraph on stderr (after any notes), whitespace joined."""
    errors = [
        line
        for line in result.stderr.splitlines()
        if line.startswith("salesfunnel: ") and not line.startswith("salesfunnel: note: ")
    ]
    assert len(errors) == 1 and errors[0].startswith("salesfunnel: error: "), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    return " ".join(errors[0].split())


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    shutil.copytree(FIXTURES / "funnel", folder)
    return folder


# -- out-of-range option values: exit 2 naming the option (bounds.py) ----------------------
RANGE_CASES = [
    (
        ("load", "{exports}", "--as-of", "0001-01-01"),
        "--as-of: '0001-01-01' is outside the years 1900 to 2999",
    ),
    (
        ("load", "{exports}", "--as-of", "9999-12-31T23:00"),
        "--as-of: '9999-12-31T23:00' is outside the years",
    ),
    (
        ("pacing", "--target-amount", "1000", "--period", "0001-Q1"),
        "--period: '0001-Q1' is outside the years 1900 to 2999",
    ),
    (
        ("pacing", "--target-amount", "1000", "--period", "9999-Q4"),
        "--period: '9999-Q4' is outside the years",
    ),
    (
        ("pacing", "--target-amount", "1000", "--period", "1800-Q1"),
        "--period: '1800-Q1' is outside the years",
    ),
    (
        ("pacing", "--target-amount", "1000", "--period", "1800-01"),
        "--period: '1800-01' is outside the years",
    ),
    (
        ("pacing", "--target-amount", "1000", "--lookback", "100000"),
        "--lookback takes a whole number of months from 1 to 120; got 100000",
    ),
    (
        ("plan", "--target-amount", "1000", "--lookback", "100000"),
        "--lookback takes a whole number of months from 1 to 120; got 100000",
    ),
    (
        ("plan", "--target-amount", "1000", "--months", "0"),
        "--months takes a whole number of months from 1 to 120; got 0",
    ),
    (
        ("cohorts", "--ages", "99999999999"),
        "--ages takes days from 1 to 36,500 (100 years); got '99999999999'",
    ),
    (("cohorts", "--ages", "30,0"), "--ages takes days from 1 to 36,500"),
    (
        ("pack", "--out", "{tmp}/pack", "--target-amount", "1e300"),
        "--target-amount takes an amount > 0 and up to 1,000,000,000,000,000; got 1e+300",
    ),
    (
        ("plan", "--target-amount", "inf"),
        "--target-amount takes an amount > 0 and up to 1,000,000,000,000,000; got inf",
    ),
    (("pacing", "--target-amount", "-5"), "--target-amount takes an amount > 0 and up to"),
    (
        ("stalled", "--min-days", "99999999"),
        "--min-days takes a whole number of days from 0 to 36,500",
    ),
    (
        ("stalled", "--min-past-deals", "0"),
        "--min-past-deals takes a number of past deals from 1 to 1,000,000; got 0",
    ),
    (
        ("stalled", "--min-past-deals", "99999999999999999999999"),
        "--min-past-deals takes a number of past deals from 1 to 1,000,000",
    ),
]


@pytest.mark.parametrize(
    ("args", "message"), RANGE_CASES, ids=[" ".join(a[:3]) for a, _ in RANGE_CASES]
)
def test_out_of_range_values_are_exit_2_naming_the_option(
    cli, funnel_db, exports, tmp_path, args, message
):
    args = [a.format(exports=exports, tmp=tmp_path) for a in args]
    before = hashes(funnel_db, exports, tmp_path / "pack")
    result = cli(*args, "--db", funnel_db)
    assert result.exit_code == ExitCode.USAGE, result.stderr
    assert message in error_line(result)
    assert result.stdout == ""
    assert hashes(funnel_db, exports, tmp_path / "pack") == before
    assert not (tmp_path / "pack").exists()


def test_the_edges_of_the_ranges_are_accepted(cli, funnel_db):
    """1 and 120 months of lookback, an age of 36,500 days, the years 1900 and 2999."""
    for args in (
        ("cohorts", "--ages", "1,36500"),
        ("pacing", "--target-amount", "1e15", "--period", "2999-Q4", "--lookback", "120"),
        ("pacing", "--target-amount", "1000", "--period", "1900-01", "--lookback", "1"),
    ):
        result = cli(*args, "--db", funnel_db, "--format", "json")
        assert result.exit_code == ExitCode.OK, (args, result.stderr)


# -- the config: rates and unknown keys are config errors (exit 3) ---------------------------
CONFIG_CASES = [
    (
        '[currency]\nreport = "USD"\nrates = { EUR = inf }\n',
        "[currency] rates maps currency codes to numbers from 1e-09 to 1e+09",
        "EUR = inf",
    ),
    (
        '[currency]\nreport = "USD"\nrates = { EUR = 1e308 }\n',
        "[currency] rates maps currency codes to numbers from 1e-09 to 1e+09",
        "EUR = 1e+308",
    ),
    ('[currency]\nreport = "USD"\nrates = { EUR = nan }\n', "[currency] rates maps", "EUR = nan"),
    (
        "[load]\nfull_export = true\n",
        "[load] has an unknown key 'full_export'. Did you mean 'full_exports'?",
        "It takes full_exports",
    ),
    (
        '[tiers]\nsorce = "amount"\n',
        "[tiers] has an unknown key 'sorce'. Did you mean 'source'?",
        "It takes source, column, bands",
    ),
    (
        "[reports]\nstale_days = 3\n",
        "[reports] has an unknown key 'stale_days'. Did you mean 'stale_after_days'?",
        "",
    ),
    (
        '[files]\nskipp = ["x.csv"]\n',
        "[files] has an unknown key 'skipp'. Did you mean 'skip'?",
        "",
    ),
    (
        '[dates]\norder = "dmy"\nformat = ["%d"]\n',
        "[dates] has an unknown key 'format'. Did you mean 'formats'?",
        "",
    ),
    (
        '[tier]\nsource = "amount"\n',
        "the config has an unknown table 'tier'. Did you mean 'tiers'?",
        "",
    ),
    (
        '[funnel]\nstages = ["lead", "won"]\nlosts = ["lost"]\n',
        "[funnel] has an unknown key 'losts'",
        "",
    ),
]


@pytest.mark.parametrize(
    ("text", "message", "also"), CONFIG_CASES, ids=[c[1][:40] for c in CONFIG_CASES]
)
def test_config_values_and_keys_are_exit_3(cli, funnel_db, exports, tmp_path, text, message, also):
    config = write(tmp_path, "bad.toml", text)
    before = hashes(funnel_db, exports, config)
    for args in (("load", exports), ("conversion",), ("rank",)):
        result = cli(*args, "--db", funnel_db, "--config", config)
        assert result.exit_code == ExitCode.INPUT, (args, result.stderr)
        line = error_line(result)
        assert f"{config}: " in line and message in line and also in line
    assert hashes(funnel_db, exports, config) == before


# -- --encoding names a character encoding of files ------------------------------------------
@pytest.mark.parametrize(
    ("codec", "message"),
    [
        ("punycode", "--encoding 'punycode' is not a text encoding of files"),
        ("undefined", "--encoding 'undefined' is not a text encoding of files"),
        ("idna", "--encoding 'idna' is not a text encoding of files"),
        ("unicode_escape", "--encoding 'unicode_escape' is not a text encoding of files"),
        ("rot13", "--encoding 'rot13' is not a text encoding"),
        ("no-such-codec", "Unknown encoding 'no-such-codec' for --encoding"),
    ],
)
def test_encodings_that_read_no_file_are_exit_2(cli, funnel_db, exports, codec, message):
    before = hashes(funnel_db, exports)
    result = cli("load", exports, "--db", funnel_db, "--encoding", codec)
    assert result.exit_code == ExitCode.USAGE, result.stderr
    assert message in error_line(result)
    assert hashes(funnel_db, exports) == before


def test_a_file_not_in_the_encoding_given_is_exit_3(cli, funnel_db, exports):
    """utf-16 named for a UTF-8 file without a BOM: an input error naming the file."""
    before = hashes(funnel_db, exports)
    result = cli("load", exports / "deals.csv", "--db", funnel_db, "--encoding", "utf-16")
    assert result.exit_code == ExitCode.INPUT, result.stderr
    assert "deals.csv: byte offset 0 is not valid utf-16" in error_line(result)
    assert hashes(funnel_db, exports) == before


# -- a stage named like an output field ------------------------------------------------------
@pytest.mark.parametrize(
    "stage",
    ["pipeline", "month", "target_amount", "Month", "stage", "lead_step_rate", "reps_needed"],
)
def test_a_stage_named_like_an_output_field_is_refused(cli, funnel_db, exports, tmp_path, stage):
    """rank (X, X_rank, X_prev_rank), plan (X, X_step_rate), the pack (month, stage, rank)
    and the `pipeline` field of a report over several pipelines: a stage of such a name
    would overwrite a field; the config is refused before anything is read (exit 3)."""
    config = write(tmp_path, "f.toml", f'[funnel]\nstages = ["lead", "{stage}", "won"]\n')
    before = hashes(funnel_db, exports)
    for args in (
        ("load", exports, "--funnel-from-config"),
        ("rank",),
        ("plan", "--target-amount", "5"),
    ):
        result = cli(*args, "--db", funnel_db, "--config", config)
        assert result.exit_code == ExitCode.INPUT, (args, result.stderr)
        assert (
            f"the stage name {stage!r} gives the reports (rank, plan, the pack) the column"
            in error_line(result)
        )
    assert hashes(funnel_db, exports) == before


# -- filters: tiers through the account, `unknown`, reps by name (facts/filter_values) ------
USERS_DEALS = """deal_id,rep,account,created_at,stage,status,amount,closed_at
D1,101,Acme,2026-01-05,won,,1000,2026-01-20
D2,102,Beta,2026-01-10,lead,lost,,2026-01-25
D3,103,,2026-01-15,qualified,open,200,
D4,101,Beta,2026-01-20,opportunity,open,300,
"""
TODAY = {"SALESFUNNEL_TODAY": "2026-02-15"}


@pytest.fixture
def users_db(tmp_path: Path, built_once) -> Path:
    """Tiers only in the accounts file (Acme smb, Beta mid, D3 without an account:
    unknown); reps are user ids, two users named Alex Kim (102 and 103, case apart)."""
    return built_once("users", _load_users, tmp_path / "users.duckdb")


def _load_users(db: Path) -> None:
    folder = db.parent / "crm"
    folder.mkdir()
    write(folder, "deals_2026-01-31.csv", USERS_DEALS)
    write(folder, "accounts.csv", "account,tier\nAcme,SMB\nBeta,Mid\n")
    write(folder, "users.csv", "user_id,name\n101,Ann Lee\n102,Alex Kim\n103, alex kim \n")
    write(folder, "subscriptions.csv", "customer_id,deal_id,rep,started_at,ended_at,mrr\n"
          "C1,,102,2025-06-01,2025-08-01,100\nC2,D1,,2026-01-20,,50\n")
    assert Cli()("load", folder, "--db", db).exit_code == ExitCode.OK


def _json(cli, db, *args):
    import json

    result = cli(*args, "--db", db, "--format", "json", env=TODAY)
    assert result.exit_code == ExitCode.OK, (args, result.stderr)
    return json.loads(result.stdout)


def _reached(rows) -> dict[str, int]:
    return {row["stage"]: row["reached"] for row in rows}


def test_tiers_from_the_accounts_file_and_unknown_are_accepted(cli, users_db):
    before = hashes(users_db)
    # smb: D1 (Acme) won; mid: D2 (lead, lost) and D4 (at opportunity); unknown: D3
    assert _reached(_json(cli, users_db, "conversion", "--tier", "smb")) == \
        {"lead": 1, "qualified": 1, "opportunity": 1, "won": 1}
    assert _reached(_json(cli, users_db, "conversion", "--tier", "MID")) == \
        {"lead": 2, "qualified": 1, "opportunity": 1, "won": 0}
    assert _reached(_json(cli, users_db, "conversion", "--tier", "unknown")) == \
        {"lead": 1, "qualified": 1, "opportunity": 0, "won": 0}
    rank = _json(cli, users_db, "rank", "--month", "2026-01", "--tier", "mid")
    assert {row["rep"]: (row["lead"], row["lost"]) for row in rank} == \
        {"Ann Lee": (1, 0), "Alex Kim (102)": (1, 1)}
    table = cli("conversion", "--by", "tier", "--db", users_db, env=TODAY).stdout
    assert all(tier in table for tier in ("smb", "mid", "unknown"))
    assert hashes(users_db) == before


def test_reps_are_named_as_reports_show_them(cli, users_db):
    before = hashes(users_db)
    # Ann Lee (101): D1 won, D4 at opportunity
    assert _reached(_json(cli, users_db, "conversion", "--rep", "Ann Lee")) == \
        {"lead": 2, "qualified": 2, "opportunity": 2, "won": 1}
    # D2 (Alex Kim 102, tier mid through Beta) was lost at lead without a reason
    assert [(r["tier"], r["stage"], r["reason"], r["lost"]) for r in
            _json(cli, users_db, "dropoff", "--rep", "alex kim (102)")] == \
        [("mid", "lead", "(unspecified)", 1)]
    conversion = _json(cli, users_db, "conversion", "--rep", "Alex Kim (102)")
    assert _reached(conversion)["lead"] == 1 and conversion[0]["lost"] == 1
    # two users of one name stay two reps, in every report that shows reps
    rank = _json(cli, users_db, "rank", "--month", "2026-01")
    assert {row["rep"]: row["lead"] for row in rank} == \
        {"Ann Lee": 2, "Alex Kim (102)": 1, "alex kim (103)": 1}
    assert "Alex Kim (102)" in cli("rank", "--month", "2026-01", "--db", users_db, env=TODAY).stdout
    churn = _json(cli, users_db, "churn", "--by", "rep")
    assert {row["rep"]: (row["started"], row["churned"]) for row in churn} == \
        {"Alex Kim (102)": (1, 1), "Ann Lee": (1, 0), "alex kim (103)": (0, 0)}
    early = _json(cli, users_db, "churn", "--list-early")
    assert [(row["customer_id"], row["rep"]) for row in early] == [("C1", "Alex Kim (102)")]
    movement = _json(cli, users_db, "movement", "--by", "rep", "--since", "2026-01-01")
    # the only export is as of 01-31: the movement starts there (issue 21), its open deals
    # D4 (Ann Lee, 300) and D3 (alex kim 103, 200) are the start
    started = {row["rep"]: (row["deals"], row["amount"]) for row in movement
               if row["category"] == "start" and row["deals"]}
    assert started == {"Ann Lee": (1, 300.0), "alex kim (103)": (1, 200.0)}
    only_ann = _json(cli, users_db, "movement", "--rep", "ann lee", "--since", "2026-01-01")
    assert [(r["deals"], r["amount"]) for r in only_ann if r["category"] == "end"] == [(1, 300.0)]
    # the shared name alone names two reps: refused, both listed
    result = cli("conversion", "--rep", "Alex Kim", "--db", users_db, env=TODAY)
    assert result.exit_code == ExitCode.USAGE
    assert "--rep 'Alex Kim' is the name of 2 users; name one as the reports show it: " \
        "Alex Kim (102), alex kim (103)." in error_line(result)
    assert hashes(users_db) == before


def _commands_taking(flag: str) -> list[str]:
    import typer.main

    from salesfunnel.cli import app

    group = typer.main.get_command(app)
    return sorted(name for name, command in group.commands.items()
                  if any(flag in param.opts for param in command.params))


def _flags_of(name: str) -> set[str]:
    import typer.main

    from salesfunnel.cli import app

    command = typer.main.get_command(app).commands[name]
    return {opt for param in command.params for opt in param.opts} | {"--help", "-h"}


REQUIRED = {"plan": ["--target-amount", "1000"], "pacing": ["--target-amount", "1000"]}


@pytest.mark.parametrize(("flag", "value", "message"), [
    ("--tier", "nope", "--tier 'nope' matches no deal in the database. Known values, closest "
     "first: unknown, smb, mid."),
    ("--rep", "nobody", "--rep 'nobody' matches no deal in the database. Known values"),
    # it named 'last' and 'latest' only: 'complete' (what --month alone means) is a value too
    ("--month", "2026-13", "--month takes YYYY-MM, 'last', 'latest' or 'complete'; got "
     "'2026-13'."),
    ("--month", "0001-01", "--month: '0001-01' is outside the years 1900 to 2999."),
])
def test_every_command_with_tier_rep_or_month_goes_through_the_shared_checks(
    cli, users_db, tmp_path, flag, value, message
):
    """No command slips past the filter and month checks: each command that takes the
    flag (found in the app, not listed by hand) refuses the same bad value the same way."""
    commands = _commands_taking(flag)
    expected = {"--tier": {"conversion", "dropoff", "movement", "plan", "pulse", "rank", "stalled"},
                "--rep": {"conversion", "dropoff", "movement"},
                "--month": {"conversion", "dropoff", "pack", "pulse", "rank", "velocity"}}[flag]
    assert expected <= set(commands)
    before = hashes(users_db, tmp_path / "pack")
    for name in commands:
        extra = ["--out", str(tmp_path / "pack")] if name == "pack" else REQUIRED.get(name, [])
        result = cli(name, *extra, flag, value, "--db", users_db, env=TODAY)
        assert result.exit_code == ExitCode.USAGE, (name, result.stderr)
        assert message in error_line(result), name
    assert hashes(users_db, tmp_path / "pack") == before


@pytest.mark.parametrize(("args", "message"), [
    (["-f", "json", "--bom"], "--bom applies to CSV output only, and this run writes json: "
     "drop --bom, or write CSV (--format csv or --output FILE.csv)."),
    (["--raw"], "--raw applies to CSV output only, and this run writes table"),
    (["-o", "{tmp}/out.xlsx", "--raw"], "--raw applies to CSV output only, and this run "
     "writes xlsx"),
    (["-f", "parquet"], "Parquet is binary: give --output FILE.parquet."),
    (["-f", "xlsx"], "An Excel workbook is a file: give --output FILE.xlsx."),
    (["-o", "{tmp}/out.dat"], "Cannot tell the format from out.dat"),
])
def test_every_report_refuses_output_options_it_cannot_honour_before_any_work(
    cli, users_db, tmp_path, args, message
):
    """--raw and --bom shape CSV only: with another format they are exit 2, never ignored;
    a format that needs a file, or a file name that names no format, is exit 2 too. Each is
    said before the report runs: the error alone on stderr (no report notes), nothing on
    stdout, no file written, the database untouched."""
    commands = _commands_taking("--bom")
    assert {"conversion", "rank", "dropoff", "churn", "stalled", "movement", "pacing"} <= \
        set(commands)
    before = hashes(users_db)
    for name in commands:
        given = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
        result = cli(name, *REQUIRED.get(name, []), *given, "--db", users_db, env=TODAY)
        assert result.exit_code == ExitCode.USAGE, (name, result.stderr)
        assert message in error_line(result), name
        assert result.stderr.count("salesfunnel: ") == 1, (name, result.stderr)
        assert result.stdout == ""
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith("out")) == []
    assert hashes(users_db) == before


@pytest.mark.parametrize(("flag", "value"), [("--tier", "smb"), ("--tier", "unknown"),
                                             ("--rep", "Ann Lee"), ("--rep", "alex kim (103)")])
def test_every_command_accepts_the_values_reports_show(cli, users_db, flag, value):
    for name in _commands_taking(flag):
        result = cli(name, *REQUIRED.get(name, []), flag, value, "--db", users_db,
                     "--format", "json", env=TODAY)
        # a plan for tier unknown has no win in its lookback: a query error, not a refusal
        assert result.exit_code == ExitCode.OK or (
            result.exit_code == ExitCode.QUERY and "No deal was won" in error_line(result)
        ), (name, result.stderr)


@pytest.mark.parametrize("args", [
    ("pack", "--out", "{tmp}/pack", "--month", "2025-06", "--target-amount", "100"),
    ("plan", "--target-amount", "100", "--start", "latest"),
    ("plan", "--target-amount", "100", "--start", "2026-13"),
    ("plan", "--target-amount", "100", "--tier", "unknown"),
    ("pacing", "--target-amount", "100", "--period", "latest"),
])
def test_messages_name_only_flags_the_command_has(cli, users_db, tmp_path, args):
    """The pack has no --lookback: its plan error does not tell the user to lengthen it;
    plan --start does not speak of --month, nor list words it refuses."""
    import re

    args = [a.format(tmp=tmp_path) for a in args]
    result = cli(*args, "--db", users_db, env=TODAY)
    assert result.exit_code in (ExitCode.USAGE, ExitCode.QUERY), result.stderr
    line = error_line(result)
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", line))
    assert named <= _flags_of(args[0]), (named - _flags_of(args[0]), line)
    if "--start" in args:
        assert "'latest'" not in line.split("; got")[0]


# -- a corrupt block met during a report: exit 5, not 1 ------------------------------------
def test_a_corrupt_block_met_during_a_report_is_exit_5(cli, tmp_path):
    """The sample's database with one data block overwritten at a time: the database
    opens (its header is intact), and a report that reads the block gets DuckDB's base
    Error ("Corrupt database file: computed checksum ... does not match"), which was an
    internal error (exit 1). Every block: exit 0 (the report did not read it) or 5."""
    sample = Path(__file__).parent.parent / "sample_data"
    master = tmp_path / "sample.duckdb"
    assert cli("load", sample, "--db", master).exit_code == ExitCode.OK
    block, header = 262_144, 12_288  # DuckDB's block size, after its three header blocks
    damaged = []
    for index in range(1, master.stat().st_size // block):
        copy = tmp_path / f"damaged-{index}.duckdb"
        shutil.copyfile(master, copy)
        with copy.open("r+b") as file:
            file.seek(header + index * block + 2000)
            file.write(b"\xde\xad\xbe\xef" * 16)
        before = hashes(copy)
        for report in ("conversion", "churn"):
            result = cli(report, "--db", copy, "--format", "json")
            assert result.exit_code in (ExitCode.OK, ExitCode.DATABASE), (index, result.stderr)
            if result.exit_code == ExitCode.DATABASE:
                assert "the file is damaged (a block's checksum does not match)" in \
                    error_line(result)
                damaged.append((index, report))
        assert hashes(copy) == before
    assert damaged  # some block holds what the reports read


# -- stderr closed or full after the commit: the load is done, exit 0 -------------------------
def _run_with_stderr(args: list, stderr: str) -> int:
    """The CLI in a process of its own, its stderr "closed" (`2>&-`) or "full" (/dev/full)."""
    import shlex
    import subprocess
    import sys

    command = " ".join(shlex.quote(str(a)) for a in [sys.executable, "-m", "salesfunnel", *args])
    redirect = "2>&-" if stderr == "closed" else "2>/dev/full"
    return subprocess.run(["bash", "-c", f"{command} {redirect}"], stdout=subprocess.DEVNULL,
                          timeout=120).returncode


@pytest.mark.parametrize("stderr", ["closed", "full"])
def test_stderr_closed_or_full_after_the_commit_is_a_success(tmp_path, exports, stderr):
    from tests.conftest import query

    db = tmp_path / "crm.duckdb"
    before = hashes(exports)
    assert _run_with_stderr(["load", exports, "--db", db], stderr) == ExitCode.OK
    assert query(db, "select count(*) from deals") == [(6,)]  # D1-D6: the load is stored
    assert _run_with_stderr(["load", "--force", exports, "--db", db], stderr) == ExitCode.OK
    assert query(db, "select count(*) from deals") == [(6,)]
    # an error is still its exit code when it cannot be said, and writes nothing
    stored = hashes(db)
    assert _run_with_stderr(["conversion", "--tier", "nope", "--db", db], stderr) == ExitCode.USAGE
    assert _run_with_stderr(["load", tmp_path / "missing", "--db", db], stderr) == ExitCode.INPUT
    assert hashes(db) == stored and hashes(exports) == before


# -- a file name not valid in the file system's encoding --------------------------------------
def test_a_file_name_that_is_not_utf8_is_exit_3_naming_it(cli, funnel_db, exports, tmp_path):
    import os

    odd = exports / os.fsdecode(b"deals_\xff.csv")  # a Latin-1 name, from another system
    odd.write_bytes((FIXTURES / "funnel" / "deals.csv").read_bytes())
    before = hashes(funnel_db, exports)
    for args in (("load", exports, "--db", funnel_db), ("load", odd, "--db", funnel_db),
                 ("load", exports, "--db", tmp_path / "new.duckdb"), ("init", odd)):
        result = cli(*args)
        assert result.exit_code == ExitCode.INPUT, (args, result.stderr)
        assert "deals_\\xff.csv: its name is not valid UTF-8" in error_line(result)
        assert result.stdout == ""
    assert hashes(funnel_db, exports) == before
    assert not (tmp_path / "new.duckdb").exists()


# -- Excel input behaves like CSV -------------------------------------------------------------
def _workbook(path: Path, rows: list, first_column: int = 0) -> Path:
    """rows[0] is the sheet's row 1; None is a blank row; cells from column `first_column`
    (0: A), the columns left of it blank."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Deals")
    for index, row in enumerate(rows):
        if row is not None:  # None: a blank row
            sheet.write_row(index, first_column, row)
    book.close()
    return path


def test_excel_blank_rows_are_skipped_and_rejects_give_the_sheet_row(cli, tmp_path):
    from tests.conftest import query

    book = _workbook(tmp_path / "deals.xlsx", [
        ["deal_id", "rep", "stage", "amount"], ["D1", "ann", "lead", "10"], None,
        ["D2", "bob", "nope", "x"], None, None, ["D3", "cy", "lead", "5"],
    ])
    db = tmp_path / "x.duckdb"
    result = cli("load", book, "--db", db)
    assert result.exit_code == ExitCode.OK, result.stderr
    # rows 3, 5 and 6 are blank: skipped, not rejected; D2 is the sheet's row 4
    assert query(db, "select deal_id from deals order by 1") == [("D1",), ("D3",)]
    assert query(db, "select distinct line from load_rejects") == [(4,)]
    assert "line 4, amount: unparseable amount ('x')" in result.stderr
    assert "deal_id is empty" not in result.stderr


@pytest.mark.parametrize(
    ("blank_rows", "first_column", "letters"), [(0, 0, "D, E"), (2, 1, "E, F")],
)
def test_excel_duplicated_header_is_exit_3(cli, funnel_db, tmp_path, blank_rows, first_column,
                                           letters):
    """A sheet's columns are named by the letters Excel shows, blank columns left of the
    data counted (calamine leaves them out)."""
    book = _workbook(tmp_path / "dup.xlsx", [None] * blank_rows + [
        ["deal_id", "rep", "stage", "Amount", "amount"], ["D1", "ann", "lead", "10", "1"],
    ], first_column)
    before = hashes(funnel_db, book)
    result = cli("load", book, "--db", funnel_db)
    assert result.exit_code == ExitCode.INPUT, result.stderr
    assert f"dup.xlsx[Deals]: the column 'Amount' appears 2 times (columns {letters})" in \
        error_line(result)
    assert hashes(funnel_db, book) == before


def _sheet_below_blank_rows(path: Path, blank_rows: int = 3) -> Path:
    """The header in sheet row blank_rows + 1 (4) and column B; with 3 blank rows above:
    row 2 holds only spaces (a blank row too), D1 is row 5, D2 row 7, D3 (amount 'x')
    row 9, D4 row 10; rows 6 and 8 are blank."""
    rows = [None] * blank_rows + [
        ["deal_id", "rep", "stage", "amount"],
        ["D1", "ann", "lead", "10"],
        None,
        ["D2", "bob", "lead", "20"],
        None,
        ["D3", "cy", "lead", "x"],
        ["D4", "dee", "lead", "5"],
    ]
    rows[1] = ["   "]  # white space only: a blank row, not the header
    return _workbook(path, rows, first_column=1)


def test_excel_rejects_give_the_sheet_row_below_blank_rows_above_the_header(cli, tmp_path):
    """Issue 22: blank rows above the header count, so a reject's line is the row number
    Excel shows (calamine starts a sheet at its first filled row: row 9 came out as 6)."""
    import json

    from tests.conftest import query

    book = _sheet_below_blank_rows(tmp_path / "deals.xlsx")
    db = tmp_path / "x.duckdb"
    result = cli("load", book, "--db", db)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "deals.xlsx[Deals]: deals (preset canonical), read 4, loaded 3, rejected 1" in \
        result.stderr
    assert "line 9, amount: unparseable amount ('x')" in result.stderr
    assert query(db, "select deal_id, amount from deals order by 1") == [
        ("D1", 10.0), ("D2", 20.0), ("D4", 5.0),
    ]
    assert query(db, "select line, column_name, value from load_rejects") == [(9, "amount", "x")]
    shown = cli("info", "--db", db, "--format", "json")
    assert shown.exit_code == ExitCode.OK, shown.stderr
    info = json.loads(shown.stdout)
    assert info["reject_rows"] == 1
    assert [(r["line"], r["column_name"], r["value"]) for r in info["recent_rejects"]] == [
        (9, "amount", "x"),
    ]
    table = cli("info", "--db", db)
    row = next(line for line in table.stdout.splitlines() if "deals.xlsx[Deals]" in line
               and "unparseable" in line)
    assert row.split()[1:4] == ["9", "amount", "x"]


def test_excel_a_blank_row_added_above_the_header_reloads_the_sheet(cli, tmp_path):
    """The same cells one row lower are another sheet for the row numbers: the reload is
    not skipped as unchanged, and the reject moves from row 9 to row 10."""
    from tests.conftest import query

    book = _sheet_below_blank_rows(tmp_path / "deals.xlsx")
    db = tmp_path / "x.duckdb"
    assert cli("load", book, "--db", db).exit_code == ExitCode.OK
    _sheet_below_blank_rows(book, blank_rows=4)
    result = cli("load", book, "--db", db)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "line 10, amount: unparseable amount ('x')" in result.stderr
    assert query(db, "select line from load_rejects") == [(10,)]
    assert query(db, "select count(*) from deals") == [(3,)]


def test_excel_init_names_a_repeated_column_by_its_sheet_letter(cli, tmp_path):
    """init's comment on a repeated header names the columns as Excel shows them: the
    header in row 3 from column C, so the two Amount columns are F and G."""
    book = _workbook(tmp_path / "deals.xlsx", [None, None,
        ["Deal ID", "Owner", "Stage", "Amount", "Amount", "Created"],
        ["D1", "ann", "lead", None, "10", "2026-01-02"],
        ["D2", "bob", "won", None, "20", "2026-01-03"],
        ["D3", "cy", "lost", None, "5", "2026-01-04"],
    ], first_column=2)
    result = cli("init", book)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "# 'Amount' appears 2 times (columns F, G): copy 2 (column G) holds the amount" in \
        result.stdout
