"""A query's result as Python rows, with the column types DuckDB gave them.

A report's few rows are shown as a table straight from these rows; Polars (0.1-0.2 s
to import, most of a small report's start-up) is imported only when something asks
for a DataFrame (`to_polars`: JSON, CSV, Parquet, the pack), with the same column
types as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl


class Rows:
    """Rows of a result: `columns`, `height`, `rows(named=...)` as Polars has them."""

    def __init__(self, columns: list[str], types: list[str], data: list[tuple]):
        self.columns = columns
        self.types = types  # DuckDB's type names (BIGINT, DOUBLE, VARCHAR, ...)
        self.data = data

    @property
    def height(self) -> int:
        return len(self.data)

    def rows(self, *, named: bool = False) -> list[tuple] | list[dict[str, Any]]:
        if not named:
            return list(self.data)
        return [dict(zip(self.columns, row, strict=True)) for row in self.data]

    def to_polars(self) -> pl.DataFrame:
        import polars as pl

        schema = [(name, polars_type(kind)) for name, kind in zip(self.columns, self.types,
                                                                  strict=True)]
        return pl.DataFrame(self.data, schema=schema, orient="row")


def polars_type(duckdb_type: str):
    """The Polars type of a DuckDB column type; None lets Polars infer (lists, structs)."""
    import polars as pl

    if duckdb_type.startswith("DECIMAL"):
        return pl.Float64
    return {
        "BIGINT": pl.Int64, "INTEGER": pl.Int64, "SMALLINT": pl.Int64, "TINYINT": pl.Int64,
        "HUGEINT": pl.Int64, "UBIGINT": pl.Int64, "UINTEGER": pl.Int64,
        "DOUBLE": pl.Float64, "FLOAT": pl.Float64,
        "VARCHAR": pl.String, "BOOLEAN": pl.Boolean, "DATE": pl.Date,
        "TIMESTAMP": pl.Datetime("us"), "TIMESTAMP_NS": pl.Datetime("ns"),
        "INTERVAL": pl.Duration("us"), '"NULL"': pl.Null,
    }.get(duckdb_type)
