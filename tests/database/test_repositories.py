"""Every repository on SQLite and on PostgreSQL (``db`` is parametrised over both)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from database.engine import Database
from database.errors import AlreadyExistsError, InvalidTransitionError, NotFoundError
from database.models import LegStatus, NotificationStatus, OrderState, PositionStatus, RunStatus
from database.repositories import (
    FillInput,
    FundingRateInput,
    LegInput,
    MarketInput,
    OrderIntent,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _rate(venue: str, symbol: str, hours: int, rate: str) -> FundingRateInput:
    return FundingRateInput(venue=venue, symbol=symbol, sampled_at=T0 + timedelta(hours=hours),
                            raw_rate=Decimal(rate), normalized_rate=Decimal(rate) * 8,
                            interval_hours=Decimal(1), mark_price=Decimal("65000.5"),
                            open_interest_usd=Decimal("1.5e6"), volume_24h_usd=Decimal("12345678.9"))


# ---- funding rates and markets ------------------------------------------------------------

async def test_funding_history_is_idempotent_and_range_queried(db: Database) -> None:
    samples = [_rate("lighter", "BTC", h, f"0.0000{h + 1}") for h in range(6)]
    samples.append(_rate("paradex", "BTC", 0, "0.0002"))
    assert await db.funding.record(samples) == 7
    assert await db.funding.record(samples[:3]) == 0  # re-collected: nothing new
    window = await db.funding.history("lighter", "BTC", T0 + timedelta(hours=1),
                                      T0 + timedelta(hours=4))
    assert [s.sampled_at for s in window] == [T0 + timedelta(hours=h) for h in (1, 2, 3)]
    assert window[0].raw_rate == Decimal("0.00002") and window[0].normalized_rate == Decimal("0.00016")
    assert window[0].volume_24h_usd == Decimal("12345678.9")
    assert [s.venue for s in await db.funding.history("paradex", "BTC", T0)] == ["paradex"]
    assert len(await db.funding.history("lighter", "BTC", T0, limit=2)) == 2
    assert await db.funding.prune(T0 + timedelta(hours=2)) == 3
    assert len(await db.funding.history("lighter", "BTC", T0)) == 4


async def test_latest_rate_moves_forward_only(db: Database) -> None:
    await db.funding.record([_rate("aster", "ETH", 5, "0.0005")])
    await db.funding.record([_rate("aster", "ETH", 2, "0.0002")])  # late, older sample
    (latest,) = await db.funding.latest(venue="aster")
    assert latest.sampled_at == T0 + timedelta(hours=5) and latest.raw_rate == Decimal("0.0005")
    await db.funding.record([_rate("aster", "ETH", 6, "-0.0001"), _rate("aster", "SOL", 1, "0.0001")])
    latest_by_symbol = {r.symbol: r for r in await db.funding.latest()}
    assert latest_by_symbol["ETH"].raw_rate == Decimal("-0.0001")
    assert set(latest_by_symbol) == {"ETH", "SOL"}
    assert [r.venue for r in await db.funding.latest(symbol="SOL")] == ["aster"]


async def test_markets_upsert(db: Database) -> None:
    market = MarketInput(venue="hyperliquid", symbol="PEPE", venue_symbol="kPEPE", market_id="42",
                         base_asset="PEPE", tick_size=Decimal("0.000001"), step_size=Decimal("1"),
                         min_size=Decimal("0"), min_notional=Decimal("10"),
                         max_leverage=Decimal("10"), maker_fee=Decimal("0.00015"),
                         taker_fee=Decimal("0.00045"), funding_interval_hours=Decimal("1"),
                         multiplier=Decimal("1000"), extra={"sz_decimals": 0})
    await db.markets.upsert([market])
    await db.markets.upsert([replace(market, tradeable=False)])
    stored = await db.markets.get("hyperliquid", "PEPE")
    assert stored is not None and stored.tradeable is False and stored.multiplier == Decimal(1000)
    assert stored.extra == {"sz_decimals": 0}
    assert [m.symbol for m in await db.markets.list("hyperliquid")] == ["PEPE"]
    assert await db.markets.get("hyperliquid", "BTC") is None


# ---- strategy runs and state --------------------------------------------------------------

async def test_runs_and_key_value_state(db: Database) -> None:
    run = await db.runs.start("funding_arb", "main", {"max_notional": Decimal("500")})
    assert (await db.runs.get(run.id)).config == {"max_notional": Decimal("500")}
    await db.runs.set_state(run.id, {"cursor": 3, "spread": Decimal("0.0012"),
                                     "since": T0, "legs": ["lighter", "paradex"]})
    await db.runs.set_state(run.id, {"cursor": 4})
    state = await db.runs.state(run.id)
    assert state == {"cursor": 4, "spread": Decimal("0.0012"), "since": T0,
                     "legs": ["lighter", "paradex"]}
    assert isinstance(state["spread"], Decimal)
    assert await db.runs.get_state(run.id, "missing", default="d") == "d"
    assert await db.runs.delete_state(run.id, "cursor") is True
    assert await db.runs.delete_state(run.id, "cursor") is False
    assert [r.id for r in await db.runs.running()] == [run.id]
    done = await db.runs.finish(run.id, RunStatus.STOPPED, "operator stop")
    assert done.stopped_at is not None and done.status == "stopped"
    assert (await db.runs.latest("funding_arb", "main")).id == run.id  # type: ignore[union-attr]
    assert await db.runs.latest("funding_arb", "main", status=RunStatus.RUNNING) is None
    with pytest.raises(NotFoundError):
        await db.runs.get("nope")


# ---- positions ----------------------------------------------------------------------------

async def _position(db: Database) -> str:
    position = await db.positions.open(
        "funding_arb", "main", "BTC",
        [LegInput("lighter", "BTC", "buy", Decimal("0.05"), Decimal("65000.1")),
         LegInput("paradex", "BTC", "sell", Decimal("0.05"), Decimal("65010.7"))],
        entry_spread=Decimal("0.00031"), extra={"reason": "spread"})
    return position.id


async def test_position_life_cycle(db: Database) -> None:
    pid = await _position(db)
    position = await db.positions.get(pid)
    assert position.status == "opening" and [leg.venue for leg in position.legs] == ["lighter", "paradex"]
    assert position.legs[1].entry_price == Decimal("65010.7")
    await db.positions.update_leg(pid, 0, status=LegStatus.OPEN)
    await db.positions.update_leg(pid, 1, status=LegStatus.OPEN, size=Decimal("0.049"))
    await db.positions.set_status(pid, PositionStatus.OPEN)
    assert await db.positions.add_funding(pid, Decimal("0.12"), leg_index=1) == Decimal("0.12")
    assert await db.positions.add_funding(pid, Decimal("-0.02"), leg_index=0) == Decimal("0.10")
    assert await db.positions.add_fees(pid, Decimal("1.3")) == Decimal("1.3")
    assert [p.id for p in await db.positions.active(account="main")] == [pid]
    await db.positions.set_status(pid, PositionStatus.CLOSING)
    closed = await db.positions.close(pid, realized_pnl=Decimal("-1.2"), reason="spread inverted")
    assert closed.status == "closed" and closed.closed_at is not None
    position = await db.positions.get(pid)
    assert position.funding_collected == Decimal("0.10") and position.fees == Decimal("1.3")
    assert position.legs[1].funding_collected == Decimal("0.12") and position.legs[1].size == Decimal("0.049")
    assert position.realized_pnl == Decimal("-1.2") and position.extra == {"reason": "spread"}
    assert await db.positions.active() == []
    with pytest.raises(InvalidTransitionError):
        await db.positions.set_status(pid, PositionStatus.OPEN)


async def test_concurrent_funding_increments_are_not_lost(db: Database) -> None:
    pid = await _position(db)
    amounts = [Decimal("0.0001") * i for i in range(1, 21)]
    await asyncio.gather(*(db.positions.add_funding(pid, a) for a in amounts))
    assert (await db.positions.get(pid)).funding_collected == sum(amounts)


async def test_position_errors(db: Database) -> None:
    pid = await _position(db)
    with pytest.raises(NotFoundError):
        await db.positions.update_leg(pid, 7, status=LegStatus.OPEN)
    with pytest.raises(NotFoundError):
        await db.positions.get("missing")
    with pytest.raises(TypeError):
        await db.positions.add_fees(pid, 0.5)  # type: ignore[arg-type]
    await db.positions.set_status(pid, PositionStatus.FAILED, reason="second leg rejected")
    assert (await db.positions.find(statuses=[PositionStatus.FAILED]))[0].exit_reason == \
        "second leg rejected"


# ---- orders and fills ---------------------------------------------------------------------

def _intent(cid: str, **kw: object) -> OrderIntent:
    base: dict[str, object] = dict(account="main", venue="lighter", symbol="BTC",
                                   client_order_id=cid, side="buy", order_type="limit",
                                   quantity=Decimal("0.01"), price=Decimal("64000"),
                                   time_in_force="post_only")
    return OrderIntent(**(base | kw))  # type: ignore[arg-type]


async def test_write_ahead_intent_and_resolution(db: Database) -> None:
    intent = await db.orders.record_intent(_intent("c1"))
    assert intent.status == "intent" and intent.submitted_at is None
    await db.orders.record_intent(_intent("c2"))
    await db.orders.record_intent(_intent("c3"))
    with pytest.raises(AlreadyExistsError, match="c1"):
        await db.orders.record_intent(_intent("c1"))
    await db.orders.mark_sent("main", "lighter", "c1")
    await db.orders.update("main", "lighter", "c1", status=OrderState.OPEN, exchange_order_id="X1")
    await db.orders.mark_sent("main", "lighter", "c2")
    await db.orders.update("main", "lighter", "c2", status=OrderState.UNKNOWN, error="timeout")
    # after a "restart": c2 (unknown) and c3 (intent, never sent) must be resolved first
    assert [o.client_order_id for o in await db.orders.unresolved(account="main")] == ["c2", "c3"]
    assert [o.client_order_id for o in await db.orders.live(venue="lighter")] == ["c1"]
    await db.orders.update("main", "lighter", "c3", status=OrderState.FAILED, error="not sent")
    await db.orders.update("main", "lighter", "c2", status=OrderState.REJECTED)
    assert await db.orders.unresolved() == []
    found = await db.orders.find_by_exchange_id("main", "lighter", "X1")
    assert found is not None and found.client_order_id == "c1" and found.submitted_at is not None


async def test_order_state_machine_is_enforced(db: Database) -> None:
    await db.orders.record_intent(_intent("c1"))
    await db.orders.update("main", "lighter", "c1", status=OrderState.PARTIALLY_FILLED,
                           filled_quantity=Decimal("0.004"))
    with pytest.raises(InvalidTransitionError, match="filled quantity"):
        await db.orders.update("main", "lighter", "c1", filled_quantity=Decimal("0.003"))
    await db.orders.update("main", "lighter", "c1", status=OrderState.FILLED,
                           filled_quantity=Decimal("0.01"), average_fill_price=Decimal("63999.5"))
    with pytest.raises(InvalidTransitionError, match="filled -> open"):
        await db.orders.update("main", "lighter", "c1", status=OrderState.OPEN)
    with pytest.raises(NotFoundError):
        await db.orders.update("main", "lighter", "nope", status=OrderState.OPEN)
    order = await db.orders.get("main", "lighter", "c1")
    assert order.status == "filled" and order.filled_quantity == Decimal("0.01")


async def test_fills_are_recorded_once_and_linked(db: Database) -> None:
    await db.orders.record_intent(_intent("c1"))
    await db.orders.update("main", "lighter", "c1", status=OrderState.OPEN, exchange_order_id="X1")
    fill = FillInput(account="main", venue="lighter", symbol="BTC", trade_id="t-1", side="buy",
                     price=Decimal("64000"), quantity=Decimal("0.004"), fee=Decimal("-0.0128"),
                     filled_at=T0, exchange_order_id="X1", liquidity="maker")
    assert await db.orders.record_fill(fill) is True
    assert await db.orders.record_fill(fill) is False  # WS and REST both reported it
    other = FillInput(account="main", venue="lighter", symbol="BTC", trade_id="t-2", side="sell",
                      price=Decimal("64100"), quantity=Decimal("0.001"), fee=Decimal("0.02"),
                      filled_at=T0 + timedelta(minutes=1))
    assert await db.orders.record_fill(other) is True
    fills = await db.orders.fills("main", venue="lighter", symbol="BTC")
    order = await db.orders.get("main", "lighter", "c1")
    assert [f.trade_id for f in fills] == ["t-1", "t-2"]
    assert fills[0].order_id == order.id and fills[1].order_id is None
    assert fills[0].fee == Decimal("-0.0128") and fills[0].filled_at == T0
    assert [f.trade_id for f in await db.orders.fills("main", since=T0 + timedelta(seconds=1))] == ["t-2"]


async def test_orders_and_fills_of_a_position(db: Database) -> None:
    position = await db.positions.open("funding-arb", "main", "BTC",
                                       [LegInput("lighter", "BTC", "buy", Decimal("0.01"))])
    await db.orders.record_intent(_intent("p1", position_id=position.id))
    await db.orders.record_intent(_intent("p2", position_id=position.id, venue="aster"))
    await db.orders.record_intent(_intent("elsewhere"))
    assert [o.client_order_id for o in await db.orders.for_position(position.id)] == ["p1", "p2"]
    trades = (("p1", "lighter", "t-1"), ("p2", "aster", "t-2"), ("elsewhere", "lighter", "t-3"))
    for cid, venue, trade in trades:
        await db.orders.record_fill(FillInput(account="main", venue=venue, symbol="BTC", trade_id=trade,
                                              side="buy", price=Decimal("64000"), quantity=Decimal("0.01"),
                                              fee=Decimal("0.1"), filled_at=T0, client_order_id=cid))
    assert [f.trade_id for f in await db.orders.position_fills(position.id)] == ["t-1", "t-2"]
    assert await db.orders.position_fills("no-such-position") == []


# ---- notifications outbox -----------------------------------------------------------------

async def test_outbox_claim_send_retry(db: Database) -> None:
    first = await db.notifications.enqueue("telegram", "position", "Opened BTC", "long lighter",
                                           dedupe_key="open:1", payload={"size": Decimal("0.05")})
    assert first is not None
    assert await db.notifications.enqueue("telegram", "position", "Opened BTC", "dup",
                                          dedupe_key="open:1") is None
    await db.notifications.enqueue("telegram", "risk", "Margin low", "12% left", severity="warning")
    await db.notifications.enqueue("telegram", "later", "Later", "x",
                                   available_at=T0 + timedelta(days=3650))
    claimed = await db.notifications.claim("worker-a", limit=5)
    assert [n.title for n in claimed] == ["Opened BTC", "Margin low"]
    assert claimed[0].payload == {"size": Decimal("0.05")} and claimed[0].attempts == 1
    assert await db.notifications.claim("worker-b") == []  # leased to worker-a
    await db.notifications.mark_sent(claimed[0].id, "worker-a")
    retry_at = datetime.now(UTC) - timedelta(seconds=1)
    await db.notifications.mark_failed(claimed[1].id, "worker-a", "HTTP 502", retry_at=retry_at)
    (again,) = await db.notifications.claim("worker-b")
    assert again.id == claimed[1].id and again.attempts == 2 and again.last_error == "HTTP 502"
    await db.notifications.mark_failed(again.id, "worker-b", "HTTP 403", retry_at=None)
    assert await db.notifications.count(NotificationStatus.FAILED) == 1
    assert await db.notifications.count(NotificationStatus.SENT) == 1
    with pytest.raises(NotFoundError):
        await db.notifications.mark_sent(again.id, "worker-a")


async def test_outbox_expired_lease_is_reclaimed(db: Database) -> None:
    await db.notifications.enqueue("log", "x", "t", "b")
    now = datetime.now(UTC)
    (note,) = await db.notifications.claim("dies", lease=timedelta(seconds=30), now=now)
    assert await db.notifications.claim("other", now=now + timedelta(seconds=10)) == []
    (taken,) = await db.notifications.claim("other", now=now + timedelta(seconds=31))
    assert taken.id == note.id and taken.claimed_by == "other"
    with pytest.raises(NotFoundError, match="lease expired"):
        await db.notifications.mark_sent(note.id, "dies")
    await db.notifications.mark_sent(note.id, "other")
    assert await db.notifications.purge_sent(datetime.now(UTC) + timedelta(seconds=1)) == 1


async def test_outbox_redacts_secrets(db: Database) -> None:
    secret = "0x" + "ab" * 32
    note = await db.notifications.enqueue("log", "x", "key leak?", f"api_key={secret}")
    assert note is not None and secret not in note.body
    listed = await db.notifications.list(status=NotificationStatus.PENDING)
    assert secret not in listed[0].body
