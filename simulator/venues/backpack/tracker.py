"""Private order/position events of client accounts, formatted once as Backpack's
``account.orderUpdate`` and ``account.positionUpdate`` payloads and published to the accounts'
subscribers; also keeps what the REST side needs from those events (order history per account,
position ids).

Engine → Backpack events. Every client order first yields ``orderAccepted`` (status ``New``),
then one ``orderFill`` per fill (from the engine's ``Fill``, with cumulative ``z``/``Z``), and
``orderCancelled``/``orderExpired`` when it leaves the book unfilled; a resting reduce-only order
trimmed to the position gives ``orderModified``. Positions give ``positionOpened``,
``positionAdjusted`` and ``positionClosed``.

Hub channels are ``<stream>#<account id>`` (e.g. ``account.orderUpdate.BTC_USDC_PERP#7``) so that one
formatting serves every connection of the account, and WebSocket faults match on the stream name.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from helpers.decimal import decimal_str
from simulator.engine.accounts import Position
from simulator.engine.events import OrderEvent, PositionEvent
from simulator.engine.market import Market
from simulator.engine.orders import Fill, Order, OrderStatus, OrderType, TimeInForce
from simulator.engine.units import FRACTION_SCALE, cash_to_decimal
from simulator.venues.backpack.formats import (
    DEFAULT_STP,
    break_even,
    expiry_reason,
    exposure_lots,
    now_us,
    order_id_str,
    order_tif,
    side_str,
    status_str,
)
from simulator.venues.backpack.listing import QUOTE

if TYPE_CHECKING:
    from simulator.venues.backpack import BackpackVenue

__all__ = ["OrderTracker", "ORDER_STREAM", "POSITION_STREAM", "private_channel"]

ORDER_STREAM = "account.orderUpdate"
POSITION_STREAM = "account.positionUpdate"
POSITION_ID_BASE = 5_000_000_000
_HISTORY = 10_000


def private_channel(stream: str, account_id: int) -> str:
    return f"{stream}#{account_id}"


@dataclass
class _OrderState:
    filled: int = 0          # lots reported in orderFill events
    cost: int = 0            # their quote amount, cash units
    remaining: int = 0       # remaining lots as last reported


class OrderTracker:
    def __init__(self, venue: BackpackVenue) -> None:
        self.venue = venue
        self.engine = venue.engine
        self.hub = venue.ctx.hub
        #: Backpack-only order fields (self-trade prevention, quote quantity) for the order being submitted
        self.pending_meta: dict[str, Any] | None = None
        self.history: dict[int, deque[int]] = {}
        self._orders: dict[int, _OrderState] = {}
        self._sizes: dict[tuple[int, int], int] = {}
        self._position_ids: dict[tuple[int, int], int] = {}
        self._ids = itertools.count(POSITION_ID_BASE + 1)
        self._unsubscribe: list[Callable[[], None]] = []

    def start(self) -> None:
        bus = self.engine.bus
        self._unsubscribe = [bus.subscribe(Fill, self._on_fill), bus.subscribe(OrderEvent, self._on_order),
                             bus.subscribe(PositionEvent, self._on_position)]

    def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    # -- orders -------------------------------------------------------------------------------
    def _first_sight(self, order: Order) -> _OrderState:
        """Register a client order the first time one of its events arrives: orderAccepted."""
        if order.meta is None:
            order.meta = dict(self.pending_meta or {})
        state = self._orders[order.id] = _OrderState(remaining=order.lots)
        self.history.setdefault(order.account.id, deque(maxlen=_HISTORY)).append(order.id)
        self._publish_order(order, self._order_data(order, "orderAccepted", "New", state))
        return state

    def _on_fill(self, fill: Fill) -> None:
        order = self.engine.orders.get(fill.order_id)
        if order is None or order.agent:
            return
        state = self._orders.get(order.id) or self._first_sight(order)
        state.filled += fill.lots
        state.cost += fill.price_ticks * fill.lots * fill.market.unit
        state.remaining -= fill.lots
        status = "PartiallyFilled" if state.remaining > 0 else "Filled"
        data = self._order_data(order, "orderFill", status, state)
        data.update({"t": fill.trade_id, "l": decimal_str(fill.size), "L": decimal_str(fill.price),
                     "m": fill.is_maker, "n": decimal_str(fill.fee), "N": QUOTE})
        self._publish_order(order, data)

    def _on_order(self, event: OrderEvent) -> None:
        order = event.order
        if order.agent:
            return
        state = self._orders.get(order.id)
        first = state is None
        if state is None:
            state = self._first_sight(order)
        status = event.status
        if status is OrderStatus.OPEN or status is OrderStatus.PARTIALLY_FILLED:
            # fill progress was reported by orderFill; only a size cut without a fill is news
            if not first and event.filled_lots == state.filled and event.remaining_lots < state.remaining:
                state.remaining = event.remaining_lots
                data = self._order_data(order, "orderModified", status_str(status), state)
                self._publish_order(order, data)
            return
        self._orders.pop(order.id, None)
        if status is OrderStatus.CANCELLED:
            self._publish_order(order, self._order_data(order, "orderCancelled", "Cancelled", state))
        elif status is OrderStatus.EXPIRED:
            data = self._order_data(order, "orderExpired", "Expired", state)
            data["R"] = expiry_reason(order)
            self._publish_order(order, data)

    def _order_data(self, order: Order, event: str, status: str, state: _OrderState) -> dict[str, Any]:
        m = order.market
        meta = order.meta or {}
        data: dict[str, Any] = {
            "e": event, "E": now_us(), "T": order.updated_ms * 1000, "s": m.venue_symbol,
            "i": order_id_str(order.id), "S": side_str(order.side),
            "o": "LIMIT" if order.type is OrderType.LIMIT else "MARKET", "f": order_tif(order),
            "q": decimal_str(order.size), "X": status, "z": decimal_str(m.size(state.filled)),
            "Z": decimal_str(cash_to_decimal(state.cost)), "V": meta.get("stp", DEFAULT_STP),
            "r": order.reduce_only, "y": order.tif is TimeInForce.POST_ONLY, "t": None,
            "O": "LIQUIDATION_AUTOCLOSE" if order.liquidation else "USER",
        }
        if order.type is OrderType.LIMIT:
            data["p"] = decimal_str(m.price(order.price_ticks))
        elif meta.get("quote_quantity") is not None:     # a reverse market order: Q instead of q
            del data["q"]
            data["Q"] = meta["quote_quantity"]
        if order.client_id is not None:
            data["c"] = order.client_id
        return data

    def _publish_order(self, order: Order, data: dict[str, Any]) -> None:
        self._publish(ORDER_STREAM, order.account.id, order.market, data)

    def _publish(self, stream: str, account_id: int, m: Market, data: dict[str, Any]) -> None:
        for name in (stream, f"{stream}.{m.venue_symbol}"):
            channel = private_channel(name, account_id)
            if self.hub.has_subscribers(channel):
                self.hub.publish(channel, {"stream": name, "data": data})

    # -- positions -------------------------------------------------------------------------------
    def position_id(self, account_id: int, market_id: int) -> int:
        key = (account_id, market_id)
        pid = self._position_ids.get(key)
        if pid is None:
            pid = self._position_ids[key] = next(self._ids)
        return pid

    def _on_position(self, event: PositionEvent) -> None:
        acct = self.engine.accounts.get(event.account_id)
        if acct is None or acct.agent:
            return
        key = (acct.id, event.market.id)
        before = self._sizes.get(key, 0)
        after = event.size_lots
        if after:
            self._sizes[key] = after
        else:
            self._sizes.pop(key, None)
        if before == 0 or (after and (after > 0) != (before > 0)):
            self._position_ids[key] = next(self._ids)       # a new position (opened or flipped)
            kind = "positionOpened"
        elif after == 0:
            kind = "positionClosed"
        else:
            kind = "positionAdjusted"
        data = self.position_data(acct.positions.get(event.market.id), event.market, acct.id,
                                  realized_cash=event.realized_cash)
        data["e"] = kind
        self._publish(POSITION_STREAM, acct.id, event.market, data)
        if after == 0:
            self._position_ids.pop(key, None)

    def position_data(self, pos: Position | None, m: Market, account_id: int, *,
                      realized_cash: int | None = None) -> dict[str, Any]:
        """``account.positionUpdate`` fields (without ``e``: the snapshot sent on subscribe)."""
        mark = m.price(m.mark_ticks)
        zero = Decimal(0)
        size = m.size(pos.size) if pos is not None else zero
        exposure = m.size(exposure_lots(pos)) if pos is not None else zero
        if pos is not None and pos.size:
            entry = (cash_to_decimal(pos.cost) / size).quantize(Decimal("1e-12"))
            unrealized = cash_to_decimal(pos.size * m.mark_ticks * m.unit - pos.cost)
            breakeven = break_even(pos)
        else:
            entry = unrealized = breakeven = zero
        if realized_cash is None:
            realized_cash = pos.realized if pos is not None else 0
        imf = pos.imf_num if pos is not None else self._imf(account_id, m)
        now = now_us()
        return {"E": now, "T": now, "s": m.venue_symbol, "q": decimal_str(size), "Q": decimal_str(exposure),
                "n": decimal_str(exposure * mark), "B": decimal_str(entry), "b": decimal_str(breakeven),
                "M": decimal_str(mark), "P": decimal_str(unrealized),
                "p": decimal_str(cash_to_decimal(realized_cash)),
                "f": decimal_str(Decimal(imf) / FRACTION_SCALE),
                "m": decimal_str(Decimal(m.mmf_num) / FRACTION_SCALE),
                "i": self.position_id(account_id, m.id), "l": "0"}

    def _imf(self, account_id: int, m: Market) -> int:
        """The account's IMF on ``m`` (its leverage limit caps the market's leverage)."""
        leverage = self.engine.accounts[account_id].leverage.get(m.id)
        return max(m.imf_num, -(-FRACTION_SCALE // leverage)) if leverage else m.imf_num
