"""Export shapes found by a red-team pass over `init` and `load`: amounts written the
way European, Swiss, Indian and Nordic exports write them, CJK dates and headers,
Pipedrive in other languages. Each test checks hand-computed numbers."""

from __future__ import annotations

import json
import tomllib

import pytest
from conftest import load_into, load_proposed, propose, query, write

from salesfunnel.errors import ExitCode
from salesfunnel.load.vocabulary import SYNONYMS, normalise


def amounts(db) -> list[tuple]:
    return query(db, "select deal_id, amount from deals order by deal_id")


def test_a_semicolon_file_reads_12_000_as_twelve_thousand(cli, tmp_path, db_path):
    """German Excel writes `;` between fields because the comma is its decimal mark:
    `12.000 €` is twelve thousand, `1.500 €` fifteen hundred (they were 12.0 and 1.5).
    Hand count: won 12000 + 1500 = 13500, mean 6750; the open deal's 800 is not won."""
    path = write(tmp_path, "deals.csv",
                 "deal_id;rep;stage;amount;created_at;closed_at\n"
                 "A;ann;won;12.000 €;2026-09-01;2026-10-05\n"
                 "B;ann;won;1.500 €;2026-09-02;2026-10-06\n"
                 "C;ann;lead;800 €;2026-09-03;\n")
    result = cli("load", "--db", db_path, path)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "decimal comma" in result.stderr
    assert amounts(db_path) == [("A", 12000.0), ("B", 1500.0), ("C", 800.0)]
    tiers = json.loads(cli("tiers", "--db", db_path, "--format", "json").stdout)
    assert [(t["won"], t["won_amount"], t["avg_won_amount"]) for t in tiers] == [(2, 13500.0, 6750.0)]
    table = cli("tiers", "--db", db_path).stdout
    assert "13,500" in table and "6,750" in table


def test_a_decimal_comma_anywhere_in_the_file_decides_for_all_its_amounts(tmp_path, db_path):
    """A comma-separated export whose amounts are quoted `12.000,00 €` and `800,5`: the
    comma is the decimal mark, so `1.500` is 1500 (not 1.5); `(50,00)` is -50, rejected
    as negative (it was "unparseable")."""
    path = write(tmp_path, "deals.csv",
                 'deal_id,rep,stage,amount\n'
                 'A,ann,lead,"12.000,00 €"\n'
                 'B,ann,lead,1.500\n'
                 'C,ann,won,"800,5"\n'
                 'D,ann,won,"(50,00)"\n')
    report = load_into(db_path, path)
    assert report.files[0].decimal_mark == ","
    assert amounts(db_path) == [("A", 12000.0), ("B", 1500.0), ("C", 800.5)]
    assert query(db_path, "select line, value, reason from load_rejects") == [
        (5, "(50,00)", "negative amount")
    ]


def test_amounts_only_like_12_000_in_a_comma_file_are_read_as_before_and_said(
        tmp_path, db_path, cli):
    """Nothing in a comma-separated file tells whether `12.000` is twelve or twelve
    thousand: read with a decimal point (as before) and said, naming the config key."""
    path = write(tmp_path, "deals.csv",
                 'deal_id,rep,stage,amount\nA,ann,lead,"12.000 €"\nB,ann,lead,1.500\nC,ann,won,800\n')
    result = cli("load", "--db", db_path, path)
    assert result.exit_code == ExitCode.OK
    assert '2 amounts like 12.000 read with a decimal point' in result.stderr
    assert '[amounts] decimal = ","' in result.stderr
    assert amounts(db_path) == [("A", 12.0), ("B", 1.5), ("C", 800.0)]


def test_amounts_with_both_decimal_marks_in_one_file_are_said(tmp_path, db_path, cli):
    """`1,234.50 USD` shows a decimal point, `€1.234,50` and `1,5` a decimal comma: the
    file is read with a point (both marks shown: the rule cannot decide), the values with
    both marks are exact (1234.5 each), and a note says that one-mark values such as
    `1.234` (1.234) and `1,5` (1.5) may be misread, naming the config key."""
    path = write(tmp_path, "deals.csv",
                 'deal_id,rep,stage,amount\nA,ann,won,"1,234.50 USD"\nB,ann,won,"€1.234,50"\n'
                 'C,ann,won,1.234\nD,bob,won,"1,5"\n')
    result = cli("load", "--db", db_path, path)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert amounts(db_path) == [("A", 1234.5), ("B", 1234.5), ("C", 1.234), ("D", 1.5)]
    assert ("the amounts show both decimal marks: 2 a decimal comma (1.234,56) and 1 a "
            "decimal point (1,234.56). Read with a decimal point, so an amount with one mark "
            "only may be misread (1,5 and 1.234 read either way). Say which mark the file "
            'uses with [amounts] decimal = "," or "." in the config file'
            ) in " ".join(result.stderr.split())


def test_the_config_says_the_decimal_mark(tmp_path, db_path, cli):
    path = write(tmp_path, "deals.csv",
                 'deal_id,rep,stage,amount\nA,ann,lead,"12.000 €"\nB,ann,lead,1.500\nC,ann,won,800\n')
    config = write(tmp_path, "sf.toml", '[amounts]\ndecimal = ","\n')
    result = cli("load", "--db", db_path, "--config", config, path)
    assert result.exit_code == ExitCode.OK
    assert "decimal comma" in result.stderr and "read with a decimal point" not in result.stderr
    assert amounts(db_path) == [("A", 12000.0), ("B", 1500.0), ("C", 800.0)]
    bad = write(tmp_path, "bad.toml", '[amounts]\ndecimal = "comma"\n')
    result = cli("load", "--db", tmp_path / "other.duckdb", "--config", bad, path)
    assert result.exit_code == ExitCode.INPUT
    assert '[amounts] decimal must be "." or ","' in result.stderr


SHAPES = [
    ("1\u202f234,56 kr", 1234.56),   # French/Nordic: narrow no-break space groups thousands
    ("1\u00a0234,56", 1234.56),
    ("SEK 1 234", 1234.0),
    ("R$ 1.234,56", 1234.56),
    ("CHF 1'234.50", 1234.5),        # Swiss apostrophes
    ("CHF 1’234.50", 1234.5),
    ("₹1,23,456.00", 123456.0),      # Indian grouping
    ("JPY 1,234", 1234.0),
    ("A$1,200", 1200.0),
    ("1.234,56 DKK", 1234.56),
    ("₽1 200", 1200.0),
    ("zł 99", 99.0),
]


def test_amount_currency_codes_symbols_and_groupings(tmp_path, db_path):
    """Each of these was rejected as unparseable (or, for the narrow no-break space,
    never read); a file mixing both decimal marks reads each value by its own last mark."""
    rows = "".join(f'D{n:02},ann,lead,"{text}"\n' for n, (text, _) in enumerate(SHAPES))
    report = load_into(db_path, write(tmp_path, "deals.csv", "deal_id,rep,stage,amount\n" + rows))
    assert report.rows_rejected == 0
    assert amounts(db_path) == [(f"D{n:02}", value) for n, (_, value) in enumerate(SHAPES)]


def test_negative_amounts_in_parentheses_or_trailing_minus_are_rejected_as_negative(
        tmp_path, db_path):
    path = write(tmp_path, "deals.csv",
                 'deal_id,rep,stage,amount\nA,ann,lead,"(1,200.00)"\nB,ann,lead,500-\n'
                 'C,ann,lead,$-7\nD,ann,lead,300\n')
    report = load_into(db_path, path)
    assert (report.files[0].rows_loaded, report.rows_rejected) == (1, 3)
    assert query(db_path, "select line, value, reason from load_rejects order by line") == [
        (2, "(1,200.00)", "negative amount"), (3, "500-", "negative amount"),
        (4, "$-7", "negative amount"),
    ]


def test_init_maps_an_amount_column_with_a_few_values_that_are_no_amount(cli, tmp_path):
    """One `TBD` among five amounts made init drop the whole Betrag column and say "no
    amount" of a file that has one. Now it is mapped, the proposal says which rows the load
    rejects, and the load names them. Loaded: 1234.56 + 12000 + 1234 (`€1.234` in a file of
    decimal commas) = 14468.56."""
    path = write(tmp_path, "deals.csv",
                 'Deal-ID,Besitzer,Phase,Betrag,Erstellt am\n'
                 '1,Jürgen,Qualifizierung,"1.234,56 €",03.10.2026\n'
                 '2,Anaïs,Gewonnen,"12.000,00 €",05.10.2026\n'
                 '3,Jürgen,Verloren,(500),20.10.2026\n'
                 '4,Jürgen,Angebot,TBD,21.10.2026\n'
                 '5,Jürgen,Angebot,"€1.234",21.10.2026\n')
    result, proposal = propose(cli, tmp_path, path)
    assert "no amount" not in result.stderr
    text = proposal.read_text(encoding="utf-8")
    assert tomllib.loads(text)["columns"]["deals"]["amount"] == "Betrag"
    assert "'Betrag': 1 of 5 values is no amount: load rejects that row" in text
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert "read 5, loaded 3, rejected 2" in result.stderr
    assert query(db, "select line, column_name, value, reason from load_rejects order by line") == [
        (4, "amount", "(500)", "negative amount"), (5, "amount", "TBD", "unparseable amount"),
    ]
    assert query(db, "select sum(amount), count(*) from deals") == [(14468.56, 3)]


def conversion(cli, db) -> list[tuple]:
    result = cli("conversion", "--db", db, "--format", "json")
    assert result.exit_code == ExitCode.OK, result.stderr
    return [(row["stage"], row["reached"], row["open"]) for row in json.loads(result.stdout)]


def test_a_japanese_salesforce_report_loads_as_proposed(cli, tmp_path):
    """Headers 商談ID, 担当者, フェーズ, 金額, 作成日, 完了予定日 were no field (the file was
    skipped as "not a kind salesfunnel loads"); 受注 is won, 失注 lost.
    Hand count: 3 deals; 提案 reached by the open and the won deal (2, 1 open), 受注 by 1;
    won amount 500,000 (¥500,000), open 1,200,000."""
    path = write(tmp_path, "商談.csv",
                 '商談ID,担当者,フェーズ,金額,作成日,完了予定日\n'
                 '1,山田,提案,"¥1,200,000",2026/10/03,2026/11/15\n'
                 '2,佐藤,受注,"¥500,000",2026/10/05,2026/10/30\n'
                 '3,山田,失注,"¥300,000",2026/10/06,2026/10/20\n')
    result, proposal = propose(cli, tmp_path, path)
    config = tomllib.loads(proposal.read_text(encoding="utf-8"))
    assert config["columns"]["deals"] == {
        "deal_id": "商談ID", "rep": "担当者", "stage": "フェーズ", "amount": "金額",
        "created_at": "作成日", "closed_at": "完了予定日",
    }
    assert (config["funnel"]["stages"], config["funnel"]["lost"]) == (["提案", "受注"], ["失注"])
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert "read 3, loaded 3, rejected 0" in result.stderr
    assert query(db, "select status, sum(amount) from deals group by 1 order by 1") == [
        ("lost", 300000.0), ("open", 1200000.0), ("won", 500000.0)
    ]
    assert conversion(cli, db) == [("提案", 2, 1), ("受注", 1, 0)]


CJK = {
    "zh": ('商机ID,负责人,销售阶段,金额,创建时间,关闭日期\n'
           '1,王伟,初步接洽,1200,2026年10月3日,2026年11月15日\n'
           '2,李娜,赢单,500,2026年10月5日 14:30,2026年10月30日 14:30\n'
           '3,王伟,丢单,300,2026年10月6日,2026年10月20日\n', "赢单", 500.0, "14:30"),
    "ko": ('거래 ID,담당자,단계,금액,생성일,마감일\n'
           '1,김민수,제안,"₩1,200,000",2026. 10. 3.,2026. 11. 15.\n'
           '2,이지은,수주,"₩500,000",2026. 10. 5.,2026. 10. 30.\n'
           '3,김민수,실주,"₩300,000",2026. 10. 6.,2026. 10. 20.\n', "수주", 500000.0, "00:00"),
}


