"""Funding arithmetic: 8h equivalents, APR, staleness.

Venues quote funding per their own interval (Lighter, Backpack, Hyperliquid hourly; Aster per
symbol, 8h/4h/1h; Paradex accrues continuously and quotes an 8h figure). Comparing quotes
across venues is only meaningful on one unit, the 8-hour equivalent:

* interval venue: ``rate_8h = raw_rate x 8 / interval_hours`` (an hourly 0.01 % is 0.08 %/8h);
* continuous venue (``interval_hours == 0``): the venue's own 8h figure, ``normalized_rate``.

The service recomputes the 8h rate from what the venue quoted (``raw_rate``, ``interval_hours``)
instead of trusting an adapter's ``normalized_rate`` blindly; a disagreement is reported (it is
the classic "interval assumed to be 8h" bug) and the recomputed value is used.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from exchange_clients.base_funding_adapter import normalize_to_8h
from exchange_clients.models import FundingRateSample

__all__ = [
    "EIGHT", "PERIODS_8H_PER_YEAR", "CONTINUOUS_STALENESS_INTERVAL_HOURS", "rate_8h", "apr_from_8h",
    "apr_from_rate", "normalization_mismatch", "staleness_limit_seconds", "age_seconds", "is_stale",
]

EIGHT = Decimal(8)
PERIODS_8H_PER_YEAR = Decimal(3 * 365)
#: a continuous venue has no settlement interval; its rate moves all the time, so a quote
#: older than 2 x 1 h is treated as stale (see docs/FUNDING.md)
CONTINUOUS_STALENESS_INTERVAL_HOURS = Decimal(1)
_SECONDS_PER_HOUR = Decimal(3600)
#: relative disagreement between an adapter's normalized_rate and raw x 8 / interval that is
#: reported (Decimal arithmetic of two correct adapters agrees far better than this)
_MISMATCH_TOLERANCE = Decimal("1e-9")


def rate_8h(sample: FundingRateSample) -> Decimal:
    """The 8-hour equivalent of ``sample``, from the venue's own quote."""
    if sample.interval_hours > 0:
        return normalize_to_8h(sample.raw_rate, sample.interval_hours)
    return sample.normalized_rate


def normalization_mismatch(sample: FundingRateSample) -> bool:
    """True when the adapter's ``normalized_rate`` disagrees with ``raw x 8 / interval``."""
    if sample.interval_hours == 0:
        return False
    expected = rate_8h(sample)
    scale = max(abs(expected), abs(sample.normalized_rate), Decimal("1e-12"))
    return abs(expected - sample.normalized_rate) > _MISMATCH_TOLERANCE * scale


def apr_from_8h(rate: Decimal) -> Decimal:
    """Annualised: an 8h rate is paid 3 x 365 times a year."""
    return rate * PERIODS_8H_PER_YEAR


def apr_from_rate(raw_rate: Decimal, interval_hours: Decimal) -> Decimal:
    """Annualised from a rate per ``interval_hours`` (hourly: ``r x 24 x 365``)."""
    return raw_rate * Decimal(8760) / interval_hours


def staleness_limit_seconds(interval_hours: Decimal, factor: Decimal = Decimal(2)) -> Decimal:
    """How old a quote may be: its interval x ``factor`` (continuous: 1 h x ``factor``)."""
    hours = interval_hours if interval_hours > 0 else CONTINUOUS_STALENESS_INTERVAL_HOURS
    return hours * factor * _SECONDS_PER_HOUR


def age_seconds(sampled_at: datetime, now: datetime) -> Decimal:
    delta = now - sampled_at
    return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / 1_000_000


def is_stale(sample: FundingRateSample, now: datetime, factor: Decimal = Decimal(2)) -> bool:
    return age_seconds(sample.timestamp, now) > staleness_limit_seconds(sample.interval_hours, factor)
