"""The grid's pure arithmetic (``strategies/grid/pricing.py``) and its ledger: prices rounded
passively for their side, sizing from size or notional against the venue's minimums, spacing,
staleness, lots, rule precedence, average-cost PnL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exchange_clients.models import BBO, MarketInfo, Side
from strategies.grid.ledger import Ledger
from strategies.grid.pricing import (
    Lot,
    basis_of,
    evaluate_rules,
    is_stale,
    open_price,
    order_quantity,
    reference_price,
    split_lots,
    take_profit_price,
    too_close,
)

D = Decimal


def market(tick: str = "0.1", step: str = "0.001", min_size: str = "0.001", min_notional: str = "10",
           figures: int | None = None) -> MarketInfo:
    return MarketInfo(venue="test", symbol="BTC", venue_symbol="BTC", market_id="1", base_asset="BTC",
                      tick_size=D(tick), step_size=D(step), min_size=D(min_size),
                      min_notional=D(min_notional), max_leverage=D(20), maker_fee=D(0), taker_fee=D(0),
                      funding_interval_hours=D(1), max_price_significant_figures=figures)


def bbo(bid: str | None, ask: str | None) -> BBO:
    return BBO(venue="test", symbol="BTC", bid=D(bid) if bid else None, bid_size=None,
               ask=D(ask) if ask else None, ask_size=None)


def test_open_price_sits_inside_the_opposite_touch() -> None:
    book, m = bbo("100.0", "100.5"), market()
    assert open_price(Side.BUY, book, m, 1) == D("100.4")
    assert open_price(Side.SELL, book, m, 1) == D("100.1")
    assert open_price(Side.BUY, book, m, 3) == D("100.2")
    # one side empty: the own touch; an empty book: nothing
    assert open_price(Side.BUY, bbo("100.0", None), m, 1) == D("100.0")
    assert open_price(Side.SELL, bbo(None, "100.5"), m, 1) == D("100.5")
    assert open_price(Side.BUY, bbo(None, None), m, 1) is None


def test_open_price_never_rounds_towards_the_market() -> None:
    # 5 significant figures: a buy under 12345.6 rounds down, a sell above 12345.4 rounds up
    m = market(tick="0.1", figures=5)
    assert open_price(Side.BUY, bbo("12340.0", "12345.7"), m, 1) == D("12345")
    assert open_price(Side.SELL, bbo("12345.3", "12350.0"), m, 1) == D("12346")


def test_take_profit_rounds_to_at_least_the_configured_profit() -> None:
    m = market(tick="0.1")
    # 100.03 * 1.002 = 100.23006: a long's take-profit (a sell) rounds up
    assert take_profit_price(Side.BUY, D("100.03"), D("0.2"), m) == D("100.3")
    # 100.03 * 0.998 = 99.82994: a short's take-profit (a buy) rounds down
    assert take_profit_price(Side.SELL, D("100.03"), D("0.2"), m) == D("99.8")


@pytest.mark.parametrize(("size", "notional", "price", "expected"), [
    ("0.0123", None, "100000", "0.012"),     # rounded down to the step
    (None, "1000", "100000", "0.01"),        # notional / price
    (None, "1000", "99999", "0.01"),         # 0.0100001 → 0.010
    (None, "5", "100000", "0"),              # below min size and min notional
    ("0.001", None, "5000", "0"),            # 5 USD: below the 10 USD min notional
])
def test_order_quantity_from_size_or_notional(size: str | None, notional: str | None, price: str,
                                              expected: str) -> None:
    quantity = order_quantity(market(), D(price), D(size) if size else None,
                              D(notional) if notional else None)
    assert quantity == D(expected)


def test_spacing_and_staleness() -> None:
    closes = [D("101"), D("105")]
    assert too_close(D("101.05"), closes, D("0.1")) == D("101")      # 0.0495 % of 101
    assert too_close(D("101.2"), closes, D("0.1")) is None            # 0.198 %
    assert too_close(D("101.05"), closes, D(0)) is None               # no spacing
    assert too_close(D("101.05"), [], D("0.1")) is None
    # a buy at 100 with the touch now at 100.2: 20 bps behind
    assert is_stale(Side.BUY, D("100"), D("100.2"), D(10))
    assert not is_stale(Side.BUY, D("100"), D("100.05"), D(10))
    assert not is_stale(Side.BUY, D("100"), D("99"), D(10))           # the market came to it
    assert is_stale(Side.SELL, D("100"), D("99.8"), D(10))
    assert not is_stale(Side.SELL, D("100"), D("101"), D(10))


def test_lots_split_oldest_first_and_weigh_their_basis() -> None:
    lots = [Lot(D("0.3"), D("100")), Lot(D("0.5"), D("98"))]
    taken, left = split_lots(lots, D("0.4"))
    assert taken == [Lot(D("0.3"), D("100")), Lot(D("0.1"), D("98"))]
    assert left == [Lot(D("0.4"), D("98"))]
    assert basis_of(taken) == (D("30") + D("9.8")) / D("0.4")
    assert basis_of([]) is None


def test_reference_price_is_the_mid_or_the_side_there_is() -> None:
    assert reference_price(bbo("100", "102")) == D("101")
    assert reference_price(bbo("100", None)) == D("100")
    assert reference_price(bbo(None, None)) is None


def test_rules_stop_before_stop_loss_before_pause() -> None:
    def rules(price: str, *, side: Side = Side.BUY, entry: str | None = "100", position: str = "1",
              stop: str | None = "95", pause: str | None = "105",
              loss: str | None = "3") -> tuple[str | None, bool]:
        decision = evaluate_rules(open_side=side, price=D(price), entry_price=D(entry) if entry else None,
                                  position=D(position), stop_price=D(stop) if stop else None,
                                  pause_price=D(pause) if pause else None,
                                  stop_loss_pct=D(loss) if loss else None)
        return decision.halt, decision.paused

    assert rules("100") == (None, False)
    assert rules("105") == (None, True)                               # pause: at or above
    halt, _ = rules("95")                                             # stop beats stop-loss
    assert halt is not None and halt.startswith("stop price")
    halt, _ = rules("96.9")                                           # 3.1 % under the entry
    assert halt is not None and halt.startswith("stop-loss")
    assert rules("96.9", position="0") == (None, False)               # no position: no loss
    halt, _ = rules("106", stop=None, loss="3", entry="110")          # stop-loss beats pause
    assert halt is not None and halt.startswith("stop-loss")
    # a short grid mirrors every comparison
    assert rules("95", side=Side.SELL, stop="105", pause="95", entry="100") == (None, True)
    halt, _ = rules("105", side=Side.SELL, stop="105", pause="95", entry="100")
    assert halt is not None and halt.startswith("stop price")
    halt, _ = rules("103.5", side=Side.SELL, stop=None, pause=None, entry="100")
    assert halt is not None and halt.startswith("stop-loss")


def test_ledger_is_average_cost_and_counts_a_trade_once() -> None:
    ledger = Ledger()
    assert ledger.apply("t1", "buy", D("1"), D("100"), D("0.1"))
    assert ledger.apply("t2", "buy", D("1"), D("98"), D("0.1"))
    assert not ledger.apply("t2", "buy", D("1"), D("98"), D("0.1"))  # seen: ignored
    assert ledger.quantity == D(2) and ledger.average_price == D(99)
    ledger.apply("t3", "sell", D("1"), D("100"), D("-0.05"))         # a maker rebate
    assert ledger.realized == D(1) and ledger.quantity == D(1) and ledger.average_price == D(99)
    assert ledger.fees == D("0.15") and ledger.net == D("0.85")
    ledger.apply("t4", "sell", D("2"), D("101"), D(0))                # closes and flips short
    assert ledger.realized == D(3) and ledger.quantity == D(-1) and ledger.average_price == D(101)
