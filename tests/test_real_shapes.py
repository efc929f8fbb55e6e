"""Real export shapes counted by hand (issue #11): fixtures in tests/fixtures/real_shapes/.

Salesforce (salesforce_opportunities.csv + OpportunityHistory.csv), funnel of 9 stages
Prospecting .. Negotiation/Review (8), Closed Won (9):

- 006A won; history Prospecting, Closed Won.                       furthest 9
- 006B lost now, history Prospecting, Negotiation/Review, Closed Won, Closed Lost:
  won then lost, so status decides: capped at stage 8 (lost at Negotiation/Review);
  Loss_Reason__c is empty, LossReason__c = Price (the filled candidate wins).
- 006C lost; history Prospecting, Qualification: lost at Qualification (Timing).
- 006D IsDeleted = true: skipped, counted, never loaded.
- 006E lost, no history, stage "Closed Lost": lost at an unknown stage (reached s1).
"""

from __future__ import annotations

import csv
import io
import json

import polars as pl

from salesfunnel.errors import ExitCode
from tests.conftest import FIXTURES, load_into, query, write

SHAPES = FIXTURES / "real_shapes"
SF = [SHAPES / "salesforce_opportunities.csv", SHAPES / "OpportunityHistory.csv"]


def _json(cli, *args):
    result = cli(*args, "-f", "json")
    assert result.exit_code == ExitCode.OK, result.stderr
    return json.loads(result.stdout), result.stderr


def test_salesforce_won_then_lost_deleted_and_reason_columns(db_path, cli):
    report = load_into(db_path, *SF)
    deals = report.files[0]
    # 5 records, 006D deleted: read 4, loaded 4
    assert (deals.rows_read, deals.rows_loaded, deals.rows_rejected) == (4, 4, 0)
    assert deals.deleted == 1 and deals.deleted_column == "IsDeleted"
    assert query(db_path, "select deal_id, lost_reason from deals order by 1") == [
        ("006A", None), ("006B", "Price"), ("006C", "Timing"), ("006E", None),
    ]

    rows, stderr = _json(cli, "conversion", "--db", db_path)
    reached = {r["stage"]: r["reached"] for r in rows}
    # Prospecting: A, B, C = 3 (E was lost at an unknown stage: in no row, as in
    # dropoff); Qualification: A, B, C = 3; stages 3..8: A, B = 2; Closed Won: only A
    # (B's history entry of Closed Won is ignored: it is lost) = 1
    assert reached["Prospecting"] == 3
    assert reached["Qualification"] == 3
    assert reached["Negotiation/Review"] == 2
    assert reached["Closed Won"] == 1
    lost = {r["stage"]: r["lost"] for r in rows if r["lost"]}
    assert lost == {"Qualification": 1, "Negotiation/Review": 1}
    assert "1 lost deal has no stage before loss (no stage history): lost at an unknown " \
        "stage, it is left out of conversion" in " ".join(stderr.split())

    rows, _ = _json(cli, "dropoff", "--db", db_path)
    # 3 lost deals of tier unknown, 1 each: share 1/3; order: funnel order, unknown last
    assert [(r["stage"], r["reason"], r["lost"], r["amount"]) for r in rows] == [
        ("Qualification", "Timing", 1, 500.0),
        ("Negotiation/Review", "Price", 1, 2000.0),
        (None, "(unspecified)", 1, 100.0),
    ]
    assert all(abs(r["share"] - 1 / 3) < 1e-12 for r in rows)
    assert all(r["stage"] != "Closed Won" for r in rows)


def test_rank_credits_wins_only_to_won_deals(db_path, cli):
    load_into(db_path, *SF)
    rows, _ = _json(cli, "rank", "--month", "2026-03", "--db", db_path)
    by_rep = {r["rep"]: r for r in rows}
    # ann: A won on 03-20 (1000); B entered Closed Won on 03-15 but is lost: not a win
    assert by_rep["ann"]["Closed Won"] == 1
    assert by_rep["ann"]["won_amount"] == 1000.0
    assert by_rep["ann"]["lost"] == 1 and by_rep["ann"]["win_rate"] == 0.5  # 1 / (1 + 1)
    # A skipped Negotiation/Review (only passed: reached, but no event in a month), B
    # entered it 03-10 (recorded)
    assert by_rep["ann"]["Negotiation/Review"] == 1
    assert by_rep["bob"]["Closed Won"] == 0 and by_rep["bob"]["win_rate"] == 0.0


