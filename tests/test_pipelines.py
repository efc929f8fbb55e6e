"""Pipelines (issue 14, point 6): a `pipeline` field, a funnel per pipeline or one shared,
`--pipeline NAME` on every report, `--by pipeline` on conversion and dropoff, and a
database of several pipelines reported per pipeline, never mixing their stages.

Hand counts, fixtures/pipelines/hubspot_two_pipelines.csv with two_funnels.toml (no
history, so a lost deal was lost at an unknown stage: conversion leaves it out, dropoff
shows it as stage unknown):

  Sales Pipeline (HubSpot's funnel): 1 won, 2 lost, 3 Contract Sent, 4 Appointment
  Scheduled -> Appointment Scheduled 3, Qualified To Buy .. Contract Sent 2 each (1 and
  3 passed them), Closed Won 1; open 1 at the first stage and 1 at Contract Sent.
  Renewals Pipeline (its own funnel Up for Renewal > Renewal Won, lost Renewal Lost):
  5 won, 6 lost, 7 open -> Up for Renewal 2, Renewal Won 1; open 1.

fixtures/pipelines/shared_stages.csv (the default funnel lead > qualified > opportunity
> won, shared by every pipeline):

  Expansion: X1 won, X2 lead -> lead 2, qualified 1, opportunity 1, won 1.
  New business: S1 won, S2 opportunity, S3 lost (at an unknown stage: in no
  conversion row) -> lead 2, qualified 2, opportunity 2, won 1.
  (none): N1 qualified -> lead 1, qualified 1, opportunity 0, won 0.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import FIXTURES, load_into, query

from salesfunnel.config import load_config
from salesfunnel.errors import ConfigError, ExitCode
from salesfunnel.funnel import build_funnel

PIPELINES = FIXTURES / "pipelines"
HUBSPOT = PIPELINES / "hubspot_two_pipelines.csv"
CONFIG = PIPELINES / "two_funnels.toml"
AS_OF = "2026-03-01"

SALES = [
    ("Appointment Scheduled", 3, 0, 1), ("Qualified To Buy", 2, 0, 0),
    ("Presentation Scheduled", 2, 0, 0), ("Decision Maker Bought-In", 2, 0, 0),
    ("Contract Sent", 2, 0, 1), ("Closed Won", 1, 0, 0),
]
RENEWALS = [("Up for Renewal", 2, 0, 1), ("Renewal Won", 1, 0, 0)]


def _load_two_funnels(path: Path) -> None:
    report = load_into(path, HUBSPOT, config=CONFIG, as_of=AS_OF)
    assert report.files[0].rows_loaded == 7 and report.files[0].rows_rejected == 0


@pytest.fixture
def two_funnels_db(db_path: Path, built_once) -> Path:
    return built_once("hubspot two funnels", _load_two_funnels, db_path)


def _json(cli, *args):
    result = cli(*args)
    assert result.exit_code == ExitCode.OK, result.stderr
    return json.loads(result.stdout), result.stderr


def _conversion_rows(rows, pipeline=None):
    return [
        (r["stage"], r["reached"], r["lost"], r["open"])
        for r in rows if pipeline is None or r["pipeline"] == pipeline
    ]


def test_the_pipeline_is_loaded_from_the_hubspot_column(two_funnels_db):
    rows = query(two_funnels_db, "select deal_id, pipeline from deals order by deal_id")
    assert rows == [
        ("1", "Sales Pipeline"), ("2", "Sales Pipeline"), ("3", "Sales Pipeline"),
        ("4", "Sales Pipeline"), ("5", "Renewals Pipeline"), ("6", "Renewals Pipeline"),
        ("7", "Renewals Pipeline"),
    ]


def test_several_pipelines_are_reported_apart_with_their_own_stages(two_funnels_db, cli):
    rows, _ = _json(cli, "conversion", "--db", two_funnels_db, "--config", CONFIG, "-f", "json")
    assert [r["pipeline"] for r in rows] == ["Renewals Pipeline"] * 2 + ["Sales Pipeline"] * 6
    assert _conversion_rows(rows, "Renewals Pipeline") == RENEWALS
    assert _conversion_rows(rows, "Sales Pipeline") == SALES
    # the same numbers as CSV, and one table per pipeline
    result = cli("conversion", "--db", two_funnels_db, "-f", "csv")
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["pipeline"], r["stage"], r["reached"]) for r in table][:3] == [
        ("Renewals Pipeline", "Up for Renewal", "2"), ("Renewals Pipeline", "Renewal Won", "1"),
        ("Sales Pipeline", "Appointment Scheduled", "3"),
    ]
    text = cli("conversion", "--db", two_funnels_db).stdout
    assert "Conversion · all deals · pipeline Renewals Pipeline" in text
    assert "Conversion · all deals · pipeline Sales Pipeline" in text


@pytest.mark.parametrize("asked", ["Renewals Pipeline", "renewals pipeline", " RENEWALS PIPELINE "])
def test_pipeline_option_scopes_a_report_to_one_funnel(two_funnels_db, cli, asked):
    rows, _ = _json(cli, "conversion", "--db", two_funnels_db, "--pipeline", asked, "-f", "json")
    assert "pipeline" not in rows[0]
    assert _conversion_rows(rows) == RENEWALS


def test_by_pipeline_groups_conversion_and_dropoff(two_funnels_db, cli):
    rows, _ = _json(cli, "conversion", "--by", "pipeline", "--db", two_funnels_db, "-f", "json")
    assert _conversion_rows(rows, "Sales Pipeline") == SALES
    table = cli("conversion", "--by", "pipeline", "--db", two_funnels_db).stdout
    assert "Conversion · all deals · by pipeline" in table and "Pipeline" in table

    rows, _ = _json(cli, "dropoff", "--by", "pipeline", "--db", two_funnels_db, "-f", "json")
    assert [(r["pipeline"], r["stage"], r["reason"], r["lost"], r["amount"]) for r in rows] == [
        ("Renewals Pipeline", None, "Churned", 1, 400.0),
        ("Sales Pipeline", None, "Budget", 1, 200.0),
    ]
    table = cli("dropoff", "--by", "pipeline", "--db", two_funnels_db).stdout
    assert "Renewals Pipeline" in table and "Churned" in table


def test_rank_per_pipeline_has_each_funnels_stage_columns(two_funnels_db, cli):
    rows, _ = _json(cli, "rank", "--month", "2026-02", "--db", two_funnels_db, "-f", "json")
    renewals = {r["rep"]: r for r in rows if r["pipeline"] == "Renewals Pipeline"}
    sales = {r["rep"]: r for r in rows if r["pipeline"] == "Sales Pipeline"}
    # Renewals: ann won deal 5 (500); bob lost 6 and has 7 open: entered Up for Renewal twice
    assert (renewals["ann"]["Renewal Won"], renewals["ann"]["won_amount"]) == (1, 500.0)
    assert (renewals["bob"]["Up for Renewal"], renewals["bob"]["lost"]) == (2, 1)
    assert renewals["ann"]["Closed Won"] is None  # another funnel's column
    # Sales: ann won deal 1 (1000) and lost deal 2
    assert (sales["ann"]["Closed Won"], sales["ann"]["won_amount"], sales["ann"]["lost"]) == (
        1, 1000.0, 1)


def test_an_unknown_pipeline_is_a_usage_error_listing_them(two_funnels_db, cli):
    result = cli("rank", "--db", two_funnels_db, "--pipeline", "Renewal")
    assert result.exit_code == ExitCode.USAGE
    assert "Pipelines: Renewals Pipeline, Sales Pipeline." in result.stderr
    result = cli("conversion", "--by", "pipeline", "--pipeline", "Sales Pipeline",
                 "--db", two_funnels_db)
    assert result.exit_code == ExitCode.USAGE


def test_live_facts_equal_the_cached_ones_per_pipeline(two_funnels_db, cli):
    """--include-removed computes the facts live (no removed deal here): same numbers."""
    cached, _ = _json(cli, "conversion", "--db", two_funnels_db, "-f", "json")
    live, _ = _json(cli, "conversion", "--db", two_funnels_db, "-f", "json", "--include-removed")
    assert live == cached


def test_a_label_of_another_pipelines_funnel_is_rejected_naming_the_pipeline(tmp_path, db_path):
    path = tmp_path / "deals.csv"
    path.write_text(
        "Record ID,Deal owner,Deal Stage,Pipeline,Create Date\n"
        "8,ann,Contract Sent,Renewals Pipeline,2026-02-08 09:00\n"
        "9,ann,Up for Renewal,Renewals Pipeline,2026-02-09 09:00\n",
        encoding="utf-8",
    )
    report = load_into(db_path, path, config=CONFIG, as_of=AS_OF)
    assert (report.files[0].rows_loaded, report.files[0].rows_rejected) == (1, 1)
    reason = query(db_path, "select line, column_name, reason from load_rejects")
    assert reason == [(2, "stage", "unknown stage label (expected one of: renewal lost, "
                       "renewal won, up for renewal in pipeline Renewals Pipeline)")]


def test_a_shared_funnel_is_reported_per_pipeline(db_path, cli):
    load_into(db_path, PIPELINES / "shared_stages.csv", as_of="2026-04-01")
    rows, _ = _json(cli, "conversion", "--db", db_path, "-f", "json")
    reached = [(r["pipeline"], r["stage"], r["reached"]) for r in rows]
    assert reached == [
        ("Expansion", "lead", 2), ("Expansion", "qualified", 1),
        ("Expansion", "opportunity", 1), ("Expansion", "won", 1),
        # S3 was lost at an unknown stage (a lost label, no history): in no row
        ("New business", "lead", 2), ("New business", "qualified", 2),
        ("New business", "opportunity", 2), ("New business", "won", 1),
        ("(none)", "lead", 1), ("(none)", "qualified", 1),
        ("(none)", "opportunity", 0), ("(none)", "won", 0),
    ]
    rows, _ = _json(cli, "conversion", "--db", db_path, "--pipeline", "(none)", "-f", "json")
    assert [r["reached"] for r in rows] == [1, 1, 0, 0]


def test_a_single_pipeline_keeps_the_report_as_it_was(db_path, cli):
    """One pipeline (or none): no `pipeline` field, the fields documented before."""
    load_into(db_path, FIXTURES / "presets" / "pipedrive_deals.csv", as_of="2026-04-01")
    assert query(db_path, "select distinct pipeline from deals") == [("Sales",)]
    rows, _ = _json(cli, "conversion", "--db", db_path, "-f", "json")
    assert "pipeline" not in rows[0]


def test_churn_covers_the_whole_database_unless_asked(two_funnels_db, cli):
    result = cli("churn", "--db", two_funnels_db, "-f", "json")
    assert result.exit_code == ExitCode.OK
    assert all("pipeline" not in row for row in json.loads(result.stdout))


def test_pipeline_funnel_tables_in_the_config(tmp_path):
    funnel = load_config(str(CONFIG)).funnel
    assert funnel.stages[-1] == "Closed Won"
    assert funnel.for_pipeline("renewals pipeline").stages == ("Up for Renewal", "Renewal Won")
    assert funnel.for_pipeline("Sales Pipeline").stages == funnel.stages
    with pytest.raises(ConfigError, match="needs its stages"):
        build_funnel({"Renewals": {"lost": ["x"]}}, "cfg")
    with pytest.raises(ConfigError, match="unknown key 'stage'"):
        build_funnel({"stage": ["a", "b"]}, "cfg")
    with pytest.raises(ConfigError, match="two .funnel.<pipeline>. tables"):
        build_funnel({"A": {"stages": ["a", "b"]}, "a": {"stages": ["a", "b"]}}, "cfg")


def test_init_proposes_a_funnel_per_pipeline_that_loads_every_row(tmp_path, cli):
    """No config: the Renewals labels are unknown to HubSpot's funnel. `init` sees the
    pipelines' labels differ and proposes a table per pipeline, which loads all 7."""
    db = tmp_path / "plain.duckdb"
    plain = load_into(db, HUBSPOT, as_of=AS_OF)
    assert plain.files[0].rows_rejected == 3
    proposal = cli("init", HUBSPOT)
    assert proposal.exit_code == ExitCode.OK, proposal.stderr
    assert '[funnel."Renewals Pipeline"]' in proposal.stdout
    assert 'stages = ["Up for Renewal", "Renewal Won"]' in proposal.stdout
    config = tmp_path / "proposed.toml"
    config.write_text(proposal.stdout, encoding="utf-8")
    report = load_into(tmp_path / "proposed.duckdb", HUBSPOT, config=config, as_of=AS_OF)
    assert (report.files[0].rows_loaded, report.files[0].rows_rejected) == (7, 0)
    rows, _ = _json(cli, "conversion", "--db", tmp_path / "proposed.duckdb", "--config", config,
                    "-f", "json")
    assert _conversion_rows(rows, "Sales Pipeline") == SALES
    assert _conversion_rows(rows, "Renewals Pipeline") == RENEWALS


