"""Tables never cut a cell, at any width: every report (and `info`) rendered on the
sample data with HubSpot's long stage labels ("Decision Maker Bought-In (Sales
Pipeline)") and two long rep names, on consoles 60 to 200 columns wide, shows no cell
ending in "…" and no line wider than the console; wider tables are split into panels
(render/cells.py fit_table), legends wrap at word boundaries.

Fast (one database for the module, reports built once, rendered in-process): at every
width the panel layout is computed (`panel_layout`, arithmetic) and checked to fit;
each distinct layout is then rendered at the narrowest width that gives it, the width
where a cut would show first (at wider widths the same panels render the same, only the
wrapped titles and legends get more room), and at 80, 120 and 160.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from conftest import load_into
from rich.console import Console

from salesfunnel.config import load_config
from salesfunnel.db import open_database
from salesfunnel.render.cells import column_widths, fit_table, key_columns, panel_layout
from salesfunnel.render.info import info_tables
from salesfunnel.render.registry import report_table
from salesfunnel.reports import analysis, funnel, management, movement
from salesfunnel.reports import info as info_report
from salesfunnel.reports import plan as planning
from salesfunnel.reports.common import Filters, Window

SAMPLE = Path(__file__).parent.parent / "sample_data"
HUBSPOT_STAGES = {
    "lead": "Appointment Scheduled (Sales Pipeline)",
    "qualified": "Qualified To Buy (Sales Pipeline)",
    "opportunity": "Decision Maker Bought-In (Sales Pipeline)",
    "won": "Closed Won (Sales Pipeline)",
}
LONG_REPS = {"Ava Thompson": "Alexandra Konstantinopoulou-Whitfield",
             "Ben Carter": "Bartholomew Fitzgerald-Montgomery"}
TODAY = dt.date(2026, 11, 1)
WIDTHS = range(60, 201)
ALSO = (80, 120, 160)

BUILDERS = {
    "conversion": lambda db: funnel.conversion(db, Filters()),
    "conversion_by_tier": lambda db: funnel.conversion(db, Filters(), "tier"),
    "conversion_by_rep": lambda db: funnel.conversion(db, Filters(), "rep"),
    "rank": lambda db: funnel.rank(db, "2026-10", None, TODAY),
    "dropoff": lambda db: funnel.dropoff(db, Filters()),
    "churn": lambda db: management.churn(db, Window(), TODAY),
    "churn_by_tier": lambda db: management.churn(db, Window(), TODAY, "tier"),
    "early_churn": lambda db: management.early_churn(db, Window(), TODAY),
    "tiers": lambda db: management.tiers(db, Window(), TODAY),
    "plan": lambda db: planning.plan(db, 1_500_000, TODAY, months=3),
    "pulse": lambda db: management.pulse(db, "month", dt.date(2026, 10, 31)),
    "stalled": lambda db: management.stalled(db, TODAY, min_past_deals=5),
    "movement": lambda db: movement.movement(db),
    "pacing": lambda db: analysis.pacing(db, 1_500_000, TODAY, "2026-Q4"),
    "pacing_by_rep": lambda db: analysis.pacing(db, 1_500_000, TODAY, "2026-Q4", "rep"),
    "velocity": lambda db: analysis.velocity(db, TODAY, month="2026-10"),
    "velocity_by_rep": lambda db: analysis.velocity(db, TODAY, month="2026-10", by="rep"),
    "cohorts": lambda db: analysis.cohorts(db),
}


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """The sample data with HubSpot stage labels and long rep names, loaded once; each
    report's Rich table(s) by name."""
    folder = tmp_path_factory.mktemp("sweep")
    exports = folder / "exports"
    exports.mkdir()
    for path in SAMPLE.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        header = rows[0]
        for row in rows[1:]:
            for index, name in enumerate(header):
                if name == "stage":
                    row[index] = HUBSPOT_STAGES.get(row[index], row[index])
                elif name in ("rep", "manager"):
                    row[index] = LONG_REPS.get(row[index], row[index])
        with (exports / path.name).open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    config_path = folder / "salesfunnel.toml"
    config_path.write_text(
        "[funnel]\nstages = [" + ", ".join(f'"{s}"' for s in HUBSPOT_STAGES.values()) + "]\n",
        encoding="utf-8")
    config = load_config(str(config_path))
    db_path = folder / "sweep.duckdb"
    load_into(db_path, exports, config=config)
    db = open_database(db_path, write=False, config_funnel=config.funnel)
    try:
        built = {name: [report_table(build(db))] for name, build in BUILDERS.items()}
        built["info"] = info_tables(info_report.info(db))
    finally:
        db.close()
    return built


def render(table, width: int) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, legacy_windows=False)
    for panel in fit_table(table, console):
        console.print(panel)
    return buffer.getvalue()


def test_the_sweep_data_has_the_long_labels(tables):
    """The point of the data: the rank shows the long stage labels and rep names."""
    text = render(tables["rank"][0], 200)
    assert "Decision Maker Bought-In (Sales Pipeline)" in text
    assert "Alexandra Konstantinopoulou-Whitfield" in text
    assert "Bartholomew Fitzgerald-Montgomery" in text


@pytest.mark.parametrize("name", [*BUILDERS, "info"])
def test_no_cell_is_cut_at_any_width(tables, name):
    for table in tables[name]:
        probe = Console(file=io.StringIO(), width=max(WIDTHS), color_system=None)
        widths = column_widths(table, probe)
        keys = key_columns(table)
        narrowest: dict[str, int] = {}
        for width in WIDTHS:
            layout = panel_layout(widths, keys, width)
            for panel in layout or [list(range(keys, len(widths)))]:
                chosen = [*range(keys), *panel]
                need = sum(widths[i] for i in chosen) + len(chosen) - 1
                # a panel fits, or it is the label columns and one column too wide even
                # alone (then its cells fold over lines, never cut)
                assert need <= width or len(panel) == 1, (name, width, panel)
            narrowest.setdefault(repr(layout), width)
        for width in sorted({*narrowest.values(), *ALSO}):
            text = render(table, width)
            assert "…" not in text, (name, width, text)
            assert max(len(line) for line in text.splitlines()) <= width, (name, width)
            header = str(table.columns[0].header)
            assert not header or header in text, (name, width)
