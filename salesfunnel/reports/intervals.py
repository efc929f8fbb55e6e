"""Honest small samples: the normal quantile z of a --confidence level, for the
Wilson score interval the SQL macros `wilson_low` and `wilson_high` compute
(queries/facts/), and the --min-deals volume below which a rep is "low volume".
Definitions in docs/metrics.md ("Intervals and volume").
"""

from __future__ import annotations

import math

from salesfunnel.errors import UsageError

DEFAULT_CONFIDENCE = 0.90
DEFAULT_Z = 1.6448536269514715  # NormalDist().inv_cdf(0.95); tests/test_intervals checks it
DEFAULT_MIN_DEALS = 5


def z_value(confidence: float) -> float:
    """The two-sided normal quantile of `confidence`: z = Φ⁻¹(1 − (1 − c) / 2)
    (1.6449 at 0.90, 1.9600 at 0.95). UsageError unless 0 < c < 1."""
    if not math.isfinite(confidence) or not 0 < confidence < 1:
        raise UsageError(
            f"--confidence takes a level between 0 and 1 (0.90 for 90%); got {confidence:g}."
        )
    if confidence == DEFAULT_CONFIDENCE:
        return DEFAULT_Z  # a report at the default level does not import statistics (5 ms)
    from statistics import NormalDist

    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def check_min_deals(min_deals: int) -> int:
    if min_deals < 0:
        raise UsageError(f"--min-deals takes a number of deals >= 0; got {min_deals}.")
    return min_deals


def describe(confidence: float) -> str:
    """90% for 0.9, 97.5% for 0.975."""
    return f"{confidence * 100:g}%"