def test_deals_without_an_owner_are_counted_but_not_ranked(tmp_path, cli):
    """Canonical export, October 2026: Ann won 2 (1,000 + 500), Bob 1 (300), three won
    deals have a blank owner (700 each). The "(no owner)" row holds its 3 wins and 2,100
    but no rank, and the reps rank as among themselves: Ann #1, Bob #2 (not #2 and #3
    behind a bucket of unowned deals); the note counts its 6 events (3 first-stage
    entries + 3 wins) and the row comes last in every format."""
    rows = ["deal_id,rep,stage,status,created_at,closed_at,amount"]
    for deal, rep, amount, day in [("1", "Ann", 1000, 3), ("2", "Ann", 500, 5), ("3", "", 700, 6),
                                   ("4", "", 700, 7), ("5", "", 700, 7), ("6", "Bob", 300, 8)]:
        rows.append(f"{deal},{rep},won,won,2026-10-0{day - 2},2026-10-0{day},{amount}")
    export = write(tmp_path, "deals.csv", "\n".join(rows) + "\n")
    db = tmp_path / "owners.duckdb"
    load_into(db, export)
    ranked, stderr = _json(cli, "rank", "--month", "2026-10", "--db", db)
    assert [(r["rep"], r["won"], r["won_rank"], r["won_amount"]) for r in ranked] == [
        ("Ann", 2, 1, 1500.0), ("Bob", 1, 2, 300.0), ("(no owner)", 3, None, 2100.0)]
    assert [r["lead_rank"] for r in ranked] == [1, 2, None]
    assert ('6 of the month\'s stage entries and losses are of deals without an owner: their '
            'row "(no owner)" is counted but not ranked.') in " ".join(stderr.split())
    table = cli("rank", "--month", "2026-10", "--db", db)
    lines = [line for line in table.stdout.splitlines() if "(no owner)" in line]
    assert len(lines) == 1 and "#" not in lines[0] and "2,100" in lines[0]


def test_dropoff_unknown_stage_in_every_format(tmp_path, cli):
    """HubSpot export without "Date entered" columns, two pipelines (H1, H2 in Sales
    Pipeline; H3, H4 in Renewals) sharing HubSpot's funnel: the two lost deals have no
    stage before loss. dropoff, per pipeline: Renewals (unspecified) 1 (300), Sales
    Pipeline Budget 1 (200); tier unknown, stage null, share 1 within each."""
    db = tmp_path / "hs.duckdb"
    load_into(db, SHAPES / "hubspot_deals.csv")
    rows, _ = _json(cli, "dropoff", "--db", db)
    expected = [("Renewals", None, "(unspecified)", 1, 1.0, 300.0),
                ("Sales Pipeline", None, "Budget", 1, 1.0, 200.0)]
    assert [(r["pipeline"], r["stage"], r["reason"], r["lost"], r["share"], r["amount"])
            for r in rows] == expected

    result = cli("dropoff", "--db", db, "-f", "csv")
    cells = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(c["pipeline"], c["stage"], c["reason"], c["lost"], c["share"], c["amount"])
            for c in cells] == [
        ("Renewals", "", "(unspecified)", "1", "1.0", "300.0"),
        ("Sales Pipeline", "", "Budget", "1", "1.0", "200.0"),
    ]
    parquet = tmp_path / "d.parquet"
    assert cli("dropoff", "--db", db, "-o", parquet).exit_code == ExitCode.OK
    frame = pl.read_parquet(parquet)
    assert frame["stage"].to_list() == [None, None]
    assert frame["amount"].to_list() == [300.0, 200.0]
    table = cli("dropoff", "--db", db, env={"COLUMNS": "120"}).stdout
    assert table.count("(stage unknown)") == 2 and "Appointment Scheduled" not in table
    assert "pipeline Renewals" in table and "pipeline Sales Pipeline" in table

    rows, stderr = _json(cli, "conversion", "--db", db)
    # Renewals: H3 lost with no stage (in no row), H4 at Contract Sent; Sales: H1 won,
    # H2 lost with no stage (in no row)
    assert [(r["pipeline"], r["reached"]) for r in rows] == [
        ("Renewals", 1), ("Renewals", 1), ("Renewals", 1), ("Renewals", 1), ("Renewals", 1),
        ("Renewals", 0), ("Sales Pipeline", 1), ("Sales Pipeline", 1), ("Sales Pipeline", 1),
        ("Sales Pipeline", 1), ("Sales Pipeline", 1), ("Sales Pipeline", 1),
    ]
    assert [rows[0]["lost"], rows[6]["lost"]] == [0, 0]
    table = cli("conversion", "--db", db, env={"COLUMNS": "160"}).stdout
    assert "(stage unknown)" not in table
    assert "pipeline Renewals: 1 lost deal has no stage before loss" in stderr
    assert "pipeline Sales Pipeline: 1 lost deal has no stage before loss" in stderr


