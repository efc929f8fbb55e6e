"""HubSpot owners (issue 14, point 8): an owners export (`Owner ID`, `First Name`,
`Last Name`, `Email`) or the warehouse `owner` table is a users file whose name is
first and last name; reports show a deal whose owner is an owner id by that name.

Hand count, fixtures/owners/hubspot_deals_by_owner_id.csv (February 2026): owner 101
(Ann Lee) won deal 1 on 2026-02-20, owner 102 (Bob, no last name) has deal 2, owner 999 is no loaded
user and keeps its id. Each entered the first stage once in February.
"""

from __future__ import annotations

import csv
import io

import pytest
from conftest import FIXTURES, load_into, query

from salesfunnel.errors import ExitCode

OWNERS = FIXTURES / "owners"


@pytest.mark.parametrize(
    ("owners", "names"),
    [
        ("hubspot_owners.csv", [("101", "Ann Lee"), ("102", "Bob")]),
        ("warehouse_owner.csv", [("101", "Ann Lee"), ("102", "Bob Ray")]),
    ],
)
def test_owner_files_load_as_users_named_first_and_last(db_path, owners, names):
    report = load_into(db_path, OWNERS / owners)
    assert [(f.kind, f.rows_loaded, f.rows_rejected) for f in report.files] == [("users", 2, 0)]
    assert query(db_path, "select user_id, name from users order by user_id") == names


def test_reports_show_owner_ids_by_name(db_path, cli):
    load_into(db_path, OWNERS / "hubspot_owners.csv", OWNERS / "hubspot_deals_by_owner_id.csv",
              as_of="2026-03-01")
    result = cli("rank", "--month", "2026-02", "--db", db_path, "-f", "csv")
    assert result.exit_code == ExitCode.OK, result.stderr
    rows = {r["rep"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert sorted(rows) == ["999", "Ann Lee", "Bob"]
    assert rows["Ann Lee"]["Closed Won"] == "1" and rows["Ann Lee"]["Closed Won_rank"] == "1"
    assert rows["Bob"]["Appointment Scheduled"] == "1"
    # the deal keeps the owner id
    assert query(db_path, "select rep from deals where deal_id = '1'") == [("101",)]
