"""The reports, computed from the database; nothing here formats for humans.

- `common.py`: `Report`, cohort filters, day windows, month arithmetic, filter values.
- `funnel.py`: conversion, dropoff, rank (definitions: docs/metrics.md).
- `management.py`: churn, early churn, tiers, pulse, stalled (docs/management.md).
- `plan.py` + `capacity.py`: the bottom-up capacity plan (docs/management.md).
- `movement.py`: the pipeline waterfall; `analysis.py`: pacing, velocity, cohorts;
  `intervals.py`: Wilson intervals (docs/metrics.md).
- `info.py`: what the database holds.

Each report runs one table macro of queries/reports/ (file name = macro name) with
bound parameters; the per-deal facts they read are in queries/facts/.
"""
