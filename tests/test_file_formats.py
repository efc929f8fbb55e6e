"""Files as people really have them: encodings, delimiters, date styles, amounts."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import load_into, query, write

from salesfunnel.errors import InputError

NAMES = {
    "cp1252": ["Jürgen Müller", "François Pérez", "Zoë Ørsted"],
    "gb18030": ["张伟", "王芳", "李娜"],
    "big5": ["陳大文", "林志玲", "黃小明"],
    # Russian (Bitrix24, 1C), Japanese (a Salesforce report in Shift_JIS) and Polish
    # exports: the first two were exit 3 ("not recognisably cp1252, GB18030 or Big5"),
    # the Polish names loaded as "£ukasz ¯ó³kiewski", "Ma³gorzata W¹s" (read as cp1252)
    "cp1251": ["Иван Петров", "Мария Иванова", "Ольга Смирнова"],
    "cp932": ["山田 太郎", "佐藤 花子", "鈴木 一郎"],
    "cp1250": ["Łukasz Żółkiewski", "Małgorzata Wąs", "Paweł Ślusarczyk"],
}


def _deals_text(names, delimiter=","):
    rows = [delimiter.join(["deal_id", "rep", "stage"])]
    rows += [delimiter.join([f"D{i}", name, "lead"]) for i, name in enumerate(names, start=1)]
    return "\r\n".join(rows) + "\r\n"


def _reps(db_path):
    return [r for (r,) in query(db_path, "select rep from deals order by deal_id")]


@pytest.mark.parametrize("encoding", ["cp1252", "gb18030", "big5", "cp1251", "cp932", "cp1250"])
def test_legacy_encodings_are_detected(tmp_path, db_path, encoding):
    path = tmp_path / "deals.csv"
    path.write_bytes(_deals_text(NAMES[encoding]).encode(encoding))
    report = load_into(db_path, path)
    assert report.files[0].encoding == encoding
    assert _reps(db_path) == NAMES[encoding]


def test_cp1252_symbols_beside_letters_stay_cp1252(tmp_path, db_path):
    """Only a symbol inside a word (Ma³gorzata) or £ ¯ ¥ opening one (£ukasz) reads as
    Polish: Spanish ¿, pounds, yen and cubic metres are cp1252 text."""
    names = ["¿Qué tal? Müller", "£200 Ødegård", "¥300 Jérôme, 5 m³"]
    path = tmp_path / "deals.csv"
    path.write_bytes(_deals_text([f'"{name}"' for name in names]).encode("cp1252"))
    report = load_into(db_path, path)
    assert report.files[0].encoding == "cp1252"
    assert _reps(db_path) == names


@pytest.mark.parametrize(
    ("label", "data"),
    [
        ("utf-8", _deals_text(NAMES["cp1252"]).encode("utf-8")),
        ("utf-8 with BOM", b"\xef\xbb\xbf" + _deals_text(NAMES["cp1252"]).encode("utf-8")),
        ("utf-16 (Excel Unicode text, tab)", _deals_text(NAMES["cp1252"], "\t").encode("utf-16")),
        ("utf-16-be", b"\xfe\xff" + _deals_text(NAMES["cp1252"]).encode("utf-16-be")),
    ],
)
def test_unicode_encodings(tmp_path, db_path, label, data):
    path = tmp_path / "deals.csv"
    path.write_bytes(data)
    report = load_into(db_path, path)
    assert report.files[0].rows_loaded == 3, label
    assert _reps(db_path) == NAMES["cp1252"]


def test_explicit_encoding_wins(tmp_path, db_path):
    path = tmp_path / "deals.csv"
    path.write_bytes(_deals_text(NAMES["big5"]).encode("big5"))
    load_into(db_path, path, encoding="big5")
    assert _reps(db_path) == NAMES["big5"]


def test_broken_utf8_is_refused_with_byte_offset(tmp_path, db_path):
    path = tmp_path / "deals.csv"
    good = _deals_text(["Jürgen"]).encode("utf-8")
    path.write_bytes(good + b"D9,M\xfcller,lead\r\n")
    with pytest.raises(InputError, match=rf"invalid UTF-8 at byte offset {len(good) + 4}"):
        load_into(db_path, path)
    assert not db_path.exists() or query(db_path, "select count(*) from deals") == [(0,)]


def test_wrong_explicit_encoding_names_the_offset(tmp_path, db_path):
    path = tmp_path / "deals.csv"
    path.write_bytes(b"deal_id,rep,stage\nD1,\xff\xff\xff,lead\n")
    with pytest.raises(InputError, match=r"byte offset \d+ is not valid utf-8"):
        load_into(db_path, path, encoding="utf-8-sig")


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_are_detected(tmp_path, db_path, delimiter):
    text = delimiter.join(["deal_id", "rep", "stage", "lost_reason"]) + "\n"
    text += delimiter.join(["D1", "ann", "lost", '"too, expensive; ""really""\nsaid twice"']) + "\n"
    text += delimiter.join(["D2", "bob", "lead", ""]) + "\n"
    load_into(db_path, write(tmp_path, "deals.csv", text))
    assert query(db_path, "select deal_id, lost_reason from deals order by 1") == [
        ("D1", 'too, expensive; "really"\nsaid twice'),
        ("D2", None),
    ]


@pytest.mark.parametrize(
    ("values", "expected", "order"),
    [
        (["2026-03-01", "2026-03-25 14:05"], [dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 25, 14, 5)],
         None),
        (["03/01/2026", "03/25/2026 2:05 PM"], [dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 25, 14, 5)],
         "mdy"),
        (["01/03/2026", "25/03/2026 14:05"], [dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 25, 14, 5)],
         "dmy"),
        (["01.03.2026", "25.03.2026 14:05"], [dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 25, 14, 5)],
         None),
    ],
)
def test_date_styles(tmp_path, db_path, values, expected, order):
    text = "deal_id,rep,stage,created_at\n" + "".join(
        f"D{i},ann,lead,{value}\n" for i, value in enumerate(values, start=1)
    )
    report = load_into(db_path, write(tmp_path, "deals.csv", text))
    assert report.files[0].date_order == order
    assert [c for (c,) in query(db_path, "select created_at from deals order by deal_id")] == expected


def test_ambiguous_dates_need_a_choice(tmp_path, db_path):
    path = write(tmp_path, "deals.csv", "deal_id,rep,stage,created_at\nD1,ann,lead,03/04/2026\n"
                                        "D2,ann,lead,05/06/2026\n")
    with pytest.raises(InputError, match="fits both month-first .* --date-format mdy\\|dmy"):
        load_into(db_path, path)
    load_into(db_path, path, date_order="dmy")
    assert query(db_path, "select created_at from deals order by deal_id") == [
        (dt.datetime(2026, 4, 3),), (dt.datetime(2026, 6, 5),)
    ]


def test_date_order_from_the_config(tmp_path, db_path):
    config = write(tmp_path, "c.toml", '[dates]\norder = "mdy"\n')
    path = write(tmp_path, "deals.csv", "deal_id,rep,stage,created_at\nD1,ann,lead,03/04/2026\n")
    load_into(db_path, path, config=config)
    assert query(db_path, "select created_at from deals") == [(dt.datetime(2026, 3, 4),)]


def test_amount_formats(tmp_path, db_path):
    text = (
        "deal_id;rep;stage;amount\n"
        "A;ann;lead;$1,200.50\n"
        "B;ann;lead;1.200,50 €\n"
        "C;ann;lead;1 200,50\n"
        "D;ann;lead;EUR 99\n"
        "E;ann;lead;1200,5\n"
        "F;ann;lead;-5\n"
        "G;ann;lead;12abc\n"
        "H;ann;lead;1e400\n"
    )
    load_into(db_path, write(tmp_path, "deals.csv", text))
    assert query(db_path, "select deal_id, amount from deals order by 1") == [
        ("A", 1200.5), ("B", 1200.5), ("C", 1200.5), ("D", 99.0), ("E", 1200.5),
    ]
    assert query(db_path, "select line, value, reason from load_rejects order by line") == [
        (7, "-5", "negative amount"),
        (8, "12abc", "unparseable amount"),
        (9, "1e400", "amount out of range"),
    ]
