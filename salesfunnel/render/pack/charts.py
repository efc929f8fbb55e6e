"""The pack's charts: Vega-Lite specifications rendered to static SVG, offline, by
vl-convert (no script, font or image is fetched; the SVG is inlined in the HTML).

Each function takes a report frame and returns SVG text; the data is handed to
Vega-Lite as records (Polars `to_dicts`), never looped over here.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from concurrent.futures import Future

    import polars as pl

    from salesfunnel.render.pack.engine import Engines

WIDTH = 560
NOW = "#1f5f99"
BEFORE = "#a9c4de"
WARN = "#c0392b"
FONT = "Segoe UI, Helvetica, Arial, sans-serif"
CONFIG = {
    "font": FONT,
    "view": {"stroke": None},
    "axis": {"labelFontSize": 12, "titleFontSize": 12, "titleFontWeight": "normal",
             "labelLimit": 220, "gridColor": "#eeeeee"},
    "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "top"},
    "title": {"fontSize": 14, "anchor": "start"},
    "background": "white",
}
TIER_COLORS = {"scheme": "tableau10"}


class Batch:
    """The charts of a pack (`batch()`): `svg` gives a placeholder and hands the
    specification to the engines at once; `fill` puts each chart's SVG in its place."""

    PLACEHOLDER = re.compile(r"<!--salesfunnel-chart-(\d+)-->")

    def __init__(self, engines: Engines) -> None:
        self.engines = engines
        self.specs: list[dict] = []
        self.labels: list[str] = []
        self.pending: list[Future] = []
        self.svgs: dict[int, str] = {}

    def add(self, spec: dict, label: str) -> str:
        self.specs.append(spec)
        self.labels.append(label)
        self.pending.append(self.engines.submit(spec))
        return f"<!--salesfunnel-chart-{len(self.specs) - 1}-->"

    def svg(self, index: int) -> str:
        if index not in self.svgs:
            text = self.engines.svg(self.pending[index], self.specs[index])
            self.svgs[index] = _labelled(text, self.labels[index])
        return self.svgs[index]

    def fill(self, html: str) -> str:
        return self.PLACEHOLDER.sub(lambda match: self.svg(int(match.group(1))), html)


_BATCH: ContextVar[Batch | None] = ContextVar("salesfunnel_chart_batch", default=None)


@contextmanager
def batch(engines: Engines) -> Iterator[Batch]:
    """Within the block, `svg` hands the specifications to `engines` and gives placeholders."""
    collected = Batch(engines)
    token = _BATCH.set(collected)
    try:
        yield collected
    finally:
        _BATCH.reset(token)


def _labelled(text: str, label: str) -> str:
    escaped = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return text.replace("<svg ", f'<svg role="img" aria-label="{escaped}" ', 1)


def svg(spec: dict, label: str) -> str:
    """SVG text of a Vega-Lite spec, with an accessible label (in a `batch()`: a
    placeholder for it)."""
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "config": CONFIG, **spec}
    collecting = _BATCH.get()
    if collecting is not None:
        return collecting.add(spec, label)
    import vl_convert

    return _labelled(vl_convert.vegalite_to_svg(spec), label)


def _records(frame: pl.DataFrame) -> list[dict]:
    import polars as pl

    return frame.with_columns(pl.col(pl.Date, pl.Datetime).cast(pl.String)).to_dicts()


def pulse_chart(frame: pl.DataFrame, labels: dict[str, str], now: str, before: str) -> str:
    """Counts of this period beside the period before (the average amount is in the table)."""
    import polars as pl

    counts = frame.filter(pl.col("metric") != "avg_won_amount").with_columns(
        pl.col("metric").replace_strict(labels, default=pl.col("metric")).alias("label")
    )
    long = pl.concat([
        counts.select("label", pl.col("current").alias("value"), pl.lit(now).alias("period")),
        counts.select("label", pl.col("previous").alias("value"), pl.lit(before).alias("period")),
    ])
    spec = {
        "data": {"values": _records(long)},
        "width": WIDTH - 260, "height": {"step": 14},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "label", "type": "nominal", "title": None, "sort": None},
            "yOffset": {"field": "period", "sort": [now, before]},
            "x": {"field": "value", "type": "quantitative", "title": "deals"},
            "color": {"field": "period", "title": None, "sort": [now, before],
                      "scale": {"range": [NOW, BEFORE]}},
        },
    }
    return svg(spec, f"Pulse: {now} against {before}")


