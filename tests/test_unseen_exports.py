"""Exports of CRMs and languages a third red-team pass wrote by hand, as the CRM writes
them: `init` then `load` with the proposal, and the numbers the reports give, computed by
hand."""

from __future__ import annotations

import json

from conftest import query, write

from salesfunnel.errors import ExitCode


def propose(cli, tmp_path, path):
    """`init path` into tmp_path/p.toml, exit 0: (init's result, the proposal's path)."""
    proposal = tmp_path / "p.toml"
    result = cli("init", path, "--out", proposal)
    assert result.exit_code == ExitCode.OK, result.stderr
    return result, proposal


def load_proposed(cli, tmp_path, proposal, path):
    """`load path` with the proposal into tmp_path/db.duckdb, exit 0: (load's result, db)."""
    db = tmp_path / "db.duckdb"
    result = cli("load", "--db", db, "--config", proposal, path)
    assert result.exit_code == ExitCode.OK, result.stderr
    return result, db


def test_unix_times_of_an_api_dump_are_utc_dates(cli, tmp_path):
    """HubSpot's legacy API writes dates as Unix milliseconds (1735689600000 is
    2025-01-01 00:00 UTC), other APIs as seconds: every row was rejected ("unparseable
    date") and init warned that no value is a date. Hand count: A created 2025-01-01,
    won 2025-02-01; C created 2025-01-03 (seconds), lost 2025-02-02 (at no known stage, so
    out of conversion): 2 deals reached the first stage, 1 won."""
    path = write(tmp_path, "deals.csv",
                 "Record ID,Deal Name,Deal Stage,Amount,Create Date,Close Date,Deal owner\n"
                 "A,Alpha,closedwon,1000,1735689600000,1738368000000,ann\n"
                 "B,Beta,appointmentscheduled,500,1735776000000,,bob\n"
                 "C,Gamma,closedlost,700,1735862400,1738454400,ann\n")
    result, proposal = propose(cli, tmp_path, path)
    assert "no date the load reads" not in result.stderr
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert "read 3, loaded 3, rejected 0" in result.stderr
    assert query(db, "select deal_id, created_at::varchar, closed_at::varchar from deals "
                     "order by deal_id") == [
        ("A", "2025-01-01 00:00:00", "2025-02-01 00:00:00"),
        ("B", "2025-01-02 00:00:00", None),
        ("C", "2025-01-03 00:00:00", "2025-02-02 00:00:00"),
    ]
    stages = json.loads(cli("conversion", "--db", db, "--format", "json").stdout)
    assert [(s["stage"], s["reached"]) for s in stages][::5] == [
        ("Appointment Scheduled", 2), ("Closed Won", 1)]


def test_unix_times_in_a_mapped_date_column_are_proposed_as_dates(cli, tmp_path):
    """A column named like a date field holding Unix times was not proposed ("not found:
    no created date"), so the dates were lost; a number elsewhere stays no date."""
    path = write(tmp_path, "deals.csv",
                 "deal_id,owner,stage,amount,created,closed\n"
                 "A,ann,Won,1000,1735689600000,1738368000000\n"
                 "B,bob,Lead,500,1735776000000,\n"
                 "C,ann,Lost,700,1735862400000,1738454400000\n")
    result, proposal = propose(cli, tmp_path, path)
    assert "no created date" not in result.stderr and "no close date" not in result.stderr
    text = proposal.read_text()
    assert 'created_at = "created"' in text and 'closed_at = "closed"' in text
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert "read 3, loaded 3, rejected 0" in result.stderr
    assert query(db, "select count(*) from deals where created_at >= '2025-01-01' "
                     "and created_at < '2025-01-04'") == [(3,)]

