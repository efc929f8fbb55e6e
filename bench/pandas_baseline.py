"""The baseline: the pandas script an analyst would otherwise write.

    python bench/pandas_baseline.py DATA_DIR conversion [--by tier]
    python bench/pandas_baseline.py DATA_DIR rank --month 2026-06
    python bench/pandas_baseline.py DATA_DIR dropoff
    python bench/pandas_baseline.py DATA_DIR all --source parquet --repeat 5   # compute-only timing

It reads the canonical CSV exports (deals.csv, stage_history.csv) with
pandas.read_csv and computes the same numbers as `salesfunnel conversion`,
`conversion --by tier`, `rank --month` and `dropoff` with the default funnel
(lead, qualified, opportunity, won; lost label `lost`), following the metric
definitions (shared/metrics.md). It prints the rows as JSON, like
`salesfunnel ... --format json`, so the benchmark can check that both compute
the same thing.

With `--source parquet` the exports are read from deals.parquet and
stage_history.parquet (the same data; the runner writes them) and only the
computation is timed: a JSON line {"report": seconds, ...} (the median of
--repeat runs) goes to stderr. That is the pandas figure without CSV parsing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

STAGES = ["lead", "qualified", "opportunity", "won"]
STAGE_INDEX = {stage: number for number, stage in enumerate(STAGES, start=1)}
LOST_LABELS = {"lost"}
WON = len(STAGES)
DAY = 86400.0


# -- reading ----------------------------------------------------------------------
def read_exports(folder: Path, source: str = "csv") -> tuple[pd.DataFrame, pd.DataFrame]:
    if source == "parquet":
        deals = pd.read_parquet(folder / "deals.parquet")
        history = pd.read_parquet(folder / "stage_history.parquet")
    else:
        deals = pd.read_csv(
            folder / "deals.csv",
            dtype={"deal_id": str, "lost_reason": str, "tier": str, "source": str},
            parse_dates=["created_at", "closed_at"],
        )
        history = pd.read_csv(
            folder / "stage_history.csv", dtype={"deal_id": str}, parse_dates=["entered_at"]
        )
    return deals, history


# -- per-deal facts ---------------------------------------------------------------
def deal_facts(deals: pd.DataFrame, history: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per deal (last row of a deal_id wins) with tier, status, furthest stage,
    and the matrix of stage entry dates (epoch seconds, NaN when unknown), plus a
    matrix telling which entries are known (recorded, not implied by a skip)."""
    deals = deals.drop_duplicates("deal_id", keep="last").reset_index(drop=True)
    stage_key = deals["stage"].str.strip().str.lower()
    facts = pd.DataFrame(
        {
            "deal_id": deals["deal_id"].str.strip(),
            "rep": deals["rep"].str.strip(),
            "tier": deals["tier"].str.strip().str.lower().replace("", np.nan).fillna("unknown"),
            "amount": deals["amount"].astype(float),
            "closed_at": deals["closed_at"],
            "created_at": deals["created_at"],
        }
    )
    status = deals["status"].str.strip().str.lower()
    derived = np.where(
        stage_key == STAGES[-1], "won", np.where(stage_key.isin(LOST_LABELS), "lost", "open")
    )
    facts["status"] = status.fillna(pd.Series(derived, index=deals.index))
    reason = deals["lost_reason"].str.strip()
    reason = reason.where(reason != "")
    facts["lost_reason"] = reason
    facts["reason_key"] = reason.str.lower().fillna("(unspecified)")

    # history: first entry per (deal, stage) of the funnel's stages
    hist = history.assign(stage_index=history["stage"].str.strip().str.lower().map(STAGE_INDEX))
    hist = hist.dropna(subset=["stage_index"])
    hist["deal_id"] = hist["deal_id"].str.strip()
    first = hist.groupby(["deal_id", "stage_index"])["entered_at"].min().unstack()
    first = first.reindex(columns=range(1, WON + 1)).reindex(facts["deal_id"])

    furthest = np.maximum.reduce(
        [
            stage_key.map(STAGE_INDEX).fillna(1).to_numpy(),
            _last_known(first.notna().to_numpy()),
            np.where(facts["status"] == "won", WON, 1),
        ]
    ).astype(int)
    facts["furthest"] = furthest

    # known entries E(k): history, created_at for the first stage, closed_at for a win
    known = np.full((len(facts), WON), np.nan)
    for k in range(1, WON + 1):
        known[:, k - 1] = _seconds(first[k])
    known[:, 0] = np.fmin(known[:, 0], _seconds(facts["created_at"]))
    won_close = _seconds(facts["closed_at"].where(facts["status"] == "won"))
    known[:, WON - 1] = np.fmin(known[:, WON - 1], won_close)
    beyond = np.arange(1, WON + 1)[None, :] > furthest[:, None]
    known[beyond] = np.nan
    return facts, known


