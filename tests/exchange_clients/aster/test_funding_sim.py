"""Aster funding through the real adapter and client: each symbol's own
``fundingIntervalHours`` (8, 4 and 1 h in the simulated world) normalised to 8 h, and
payments at the symbol's interval."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from exchange_clients.aster import AsterClient, AsterFundingAdapter
from exchange_clients.models import Side
from helpers.venue_config import AsterPublicConfig
from simulator.testing import RunningSimulator
from tests.exchange_clients.aster.conftest import control

pytestmark = pytest.mark.asyncio(loop_scope="module")

RATE_8H = Decimal("0.0008")


async def test_four_hour_symbol_is_normalised_by_its_own_interval(sim: RunningSimulator) -> None:
    for symbol in ("BTC", "SOL", "PEPE"):
        await control(sim, "POST", "/funding", {"symbol": symbol, "rate_8h": str(RATE_8H)})
    urls = sim.urls("aster")
    async with AsterFundingAdapter(AsterPublicConfig(rest_url=urls["rest"], ws_url=urls["ws"])) \
            as adapter:
        rates = await adapter.fetch_funding_rates()
        markets = await adapter.fetch_markets()
        stats = await adapter.fetch_market_data()
    sol, btc, pepe = rates["SOL"], rates["BTC"], rates["PEPE"]
    assert (sol.interval_hours, sol.raw_rate, sol.normalized_rate) == (4, RATE_8H / 2, RATE_8H)
    assert (btc.interval_hours, btc.raw_rate, btc.normalized_rate) == (8, RATE_8H, RATE_8H)
    assert (pepe.interval_hours, pepe.raw_rate, pepe.normalized_rate) == (1, RATE_8H / 8, RATE_8H)
    assert sol.apr == RATE_8H * 3 * 365
    assert markets["SOL"].funding_interval_hours == 4 and markets["BTC"].funding_interval_hours == 8
    assert sol.next_funding_time is not None and sol.next_funding_time.hour % 4 == 0
    # 1000PEPEUSDT: prices per contract are divided by the multiplier
    assert pepe.mark_price is not None and pepe.mark_price < Decimal("0.001")
    assert stats["BTC"].open_interest_usd and stats["BTC"].volume_24h_usd
    assert markets["PEPE"].multiplier == 1000 and markets["PEPE"].venue_symbol == "1000PEPEUSDT"


async def test_payments_arrive_at_the_symbols_interval(sim: RunningSimulator,
                                                       client: AsterClient) -> None:
    await control(sim, "POST", "/funding", {"symbol": "SOL", "rate_8h": str(RATE_8H)})
    market = await client.get_contract_attributes("SOL")
    size = market.step_size * 100
    await client.place_market_order("SOL", size, Side.BUY)
    sim.advance(4 * 3600 + 60)   # one 4 h settlement, whatever the hour of the day
    await asyncio.sleep(0.1)
    payments = await client.get_funding_payments("SOL")
    assert len(payments) == 1
    payment = payments[0]
    position = await client.get_position_snapshot("SOL")
    assert position.mark_price is not None
    expected = -(size * position.mark_price * RATE_8H / 2)   # longs pay; the 4 h rate
    assert payment.amount < 0 and abs(payment.amount - expected) / abs(expected) < Decimal("0.05")