@pytest.mark.parametrize("language", list(CJK))
def test_chinese_and_korean_dates_are_dates(cli, tmp_path, language):
    """`2026年10月3日` and `2026. 10. 3.` were not dates: init said "no created date" and
    "no close date" of files that have both. Korean headers (거래 ID, 담당자, 단계, 금액,
    생성일, 마감일) and words (수주 won, 실주 lost). Hand count: the won deal was created
    2026-10-05 and closed 2026-10-30: 25 days to win."""
    text, won, amount, time = CJK[language]
    path = write(tmp_path, f"{language}.csv", text)
    result, proposal = propose(cli, tmp_path, path)
    assert "no created date" not in result.stderr and "no close date" not in result.stderr
    db = tmp_path / "db.duckdb"
    assert cli("load", "--db", db, "--config", proposal, path).exit_code == ExitCode.OK
    assert query(db, "select deal_id, stage, amount, created_at::varchar, closed_at::varchar "
                     "from deals where status = 'won'") == [
        ("2", won, amount, f"2026-10-05 {time}:00", f"2026-10-30 {time}:00")
    ]
    result = cli("conversion", "--db", db, "--format", "json")
    assert json.loads(result.stdout)[-1]["median_days"] == 25.0


PIPEDRIVE = {
    "de": ("Deal - ID,Deal - Titel,Deal - Besitzer,Deal - Phase,Deal - Wert,Deal - Währung,"
           "Deal - Status,Deal - Deal erstellt,Deal - Geschlossen am,Deal - Verlustgrund,"
           "Organisation - Name\n",
           ("Qualifiziert", "Angebot erstellt", "Kontakt hergestellt"),
           ("Offen", "Gewonnen", "Verloren"), "Zu teuer"),
    "fr": ("Affaire - ID,Affaire - Titre,Affaire - Propriétaire,Affaire - Étape,Affaire - Valeur,"
           "Affaire - Devise,Affaire - Statut,Affaire - Affaire créée,Affaire - Fermée le,"
           "Affaire - Raison de la perte,Organisation - Nom\n",
           ("Qualifié", "Proposition", "Contacté"), ("Ouvert", "Gagné", "Perdu"), "Trop cher"),
    "nl": ("Deal - ID,Deal - Titel,Deal - Eigenaar,Deal - Fase,Deal - Waarde,Deal - Valuta,"
           "Deal - Status,Deal - Deal aangemaakt,Deal - Gesloten op,Deal - Reden van verlies,"
           "Organisatie - Naam\n",
           ("Gekwalificeerd", "Voorstel gedaan", "Contact gelegd"),
           ("Open", "Gewonnen", "Verloren"), "Te duur"),
    "it": ("Trattativa - ID,Trattativa - Titolo,Trattativa - Proprietario,Trattativa - Fase,"
           "Trattativa - Valore,Trattativa - Valuta,Trattativa - Stato,"
           "Trattativa - Trattativa creata,Trattativa - Chiusa il,"
           "Trattativa - Motivo della perdita,Organizzazione - Nome\n",
           ("Qualificato", "Proposta fatta", "Contattato"), ("Aperto", "Vinto", "Perso"),
           "Troppo caro"),
}


@pytest.mark.parametrize("language", list(PIPEDRIVE))
def test_pipedrive_in_other_languages(cli, tmp_path, language):
    """Pipedrive prefixes each column with its entity in the user's language ("Deal - Wert",
    "Affaire - Valeur"): init mapped only id, owner, stage and status, and said "no amount",
    "no created date", "no close date" of a file holding all three. In Dutch and Italian it
    also missed "Deal aangemaakt", "Gesloten op", "Reden van verlies", "Valore", the
    organisation's name, and an Italian status column (Aperto/Vinto/Perso) was dropped: the
    won and lost deals loaded as open. Stage words order the
    funnel (contacted < qualified < proposal, CHECK). Hand count: amounts 1000.5 (written
    "1.000,50") + 2000 + 500; deal 2 won from the proposal stage, deal 3 lost at contacted:
    contacted reached by 3, qualified by 2 (1 open), proposal by 1; won 2000 in 18 days
    (2026-10-02 10:00 to 2026-10-20 10:00)."""
    header, (qualified, proposal, contacted), (open_, won, lost), reason = PIPEDRIVE[language]
    path = write(tmp_path, "deals.csv", header +
                 f'1,Acme,Anna,{qualified},"1.000,50",EUR,{open_},2026-10-01 10:00:00,,,Acme\n'
                 f'2,Beta,Ben,{proposal},2000,EUR,{won},2026-10-02 10:00:00,2026-10-20 10:00:00,,Beta\n'
                 f'3,Gamma,Anna,{contacted},500,EUR,{lost},2026-10-03 10:00:00,'
                 f'2026-10-21 10:00:00,{reason},Gamma\n')
    proposal_file = tmp_path / "p.toml"
    result = cli("init", path, "--out", proposal_file)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "not found: no lead source" in result.stderr
    assert "no amount" not in result.stderr and "no created date" not in result.stderr
    config = tomllib.loads(proposal_file.read_text(encoding="utf-8"))
    assert sorted(config["columns"]["deals"]) == [
        "account", "amount", "closed_at", "created_at", "currency", "deal_id", "lost_reason",
        "rep", "stage", "status",
    ]
    assert config["funnel"]["stages"] == [contacted, qualified, proposal, "Won"]
    db = tmp_path / "db.duckdb"
    result = cli("load", "--db", db, "--config", proposal_file, path)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "read 3, loaded 3, rejected 0" in result.stderr
    assert query(db, "select deal_id, status, amount, account, lost_reason from deals "
                     "order by deal_id") == [
        ("1", "open", 1000.5, "Acme", None), ("2", "won", 2000.0, "Beta", None),
        ("3", "lost", 500.0, "Gamma", reason),
    ]
    result = cli("conversion", "--db", db, "--format", "json")
    rows = json.loads(result.stdout)
    assert [(r["stage"], r["reached"], r["open"], r["lost"]) for r in rows] == [
        (contacted, 3, 0, 1), (qualified, 2, 1, 0), (proposal, 1, 0, 0), ("Won", 1, 0, 0)
    ]
    tiers = json.loads(cli("tiers", "--db", db, "--format", "json").stdout)
    assert [(t["won"], t["won_amount"], t["median_days_to_win"]) for t in tiers] == [
        (1, 2000.0, 18.0)
    ]


def test_a_close_opportunities_export_loads_as_proposed(cli, tmp_path):
    """Close names an opportunity's stage `status_label` and its outcome `status_type`
    (active, won, lost), its rep `user_name`, its company `lead_name`, and writes the value
    twice: `value` in cents and `value_formatted`. init found no stage column and put the
    only file in `[files] skip`; the load then refused it. Now the proposal maps them, the
    amount from value_formatted (dollars, never the cents). Hand count: open 1,000, won
    2,500 from 2026-10-02 10:00:00.123 to 2026-10-20: 17 days 13:59:59.877 = 17.583 days;
    lost 500 without a close date (Close dates wins only)."""
    path = write(tmp_path, "opportunities.csv",
                 "id,lead_id,lead_name,status_id,status_label,status_type,value,value_formatted,"
                 "value_currency,value_period,confidence,note,date_created,date_won,user_id,"
                 "user_name\n"
                 'oppo_1,lead_1,Acme,stat_a,Active,active,100000,"$1,000",USD,one_time,50,'
                 '"call back\nin May",2026-10-01T10:00:00.123000+00:00,,user_a,Ann Lee\n'
                 'oppo_2,lead_2,Beta,stat_w,Won,won,250000,"$2,500",USD,one_time,100,,'
                 "2026-10-02T10:00:00.123000+00:00,2026-10-20,user_b,Bob Ray\n"
                 "oppo_3,lead_3,Gamma,stat_l,Lost,lost,50000,$500,USD,one_time,0,,"
                 "2026-10-03T10:00:00.123000+00:00,,user_a,Ann Lee\n")
    result, proposal = propose(cli, tmp_path, path)
    config = tomllib.loads(proposal.read_text(encoding="utf-8"))
    assert "files" not in config
    assert config["columns"]["deals"] == {
        "deal_id": "id", "rep": "user_name", "stage": "status_label", "status": "status_type",
        "amount": "value_formatted", "currency": "value_currency", "created_at": "date_created",
        "closed_at": "date_won", "account": "lead_name",
    }
    assert config["funnel"]["stages"] == ["Active", "Won"]
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert "read 3, loaded 3, rejected 0" in result.stderr
    assert query(db, "select deal_id, rep, status, amount, currency, account from deals "
                     "order by deal_id") == [
        ("oppo_1", "Ann Lee", "open", 1000.0, "USD", "Acme"),
        ("oppo_2", "Bob Ray", "won", 2500.0, "USD", "Beta"),
        ("oppo_3", "Ann Lee", "lost", 500.0, "USD", "Gamma"),
    ]
    tiers = json.loads(cli("tiers", "--db", db, "--format", "json").stdout)
    assert [(t["won"], t["lost"], t["open"], t["won_amount"], round(t["median_days_to_win"], 3))
            for t in tiers] == [(1, 1, 1, 2500.0, 17.583)]


def test_a_freshsales_deals_export_names_its_accounts(cli, tmp_path):
    """Freshsales names a deal's company `Sales account`: init said "no account: no
    accounts-file tiers, no churn by customer" of a file holding one. Hand count: accounts
    Acme and Beta; stages New < Contacted < Interested (Freshsales' own), won 2,000."""
    path = write(tmp_path, "deals.csv",
                 "Id,Name,Deal value,Deal stage,Owner,Closed date,Created at,Sales account,"
                 "Currency\n"
                 "11,Acme deal,1000,Contacted,Ann Lee,,2026-01-05 10:00:00,Acme,USD\n"
                 "12,Beta deal,2000,Won,Bob Ray,2026-03-02,2026-01-06 10:00:00,Beta,USD\n"
                 "13,Acme more,500,Interested,Ann Lee,,2026-01-07 10:00:00,Acme,USD\n"
                 "14,Beta more,700,New,Bob Ray,,2026-01-08 10:00:00,Beta,USD\n")
    result, proposal = propose(cli, tmp_path, path)
    assert "no account" not in result.stderr
    config = tomllib.loads(proposal.read_text(encoding="utf-8"))
    assert config["columns"]["deals"]["account"] == "Sales account"
    assert config["funnel"]["stages"] == ["New", "Contacted", "Interested", "Won"]
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert query(db, "select account, count(*), sum(amount) filter (where status = 'won') "
                     "from deals group by 1 order by 1") == [("Acme", 2, None), ("Beta", 2, 2000.0)]