def _last_known(present: np.ndarray) -> np.ndarray:
    """The highest stage index with a history entry, 1 when none."""
    index = np.where(present, np.arange(1, present.shape[1] + 1)[None, :], 1)
    return index.max(axis=1)


def _seconds(series: pd.Series) -> np.ndarray:
    values = pd.to_datetime(series)
    out = (values - pd.Timestamp("1970-01-01")).dt.total_seconds()
    return out.to_numpy(dtype=float, na_value=np.nan)


def entry_dates(known: np.ndarray) -> np.ndarray:
    """Entry date of stage k: the earliest known entry of k or any later stage."""
    return np.fmin.accumulate(known[:, ::-1], axis=1)[:, ::-1]


# -- reports ----------------------------------------------------------------------
def conversion(facts: pd.DataFrame, known: np.ndarray, by: str | None = None) -> list[dict]:
    entry = entry_dates(known)
    groups = [(None, np.ones(len(facts), dtype=bool))]
    if by:
        values = facts[by]
        groups = [(value, (values == value).to_numpy()) for value in sorted(values.unique())]
    rows = []
    for value, mask in groups:
        furthest = facts["furthest"].to_numpy()[mask]
        status = facts["status"].to_numpy()[mask]
        first_reached = int(mask.sum())
        previous = None
        for k, stage in enumerate(STAGES, start=1):
            reached = int((furthest >= k).sum())
            median_days = None
            if k > 1:
                ok = (
                    (furthest >= k)
                    & ~np.isnan(known[mask, k - 1])
                    & ~np.isnan(known[mask, k - 2])
                )
                if ok.any():
                    days = (entry[mask, k - 1][ok] - entry[mask, k - 2][ok]) / DAY
                    median_days = float(np.median(days))
            row = {by: value} if by else {}
            row.update(
                {
                    "stage": stage,
                    "reached": reached,
                    "step_rate": (reached / previous if previous else None) if k > 1 else None,
                    "overall_rate": reached / first_reached if first_reached else None,
                    "lost": int(((furthest == k) & (status == "lost")).sum()),
                    "open": int(((furthest == k) & (status == "open")).sum()),
                    "median_days": median_days,
                }
            )
            rows.append(row)
            previous = reached
    return rows