def funnel_chart(frame: pl.DataFrame, title: str = "Deals reaching each stage") -> str:
    """Deals reaching each stage, labelled with the step rate from the stage before."""
    spec = {
        "data": {"values": _records(frame)},
        "transform": [{"calculate": "format(datum.reached, ',') + (datum.step_rate == null ? '' : "
                       "'  (' + format(datum.step_rate, '.1%') + ' of the stage before)')",
                       "as": "text"}],
        "width": WIDTH - 160, "height": {"step": 30},
        "encoding": {
            "y": {"field": "stage", "type": "nominal", "sort": None, "title": None},
            "x": {"field": "reached", "type": "quantitative", "title": "deals reaching the stage"},
        },
        "layer": [
            {"mark": {"type": "bar", "color": NOW}},
            {"mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 12},
             "encoding": {"text": {"field": "text"}}},
        ],
    }
    return svg(spec, title)


def conversion_by_tier_chart(frame: pl.DataFrame) -> str:
    """Overall conversion to each stage, one line per tier."""
    spec = {
        "data": {"values": _records(frame)},
        "width": WIDTH - 120, "height": 220,
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "stage", "type": "ordinal", "sort": None, "title": None,
                  "axis": {"labelAngle": 0}},
            "y": {"field": "overall_rate", "type": "quantitative", "title": "share of created deals",
                  "axis": {"format": ".0%"}},
            "color": {"field": "tier", "type": "nominal", "scale": TIER_COLORS, "title": "tier"},
        },
    }
    return svg(spec, "Conversion by tier")


def dropoff_chart(frame: pl.DataFrame) -> str:
    """Lost deals per tier, split by the stage they were lost at."""
    spec = {
        "data": {"values": _records(frame)},
        "width": WIDTH - 160, "height": {"step": 28},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "tier", "type": "nominal", "title": None},
            "x": {"aggregate": "sum", "field": "lost", "type": "quantitative", "title": "lost deals"},
            "color": {"field": "stage", "type": "nominal", "title": "lost at", "sort": None,
                      "scale": {"scheme": "oranges"}},
            "order": {"field": "stage_order"},
        },
    }
    return svg(spec, "Drop-off by tier and stage")


def rank_moves_chart(frame: pl.DataFrame, stage: str) -> str:
    """Each rep's rank at the won stage this month, with an arrow from last month's."""
    import polars as pl

    data = frame.select(
        "rep", pl.col(f"{stage}_rank").alias("now"), pl.col(f"{stage}_prev_rank").alias("before")
    ).filter(pl.col("now").is_not_null())
    spec = {
        "data": {"values": _records(data)},
        "width": WIDTH - 220, "height": {"step": 22},
        "encoding": {"y": {"field": "rep", "type": "nominal", "sort": None, "title": None}},
        "layer": [
            {"mark": {"type": "rule", "color": BEFORE, "strokeWidth": 2},
             "encoding": {"x": {"field": "before", "type": "quantitative"}, "x2": {"field": "now"}}},
            {"mark": {"type": "point", "filled": True, "color": BEFORE, "size": 50},
             "encoding": {"x": {"field": "before", "type": "quantitative"}}},
            {"mark": {"type": "point", "filled": True, "color": NOW, "size": 90},
             "encoding": {"x": {"field": "now", "type": "quantitative",
                                "title": f"rank at {stage} (1 = best; light = last month)",
                                "scale": {"reverse": True, "zero": False, "nice": False},
                                "axis": {"tickMinStep": 1, "format": "d"}}}},
        ],
    }
    return svg(spec, f"Rank at {stage}, this month against last month")