def test_a_dutch_hubspot_export_names_its_owner_and_lost_reason(cli, tmp_path):
    """HubSpot in Dutch writes "Eigenaar van deal" and "Reden gesloten verloren": init
    said "no owner column: every deal loads as (no owner); rank has no reps to rank" and
    "no lost reason", and ordered the stages by frequency. Now both are mapped and the
    stage words order the funnel (Afspraak gepland < Presentatie gepland < Contract
    verzonden, CHECK). Hand count: Anne 3 deals, Bram 2; one loss, "Te duur"."""
    path = write(tmp_path, "deals.csv",
                 "Record-ID,Dealnaam,Dealfase,Pijplijn,Bedrag,Sluitingsdatum,Eigenaar van deal,"
                 "Aanmaakdatum,Reden gesloten verloren\n"
                 "1,Acme,Afspraak gepland,Verkoop,1000,,Anne de Vries,2026-01-05 10:00,\n"
                 "2,Beta,Gesloten gewonnen,Verkoop,2000,2026-03-02 10:00,Bram Jansen,"
                 "2026-01-06 10:00,\n"
                 "3,Gamma,Presentatie gepland,Verkoop,3000,,Anne de Vries,2026-01-07 10:00,\n"
                 "4,Delta,Contract verzonden,Verkoop,3500,,Anne de Vries,2026-01-07 10:00,\n"
                 "5,Eps,Gesloten verloren,Verkoop,400,2026-03-02 10:00,Bram Jansen,"
                 "2026-01-08 10:00,Te duur\n")
    result, proposal = propose(cli, tmp_path, path)
    assert "no owner" not in result.stderr and "no lost reason" not in result.stderr
    config = tomllib.loads(proposal.read_text(encoding="utf-8"))
    assert (config["columns"]["deals"]["rep"], config["columns"]["deals"]["lost_reason"]) == (
        "Eigenaar van deal", "Reden gesloten verloren")
    assert config["funnel"]["stages"] == [
        "Afspraak gepland", "Presentatie gepland", "Contract verzonden", "Gesloten gewonnen"]
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert query(db, "select rep, count(*), max(lost_reason) from deals group by 1 order by 1") == [
        ("Anne de Vries", 3, None), ("Bram Jansen", 2, "Te duur")]


def test_an_id_column_with_a_blank_stays_the_key_and_the_row_is_rejected(cli, tmp_path):
    """One blank `Deal ID` among four made init key every deal by its line ("@row"): the
    file's ids 1, 3, 4 were lost and it could not be reloaded as an update. Now the id
    stays the key and line 3 is rejected, named. Hand count: loaded 100 + 300 + 400 = 800
    (2 open: 500, 1 lost: 300)."""
    path = write(tmp_path, "deals.csv",
                 "Deal ID,Deal owner,Deal Stage,Amount,Created\n"
                 "1,Ann,Qualified,100,2026-10-01\n"
                 ",Bob,Closed Won,200,2026-10-02\n"
                 "3,Ann,Closed Lost,300,2026-10-03\n"
                 "4,Ann,Qualified,400,2026-10-04\n")
    proposal = tmp_path / "p.toml"
    assert cli("init", path, "--out", proposal).exit_code == ExitCode.OK
    text = proposal.read_text(encoding="utf-8")
    assert tomllib.loads(text)["columns"]["deals"]["deal_id"] == "Deal ID"
    assert "1 of 4 rows has none: load rejects it (empty deal_id)" in text
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert "read 4, loaded 3, rejected 1" in result.stderr
    assert "line 3, deal_id: deal_id is empty" in result.stderr
    assert query(db, "select status, count(*), sum(amount) from deals group by 1 order by 1") == [
        ("lost", 1, 300.0), ("open", 2, 500.0)
    ]
    assert query(db, "select deal_id from deals order by deal_id") == [("1",), ("3",), ("4",)]


def test_currency_codes_in_the_amounts_are_the_currency_and_never_summed(cli, tmp_path, db_path):
    """A Salesforce multi-currency report without a currency column writes the code in
    the amount: `USD 1,000.00`, `EUR 500.00`. The codes were stripped and every report
    added them up (won 1000 + 500 + 1234 = 2734 "money"). Now the amount's own code or
    one-currency symbol (€) is its currency, so reports refuse to add them (exit 6);
    `$800` says no currency ($ is several) and keeps none. Per currency: EUR won
    500 + 1234 = 1734, USD won 1000."""
    path = write(tmp_path, "deals.csv",
                 "deal_id,rep,stage,amount,created_at,closed_at\n"
                 'A,ann,won,"USD 1,000.00",2026-09-01,2026-10-05\n'
                 'B,ann,won,"EUR 500.00",2026-09-02,2026-10-06\n'
                 'C,ann,lead,"$800",2026-09-03,\n'
                 'D,ann,won,"€1.234,00",2026-09-03,2026-10-07\n')
    assert cli("load", "--db", db_path, path).exit_code == ExitCode.OK
    assert query(db_path, "select deal_id, amount, currency from deals order by 1") == [
        ("A", 1000.0, "USD"), ("B", 500.0, "EUR"), ("C", 800.0, None), ("D", 1234.0, "EUR"),
    ]
    result = cli("tiers", "--db", db_path, "--format", "json")
    assert result.exit_code == ExitCode.QUERY
    assert "2 currencies (EUR, USD)" in result.stderr
    for currency, won, amount in (("EUR", 2, 1734.0), ("USD", 1, 1000.0)):
        result = cli("tiers", "--db", db_path, "--format", "json", "--currency", currency)
        assert result.exit_code == ExitCode.OK, result.stderr
        assert [(t["won"], t["won_amount"]) for t in json.loads(result.stdout)] == [(won, amount)]


def test_a_probability_written_with_percent_signs_orders_the_stages(cli, tmp_path):
    """A formatted Salesforce report writes `Probability (%)` as `10%`: the column was no
    probability, and the stages were put in frequency order (Legal Review before Solution
    Design). Hand count: Discovery 10 < Solution Design 40 < Legal Review 80; reached:
    Discovery by A1-A4 (4, 1 open), Solution Design by A2-A4 (3, 1 open), Legal Review by
    A2, A4 (2, 1 open), Closed Won by A4."""
    path = write(tmp_path, "opps.csv",
                 "Opportunity ID,Opportunity Owner,Stage,Amount,Probability (%),Created Date\n"
                 "A1,Ann,Discovery,100,10%,2026-10-01\n"
                 "A2,Ann,Legal Review,200,80%,2026-10-02\n"
                 "A3,Ann,Solution Design,300,40 %,2026-10-03\n"
                 "A4,Ann,Closed Won,400,100%,2026-10-04\n"
                 "A5,Ann,Closed Lost,50,0%,2026-10-05\n")
    proposal = tmp_path / "p.toml"
    assert cli("init", path, "--out", proposal).exit_code == ExitCode.OK
    text = proposal.read_text(encoding="utf-8")
    assert "from the probability column (rising)" in text
    assert tomllib.loads(text)["funnel"]["stages"] == [
        "Discovery", "Solution Design", "Legal Review", "Closed Won"
    ]
    db = tmp_path / "db.duckdb"
    assert cli("load", "--db", db, "--config", proposal, path).exit_code == ExitCode.OK
    assert conversion(cli, db) == [
        ("Discovery", 4, 1), ("Solution Design", 3, 1), ("Legal Review", 2, 1), ("Closed Won", 1, 0)
    ]


def test_excel_sep_hint_line_is_skipped_and_lines_keep_their_numbers(cli, tmp_path, db_path):
    """Excel's `sep=;` first line made the file "no preset fits this header. Headers found:
    sep=" (exit 3) and init skipped it. Now the header is line 2 and the records keep the
    lines the user's editor shows: the bad amount is line 4. Hand count: loaded 1234.5
    (`1.234,50`) + 200 = 1434.5."""
    path = write(tmp_path, "deals.csv",
                 "sep=;\nDeal ID;Deal owner;Deal Stage;Amount\n"
                 "1;Ann;Closed Won;1.234,50\n2;Bob;Closed Lost;abc\n3;Bob;Closed Won;200\n")
    result = cli("load", "--db", db_path, path)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "1 line above the header skipped ('sep=;'): not records" in result.stderr
    assert "read 3, loaded 2, rejected 1" in result.stderr
    assert query(db_path, "select line, value, reason from load_rejects") == [
        (4, "abc", "unparseable amount")
    ]
    assert query(db_path, "select deal_id, line, amount from deals order by 1") == [
        ("1", 3, 1234.5), ("3", 5, 200.0)
    ]
    assert query(db_path, "select sum(amount) from deals") == [(1434.5,)]
    alone = write(tmp_path, "sep_only.csv", "sep=;\r\n\r\n")
    result = cli("load", "--db", db_path, alone)
    assert result.exit_code == ExitCode.INPUT
    assert "holds Excel's separator line 'sep=;' and no header after it" in result.stderr
    assert query(db_path, "select count(*) from deals") == [(2,)]  # as it was


def test_a_report_title_above_the_header_is_skipped(cli, tmp_path):
    """A report export that opens with its title, a generated-by line and a blank line
    (quoted, as Salesforce quotes every field): init said "not a kind salesfunnel loads"
    and load exit 3. Now the header is line 4; init proposes the Salesforce preset and the
    load takes A1 (line 5) and A2 (line 6). Open 100, won 200."""
    path = write(tmp_path, "report.csv",
                 '"Opportunities Report"\n"Generated 2026-11-01 by Ann"\n\n'
                 '"Opportunity ID","Opportunity Owner","Stage","Amount","Created Date"\n'
                 '"A1","Ann","Prospecting","100","2026-10-01"\n'
                 '"A2","Ann","Closed Won","200","2026-10-02"\n')
    result, proposal = propose(cli, tmp_path, path)
    assert "report.csv: 2 rows, deals, preset salesforce" in result.stderr
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert ("3 lines above the header skipped ('Opportunities Report / Generated 2026-11-01 "
            "by Ann')") in result.stderr
    assert query(db, "select deal_id, line, status, amount from deals order by 1") == [
        ("A1", 5, "open", 100.0), ("A2", 6, "won", 200.0)
    ]
    again = cli("load", "--db", db, "--config", proposal, path)
    assert again.exit_code == ExitCode.OK and "unchanged" in again.stderr


def test_a_formatted_excel_report_with_title_rows_loads_with_sheet_rows(cli, tmp_path):
    """Salesforce's "formatted report" workbook: title, as-of and filter lines (one cell
    each; the filter holds commas) in A1:A3, a blank row, the header in row 5 from column
    B. It was read with the title as its header (no preset fits). Now the rejects name the
    row Excel shows (7) and the records keep theirs (6, 8). Loaded 100 + 300 = 400."""
    import xlsxwriter

    path = tmp_path / "report.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Report")
    sheet.write(0, 0, "Opportunities by Stage")
    sheet.write(1, 0, "As of 11/1/2026 by Ann Admin")
    sheet.write(2, 0, "Filtered By: Stage equals Prospecting, Closed Won, Closed Lost")
    sheet.write_row(4, 1, ["Opportunity ID", "Opportunity Owner", "Stage", "Amount", "Created Date"])
    sheet.write_row(5, 1, ["A1", "Ann", "Prospecting", 100, "2026-10-01"])
    sheet.write_row(6, 1, ["A2", "Ann", "Closed Won", "abc", "2026-10-02"])
    sheet.write_row(7, 1, ["A3", "Bob", "Closed Won", 300, "2026-10-03"])
    book.close()
    db = tmp_path / "db.duckdb"
    result = cli("load", "--db", db, path)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "report.xlsx[Report]: deals (preset salesforce), read 3, loaded 2, rejected 1" in result.stderr
    assert "4 lines above the header skipped ('Opportunities by Stage / As of" in result.stderr
    assert query(db, "select line, column_name, value, reason from load_rejects") == [
        (7, "amount", "abc", "unparseable amount")
    ]
    assert query(db, "select deal_id, line, amount from deals order by 1") == [
        ("A1", 6, 100.0), ("A3", 8, 300.0)
    ]