def test_offsets_in_every_form_and_deleted_flags_of_a_warehouse_table(db_path, cli):
    report = load_into(db_path, SHAPES / "warehouse_opportunity.csv")
    item = report.files[0]
    # 8 records: W7 (is_deleted) and W8 (_fivetran_deleted) skipped; W5 (EST) rejected
    assert item.deleted == 2
    assert (item.rows_read, item.rows_loaded, item.rows_rejected) == (6, 5, 1)
    assert query(
        db_path, "select reason from load_rejects where line = 6 and column_name = 'created_at'"
    ) == [("time zone name not understood (give a UTC offset such as -05:00)",)]
    got = dict(query(db_path, "select deal_id, strftime(created_at, '%Y-%m-%d %H:%M') from deals"))
    assert got == {
        "W1": "2026-04-01 03:30",  # 22:30 -05 = 03:30 UTC the next day (another month)
        "W2": "2026-03-31 21:30",  # 22:30 +01
        "W3": "2026-03-31 14:30",  # 20:00 +0530
        "W4": "2026-03-31 17:30",  # 23:00 +05:30
        "W6": "2026-03-31 22:30",  # 00:30 +02 on April 1st
    }
    assert query(db_path, "select strftime(closed_at, '%H:%M') from deals where deal_id = 'W1'") \
        == [("10:00",)]  # Z
    march, _ = _json(cli, "conversion", "--month", "2026-03", "--db", db_path)
    april, _ = _json(cli, "conversion", "--month", "2026-04", "--db", db_path)
    assert [r["reached"] for r in march] == [4, 1, 0, 0]  # W2, W3, W4, W6; W3 qualified
    assert [r["reached"] for r in april] == [1, 1, 1, 1]  # W1 won


def test_several_currencies_without_rates_exit_6(db_path, cli):
    load_into(db_path, SHAPES / "salesforce_multicurrency.csv")
    for command in ("rank", "dropoff", "tiers", "pulse"):
        result = cli(command, "--db", db_path)
        assert result.exit_code == ExitCode.QUERY, command
        assert "4 currencies (COP, EUR, MXN, USD)" in result.stderr
        assert "[currency]" in result.stderr
    # conversion sums no amount: it runs
    assert cli("conversion", "--db", db_path).exit_code == ExitCode.OK
    rows, _ = _json(cli, "rank", "--month", "2026-04", "--currency", "usd", "--db", db_path)
    # only M1 is in USD: ann, 1 win, 1000
    assert [(r["rep"], r["won_amount"]) for r in rows] == [("ann", 1000.0)]


