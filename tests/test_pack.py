"""`salesfunnel pack`: the workbook and the HTML hold the same numbers as the JSON of
the same reports; the pack is self-contained (no external URL) and small."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from conftest import FIXTURES, Cli, load_into

from salesfunnel.config import load_config
from salesfunnel.errors import ExitCode
from salesfunnel.render.pack.html import safe_file_name

SAMPLE = Path(__file__).parent.parent / "sample_data"
TODAY = {"SALESFUNNEL_TODAY": "2026-11-01"}
# the pack of 2026-10: cohort = deals created 2025-11-01 to 2026-10-31
COHORT = ["--since", "2025-11-01", "--until", "2026-10-31"]
SAME_AS = {  # sheet -> the command whose JSON it must equal
    "conversion": ["conversion", *COHORT],
    "conversion_by_tier": ["conversion", "--by", "tier", *COHORT],
    "rank": ["rank", "--month", "2026-10"],
    "dropoff": ["dropoff", *COHORT],
    "churn": ["churn"],
    "early_churn": ["churn", "--list-early"],
    "tiers": ["tiers", *COHORT],
    # the pack's "plan for next month" is `plan --months 1` of the same day: 2026-11, the
    # month after the last complete one, with the same seasonality and headcount
    "plan": ["plan", "--target-amount", "500000", "--months", "1"],
    "pulse": ["pulse", "--date", "2026-10-31"],
    "stalled": ["stalled"],
    "movement": ["movement", "--since", "2026-09-30", "--until", "2026-10-31"],
}
URL = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']?\s*|url\(\s*["']?\s*)https?:""", re.IGNORECASE)


@pytest.fixture(scope="module")
def sample_pack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pack")
    db = folder / "sample.duckdb"
    load_into(db, SAMPLE)
    out = folder / "out"
    result = Cli()("pack", "--out", out, "--db", db, "--target-amount", "500000", env=TODAY)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(out / "index.html")
    return db, out


def report_json(db: Path, args: list[str]) -> list[dict]:
    result = Cli()(*args, "--db", db, "-f", "json", env=TODAY)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def same(got, expected) -> bool:
    if isinstance(expected, float) and isinstance(got, int | float):
        return got == pytest.approx(expected, rel=1e-12, abs=1e-12)
    if isinstance(expected, str) and hasattr(got, "strftime"):
        return got.strftime("%Y-%m-%d") == expected[:10]
    return got == expected


def test_workbook_sheets_equal_the_json(sample_pack):
    db, out = sample_pack
    workbook = openpyxl.load_workbook(out / "salesfunnel-2026-10.xlsx")
    assert workbook.sheetnames == [*SAME_AS, "Definitions"]
    for sheet_name, args in SAME_AS.items():
        expected = report_json(db, args)
        rows = list(workbook[sheet_name].iter_rows(values_only=True))
        header, body = list(rows[0]), rows[1:]
        assert len(body) == len(expected), sheet_name
        assert header == list(expected[0]) if expected else True
        for got, want in zip(body, expected, strict=True):
            for name, value in zip(header, got, strict=True):
                assert same(value, want[name]), (sheet_name, name, value, want[name])
    terms = [row[0] for row in workbook["Definitions"].iter_rows(min_row=2, values_only=True)]
    assert "step_rate" in terms and "churn_rate" in terms