def test_excel_unicode_text_exports_in_a_folder(cli, tmp_path, db_path):
    """Excel's "Unicode Text" is UTF-16 with tabs, saved as .txt (or renamed .tsv): a
    folder of them was "holds no .csv file" without a word on the .txt. A .tsv in a
    folder is read; a .txt is named, and loads by name. Hand count: 2 + 1 deals."""
    text = ("Opportunity ID\tOpportunity Owner\tStage\tAmount\r\n"
            "A1\tZoë\tProspecting\t100\r\nA2\tZoë\tClosed Won\t200\r\n")
    only_txt = tmp_path / "only_txt"
    only_txt.mkdir()
    (only_txt / "opps.txt").write_bytes(text.encode("utf-16"))
    result = cli("load", "--db", db_path, only_txt)
    assert result.exit_code == ExitCode.INPUT
    assert 'Its .txt files (opps.txt) are not read from a folder' in result.stderr
    result = cli("load", "--db", db_path, only_txt / "opps.txt")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "deals (preset salesforce, utf-16), read 2, loaded 2" in result.stderr
    both = tmp_path / "both"
    both.mkdir()
    (both / "more.tsv").write_bytes(("Opportunity ID\tOpportunity Owner\tStage\tAmount\r\n"
                                     "A3\tZoë\tClosed Won\t300\r\n").encode("utf-16"))
    (both / "notes.txt").write_text("not an export\n", encoding="utf-8")
    result = cli("load", "--db", db_path, both)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "notes.txt: a .txt file; not read from a folder" in result.stderr
    assert query(db_path, "select deal_id, rep, amount from deals order by 1") == [
        ("A1", "Zoë", 100.0), ("A2", "Zoë", 200.0), ("A3", "Zoë", 300.0)
    ]


def test_a_stage_label_with_a_line_break_keeps_the_proposal_valid_toml(cli, tmp_path):
    """A label typed with Alt+Enter in Excel holds a line break: init wrote it raw into a
    comment, the proposal was no TOML, and init itself stopped with an internal error
    (exit 1). Now the comment shows it as ⏎ and the value keeps it; the load reads it.
    Hand count: 1 deal at "Demo⏎booked" (open, 200), 1 won (100)."""
    path = write(tmp_path, "deals.csv",
                 'Deal ID,Deal owner,Deal Stage,Amount\r\n1,Ann,Closed Won,100\r\n'
                 '2,Bob,"Demo\r\nbooked",200\r\n')
    result, proposal = propose(cli, tmp_path, path)
    text = proposal.read_text(encoding="utf-8")
    assert "Demo⏎booked 1" in text
    assert tomllib.loads(text)["funnel"]["stages"] == ["Demo\r\nbooked", "Closed Won"]
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert query(db, "select deal_id, stage, status, amount from deals order by 1") == [
        ("1", "Closed Won", "won", 100.0), ("2", "Demo\r\nbooked", "open", 200.0)
    ]


def test_month_names_in_other_languages_are_dates(cli, tmp_path):
    """French, German and Spanish exports write month names in their language (`03 oct.
    2026`, `3. Okt. 2026`, `3 de octubre de 2026`): every one was "unparseable date",
    and init said "no created date" of a file with one. Hand count: the won deal ran from
    3 October to 15 December 2026 14:05, 73 days 14:05 = 73.587 days; every shape below is
    its date."""
    path = write(tmp_path, "affaires.csv",
                 "ID de l'enregistrement,Propriétaire,Étape,Montant,Date de création,Date de clôture\n"
                 "1,Anaïs,Gagné,1000,03 oct. 2026,15 déc. 2026 14:05\n"
                 "2,Anaïs,Qualifié,500,3. Okt. 2026,\n"
                 "3,Anaïs,Qualifié,500,3 de octubre de 2026,\n"
                 "4,Anaïs,Qualifié,500,03-Okt-2026,\n"
                 "5,Anaïs,Qualifié,500,3 ottobre 2026,\n")
    result, proposal = propose(cli, tmp_path, path)
    assert "no created date" not in result.stderr and "no close date" not in result.stderr
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert "read 5, loaded 5, rejected 0" in result.stderr
    assert query(db, "select distinct created_at::varchar from deals") == [("2026-10-03 00:00:00",)]
    assert query(db, "select closed_at::varchar from deals where deal_id = '1'") == [
        ("2026-12-15 14:05:00",)
    ]
    tiers = json.loads(cli("tiers", "--db", db, "--format", "json").stdout)
    assert [(t["won"], round(t["median_days_to_win"], 3)) for t in tiers] == [(1, 73.587)]


def test_excel_day_month_name_two_digit_year_dates_are_dates(cli, tmp_path):
    """Excel's d-mmm-yy format writes `4-Mar-26` (a French Excel `4-mars-26`): it was read
    as the year 26, every such row rejected as "date outside 1900-2199", and init warned
    of nothing. The two-digit year now reads with the POSIX pivot, as slash dates: 26 is
    2026, 99 is 1999. Hand count: deal 1 won 4 March to 10 March 2026, 6 days."""
    path = write(tmp_path, "deals.csv",
                 "deal_id,rep,stage,amount,created_at,closed_at\n"
                 "1,Ann,won,100,4-Mar-26,10-Mar-26\n"
                 "2,Ann,lead,100,4-mars-26,\n"
                 "3,Ann,lead,100,15-Apr-99,\n"
                 "4,Ann,lead,100,15-Apr-2021,\n")
    result = cli("init", path)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "no date the load reads" not in result.stderr
    db = tmp_path / "db.duckdb"
    result = cli("load", "--db", db, path)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "read 4, loaded 4, rejected 0" in result.stderr
    assert query(db, "select deal_id, created_at::varchar, closed_at::varchar from deals "
                     "order by deal_id") == [
        ("1", "2026-03-04 00:00:00", "2026-03-10 00:00:00"), ("2", "2026-03-04 00:00:00", None),
        ("3", "1999-04-15 00:00:00", None), ("4", "2021-04-15 00:00:00", None),
    ]
    tiers = json.loads(cli("tiers", "--db", db, "--format", "json").stdout)
    assert [(t["won"], t["median_days_to_win"]) for t in tiers] == [(1, 6.0)]


def test_flags_excel_wrote_in_german_or_french_are_true_and_false(cli, tmp_path):
    """An Opportunity export re-saved by a German Excel writes IsWon/IsClosed/IsDeleted as
    WAHR/FALSCH (French: VRAI/FAUX). WAHR was not true: a won deal with the org's own label
    loaded as open, silently, and a deleted record loaded. Now: 0061 won (WAHR), 0062 lost
    (IsClosed VRAI, IsWon FAUX), 0063 open, 0064 deleted and skipped, 0065's `maybe` is no
    flag: rejected naming it. Hand count: won 100, lost 200, open 300."""
    path = write(tmp_path, "Opportunity.csv",
                 "Id,OwnerId,StageName,Amount,Probability,CreatedDate,CloseDate,IsWon,IsClosed,"
                 "IsDeleted\n"
                 "0061,005A,Vertrag unterschrieben,100,100,2026-10-01,2026-10-05,WAHR,WAHR,FALSCH\n"
                 "0062,005A,Abgesagt,200,0,2026-10-01,2026-10-06,FAUX,VRAI,FAUX\n"
                 "0063,005A,Gespräch,300,20,2026-10-01,,FALSCH,FALSCH,FALSCH\n"
                 "0064,005A,Gespräch,400,20,2026-10-01,,FALSCH,FALSCH,WAHR\n")
    result, proposal = propose(cli, tmp_path, path)
    config = tomllib.loads(proposal.read_text(encoding="utf-8"))
    assert (config["funnel"]["stages"], config["funnel"]["lost"]) == (
        ["Gespräch", "Vertrag unterschrieben"], ["Abgesagt"])
    with path.open("a", encoding="utf-8") as export:  # the next export has a stray value
        export.write("0065,005A,Gespräch,500,20,2026-10-01,,FALSCH,maybe,FALSCH\n")
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert "read 4, loaded 3, rejected 1" in result.stderr
    assert "1 deleted record skipped (IsDeleted)" in result.stderr
    assert query(db, "select deal_id, status, amount from deals order by 1") == [
        ("0061", "won", 100.0), ("0062", "lost", 200.0), ("0063", "open", 300.0)
    ]
    assert query(db, "select line, value, reason from load_rejects") == [
        (6, "maybe", "unknown status (expected open, won or lost)")
    ]


def test_a_currency_column_of_symbols(tmp_path, db_path):
    """A currency column that holds `€` and `£` (a sheet formatted by hand) rejected every
    row as "unknown currency code"; now a one-currency symbol is its code and `eur` is EUR.
    `$` stays a reject, saying why; `Euro`, the currency's name, is its code (as Creatio
    and Dynamics 365 write it). Loaded: EUR 100 + 400 + 500, GBP 200."""
    path = write(tmp_path, "deals.csv",
                 "Deal ID,Deal owner,Deal Stage,Amount,Currency\n"
                 "1,Ann,Closed Won,100,€\n2,Ann,Closed Won,200,£\n3,Ann,Closed Won,300,$\n"
                 "4,Ann,Closed Won,400,eur\n5,Ann,Closed Won,500,Euro\n")
    report = load_into(db_path, path)
    assert (report.files[0].rows_loaded, report.rows_rejected) == (4, 1)
    assert query(db_path, "select currency, sum(amount) from deals group by 1 order by 1") == [
        ("EUR", 1000.0), ("GBP", 200.0)
    ]
    assert query(db_path, "select line, value, reason from load_rejects order by line") == [
        (4, "$", "a currency symbol several currencies write ($: USD, CAD, AUD, ...; ¥: JPY, "
                 "CNY; kr: SEK, NOK, DKK): write the code"),
    ]


def test_a_traditional_chinese_export_in_big5(cli, tmp_path):
    """A Taiwanese CRM export in Big5 with Traditional headers (商機ID, 負責人, 銷售階段,
    建立日期, 關閉日期) and words (贏單 won, 丟單 lost): only 金額 was a field before.
    NT$ is the New Taiwan dollar. Hand count: open 1200, won 500 (25 days), lost 300."""
    path = tmp_path / "deals.csv"
    path.write_bytes(("商機ID,負責人,銷售階段,金額,建立日期,關閉日期\n"
                      '1,王大明,初步接觸,"NT$1,200",2026/10/03,2026/11/15\n'
                      '2,林美玲,贏單,"NT$500",2026/10/05,2026/10/30\n'
                      '3,王大明,丟單,"NT$300",2026/10/06,2026/10/20\n').encode("big5"))
    result, proposal = propose(cli, tmp_path, path)
    assert tomllib.loads(proposal.read_text(encoding="utf-8"))["columns"]["deals"] == {
        "deal_id": "商機ID", "rep": "負責人", "stage": "銷售階段", "amount": "金額",
        "created_at": "建立日期", "closed_at": "關閉日期",
    }
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert "(preset mapping, big5), read 3, loaded 3, rejected 0" in result.stderr
    assert query(db, "select status, sum(amount), min(currency) from deals group by 1 order by 1") == [
        ("lost", 300.0, "TWD"), ("open", 1200.0, "TWD"), ("won", 500.0, "TWD")
    ]
    tiers = json.loads(cli("tiers", "--db", db, "--format", "json").stdout)
    assert [(t["won"], t["won_amount"], t["median_days_to_win"]) for t in tiers] == [(1, 500.0, 25.0)]


def test_excel_accounting_zero_is_zero(tmp_path, db_path):
    """A report saved from Excel's accounting format writes zero as `$ -` or `€ -`: every
    such row was rejected as unparseable. It is 0; a bare `-` says neither currency nor
    zero and stays a reject. Hand count: 3 loaded, sum 0 + 0 + 250 = 250."""
    path = write(tmp_path, "deals.csv",
                 'Deal ID,Deal owner,Deal Stage,Amount\n1,Ann,Closed Won," $ -   "\n'
                 '2,Ann,Closed Won,"€ -"\n3,Ann,Closed Won,-\n4,Ann,Closed Won,"$250.00"\n')
    report = load_into(db_path, path)
    assert (report.files[0].rows_loaded, report.rows_rejected) == (3, 1)
    assert query(db_path, "select deal_id, amount from deals order by 1") == [
        ("1", 0.0), ("2", 0.0), ("4", 250.0)
    ]
    assert query(db_path, "select line, value, reason from load_rejects") == [
        (4, "-", "unparseable amount")
    ]


