"""Sizing: both venues' steps and minimums (multiplier markets included), both accounts'
margin at the chosen leverage, the caps, and the depth within the slippage limit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange_clients.models import MarketInfo, OrderBookLevel, OrderBookSnapshot
from simulator.testing import running_simulator
from strategies.funding_arbitrage.sizing import SizingInputs, common_step, depth_within, size_position
from tests.strategies.simkit import client_venues, open_client

D = Decimal


def market(venue: str, step: str, *, min_size: str = "0", min_notional: str = "0", lev: str = "50",
           multiplier: str = "1", symbol: str = "BTC") -> MarketInfo:
    return MarketInfo(venue=venue, symbol=symbol, venue_symbol=symbol, market_id="1", base_asset=symbol,
                      tick_size=D("0.1"), step_size=D(step), min_size=D(min_size),
                      min_notional=D(min_notional), max_leverage=D(lev), maker_fee=D(0), taker_fee=D(0),
                      funding_interval_hours=D(1), multiplier=D(multiplier))


def inputs(long: MarketInfo, short: MarketInfo, **changes: Any) -> SizingInputs:
    base: dict[str, Any] = {"long_market": long, "short_market": short, "long_price": D(100_000),
                            "short_price": D(100_000), "long_available": D(1_000_000),
                            "short_available": D(1_000_000), "leverage": D(3), "position_cap": D(5_000),
                            "total_cap_left": D(20_000), "margin_usage": D(1)}
    base.update(changes)
    return SizingInputs(**base)


def test_common_step_of_mismatched_steps() -> None:
    assert common_step(D("0.00001"), D("0.001")) == D("0.001")
    assert common_step(D("0.3"), D("0.2")) == D("0.6")
    assert common_step(D(1000), D(1)) == D(1000)          # 1000PEPE contract vs plain PEPE units


@given(st.integers(1, 10**6), st.integers(0, 6), st.integers(1, 10**6), st.integers(0, 6))
def test_common_step_is_a_multiple_of_both(a: int, ea: int, b: int, eb: int) -> None:
    x, y = D(a).scaleb(-ea), D(b).scaleb(-eb)
    step = common_step(x, y)
    assert step % x == 0 and step % y == 0 and step <= x * y * 10**12


def test_mismatched_steps_round_down_to_the_coarser_grid() -> None:
    result = size_position(inputs(market("lighter", "0.00001", min_size="0.0002", min_notional="10"),
                                  market("aster", "0.001", min_size="0.001", min_notional="5")))
    assert result.quantity == D("0.050") and result.binding == "position_cap"   # 5000 / 100000
    result = size_position(inputs(market("lighter", "0.00001"), market("aster", "0.001"),
                                  position_cap=D(4_999)))
    assert result.quantity == D("0.049")                                        # never rounded up


def test_multiplier_market_sizes_in_underlying_units() -> None:
    """Lighter lists 1000PEPE (a step of 1 contract = 1000 PEPE, min 500 contracts); Paradex lists
    PEPE with a step of 1000 PEPE. Both legs get the same quantity of PEPE."""
    lighter = market("lighter", "1000", min_size="500000", min_notional="10", multiplier="1000",
                     symbol="PEPE")
    paradex = market("paradex", "1000", min_size="1000", min_notional="100", symbol="PEPE")
    price = D("0.00001")
    result = size_position(inputs(lighter, paradex, long_price=price, short_price=price,
                                  position_cap=D(150)))
    assert result.quantity == D(15_000_000) and result.quantity % D(1000) == 0
    small = size_position(inputs(lighter, paradex, long_price=price, short_price=price, position_cap=D(4)))
    assert small.quantity == 0 and "minimum size" in (small.reason or "")


def test_margin_of_each_account_at_the_chosen_leverage_limits() -> None:
    result = size_position(inputs(market("a", "0.001"), market("b", "0.001"), short_available=D(600),
                                  leverage=D(3), margin_usage=D("0.9")))
    assert result.binding == "short_margin" and result.quantity == D("0.016")   # 600*0.9*3/100000
    capped = size_position(inputs(market("a", "0.001", lev="2"), market("b", "0.001"),
                                  long_available=D(600), leverage=D(10)))
    assert capped.binding == "long_margin" and capped.quantity == D("0.012")    # the market's 2x wins


def test_total_cap_and_depth_limit() -> None:
    assert size_position(inputs(market("a", "0.001"), market("b", "0.001"),
                                total_cap_left=D(1_000))).quantity == D("0.010")
    result = size_position(inputs(market("a", "0.001"), market("b", "0.001"), long_depth=D("0.0234")))
    assert result.binding == "long_depth" and result.quantity == D("0.023")


def test_min_notional_of_either_venue_refuses() -> None:
    result = size_position(inputs(market("a", "0.001"), market("b", "0.001", min_notional="200"),
                                  position_cap=D(150)))
    assert result.quantity == 0 and "minimum notional" in (result.reason or "")


def test_depth_within_counts_only_levels_inside_the_slippage() -> None:
    book = OrderBookSnapshot(venue="x", symbol="BTC",
                             bids=(OrderBookLevel(price=D(100), size=D(1)),
                                   OrderBookLevel(price=D(99), size=D(2))),
                             asks=(OrderBookLevel(price=D(101), size=D(1)),
                                   OrderBookLevel(price=D("101.1"), size=D(3)),
                                   OrderBookLevel(price=D(103), size=D(5))))
    assert depth_within(book, True, D(20)) == D(4)       # 101 * 1.002 = 101.202
    assert depth_within(book, False, D(50)) == D(1)      # 100 * 0.995 = 99.5
    assert depth_within(book, False, D(100)) == D(3)


@pytest.mark.skipif(not {"lighter", "aster"} <= set(client_venues()),
                    reason="needs the Lighter and Aster simulator modules and clients")
async def test_real_listings_pepe_and_btc() -> None:
    """The markets as the clients report them: Lighter 1000PEPE vs Aster 1000PEPEUSDT, and BTC
    with steps 0.00001 vs 0.001."""
    async with running_simulator(["lighter", "aster"], "default") as sim:
        lighter, aster = await open_client(sim, "lighter"), await open_client(sim, "aster")
        try:
            for symbol, cap in (("PEPE", D(60)), ("BTC", D(5_000))):
                ml = await lighter.client.get_contract_attributes(symbol)
                ma = await aster.client.get_contract_attributes(symbol)
                bid = (await lighter.client.fetch_bbo_prices(symbol)).bid
                ask = (await aster.client.fetch_bbo_prices(symbol)).ask
                assert bid is not None and ask is not None
                result = size_position(inputs(ma, ml, long_price=ask, short_price=bid, position_cap=cap))
                assert result.ok, result.reason
                assert result.quantity % ml.step_size == 0 and result.quantity % ma.step_size == 0
                assert result.quantity >= max(ml.min_size, ma.min_size)
                if symbol == "PEPE":
                    assert ml.multiplier == 1000 and ml.step_size >= 1000   # contracts → PEPE units
        finally:
            await lighter.client.disconnect()
            await aster.client.disconnect()
