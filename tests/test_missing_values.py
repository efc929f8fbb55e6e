"""Missing values (issue 21, points 9 and 10): a blank owner cell loads as "(no owner)"
like a file without an owner column, and the NULL markers of database dumps and
spreadsheets (`\\N`, NULL, (null), N/A, #N/A) are missing values, never a rep called
`\\N` or a rejected date. Numbers by hand, through JSON and the table."""

from __future__ import annotations

import json

import pytest
from conftest import query, write

from salesfunnel.errors import ExitCode

TODAY = {"SALESFUNNEL_TODAY": "2026-11-15"}

# Four deals created in October 2026, one of them (B) with a blank owner cell:
#   A ann   won  2026-10-20, 100
#   B blank won  2026-10-21, 400   -> rep "(no owner)"
#   C ann   lost 2026-10-22 at lead
#   D bob   open at lead
# conversion: lead reached 4, won reached 2 (A, B): overall 0.5; lost 1 (C), open 1 (D).
# rank 2026-10: ann won 1 (100) lost 1; "(no owner)" won 1 (400); bob has lead only.
BLANK_OWNER = (
    "deal_id,rep,stage,status,amount,created_at,closed_at\n"
    "A,ann,won,won,100,2026-10-01,2026-10-20\n"
    "B,,won,won,400,2026-10-02,2026-10-21\n"
    "C,ann,lead,lost,50,2026-10-03,2026-10-22\n"
    "D,bob,lead,open,70,2026-10-04,\n"
)


def _load(cli, tmp_path, text: str, name: str = "deals.csv"):
    db = tmp_path / "db.duckdb"
    result = cli("load", write(tmp_path, name, text), "--db", db, "--as-of", "2026-11-01")
    assert result.exit_code == ExitCode.OK, result.stderr
    return db, result


def test_a_blank_owner_cell_loads_as_no_owner(cli, tmp_path):
    db, result = _load(cli, tmp_path, BLANK_OWNER)
    assert "read 4, loaded 4, rejected 0" in result.stderr
    assert '1 deal with a blank owner cell loaded with rep "(no owner)"' in result.stderr
    assert query(db, "select deal_id, rep from deals order by deal_id") == [
        ("A", "ann"), ("B", "(no owner)"), ("C", "ann"), ("D", "bob"),
    ]
    # conversion needs no rep: B is in the funnel
    rows = json.loads(cli("conversion", "--db", db, "-f", "json", env=TODAY).stdout)
    by_stage = {row["stage"]: row for row in rows}
    assert by_stage["lead"]["reached"] == 4
    assert by_stage["lead"]["lost"] == 1 and by_stage["lead"]["open"] == 1
    assert by_stage["won"]["reached"] == 2
    assert by_stage["won"]["overall_rate"] == 0.5
    table = cli("conversion", "--db", db, env={**TODAY, "COLUMNS": "160"}).stdout
    won_line = next(line for line in table.splitlines() if line.strip().startswith("won"))
    assert "50.0%" in won_line
    # rank shows the deal under "(no owner)", never drops it
    ranked = json.loads(cli("rank", "--month", "2026-10", "--db", db, "-f", "json",
                            env=TODAY).stdout)
    by_rep = {row["rep"]: row for row in ranked}
    assert by_rep["(no owner)"]["won"] == 1 and by_rep["(no owner)"]["won_amount"] == 400
    assert by_rep["ann"]["won"] == 1 and by_rep["ann"]["lost"] == 1
    assert by_rep["ann"]["won_amount"] == 100
    table = cli("rank", "--month", "2026-10", "--db", db, env={**TODAY, "COLUMNS": "200"}).stdout
    assert "(no owner)" in table