def test_ruby_and_go_timestamps_and_unpadded_iso_dates(tmp_path, db_path):
    """Rails- and Go-based CRMs write `2026-10-03 14:00:00 +0200` (a space before the
    offset), some tools `2026-10-3`: both were unparseable dates. Stored in UTC: 12:00 and
    19:00; `CET` stays a reject (a zone name is ambiguous)."""
    path = write(tmp_path, "deals.csv",
                 "deal_id,rep,stage,created_at\n"
                 "A,ann,lead,2026-10-03 14:00:00 +0200\nB,ann,lead,2026-10-03 14:00:00 -05:00\n"
                 "C,ann,lead,2026-10-3\nD,ann,lead,2026-1-3 9:05\nE,ann,lead,2026-10-03 14:00:00 CET\n")
    report = load_into(db_path, path)
    assert (report.files[0].rows_loaded, report.rows_rejected) == (4, 1)
    assert query(db_path, "select deal_id, created_at::varchar from deals order by 1") == [
        ("A", "2026-10-03 12:00:00"), ("B", "2026-10-03 19:00:00"),
        ("C", "2026-10-03 00:00:00"), ("D", "2026-01-03 09:05:00"),
    ]
    assert query(db_path, "select line, reason from load_rejects") == [
        (6, "time zone name not understood (give a UTC offset such as -05:00)")
    ]


def test_stage_ids_instead_of_names_are_said_and_in_number_order(cli, tmp_path):
    """A Pipedrive API dump (`stage_id` 1, 2, 3, 10; `add_time`): the ids were put in text
    order (1, 10, 2, 3) with no word that they are ids, and add_time was no created date.
    Now: 1 < 2 < 3 < 10 (still PLEASE PUT IN ORDER), a note says to map the ids, and
    add_time is created_at. Hand count: won 200 (deal 2), lost 300, open 100 + 400."""
    path = write(tmp_path, "deals.csv",
                 "id,user_id,stage_id,value,currency,status,add_time\n"
                 "1,11,1,100,EUR,open,2026-10-01 10:00:00\n2,11,3,200,EUR,won,2026-10-02 10:00:00\n"
                 "3,12,2,300,EUR,lost,2026-10-03 10:00:00\n4,12,10,400,EUR,open,2026-10-04 10:00:00\n")
    proposal = tmp_path / "p.toml"
    assert cli("init", path, "--out", proposal).exit_code == ExitCode.OK
    text = proposal.read_text(encoding="utf-8")
    config = tomllib.loads(text)
    assert config["funnel"]["stages"] == ["1", "2", "3", "10", "Won"]
    assert config["columns"]["deals"]["created_at"] == "add_time"
    assert "the stage column holds ids (1, 2, 3, 10), not names" in text
    db = tmp_path / "db.duckdb"
    assert cli("load", "--db", db, "--config", proposal, path).exit_code == ExitCode.OK
    assert query(db, "select status, sum(amount) from deals group by 1 order by 1") == [
        ("lost", 300.0), ("open", 500.0), ("won", 200.0)
    ]


def test_report_footer_below_title_lines_is_skipped_whole(db_path, tmp_path):
    """A Salesforce formatted report with title lines above the header and, after the
    records, "Grand Totals (2 records)", the total "USD 1,500.00", a blank line and the
    copyright line: every one-cell line after the last record is footer. The count of
    blank lines before a rejected line bound to the blank line itself (an unqualified
    `line`), so below title lines the total line was a reject (`too few fields`) and,
    without title lines, blank lines between the records were not subtracted. Hand count:
    3 title lines, 2 deals loaded, 3 footer lines skipped, 0 rejects; in the second file a
    one-cell line between records (line 6, after two blank lines) is a reject, the
    copyright line a footer."""
    report = write(tmp_path, "report.csv", (
        '"Opportunities by Stage"\n"As of 12/1/2025"\n\n'
        "Opportunity ID,Opportunity Name,Stage,Opportunity Owner,Amount,Created Date\n"
        "006A,Acme,Prospecting,Ann,\"USD 1,000.00\",11/20/2025\n"
        "006B,Beta,Closed Won,Bob,USD 500.00,11/21/2025\n"
        "\n"
        '"Grand Totals (2 records)"\n"USD 1,500.00"\n\n'
        '"Copyright (c) 2000-2025 salesforce.com, inc. All rights reserved."\n'))
    loaded = load_into(db_path, report).files[0]
    assert (loaded.rows_read, loaded.rows_loaded, loaded.rows_rejected) == (2, 2, 0)
    assert any("3 report footer lines" in n for n in loaded.notices), loaded.notices
    assert query(db_path, "select deal_id, amount, currency from deals order by 1") == [
        ("006A", 1000.0, "USD"), ("006B", 500.0, "USD")]
    other = tmp_path / "other.duckdb"
    middle = write(tmp_path, "middle.csv", (
        "deal_id,rep,stage,amount\n"
        "D1,Ann,lead,100\n\n\n"
        "D2,Ann,lead,200\n"
        '"a note pasted between rows"\n'
        "D3,Bob,won,300\n"
        '"Copyright (c) 2025 Example Inc."\n'))
    loaded = load_into(other, middle).files[0]
    assert (loaded.rows_read, loaded.rows_loaded, loaded.rows_rejected) == (4, 3, 1)
    assert query(other, "select line, reason from load_rejects") == [
        (6, "too few fields (expected 4)")]


def test_a_footer_line_between_records_keeps_the_lines_after_it(db_path, tmp_path):
    """A confidentiality line between the records (two reports pasted into one file), once
    as one cell and once as Excel re-saves it (`...,,,`, every field there): each is
    skipped as a footer line, but the records after it were numbered as if it were not in
    the file, so their rejects and `deals.line` named the line above the real one (4 -> 3,
    7 -> 5), and the second was skipped without a word. Hand count: records on lines 2, 4,
    5, 7; deals 1 and 3 loaded on lines 2 and 5, lines 4 and 7 rejected for their amounts;
    the same in a batch of two such files."""
    text = ("deal_id,rep,stage,amount\n"
            "1,Ann,lead,100\n"
            "Confidential Information - Do Not Distribute\n"
            "2,Ann,lead,xx\n"
            "3,Bob,lead,300\n"
            "Confidential Information - Do Not Distribute,,,\n"
            "4,Bob,lead,yy\n")
    path = write(tmp_path, "deals.csv", text)
    loaded = load_into(db_path, path).files[0]
    assert (loaded.rows_read, loaded.rows_loaded, loaded.rows_rejected) == (4, 2, 2)
    assert "1 report footer line (totals, copyright, confidentiality lines) skipped: not deals" \
        in loaded.notices
    assert query(db_path, "select deal_id, line from deals order by 1") == [("1", 2), ("3", 5)]
    assert query(db_path, "select line, value from load_rejects order by line") == [
        (4, "xx"), (7, "yy")]
    other = tmp_path / "batch.duckdb"
    (tmp_path / "two").mkdir()
    for name in ("a.csv", "b.csv"):
        write(tmp_path / "two", name, text.replace("\n1,", f"\n{name[0]}1,"))
    load_into(other, tmp_path / "two")
    assert query(other, "select deal_id, line from deals order by 1") == [
        ("3", 5), ("a1", 2), ("b1", 2)]
    assert query(other, "select line, value from load_rejects order by file_id, line") == [
        (4, "xx"), (7, "yy"), (4, "xx"), (7, "yy")]


def test_a_board_exported_group_by_group_loads_as_proposed(cli, tmp_path):
    """monday.com exports a board to Excel group by group: the board's name, then each
    group's name and the header again above its items. The repeated headers were records:
    init took `Stage` for a stage label (the load then refused the proposal: a stage named
    like the field `stage`) and keyed the deals by line, and a load rejected every repeated
    header and group name. Now both are skipped and said, every record keeps its sheet
    row, and `Item ID` is the key. Hand count: items in rows 5, 6, 10, 14; row 14's amount
    `xx` is rejected; Qualified reached 3, Proposal 2, Won 1 (4,000)."""
    import xlsxwriter

    header = ["Name", "Owner", "Stage", "Deal Value", "Close Date", "Item ID"]
    path = tmp_path / "Deals_1763596800.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Deals")
    sheet.write(0, 0, "Deals")
    sheet.write(2, 0, "Active Deals")
    sheet.write_row(3, 0, header)
    sheet.write_row(4, 0, ["Acme", "Ann Lee", "Qualified", 1000, "", "1001"])
    sheet.write_row(5, 0, ["Beta", "Bob Ray", "Proposal", 2000, "", "1002"])
    sheet.write(7, 0, "Won")
    sheet.write_row(8, 0, header)
    sheet.write_row(9, 0, ["Delta", "Bob Ray", "Won", 4000, "2026-03-02", "1004"])
    sheet.write(11, 0, "Lost")
    sheet.write_row(12, 0, header)
    sheet.write_row(13, 0, ["Zeta", "Bob Ray", "Lost", "xx", "2026-03-02", "1006"])
    book.close()
    result, proposal = propose(cli, tmp_path, path)
    config = tomllib.loads(proposal.read_text(encoding="utf-8"))
    assert config["funnel"] == {"stages": ["Qualified", "Proposal", "Won"], "lost": ["Lost"]}
    assert config["columns"]["deals"]["deal_id"] == "Item ID"
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert "read 4, loaded 3, rejected 1" in result.stderr
    assert ("2 repeated header lines and 2 group name lines above them skipped (the header "
            "repeated above a group of records): not records") in result.stderr
    assert query(db, "select line, column_name, value from load_rejects") == [
        (14, "amount", "xx")]
    assert query(db, "select deal_id, line, status, amount from deals order by 1") == [
        ("1001", 5, "open", 1000.0), ("1002", 6, "open", 2000.0), ("1004", 10, "won", 4000.0)]
    rows = json.loads(cli("conversion", "--db", db, "--format", "json").stdout)
    assert [(r["stage"], r["reached"]) for r in rows] == [
        ("Qualified", 3), ("Proposal", 2), ("Won", 1)]


def test_a_header_repeated_in_csv_files_keeps_every_line(db_path, tmp_path):
    """The same in CSV files (two exports pasted into one, a batch of such files): a
    repeated header was a rejected record (`unknown stage label`). Hand count: records on
    lines 2, 3 (the header again), 4; deals 1 and 2 on lines 2 and 4, nothing rejected."""
    text = "deal_id,rep,stage,amount\n1,Ann,lead,100\ndeal_id,rep,stage,amount\n2,Bob,lead,200\n"
    loaded = load_into(db_path, write(tmp_path, "deals.csv", text)).files[0]
    assert (loaded.rows_read, loaded.rows_loaded, loaded.rows_rejected) == (2, 2, 0)
    assert query(db_path, "select deal_id, line from deals order by 1") == [("1", 2), ("2", 4)]
    (tmp_path / "two").mkdir()
    for name in ("a.csv", "b.csv"):
        write(tmp_path / "two", name, text.replace("\n1,", f"\n{name[0]}1,"))
    other = tmp_path / "batch.duckdb"
    report = load_into(other, tmp_path / "two")
    assert [(f.rows_read, f.rows_rejected) for f in report.files] == [(2, 0), (2, 0)]
    assert query(other, "select deal_id, line from deals order by 1") == [
        ("2", 4), ("a1", 2), ("b1", 2)]


