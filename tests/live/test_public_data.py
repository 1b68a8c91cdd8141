"""Against the real venues' public endpoints (no credentials): the funding data every venue's
adapter reads is what the simulator serves. Marked ``live``: skipped unless ``PERPDEX_LIVE=1``
(tests never reach the internet by default)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exchange_clients.registry import supported_exchanges
from funding_rate_service import FundingService

pytestmark = pytest.mark.live


@pytest.mark.parametrize("venue", supported_exchanges())
async def test_public_funding_and_markets_of_the_real_venue(venue: str) -> None:
    service = await FundingService.create({venue: None})       # the venue's public mainnet config
    try:
        cycle = await service.refresh()
        assert cycle.ok_venues == [venue], service.health()
        rates = {r.symbol: r for r in service.rates(venue=venue)}
        assert "BTC" in rates and "ETH" in rates
        btc = rates["BTC"]
        assert abs(btc.rate_8h) < Decimal("0.01")                  # a sane 8h rate, not a unit error
        assert btc.interval_hours >= 0 and not btc.stale
    finally:
        await service.close()