def test_an_amount_with_no_currency_is_never_added_to_a_currency(tmp_path, db_path, cli):
    """A blank currency cell beside deals in EUR: is that amount in EUR? The export does
    not say, so a report that sums amounts asks (exit 6) instead of adding it."""
    data = write(tmp_path, "deals.csv",
                 "deal_id,rep,stage,created_at,closed_at,amount,currency\n"
                 "E1,ann,won,2026-04-01,2026-04-05,100,EUR\n"
                 "E2,ann,won,2026-04-01,2026-04-06,50,\n"
                 "E3,bob,won,2026-04-01,2026-04-07,30,EUR\n"
                 "E4,bob,lead,2026-04-01,,,\n")  # no amount: nothing to add
    load_into(db_path, data)
    for command in ("rank", "tiers", "dropoff", "pulse"):
        result = cli(command, "--db", db_path)
        assert result.exit_code == ExitCode.QUERY, command
        text = " ".join(result.stderr.split())
        assert "amounts are in EUR, but 1 deal with an amount has no currency" in text, command
        assert '[currency] report = "EUR"' in text and "--currency EUR" in text
    rows, stderr = _json(cli, "rank", "--month", "2026-04", "--currency", "EUR", "--db", db_path)
    assert {r["rep"]: r["won_amount"] for r in rows} == {"ann": 100.0, "bob": 30.0}
    assert "1 deal with an amount but no currency is left out" in " ".join(stderr.split())
    # the user says blanks are in EUR: then they are, and add up
    config = write(tmp_path, "c.toml", '[currency]\nreport = "EUR"\n')
    other = tmp_path / "eur.duckdb"
    load_into(other, data, config=config)
    rows, stderr = _json(cli, "rank", "--month", "2026-04", "--db", other)
    assert {r["rep"]: r["won_amount"] for r in rows} == {"ann": 150.0, "bob": 30.0}
    assert "currency" not in stderr


def test_currency_rates_convert_when_loading(db_path, cli):
    load_into(db_path, SHAPES / "salesforce_multicurrency.csv", config=SHAPES / "currency.toml")
    assert query(db_path, "select deal_id, amount, currency, amount_original, currency_original "
                          "from deals order by 1") == [
        ("M1", 1000.0, "USD", 1000.0, "USD"),
        ("M2", 500.0, "USD", 2048000.0, "COP"),  # 2,048,000 / 4096
        ("M3", 27.5, "USD", 440.0, "MXN"),  # 440 * 0.0625
        ("M4", 125.0, "USD", 100.0, "EUR"),  # 100 * 1.25
    ]
    rows, _ = _json(cli, "rank", "--month", "2026-04", "--db", db_path)
    by_rep = {r["rep"]: r for r in rows}
    assert by_rep["ann"]["won_amount"] == 1500.0  # 1000 + 500
    assert by_rep["bob"]["won_amount"] == 27.5
    assert by_rep["bob"]["win_rate"] == 0.5  # 1 won, 1 lost


def test_a_currency_without_rate_loads_with_an_unknown_amount(tmp_path, db_path, cli):
    """No rate is no reason to drop a deal, nor to guess its amount: the deal loads and
    counts in conversion, its amount in the report currency is unknown (null), and the
    load and every report that sums amounts say so and which rates would convert it."""
    config = write(tmp_path, "c.toml", '[currency]\nreport = "USD"\nrates = { EUR = 1.25 }\n')
    report = load_into(db_path, SHAPES / "salesforce_multicurrency.csv", config=config)
    item = report.files[0]
    assert (item.rows_read, item.rows_loaded, item.rows_rejected) == (4, 4, 0)
    assert query(db_path, "select deal_id, amount, currency, amount_original, currency_original "
                          "from deals order by 1") == [
        ("M1", 1000.0, "USD", 1000.0, "USD"),
        ("M2", None, "USD", 2048000.0, "COP"),  # no rate for COP: unknown in USD
        ("M3", None, "USD", 440.0, "MXN"),
        ("M4", 125.0, "USD", 100.0, "EUR"),  # 100 * 1.25
    ]
    assert report.currency_note == (
        "note: 2 deals are in a currency without a rate to USD (COP 1, MXN 1): they are "
        "loaded and counted in conversion, but the amount in USD is unknown and no sum "
        "counts them. Add to the config's [currency] rates { COP = <rate>, MXN = <rate> } "
        "(one unit of each in USD) and load again with --force."
    )
    notice = ("2 deals (COP 1, MXN 1) have no amount here: the config's [currency] has no "
              "rate for the currency, so no sum counts them (the amount is unknown, not zero).")
    rows, stderr = _json(cli, "rank", "--month", "2026-04", "--db", db_path)
    by_rep = {r["rep"]: r for r in rows}
    # ann won M1 (1,000) and M2 (unknown); bob's one win, M3, has no known amount
    assert (by_rep["ann"]["Closed Won"], by_rep["ann"]["won_amount"]) == (2, 1000.0)
    assert (by_rep["bob"]["Closed Won"], by_rep["bob"]["won_amount"]) == (1, None)
    assert notice in " ".join(stderr.split())
    table = cli("rank", "--month", "2026-04", "--db", db_path)
    assert notice in " ".join(table.stderr.split())
    tiers, stderr = _json(cli, "tiers", "--db", db_path)
    # 3 wins, one known amount: the averages and the sum are over M1 alone
    assert [(t["won"], t["won_amount"], t["avg_won_amount"]) for t in tiers] == [(3, 1000.0, 1000.0)]
    assert notice in " ".join(stderr.split())
    conversion, _ = _json(cli, "conversion", "--db", db_path)
    # M1, M2, M3 (won) reached the first stage; M4 was lost at no known stage
    assert conversion[0]["reached"] == 3
    info, _ = _json(cli, "info", "--db", db_path)
    assert info["unconverted_amounts"] == 2
    table = cli("info", "--db", db_path, env={"COLUMNS": "120"})
    assert "amounts unknown (no rate) 1 in COP, 1 in MXN" in [
        " ".join(line.split()) for line in table.stdout.splitlines()]


