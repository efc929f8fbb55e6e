"""Output: what people read and what machines read.

- `cells.py`: consoles (stdout is data, stderr messages), cell formatting, bars.
- `funnel.py`, `management.py`, `movement.py`, `analysis.py`: the Rich table of each report.
- `workbook.py` (xlsx), `amounts.py` (money to the cent), `pack/` (the HTML monthly pack).
- `registry.py`: report name → table builder.
- `info.py`: `info` and the load summary.
- `machine.py`: JSON, CSV and Parquet writing (formula escaping for CSV).
"""
