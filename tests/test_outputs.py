"""Outputs for people and cron: --format xlsx, --bom, amounts exact in every format,
info --format json|csv, load --quiet, help without internal type labels, completion."""

from __future__ import annotations

import json

import openpyxl
import polars as pl
import pytest
from conftest import FIXTURES, write

from salesfunnel.errors import ExitCode
from salesfunnel.render.machine import OutputFormat, exact_amounts, serialise, write_frame


@pytest.fixture
def loaded(cli, tmp_path):
    db = tmp_path / "cli.duckdb"
    result = cli("load", FIXTURES / "funnel", "--db", db)
    assert result.exit_code == 0, result.stderr
    return db


def test_amounts_have_no_float_noise_in_any_format(tmp_path):
    """A median of doubles came out as 117497.74999999999; money is rounded to cents
    (117497.75) in JSON, CSV, Parquet and xlsx; rates keep full precision."""
    frame = pl.DataFrame({"won_amount": [117497.74999999999], "win_rate": [0.5457317073170732],
                          "metric": ["x"]})
    assert json.loads(serialise(frame, OutputFormat.json)) == [
        {"won_amount": 117497.75, "win_rate": 0.5457317073170732, "metric": "x"}
    ]
    assert serialise(frame, OutputFormat.csv).splitlines()[1] == "117497.75,0.5457317073170732,x"
    write_frame(frame, OutputFormat.parquet, tmp_path / "a.parquet", raw=False)
    assert pl.read_parquet(tmp_path / "a.parquet")["won_amount"].to_list() == [117497.75]
    write_frame(frame, OutputFormat.xlsx, tmp_path / "a.xlsx", raw=False)
    sheet = openpyxl.load_workbook(tmp_path / "a.xlsx").active
    assert sheet["A2"].value == 117497.75
    assert sheet["A2"].number_format == "#,##0"
    assert sheet["B2"].number_format == "0.0%"


def test_pulse_rounds_only_the_amount_row():
    frame = pl.DataFrame({"metric": ["won", "avg_won_amount"], "current": [3.0, 1000.0 / 3],
                          "previous": [1.0, 0.1 + 0.2], "change": [2.0, 1000.0 / 3 - 0.3]})
    rows = exact_amounts(frame).rows()
    # 1000/3 = 333.333... -> 333.33; 0.1 + 0.2 = 0.30000000000000004 -> 0.3; 333.03 (333.0333...)
    assert rows == [("won", 3.0, 1.0, 2.0), ("avg_won_amount", 333.33, 0.3, 333.03)]


def test_xlsx_of_a_report_holds_the_json_numbers(cli, loaded, tmp_path):
    """Conversion of the funnel fixture (6 deals): lead reached 6 (D6 has no created_at
    but is in 'all deals'), qualified 4 (D1, D2, D4, D5): step 4/6; the sheet's cells are
    the JSON's values, rates formatted as percentages, header frozen, filter on."""
    out = tmp_path / "conversion.xlsx"
    assert cli("conversion", "--db", loaded, "-o", out).exit_code == 0
    as_json = json.loads(cli("conversion", "--db", loaded, "-f", "json").stdout)
    workbook = openpyxl.load_workbook(out)
    sheet = workbook["conversion"]
    assert sheet.freeze_panes == "A2"
    assert list(sheet.tables.values())[0].autoFilter is not None
    header = [cell.value for cell in sheet[1]]
    assert header == list(as_json[0])
    for row, expected in zip(sheet.iter_rows(min_row=2, values_only=True), as_json, strict=True):
        assert dict(zip(header, row, strict=True)) == pytest.approx(expected)
    assert as_json[1]["reached"] == 4 and as_json[1]["step_rate"] == pytest.approx(4 / 6)
    assert sheet["C3"].number_format == "0.0%"


def test_xlsx_needs_an_output_file(cli, loaded):
    result = cli("rank", "--db", loaded, "-f", "xlsx")
    assert result.exit_code == ExitCode.USAGE
    assert "--output FILE.xlsx" in result.stderr


