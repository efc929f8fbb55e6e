"""Money, exact: amounts rounded to cents before any format shows them.

Sums, averages and medians of decimal amounts come back from the database as
doubles (117497.74999999999); every output (JSON, CSV, Parquet, xlsx, HTML)
passes its frame through `exact_amounts`, so each shows 117497.75. Rates are
left at full precision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

# money columns, by field name: rounded to cents in every format
AMOUNT_FIELDS = frozenset({
    "amount", "won_amount", "avg_won_amount", "median_won_amount", "target_amount", "mrr",
    "avg_mrr", "mrr_lost", "avg_won_amount_previous", "avg_won_amount_change", "remaining",
    "open_pipeline", "weighted_pipeline", "projected", "gap",
})
# pulse carries counts and the average won amount in the same columns
AMOUNT_ROWS = {"pulse": ("metric", "avg_won_amount", ("current", "previous", "change"))}


def exact_amounts(frame: pl.DataFrame) -> pl.DataFrame:
    """Money columns rounded to cents: sums and averages of decimal amounts come back
    from the database as doubles (117497.74999999999); every format shows 117497.75."""
    import polars as pl

    money = [
        name for name, dtype in frame.schema.items()
        if name in AMOUNT_FIELDS and dtype in (pl.Float64, pl.Float32)
    ]
    frame = frame.with_columns(pl.col(money).round(2)) if money else frame
    key, value, columns = AMOUNT_ROWS["pulse"]
    if key in frame.columns and all(name in frame.columns for name in columns):
        frame = frame.with_columns(
            pl.when(pl.col(key) == value).then(pl.col(name).round(2)).otherwise(pl.col(name)).alias(name)
            for name in columns
        )
    return frame