def test_the_pack_covers_one_pipeline(two_funnels_db, cli, tmp_path):
    result = cli("pack", "--out", tmp_path / "pack", "--month", "2026-02", "--db", two_funnels_db)
    assert result.exit_code == ExitCode.USAGE
    assert "holds 2 pipelines (Renewals Pipeline, Sales Pipeline)" in result.stderr
    assert not (tmp_path / "pack").exists()


def test_a_pack_of_one_pipeline_counts_through_its_funnel(two_funnels_db, cli, tmp_path):
    import polars as pl

    result = cli("pack", "--out", tmp_path / "pack", "--month", "2026-02",
                 "--pipeline", "renewals pipeline", "--db", two_funnels_db)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "the pack covers pipeline Renewals Pipeline" in result.stderr
    sheet = pl.read_excel(tmp_path / "pack" / "salesfunnel-2026-02.xlsx", sheet_name="conversion")
    # deal 6 was lost at an unknown stage (no history): in no conversion row
    assert sheet.select("stage", "reached").rows() == [("Up for Renewal", 2), ("Renewal Won", 1)]


def test_info_lists_the_pipelines_with_their_funnels(two_funnels_db, cli):
    result = cli("info", "--db", two_funnels_db, "-f", "json")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert json.loads(result.stdout)["pipeline_list"] == [
        {"pipeline": "Renewals Pipeline", "deals": 3, "funnel": ["Up for Renewal", "Renewal Won"]},
        {"pipeline": "Sales Pipeline", "deals": 4, "funnel": [s for s, *_ in SALES]},
    ]
    assert "pipeline Renewals Pipeline" in cli("info", "--db", two_funnels_db).stdout


