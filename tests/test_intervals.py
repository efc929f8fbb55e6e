"""Wilson score intervals (Wilson 1927) computed by hand, and the rank report's
intervals, low-volume flag and unranked moves on tests/fixtures/rank.

Wilson: p = k/n; low, high = (p + z²/2n ∓ z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n),
z = Φ⁻¹(1 − (1 − c)/2): 1.644854 at c = 0.90 (z² = 2.705543), 1.959964 at 0.95
(z² = 3.841459).
"""

from __future__ import annotations

import io
import json
from statistics import NormalDist

import polars as pl
import pytest
from conftest import FIXTURES

from salesfunnel.db import memory_database
from salesfunnel.errors import ExitCode, UsageError
from salesfunnel.reports.intervals import DEFAULT_CONFIDENCE, DEFAULT_Z, z_value


def _wilson(k, n, confidence):
    db = memory_database()
    try:
        z = z_value(confidence)
        return db.fetchall("select wilson_low(?, ?, ?), wilson_high(?, ?, ?)", [k, n, z] * 2)[0]
    finally:
        db.close()


def test_z_from_the_confidence_level():
    assert z_value(0.90) == pytest.approx(1.644854, abs=1e-6)
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    # the default level's quantile is written down (start-up skips statistics); it is
    # the one NormalDist gives, to the last bit
    assert DEFAULT_Z == NormalDist().inv_cdf(1 - (1 - DEFAULT_CONFIDENCE) / 2)
    assert z_value(DEFAULT_CONFIDENCE) == DEFAULT_Z
    for bad in (0.0, 1.0, 90.0, float("nan")):
        with pytest.raises(UsageError, match="--confidence"):
            z_value(bad)


def test_wilson_one_of_one():
    # p = 1, so p(1−p)/n = 0 and the root is z/2: low = (1 + z²/2 − z²/2) / (1 + z²)
    # = 1 / (1 + z²); high = (1 + z²) / (1 + z²) = 1.
    #   0.90: 1 / 3.705543 = 0.269866;  0.95: 1 / 4.841459 = 0.206549
    assert _wilson(1, 1, 0.90) == pytest.approx((0.269866, 1.0), abs=1e-6)
    assert _wilson(1, 1, 0.95) == pytest.approx((0.206549, 1.0), abs=1e-6)


def test_wilson_seven_of_twenty_six():
    # p = 7/26 = 0.269231, p(1−p)/n = 0.196746 / 26 = 0.007567
    # 0.90: z²/2n = 2.705543 / 52 = 0.052030; z²/4n² = 2.705543 / 2704 = 0.001001
    #   centre 0.269231 + 0.052030 = 0.321260; spread 1.644854·√0.008568 = 0.152251
    #   1 + z²/n = 1.104059 -> low 0.169009 / 1.104059 = 0.153080,
    #                          high 0.473511 / 1.104059 = 0.428882
    # 0.95: z²/2n = 3.841459 / 52 = 0.073874; z²/4n² = 0.001421
    #   centre 0.343105; spread 1.959964·√0.008988 = 0.185812; 1 + z²/n = 1.147748
    #   -> low 0.157293 / 1.147748 = 0.137044, high 0.528917 / 1.147748 = 0.460830
    assert _wilson(7, 26, 0.90) == pytest.approx((0.153080, 0.428882), abs=1e-6)
    assert _wilson(7, 26, 0.95) == pytest.approx((0.137044, 0.460830), abs=1e-6)


def test_wilson_edges():
    # n = 0 has no rate and no interval; k = 0 starts at exactly 0
    assert _wilson(0, 0, 0.90) == (None, None)
    low, high = _wilson(0, 1, 0.90)
    # 0 of 1: high = (z²/2 + z·√(z²/4)) / (1 + z²) = z² / (1 + z²) = 2.705543 / 3.705543
    assert (low, high) == (0.0, pytest.approx(0.730134, abs=1e-6))


