"""The docs checked against the code: docs/cli.md names every command and option
of `--help`, its choice lists equal the Enums Typer validates, its `Fields:` lines
equal the JSON keys of each report on the sample data, and the README's exit-code
table equals `ExitCode`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import load_into
from typer.main import get_command

from salesfunnel.cli import app
from salesfunnel.errors import ExitCode

ROOT = Path(__file__).resolve().parent.parent
CLI_DOC = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
GROUP = get_command(app)
COMMANDS = dict(GROUP.commands)
SAMPLE_TODAY = {"SALESFUNNEL_TODAY": "2026-11-01"}

# (command, extra args, which Fields: list of its section) for every report
REPORT_CASES = [
    ("conversion", [], 0),
    ("rank", ["--month", "2026-10"], 0),
    ("dropoff", [], 0),
    ("churn", [], 0),
    ("churn", ["--list-early"], 1),
    ("tiers", [], 0),
    ("plan", ["--target-amount", "100000"], 0),
    ("pulse", ["--date", "2026-10-31"], 0),
    ("stalled", [], 0),
    ("pacing", ["--target-amount", "100000", "--period", "2026-10"], 0),
    ("velocity", ["--month", "2026-10"], 0),
    ("cohorts", [], 0),
    ("movement", [], 0),
]


def sections(text: str) -> dict[str, str]:
    """Second-level headings of a Markdown text -> their body."""
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2], strict=True)}


DOC_SECTIONS = sections(CLI_DOC)
COMMON = DOC_SECTIONS["Common options"]


def command_doc(name: str) -> str:
    return DOC_SECTIONS[f"salesfunnel {name}"]


def mentions(text: str, option: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


def options(command) -> list:
    """A command's options (Typer's click classes may not be the installed click's)."""
    found = [p for p in command.params if p.param_type_name == "option"]
    assert found, f"{command.name} has no option"
    return found


def test_every_command_has_a_section():
    assert sorted(COMMANDS) == sorted(
        title.removeprefix("salesfunnel ") for title in DOC_SECTIONS if title.startswith("salesfunnel ")
    )


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_is_documented(name):
    text = command_doc(name) + COMMON
    for option in options(COMMANDS[name]):
        for flag in [*option.opts, *option.secondary_opts]:
            assert mentions(text, flag), f"{name} {flag} is not in docs/cli.md"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_documented_choices_equal_the_code(name):
    text = command_doc(name) + COMMON
    for option in options(COMMANDS[name]):
        if not option.type_descriptor.is_choice:
            continue
        flag = next(o for o in option.opts if o.startswith("--"))
        found = re.search(rf"{re.escape(flag)} ([\w-]+(?:\\?\|[\w-]+)*)", text)
        assert found, f"{name} {flag}: its choices are not listed"
        documented = found.group(1).replace("\\|", "|").split("|")
        assert documented == [str(choice) for choice in option.type_descriptor.choices], (name, flag)


def test_top_level_help_names_every_report():
    help_text = " ".join((GROUP.help or "").split())
    for name in ("conversion", "rank", "dropoff", "churn", "tiers", "plan", "pulse", "stalled"):
        assert name in help_text


def documented_fields(name: str, which: int, stages: list[str]) -> list[str]:
    text = command_doc(name)
    lists = re.findall(r"[Ff]ields: `([^`]+)`", text)
    fields: list[str] = []
    for item in lists[which].split(","):
        item = item.strip()
        if "<later stage>" in item:
            fields += [item.replace("<later stage>", stage) for stage in stages[1:]]
        elif "<stage>" in item:
            fields += [item.replace("<stage>", stage) for stage in stages]
        else:
            fields.append(item)
    return fields


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("docs") / "sample.duckdb"
    load_into(path, ROOT / "sample_data")
    return path


@pytest.mark.parametrize(("name", "args", "which"), REPORT_CASES)
def test_documented_fields_equal_json_keys(cli, sample_db, name, args, which):
    result = cli(name, *args, "-f", "json", "--db", sample_db, env=SAMPLE_TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    rows = json.loads(result.stdout)
    assert rows, f"{name} {args} has no rows on the sample data"
    stages = ["lead", "qualified", "opportunity", "won"]
    assert sorted(rows[0]) == sorted(documented_fields(name, which, stages))


def test_readme_exit_codes_equal_the_enum():
    table = sections(README)["Exit codes"]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", table, flags=re.MULTILINE)}
    assert documented == {code.value for code in ExitCode}


def test_info_fields_equal_its_csv_and_json_keys(cli, sample_db):
    fields = documented_fields("info", 0, [])
    csv_text = cli("info", "-f", "csv", "--db", sample_db).stdout
    assert csv_text.splitlines()[0].split(",") == fields
    as_json = json.loads(cli("info", "-f", "json", "--db", sample_db).stdout)
    assert list(as_json) == [*fields, "file_list", "deal_counts", "recent_rejects", "pipeline_list"]


def test_every_report_command_has_its_fields_checked():
    # info's --format gives one object (checked above), not a report's rows
    reports = {name for name, command in COMMANDS.items()
               if any("--format" in option.opts for option in options(command))} - {"info"}
    assert reports == {name for name, _, _ in REPORT_CASES}
