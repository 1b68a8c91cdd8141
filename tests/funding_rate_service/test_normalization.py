"""8h normalisation of every interval style and APR, against hand-computed values."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from exchange_clients.models import FundingRateSample
from funding_rate_service.normalization import (
    apr_from_8h,
    apr_from_rate,
    is_stale,
    normalization_mismatch,
    rate_8h,
    staleness_limit_seconds,
)
from tests.funding_rate_service.fakes import NOW

D = Decimal


def quote(raw: str, interval: str, normalized: str) -> FundingRateSample:
    return FundingRateSample(venue="v", symbol="BTC", raw_rate=D(raw), interval_hours=D(interval),
                             normalized_rate=D(normalized), timestamp=NOW)


@pytest.mark.parametrize(("style", "raw", "interval", "adapter_8h", "expected_8h", "expected_apr"), [
    # hourly (Lighter, Backpack, Hyperliquid): 0.00125 %/h = 0.01 %/8h; APR 0.0000125 x 24 x 365
    ("hourly", "0.0000125", "1", "0.0001", "0.0001", "0.1095"),
    # 4-hourly (some Aster symbols): 0.005 %/4h = 0.01 %/8h
    ("4h", "0.00005", "4", "0.0001", "0.0001", "0.1095"),
    # 8-hourly (Aster majors): the quote is already the 8h rate
    ("8h", "0.0003", "8", "0.0003", "0.0003", "0.3285"),
    # continuous (Paradex): interval 0, the venue's own 8h figure stands
    ("continuous", "0.0002", "0", "0.0002", "0.0002", "0.219"),
    # negative hourly: −0.002 %/h = −0.016 %/8h, APR −17.52 %
    ("hourly negative", "-0.00002", "1", "-0.00016", "-0.00016", "-0.1752"),
])
def test_every_interval_style_normalises_to_8h(style: str, raw: str, interval: str, adapter_8h: str,
                                               expected_8h: str, expected_apr: str) -> None:
    q = quote(raw, interval, adapter_8h)
    assert rate_8h(q) == D(expected_8h), style
    assert apr_from_8h(rate_8h(q)) == D(expected_apr), style
    assert not normalization_mismatch(q)
    if D(interval) > 0:  # the same APR straight from the venue's own unit: r x 8760 / interval
        assert apr_from_rate(D(raw), D(interval)) == D(expected_apr)


def test_hourly_rate_taken_as_8h_is_detected_and_corrected() -> None:
    # the classic bug: an adapter passes an hourly quote through as if it were 8-hourly
    buggy = quote("0.0001", "1", "0.0001")
    assert normalization_mismatch(buggy)
    assert rate_8h(buggy) == D("0.0008")  # the service uses raw x 8 / interval, an 8x difference


def test_apr_is_rate_times_3_times_365() -> None:
    assert apr_from_8h(D("0.001")) == D("1.095")
    assert apr_from_rate(D("0.0001"), D(1)) == D("0.876")  # hourly: r x 24 x 365


@pytest.mark.parametrize(("interval", "limit_seconds"),
                         [("1", 7200), ("4", 28800), ("8", 57600), ("0", 7200)])
def test_staleness_limit_is_twice_the_interval(interval: str, limit_seconds: int) -> None:
    assert staleness_limit_seconds(D(interval)) == limit_seconds


def test_is_stale_just_past_twice_the_interval() -> None:
    q = quote("0.0000125", "1", "0.0001")
    assert not is_stale(q, NOW + timedelta(hours=2))
    assert is_stale(q, NOW + timedelta(hours=2, seconds=1))
    assert not is_stale(q, NOW + timedelta(hours=2, seconds=1), D(3))
