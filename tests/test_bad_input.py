"""Issue 22, "Bad input is a clear error, never exit 1" and "Filters and the users kind":
each bad value is refused with the documented exit code (by name) and a one-paragraph
message naming the option, and the database and the files are as they were (hashed)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from salesfunnel.errors import ExitCode
from tests.conftest import FIXTURES, write


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