@pytest.mark.parametrize(
    "args", [("plan", "--target-amount", "1000"), ("pacing", "--target-amount", "1000")]
)
def test_a_target_needs_one_pipeline(two_funnels_db, cli, args):
    result = cli(*args, "--db", two_funnels_db, env={"SALESFUNNEL_TODAY": "2026-03-01"})
    assert result.exit_code == ExitCode.USAGE
    assert "pick one with --pipeline NAME" in result.stderr
    result = cli(*args, "--db", two_funnels_db, "--pipeline", "Sales Pipeline", "-f", "json",
                 env={"SALESFUNNEL_TODAY": "2026-03-01"})
    assert result.exit_code == ExitCode.OK, result.stderr
    assert json.loads(result.stdout)


def test_pacing_of_one_pipeline_counts_its_wins_only(two_funnels_db, cli):
    """2026-Q1: Sales won deal 1 (1000); Renewals won deal 5 (500)."""
    for name, won in (("Sales Pipeline", 1000.0), ("Renewals Pipeline", 500.0)):
        result = cli("pacing", "--target-amount", "1000", "--pipeline", name,
                     "--db", two_funnels_db, "-f", "json", env={"SALESFUNNEL_TODAY": "2026-03-01"})
        assert result.exit_code == ExitCode.OK, result.stderr
        row = json.loads(result.stdout)[0]
        assert (row["period"], row["won"], row["won_amount"]) == ("2026-Q1", 1, won), name


def test_init_proposes_one_shared_funnel_when_a_preset_names_every_label(cli):
    """shared_stages.csv: two pipelines with different labels of the canonical funnel."""
    proposal = cli("init", PIPELINES / "shared_stages.csv")
    assert proposal.exit_code == ExitCode.OK, proposal.stderr
    assert "[funnel." not in proposal.stdout.replace("[funnel.aliases]", "")
    assert 'stages = ["lead", "qualified", "opportunity", "won"]' in proposal.stdout