def test_an_excel_lock_file_in_the_folder_is_not_read(cli, tmp_path, db_path):
    """While a workbook is open, Excel writes its owner file `~$<name>.xlsx` beside it
    (165 bytes, no zip): init and load of the folder stopped with exit 3 ("cannot be read
    as an Excel workbook"). It is named on stderr and not read, in the folder and in a
    dated subfolder. Hand count: 2 deals from the workbook, 1 from the dated folder's CSV."""
    import openpyxl

    folder = tmp_path / "exports"
    (folder / "2025-12-02").mkdir(parents=True)
    book = openpyxl.Workbook()
    book.active.append(["Opportunity ID", "Opportunity Owner", "Stage", "Amount"])
    book.active.append(["A1", "Ann", "Prospecting", 100])
    book.active.append(["A2", "Ann", "Closed Won", 200])
    book.save(folder / "opps.xlsx")
    lock = b"\x03Ann" + b" " * 51 + b"\x00" * 110
    (folder / "~$opps.xlsx").write_bytes(lock)
    write(folder / "2025-12-02", "opps.csv",
          "Opportunity ID,Opportunity Owner,Stage,Amount\nA3,Bob,Closed Won,300\n")
    (folder / "2025-12-02" / "~$opps.csv").write_bytes(lock)
    result = cli("init", folder)
    assert result.exit_code == ExitCode.OK, result.stderr
    result = cli("load", "--db", db_path, folder)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert f"{folder / '~$opps.xlsx'}: an Office lock file" in result.stderr
    assert f"{folder / '2025-12-02' / '~$opps.csv'}: an Office lock file" in result.stderr
    assert query(db_path, "select deal_id, rep, amount from deals order by 1") == [
        ("A1", "Ann", 100.0), ("A2", "Ann", 200.0), ("A3", "Bob", 300.0)]


def test_init_skips_a_workbooks_summary_sheet_and_load_follows(cli, tmp_path, db_path):
    """A workbook with its deals sheet and a pivot summary sheet: init proposes [files]
    skip = ["book.xlsx[Summary]"], but load matched skip against file names only, as shell
    patterns, so the summary sheet stopped the load (exit 3, no preset fits). The same for
    a CSV file named with brackets, which init writes as its exact name ("[1]" was a
    character class). Hand count: 3 deals from the sheet, 2 from deals.csv; won 1 (200)."""
    import openpyxl

    folder = tmp_path / "exports"
    folder.mkdir()
    book = openpyxl.Workbook()
    book.active.title = "Deals"
    book.active.append(["Deal ID", "Stage", "Owner", "Amount"])
    for row in (["D1", "lead", "Ann", 100], ["D2", "won", "Ann", 200], ["D3", "lost", "Bob", 300]):
        book.active.append(row)
    summary = book.create_sheet("Summary")
    summary.append(["Sum of Amount by Stage"])
    summary.append(["Stage", "Total"])
    summary.append(["lead", 100])
    book.save(folder / "book.xlsx")
    write(folder, "deals.csv", "Deal ID,Stage,Owner,Amount\nE1,lead,Cy,50\nE2,lead,Cy,60\n")
    write(folder, "notes[1].csv", "Sum of Amount\n10\n")
    proposal = tmp_path / "proposal.toml"
    result = cli("init", folder, "--out", proposal)
    assert result.exit_code == ExitCode.OK, result.stderr
    skip = tomllib.loads(proposal.read_text(encoding="utf-8"))["files"]["skip"]
    assert sorted(skip) == ["book.xlsx[Summary]", "notes[1].csv"]
    result = cli("load", "--db", db_path, "--config", proposal, folder)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "book.xlsx[Summary]: skipped (the config's [files] skip list)" in result.stderr
    assert "notes[1].csv: skipped (the config's [files] skip list)" in result.stderr
    assert query(db_path, "select status, count(*), sum(amount) from deals group by 1 "
                          "order by 1") == [("lost", 1, 300.0), ("open", 3, 210.0),
                                            ("won", 1, 200.0)]


def test_dutch_month_names_are_dates(cli, tmp_path):
    """A Dutch Excel writes d-mmm-jjjj dates with Dutch month words (`2-mrt-2026`,
    `15 mei 2026`, `1 maart 2026`): init said "no created date" of the Aanmaakdatum column
    and load rejected every row as "unparseable date". Hand count: the won deal ran from
    2 March to 15 May 2026, 74 days; augustus, januari and februari are months too."""
    path = write(tmp_path, "deals.csv",
                 "Deal ID,Eigenaar,Fase,Bedrag,Aanmaakdatum,Sluitingsdatum\n"
                 "1,Jan,Gewonnen,1000,2-mrt-2026,15 mei 2026\n"
                 "2,Jan,Voorstel gedaan,500,1 maart 2026,\n"
                 "3,Jan,Voorstel gedaan,500,3 augustus 2026,\n"
                 "4,Jan,Voorstel gedaan,500,4-jan-2026,\n"
                 "5,Jan,Voorstel gedaan,500,5 januari 2026,\n"
                 "6,Jan,Voorstel gedaan,500,6 februari 2026,\n")
    result, proposal = propose(cli, tmp_path, path)
    assert "no created date" not in result.stderr and "no close date" not in result.stderr
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert "read 6, loaded 6, rejected 0" in result.stderr
    assert query(db, "select deal_id, created_at::date::varchar from deals order by 1") == [
        ("1", "2026-03-02"), ("2", "2026-03-01"), ("3", "2026-08-03"), ("4", "2026-01-04"),
        ("5", "2026-01-05"), ("6", "2026-02-06"),
    ]
    tiers = json.loads(cli("tiers", "--db", db, "--format", "json").stdout)
    assert [(t["won"], t["median_days_to_win"]) for t in tiers] == [(1, 74.0)]


def test_an_amount_header_naming_its_currency_gives_the_currency(cli, tmp_path):
    """Regional Salesforce reports name the currency in the amount's header: `Amount (EUR)`
    was no amount at all (the preset wants `Amount`; init said "no amount"), and
    `Amount (USD)` was an amount of no currency, so a second region's file was added to it
    (rank's won_amount 2,000 + 5,000 = 7,000 of two currencies). Now the header is the
    currency: two currencies are exit 6, and --currency EUR is the EUR deal's 2,000."""
    eur = write(tmp_path, "emea.csv",
                "Opportunity ID,Stage,Amount (EUR),Created Date,Close Date,Opportunity Owner\n"
                "1,Prospecting,1000,2025-01-02,,Ann\n"
                "2,Closed Won,2000,2025-01-03,2025-02-04,Ann\n")
    usd = write(tmp_path, "us.csv",
                "Opportunity ID,Stage,Amount (USD),Created Date,Close Date,Opportunity Owner\n"
                "11,Prospecting,1000,2025-01-02,,Bob\n"
                "12,Closed Won,5000,2025-01-03,2025-02-06,Bob\n")
    result = cli("init", eur, usd)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "no amount" not in result.stderr
    assert "# The amounts are in 2 currencies (EUR 2, USD 2 rows)." in result.stdout
    db = tmp_path / "db.duckdb"
    result = cli("load", "--db", db, eur, usd)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "the currency of every amount is EUR, as its header 'Amount (EUR)' says" in result.stderr
    assert query(db, "select deal_id, amount, currency from deals order by deal_id::int") == [
        ("1", 1000.0, "EUR"), ("2", 2000.0, "EUR"), ("11", 1000.0, "USD"), ("12", 5000.0, "USD"),
    ]
    result = cli("rank", "--db", db, "--month", "2025-02", "-f", "json")
    assert result.exit_code == ExitCode.QUERY and "EUR, USD" in result.stderr
    rows = json.loads(cli("rank", "--db", db, "--month", "2025-02", "--currency", "EUR",
                          "-f", "json").stdout)
    assert [(r["rep"], r["won_amount"]) for r in rows] == [("Ann", 2000.0)]


@pytest.mark.parametrize("header, code", [
    ("Betrag (CHF)", "CHF"), ("Montant en EUR", "EUR"), ("Valor em BRL", "BRL"),
    ("Amount [€]", "EUR"), ("Value in GBP", "GBP"), ("Amount USD", "USD"),
])
def test_amount_headers_in_other_languages_name_the_currency(cli, tmp_path, header, code):
    """Init maps such a header as the amount, or the canonical preset reads it (init said
    "no amount" of the ones not spelt `Amount (USD)`), and load reads the currency from it
    (of none before); `Probability (%)` names no currency."""
    path = write(tmp_path, "deals.csv",
                 f'deal_id,stage,rep,"{header}",Probability (%)\n'
                 "1,won,Ann,1500,100\n2,lead,Ann,250,10\n")
    result = cli("init", path, "--out", tmp_path / "p.toml")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "no amount" not in result.stderr
    db = tmp_path / "db.duckdb"
    result = cli("load", "--db", db, "--config", tmp_path / "p.toml", path)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert query(db, "select deal_id, amount, currency from deals order by 1") == [
        ("1", 1500.0, code), ("2", 250.0, code),
    ]


def test_salesforce_currency_columns_in_other_languages_are_the_currency(cli, tmp_path):
    """A German Salesforce report writes the currency as `Betrag Währung` (French `Montant
    Devise`, Spanish `Importe Divisa`): init left it out, so CHF and EUR amounts were one
    currency and tiers' won_amount added them up (1,234.56 CHF + 12,500 EUR)."""
    path = write(tmp_path, "bericht.csv",
                 "Opportunity-Inhaber,Phase,Betrag Währung,Betrag,Wahrscheinlichkeit (%),"
                 "Erstelldatum,Schlusstermin,Opportunity-ID\n"
                 'Jürgen,Qualifizierung,EUR,"8.000,50",10,04.02.2025,20.04.2025,2\n'
                 'Anna,Geschlossen und gewonnen,CHF,"1.234,56",100,05.01.2025,28.02.2025,3\n'
                 'Anna,Geschlossen und gewonnen,EUR,"12.500,00",100,06.01.2025,01.03.2025,4\n')
    result, proposal = propose(cli, tmp_path, path)
    assert tomllib.loads(proposal.read_text())["columns"]["deals"]["currency"] == "Betrag Währung"
    db = tmp_path / "db.duckdb"
    assert cli("load", "--db", db, "--config", proposal, path).exit_code == ExitCode.OK
    assert cli("tiers", "--db", db, "-f", "json").exit_code == ExitCode.QUERY
    tiers = json.loads(cli("tiers", "--db", db, "--currency", "CHF", "-f", "json").stdout)
    assert [(t["won"], t["won_amount"]) for t in tiers] == [(1, 1234.56)]
    for header in ("Montant Devise", "Importe Divisa", "Devise de l'opportunité",
                   "Divisa de la oportunidad", "Opportunity-Währung"):
        other = write(tmp_path, "other.csv", f'Opportunity-ID,Phase,Betrag,"{header}"\n'
                                             "1,Gagné,100,EUR\n2,Qualifié,100,CHF\n")
        result = cli("init", other, "--out", tmp_path / "o.toml", "--force")
        assert result.exit_code == ExitCode.OK, result.stderr
        mapped = tomllib.loads((tmp_path / "o.toml").read_text())["columns"]["deals"]
        assert mapped["currency"] == header, header


def test_an_mrr_header_naming_its_currency_gives_the_currency(db_path, tmp_path):
    """`MRR (GBP)`: the MRR of every subscription is in GBP (it was MRR of no currency)."""
    path = write(tmp_path, "subscriptions.csv",
                 "customer_id,started_at,ended_at,MRR (GBP)\nc1,2025-01-01,,100\n"
                 "c2,2025-01-01,2025-03-01,50\n")
    load_into(db_path, path)
    assert query(db_path, "select customer_id, mrr, currency from subscriptions order by 1") == [
        ("c1", 100.0, "GBP"), ("c2", 50.0, "GBP"),
    ]


ODOO_FRENCH = (
    "ID,Opportunité,Client,Commercial,Étape,Revenu espéré,Probabilité,Créé le,"
    "Date de fermeture,Raison de la perte,Actif\n"
    "crm_lead_1,A,Société A,Élodie,Nouveau,1000.00,10.0,2025-01-02 10:00:00,,,True\n"
    "crm_lead_2,B,Société B,Élodie,Qualifié,2000.00,30.0,2025-01-03 10:00:00,,,True\n"
    "crm_lead_3,C,Société C,Jérôme,Proposition,500.00,70.0,2025-01-04 10:00:00,,,True\n"
    "crm_lead_4,D,Société D,Jérôme,Gagné,3500.00,100.0,2025-01-05 10:00:00,2025-02-10 10:00:00,,True\n"
    "crm_lead_5,E,Société E,Jérôme,Proposition,800.00,0.0,2025-01-06 10:00:00,"
    "2025-02-11 10:00:00,Trop cher,False\n"
)


