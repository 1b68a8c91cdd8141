"""Pure functions from Hyperliquid's JSON (``/info`` bodies, ``/exchange`` statuses, WebSocket
frames) to perpdex models.

No I/O here: every function takes the venue's dict and the market it belongs to and returns a
model, so each is tested on recorded payload shapes. Numbers arrive as decimal strings; sizes
and prices are converted from venue contracts to normalised underlying units by the market's
multiplier (``kPEPE`` = 1000 PEPE).

Order sizes: ``origSz`` is the original size, ``sz`` what remains (on a cancel it stays at the
unfilled remainder, on a fill it is ``"0.0"``), so the filled quantity is ``origSz − sz``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from exchange_clients.base_client import OrderRequest
from exchange_clients.common.markets import MarketEntry
from exchange_clients.common.symbols import normalize
from exchange_clients.hyperliquid.client.utils.caching import HyperliquidMarket
from exchange_clients.hyperliquid.client.utils.helpers import (
    FUNDING_INTERVAL_HOURS,
    MAKER_FEE,
    MAX_SIG_FIGS,
    MIN_ORDER_USD,
    PRICE_DECIMALS,
    TAKER_FEE,
    VENUE,
    order_status,
    price_from_venue,
    price_grid,
    side_from_wire,
    size_from_venue,
    tif_from_wire,
)
from exchange_clients.models import (
    Fill,
    FundingPayment,
    LeverageInfo,
    Liquidity,
    MarginMode,
    MarketInfo,
    OrderBookLevel,
    OrderBookSnapshot,
    OrderInfo,
    OrderStatus,
    OrderType,
    PositionSnapshot,
    TimeInForce,
)
from helpers.time import from_ms

__all__ = ["market_entries", "market_entry", "reference_price", "book_snapshot", "order_info",
           "order_from_status", "order_from_update", "order_from_ack", "fill_from_row",
           "funding_payment", "position_snapshot", "leverage_info", "dec"]

_ONE = Decimal(1)


def dec(value: Any) -> Decimal | None:
    """A wire number (string) as Decimal; ``None`` for null/empty."""
    if value is None or value == "":
        return None
    return Decimal(str(value))


def reference_price(ctx: dict[str, Any] | None) -> Decimal | None:
    """The price a market's grid is read at: mark, else mid, else oracle (venue units)."""
    if not ctx:
        return None
    for key in ("markPx", "midPx", "oraclePx"):
        value = dec(ctx.get(key))
        if value is not None and value > 0:
            return value
    return None


def market_entry(asset: int, meta: dict[str, Any], ctx: dict[str, Any] | None
                 ) -> MarketEntry[HyperliquidMarket]:
    """One ``meta.universe`` entry (+ its asset context) → our market rules.

    ``tick_size`` is the grid at the current price (5 significant figures, integers always
    allowed, never finer than ``10^-(6 − szDecimals)``): BTC at $100,000 quotes whole dollars,
    ETH at $3,500 dimes. Prices at a higher magnitude than the reference still need the
    significant-figure check, hence ``max_price_significant_figures``; the catalogue is
    refreshed every few minutes, so the tick follows the price."""
    coin = str(meta["name"])
    symbol, multiplier = normalize(coin)
    szd = int(meta["szDecimals"])
    grid = price_grid(reference_price(ctx), szd)
    step = _ONE.scaleb(-szd) * multiplier
    info = MarketInfo(
        venue=VENUE, symbol=symbol, venue_symbol=coin, market_id=coin, base_asset=symbol,
        quote_asset="USDC", tick_size=grid / multiplier, step_size=step, min_size=step,
        min_notional=MIN_ORDER_USD, max_leverage=Decimal(int(meta["maxLeverage"])),
        maker_fee=MAKER_FEE, taker_fee=TAKER_FEE, funding_interval_hours=FUNDING_INTERVAL_HOURS,
        multiplier=multiplier, tradeable=not meta.get("isDelisted", False),
        price_decimals=PRICE_DECIMALS - szd, size_decimals=szd,
        max_price_significant_figures=MAX_SIG_FIGS)
    return MarketEntry(info, HyperliquidMarket(asset, coin, szd, multiplier))


def market_entries(meta: dict[str, Any], ctxs: list[dict[str, Any]] | None = None
                   ) -> list[MarketEntry[HyperliquidMarket]]:
    """``metaAndAssetCtxs`` (or ``meta`` alone) → entries; the asset id is the universe index.
    Should two coins normalise to one symbol, the tradeable one wins."""
    by_symbol: dict[str, MarketEntry[HyperliquidMarket]] = {}
    for asset, raw in enumerate(meta.get("universe") or []):
        ctx = ctxs[asset] if ctxs is not None and asset < len(ctxs) else None
        entry = market_entry(asset, raw, ctx)
        known = by_symbol.get(entry.info.symbol)
        if known is None or (entry.info.tradeable and not known.info.tradeable):
            by_symbol[entry.info.symbol] = entry
    return list(by_symbol.values())


