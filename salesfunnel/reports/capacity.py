"""The capacity side of `salesfunnel plan`: Roberge's five planning factors (hiring,
rep attrition, demand generation, the manager-to-rep ratio, seasonality) turned
into a month-by-month schedule of ramped reps, headcount, hires and managers.

Pure arithmetic over the plan's few months (no data rows): the inputs come from
queries/reports/plan_reps.sql and plan_seasonality.sql or from the options. The model
and a worked example are in docs/management.md ("Capacity").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from salesfunnel.errors import UsageError

DEFAULT_REPS_PER_MANAGER = 8
LEFT_AFTER_DAYS = 60  # a rep whose last event is older than this (before the data's end) has left
MIN_SEASONAL_MONTHS = 12
_EPSILON = 1e-9


@dataclass(frozen=True)
class Capacity:
    """The factors a schedule is built from, and where each came from."""

    ramp: tuple[float, ...]  # productivity in tenure months 1, 2, ...; 1 afterwards
    attrition: float  # monthly share of reps who leave
    reps_now: int
    reps_per_manager: int
    sources: dict  # factor -> "option", "data" or "default"

    def productivity(self, tenure: int) -> float:
        """A rep's share of a ramped rep's output in its `tenure`-th month (1-based)."""
        return self.ramp[tenure - 1] if tenure <= len(self.ramp) else 1.0

    def survival(self, months: int) -> float:
        return (1 - self.attrition) ** months


def parse_ramp(text: str | None) -> tuple[float, ...] | None:
    """--ramp 0.25,0.5,0.75: productivity by month of tenure, each 0..1; '' or 'none': none."""
    if text is None:
        return None
    if not text.strip() or text.strip().lower() == "none":
        return ()
    try:
        ramp = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise UsageError(
            f"--ramp takes productivities by month of tenure, e.g. 0.25,0.5,0.75; got {text!r}."
        ) from None
    if any(not math.isfinite(value) or not 0 <= value <= 1 for value in ramp):
        raise UsageError(f"--ramp takes productivities between 0 and 1; got {text!r}.")
    return ramp


def check_options(attrition: float | None, reps_now: int | None, reps_per_manager: int) -> None:
    if attrition is not None and (not math.isfinite(attrition) or not 0 <= attrition < 1):
        raise UsageError(
            f"--attrition takes the monthly share of reps who leave, 0 to below 1; got {attrition:g}."
        )
    if reps_now is not None and reps_now < 0:
        raise UsageError(f"--reps-now takes a number of reps >= 0; got {reps_now}.")
    if reps_per_manager < 1:
        raise UsageError(f"--reps-per-manager takes a number >= 1; got {reps_per_manager}.")


def data_attrition(reps_left: int, rep_months: int) -> float:
    """Reps who left / months reps were active: the monthly share who leave."""
    return reps_left / rep_months if rep_months else 0.0


def seasonality_factors(rows: list[tuple[int, float, int]]) -> dict[int, float]:
    """{calendar month: factor} when at least 12 months of wins exist, else {}."""
    if not rows or rows[0][2] < MIN_SEASONAL_MONTHS:
        return {}
    return {month: factor for month, factor, _ in rows if factor is not None}


@dataclass(frozen=True)
class Month:
    ramped_reps_needed: float
    headcount: float
    hires: int
    ramped_capacity: float
    managers: int


def schedule(needs: list[float], capacity: Capacity) -> tuple[list[Month], list[str]]:
    """Hires per month so that ramped capacity meets each month's need.

    Month i (1-based) has the reps on staff now, R·(1−a)^(i−1) (attrition applies
    between months; they are ramped), plus each month j's hires, h_j·(1−a)^(i−j),
    who count r(i−j+1) ramped reps each. Months are filled in order; while month i
    is short, one more rep is hired in the month j ≤ i where a hire adds the most
    to month i (the latest such month on a tie). Returns the months and, when a
    month cannot be met (a ramp starting at 0 in the first month), a notice."""
    count = len(needs)
    hires = [0] * count
    notices = []

    def contribution(start: int, month: int) -> float:  # 0-based months
        return capacity.survival(month - start) * capacity.productivity(month - start + 1)

    def ramped(month: int) -> float:
        staff = capacity.reps_now * capacity.survival(month)
        return staff + sum(hires[j] * contribution(j, month) for j in range(month + 1))

    for month in range(count):
        best = max(range(month + 1), key=lambda j: (contribution(j, month), j))
        if contribution(best, month) <= 0:
            if ramped(month) < needs[month] - _EPSILON:
                notices.append(
                    f"month {month + 1} of the plan cannot be met by hires within the plan "
                    "(the ramp gives a new rep nothing in its first month); hire before it starts."
                )
            continue
        missing = needs[month] - ramped(month)
        if missing > _EPSILON:
            hires[best] += math.ceil(round(missing / contribution(best, month), 9))
    months = []
    for month in range(count):
        headcount = capacity.reps_now * capacity.survival(month) + sum(
            hires[j] * capacity.survival(month - j) for j in range(month + 1)
        )
        months.append(Month(
            ramped_reps_needed=needs[month],
            headcount=headcount,
            hires=hires[month],
            ramped_capacity=ramped(month),
            managers=math.ceil(round(headcount / capacity.reps_per_manager, 9)),
        ))
    return months, notices
