from __future__ import annotations

from decimal import Decimal as D

import pytest
from pydantic import ValidationError

from exchange_clients.base_funding_adapter import normalize_to_8h
from exchange_clients.errors import (
    ConfigurationError,
    ErrorTable,
    ExchangeError,
    InsufficientMarginError,
    NonceError,
    RateLimitError,
)
from exchange_clients.models import FundingRateSample, OrderBookLevel, OrderBookSnapshot
from exchange_clients.registry import create_client, create_funding_adapter, registered_venues
from helpers.time import utc_now


def test_every_venue_is_registered() -> None:
    assert registered_venues() == ["aster", "backpack", "hyperliquid", "lighter", "paradex"]


def test_unknown_venue_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="unknown venue"):
        create_client("ftx", {})
    with pytest.raises(ConfigurationError, match="unknown venue"):
        create_funding_adapter("ftx")


def test_invalid_config_names_the_field_not_the_value() -> None:
    with pytest.raises(ConfigurationError) as info:
        create_client("lighter", {"account_index": 1, "api_key_index": 1,
                                  "api_private_key": "not-hex-secret-value"})
    assert "api_private_key" in str(info.value)
    assert "not-hex-secret-value" not in str(info.value)


def test_error_table_maps_codes_and_defaults_to_non_retryable() -> None:
    table = ErrorTable("lighter", {"21104": NonceError, "21739": InsufficientMarginError,
                                   "23000": RateLimitError})
    assert isinstance(table.build(21104, "bad nonce"), NonceError)
    rate = table.build("23000", "slow down", retry_after=2)
    assert isinstance(rate, RateLimitError) and rate.retry_after == 2.0 and rate.retryable
    unknown = table.build(99999, "what")
    assert type(unknown) is ExchangeError and not unknown.retryable


def test_error_messages_are_redacted() -> None:
    err = ExchangeError("v", "rejected signature=" + "ab" * 40)
    assert "ab" * 40 not in str(err) and "ab" * 40 not in repr(err)


def test_funding_normalisation_to_8h() -> None:
    assert normalize_to_8h(D("0.0001"), D(1)) == D("0.0008")
    assert normalize_to_8h(D("0.0004"), D(4)) == D("0.0008")
    assert normalize_to_8h(D("0.0008"), D(8)) == D("0.0008")
    with pytest.raises(ValueError):
        normalize_to_8h(D("0.0001"), D(0))
    sample = FundingRateSample(venue="v", symbol="BTC", raw_rate=D("0.0001"), interval_hours=D(1),
                               normalized_rate=D("0.0008"), timestamp=utc_now())
    assert sample.apr == D("0.0008") * 3 * 365


def test_models_reject_naive_timestamps_and_unordered_books() -> None:
    from datetime import datetime

    with pytest.raises(ValidationError, match="naive"):
        FundingRateSample(venue="v", symbol="BTC", raw_rate=D(0), interval_hours=D(1),
                          normalized_rate=D(0), timestamp=datetime(2025, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValidationError, match="descending"):
        OrderBookSnapshot(venue="v", symbol="BTC",
                          bids=(OrderBookLevel(price=D(1), size=D(1)), OrderBookLevel(price=D(2), size=D(1))),
                          asks=())


def test_book_snapshot_accepts_well_ordered_levels() -> None:
    book = OrderBookSnapshot(
        venue="v", symbol="BTC",
        bids=(OrderBookLevel(price=D(2), size=D(1)), OrderBookLevel(price=D(1), size=D(1))),
        asks=(OrderBookLevel(price=D(3), size=D(1)), OrderBookLevel(price=D(4), size=D(1))))
    assert book.best_bid is not None and book.best_bid.price == D(2)
    with pytest.raises(ValidationError, match="ascending"):
        OrderBookSnapshot(venue="v", symbol="BTC", bids=(),
                          asks=(OrderBookLevel(price=D(4), size=D(1)), OrderBookLevel(price=D(3), size=D(1))))


def test_trusted_bbo_equals_the_validated_model() -> None:
    from exchange_clients.models import BBO

    now = utc_now()
    fast = BBO.trusted("v", "BTC", D("1.5"), D(2), D("1.6"), D(3), now, "ws")
    slow = BBO(venue="v", symbol="BTC", bid=D("1.5"), bid_size=D(2), ask=D("1.6"), ask_size=D(3),
               timestamp=now, source="ws")
    assert fast == slow and fast.model_dump() == slow.model_dump() and fast.mid == D("1.55")