def rank(facts: pd.DataFrame, known: np.ndarray, month: str) -> list[dict]:
    entry = entry_dates(known)
    start = pd.Timestamp(month + "-01")
    periods = {
        "current": (start, start + pd.DateOffset(months=1)),
        "previous": (start - pd.DateOffset(months=1), start),
    }
    long = pd.DataFrame(entry, columns=range(1, WON + 1))
    long["rep"] = facts["rep"]
    long["amount"] = facts["amount"]
    long = long.melt(id_vars=["rep", "amount"], var_name="stage_index", value_name="entered")
    long = long.dropna(subset=["entered"])
    lost = facts[facts["status"] == "lost"]

    ranked = {}
    for period, (begin, end) in periods.items():
        lo, hi = (begin - pd.Timestamp("1970-01-01")).total_seconds(), (
            end - pd.Timestamp("1970-01-01")
        ).total_seconds()
        entries = long[(long["entered"] >= lo) & (long["entered"] < hi)]
        losses = lost[(lost["closed_at"] >= begin) & (lost["closed_at"] < end)]
        reps = sorted(set(entries["rep"]) | set(losses["rep"]))
        counts = (
            entries.groupby(["rep", "stage_index"]).size().unstack(fill_value=0)
            .reindex(index=reps, columns=range(1, WON + 1), fill_value=0)
        )
        ranks = counts.rank(method="min", ascending=False)
        ranked[period] = (counts, ranks, entries, losses)

    counts, ranks, entries, losses = ranked["current"]
    _, previous_ranks, _, _ = ranked["previous"]
    wins = entries[entries["stage_index"] == WON].groupby("rep")["amount"]
    won = wins.size()
    won_amount = wins.sum()
    lost_count = losses.groupby("rep").size()
    rows = []
    for rep in counts.index:
        row = {"rep": rep}
        for k, stage in enumerate(STAGES, start=1):
            row[stage] = int(counts.at[rep, k])
            row[f"{stage}_rank"] = int(ranks.at[rep, k])
            row[f"{stage}_prev_rank"] = (
                int(previous_ranks.at[rep, k]) if rep in previous_ranks.index else None
            )
        w = int(won.get(rep, 0))
        n_lost = int(lost_count.get(rep, 0))
        row["won_amount"] = float(won_amount.get(rep, 0.0))
        row["lost"] = n_lost
        row["win_rate"] = w / (w + n_lost) if w + n_lost else None
        rows.append(row)
    rows.sort(key=lambda r: (r[f"{STAGES[-1]}_rank"], r["rep"]))
    return rows


def dropoff(facts: pd.DataFrame) -> list[dict]:
    lost = facts[facts["status"] == "lost"]
    spelled = lost.dropna(subset=["lost_reason"])
    spelled = spelled.groupby(["reason_key", "lost_reason"]).size().reset_index(name="uses")
    spelled = spelled.sort_values(["reason_key", "uses", "lost_reason"], ascending=[True, False, True])
    labels = dict(spelled.drop_duplicates("reason_key")[["reason_key", "lost_reason"]].values)
    labels.setdefault("(unspecified)", "(unspecified)")
    grouped = (
        lost.groupby(["tier", "furthest", "reason_key"])
        .agg(lost=("deal_id", "size"), amount=("amount", lambda a: a.fillna(0).sum()))
        .reset_index()
    )
    grouped["share"] = grouped["lost"] / grouped.groupby("tier")["lost"].transform("sum")
    grouped["stage"] = grouped["furthest"].map(lambda k: STAGES[k - 1])
    grouped["reason"] = grouped["reason_key"].map(labels)
    grouped = grouped.sort_values(
        ["tier", "lost", "furthest", "reason"], ascending=[True, False, True, True]
    )
    return [
        {
            "tier": r.tier,
            "stage": r.stage,
            "reason": r.reason,
            "lost": int(r.lost),
            "share": float(r.share),
            "amount": float(r.amount),
        }
        for r in grouped.itertuples()
    ]


def compute(report: str, deals: pd.DataFrame, history: pd.DataFrame, args) -> list[dict]:
    facts, known = deal_facts(deals, history)
    if report == "conversion":
        return conversion(facts, known, args.by)
    if report == "rank":
        return rank(facts, known, args.month)
    if report == "dropoff":
        return dropoff(facts)
    raise ValueError(report)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("report", choices=["conversion", "rank", "dropoff", "all"])
    parser.add_argument("--by", choices=["tier"], default=None)
    parser.add_argument("--month", default="2026-06")
    parser.add_argument("--source", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)

    deals, history = read_exports(args.folder, args.source)
    if args.report != "all":
        rows = compute(args.report, deals, history, args)
        json.dump(rows, sys.stdout)
        sys.stdout.write("\n")
        return 0

    # compute-only timing of every report on frames already in memory
    timings: dict[str, list[float]] = {}
    outputs: dict[str, list[dict]] = {}
    for _ in range(args.repeat):
        for name, report, by in (
            ("conversion", "conversion", None),
            ("conversion_tier", "conversion", "tier"),
            ("rank", "rank", None),
            ("dropoff", "dropoff", None),
        ):
            args.by = by
            started = time.perf_counter()
            outputs[name] = compute(report, deals, history, args)
            timings.setdefault(name, []).append(time.perf_counter() - started)
    sys.stderr.write(json.dumps({k: statistics.median(v) for k, v in timings.items()}) + "\n")
    json.dump(outputs, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