def _levels(raw: list[dict[str, Any]], market: HyperliquidMarket, levels: int
            ) -> tuple[OrderBookLevel, ...]:
    return tuple(OrderBookLevel(price=price_from_venue(lv["px"], market),
                                size=size_from_venue(lv["sz"], market)) for lv in raw[:levels])


def book_snapshot(body: dict[str, Any], entry: MarketEntry[HyperliquidMarket], levels: int
                  ) -> OrderBookSnapshot:
    """A REST ``l2Book`` (``levels`` = [bids descending, asks ascending])."""
    sides = body.get("levels") or []
    bids = sides[0] if len(sides) > 0 else []
    asks = sides[1] if len(sides) > 1 else []
    stamp = body.get("time")
    return OrderBookSnapshot(
        venue=VENUE, symbol=entry.info.symbol, bids=_levels(bids, entry.venue_data, levels),
        asks=_levels(asks, entry.venue_data, levels), source="rest",
        timestamp=from_ms(stamp) if stamp else from_ms(0), sequence=stamp)


def order_info(order: dict[str, Any], status: str, entry: MarketEntry[HyperliquidMarket], *,
               status_time: int | None = None, known: OrderInfo | None = None) -> OrderInfo:
    """An order in the venue's basic (``openOrders``/``orderUpdates``) or frontend
    (``frontendOpenOrders``/``orderStatus``) shape, with its status string.

    ``known`` (our last state of it) supplies what the venue's shape omits: the time in force
    (``orderUpdates`` carry none), that it was sent as a market order (the venue shows our
    IOC-at-a-bound as a limit order), the client id, and the average fill price (only the
    ``/exchange`` answer and fills carry prices)."""
    market = entry.venue_data
    original = size_from_venue(order.get("origSz") or order.get("sz") or "0", market)
    remaining = size_from_venue(order.get("sz") or "0", market)
    filled = max(original - remaining, Decimal(0))
    if order.get("tif"):
        tif = tif_from_wire(order.get("tif"))
    else:
        tif = known.time_in_force if known is not None else TimeInForce.GTC
    market_order = order.get("orderType") == "Market" or (
        known is not None and known.order_type is OrderType.MARKET)
    mapped = order_status(status, filled, tif)
    cancelled = mapped in (OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.EXPIRED)
    created = order.get("timestamp")
    updated = status_time or created
    cloid = order.get("cloid") or (known.client_order_id if known is not None else None)
    average = None
    if known is not None and known.filled_quantity == filled:
        average = known.average_fill_price
    return OrderInfo(
        venue=VENUE, symbol=entry.info.symbol, order_id=str(order["oid"]),
        client_order_id=str(cloid) if cloid else None, side=side_from_wire(str(order["side"])),
        order_type=OrderType.MARKET if market_order else OrderType.LIMIT,
        price=price_from_venue(order.get("limitPx") or "0", market) or None,
        quantity=original, filled_quantity=filled, average_fill_price=average, status=mapped,
        time_in_force=tif, reduce_only=bool(order.get("reduceOnly")),
        created_at=from_ms(created) if created else None,
        updated_at=from_ms(updated) if updated else from_ms(0),
        cancel_reason=status if cancelled else None)


def order_from_status(body: dict[str, Any], entry: MarketEntry[HyperliquidMarket], *,
                      known: OrderInfo | None = None) -> OrderInfo | None:
    """An ``orderStatus`` answer; ``None`` for ``{"status": "unknownOid"}``."""
    if body.get("status") != "order":
        return None
    wrapper = body["order"]
    return order_info(wrapper["order"], str(wrapper.get("status")), entry,
                      status_time=wrapper.get("statusTimestamp"), known=known)


def order_from_update(item: dict[str, Any], entry: MarketEntry[HyperliquidMarket], *,
                      known: OrderInfo | None = None) -> OrderInfo:
    """One ``orderUpdates`` element: ``{"order": {...}, "status", "statusTimestamp"}``."""
    return order_info(item["order"], str(item.get("status")), entry,
                      status_time=item.get("statusTimestamp"), known=known)