def churn_chart(frame: pl.DataFrame, group: str) -> str:
    """Churn rate per rep, with the company's rate as a rule; reps well above it in red."""
    import polars as pl

    data = frame.filter(pl.col("started") > 0)
    company = data["company_churn_rate"].max() if data.height else None
    layers = [{
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": group, "type": "nominal", "sort": "-x", "title": None},
            "x": {"field": "churn_rate", "type": "quantitative", "title": "churn rate",
                  "axis": {"format": ".0%"}},
            "color": {"field": "well_above_company", "type": "nominal",
                      "scale": {"domain": [False, True], "range": [NOW, WARN]},
                      "legend": {"title": "well above the company", "labelExpr":
                                 "datum.value ? 'yes' : 'no'"}},
        },
    }]
    if company is not None:
        layers.append({
            "data": {"values": [{"company": company}]},
            "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#333333", "strokeWidth": 2},
            "encoding": {"x": {"field": "company", "type": "quantitative"}},
        })
    spec = {"data": {"values": _records(data)}, "width": WIDTH - 220, "height": {"step": 20},
            "layer": layers}
    return svg(spec, "Churn by rep against the company (dashed line)")


def stalled_chart(frame: pl.DataFrame, limit: int = 15) -> str:
    """The most overdue open deals: days in the stage against the tier's P90."""
    import polars as pl

    data = frame.sort("days_over", descending=True).head(limit).with_columns(
        pl.format("{} · {} · {}", pl.col("deal_id"), pl.col("rep"), pl.col("stage")).alias("deal")
    )
    spec = {
        "data": {"values": _records(data)},
        "width": WIDTH - 300, "height": {"step": 20},
        "encoding": {"y": {"field": "deal", "type": "nominal", "sort": None, "title": None}},
        "layer": [
            {"mark": {"type": "bar", "color": NOW},
             "encoding": {"x": {"field": "days_in_stage", "type": "quantitative",
                                "title": "days in the stage (tick: tier's P90)"}}},
            {"mark": {"type": "tick", "color": WARN, "thickness": 2},
             "encoding": {"x": {"field": "p90_days", "type": "quantitative"}}},
        ],
    }
    return svg(spec, "Stalled deals: days in the stage against the tier's P90")


def rank_trend_chart(frame: pl.DataFrame, rep: str, stages) -> str:
    """A rep's rank at each stage over the last months, one small chart per stage
    (1 = best, at the top)."""
    spec = {
        "data": {"values": _records(frame)},
        "facet": {"field": "stage", "type": "nominal", "sort": list(stages), "title": None,
                  "header": {"labelFontSize": 13, "labelFontWeight": "bold"}},
        "columns": 2,
        "spec": {
            "width": 170, "height": 110,
            "layer": [
                {"mark": {"type": "line", "color": NOW, "point": {"color": NOW}}},
                {"mark": {"type": "text", "dy": -9, "fontSize": 11, "color": "#333333"},
                 "encoding": {"text": {"field": "rank", "format": "d"}}},
            ],
            "encoding": {
                "x": {"field": "month", "type": "ordinal", "title": None,
                      "axis": {"labelAngle": 0, "labelExpr": "slice(datum.value, 5)"}},
                "y": {"field": "rank", "type": "quantitative", "title": "rank",
                      "scale": {"reverse": True, "domainMin": 1, "zero": False, "nice": False},
                      "axis": {"tickMinStep": 1, "format": "d", "tickCount": 3}},
            },
        },
    }
    return svg(spec, f"{rep}: rank per stage over six months (1 = best)")


def rep_funnel_chart(frame: pl.DataFrame, rep: str) -> str:
    """The rep's overall conversion to each stage beside the team's."""
    spec = {
        "data": {"values": _records(frame)},
        "width": WIDTH - 160, "height": {"step": 14},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "stage", "type": "nominal", "sort": None, "title": None},
            "yOffset": {"field": "who", "sort": [rep, "team"]},
            "x": {"field": "overall_rate", "type": "quantitative", "title": "share of created deals",
                  "axis": {"format": ".0%"}},
            "color": {"field": "who", "title": None, "sort": [rep, "team"],
                      "scale": {"range": [NOW, BEFORE]}},
        },
    }
    return svg(spec, f"{rep}: funnel against the team")
