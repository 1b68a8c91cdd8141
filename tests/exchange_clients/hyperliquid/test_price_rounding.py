"""Price rounding across assets with different szDecimals (property-based).

The base client derives a market order's worst price from the touch and the slippage bound
(``BaseExchangeClient._worst_price``: passive rounding to the tick, then to the significant-
figure cap unless an integer). With Hyperliquid's market rules — tick = the grid at the
catalogue's reference price, 5 significant figures — that price must always be one the venue
accepts, and never more aggressive than the bound, for every szDecimals, at any price level,
even after the price has moved a decade away from the reference the tick was read at.
"""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from exchange_clients.base_client import BaseExchangeClient
from exchange_clients.common.precision import validate_order
from exchange_clients.hyperliquid.client.utils.converters import market_entry
from exchange_clients.hyperliquid.client.utils.helpers import is_valid_price, price_grid
from exchange_clients.models import Side

_COINS = {0: "kPEPE", 1: "DOGE", 2: "SOL", 3: "AVAX", 4: "ETH", 5: "BTC"}


@st.composite
def touches(draw: st.DrawFn) -> tuple[int, D, D]:
    """(szDecimals, a valid touch price, the reference price the tick was read at)."""
    szd = draw(st.integers(0, 5))
    exponent = draw(st.integers(-(6 - szd) + 1, 6))
    raw = D(draw(st.integers(10_000, 99_999))).scaleb(exponent - 4)
    touch = raw.quantize(price_grid(raw, szd), rounding="ROUND_FLOOR")
    shift = draw(st.sampled_from([D(1), D(10), D("0.1"), D("1.7"), D("0.6")]))
    return szd, touch, touch * shift


@settings(max_examples=400, deadline=None)
@given(touches(), st.sampled_from([Side.BUY, Side.SELL]), st.integers(0, 1000))
def test_worst_price_is_always_a_valid_passive_hyperliquid_price(
        case: tuple[int, D, D], side: Side, bps: int) -> None:
    szd, touch, reference = case
    entry = market_entry(0, {"name": _COINS[szd], "szDecimals": szd, "maxLeverage": 10},
                         {"markPx": str(reference)})
    market = entry.info
    normalized_touch = touch / market.multiplier
    worst = BaseExchangeClient._worst_price(market, side, normalized_touch, D(bps))
    venue_px = worst * market.multiplier
    assert is_valid_price(venue_px, szd), (touch, reference, side, bps, venue_px)
    bound = normalized_touch * (1 + D(bps) / 10_000 * side.sign)
    if worst != market.tick_size:  # the floor of a sell bound that rounded to nothing
        assert (worst <= bound) if side is Side.BUY else (worst >= bound)
    # and the base client's own validation accepts what it produced
    validate_order(market, market.step_size, worst, reduce_only=True)


@given(st.integers(0, 5), st.integers(1, 10**9))
def test_multiples_of_the_tick_at_the_reference_level_are_valid(szd: int, units: int) -> None:
    """Any price a strategy builds as n × tick at or below the reference's magnitude passes."""
    reference = D("3512.3")
    tick = price_grid(reference, szd)
    price = tick * units
    if price.adjusted() <= reference.adjusted():
        assert is_valid_price(price, szd)
