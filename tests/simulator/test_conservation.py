"""Property: whatever happens — trades, cancels, price jumps, funding, liquidations — positions
net to zero in every market, and accounts' cash + house fees + house funding + insurance equal
the deposits, to the last 1e-12 USD. Each account's collateral also equals
deposits + realised PnL − fees + funding + insurance credits."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.engine import EngineError, FundingStyle, OrderType, TimeInForce
from tests.simulator.conftest import EngineFactory, spec

D = Decimal

_op = st.one_of(
    st.tuples(st.just("limit"), st.integers(0, 3), st.integers(0, 1), st.sampled_from((1, -1)),
              st.integers(1, 40_000), st.integers(-30, 60), st.sampled_from(list(TimeInForce))),
    st.tuples(st.just("market"), st.integers(0, 3), st.integers(0, 1), st.sampled_from((1, -1)),
              st.integers(1, 40_000), st.booleans()),
    st.tuples(st.just("cancel"), st.integers(0, 3), st.integers(0, 20)),
    st.tuples(st.just("advance"), st.integers(1, 7200)),
    st.tuples(st.just("move"), st.integers(0, 1), st.integers(-25, 25)),
    st.tuples(st.just("leverage"), st.integers(0, 3), st.integers(0, 1), st.integers(1, 20)),
)


def _run(engine: object, accounts: list[int], ops: list[tuple[object, ...]]) -> None:
    e = engine  # type: ignore[assignment]
    markets = [e.market("BTC"), e.market("ETH")]  # type: ignore[attr-defined]
    for op in ops:
        kind = op[0]
        try:
            if kind == "limit":
                _, a, mi, side, lots, offset, tif = op
                m = markets[mi]
                e.submit(accounts[a], m.id, side, lots, max(1, m.mark_ticks - side * offset), tif=tif)
            elif kind == "market":
                _, a, mi, side, lots, reduce_only = op
                e.submit(accounts[a], markets[mi].id, side, lots, order_type=OrderType.MARKET,
                         reduce_only=reduce_only)
            elif kind == "cancel":
                _, a, k = op
                orders = e.open_orders(accounts[a])
                if orders:
                    e.cancel_order(accounts[a], orders[k % len(orders)].id)
            elif kind == "advance":
                e.advance(op[1])
            elif kind == "move":
                _, mi, pct = op
                e.move_index(markets[mi].symbol, D(pct))
            else:
                _, a, mi, lev = op
                e.set_leverage(accounts[a], markets[mi].id, lev)
        except EngineError:
            continue


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(_op, min_size=1, max_size=60), takers=st.booleans())
def test_money_and_positions_are_conserved(make_engine: EngineFactory, ops: list[tuple[object, ...]],
                                           takers: bool) -> None:
    from simulator.engine import LiquiditySpec, TakerSpec

    engine = make_engine(
        spec("BTC", 1, maker="-0.0001", taker="0.0005", funding_interval_hours=D(1)),
        spec("ETH", 2, tick="0.01", step="0.01", lev=10, funding_style=FundingStyle.CONTINUOUS,
             funding_interval_hours=D(8)),
        prices={"BTC": "100", "ETH": "20"}, rate_8h="0.0009", volatility=1.5, price_step_seconds=30,
        liquidity=LiquiditySpec(levels=4, level_size_usd=D(300)),
        takers=TakerSpec(orders_per_minute=2 if takers else 0, min_usd=D(10), max_usd=D(500)))
    accounts = [engine.create_account(D(deposit)).id for deposit in ("50", "200", "1000", "5000")]
    _run(engine, accounts, ops)
    ledger = engine.ledger()
    assert ledger.imbalance == 0, ledger
    assert not any(ledger.net_positions.values()), ledger
    for acct in engine.accounts.values():
        identity = acct.deposits + acct.realized - acct.fees_paid + acct.funding_cash + acct.insurance_cash
        assert acct.collateral() == identity, acct
        assert sum(o.remaining_lots for o in acct.open_orders.values()) >= 0
    for m in engine.markets.values():
        assert m.oi_lots == sum(max(p.size, 0) for a in engine.accounts.values()
                                for p in a.positions.values() if p.market is m)
        for level in list(m.bids.iter_levels()) + list(m.asks.iter_levels()):
            assert level.lots == sum(o.remaining_lots for o in level.live_orders()) > 0
        best_bid, best_ask = m.bids.best(), m.asks.best()
        assert best_bid is None or best_ask is None or best_bid < best_ask