def test_header_fitting_two_kinds_needs_kind(tmp_path, db_path, cli):
    path = SHAPES / "history_shaped.csv"
    result = cli("load", path, "--db", db_path)
    assert result.exit_code == ExitCode.INPUT
    assert "fits a deals file and a history file equally well" in " ".join(result.stderr.split())
    assert str(path) in result.stderr.replace("\n", "")
    assert cli("load", path, "--kind", f"history={path}", "--db", db_path).exit_code == ExitCode.OK
    assert query(db_path, "select deal_id, stage from stage_history") == [("W1", "qualified")]
    config = write(tmp_path, "k.toml", '[files]\nkinds = { "history_*.csv" = "deals" }\n')
    other = tmp_path / "other.duckdb"
    assert cli("load", path, "--config", config, "--db", other).exit_code == ExitCode.OK
    assert query(other, "select deal_id, rep from deals") == [("W1", "ann")]


def test_config_mapping_wins_over_a_fitting_preset(tmp_path, db_path):
    data = write(tmp_path, "opps.csv", "Id,Owner.Name,StageName,LossReason__c,IsWon,IsClosed\n"
                 "X1,ann,lost,Too expensive,false,true\nX2,bob,won,,true,true\n")
    config = write(tmp_path, "m.toml", '[columns.deals]\ndeal_id = "Id"\nrep = "Owner.Name"\n'
                   'stage = "StageName"\nlost_reason = "LossReason__c"\n')
    item = load_into(db_path, data, config=config).files[0]
    assert item.preset == "mapping" and item.rows_loaded == 2
    assert "rather than preset salesforce" in item.why
    assert query(db_path, "select deal_id, lost_reason from deals order by 1") == [
        ("X1", "Too expensive"), ("X2", None)]


def test_a_mapping_that_does_not_fit_says_so(tmp_path, db_path):
    config = write(tmp_path, "m.toml", '[columns.deals]\ndeal_id = "Opportunity Number"\n')
    item = load_into(db_path, SHAPES / "hubspot_deals.csv", config=config).files[0]
    assert item.preset == "hubspot"
    assert "does not fit this file (it lacks deal_id ('opportunity number'), rep ('rep'), " \
        "stage ('stage')); preset hubspot was recognised instead" in item.why


def test_nul_in_a_legacy_encoded_file_names_the_users_file(tmp_path, db_path, cli):
    path = tmp_path / "cp.csv"
    # header 24 bytes, then "C1,J\xfcrgen,lead,a" (16 bytes): the NUL is at offset 40 of the
    # file (41 in its UTF-8 copy, where ü takes two bytes)
    path.write_bytes(b"deal_id,rep,stage,notes\nC1,J\xfcrgen,lead,a\x00b\nC2,ann,lead,\n")
    result = cli("load", path, "--encoding", "cp1252", "--db", db_path)
    assert result.exit_code == ExitCode.OK, result.stderr
    text = " ".join(result.stderr.split())
    assert f"{path}: deals" in text
    assert "1 NUL byte in unused columns ignored (the first NUL at byte offset 40)" in text
    assert query(db_path, "select deal_id, rep from deals order by 1") == [
        ("C1", "Jürgen"), ("C2", "ann")]