def test_the_pack_writes_no_one_on_one_page_for_deals_without_an_owner(cli, tmp_path):
    """`(no owner)` is no rep (rank gives it no rank): the pack wrote reps/no-owner.html,
    a one-on-one page titled '(no owner) · 2026-10', linked from index.html's rep list
    and rank table. Now there is a page for ann and bob only; the index still counts
    B under '(no owner)', without a link."""
    import html

    db, _ = _load(cli, tmp_path, BLANK_OWNER)
    out = tmp_path / "pack"
    result = cli("pack", "--month", "2026-10", "--out", out, "--db", db, env=TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert sorted(p.name for p in (out / "reps").iterdir()) == ["ann.html", "bob.html"]
    assert "and 2 rep pages" in " ".join(result.stderr.split())
    index = html.unescape((out / "index.html").read_text(encoding="utf-8"))
    assert "(no owner)" in index and "no-owner" not in index


def test_a_blank_owner_cell_equals_a_missing_owner_column(cli, tmp_path):
    """The same deals without the rep column: the same funnel."""
    with_blank, _ = _load(cli, tmp_path, BLANK_OWNER)
    other = tmp_path / "other"
    other.mkdir()
    without = BLANK_OWNER.replace("deal_id,rep,", "deal_id,owner_x,")
    db, result = _load(cli, other, without)
    assert "no owner column" in result.stderr
    first = json.loads(cli("conversion", "--db", with_blank, "-f", "json", env=TODAY).stdout)
    second = json.loads(cli("conversion", "--db", db, "-f", "json", env=TODAY).stdout)
    assert [r["reached"] for r in first] == [r["reached"] for r in second] == [4, 2, 2, 2]


# The markers of database dumps and reports. By hand:
#   A ann   smb   won  100, closed 2026-10-20, lost_reason \N (no reason: not lost anyway)
#   B \N    \N    lost, amount \N, reason N/A      -> rep (no owner), tier unknown, no amount
#   C NULL  (null) open, amount #N/A, created \N, closed NULL -> all missing, no reject
#   D "NULL" mid  lost 50, reason Price            -> rep (no owner)
# dropoff: unknown tier: 1 lost at lead, reason (unspecified), amount unknown (null); mid: 1,
# Price, 50.
MARKERS = (
    "deal_id,rep,tier,stage,status,amount,created_at,closed_at,lost_reason\n"
    "A,ann,smb,won,won,100,2026-10-01,2026-10-20,\\N\n"
    "B,\\N,\\N,lead,lost,\\N,2026-10-02,2026-10-21,N/A\n"
    "C,NULL,(null),lead,open,#N/A,\\N,NULL,NULL\n"
    'D,"NULL",mid,lead,lost,50,2026-10-04,2026-10-22,Price\n'
)


def test_null_markers_are_missing_values(cli, tmp_path):
    db, result = _load(cli, tmp_path, MARKERS)
    assert "read 4, loaded 4, rejected 0" in result.stderr
    assert query(db, "select count(*) from load_rejects") == [(0,)]
    assert query(
        db, "select deal_id, rep, tier, amount, created_at is null, closed_at is null, lost_reason "
        "from deals order by deal_id"
    ) == [
        ("A", "ann", "smb", 100.0, False, False, None),
        ("B", "(no owner)", None, None, False, False, None),
        ("C", "(no owner)", None, None, True, True, None),
        ("D", "(no owner)", "mid", 50.0, False, False, "Price"),
    ]
    rows = json.loads(cli("dropoff", "--db", db, "-f", "json", env=TODAY).stdout)
    assert [(r["tier"], r["stage"], r["reason"], r["lost"], r["amount"]) for r in rows] == [
        ("mid", "lead", "Price", 1, 50.0),
        ("unknown", "lead", "(unspecified)", 1, None),  # its amount is a NULL marker
    ]
    table = cli("dropoff", "--db", db, env={**TODAY, "COLUMNS": "160"}).stdout
    assert "(unspecified)" in table and "\\N" not in table and "N/A" not in table
    reps = json.loads(cli("rank", "--month", "2026-10", "--db", db, "-f", "json",
                          env=TODAY).stdout)
    assert sorted(row["rep"] for row in reps) == ["(no owner)", "ann"]


def test_a_null_marker_in_history_and_accounts(cli, tmp_path):
    """A history row whose date is \\N has no date (rejected as empty, never "unparseable");
    an account tier NULL is no tier."""
    db = tmp_path / "db.duckdb"
    write(tmp_path, "deals.csv", "deal_id,rep,stage,account,created_at\nA,ann,qualified,Acme,2026-10-01\n")
    write(tmp_path, "stage_history.csv",
          "deal_id,stage,entered_at\nA,lead,2026-10-01\nA,qualified,\\N\n")
    write(tmp_path, "accounts.csv", "account,tier\nAcme,NULL\n")
    result = cli("load", tmp_path, "--db", db, "--as-of", "2026-11-01")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert query(db, "select line, column_name, value, reason from load_rejects") == [
        (3, "entered_at", None, "entered_at is empty"),
    ]
    assert query(db, "select account, tier from accounts") == [("Acme", None)]
    rows = json.loads(cli("conversion", "--by", "tier", "--db", db, "-f", "json", env=TODAY).stdout)
    assert {row["tier"] for row in rows} == {"unknown"}


# Amounts missing in part or whole (created in October 2026, tiers from the deals):
#   E1 smb won  10-20, no amount       E2 smb lost 10-22 at lead, Budget, no amount
#   E3 mid won  10-21, 300             E4 mid won 10-23, no amount
#   E5 mid lost 10-24 at lead, Budget, 80
# tiers: smb won 1 with no amount -> won_amount unknown (null, "–"), share unknown;
#   mid won 2, known amount 300 -> won_amount 300, share 300 / 300 = 1.0.
# dropoff: smb lead Budget 1 deal with no amount -> amount null; mid lead Budget 80.
NO_AMOUNTS = (
    "deal_id,rep,tier,stage,status,amount,created_at,closed_at,lost_reason\n"
    "E1,ann,smb,won,won,,2026-10-01,2026-10-20,\n"
    "E2,ann,smb,lead,lost,,2026-10-02,2026-10-22,Budget\n"
    "E3,bob,mid,won,won,300,2026-10-03,2026-10-21,\n"
    "E4,bob,mid,won,won,,2026-10-04,2026-10-23,\n"
    "E5,bob,mid,lead,lost,80,2026-10-05,2026-10-24,Budget\n"
)


def test_a_sum_over_deals_without_any_amount_is_unknown_not_zero(cli, tmp_path):
    db, _ = _load(cli, tmp_path, NO_AMOUNTS)
    result = cli("tiers", "--db", db, "-f", "json", env=TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    tiers = {row["tier"]: row for row in json.loads(result.stdout)}
    assert (tiers["smb"]["won"], tiers["smb"]["won_amount"], tiers["smb"]["won_amount_share"]) == (
        1, None, None)
    assert (tiers["mid"]["won"], tiers["mid"]["won_amount"], tiers["mid"]["won_amount_share"]) == (
        2, 300.0, 1.0)
    table = cli("tiers", "--db", db, env={**TODAY, "COLUMNS": "120", "NO_COLOR": "1"}).stdout
    won_line = next(line for line in table.splitlines() if line.strip().startswith("Won amount"))
    assert won_line.split()[2:] == ["300", "–"]  # tiers in order: mid, smb

    result = cli("dropoff", "--db", db, "-f", "json", env=TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert [(r["tier"], r["stage"], r["reason"], r["lost"], r["amount"])
            for r in json.loads(result.stdout)] == [
        ("mid", "lead", "Budget", 1, 80.0), ("smb", "lead", "Budget", 1, None)]
    csv = cli("dropoff", "--db", db, "-f", "csv", env=TODAY).stdout.splitlines()
    assert csv[2].endswith(",Budget,1,1.0,")
    # info counts them: E1, E2 and E4 have no amount
    info = json.loads(cli("info", "--db", db, "-f", "json").stdout)
    assert info["deals_without_amount"] == 3


WON_UNPRICED = ("2 won deals have no amount: won amounts and averages add up the won deals "
                "with one (unknown, shown as –, where none has one), not 0. Their amount "
                "cells are empty in the export (the amount column is mapped).")


@pytest.mark.parametrize("command", [
    ["rank", "--month", "2026-10"], ["pulse", "--month", "2026-10"],
    ["velocity", "--month", "2026-10"], ["tiers"],
])
def test_every_report_of_won_amounts_says_how_many_wins_have_none(cli, tmp_path, command):
    """NO_AMOUNTS: E1 and E4 are won without an amount, so every report that sums or
    averages won amounts says so and names the column; the average is of E3 alone."""
    db, _ = _load(cli, tmp_path, NO_AMOUNTS)
    result = cli(*command, "--db", db, "-f", "json", env=TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert WON_UNPRICED in " ".join(result.stderr.split())
    if command[0] == "pulse":
        rows = {row["metric"]: row["current"] for row in json.loads(result.stdout)}
        assert (rows["won"], rows["avg_won_amount"]) == (3.0, 300.0)


def test_dropoff_and_plan_say_which_amounts_are_missing(cli, tmp_path):
    """dropoff: E2 is lost without an amount. plan, lookback October 2026: 3 wins (E1,
    E3, E4), 1 with an amount (E3, 300): avg_won_amount 300, and the note says it is
    the average of 1 of the 3."""
    db, _ = _load(cli, tmp_path, NO_AMOUNTS)
    result = cli("dropoff", "--db", db, "-f", "json", env=TODAY)
    assert ("1 lost deal has no amount: lost amounts add up the lost deals with one"
            ) in " ".join(result.stderr.split())
    result = cli("plan", "--target-amount", "900", "--lookback", "1", "--db", db, "-f", "json",
                 env=TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert json.loads(result.stdout)[0]["avg_won_amount"] == 300.0
    assert ("2 of the 3 deals won in the lookback have no amount: avg_won_amount is the "
            "average of the 1 with one (the others add nothing known, not 0)"
            ) in " ".join(result.stderr.split())


# Subscriptions without mrr (as of 2026-11-15): ann's S1 churned 06-30 with no mrr;
# bob's S2 churned 07-31 with mrr 90, S3 churned 08-31 with no mrr, S4 is active.
# mrr_lost: ann unknown (her one churned customer has no mrr), bob 90 (the known one).
UNPRICED_SUBSCRIPTIONS = (
    "customer_id,rep,tier,started_at,ended_at,mrr\n"
    "S1,ann,smb,2026-01-01,2026-06-30,\n"
    "S2,bob,smb,2026-01-01,2026-07-31,90\n"
    "S3,bob,smb,2026-02-01,2026-08-31,\n"
    "S4,bob,smb,2026-03-01,,40\n"
)


def test_mrr_lost_without_any_known_mrr_is_unknown_not_zero(cli, tmp_path):
    db, _ = _load(cli, tmp_path, BLANK_OWNER)
    subscriptions = write(tmp_path, "subscriptions.csv", UNPRICED_SUBSCRIPTIONS)
    result = cli("load", subscriptions, "--db", db)
    assert result.exit_code == ExitCode.OK, result.stderr
    result = cli("churn", "--db", db, "-f", "json", env=TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    rows = {row["rep"]: row for row in json.loads(result.stdout)}
    assert (rows["ann"]["started"], rows["ann"]["churned"], rows["ann"]["mrr_lost"]) == (
        1, 1, None)
    assert (rows["bob"]["started"], rows["bob"]["churned"], rows["bob"]["mrr_lost"]) == (
        3, 2, 90.0)
    assert rows["(no owner)"]["mrr_lost"] == 0.0  # no customer, none churned


def _pack_index(cli, tmp_path, db) -> str:
    """The index.html of the 2026-10 pack of `db` (written into tmp_path/pack)."""
    out = tmp_path / "pack"
    result = cli("pack", "--out", out, "--month", "2026-10", "--db", db, env=TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    return (out / "index.html").read_text()


def test_the_packs_won_amount_card_counts_only_known_amounts(cli, tmp_path):
    # NO_AMOUNTS: smb's won amount is unknown, mid's 300: the card says 300 is of the
    # won deals with an amount, not the cohort's whole won amount
    db, _ = _load(cli, tmp_path, NO_AMOUNTS)
    page = _pack_index(cli, tmp_path, db)
    assert ("<b>300</b><span>won amount of the cohort (of the won deals with an amount)"
            "</span>") in page


def test_without_an_amount_column_the_notice_says_to_map_it(cli, tmp_path):
    """No amount column at all: the two wins have no amount, and the advice is to map the
    column (not to fill cells of a column the config does not read)."""
    db, _ = _load(cli, tmp_path, (
        "deal_id,rep,stage,status,created_at,closed_at\n"
        "F1,ann,won,won,2026-10-01,2026-10-20\n"
        "F2,bob,won,won,2026-10-02,2026-10-21\n"
    ))
    result = cli("tiers", "--db", db, "-f", "json", env=TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert [(row["won"], row["won_amount"]) for row in json.loads(result.stdout)] == [(2, None)]
    assert ("2 won deals have no amount: won amounts and averages add up the won deals with "
            "one (unknown, shown as –, where none has one), not 0. Map the amount column "
            '([columns.deals] amount = "<column>", e.g. Amount) and load again.'
            ) in " ".join(result.stderr.split())


def test_churn_says_which_customers_have_no_known_rep(cli, tmp_path):
    """C1 is linked to ann's deal D1 (churned 03-31); C2 has no rep and no deal (active);
    C3's deal D9 is not loaded (churned 02-28). churn by rep: ann 1 started, 1 churned;
    the row without a rep (null, "(none)") 2 started, 1 churned = 0.5; the company 2 of
    3. A note says two customers have no known rep and which columns would give one."""
    db, _ = _load(cli, tmp_path, "deal_id,rep,stage,status,created_at,closed_at,amount\n"
                                 "D1,ann,won,won,2025-12-01,2025-12-20,100\n")
    subscriptions = write(tmp_path, "subscriptions.csv", (
        "customer_id,deal_id,started_at,ended_at,mrr\n"
        "C1,D1,2026-01-01,2026-03-31,100\n"
        "C2,,2026-01-01,,50\n"
        "C3,D9,2026-02-01,2026-02-28,20\n"
    ))
    assert cli("load", subscriptions, "--db", db).exit_code == ExitCode.OK
    result = cli("churn", "--db", db, "-f", "json", env=TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    rows = {row["rep"]: row for row in json.loads(result.stdout)}
    assert (rows["ann"]["started"], rows["ann"]["churned"]) == (1, 1)
    assert (rows[None]["started"], rows[None]["churned"], rows[None]["churn_rate"]) == (2, 1, 0.5)
    assert round(rows[None]["company_churn_rate"], 6) == round(2 / 3, 6)
    assert ("2 customers have no known rep: the subscriptions file gives none and they are "
            "not linked to a loaded deal with an owner, so the row without a rep ((none), "
            "null) holds them, and the company's rate counts them. Map a rep column or a "
            'deal_id ([columns.subscriptions] rep = "<column>" or deal_id = "<column>")'
            ) in " ".join(result.stderr.split())


# Deals without a created date (issue 24's round: never a made-up date, say what is
# unknown). Default funnel lead > qualified > opportunity > won:
#   E1 ann smb  won  created 2026-10-01, won 2026-10-11 (10 days to win)
#   E2 ann smb  won  no created date,    won 2026-10-20
#   E3 bob mid  lost no created date
#   E4 bob mid  open created 2026-09-15
UNDATED_CREATED = (
    "deal_id,rep,tier,stage,status,amount,created_at,closed_at\n"
    "E1,ann,smb,won,won,100,2026-10-01,2026-10-11\n"
    "E2,ann,smb,won,won,300,,2026-10-20\n"
    "E3,bob,mid,lead,lost,50,,2026-10-22\n"
    "E4,bob,mid,lead,open,70,2026-09-15,\n"
)
CREATED_HINT = ('Map the created-date column ([columns.deals] created_at = "<column>", '
                "e.g. Create Date, CreatedDate) and load again.")


def _window_note(count: int) -> str:
    deals, they, were = ("2 deals have", "they are", "they were") if count == 2 else \
        ("1 deal has", "it is", "it was")
    return (f"{deals} no created date (created_at), so {they} in no created window and left "
            f"out: whether {were} created in this one is unknown. {CREATED_HINT}")


@pytest.mark.parametrize(("args", "note", "reached"), [
    # E1 only: E4 was created in September, E2 and E3 on an unknown day
    (["conversion", "--since", "2026-10-01"], _window_note(2), [1, 1, 1, 1]),
    # of the mid deals, E3 has no created date; E4 is outside the window
    (["conversion", "--since", "2026-10-01", "--tier", "mid"], _window_note(1), None),
    (["conversion", "--month", "2026-10"], _window_note(2), [1, 1, 1, 1]),
    (["dropoff", "--since", "2026-10-01"], _window_note(2), None),
    (["tiers", "--since", "2026-10-01"], _window_note(2), None),
])
def test_a_created_window_says_which_deals_have_no_created_date(cli, tmp_path, args, note,
                                                                reached):
    db, _ = _load(cli, tmp_path, UNDATED_CREATED)
    result = cli(*args, "--db", db, "-f", "json", env=TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert f"salesfunnel: note: {note}" in result.stderr
    rows = json.loads(result.stdout)
    if reached is not None:
        assert [row["reached"] for row in rows] == reached
    if args[0] == "tiers":  # the window holds E1 alone: smb, one win in 10 days
        smb = next(row for row in rows if row["tier"] == "smb")
        assert (smb["deals"], smb["won"], smb["median_days_to_win"]) == (1, 1, 10.0)
        assert "median days to win leaves" not in result.stderr


def test_by_month_and_days_to_win_say_which_deals_have_no_created_date(cli, tmp_path):
    db, _ = _load(cli, tmp_path, UNDATED_CREATED)
    result = cli("conversion", "--by", "month", "--db", db, "-f", "json", env=TODAY)
    assert ("salesfunnel: note: 2 deals have no created date (created_at): their created "
            "month is unknown, so they are counted in the rows without a month ((none)). "
            + CREATED_HINT) in result.stderr
    reached = {(row["month"], row["stage"]): row["reached"] for row in json.loads(result.stdout)}
    assert (reached[(None, "lead")], reached[(None, "won")]) == (2, 1)  # E2, E3; E2 won
    assert (reached[("2026-10", "lead")], reached[("2026-10", "won")]) == (1, 1)  # E1
    assert (reached[("2026-09", "lead")], reached[("2026-09", "won")]) == (1, 0)  # E4
    # without a window nor months, conversion says nothing of created dates
    assert "created date" not in cli("conversion", "--db", db, env=TODAY).stderr

    result = cli("tiers", "--db", db, "-f", "json", env=TODAY)
    assert ("salesfunnel: note: 1 won deal has no created date (created_at): median days to "
            "win leaves it out (unknown, shown as –, for a tier where no won deal has one). "
            + CREATED_HINT) in result.stderr
    by_tier = {row["tier"]: row for row in json.loads(result.stdout)}
    assert (by_tier["smb"]["won"], by_tier["smb"]["median_days_to_win"]) == (2, 10.0)  # E1's
    assert by_tier["mid"]["median_days_to_win"] is None  # no win
    assert "no created window" not in result.stderr


# plan's rates are of the deals created in its lookback (as of 2026-11-15: 2026-05 to
# 2026-10 by default). Deals without a created date are in no lookback: plan says so and
# which column would date them, never "no deal was created".
#   F1 won 2026-10-11, created 2026-08-01 (before a one-month lookback of 2026-10)
#   F2 won 2026-10-20, no created date
PLAN_UNDATED = (
    "deal_id,rep,tier,stage,status,amount,created_at,closed_at\n"
    "F1,ann,smb,won,won,100,2026-08-01,2026-10-11\n"
    "F2,ann,smb,won,won,300,,2026-10-20\n"
)


def test_plan_says_its_lookback_leaves_out_deals_without_a_created_date(cli, tmp_path):
    db, _ = _load(cli, tmp_path, PLAN_UNDATED)
    result = cli("plan", "--target-amount", "1000", "--lookback", "1", "--db", db, env=TODAY)
    assert result.exit_code == ExitCode.QUERY
    assert result.stdout == ""
    assert " ".join(result.stderr.split()) == (
        "salesfunnel: error: No deal with a created date was created in the lookback "
        "(2026-10 to 2026-10), so there are no conversion rates to plan from. Lengthen "
        "--lookback. Note: 1 deal has no created date (created_at), so it is in no created "
        "window and left out: whether it was created in this one is unknown. "
        + CREATED_HINT
    )
    # a lookback reaching back to F1's creation plans from F1 alone: 1,000 at 200 a win
    # (F1 and F2 won 400 in all) is 5 wins, each a lead that made it (F1: 1 of 1)
    result = cli("plan", "--target-amount", "1000", "--lookback", "3", "--db", db, "-f", "json",
                 env=TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert json.loads(result.stdout)[0]["won"] == 5


def test_plan_without_any_created_date_says_to_map_the_column(cli, tmp_path):
    db, _ = _load(cli, tmp_path, PLAN_UNDATED.replace("2026-08-01", ""))
    result = cli("plan", "--target-amount", "1000", "--db", db, env=TODAY)
    assert result.exit_code == ExitCode.QUERY
    # no lookback length or --start would help: the advice is the column alone
    assert " ".join(result.stderr.split()) == (
        "salesfunnel: error: No deal has a created date (created_at), so none is known to be "
        "created in the lookback and the plan has no conversion rates (they are of the deals "
        "created in it). " + CREATED_HINT
    )
    # the pack's plan says the same, with the pack's own advice, and writes nothing
    out = tmp_path / "pack"
    result = cli("pack", "--out", out, "--month", "2026-10", "--target-amount", "1000",
                 "--db", db, env=TODAY)
    assert result.exit_code == ExitCode.QUERY
    message = " ".join(result.stderr.split())
    assert "No deal has a created date (created_at)" in message
    assert message.endswith(CREATED_HINT + " The pack plans from the 6 months before it: to "
                            "plan from a longer lookback, run the plan command on its own, or "
                            "leave out --target-amount for a pack without a plan.")
    assert not out.exists()


def test_plan_on_data_that_ends_before_its_lookback_says_to_start_then(cli, tmp_path):
    """The newest activity (S2's loss on 2025-03-20) is before the lookback 2026-05 to
    2026-10: no lookback length helps; --start 2025-04 plans from 2024-10 to 2025-03."""
    stale = (
        "deal_id,rep,tier,stage,status,amount,created_at,closed_at\n"
        "S1,ann,smb,won,won,100,2025-01-10,2025-02-10\n"
        "S2,bob,smb,lead,lost,50,2025-01-15,2025-03-20\n"
    )
    db, _ = _load(cli, tmp_path, stale)
    result = cli("plan", "--target-amount", "1000", "--db", db, env=TODAY)
    assert result.exit_code == ExitCode.QUERY
    assert " ".join(result.stderr.split()).endswith(
        "No deal was won in the lookback (2026-05 to 2026-10), so there is no average won "
        "amount and no win rate per rep to plan from. The newest activity in the database is "
        "from 2025-03-20, before the lookback: plan as of then with --start 2025-04, or load "
        "a fresh export."
    )
    # as it advises: 1,000 at S1's 100 a win is 10 wins, from 20 leads (S1 won 1 of 2)
    result = cli("plan", "--target-amount", "1000", "--start", "2025-04", "--db", db,
                 "-f", "json", env=TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    row = json.loads(result.stdout)[0]
    assert (row["month"], row["won"], row["lead"]) == ("2025-04", 10, 20)


def test_a_pack_of_deals_without_created_dates_shows_no_made_up_cohort(cli, tmp_path):
    """F1 and F2 won in 2026-10 without a created date: the pack's cohort (the deals
    created in the 12 months to 2026-10) holds neither, so its won amount is unknown (–),
    not 0, and the funnel and tier sections say there is nothing to show instead of
    drawing empty axes; the month's wins (pulse) are known: 2, at 200 on average."""
    db, _ = _load(cli, tmp_path, PLAN_UNDATED.replace("2026-08-01", ""))
    page = _pack_index(cli, tmp_path, db)
    assert ("<b>–</b><span>won amount of the cohort (unknown: deals without a created date "
            "are in no cohort)</span>") in page
    assert "<b>2</b><span>deals won in 2026-10 (0 in 2026-09)</span>" in page
    assert "<b>200</b><span>average won amount in 2026-10</span>" in page
    assert "<b>0</b><span>open deals stalled on 2026-11-01</span>" in page
    for section, after in (("funnel", "tiers"), ("tiers", "dropoff")):
        text = page[page.index(f'<section id="{section}">'):page.index(f'<section id="{after}">')]
        assert "Nothing to show." in text and "<svg" not in text, section
    assert "2 deals have no created date (created_at), so they are in no created window" in \
        " ".join(page.split())
