"""Tables never lose a column: wider than the console, they are split into panels that
each repeat the label columns (render/cells.py fit_table); golden rank tables of a
9-stage funnel at 80 and 160 columns."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from conftest import FIXTURES, check_golden, load_into
from rich.console import Console

from salesfunnel.config import load_config
from salesfunnel.db import open_database
from salesfunnel.render.cells import MIN_WIDTH, TABLE_ROW_LIMIT, fit_table
from salesfunnel.render.registry import report_table
from salesfunnel.reports import funnel

RANK9 = FIXTURES / "rank9"
STAGES = (
    "Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
    "Perception Analysis", "Proposal/Price Quote", "Negotiation/Review", "Closed Won",
)


@pytest.fixture
def rank9_db(tmp_path):
    config = load_config(str(RANK9 / "salesfunnel.toml"))
    path = tmp_path / "rank9.duckdb"
    load_into(path, RANK9 / "deals.csv", RANK9 / "stage_history.csv", config=config)
    return path, config


def rank9_text(rank9_db, width: int) -> str:
    path, config = rank9_db
    db = open_database(path, write=False, config_funnel=config.funnel)
    try:
        report = funnel.rank(db, "2026-02", None, dt.date(2026, 11, 23))
    finally:
        db.close()
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, legacy_windows=False)
    for panel in fit_table(report_table(report), console):
        console.print(panel)
    return buffer.getvalue()


@pytest.mark.parametrize("width", [80, 160])
def test_rank_nine_stages_keeps_every_column(rank9_db, width):
    """February 2026, by hand from tests/fixtures/rank9:
    - Alexandra: A1 enters all 9 stages in February, won 120,000.75 (shown 120,001), lost 0,
      win rate 1 / (1 + 0) = 100.0%;
    - Bo: B1 enters Needs Analysis and Value Proposition, B2 Prospecting and is lost on
      02-25: lost 1, win rate 0 / (0 + 1) = 0.0%;
    - Carmen: C2 enters Prospecting, Qualification, Needs Analysis; C1 was all January:
      no win, no loss, win rate –.
    Prospecting: 1 each, all #1; Qualification: Alexandra and Carmen 1 (#1), Bo 0 (#3)."""
    text = rank9_text(rank9_db, width)
    check_golden(f"rank_nine_stages_{width}", text)
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= width
    for header in ("Rep", *STAGES, "Won amount", "Lost", "Win rate"):
        assert header in text, header
    for rep in ("Alexandra Whitfield", "Bo Chen", "Carmen Delgado-Ruiz"):
        assert text.count(rep) >= 2  # repeated in every panel
    assert "120,001" in text and "100.0%" in text and "0.0%" in text


def test_wide_enough_table_is_one_panel(rank9_db):
    text = rank9_text(rank9_db, 400)
    assert "(1/" not in text and text.count("Alexandra Whitfield") == 1


def test_tiny_columns_is_taken_as_the_minimum(cli, rank9_db):
    """COLUMNS=0 printed an empty table; now it is taken as MIN_WIDTH (40) columns."""
    path, _ = rank9_db
    result = cli("rank", "--month", "2026-02", "--db", path, "--config", RANK9 / "salesfunnel.toml",
                 env={"COLUMNS": "0"})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= MIN_WIDTH
    for header in ("Closed Won", "Won amount", "Win rate"):
        assert header in result.stdout
    assert "…" not in result.stdout


def test_a_table_of_more_rows_than_the_limit_shows_the_first_and_says_so(cli, tmp_path):
    """260 reps, one deal each: `conversion --by rep` has 260 x 4 = 1,040 rows. The table
    shows the first 1,000 (the first 250 reps by name) and a note on stderr points to
    the machine formats, which hold every row."""
    assert TABLE_ROW_LIMIT == 1000
    lines = ["deal_id,rep,tier,source,account,created_at,stage,status,lost_reason,amount,closed_at"]
    lines += [f"D{n},rep{n:03d},smb,web,,2026-01-05,lead,open,,,"
              for n in range(1, 261)]
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "deals.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "many.duckdb"
    assert cli("load", folder, "--db", db).exit_code == 0

    table = cli("conversion", "--by", "rep", "--db", db, env={"COLUMNS": "200"})
    assert table.exit_code == 0
    assert "rep250" in table.stdout and "rep251" not in table.stdout
    assert table.stdout.count(" lead ") == 250
    assert ("salesfunnel: note: the table shows the first 1,000 of 1,040 rows; --format csv "
            "or --format json (or --output FILE.csv) writes all of them.") in table.stderr

    csv = cli("conversion", "--by", "rep", "--format", "csv", "--db", db)
    assert csv.exit_code == 0
    assert len(csv.stdout.splitlines()) == 1 + 1040
    assert "rep260" in csv.stdout and "first 1,000" not in csv.stderr
    data = json.loads(cli("conversion", "--by", "rep", "--format", "json", "--db", db).stdout)
    assert len(data) == 1040 and data[-1]["rep"] == "rep260"


def test_a_cell_is_measured_as_rich_measures_it():
    """fit_table measures plain text itself (a tenth of Rich's cost): the same widths as
    Rich's Measurement for accents, CJK, emoji, several lines and Text."""
    from rich.console import Console
    from rich.measure import Measurement
    from rich.text import Text

    from salesfunnel.render.cells import _cell_width

    console = Console(width=200, markup=False, emoji=False)
    cells = ["", "Ann", "Jürgen Müller", "张伟 (Zhang)", "Ørsted A/S", "1,234,567", "🔥 hot",
             "two\nlines longer", ":fire: as written", Text("Won amount"), Text("≥ 90% 45.1%–60.2%")]
    for cell in cells:
        assert _cell_width(console, cell) == Measurement.get(console, console.options, cell).maximum


def test_emoji_codes_in_the_data_are_shown_as_written(cli, tmp_path):
    """A rep named ':fire: Ann' is shown so, not as 🔥 Ann (the consoles set emoji=False)."""
    from conftest import load_into, write

    data = write(tmp_path, "deals.csv", "deal_id,rep,stage,created_at,closed_at\n"
                 "E1,:fire: Ann,won,2026-04-01,2026-04-03\n")
    db = tmp_path / "e.duckdb"
    load_into(db, data)
    result = cli("rank", "--month", "2026-04", "--db", db, env={"SALESFUNNEL_TODAY": "2026-05-02"})
    assert result.exit_code == 0, result.stderr
    assert ":fire: Ann" in result.stdout and "🔥" not in result.stdout