def test_a_history_report_that_also_fits_deals_says_so(tmp_path, db_path):
    """Opportunity ID, Opportunity Owner, Stage, Edit Date, Amount: deals (4 columns)
    beats history (3): the summary says it also fits history; [files] kinds settles it."""
    path = write(tmp_path, "OpportunityHistory-report.csv",
                 "Opportunity ID,Opportunity Owner,Stage,Edit Date,Amount\n"
                 "006A,ann,Prospecting,2026-03-01,100\n")
    item = load_into(db_path, path).files[0]
    assert item.kind == "deals"
    assert f"it also fits a history file: if it is one, load it with --kind history={path}" \
        in item.why
    config = write(tmp_path, "k.toml", '[files]\nkinds = { "OpportunityHistory*.csv" = "history" }\n')
    other = tmp_path / "other.duckdb"
    item = load_into(other, path, config=config).files[0]
    assert item.kind == "history" and item.rows_loaded == 1
    assert query(other, "select deal_id, stage from stage_history") == [("006A", "Prospecting")]


def test_rank_numbers_in_table_csv_and_parquet(db_path, tmp_path, cli):
    """ann in 2026-03: Closed Won 1, won_amount 1000, lost 1, win_rate 0.5 (as in JSON)."""
    load_into(db_path, *SF)
    result = cli("rank", "--month", "2026-03", "--db", db_path, "-f", "csv")
    ann = next(r for r in csv.DictReader(io.StringIO(result.stdout)) if r["rep"] == "ann")
    assert (ann["Closed Won"], ann["won_amount"], ann["lost"], ann["win_rate"]) == \
        ("1", "1000.0", "1", "0.5")
    out = tmp_path / "rank.parquet"
    assert cli("rank", "--month", "2026-03", "--db", db_path, "-o", out).exit_code == ExitCode.OK
    row = pl.read_parquet(out).filter(pl.col("rep") == "ann").row(0, named=True)
    assert (row["Closed Won"], row["won_amount"], row["win_rate"]) == (1, 1000.0, 0.5)
    table = cli("rank", "--month", "2026-03", "--db", db_path, env={"COLUMNS": "250"}).stdout
    ann_line = next(line for line in table.splitlines() if line.strip().startswith("ann"))
    assert "1,000" in ann_line and "50.0%" in ann_line and "3,000" not in ann_line


def test_hubspot_exports_load_one_after_another_without_a_config(tmp_path, cli):
    """A daily HubSpot export loaded without a config, then the next day's: the stored
    funnel (its internal-id aliases kept sorted in the database) is the preset's, so the
    second load goes in. Before, the preset's aliases in declaration order made the two
    funnels unequal and the second load was refused (exit 3) with a message naming the
    same stages twice; an init proposal loaded first and an export after it, too. Hand
    count: day 1 deals 1 (open) and 2 (won, 500); day 2 moves 1 to closedwon (internal id,
    700) and adds 3: won 2 (1,200), open 1."""
    db = tmp_path / "db.duckdb"
    header = "Record ID,Deal Name,Deal Stage,Deal owner,Create Date,Close Date,Amount\n"
    day1 = write(tmp_path, "deals-2025-12-01.csv", header + (
        "1,A,Appointment Scheduled,Ann,2025-10-01,,700\n"
        "2,B,Closed Won,Bob,2025-10-02,2025-11-02,500\n"))
    day2 = write(tmp_path, "deals-2025-12-02.csv", header + (
        "1,A,closedwon,Ann,2025-10-01,2025-12-01,700\n"
        "2,B,Closed Won,Bob,2025-10-02,2025-11-02,500\n"
        "3,C,Contract Sent,Bob,2025-10-03,,900\n"))
    for export in (day1, day2):
        result = cli("load", export, "--db", db)
        assert result.exit_code == ExitCode.OK, result.stderr
    assert query(db, "select status, count(*), sum(amount) from deals group by 1 order by 1") == [
        ("open", 1, 900.0), ("won", 2, 1200.0)]
    assert query(db, "select stage from deals where deal_id = '1'") == [("Closed Won",)]