def test_an_odoo_export_in_french_loads_as_proposed(cli, tmp_path):
    """Odoo writes its column labels in the user's language: `Revenu espéré`, `Créé le`
    and `Actif` were no field, so init said "no amount" and "no created date", and the
    archived lead E (Actif False: lost at Proposition, for Trop cher) loaded as an open
    deal. Hand count: 1 won of 2 closed; dropoff has E's 800 lost at Proposition."""
    path = write(tmp_path, "crm.lead.csv", ODOO_FRENCH)
    result, proposal = propose(cli, tmp_path, path)
    assert "no amount" not in result.stderr and "no created date" not in result.stderr
    mapped = tomllib.loads(proposal.read_text())["columns"]["deals"]
    assert (mapped["amount"], mapped["created_at"], mapped["is_active"]) == (
        "Revenu espéré", "Créé le", "Actif")
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert query(db, "select deal_id, status, amount from deals order by 1") == [
        ("crm_lead_1", "open", 1000.0), ("crm_lead_2", "open", 2000.0),
        ("crm_lead_3", "open", 500.0), ("crm_lead_4", "won", 3500.0),
        ("crm_lead_5", "lost", 800.0),
    ]
    rows = json.loads(cli("dropoff", "--db", db, "-f", "json").stdout)
    assert [(r["stage"], r["reason"], r["lost"], r["amount"]) for r in rows] == [
        ("Proposition", "Trop cher", 1, 800.0)
    ]


@pytest.mark.parametrize("header, field", [
    ("Verkäufer", "rep"), ("Erwarteter Umsatz", "amount"), ("Kunde", "account"),
    ("Aktiv", "is_active"), ("Creado el", "created_at"), ("Ingreso esperado", "amount"),
    ("Cliente", "account"), ("Activo", "is_active"), ("Propriétaire de l'affaire", "rep"),
    ("Heure de création", "created_at"), ("Source du prospect", "source"),
])
def test_odoo_and_zoho_headers_in_other_languages_name_their_field(header, field):
    assert normalise(header) in SYNONYMS[field]


def test_a_bitrix24_export_in_english_and_russian_loads_as_proposed(cli, tmp_path):
    """Bitrix24's English UI writes `Responsible person` and `Income` (init said "no owner"
    and "no amount", and ordered its stages by frequency); its Russian one writes the
    close date as `Предполагаемая дата закрытия` and the pipeline as `Направление` (no
    close date: wins had no month). Hand count: Mary won 1,500 in 2025-02 and lost 1."""
    (tmp_path / "en").mkdir()
    (tmp_path / "ru").mkdir()
    english = write(tmp_path, "en/deals.csv",
                    "ID,Deal Name,Pipeline,Stage,Income,Currency,Responsible person,Created,"
                    "Expected close date,Company\n"
                    "101,A,General,New,1000,USD,John Smith,01/15/2025,02/28/2025,Acme\n"
                    "102,B,General,Preparing documents,2000,USD,John Smith,01/16/2025,03/15/2025,Beta\n"
                    "103,C,General,Deal won,1500,USD,Mary Jones,01/17/2025,02/10/2025,Gamma\n"
                    "104,D,General,Deal failed,700,USD,Mary Jones,01/18/2025,02/12/2025,Delta\n")
    russian = write(tmp_path, "ru/deals.csv",
                    "ID,Название сделки,Направление,Стадия сделки,Сумма,Валюта,Ответственный,"
                    "Дата создания,Предполагаемая дата закрытия,Компания\n"
                    "101,А,Общее,Новая,1000,RUB,Иван,15.01.2025,28.02.2025,Ромашка\n"
                    "102,Б,Общее,Подготовка документов,2000,RUB,Иван,16.01.2025,15.03.2025,Лютик\n"
                    "103,В,Общее,Сделка успешна,1500,RUB,Мария,17.01.2025,10.02.2025,Гамма\n"
                    "104,Г,Общее,Сделка провалена,700,RUB,Мария,18.01.2025,12.02.2025,Дельта\n")
    for path, mary, stages in (
        (english, "Mary Jones", ["New", "Preparing documents", "Deal won"]),
        (russian, "Мария", ["Новая", "Подготовка документов", "Сделка успешна"]),
    ):
        proposal = path.parent / "p.toml"
        result = cli("init", path, "--out", proposal)
        assert result.exit_code == ExitCode.OK, result.stderr
        assert "not found: no owner" not in result.stderr, path
        assert "no amount" not in result.stderr and "no close date" not in result.stderr, path
        config = tomllib.loads(proposal.read_text())
        assert config["funnel"]["stages"] == stages
        assert config["columns"]["deals"]["pipeline"] in ("Pipeline", "Направление")
        db = path.parent / "db.duckdb"
        result = cli("load", "--db", db, "--config", proposal, path)
        assert result.exit_code == ExitCode.OK, result.stderr
        rows = json.loads(cli("rank", "--db", db, "--month", "2025-02", "-f", "json").stdout)
        assert [(r["rep"], r["won_amount"], r["lost"]) for r in rows] == [(mary, 1500.0, 1)]


def test_a_salesforce_report_of_converted_amounts_only(cli, tmp_path, db_path):
    """A multi-currency org's report may show only `Amount (converted)` beside `Amount
    (converted) Currency`: the preset read no amount (init: "no amount"; tiers' won_amount
    null). Hand count: the won deal's 2,200.00 USD."""
    path = write(tmp_path, "report.csv",
                 "Opportunity Owner,Stage,Amount (converted) Currency,Amount (converted),"
                 "Created Date,Close Date,Opportunity ID\n"
                 'Ann,Prospecting,USD,"1,100.00",1/15/2025,3/31/2025,0061\n'
                 'Ann,Closed Won,USD,"2,200.00",1/16/2025,2/20/2025,0062\n'
                 "Bob,Closed Lost,USD,550.00,1/17/2025,2/21/2025,0063\n")
    result = cli("init", path)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "no amount" not in result.stderr
    result = cli("load", "--db", db_path, path)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert query(db_path, "select deal_id, amount, currency from deals order by 1") == [
        ("0061", 1100.0, "USD"), ("0062", 2200.0, "USD"), ("0063", 550.0, "USD"),
    ]
    tiers = json.loads(cli("tiers", "--db", db_path, "-f", "json").stdout)
    assert [(t["won"], t["won_amount"]) for t in tiers] == [(1, 2200.0)]


def test_a_capsule_export_names_its_stage_milestone(cli, tmp_path):
    """Capsule (like Nutshell and Agile CRM) calls an opportunity's stage its `Milestone`,
    with the outcome in `Status`: init found no stage column, put the only file in
    `[files] skip` and the load refused it. Hand count: 5 deals; stages ordered by
    Probability: Prospect reached by 5, Qualified by 4 (1 lost there, for Price), Proposal
    by 2 (1 open), won 1: 12,000 GBP."""
    path = write(tmp_path, "opportunities.csv",
                 "ID,Name,Contact,Owner,Pipeline,Milestone,Value,Currency,Probability,"
                 "Expected Close Date,Closed Date,Lost Reason,Status,Created\n"
                 "101,Rebrand,Acme Ltd,Jane Smith,Sales,Prospect,5000,GBP,10,2025-12-15,,,Open,"
                 "2025-10-01\n"
                 "102,Website,Beta Ltd,Jane Smith,Sales,Proposal,12000,GBP,50,2025-11-30,"
                 "2025-11-20,,Won,2025-10-03\n"
                 "103,SEO,Gamma Ltd,Tom Jones,Sales,Qualified,3000,GBP,25,2025-11-30,2025-11-02,"
                 "Price,Lost,2025-10-04\n"
                 "104,Audit,Delta Ltd,Tom Jones,Sales,Proposal,2500,GBP,50,2026-01-15,,,Open,"
                 "2025-10-05\n"
                 "105,Retainer,Eps Ltd,Jane Smith,Sales,Qualified,1000,GBP,25,2026-01-15,,,Open,"
                 "2025-10-06\n")
    result, proposal = propose(cli, tmp_path, path)
    config = tomllib.loads(proposal.read_text(encoding="utf-8"))
    assert "files" not in config
    columns = config["columns"]["deals"]
    assert (columns["stage"], columns["status"], columns["rep"], columns["amount"],
            columns["lost_reason"]) == ("Milestone", "Status", "Owner", "Value", "Lost Reason")
    assert config["funnel"]["stages"] == ["Prospect", "Qualified", "Proposal", "Won"]
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert "read 5, loaded 5, rejected 0" in result.stderr
    rows = json.loads(cli("conversion", "--db", db, "--format", "json").stdout)
    assert [(r["stage"], r["reached"], r["open"], r["lost"]) for r in rows] == [
        ("Prospect", 5, 1, 0), ("Qualified", 4, 1, 1), ("Proposal", 2, 1, 0), ("Won", 1, 0, 0)]
    assert query(db, "select status, count(*), sum(amount), any_value(currency) from deals "
                     "group by 1 order by 1") == [
        ("lost", 1, 3000.0, "GBP"), ("open", 3, 8500.0, "GBP"), ("won", 1, 12000.0, "GBP")]
    dropoff = json.loads(cli("dropoff", "--db", db, "--format", "json").stdout)
    assert [(r["stage"], r["reason"], r["lost"]) for r in dropoff] == [("Qualified", "Price", 1)]


def test_an_insightly_opportunities_export_loads_as_proposed(cli, tmp_path):
    """Insightly writes the outcome in `Opportunity State` (Open, Won, Lost, Abandoned,
    Suspended), the rep in `User Responsible`, the amount in `Bid Amount` / `Bid Currency`
    and the loss in `Opportunity State Reason`: init mapped none of them, so the won and
    lost deals loaded as open under "(no owner)" without amounts, and nothing said so.
    Hand count: 6 deals; Discovery reached by 6 (1 abandoned = lost, for No response; 1
    open; 1 suspended = open), Proposal by 3 (1 lost, Price too high; 1 open), Negotiation
    and won by 1: Bob Ray's 20,000 USD; open amounts 10,000 + 7,000 + 4,000."""
    path = write(tmp_path, "Opportunities.csv",
                 "Record ID,Opportunity Name,Probability Of Winning,Forecast Close Date,"
                 "Actual Close Date,Bid Currency,Bid Amount,Bid Type,Opportunity State,"
                 "Opportunity State Reason,User Responsible,Record Owner,Organization,Pipeline,"
                 "Pipeline Stage,Date Created\n"
                 "9001,Acme,20,2025-12-31,,USD,10000,Fixed Bid,Open,,Ann Lee,Ann Lee,Acme,Sales,"
                 "Discovery,2025-10-01 10:00:00\n"
                 "9002,Beta,80,2025-11-30,2025-11-20,USD,20000,Fixed Bid,Won,Best fit,Bob Ray,"
                 "Ann Lee,Beta,Sales,Negotiation,2025-10-02 10:00:00\n"
                 "9003,Gamma,40,2025-11-30,2025-11-10,USD,5000,Fixed Bid,Lost,Price too high,"
                 "Ann Lee,Ann Lee,Gamma,Sales,Proposal,2025-10-03 10:00:00\n"
                 "9004,Delta,40,2026-01-30,,USD,7000,Fixed Bid,Open,,Bob Ray,Ann Lee,Delta,Sales,"
                 "Proposal,2025-10-04 10:00:00\n"
                 "9005,Eps,20,2026-01-30,2025-10-30,USD,3000,Fixed Bid,Abandoned,No response,"
                 "Bob Ray,Ann Lee,Eps,Sales,Discovery,2025-10-05 10:00:00\n"
                 "9006,Zeta,20,2026-02-28,,USD,4000,Fixed Bid,Suspended,,Ann Lee,Ann Lee,Zeta,"
                 "Sales,Discovery,2025-10-06 10:00:00\n")
    result, proposal = propose(cli, tmp_path, path)
    assert "no owner" not in result.stderr and "no amount" not in result.stderr
    columns = tomllib.loads(proposal.read_text(encoding="utf-8"))["columns"]["deals"]
    assert (columns["status"], columns["rep"], columns["amount"], columns["currency"],
            columns["lost_reason"], columns["closed_at"]) == (
        "Opportunity State", "User Responsible", "Bid Amount", "Bid Currency",
        "Opportunity State Reason", "Actual Close Date")
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert "read 6, loaded 6, rejected 0" in result.stderr
    rows = json.loads(cli("conversion", "--db", db, "--format", "json").stdout)
    assert [(r["stage"], r["reached"], r["open"], r["lost"]) for r in rows] == [
        ("Discovery", 6, 2, 1), ("Proposal", 3, 1, 1), ("Negotiation", 1, 0, 0),
        ("Won", 1, 0, 0)]
    assert query(db, "select status, count(*), sum(amount) from deals group by 1 order by 1") == [
        ("lost", 2, 8000.0), ("open", 3, 21000.0), ("won", 1, 20000.0)]
    dropoff = json.loads(cli("dropoff", "--db", db, "--format", "json").stdout)
    assert sorted((r["stage"], r["reason"], r["lost"]) for r in dropoff) == [
        ("Discovery", "No response", 1), ("Proposal", "Price too high", 1)]
    rank = json.loads(cli("rank", "--db", db, "--month", "2025-11", "-f", "json").stdout)
    assert [(r["rep"], r["won_amount"]) for r in rank if r["won_amount"]] == [("Bob Ray", 20000.0)]