def order_from_ack(status: Any, request: OrderRequest, entry: MarketEntry[HyperliquidMarket]
                   ) -> OrderInfo | None:
    """The state an ``order`` action's status entry reports (``resting`` or ``filled``);
    ``None`` for an entry that carries no order (``{"error": ...}`` or a bare string).
    A ``filled`` IOC whose ``totalSz`` is short of the request had its remainder cancelled."""
    if not isinstance(status, dict):
        return None
    market = entry.venue_data
    tif = TimeInForce.IOC if request.order_type is OrderType.MARKET else request.time_in_force
    common: dict[str, Any] = dict(
        venue=VENUE, symbol=request.symbol, client_order_id=request.client_order_id,
        side=request.side, order_type=request.order_type, price=request.price,
        quantity=request.quantity, time_in_force=tif, reduce_only=request.reduce_only)
    if "resting" in status:
        return OrderInfo(order_id=str(status["resting"]["oid"]), filled_quantity=Decimal(0),
                         status=OrderStatus.OPEN, **common)
    if "filled" in status:
        filled = status["filled"]
        total = size_from_venue(filled["totalSz"], market)
        complete = total >= request.quantity
        return OrderInfo(order_id=str(filled["oid"]), filled_quantity=total,
                         average_fill_price=price_from_venue(filled["avgPx"], market),
                         status=OrderStatus.FILLED if complete else OrderStatus.EXPIRED,
                         cancel_reason=None if complete else "ioc remainder cancelled", **common)
    return None


def fill_from_row(row: dict[str, Any], entry: MarketEntry[HyperliquidMarket]) -> Fill:
    """A ``userFills`` / ``userFillsByTime`` row (or a WebSocket ``WsFill``): ``side`` is ours,
    ``crossed`` means we took liquidity, ``fee`` is paid (negative: a rebate)."""
    market = entry.venue_data
    cloid = row.get("cloid")
    return Fill(
        venue=VENUE, symbol=entry.info.symbol, trade_id=str(row["tid"]), order_id=str(row["oid"]),
        client_order_id=str(cloid) if cloid else None, side=side_from_wire(str(row["side"])),
        price=price_from_venue(row["px"], market), quantity=size_from_venue(row["sz"], market),
        fee=dec(row.get("fee")) or Decimal(0),
        liquidity=Liquidity.TAKER if row.get("crossed") else Liquidity.MAKER,
        timestamp=from_ms(int(row["time"])))


def funding_payment(row: dict[str, Any], entry: MarketEntry[HyperliquidMarket]) -> FundingPayment:
    """A ``userFunding`` row: ``delta.usdc`` is signed from the user's view (negative = paid),
    ``fundingRate`` the hourly rate, ``szi`` the signed position it was paid on."""
    delta = row.get("delta") or row
    szi = dec(delta.get("szi"))
    return FundingPayment(
        venue=VENUE, symbol=entry.info.symbol, amount=dec(delta.get("usdc")) or Decimal(0),
        rate=dec(delta.get("fundingRate")),
        position_quantity=size_from_venue(szi, entry.venue_data) if szi is not None else None,
        timestamp=from_ms(int(row["time"])))


def position_snapshot(asset_position: dict[str, Any], entry: MarketEntry[HyperliquidMarket]
                      ) -> PositionSnapshot:
    """A ``clearinghouseState.assetPositions[]`` element. ``cumFunding.sinceOpen`` is funding
    *paid* since the position opened (positive = paid), so the accrued amount is its negation."""
    position = asset_position.get("position") or asset_position
    market = entry.venue_data
    szi = dec(position.get("szi")) or Decimal(0)
    value = dec(position.get("positionValue"))
    entry_px = dec(position.get("entryPx"))
    liquidation = dec(position.get("liquidationPx"))
    leverage = (position.get("leverage") or {}).get("value")
    funding = dec((position.get("cumFunding") or {}).get("sinceOpen")) or Decimal(0)
    mark = value / abs(szi) if value is not None and szi else None
    return PositionSnapshot(
        venue=VENUE, symbol=entry.info.symbol, quantity=size_from_venue(szi, market),
        entry_price=price_from_venue(entry_px, market) if entry_px else None,
        mark_price=price_from_venue(mark, market) if mark is not None else None,
        unrealized_pnl=dec(position.get("unrealizedPnl")) or Decimal(0),
        funding_accrued=-funding,
        liquidation_price=price_from_venue(liquidation, market) if liquidation else None,
        leverage=Decimal(int(leverage)) if leverage is not None else None,
        margin=dec(position.get("marginUsed")))


def leverage_info(leverage: dict[str, Any], market: MarketInfo) -> LeverageInfo:
    """``{"type": "cross"|"isolated", "value": N}`` (position or ``activeAssetData``)."""
    mode = MarginMode.ISOLATED if leverage.get("type") == "isolated" else MarginMode.CROSS
    return LeverageInfo(venue=VENUE, symbol=market.symbol, leverage=Decimal(int(leverage["value"])),
                        max_leverage=market.max_leverage, margin_mode=mode)
