"""Funding at each interval style (hourly, 4h, 8h, continuous), caps, averaging, records,
and scenario-driven divergence between venues."""

from __future__ import annotations

from decimal import Decimal

import pytest

from simulator.engine import Engine, FundingStyle
from simulator.engine.scenario import load_scenario
from simulator.engine.simulation import Simulation
from tests.simulator.conftest import START_MS, EngineFactory, spec

D = Decimal
HOUR = 3600


def _positions(engine: Engine, size: str = "1") -> tuple[int, int]:
    long, short = (engine.create_account(D(10_000)).id for _ in range(2))
    engine.submit_order(short, "BTC", -1, D(size), D(100))
    engine.submit_order(long, "BTC", 1, D(size), D(100))
    return long, short


@pytest.mark.parametrize("hours", [1, 4, 8])
def test_interval_funding_settles_on_each_boundary(make_engine: EngineFactory, hours: int) -> None:
    # rate 0.0008 per 8h -> 0.0001 * hours per interval; the mark carries the premium: 100.1
    engine = make_engine(spec(funding_interval_hours=D(hours)), rate_8h="0.0008")
    long, short = _positions(engine)
    assert engine.market_stats("BTC").mark_price == D("100.1")
    engine.advance(8 * HOUR + 30)
    payments = engine.funding_payments(long)
    assert len(payments) == 8 // hours
    per_interval = D("100.1") * D("0.0001") * hours
    assert all(p.amount_cash == -int(per_interval * 10**12) for p in payments)
    interval_ms = hours * HOUR * 1000                # boundaries are fixed times (00:00, 08:00 ... UTC)
    first = (START_MS // interval_ms + 1) * interval_ms
    assert [p.market_ms for p in payments] == [first + k * interval_ms for k in range(8 // hours)]
    assert engine.account_state(long).funding == -per_interval * (8 // hours)
    assert engine.account_state(short).funding == per_interval * (8 // hours)
    history = engine.funding_history("BTC")
    assert len(history) == 8 // hours and history[0].rate == D("0.0001") * hours
    assert history[0].rate_8h == D("0.0008")
    assert engine.ledger().balanced


def test_continuous_accrual_pays_every_step_and_records_hourly(make_engine: EngineFactory) -> None:
    engine = make_engine(spec(funding_style=FundingStyle.CONTINUOUS, funding_interval_hours=D(8)),
                         rate_8h="0.0008", price_step_seconds=60)
    long, short = _positions(engine)
    engine.advance(30 * 60)
    # 100.1 * 0.0008 * 0.5h / 8h, paid at every 60 s step (each payment rounded to 1e-12)
    assert abs(engine.account_state(long).funding - D("-0.005005")) < D("1e-9")
    assert not engine.funding_payments(long)        # recorded on the hour
    engine.advance(2 * HOUR)
    payments = engine.funding_payments(long)
    assert len(payments) == 2 and all(abs(p.amount_cash + 10010000000) < 1000 for p in payments)
    assert abs(engine.account_state(long).funding - D("-0.025025")) < D("1e-9")
    assert engine.account_state(short).funding == -engine.account_state(long).funding
    stats = engine.market_stats("BTC")
    assert stats.funding_style == "continuous" and stats.funding_rate == D("0.0008")
    assert stats.funding_interval_hours == D(8) and stats.funding_index > 0
    assert engine.ledger().balanced


def test_closing_a_continuous_position_records_its_accrued_funding(make_engine: EngineFactory) -> None:
    engine = make_engine(spec(funding_style=FundingStyle.CONTINUOUS, funding_interval_hours=D(8)),
                         rate_8h="0.0008", price_step_seconds=60)
    long, short = _positions(engine)
    engine.advance(10 * 60)
    engine.submit_order(short, "BTC", 1, D(1), D(100))
    engine.submit_order(long, "BTC", -1, D(1), D(100))
    (payment,) = engine.funding_payments(long)
    assert payment.amount_cash == -1668333330           # 10 steps of 60 s at 0.01001/h, each rounded
    assert payment.size_lots == 0 and engine.account_state(long).funding == D("-0.00166833333")


def test_rate_is_capped(make_engine: EngineFactory) -> None:
    engine = make_engine(spec(funding_cap=D("0.001")), rate_8h="0.5")
    stats = engine.market_stats("BTC")
    assert stats.funding_rate == D("0.001") and stats.funding_rate_8h == D("0.5")


def test_settlement_uses_the_time_weighted_rate(make_engine: EngineFactory) -> None:
    engine = make_engine(rate_8h="0.0008")
    long, _ = _positions(engine)
    engine.advance(HOUR / 4)
    engine.set_funding_rate("BTC", D("0.0040"))     # 0.0005/h for the last three quarters
    engine.advance(HOUR)
    (payment,) = engine.funding_payments(long)
    assert payment.rate_num == int(D("0.0004") * 10**12)   # (0.0001 + 3 * 0.0005) / 4


def test_negative_rate_pays_shorts_to_longs(make_engine: EngineFactory) -> None:
    engine = make_engine(rate_8h="-0.0008")
    long, short = _positions(engine)
    engine.advance(HOUR)
    assert engine.account_state(long).funding == D("0.00999")      # mark 99.9 * 0.0001
    assert engine.account_state(short).funding == D("-0.00999")


def test_venues_disagree_then_converge_in_the_divergence_scenario() -> None:
    sim = Simulation(load_scenario("funding_divergence"), ["lighter", "aster", "hyperliquid"],
                     manual=True, start_ms=START_MS)
    sim.advance(3 * HOUR)
    lighter = sim.engine("lighter").market_stats("BTC")
    aster = sim.engine("aster").market_stats("BTC")
    assert abs(lighter.funding_rate_8h - D("0.0012")) < D("0.0001")
    assert abs(aster.funding_rate_8h - D("-0.0003")) < D("0.0001")
    assert lighter.funding_interval_hours == 1 and aster.funding_interval_hours == 8
    assert abs(lighter.funding_rate - lighter.funding_rate_8h / 8) < D("1e-12")
    sim.advance(6 * HOUR)
    rates = [sim.engine(v).market_stats("BTC").funding_rate_8h for v in ("lighter", "aster", "hyperliquid")]
    assert all(abs(r - D("0.0001")) < D("0.0001") for r in rates)
    assert len(sim.engine("lighter").funding_history("BTC")) == 9
    assert len(sim.engine("aster").funding_history("BTC")) == 1
