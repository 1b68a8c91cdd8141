"""Lighter simulator: hourly funding — positive rate: longs pay; ``fundings`` (percent per hour,
seconds, the paying side), ``positionFunding`` (per position, + received), ``account_all``
funding histories and the account's collateral."""

from __future__ import annotations

import json
from decimal import Decimal

import lighter.models as M

from tests.simulator.venues.lighter_support import IOC, MARKET, START_MS, lighter_venue, strict

D = Decimal
ETH = 0
HOUR_S = 3600


async def test_hourly_settlement_sign_and_history() -> None:
    async with lighter_venue() as h:            # rate_8h 0.0008: 0.0001 per hour, mark 3002.40
        long, short = h.trader, await h.add_trader()
        book = h.engine.book(ETH, 1)
        ask, bid = book.asks[0].price_ticks, book.bids[0].price_ticks
        assert (await long.order(ETH, 1, 10_000, ask * 101 // 100, False, kind=MARKET, tif=IOC))[0] == 200
        assert (await short.order(ETH, 1, 10_000, bid * 99 // 100, True, kind=MARKET, tif=IOC))[0] == 200
        ws = await h.session.ws_connect(h.ws)
        await ws.send_json({"type": "subscribe", "channel": f"account_all/{long.account}"})

        h.sim.advance(HOUR_S - 1)
        status, body = await h.public("/api/v1/fundings", market_id=0, resolution="1h", start_timestamp=0,
                                      end_timestamp=5_000_000_000, count_back=10)
        assert status == 200 and body["fundings"] == []
        h.sim.advance(1)                                                     # the hour boundary
        _, body = await h.public("/api/v1/fundings", market_id=0, resolution="1h", start_timestamp=0,
                                 end_timestamp=5_000_000_000, count_back=10)
        (row,) = strict(M.Fundings, body).fundings
        assert (row.timestamp, row.rate, row.direction) == (START_MS // 1000 + HOUR_S, "0.0100", "long")
        assert D(row.value) == D("0.30024000")                              # 3002.40 x 0.0001 per ETH

        for trader, change, side in ((long, "-0.300240", "long"), (short, "0.300240", "short")):
            status, body = await trader.get("positionFunding", auth=True, account_index=trader.account,
                                            limit=10)
            (payment,) = strict(M.PositionFundings, body).position_fundings
            assert (payment.change, payment.rate, payment.position_side, payment.position_size) == (
                change, "0.0100", side, "1.0000")
        _, body = await long.get("account", by="index", value=long.account)
        assert body["accounts"][0]["collateral"] == "99999.699760"
        (pos,) = body["accounts"][0]["positions"]
        assert pos["total_funding_paid_out"] == "0.300240"

        while True:
            msg = json.loads((await ws.receive()).data)
            if msg.get("type") == "update/account_all" and msg["funding_histories"]:
                break
        (history,) = msg["funding_histories"]["0"]
        assert (history["change"], history["position_side"]) == ("-0.300240", "long")
        await ws.close()

        h.engine.set_funding_rate("ETH", D("-0.0008"))                      # shorts pay from now on
        h.sim.advance(HOUR_S)
        _, body = await h.public("/api/v1/fundings", market_id=0, resolution="1h", start_timestamp=0,
                                 end_timestamp=5_000_000_000_000, count_back=1)
        (row,) = body["fundings"]
        assert (row["rate"], row["direction"]) == ("0.0100", "short")
        _, body = await long.get("positionFunding", auth=True, account_index=long.account, limit=1,
                                 side="long")
        assert body["position_fundings"][0]["change"] == "0.299760"         # at the new mark, 2997.60
        assert body["next_cursor"] == "1"
        _, body = await h.public("/api/v1/fundings", market_id=0, resolution="1d", start_timestamp=0,
                                 end_timestamp=5_000_000_000, count_back=5)
        (day,) = body["fundings"]
        assert D(day["rate"]) == 0 and day["timestamp"] % 86_400 == 0       # +0.01 % then -0.01 % nets out