class Cells(HTMLParser):
    """Collects, per table data-report, the rows of (data-field, data-value) cells."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[dict]]] = {}
        self.current: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-report" in attrs:
            self.current = attrs["data-report"]
            self.tables.setdefault(self.current, [])
        elif tag == "tr" and self.current:
            self.tables[self.current].append([])
        elif tag == "td" and self.current and "data-field" in attrs:
            self.tables[self.current][-1].append(attrs)

    def handle_endtag(self, tag):
        if tag == "table":
            self.current = None


def html_tables(path: Path) -> dict[str, list[list[dict]]]:
    parser = Cells()
    parser.feed(path.read_text(encoding="utf-8"))
    return {name: [row for row in rows if row] for name, rows in parser.tables.items()}


def check_table(rows: list[list[dict]], expected: list[dict], name: str) -> None:
    assert len(rows) == len(expected), name
    for cells, want in zip(rows, expected, strict=True):
        for cell in cells:
            field = cell["data-field"]
            assert json.loads(cell["data-value"]) == want[field], (name, field)
            if "data-rank" in cell:
                assert json.loads(cell["data-rank"]) == want[f"{field}_rank"]
                assert json.loads(cell["data-prev-rank"]) == want[f"{field}_prev_rank"]


def test_index_numbers_equal_the_json(sample_pack):
    db, out = sample_pack
    tables = html_tables(out / "index.html")
    assert set(tables) == {"pulse", "conversion", "conversion_by_tier", "dropoff", "rank", "churn",
                           "stalled", "plan", "movement"}
    for name, rows in tables.items():
        expected = report_json(db, SAME_AS[name])
        check_table(rows, expected[:25] if name == "stalled" else expected, name)
    text = (out / "index.html").read_text(encoding="utf-8")
    assert text.count("<svg") == 7  # pulse, funnel, by tier, drop-off, rank, churn, stalled


def test_rep_page_numbers_equal_the_json(sample_pack):
    db, out = sample_pack
    rep = "Kira Patel"
    tables = html_tables(out / "reps" / "kira-patel.html")
    check_table(tables["conversion"], report_json(db, ["conversion", "--rep", rep, *COHORT]), "conversion")
    check_table(tables["dropoff"], report_json(db, ["dropoff", "--rep", rep, *COHORT]), "dropoff")
    mine = [row for row in report_json(db, ["rank", "--month", "2026-10"]) if row["rep"] == rep]
    check_table(tables["rank"], mine, "rank")
    stalled = [row for row in report_json(db, ["stalled"]) if row["rep"] == rep]
    check_table(tables["stalled"], stalled, "stalled")
    churn = [row for row in report_json(db, ["churn"]) if row["rep"] == rep]
    check_table(tables["churn"], churn, "churn")
    assert (out / "reps" / "kira-patel.html").read_text(encoding="utf-8").count("<svg") == 2


def test_pack_is_self_contained_and_small(sample_pack):
    _, out = sample_pack
    files = [path for path in out.rglob("*") if path.is_file()]
    pages = [path for path in files if path.suffix == ".html"]
    assert len(pages) == 1 + 13  # index and the 13 reps of the sample
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not URL.search(text), page
        assert "<script" not in text.lower() and "<link" not in text.lower() and "<img" not in text
    assert sum(path.stat().st_size for path in files) < 2 * 1024 * 1024


def test_url_check_catches_external_references():
    for text in ('<img src="https://x/y.png">', "<a href='http://x'>", "background:url( https://x)",
                 '<script src=https://cdn/x.js>'):
        assert URL.search(text), text
    assert not URL.search('<a href="reps/kira.html">') and not URL.search('xmlns="http://www.w3.org/2000/svg"')


def test_pack_of_a_nine_stage_month_by_hand(tmp_path):
    """tests/fixtures/rank9, pack of 2026-02 (no --target-amount: no plan sheet, a note):
    Alexandra won A1 in February for 120,000.75 (exact in the sheet and the HTML); Bo lost
    B2 on 02-25 (lost 1); Carmen entered 3 stages (C2). Cohort 2025-03-01..2026-02-28 holds
    all 5 deals: Prospecting reached 5, Closed Won 2 (A1, C1): overall 2/5 = 0.4."""
    config = load_config(str(FIXTURES / "rank9" / "salesfunnel.toml"))
    db = tmp_path / "r9.duckdb"
    load_into(db, FIXTURES / "rank9" / "deals.csv", FIXTURES / "rank9" / "stage_history.csv", config=config)
    out = tmp_path / "pack"
    result = Cli()("pack", "--month", "2026-02", "--out", out, "--db", db, "--config",
                   FIXTURES / "rank9" / "salesfunnel.toml", env={"SALESFUNNEL_TODAY": "2026-11-23"})
    assert result.exit_code == 0, result.stderr
    assert "give --target-amount" in result.stderr
    workbook = openpyxl.load_workbook(out / "salesfunnel-2026-02.xlsx")
    assert "plan" not in workbook.sheetnames
    rank = {row[1]: row for row in workbook["rank"].iter_rows(min_row=2, values_only=True)}
    header = [cell.value for cell in workbook["rank"][1]]
    alexandra = dict(zip(header, rank["Alexandra Whitfield"], strict=True))
    bo = dict(zip(header, rank["Bo Chen"], strict=True))
    assert alexandra["won_amount"] == 120000.75 and alexandra["Closed Won"] == 1
    assert alexandra["month"] == bo["month"] == "2026-02"
    assert bo["lost"] == 1 and bo["Prospecting"] == 1
    conversion = {row[0]: row for row in workbook["conversion"].iter_rows(min_row=2, values_only=True)}
    assert conversion["Prospecting"][1] == 5 and conversion["Closed Won"][1] == 2
    assert conversion["Closed Won"][3] == pytest.approx(0.4)
    index = html_tables(out / "index.html")
    won = [cell for row in index["rank"] for cell in row if cell["data-field"] == "won_amount"]
    assert {json.loads(cell["data-value"]) for cell in won} == {120000.75, 0}
    assert sorted(path.name for path in (out / "reps").iterdir()) == [
        "alexandra-whitfield.html", "bo-chen.html", "carmen-delgado-ruiz.html"]


def test_rep_file_names_are_safe_everywhere():
    taken: set[str] = set()
    names = [safe_file_name(name, taken) for name in
             ("Zoë Müller", "zoe muller", "CON", "../../etc/passwd", "李雷", "a" * 100, "O'Connor: A/B")]
    assert names == ["zoe-muller", "zoe-muller-2", "rep-con", "etc-passwd", "rep", "a" * 60, "o-connor-a-b"]


def test_pack_into_a_file_is_an_input_error(tmp_path, funnel_db):
    target = tmp_path / "file.txt"
    target.write_text("x", encoding="utf-8")
    result = Cli()("pack", "--out", target, "--db", funnel_db, env=TODAY)
    assert result.exit_code == ExitCode.INPUT
    assert "not a folder" in result.stderr


def test_pack_work_does_not_grow_per_rep_beyond_its_charts(sample_pack, tmp_path, monkeypatch):
    """The speed contract of the pack (issue 15), in counts, not seconds: the reps'
    conversion is one grouped query (not one per rep), each chart is rendered once, in
    one batch, and every placeholder gets its SVG."""
    import datetime as dt
    from collections import Counter

    from salesfunnel.cli.common import open_database
    from salesfunnel.db import Database
    from salesfunnel.render.pack import write_pack
    from salesfunnel.render.pack.collect import collect_ranks, collect_rest
    from salesfunnel.render.pack.engine import Engines

    db, _ = sample_pack
    macros: Counter = Counter()
    call_macro = Database.call_macro

    def counting(self, name, args):
        macros[name] += 1
        return call_macro(self, name, args)

    monkeypatch.setattr(Database, "call_macro", counting)
    engines = Engines([])  # rendered here, counted
    with open_database(str(db), None, write=False, wait=5) as database:
        data = collect_ranks(database, dt.date(2026, 10, 1), dt.date(2026, 11, 1))
        files = write_pack(data, tmp_path, engines, lambda: collect_rest(database, data, 500000.0))
    reps = len(data.reps)
    assert reps > 5
    assert macros["conversion"] <= 4  # the team, by tier, by rep, the plan's rates: not per rep
    assert engines.renders <= 7 + 2 * reps  # 7 on the index page, 2 per rep page
    pages = [path.read_text(encoding="utf-8") for path in files.all[1:]]
    assert sum(page.count("<svg ") for page in pages) == engines.renders
    assert not any("salesfunnel-chart-" in page for page in pages)


def test_chart_engines_fall_back_to_this_process():
    """A helper that stops answering leaves its charts to this process: the same SVG; an
    invalid specification still raises here."""
    import vl_convert

    from salesfunnel.render.pack.engine import WARM_UP, Engines, Helper

    helper = Helper()
    helper.process.kill()
    helper.process.wait()
    engines = Engines([helper])
    try:
        futures = [engines.submit(WARM_UP) for _ in range(3)]
        assert [engines.svg(future, WARM_UP) for future in futures] == [
            vl_convert.vegalite_to_svg(WARM_UP)] * 3
        bad = {"mark": "no such mark"}
        with pytest.raises(ValueError):
            engines.svg(engines.submit(bad), bad)
    finally:
        engines.close()


def test_chart_engines_render_in_a_helper():
    from salesfunnel.render.pack.engine import WARM_UP, Engines, Helper

    engines = Engines([Helper()])
    try:
        bad = {"mark": "no such mark"}
        ok, wrong = engines.submit(WARM_UP), engines.submit(bad)
        assert ok.result().startswith("<svg")  # by the helper
        assert wrong.result() is None  # refused there; raises when rendered here
        with pytest.raises(ValueError):
            engines.svg(wrong, bad)
    finally:
        engines.close()


def test_a_pack_through_the_chart_helpers_is_the_same_as_one_without(rank_db, tmp_path,
                                                                      monkeypatch):
    """The suite renders charts in its own process (tests/conftest.py); the helpers a
    pack starts by default give every page the same bytes."""
    from salesfunnel.render.pack import engine

    rendered = []
    real_render = engine.Helper.render
    monkeypatch.setattr(engine.Helper, "render",
                        lambda self, spec: rendered.append(1) or real_render(self, spec))
    pages = {}
    for name, helpers in (("with", True), ("without", False)):
        if helpers:
            monkeypatch.delenv(engine.NO_HELPER, raising=False)
        else:
            monkeypatch.setenv(engine.NO_HELPER, "1")
        out = tmp_path / name
        result = Cli()("pack", "--month", "2026-02", "--out", out, "--db", rank_db,
                       env={"SALESFUNNEL_TODAY": "2026-04-01"})
        assert result.exit_code == 0, result.stderr
        pages[name] = {path.relative_to(out).as_posix(): path.read_bytes()
                       for path in out.rglob("*.html")}
        if helpers:
            assert rendered, "no chart went through a helper"
    assert len(pages["with"]) >= 3 and b"<svg" in pages["with"]["index.html"]
    assert pages["with"] == pages["without"]


def test_the_pack_says_what_its_reports_say(tmp_path):
    """The reports' notes reach the pack (index.html, the workbook's notes and stderr):
    October 2026, D2 won with no close date and D3 lost at no known stage, D4 has no
    owner (counted, not ranked)."""
    export = tmp_path / "deals.csv"
    export.write_text(
        "deal_id,rep,stage,status,created_at,closed_at,amount\n"
        "D1,Ann,won,won,2026-10-01,2026-10-03,1000\n"
        "D2,Ann,won,won,2026-10-01,,500\n"
        "D3,Bob,lost,lost,2026-10-02,2026-10-06,300\n"
        "D4,,lead,open,2026-10-02,,300\n", encoding="utf-8")
    db = tmp_path / "notes.duckdb"
    load_into(db, export)
    out = tmp_path / "pack"
    result = Cli()("pack", "--month", "2026-10", "--out", out, "--db", db, env=TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    said = [
        "1 won deal has no close date (closed_at) and so is in no period's wins or losses",
        "1 lost deal has no stage before loss",
        'their row "(no owner)" is counted but not ranked',
    ]
    stderr = " ".join(result.stderr.split())
    page = " ".join(html.unescape((out / "index.html").read_text(encoding="utf-8")).split())
    workbook = openpyxl.load_workbook(out / "salesfunnel-2026-10.xlsx")
    cells = " ".join(str(cell.value) for sheet in workbook for row in sheet.iter_rows()
                     for cell in row if cell.value is not None)
    for note in said:
        assert note in stderr and note in page and note in " ".join(cells.split()), note
