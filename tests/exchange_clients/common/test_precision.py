from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange_clients.common.precision import (
    decimals_of,
    from_scaled_int,
    round_price,
    round_significant,
    round_size,
    to_scaled_int,
    validate_order,
)
from exchange_clients.errors import InvalidOrderError, MarketNotFoundError
from exchange_clients.models import MarketInfo, Side


def market(**overrides: object) -> MarketInfo:
    fields: dict[str, object] = dict(
        venue="testvenue", symbol="BTC", venue_symbol="BTC-USD", market_id="1", base_asset="BTC",
        tick_size=D("0.5"), step_size=D("0.001"), min_size=D("0.001"), min_notional=D("10"),
        max_leverage=D("20"), maker_fee=D("0.0002"), taker_fee=D("0.0005"),
        funding_interval_hours=D(1))
    fields.update(overrides)
    return MarketInfo(**fields)  # type: ignore[arg-type]


class TestRounding:
    def test_passive_buy_rounds_down_and_sell_rounds_up(self) -> None:
        assert round_price(D("100.07"), D("0.05"), Side.BUY) == D("100.05")
        assert round_price(D("100.07"), D("0.05"), Side.SELL) == D("100.10")

    def test_aggressive_rounding_goes_toward_the_touch(self) -> None:
        assert round_price(D("100.07"), D("0.05"), Side.BUY, passive=False) == D("100.10")
        assert round_price(D("100.07"), D("0.05"), Side.SELL, passive=False) == D("100.05")

    def test_on_tick_price_is_unchanged(self) -> None:
        assert round_price(D("100.05"), D("0.05"), Side.BUY) == D("100.05")

    def test_integer_ticks(self) -> None:
        assert round_price(D("12345"), D("10"), Side.BUY) == D("12340")
        assert round_price(D("12345"), D("10"), Side.SELL) == D("12350")

    def test_size_always_rounds_down(self) -> None:
        assert round_size(D("1.2399"), D("0.01")) == D("1.23")
        assert round_size(D("0.0099"), D("0.01")) == D("0.00")

    @given(price=st.decimals(min_value=D("0.0001"), max_value=D("1000000"), places=6),
           tick=st.sampled_from([D("0.01"), D("0.5"), D("0.0001"), D("1"), D("25")]),
           side=st.sampled_from(list(Side)))
    def test_passive_rounding_never_worsens_the_limit(self, price: D, tick: D, side: Side) -> None:
        rounded = round_price(price, tick, side)
        assert rounded % tick == 0
        assert abs(rounded - price) < tick
        if side is Side.BUY:
            assert rounded <= price
        else:
            assert rounded >= price

    @given(qty=st.decimals(min_value=D(0), max_value=D(10_000), places=8),
           step=st.sampled_from([D("0.001"), D("1"), D("0.1"), D("100")]))
    def test_size_rounding_never_exceeds_the_request(self, qty: D, step: D) -> None:
        rounded = round_size(qty, step)
        assert rounded <= qty
        assert qty - rounded < step
        assert rounded % step == 0


class TestScaling:
    def test_round_trip_exact(self) -> None:
        assert to_scaled_int(D("65000.12"), 2) == 6500012
        assert from_scaled_int(6500012, 2) == D("65000.12")

    def test_off_grid_value_is_rejected_not_truncated(self) -> None:
        with pytest.raises(InvalidOrderError) as info:
            to_scaled_int(D("1.234"), 2, field="price", venue="lighter")
        assert info.value.code == "PRICE_FORMAT"

    @given(units=st.integers(min_value=0, max_value=2**48), decimals=st.integers(0, 10))
    def test_scaling_is_a_bijection(self, units: int, decimals: int) -> None:
        assert to_scaled_int(from_scaled_int(units, decimals), decimals) == units

    def test_decimals_of(self) -> None:
        assert decimals_of(D("0.001")) == 3
        assert decimals_of(D("0.50")) == 1
        assert decimals_of(D("10")) == 0


class TestSignificantFigures:
    def test_rounds_to_five_significant_figures_by_side(self) -> None:
        assert round_significant(D("12345.67"), 5, Side.BUY) == D("12345")
        assert round_significant(D("12345.67"), 5, Side.SELL) == D("12346")
        assert round_significant(D("0.0123456"), 5, Side.BUY) == D("0.012345")


class TestValidateOrder:
    def test_valid_order_passes_and_parses(self) -> None:
        qty, px = validate_order(market(), D("0.010"), D("65000.5"))
        assert (qty, px) == (D("0.010"), D("65000.5"))

    @pytest.mark.parametrize(("qty", "price", "code"), [
        (D("0.0105"), D("65000"), "STEP"),
        (D("0.01"), D("65000.3"), "TICK"),
        (D("0"), D("65000"), "NON_POSITIVE"),
        (D("-1"), D("65000"), "NON_POSITIVE"),
        (D("NaN"), D("65000"), "NOT_FINITE"),
        (D("0.01"), D("Infinity"), "NOT_FINITE"),
        (D("0.01"), D("-5"), "NON_POSITIVE"),
        (D("0.001"), D("5000"), "MIN_NOTIONAL"),
    ])
    def test_bad_input_raises_a_typed_error_naming_the_rule(self, qty: D, price: D, code: str) -> None:
        with pytest.raises(InvalidOrderError) as info:
            validate_order(market(), qty, price)
        assert info.value.code == code
        assert info.value.venue == "testvenue"

    def test_below_min_size(self) -> None:
        with pytest.raises(InvalidOrderError) as info:
            validate_order(market(min_size=D("0.01")), D("0.005"), D("65000"))
        assert info.value.code == "MIN_SIZE"

    def test_reduce_only_may_go_below_min_notional_and_size(self) -> None:
        qty, _ = validate_order(market(min_size=D("0.01")), D("0.001"), D("5000"), reduce_only=True)
        assert qty == D("0.001")

    def test_float_is_converted_by_repr_not_binary_expansion(self) -> None:
        qty, px = validate_order(market(), 0.1, 65000.5)  # type: ignore[arg-type]
        assert qty == D("0.1") and px == D("65000.5")

    def test_non_number_is_rejected(self) -> None:
        with pytest.raises(InvalidOrderError):
            validate_order(market(), "abc", D("1"))  # type: ignore[arg-type]

    def test_untradeable_market(self) -> None:
        with pytest.raises(MarketNotFoundError):
            validate_order(market(tradeable=False), D("0.01"), D("65000"))

    def test_significant_figure_cap(self) -> None:
        m = market(tick_size=D("0.01"), max_price_significant_figures=5)
        validate_order(m, D("1"), D("123.45"))
        validate_order(m, D("1"), D("123456"))  # integer prices are always allowed
        with pytest.raises(InvalidOrderError) as info:
            validate_order(m, D("1"), D("1234.56"))
        assert info.value.code == "TICK"
