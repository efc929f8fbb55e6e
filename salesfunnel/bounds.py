"""The ranges of the values a user gives, in one place: every option whose value is a
number, a year or an amount is checked here (the CLI checks each command's parameters
by name against NUMBER_RANGES before the command runs; the parsers of dates, periods,
as-ofs, ages and config amounts call the functions below), so a value out of range is
a usage error naming the option, in every command that takes it, never a crash deep
in the date or integer arithmetic."""

from __future__ import annotations

import math

from salesfunnel.errors import UsageError

# every date, month and period must fall in these years: outside them a value is a typo,
# and the date arithmetic around it (the day after --until, the month before --month,
# the quarter after --period, the lookback before it) holds
MIN_YEAR, MAX_YEAR = 1900, 2999
# the largest amount (a target, a converted amount) the reports handle exactly: beyond
# it sums and per-deal divisions lose their meaning (and Polars' integers overflow)
MAX_AMOUNT = 1e15
MAX_DAYS = 36_500  # 100 years of days (ages, --min-days)

# a command's parameter name -> (flag, low, high, what a value is); the CLI checks each
# parameter of every command against this table (cli/common.handle_errors). A low of
# POSITIVE means "more than 0".
POSITIVE = 0.0
NUMBER_RANGES: dict[str, tuple[str, float, float, str]] = {
    "lookback": ("--lookback", 1, 120, "a whole number of months"),
    "months": ("--months", 1, 120, "a whole number of months"),
    "target_amount": ("--target-amount", POSITIVE, MAX_AMOUNT, "an amount"),
    "min_days": ("--min-days", 0, MAX_DAYS, "a whole number of days"),
    "reps_now": ("--reps-now", 0, 1_000_000, "a number of reps"),
    "reps_per_manager": ("--reps-per-manager", 1, 10_000, "a number of reps"),
}


def check_range(flag: str, value: float, low: float, high: float, what: str) -> None:
    """UsageError naming `flag` unless low <= value <= high (NaN and infinities fail)."""
    if low is POSITIVE:
        if not (math.isfinite(value) and 0 < value <= high):
            raise UsageError(f"{flag} takes {what} > 0 and up to {_number(high)}; got {value:g}.")
    elif not (math.isfinite(value) and low <= value <= high):
        raise UsageError(f"{flag} takes {what} from {_number(low)} to {_number(high)}; got {value:g}.")


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"


def check_parameters(values: dict) -> None:
    """Each value of `values` (a command's parameters by name) within NUMBER_RANGES."""
    for name, value in values.items():
        if name in NUMBER_RANGES and isinstance(value, int | float) \
                and not isinstance(value, bool):
            check_range(NUMBER_RANGES[name][0], value, *NUMBER_RANGES[name][1:])


def check_year(year: int, flag: str, text: str) -> None:
    """UsageError naming `flag` unless MIN_YEAR <= year <= MAX_YEAR."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise UsageError(f"{flag}: {text!r} is outside the years {MIN_YEAR} to {MAX_YEAR}.")
