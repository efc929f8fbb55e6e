"""Property tests (hypothesis) on the loader and the funnel metrics.

- any generated valid canonical export (deals + history; any delimiter, CRLF or LF,
  with or without BOM, awkward text) loads with no reject, values intact;
- a broken export (ragged rows, bad values, stray quotes, blank lines) accounts for
  every row: loaded + rejected = read, and the rejects are exactly the broken lines;
- conversion: reached never increases down the funnel, rates are within 0..1 (null
  when the denominator is 0), lost + open + reached(k+1) = reached(k), and reached
  matches an independent computation of each deal's furthest stage;
- loading the files in two invocations gives the same reports as one;
- honest dates: over random deals, two dated snapshots and histories, entry dates never
  decrease along the funnel, every duration conversion and stalled use is >= 0, and
  without created_at no first-stage entry exists unless the history records one.

Bounded: few examples each, no deadline (each example loads a DuckDB file).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from conftest import load_into
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesfunnel.db import open_database
from salesfunnel.reports import common, funnel

STAGES = ("lead", "qualified", "opportunity", "won")
INDEX = {stage: number for number, stage in enumerate(STAGES, start=1)}
DEAL_COLUMNS = [
    "deal_id", "rep", "tier", "source", "account", "created_at", "stage", "status",
    "lost_reason", "amount", "closed_at",
]
TODAY = dt.date(2026, 11, 23)
PROPERTY = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# text a CRM puts in names and reasons: delimiters, quotes, formulas, accents, CJK
NAME_CHARS = st.sampled_from(list("abcXYZ éüß张,;|\t\"'=+-@#[]/") + ["Ørsted", "O'Brien"])
names = st.lists(NAME_CHARS, min_size=1, max_size=8).map("".join).filter(lambda s: s.strip())
days = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31))


@dataclass
class Deal:
    deal_id: str
    rep: str
    tier: str
    source: str
    created: dt.date | None
    stage_text: str  # as written: any case, spaces around
    status_text: str  # as written; blank means derived from the stage
    lost_reason: str
    amount: str
    closed: dt.date | None
    history: list[tuple[str, dt.datetime]] = field(default_factory=list)

    @property
    def stage(self) -> str:
        return self.stage_text.strip().lower()

    @property
    def final_status(self) -> str:
        if self.status_text.strip():
            return self.status_text.strip().lower()
        return {"won": "won", "lost": "lost"}.get(self.stage, "open")

    @property
    def stage_unknown(self) -> bool:
        """Lost with no stage before loss: its label is a lost label, no history."""
        return self.final_status == "lost" and self.stage not in INDEX and not self.history

    @property
    def furthest(self) -> int:
        """The metric definition, computed independently of the SQL."""
        candidates = [INDEX.get(self.stage, 1), 1]
        candidates += [INDEX[stage] for stage, _ in self.history]
        if self.final_status == "won":
            return len(STAGES)
        # status decides the won stage: a deal that is not won stops before it
        return min(max(candidates), len(STAGES) - 1)

    def row(self) -> list[str]:
        return [
            self.deal_id, self.rep, self.tier, self.source, "",
            self.created.isoformat() if self.created else "", self.stage_text, self.status_text,
            self.lost_reason, self.amount, self.closed.isoformat() if self.closed else "",
        ]


@st.composite
def deals(draw, prefix: str = "P", min_size: int = 1, max_size: int = 25) -> list[Deal]:
    count = draw(st.integers(min_size, max_size))
    result = []
    for number in range(count):
        stage = draw(st.sampled_from(STAGES + ("lost",)))
        if stage == "won":
            status = draw(st.sampled_from(["", "won", "WON"]))
        elif stage == "lost":
            status = draw(st.sampled_from(["", "lost", " Lost "]))
        else:
            status = draw(st.sampled_from(["", "open", "lost", "won"]))
        history = draw(st.lists(st.tuples(st.sampled_from(STAGES), days), max_size=4))
        result.append(
            Deal(
                deal_id=f"{prefix}{number}",
                rep=draw(names),
                tier=draw(st.sampled_from(["smb", "SMB ", "mid", "enterprise", ""])),
                source=draw(st.sampled_from(["inbound", "outbound", "referral", ""])),
                created=draw(st.none() | days),
                stage_text=draw(st.sampled_from([stage, stage.upper(), f" {stage} "])),
                status_text=status,
                lost_reason=draw(st.sampled_from(["", "Price", "price ", "timing"]) | names),
                amount=draw(st.sampled_from(["", "0", "1200", "99.5", "1e6", "$1,200.50"])),
                closed=draw(st.none() | days),
                history=[(s, dt.datetime.combine(d, dt.time(9))) for s, d in history],
            )
        )
    return result


@dataclass(frozen=True)
class Style:
    delimiter: str
    newline: str
    bom: bool


styles = st.builds(
    Style, st.sampled_from([",", ";", "\t", "|"]), st.sampled_from(["\n", "\r\n"]), st.booleans()
)


def write_csv(path: Path, header: list[str], rows: list[list[str]], style: Style) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=style.delimiter, lineterminator=style.newline)
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if style.bom else b"") + data)


def write_export(folder: Path, items: list[Deal], style: Style, name: str = "deals") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    deals_path = folder / f"{name}.csv"
    history_path = folder / f"{name}_history.csv"
    write_csv(deals_path, DEAL_COLUMNS, [deal.row() for deal in items], style)
    history = [
        [deal.deal_id, stage, when.isoformat(sep=" ")] for deal in items for stage, when in deal.history
    ]
    write_csv(history_path, ["deal_id", "stage", "entered_at"], history, style)
    return [deals_path, history_path]


def _open(path: Path):
    return open_database(path, write=False, config_funnel=None)


def _reports(path: Path) -> dict[str, list]:
    db = _open(path)
    try:
        everything = common.Filters()
        return {
            "conversion": funnel.conversion(db, everything).frame.rows(),
            "by_tier": funnel.conversion(db, everything, "tier").frame.rows(),
            "dropoff": funnel.dropoff(db, everything).frame.rows(),
            "rank": funnel.rank(db, "latest", None, TODAY).frame.rows(),
        }
    finally:
        db.close()


@PROPERTY
@given(items=deals(), style=styles)
def test_any_valid_export_loads_without_rejects(items, style):
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        paths = write_export(folder / "in", items, style)
        report = load_into(folder / "p.duckdb", *paths)
        history_rows = sum(len(deal.history) for deal in items)
        assert [(f.rows_read, f.rows_loaded, f.rows_rejected) for f in report.files] == [
            (len(items), len(items), 0), (history_rows, history_rows, 0)
        ]
        db = _open(folder / "p.duckdb")
        try:
            loaded = dict(db.fetchall("select deal_id, rep from deals"))
            assert db.scalar("select count(*) from load_rejects") == 0
        finally:
            db.close()
        assert loaded == {deal.deal_id: deal.rep.strip(" ") for deal in items}


BREAKAGES = ("short", "long", "bad_date", "bad_amount", "unknown_stage", "empty_id", "stray_quote")


@PROPERTY
@given(
    items=deals(min_size=1, max_size=30),
    breaks=st.lists(st.tuples(st.integers(0, 29), st.sampled_from(BREAKAGES)), max_size=10),
    blank_after=st.sets(st.integers(0, 29), max_size=4),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_broken_export_accounts_for_every_row(items, breaks, blank_after, newline):
    broken = {index: kind for index, kind in breaks if index < len(items)}
    lines = ["deal_id,rep,stage,created_at,amount"]
    bad_lines, good_lines = set(), []
    for index, deal in enumerate(items):
        fields = [deal.deal_id, "rep", deal.stage, "2026-01-01", "10"]
        kind = broken.get(index)
        text = None
        if kind == "short":
            fields = fields[:3]
        elif kind == "long":
            fields = [*fields, "extra"]
        elif kind == "bad_date":
            fields[3] = "2026-02-30"
        elif kind == "bad_amount":
            fields[4] = "abc"
        elif kind == "unknown_stage":
            fields[2] = "nowhere"
        elif kind == "empty_id":
            fields[0] = ""
        elif kind == "stray_quote":
            text = ",".join([fields[0], '"rep"x', *fields[2:]])
        lines.append(text if text is not None else ",".join(fields))
        # the line number a text editor shows
        (bad_lines.add if kind else good_lines.append)(len(lines))
        if index in blank_after and index < len(items) - 1:
            lines.append("")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        path = folder / "broken.csv"
        path.write_bytes(newline.join([*lines, ""]).encode())
        (item,) = load_into(folder / "p.duckdb", path).files
        assert item.rows_read == len(items)
        assert item.rows_loaded + item.rows_rejected == item.rows_read
        assert item.rows_rejected == len(broken)
        db = _open(folder / "p.duckdb")
        try:
            reject_lines = {line for (line,) in db.fetchall("select line from load_rejects")}
            deal_lines = [line for (line,) in db.fetchall("select line from deals")]
        finally:
            db.close()
        assert reject_lines == bad_lines
        assert sorted(deal_lines) == good_lines


def _check_funnel(rows: list[tuple], furthest: list[int], statuses: list[str]) -> None:
    """One funnel (stage, reached, step_rate, overall_rate, lost, open, median_days, p25_days,
    p75_days, p90_days, step_rate_low, step_rate_high, overall_rate_low, overall_rate_high)."""
    reached = [row[1] for row in rows]
    assert reached == [sum(f >= k for f in furthest) for k in range(1, len(STAGES) + 1)]
    assert reached == sorted(reached, reverse=True)
    for k, (_, count, step, overall, lost, still_open, *more) in enumerate(rows, start=1):
        # the day percentiles are ordered, and each rate lies within its Wilson interval
        median, p25, p75, p90, step_low, step_high, overall_low, overall_high = more
        days = [value for value in (p25, median, p75, p90) if value is not None]
        assert days == sorted(days) and len(days) in (0, 4)
        for rate, low, high in ((step, step_low, step_high), (overall, overall_low, overall_high)):
            assert (rate is None) == (low is None) == (high is None)
            if rate is not None:
                assert 0.0 <= low <= rate + 1e-12 and rate - 1e-12 <= high <= 1.0
        assert lost == sum(f == k and s == "lost" for f, s in zip(furthest, statuses, strict=True))
        assert still_open == sum(
            f == k and s == "open" for f, s in zip(furthest, statuses, strict=True)
        )
        for rate in (step, overall):
            assert rate is None or 0.0 <= rate <= 1.0
        if k == 1:
            assert step is None
        else:
            assert (step is None) == (reached[k - 2] == 0)
        assert (overall is None) == (reached[0] == 0)
        if k < len(STAGES):
            assert lost + still_open + reached[k] == count
        else:  # the won stage: deals that reached it are won, or lost or open after it
            won = sum(f == k and s == "won" for f, s in zip(furthest, statuses, strict=True))
            assert lost + still_open + won == count


@PROPERTY
@given(items=deals(min_size=0, max_size=30))
def test_conversion_invariants(items):
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        paths = write_export(folder / "in", items, Style(",", "\n", False))
        load_into(folder / "p.duckdb", *paths)
        db = _open(folder / "p.duckdb")
        try:
            total = funnel.conversion(db, common.Filters()).frame.rows()
            by_tier = funnel.conversion(db, common.Filters(), "tier").frame.rows()
        finally:
            db.close()
    # a deal lost at an unknown stage is in no row (as in dropoff: no stage is known)
    items = [deal for deal in items if not deal.stage_unknown]
    if not items:
        assert all(row[1] == 0 for row in total) and by_tier == []
        return
    _check_funnel(total, [d.furthest for d in items], [d.final_status for d in items])
    tiers = sorted({d.tier.strip().lower() or "unknown" for d in items})
    assert sorted({row[0] for row in by_tier}) == tiers
    for tier in tiers:
        members = [d for d in items if (d.tier.strip().lower() or "unknown") == tier]
        _check_funnel(
            [row[1:] for row in by_tier if row[0] == tier],
            [d.furthest for d in members], [d.final_status for d in members],
        )
    for k in range(len(STAGES)):  # the groups add up to the whole
        assert sum(row[2] for row in by_tier if row[1] == STAGES[k]) == total[k][1]


@settings(PROPERTY, max_examples=4)  # three loads and eight reports per example
@given(first=deals(prefix="P"), second=deals(prefix="P"), style=styles)
def test_two_batches_give_the_same_reports_as_one(first, second, style):
    """The second export re-exports some of the first's deals (same ids): the later wins
    whether the files come in one invocation or two."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        files = write_export(folder / "a", first, style) + write_export(folder / "b", second, style)
        # the second export is the newer one: two exports of one as-of (the same
        # modification time) that disagree on a deal stop the load (issue 21)
        for number, path in enumerate(files):
            os.utime(path, (1_790_000_000 + number // 2 * 3600,) * 2)
        load_into(folder / "one.duckdb", *files)
        load_into(folder / "two.duckdb", *files[:2])
        load_into(folder / "two.duckdb", *files[2:])
        assert _reports(folder / "one.duckdb") == _reports(folder / "two.duckdb")


@settings(PROPERTY, max_examples=7)
@given(
    first=deals(prefix="P"),
    moves=st.lists(st.sampled_from(STAGES + ("lost",)), min_size=25, max_size=25),
    style=styles,
)
def test_entry_dates_are_monotone_and_durations_never_negative(first, moves, style):
    """Two dated snapshots (as-of from the file name) of the same deals, the second with
    each deal at a random stage, plus random histories: entry date of stage k = the
    earliest known entry over k' >= k, so entry dates never decrease along the funnel
    and no duration is negative."""
    second = [
        Deal(**{**deal.__dict__, "stage_text": move, "status_text": "", "history": []})
        for deal, move in zip(first, moves, strict=False)
    ]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        files = write_export(folder / "a", first, style, name="deals_2026-01-05")
        files += write_export(folder / "b", second, style, name="deals_2026-02-05")
        load_into(folder / "p.duckdb", *files)
        db = _open(folder / "p.duckdb")
        try:
            dates = db.fetchall(
                "select deal_id, stage_index, known_entered_at, entered_at from deal_stage_dates"
                " order by deal_id, stage_index"
            )
            created = dict(db.fetchall("select deal_id, created_at from deals"))
            days = [
                row[-4:] for row in funnel.conversion(db, common.Filters()).frame.rows()
            ]
            past = db.fetchall(
                "select (epoch(next.entered_at) - epoch(this.entered_at)) / 86400.0 "
                "from deal_stage_dates as this join deal_stage_dates as next "
                "on next.deal_id = this.deal_id and next.stage_index = this.stage_index + 1 "
                "where this.known_entered_at is not null and next.entered_at is not null"
            )
        finally:
            db.close()
    history_s1 = {
        deal.deal_id for deal in first if any(stage == "lead" for stage, _ in deal.history)
    }
    by_deal: dict[str, list[tuple]] = {}
    for deal_id, index, known, entered in dates:
        by_deal.setdefault(deal_id, []).append((index, known, entered))
    for deal_id, stages in by_deal.items():
        for position, (index, known, entered) in enumerate(stages):
            later = [k for _, k, _ in stages[position:] if k is not None]
            # the definition, computed independently: earliest known entry over k' >= k
            assert entered == (min(later) if later else None)
            if index == 1 and created[deal_id] is None and deal_id not in history_s1:
                assert known is None  # no first-stage entry from an as-of
        entered_dates = [entered for _, _, entered in stages if entered is not None]
        assert entered_dates == sorted(entered_dates)
    for quantiles in days:
        assert all(value is None or value >= 0 for value in quantiles)
    assert all(value >= 0 for (value,) in past)
