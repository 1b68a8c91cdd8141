"""The opportunity engine on constructed quotes: arithmetic, direction, filters, staleness."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange_clients.models import FundingRateSample, MarketInfo, MarketStats
from funding_rate_service import Exclusion, FeeMode, OpportunityEngine, OpportunityFilters, price_pair
from tests.funding_rate_service.fakes import NOW, market, sample, stats

D = Decimal
engine = OpportunityEngine()


def world(quotes: dict[tuple[str, str], tuple[str, str]], *, taker: dict[str, str] | None = None,
          maker: dict[str, str] | None = None
          ) -> tuple[list[FundingRateSample], list[MarketStats], list[MarketInfo]]:
    """``{(venue, symbol): (rate_8h, interval)}`` with default fees/stats per venue."""
    taker, maker = taker or {}, maker or {}
    samples = [sample(v, s, r, interval=i) for (v, s), (r, i) in quotes.items()]
    st_ = [stats(v, s) for v, s in quotes]
    mk = [market(v, s, taker=taker.get(v, "0.0005"), maker=maker.get(v, "0.0002"), interval=i)
          for (v, s), (_, i) in quotes.items()]
    return samples, st_, mk


DIVERGENCE = {("lighter", "BTC"): ("0.0012", "1"), ("aster", "BTC"): ("-0.0003", "8")}
DIVERGENCE_FEES = {"lighter": "0", "aster": "0.00035"}


def test_worked_example_long_the_low_rate_short_the_high_one() -> None:
    result = engine.analyse(*world(DIVERGENCE, taker=DIVERGENCE_FEES), now=NOW)
    best, worst = result.opportunities
    assert (best.symbol, best.long.venue, best.short.venue) == ("BTC", "aster", "lighter")
    assert best.direction == "long aster / short lighter"
    assert best.spread_8h == D("0.0015")
    assert best.gross_apr == D("1.6425")               # 0.0015 x 3 x 365
    assert best.round_trip_fee == D("0.0007")          # 2 x (0.00035 + 0)
    assert best.funding_return == D("0.0045")          # 0.0015 x 24 / 8
    assert best.net_return == D("0.0038")
    assert best.net_apr == D("1.387")                  # 0.0038 x 8760 / 24
    assert best.breakeven_hours is not None
    assert best.breakeven_hours.quantize(D("0.0001")) == D("3.7333")   # 0.0007 / (0.0015 / 8)
    assert best.long.rate_8h == D("-0.0003") and best.short.rate_8h == D("0.0012")
    assert best.long.raw_rate == D("-0.0003") and best.short.raw_rate == D("0.00015")  # as quoted
    # the reverse pair is listed too, and loses both the spread and the fees
    assert (worst.long.venue, worst.short.venue) == ("lighter", "aster")
    assert worst.spread_8h == D("-0.0015") and worst.net_return == D("-0.0052")
    assert worst.net_apr == D("-1.898") and worst.breakeven_hours is None


def test_fee_is_paid_once_and_amortised_over_the_horizon() -> None:
    quotes = {("a", "ETH"): ("0", "8"), ("b", "ETH"): ("0.0001", "8")}   # spread 0.01 %/8h
    short = engine.rank(*world(quotes), OpportunityFilters(horizon_hours=D(8)), now=NOW)[0]
    month = engine.rank(*world(quotes), OpportunityFilters(horizon_hours=D(720)), now=NOW)[0]
    assert short.round_trip_fee == month.round_trip_fee == D("0.002")   # 2 x (0.0005 + 0.0005)
    assert short.net_return == D("-0.0019")                              # 0.0001 - 0.002
    assert short.net_apr == D("-2.0805")
    assert month.net_return == D("0.007")                                # 0.0001 x 90 - 0.002
    assert month.net_apr.quantize(D("1e-12")) == D("0.085166666667")     # 0.007 x 8760 / 720
    assert month.gross_apr == short.gross_apr == D("0.1095")
    # charging the fee every 8h period would make this pair lose money at any horizon
    assert (month.spread_8h - month.round_trip_fee) * 1095 < 0 < month.net_apr


def test_maker_fee_mode_uses_maker_fees() -> None:
    data = world(DIVERGENCE, taker={"lighter": "0.0004", "aster": "0.0005"},
                 maker={"lighter": "-0.0001", "aster": "0.0001"})
    taker = engine.rank(*data, now=NOW)[0]
    maker = engine.rank(*data, OpportunityFilters(fee_mode=FeeMode.MAKER), now=NOW)[0]
    assert taker.round_trip_fee == D("0.0018")
    assert maker.round_trip_fee == D("0")                # a rebate offsets the other leg's fee
    assert maker.fee_mode is FeeMode.MAKER and maker.long.fee == D("0.0001")
    assert maker.net_apr > taker.net_apr
    assert maker.breakeven_hours == 0


def test_mixed_interval_venues_compare_on_8h_equivalents() -> None:
    # same 0.01 %/8h everywhere, quoted hourly, 4-hourly, 8-hourly and continuously: no spread
    quotes = {("h", "SOL"): ("0.0001", "1"), ("f", "SOL"): ("0.0001", "4"),
              ("e", "SOL"): ("0.0001", "8"), ("c", "SOL"): ("0.0001", "0")}
    ops = engine.rank(*world(quotes), now=NOW)
    assert len(ops) == 12                                # 4 venues -> 12 ordered pairs
    assert {o.spread_8h for o in ops} == {D(0)}


def test_sorted_by_net_apr_with_limit_and_symbol_filters() -> None:
    quotes = {("a", "BTC"): ("0.0001", "8"), ("b", "BTC"): ("0.0004", "8"),
              ("a", "ETH"): ("0.0001", "8"), ("b", "ETH"): ("0.0011", "8"),
              ("a", "SOL"): ("0.0002", "1"), ("c", "DOGE"): ("0.01", "8")}
    result = engine.analyse(*world(quotes), now=NOW)
    assert [o.net_apr for o in result.opportunities] == sorted((o.net_apr for o in result.opportunities),
                                                               reverse=True)
    assert result.opportunities[0].symbol == "ETH"
    assert result.symbols_considered == 2                # SOL and DOGE are on one venue only
    assert [o.symbol for o in engine.rank(*world(quotes), OpportunityFilters(limit=1), now=NOW)] == ["ETH"]
    only_btc = engine.rank(*world(quotes), OpportunityFilters(symbols=frozenset({"btc"})), now=NOW)
    assert {o.symbol for o in only_btc} == {"BTC"} and len(only_btc) == 2
    assert engine.rank(*world(quotes), OpportunityFilters(venues=frozenset({"a", "c"})), now=NOW) == []


def test_min_net_apr_and_min_spread() -> None:
    data = world(DIVERGENCE, taker=DIVERGENCE_FEES)
    result = engine.analyse(*data, OpportunityFilters(min_net_apr=D(0)), now=NOW)
    assert len(result.opportunities) == 1 and result.excluded == {Exclusion.NET_APR: 1}
    result = engine.analyse(*data, OpportunityFilters(min_spread_8h=D("0.002")), now=NOW)
    assert result.opportunities == () and result.excluded == {Exclusion.SPREAD: 2}


def test_stale_quotes_are_excluded() -> None:
    samples, st_, mk = world({("h1", "BTC"): ("0.0001", "1"), ("h2", "BTC"): ("0.0009", "1"),
                              ("e8", "BTC"): ("0.0005", "8")})
    # h2's hourly quote is 3 h old (> 2 x 1 h); e8's 8-hourly one 3 h old is still fresh
    samples = [s.model_copy(update={"timestamp": NOW - timedelta(hours=3)}) if s.venue in ("h2", "e8") else s
               for s in samples]
    result = engine.analyse(samples, st_, mk, now=NOW)
    assert result.excluded == {Exclusion.STALE: 1}
    assert {(o.long.venue, o.short.venue) for o in result.opportunities} == {("h1", "e8"), ("e8", "h1")}
    later = engine.analyse(samples, st_, mk, now=NOW + timedelta(hours=14))
    assert later.opportunities == () and later.excluded == {Exclusion.STALE: 3}


def test_newest_quote_per_market_wins() -> None:
    samples, st_, mk = world(DIVERGENCE, taker=DIVERGENCE_FEES)
    old = sample("aster", "BTC", "0.0050", at=NOW - timedelta(minutes=5))
    ops = engine.rank([old, *samples], st_, mk, now=NOW)
    assert ops[0].long.rate_8h == D("-0.0003")


def test_quotes_without_fees_or_not_tradeable_are_excluded() -> None:
    samples, st_, mk = world({("a", "BTC"): ("0.0001", "8"), ("b", "BTC"): ("0.0009", "8"),
                              ("c", "BTC"): ("0.0005", "8")})
    mk = [m for m in mk if m.venue != "a"]
    mk = [m.model_copy(update={"tradeable": False}) if m.venue == "b" else m for m in mk]
    result = engine.analyse(samples, st_, mk, now=NOW)
    assert result.opportunities == ()
    assert result.excluded == {Exclusion.NO_MARKET_INFO: 1, Exclusion.NOT_TRADEABLE: 1}


@pytest.mark.parametrize(("filters", "reason"), [
    (OpportunityFilters(min_volume_usd=D(1_000_000)), Exclusion.VOLUME),
    (OpportunityFilters(min_open_interest_usd=D(1_000_000)), Exclusion.OPEN_INTEREST),
])
def test_liquidity_minimums_apply_to_each_leg(filters: OpportunityFilters, reason: Exclusion) -> None:
    samples, _, mk = world(DIVERGENCE)
    thin = [stats("lighter", "BTC", volume="900000", oi="900000"), stats("aster", "BTC")]
    result = engine.analyse(samples, thin, mk, filters, now=NOW)
    assert result.opportunities == () and result.excluded == {reason: 1}
    missing = engine.analyse(samples, [stats("aster", "BTC")], mk, filters, now=NOW)
    assert missing.opportunities == () and missing.excluded == {reason: 1}   # unknown is not enough
    assert len(engine.rank(samples, [stats("lighter", "BTC"), stats("aster", "BTC")], mk, filters,
                           now=NOW)) == 2


def test_depth_filter_needs_known_depth_on_both_legs() -> None:
    data = world(DIVERGENCE)
    filters = OpportunityFilters(min_depth_usd=D(50_000))
    assert engine.analyse(*data, filters, now=NOW).excluded == {Exclusion.DEPTH: 2}
    deep = {("lighter", "BTC"): D(80_000), ("aster", "BTC"): D(60_000)}
    ops = engine.rank(*data, filters, depth=deep, now=NOW)
    assert len(ops) == 2 and {o.long.depth_usd for o in ops} == {D(80_000), D(60_000)}
    shallow = {**deep, ("aster", "BTC"): D(10_000)}
    assert engine.analyse(*data, filters, depth=shallow, now=NOW).excluded == {Exclusion.DEPTH: 1}
    assert engine.rank(*data, depth=shallow, now=NOW)  # depth is only a filter when asked for


def test_horizon_must_be_positive() -> None:
    with pytest.raises(ValueError):
        OpportunityFilters(horizon_hours=D(0))
    with pytest.raises(ValueError):
        price_pair(D(0), D(0), D(0), D(0), D(0))


rates = st.decimals(min_value=D("-0.01"), max_value=D("0.01"), places=7, allow_nan=False)
fees = st.decimals(min_value=D("-0.0002"), max_value=D("0.001"), places=6, allow_nan=False)
horizons = st.integers(min_value=1, max_value=8760).map(D)


@given(rates, rates, fees, fees, horizons)
def test_pair_arithmetic_identities(r_long: Decimal, r_short: Decimal, f_long: Decimal, f_short: Decimal,
                                    horizon: Decimal) -> None:
    f = price_pair(r_long, r_short, f_long, f_short, horizon)
    back = price_pair(r_short, r_long, f_short, f_long, horizon)
    assert f.spread_8h == -back.spread_8h and f.round_trip_fee == back.round_trip_fee
    assert f.net_return == f.spread_8h * horizon / 8 - 2 * (f_long + f_short)
    # net APR x H / 8760 gives the net return back (to Decimal's 28 digits)
    assert abs(f.net_apr * horizon / 8760 - f.net_return) < D("1e-20")
    if f.breakeven_hours is not None and f.round_trip_fee > 0:
        at_breakeven = price_pair(r_long, r_short, f_long, f_short, f.breakeven_hours)
        assert abs(at_breakeven.net_return) < D("1e-20")