def test_a_teamleader_export_in_dutch_names_its_rep_customer_and_close_date(cli, tmp_path):
    """Teamleader Focus (Belgium) names a deal's rep `Verantwoordelijke`, its customer
    `Naam van de klant`, its title `Titel` and its close date `Afgesloten op`: init mapped
    none of them, so every deal loaded as "(no owner)", keyed by its line, and won and lost
    deals had no month. Excel's Belgian CSV: BOM, semicolons, decimal comma, day-first
    dates. Hand count: Nieuw reached by 4, Gecontacteerd by 3 (1 lost), Offerte verstuurd
    by 2 (1 open), won 1: Jan Janssens' 12.000,00 closed 20/11/2025."""
    path = tmp_path / "deals.csv"
    path.write_text(
        "\ufeffTitel;Naam van de klant;Verantwoordelijke;Fase;Waarde;Status;Aangemaakt op;"
        "Afgesloten op\r\n"
        "Website;Bakkerij Peeters;Jan Janssens;Nieuw;1.500,00;Open;03/10/2025;\r\n"
        "Webshop;Garage Claes;Jan Janssens;Offerte verstuurd;12.000,00;Gewonnen;04/10/2025;"
        "20/11/2025\r\n"
        "SEO;Apotheek Maes;Els Wouters;Gecontacteerd;800,00;Verloren;13/10/2025;25/10/2025\r\n"
        "Logo;Frituur Smet;Els Wouters;Offerte verstuurd;2.250,50;Open;14/10/2025;\r\n",
        encoding="utf-8", newline="")
    result, proposal = propose(cli, tmp_path, path)
    assert "no owner" not in result.stderr and "no close date" not in result.stderr
    config = tomllib.loads(proposal.read_text(encoding="utf-8"))
    columns = config["columns"]["deals"]
    assert (columns["deal_id"], columns["rep"], columns["account"], columns["closed_at"]) == (
        ["Titel", "Aangemaakt op"], "Verantwoordelijke", "Naam van de klant", "Afgesloten op")
    assert config["funnel"]["stages"] == ["Nieuw", "Gecontacteerd", "Offerte verstuurd", "Won"]
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert "read 4, loaded 4, rejected 0" in result.stderr
    rows = json.loads(cli("conversion", "--db", db, "--format", "json").stdout)
    assert [(r["stage"], r["reached"], r["open"], r["lost"]) for r in rows] == [
        ("Nieuw", 4, 1, 0), ("Gecontacteerd", 3, 0, 1), ("Offerte verstuurd", 2, 1, 0),
        ("Won", 1, 0, 0)]
    assert query(db, "select account, amount, closed_at::date::varchar from deals "
                     "where status = 'won'") == [("Garage Claes", 12000.0, "2025-11-20")]
    rank = json.loads(cli("rank", "--db", db, "--month", "2025-11", "-f", "json").stdout)
    assert [(r["rep"], r["won_amount"]) for r in rank if r["won_amount"]] == [
        ("Jan Janssens", 12000.0)]


def test_headers_with_the_records_name_in_front_name_their_field(cli, tmp_path):
    """ActiveCampaign writes every deal column as "Deal <field>": init found the id,
    owner, stage, status, value, currency and pipeline (spelled with Deal in front) but
    not "Deal Create Date", "Deal Close Date" or "Deal Lost Reason", and said "no created
    date", "no close date", "no lost reason" of a file holding all three. A header no
    spelling names is now also read without Deal / Opportunity / Lead in front. Hand
    count: won 12,000 by Ann in 2025-11 (2025-10-02 10:00 to 2025-11-05 10:00: 34 days),
    lost 800 at In Contact for Too expensive."""
    path = write(tmp_path, "deals.csv",
                 "Deal ID,Deal Title,Deal Value,Deal Currency,Deal Pipeline,Deal Stage,"
                 "Deal Owner,Deal Status,Deal Create Date,Deal Close Date,Deal Lost Reason,"
                 "Account\n"
                 '11,Acme,"$1,500.00",usd,Sales,To Contact,Ann Lee,Open,2025-10-01 10:00:00,,,'
                 "Acme\n"
                 '12,Beta,"$12,000.00",usd,Sales,Follow Up,Ann Lee,Won,2025-10-02 10:00:00,'
                 "2025-11-05 10:00:00,,Beta\n"
                 '13,Gamma,"$800.00",usd,Sales,In Contact,Bob Ray,Lost,2025-10-03 10:00:00,'
                 "2025-10-20 10:00:00,Too expensive,Gamma\n")
    result, proposal = propose(cli, tmp_path, path)
    assert "no created date" not in result.stderr and "no close date" not in result.stderr
    assert "no lost reason" not in result.stderr
    columns = tomllib.loads(proposal.read_text(encoding="utf-8"))["columns"]["deals"]
    assert (columns["created_at"], columns["closed_at"], columns["lost_reason"]) == (
        "Deal Create Date", "Deal Close Date", "Deal Lost Reason")
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert "read 3, loaded 3, rejected 0" in result.stderr
    assert query(db, "select deal_id, status, amount, currency, lost_reason from deals "
                     "order by 1") == [("11", "open", 1500.0, "USD", None),
                                       ("12", "won", 12000.0, "USD", None),
                                       ("13", "lost", 800.0, "USD", "Too expensive")]
    tiers = json.loads(cli("tiers", "--db", db, "--format", "json").stdout)
    assert [(t["won"], t["won_amount"], t["median_days_to_win"]) for t in tiers] == [
        (1, 12000.0, 34.0)]
    dropoff = json.loads(cli("dropoff", "--db", db, "--format", "json").stdout)
    assert [(r["stage"], r["reason"], r["lost"]) for r in dropoff] == [
        ("In Contact", "Too expensive", 1)]


def test_a_nutshell_export_names_its_close_date_and_confidence(cli, tmp_path):
    """Nutshell writes a lead's close date as `Closed` and its probability as
    `Confidence`: init took `Closed` for no field (a flag of that name is is_closed) and
    said "no close date", and ordered the milestones by frequency ("PLEASE PUT THESE IN
    FUNNEL ORDER"). Hand count: open confidences Qualify 10 < Present 40 < Negotiate 70;
    Qualify reached by 6, Present by 5 (2 lost: Lost, Cancelled), Negotiate by 2, won 1:
    Ann's 12,000 closed 11/05/2025 (month-first), so rank credits it to 2025-11."""
    path = write(tmp_path, "leads.csv",
                 "Lead ID,Name,Milestone,Status,Value,Confidence,Assigned to,Company,Created,"
                 "Closed\n"
                 'L-1,Acme,Qualify,Open,"$1,500.00",10,Ann Lee,Acme,10/01/2025,\n'
                 'L-2,Beta,Negotiate,Won,"$12,000.00",100,Ann Lee,Beta,10/02/2025,11/05/2025\n'
                 "L-3,Gamma,Present,Lost,$800.00,0,Bob Ray,Gamma,10/03/2025,10/20/2025\n"
                 'L-4,Delta,Present,Cancelled,"$2,000.00",0,Bob Ray,Delta,10/13/2025,10/25/2025\n'
                 'L-5,Eps,Present,Open,"$3,000.00",40,Bob Ray,Eps,10/14/2025,\n'
                 'L-6,Zeta,Negotiate,Open,"$4,000.00",70,Ann Lee,Zeta,10/15/2025,\n')
    result, proposal = propose(cli, tmp_path, path)
    assert "no close date" not in result.stderr
    config = tomllib.loads(proposal.read_text(encoding="utf-8"))
    assert config["columns"]["deals"]["closed_at"] == "Closed"
    assert config["funnel"]["stages"] == ["Qualify", "Present", "Negotiate", "Won"]
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert "read 6, loaded 6, rejected 0" in result.stderr
    rows = json.loads(cli("conversion", "--db", db, "--format", "json").stdout)
    assert [(r["stage"], r["reached"], r["open"], r["lost"]) for r in rows] == [
        ("Qualify", 6, 1, 0), ("Present", 5, 1, 2), ("Negotiate", 2, 1, 0), ("Won", 1, 0, 0)]
    rank = json.loads(cli("rank", "--db", db, "--month", "2025-11", "-f", "json").stdout)
    assert [(r["rep"], r["won_amount"]) for r in rank if r["won_amount"]] == [
        ("Ann Lee", 12000.0)]


def test_amounts_per_month_or_year_are_said_by_init(cli, tmp_path):
    """Capsule writes a recurring opportunity's value per period (`Duration Basis` MONTH,
    YEAR with a `Duration`), Close per `value_period` (monthly, annual), Insightly per
    `Bid Type`: the load reads each value as the deal's amount (1,000 a month for 12
    months is 1,000, not 12,000) and init said nothing. init now warns, on stderr and in
    the proposal, how many amounts are per period; FIXED ones are not counted. Hand count:
    2 of 4 per period (MONTH 1, YEAR 1); loaded as written, 5,000 + 1,000 + 2,400 + 700."""
    path = write(tmp_path, "opportunities.csv",
                 "ID,Name,Owner,Milestone,Value,Currency,Duration Basis,Duration,Status,Created\n"
                 "1,Rebrand,Jane,Prospect,5000,GBP,FIXED,,Open,2025-10-01\n"
                 "2,Retainer,Jane,Qualified,1000,GBP,MONTH,12,Open,2025-10-02\n"
                 "3,Support,Tom,Proposal,2400,GBP,YEAR,2,Won,2025-10-03\n"
                 "4,Audit,Tom,Qualified,700,GBP,,,Open,2025-10-04\n")
    result, proposal = propose(cli, tmp_path, path)
    said = ("'Duration Basis': 2 amounts are per period (MONTH 1, YEAR 1), not the deal's "
            "total: the load reads 'Value' as written")
    assert f"warning: {said}" in result.stderr
    assert f"#   opportunities.csv: {said}" in proposal.read_text(encoding="utf-8")
    result, db = load_proposed(cli, tmp_path, proposal, path)
    assert query(db, "select sum(amount), count(*) from deals") == [(9100.0, 4)]
    fixed = write(tmp_path, "fixed.csv", path.read_text().replace("MONTH", "FIXED")
                  .replace("YEAR", "FIXED"))
    assert "per period" not in cli("init", fixed).stderr