def test_bom_for_excel(cli, tmp_path):
    """A rep named Zoë Müller survives a round trip through a CSV with a BOM."""
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder, "deals.csv", "deal_id,rep,tier,created_at,stage,status,amount,closed_at\n"
          "Z1,Zoë Müller,smb,2026-01-05,won,won,100,2026-01-06\n")
    db = tmp_path / "z.duckdb"
    assert cli("load", folder / "deals.csv", "--db", db).exit_code == 0
    out = tmp_path / "rank.csv"
    assert cli("rank", "--db", db, "--month", "2026-01", "-o", out, "--bom").exit_code == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfmonth,rep,")
    assert "Zoë Müller" in data.decode("utf-8-sig")
    plain = tmp_path / "plain.csv"
    assert cli("rank", "--db", db, "--month", "2026-01", "-o", plain).exit_code == 0
    assert plain.read_bytes().startswith(b"month,rep,")


def test_info_json_and_csv(cli, loaded):
    """The funnel fixture: 6 deals, 2 open (D4, D6), 1 won (D1), 3 lost (D2, D3, D5);
    12 stage-history rows; 3 files."""
    as_json = json.loads(cli("info", "--db", loaded, "--format", "json").stdout)
    assert (as_json["deals"], as_json["open"], as_json["won"], as_json["lost"]) == (6, 2, 1, 3)
    assert as_json["history_rows"] == 12 and as_json["files"] == 3
    assert as_json["funnel"] == ["lead", "qualified", "opportunity", "won"]
    assert len(as_json["file_list"]) == 3 and as_json["reject_rows"] == 0
    lines = cli("info", "--db", loaded, "-f", "csv").stdout.splitlines()
    assert len(lines) == 2
    row = dict(zip(lines[0].split(","), lines[1].split(","), strict=True))
    assert (row["deals"], row["open"], row["won"], row["lost"], row["files"]) == ("6", "2", "1", "3", "3")


def test_load_quiet_says_only_what_needs_attention(cli, tmp_path):
    db = tmp_path / "q.duckdb"
    clean = cli("load", "--quiet", FIXTURES / "funnel", "--db", db)
    assert clean.exit_code == 0 and clean.stderr == "" and clean.stdout == ""
    folder = tmp_path / "bad"
    folder.mkdir()
    write(folder, "deals.csv", "deal_id,rep,tier,created_at,stage,status,amount,closed_at\n"
          "B1,ann,smb,2026-01-05,lead,open,,\nB2,ann,smb,not a date,lead,open,,\n")
    noisy = cli("load", "-q", folder / "deals.csv", "--db", db)
    assert noisy.exit_code == 0
    assert "rejected 1" in noisy.stderr and "line 3" in noisy.stderr
    assert "Loaded into" not in noisy.stderr


