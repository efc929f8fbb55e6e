"""Loading subscriptions: the kind from the header, the customer_id-or-deal_id key,
rejects with line numbers, last-loaded-wins, idempotence, and rep and tier taken
from the deal at report time."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import FIXTURES, load_into, query, write

from salesfunnel.errors import InputError

HEADER = "customer_id,deal_id,rep,tier,started_at,ended_at,mrr\n"


@pytest.mark.parametrize(
    "header",
    [
        "customer_id,started_at",
        "deal_id,started_at",
        "Customer ID,Started At,Ended At,MRR",
        "deal_id,rep,tier,started_at,ended_at,mrr",  # rep and deal_id, but no stage
    ],
)
def test_kind_is_recognised_from_header(tmp_path, db_path, header):
    path = write(tmp_path, "subs.csv", header + "\n")
    report = load_into(db_path, path)
    assert [(f.kind, f.rows_read) for f in report.files] == [("subscriptions", 0)]


def test_a_file_without_customer_id_and_deal_id_is_refused(tmp_path, db_path):
    path = write(tmp_path, "subs.csv", "rep,started_at,mrr\nann,2026-01-01,10\n")
    with pytest.raises(InputError) as caught:
        load_into(db_path, path)
    message = str(caught.value)
    assert "a subscriptions file needs a customer_id or deal_id column (and started_at)" in message
    assert "Headers found: rep, started_at, mrr" in message


BAD = (
    HEADER
    + "S1,,ann,smb,2026-01-01,,100\n"  # line 2: fine
    + ",,ann,smb,2026-01-01,,100\n"  # 3: no key
    + "S3,,ann,smb,,,100\n"  # 4: empty started_at
    + "S4,,ann,smb,2026-13-01,,100\n"  # 5: unparseable started_at
    + "S5,,ann,smb,2026-01-01,soon,100\n"  # 6: unparseable ended_at
    + "S6,,ann,smb,2026-02-01,2026-01-31,100\n"  # 7: ended before started
    + "S7,,ann,smb,2026-01-01,,a lot\n"  # 8: unparseable mrr
    + "S8,,ann,smb,2026-01-01,,-5\n"  # 9: negative mrr
    + ",D9,,,2026-01-01,2026-01-01,\n"  # 10: fine: key from deal_id, same-day end, no mrr
)


def test_each_reject_reason_with_its_line(tmp_path, db_path):
    report = load_into(db_path, write(tmp_path, "subs.csv", BAD))
    item = report.files[0]
    assert (item.rows_read, item.rows_loaded, item.rows_rejected) == (9, 2, 7)
    assert query(
        db_path, "select line, column_name, value, reason from load_rejects order by line"
    ) == [
        (3, "customer_id", None, "customer_id and deal_id are both empty"),
        (4, "started_at", None, "started_at is empty"),
        (5, "started_at", "2026-13-01", "unparseable date"),
        (6, "ended_at", "soon", "unparseable date"),
        (7, "ended_at", "2026-01-31", "ended_at is before started_at"),
        (8, "mrr", "a lot", "unparseable amount"),
        (9, "mrr", "-5", "negative amount"),
    ]
    assert query(
        db_path,
        "select customer_id, deal_id, rep, tier, started_at, ended_at, mrr from subscriptions "
        "order by customer_id",
    ) == [
        ("D9", "D9", None, None, dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 1), None),
        ("S1", None, "ann", "smb", dt.datetime(2026, 1, 1), None, 100.0),
    ]


def test_strict_refuses_the_bad_file(tmp_path, db_path):
    with pytest.raises(InputError, match=r"--strict: 7 rows rejected"):
        load_into(db_path, write(tmp_path, "subs.csv", BAD), strict=True)
    assert not db_path.exists()  # a failed first load leaves no database file (issue 13)


def test_last_loaded_wins_within_and_across_files(tmp_path, db_path):
    first = write(
        tmp_path, "a.csv",
        HEADER + "S1,,ann,SMB,2026-01-01,,100\nS1,,bob,smb,2026-01-02,,110\nS2,,cy,mid,2026-01-05,,50\n",
    )
    report = load_into(db_path, first)
    assert report.files[0].duplicates == 1
    assert query(db_path, "select customer_id, rep, mrr from subscriptions order by 1") == [
        ("S1", "bob", 110.0),
        ("S2", "cy", 50.0),
    ]
    # the customer churned: the next export has its end date
    second = write(tmp_path, "b.csv", HEADER + "S1,,bob,smb,2026-01-02,2026-06-30,110\n")
    load_into(db_path, second)
    assert query(db_path, "select customer_id, ended_at from subscriptions order by 1") == [
        ("S1", dt.datetime(2026, 6, 30)),
        ("S2", None),
    ]


def test_reload_is_idempotent(db_path):
    folder = FIXTURES / "management"
    load_into(db_path, folder)
    snapshot = query(db_path, "select * exclude (file_id) from subscriptions order by all")
    again = load_into(db_path, folder)
    assert all(f.skipped_unchanged for f in again.files)
    load_into(db_path, folder, force=True)
    assert query(db_path, "select * exclude (file_id) from subscriptions order by all") == snapshot
    assert len(snapshot) == 13


def test_rep_and_tier_come_from_a_deal_loaded_later(tmp_path, db_path):
    subs = write(tmp_path, "subs.csv", HEADER + "S1,X1,,,2026-01-01,,10\nS2,X2,zoe,mid,2026-01-01,,10\n")
    load_into(db_path, subs)
    view = "select customer_id, rep, tier from subscription_facts order by 1"
    assert query(db_path, view) == [("S1", None, "unknown"), ("S2", "zoe", "mid")]
    deals = write(
        tmp_path, "deals.csv",
        "deal_id,rep,tier,stage\nX1,ann,SMB,won\nX2,bob,smb,won\n",
    )
    load_into(db_path, deals)
    # S1 takes ann and smb from X1; S2 keeps what its own row says
    assert query(db_path, view) == [("S1", "ann", "smb"), ("S2", "zoe", "mid")]


# MRR in two currencies (the brief: no sums across currencies, on every path). By hand:
#   D1 ann won 100 USD; its customer C1 started 2026-02-01, churned 2026-03-15, MRR USD 100
#   D2 bob won 200 USD; its customer C2 started 2026-02-02, churned 2026-04-01, MRR EUR 200
MRR_DEALS = ("deal_id,rep,tier,stage,status,amount,currency,created_at,closed_at\n"
             "D1,ann,smb,won,won,100,USD,2026-01-05,2026-02-01\n"
             "D2,bob,smb,won,won,200,USD,2026-01-06,2026-02-02\n")
MRR_SUBSCRIPTIONS = ("customer_id,deal_id,started_at,ended_at,mrr\n"
                     "C1,D1,2026-02-01,2026-03-15,USD 100\n"
                     "C2,D2,2026-02-02,2026-04-01,EUR 200\n")
MRR_ENV = {"SALESFUNNEL_TODAY": "2026-05-01"}


def _mrr_database(cli, tmp_path, config: str | None = None):
    folder = tmp_path / "exports"
    folder.mkdir()
    write(folder, "deals.csv", MRR_DEALS)
    write(folder, "subscriptions.csv", MRR_SUBSCRIPTIONS)
    db = tmp_path / "mrr.duckdb"
    extra = ["--config", write(tmp_path, "sf.toml", config)] if config else []
    result = cli("load", folder, "--db", db, *extra)
    assert result.exit_code == 0, result.stderr
    return db, extra


def test_mrr_in_two_currencies_is_never_added_up(cli, tmp_path):
    import json

    db, _ = _mrr_database(cli, tmp_path)
    assert query(db, "select customer_id, mrr, currency from subscriptions order by 1") == [
        ("C1", 100.0, "USD"), ("C2", 200.0, "EUR"),
    ]
    note = ("salesfunnel: note: the subscriptions' MRR is in more than one currency (1 in EUR, "
            "1 in USD), and MRR in different currencies is never added up: churn's mrr_lost "
            "and tiers' avg_mrr are unknown (shown as –). Convert them when loading: add to "
            'the config file [currency] report = "EUR" and rates = { USD = <rate> } (one unit '
            "of each currency in EUR), then load the subscriptions again with --force.")
    for by in ("rep", "tier"):
        result = cli("churn", "--by", by, "--db", db, "-f", "json", env=MRR_ENV)
        assert result.exit_code == 0, result.stderr
        assert note in result.stderr
        rows = json.loads(result.stdout)
        assert [(row["churned"], row["mrr_lost"]) for row in rows] == (
            [(1, None), (1, None)] if by == "rep" else [(2, None)])
    result = cli("tiers", "--db", db, "-f", "json", env=MRR_ENV)
    assert note in result.stderr
    smb = next(row for row in json.loads(result.stdout) if row["tier"] == "smb")
    assert (smb["customers"], smb["churn_rate"], smb["avg_mrr"]) == (2, 1.0, None)
    table = cli("churn", "--db", db, env={**MRR_ENV, "COLUMNS": "160"}).stdout
    assert "200" not in table and "300" not in table  # no MRR figure, summed or not
    # the early-churn list shows each customer's own MRR, in its currency
    listed = json.loads(cli("churn", "--list-early", "--db", db, "-f", "json",
                            env=MRR_ENV).stdout)
    assert [(row["customer_id"], row["mrr"], row["currency"]) for row in listed] == [
        ("C1", 100.0, "USD"), ("C2", 200.0, "EUR")]
    table = cli("churn", "--list-early", "--db", db, env={**MRR_ENV, "COLUMNS": "160"}).stdout
    line = next(text for text in table.splitlines() if "C2" in text)
    assert line.split()[-2:] == ["200", "EUR"]


def test_mrr_converted_into_the_report_currency_adds_up(cli, tmp_path):
    """[currency] report = "USD", rates EUR = 1.1: C2's MRR is 220 USD; bob's MRR lost
    220, ann's 100; the tier's average (100 + 220) / 2 = 160."""
    import json

    config = '[currency]\nreport = "USD"\nrates = { EUR = 1.1 }\n'
    db, extra = _mrr_database(cli, tmp_path, config)
    assert query(db, "select customer_id, round(mrr, 6), currency from subscriptions "
                     "order by 1") == [("C1", 100.0, "USD"), ("C2", 220.0, "USD")]
    result = cli("churn", "--db", db, *extra, "-f", "json", env=MRR_ENV)
    assert "MRR is in more than one currency" not in result.stderr
    assert {row["rep"]: round(row["mrr_lost"], 6) for row in json.loads(result.stdout)} == {
        "ann": 100.0, "bob": 220.0}
    result = cli("tiers", "--db", db, *extra, "-f", "json", env=MRR_ENV)
    smb = next(row for row in json.loads(result.stdout) if row["tier"] == "smb")
    assert round(smb["avg_mrr"], 6) == 160.0


def test_a_version_4_database_gains_the_mrr_currency(cli, tmp_path):
    """Schema version 4 (before subscriptions.currency): the first open adds the column
    (empty: the currency of MRR loaded before is unknown) and churn adds that MRR up as
    before; a load of the subscriptions again fills it."""
    import json

    import duckdb

    db, _ = _mrr_database(cli, tmp_path)
    with duckdb.connect(str(db)) as conn:
        conn.execute("alter table subscriptions drop column currency")
        conn.execute("update salesfunnel_meta set value = '4' where key = 'schema_version'")
    result = cli("churn", "--by", "tier", "--db", db, "-f", "json", env=MRR_ENV)
    assert result.exit_code == 0, result.stderr
    assert [row["mrr_lost"] for row in json.loads(result.stdout)] == [300.0]
    assert query(db, "select value from salesfunnel_meta where key = 'schema_version'") == [("5",)]
    assert query(db, "select count(*), count(currency) from subscriptions") == [(2, 0)]
    assert cli("load", tmp_path / "exports", "--db", db, "--force").exit_code == 0
    result = cli("churn", "--by", "tier", "--db", db, "-f", "json", env=MRR_ENV)
    assert [row["mrr_lost"] for row in json.loads(result.stdout)] == [None]