# -- rank ----------------------------------------------------------------------------
# February 2026 on tests/fixtures/rank: cy won R7 (1 won, 0 lost), bob lost R5 (0, 1),
# dee neither. Events (stage entries + losses): cy 3 (lead R6 R7, won R7: R7's qualified
# and opportunity were only passed, undated, so no event; issue 21 point 3), bob 6 (R4
# lead qualified opportunity, R5 lead qualified, loss R5), dee 1
# (R8 qualified); in January cy 0, bob 2 (R3 lead and loss), dee 1 (R8 lead).
RANK_FEB = [
    # rep, win_rate, low, high, low_volume at --min-deals 5, events, prev_events
    ("cy", 1.0, 0.269866, 1.0, True, 3, 0),
    ("bob", 0.0, 0.0, 0.730134, True, 6, 2),
    ("dee", None, None, None, True, 1, 1),
]
RANK_FIELDS = ["rep", "win_rate", "win_rate_low", "win_rate_high", "low_volume", "events",
               "prev_events"]


@pytest.fixture
def rank_loaded(cli, tmp_path):
    db = tmp_path / "rank.duckdb"
    assert cli("load", FIXTURES / "rank", "--db", db).exit_code == 0
    return db


def _approx(rows):
    return [tuple(pytest.approx(v, abs=1e-6) if isinstance(v, float) else v for v in row)
            for row in rows]


def test_rank_intervals_and_low_volume_in_every_format(cli, rank_loaded, tmp_path):
    args = ["rank", "--db", rank_loaded, "--month", "2026-02"]
    as_json = json.loads(cli(*args, "-f", "json").stdout)
    assert [tuple(row[f] for f in RANK_FIELDS) for row in as_json] == _approx(RANK_FEB)
    as_csv = pl.read_csv(io.StringIO(cli(*args, "-f", "csv").stdout))
    assert as_csv.select(RANK_FIELDS).rows() == _approx(RANK_FEB)
    out = tmp_path / "rank.parquet"
    assert cli(*args, "-o", out).exit_code == 0
    assert pl.read_parquet(out).select(RANK_FIELDS).rows() == _approx(RANK_FEB)
    # --min-deals 1: cy (1 decided) and bob (1) are no longer low volume, dee (0) is
    rows = json.loads(cli(*args, "--min-deals", "1", "-f", "json").stdout)
    assert [r["low_volume"] for r in rows] == [False, False, True]
    # --confidence 0.95: cy's 1 of 1 starts at 1 / 4.841459 = 0.206549
    rows = json.loads(cli(*args, "--confidence", "0.95", "-f", "json").stdout)
    assert rows[0]["win_rate_low"] == pytest.approx(0.206549, abs=1e-6)


def test_rank_table_marks_low_volume_and_unranked_moves(cli, rank_loaded):
    args = ["rank", "--db", rank_loaded, "--month", "2026-02"]
    table = cli(*args, env={"NO_COLOR": "1"}).stdout
    lines = {line.split()[0]: line for line in table.splitlines() if line.strip()}
    # at --min-deals 5 everyone has fewer than 5 events in one of the months: no ▲/▼
    assert "▲" not in table and "▼" not in table and "new" not in table
    assert lines["cy"].split()[:5] == ["cy", "*", "2", "#1", "·"]
    assert lines["cy"].rstrip().endswith("100.0% 27.0%–100.0%")
    assert lines["bob"].rstrip().endswith("0.0% 0.0%–73.0%")
    # --min-deals 2: bob (6 and 2 events) is ranked again: lead #2 -> #1 is ▲1 (he is
    # still low volume, *: 1 won + lost < 2); cy had no event in January and dee one in
    # each month: still "·"
    table = cli(*args, "--min-deals", "2", env={"NO_COLOR": "1"}).stdout
    lines = {line.split()[0]: line for line in table.splitlines() if line.strip()}
    assert lines["bob"].split()[1:5] == ["*", "2", "#1", "▲1"]
    assert lines["cy"].split()[1:5] == ["*", "2", "#1", "·"]
    assert lines["dee"].split()[1:5] == ["*", "0", "–", "·"]  # a zero count has no rank


def test_rank_option_errors(cli, rank_loaded):
    result = cli("rank", "--db", rank_loaded, "--confidence", "95")
    assert result.exit_code == ExitCode.USAGE
    assert "--confidence takes a level between 0 and 1" in result.stderr
    result = cli("rank", "--db", rank_loaded, "--min-deals", "-1")
    assert result.exit_code == ExitCode.USAGE
    assert "--min-deals" in result.stderr