COMMANDS = ["load", "info", "conversion", "rank", "dropoff", "churn", "tiers", "plan", "pulse",
            "stalled", "pack", "sample"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_no_internal_type_labels_and_an_example(cli, command):
    text = cli(command, "--help").stdout
    for label in ("<int>", "<bool>", "<list[", "<float>", "<text>", "<path>", "<int range>"):
        assert label not in text.lower(), label
    assert "<" not in text
    assert "Example: salesfunnel " + command in text


def test_shell_completion_is_on(cli):
    text = cli("--help").stdout
    assert "--install-completion" in text and "--show-completion" in text


def sheet_column_widths(path, sheet: int = 1) -> dict[int, float]:
    """The <col min= max= width=> of a sheet, read from its XML (an .xlsx is a zip)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as archive:
        xml = archive.read(f"xl/worksheets/sheet{sheet}.xml").decode("utf-8")
    widths = {}
    for low, high, width in re.findall(r'<col min="(\d+)" max="(\d+)" width="([\d.]+)"', xml):
        for column in range(int(low), int(high) + 1):
            widths[column] = float(width)
    return widths


def test_xlsx_columns_fit_the_longest_of_header_and_values(tmp_path):
    """Widths are characters (write_excel takes pixels: 7 a character + 5 of padding, so a
    width once passed as characters came out 1-3 characters wide). By hand, one character of
    margin each, the header counting 3 more for its filter button:
    - rep: "Alexandra Whitfield" 19 > "rep" 3 + 3 -> 20;
    - won_amount: shown "120,001" 7 < header 10 + 3 -> 14;
    - win_rate: shown "26.9%" 5 < 8 + 3 -> 12;
    - p50_days: shown "1,234.5" 7 < 8 + 3 -> 12;
    - lost_reason: 60 characters -> capped at 48."""
    frame = pl.DataFrame({
        "rep": ["Alexandra Whitfield", "Bo"], "won_amount": [120000.75, 5.0],
        "win_rate": [0.269, 1.0], "p50_days": [3.35, 1234.5], "lost_reason": ["x" * 60, "y"],
    })
    out = tmp_path / "w.xlsx"
    write_frame(frame, OutputFormat.xlsx, out, raw=False)
    widths = sheet_column_widths(out)
    assert {column: int(width) for column, width in widths.items()} == {
        1: 20, 2: 14, 3: 12, 4: 12, 5: 48}
    sheet = openpyxl.load_workbook(out).active
    assert int(sheet.column_dimensions["A"].width) == 20


def test_report_xlsx_columns_are_wider_than_their_header(cli, loaded, tmp_path):
    """Every column of a real report's sheet is at least its header + the filter button."""
    out = tmp_path / "conversion.xlsx"
    assert cli("conversion", "--db", loaded, "-o", out).exit_code == 0
    header = [cell.value for cell in openpyxl.load_workbook(out)["conversion"][1]]
    widths = sheet_column_widths(out)
    assert len(widths) == len(header)
    for column, name in enumerate(header, start=1):
        assert len(name) + 3 <= widths[column] <= 49, (name, widths[column])


def test_xlsx_interval_bounds_are_percentages_like_their_rate(cli, loaded, tmp_path):
    """Conversion of the funnel fixture: qualified step 4/6 with its 90% Wilson interval
    0.347015-0.882724 (tests/test_cli.py); the bounds are shown as 34.7% and 88.3%, like
    the 66.7% they bound, not as 0.347."""
    out = tmp_path / "conversion.xlsx"
    assert cli("conversion", "--db", loaded, "-o", out).exit_code == 0
    sheet = openpyxl.load_workbook(out)["conversion"]
    header = [cell.value for cell in sheet[1]]
    row = {name: cell for name, cell in zip(header, sheet[3], strict=True)}
    assert row["stage"].value == "qualified"
    assert row["step_rate_low"].value == pytest.approx(0.347015, abs=1e-6)
    for name in ("step_rate", "step_rate_low", "step_rate_high", "overall_rate_low",
                 "overall_rate_high"):
        assert row[name].number_format == "0.0%", name


def test_monthly_outputs_say_their_month(cli, loaded, tmp_path):
    """The funnel fixture in 2026-01: ann and bob have events (ann won D1 for 1,000 and
    lost one, bob lost one). Every machine output of rank carries month 2026-01 on each
    row; conversion --month and dropoff --month lead with the cohort's month; the xlsx
    sheet is named "rank 2026-01"."""
    args = ["rank", "--db", loaded, "--month", "2026-01"]
    rows = json.loads(cli(*args, "-f", "json").stdout)
    assert [(row["month"], row["rep"], row["won_amount"], row["lost"]) for row in rows] == [
        ("2026-01", "ann", 1000.0, 1), ("2026-01", "bob", 0.0, 1)]
    csv = cli(*args, "-f", "csv").stdout.splitlines()
    assert csv[0].startswith("month,rep,") and csv[1].startswith("2026-01,ann,")
    parquet = tmp_path / "rank.parquet"
    assert cli(*args, "-o", parquet).exit_code == 0
    assert pl.read_parquet(parquet)["month"].to_list() == ["2026-01", "2026-01"]
    xlsx = tmp_path / "rank.xlsx"
    assert cli(*args, "-o", xlsx).exit_code == 0
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["rank 2026-01"]
    assert book["rank 2026-01"]["A1"].value == "month"
    assert book["rank 2026-01"]["A2"].value == "2026-01"
    # the cohort of January: 3 deals created (D1, D2, D3), 1 lost at lead
    conversion = json.loads(cli("conversion", "--db", loaded, "--month", "2026-01",
                                "-f", "json").stdout)
    assert [(row["month"], row["stage"], row["reached"]) for row in conversion][:2] == [
        ("2026-01", "lead", 3), ("2026-01", "qualified", 2)]
    dropoff = json.loads(cli("dropoff", "--db", loaded, "--month", "2026-01", "-f", "json").stdout)
    assert dropoff and {row["month"] for row in dropoff} == {"2026-01"}
    # without a month, conversion has no month field (the cohort is all deals)
    assert "month" not in json.loads(cli("conversion", "--db", loaded, "-f", "json").stdout)[0]
