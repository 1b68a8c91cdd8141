"""Pure functions from Backpack's JSON (REST bodies, WebSocket ``data`` payloads) to perpdex models.

No I/O: each function takes the venue's dict and the market it belongs to. Quantities and
prices are converted from venue contracts to normalised underlying units by the market's
multiplier (``kPEPE_USDC_PERP``: 1 unit = 1000 PEPE, prices per 1000 PEPE). Numbers may come as
decimal strings or JSON numbers, ids as strings or integers, optional fields as ``null``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from exchange_clients.backpack.client.utils.caching import BackpackMarket
from exchange_clients.backpack.client.utils.helpers import (
    VENUE,
    dec,
    from_venue_ms,
    from_venue_us,
    interval_hours,
    naive_utc,
    opt_dec,
    order_status,
    price_from_venue,
    quantity_from_venue,
    side_from_venue,
    tif_from_venue,
)
from exchange_clients.backpack.common import split_symbol
from exchange_clients.common.markets import MarketEntry
from exchange_clients.common.precision import decimals_of
from exchange_clients.models import (
    Fill,
    FundingPayment,
    Liquidity,
    MarketInfo,
    OrderBookLevel,
    OrderInfo,
    OrderType,
    PositionSnapshot,
)
from helpers.time import from_ms, utc_now

__all__ = ["market_entry", "max_leverage", "order_info", "order_from_update", "fill_from_update",
           "fill_from_history", "position_snapshot", "position_from_update", "funding_payment",
           "book_side", "LIQUIDATION_ORIGINS"]

_ONE = Decimal(1)
_CENT = Decimal("0.01")
#: ``O`` (origin) of orders the venue placed to close a position
LIQUIDATION_ORIGINS = frozenset({"LIQUIDATION_AUTOCLOSE", "ADL_AUTOCLOSE", "BACKSTOP_LIQUIDITY_PROVIDER"})


def max_leverage(imf_function: Any) -> Decimal:
    """``1 / imfFunction.base``, to the cent: BTC 0.01333333 → 75, kPEPE 0.06666667 → 15.
    The base is the IMF of a small position; the sqrt factor raises it with size."""
    base = opt_dec(imf_function.get("base")) if isinstance(imf_function, dict) else None
    if base is None or base <= 0:
        return _ONE
    return max((_ONE / base).quantize(_CENT, ROUND_HALF_EVEN).normalize(), _ONE)


def market_entry(raw: dict[str, Any], maker_fee: Decimal, taker_fee: Decimal
                 ) -> MarketEntry[BackpackMarket] | None:
    """One ``/api/v1/markets`` object → our rules + venue units; ``None`` for non-perps."""
    if raw.get("marketType") != "PERP":
        return None
    venue_symbol = str(raw["symbol"])
    symbol, multiplier = split_symbol(venue_symbol)
    filters = raw.get("filters") or {}
    price_f, qty_f = filters.get("price") or {}, filters.get("quantity") or {}
    tick, step = dec(price_f["tickSize"]), dec(qty_f["stepSize"])
    min_qty = dec(qty_f.get("minQuantity"), step)
    imf = raw.get("imfFunction")
    info = MarketInfo(
        venue=VENUE, symbol=symbol, venue_symbol=venue_symbol, market_id=venue_symbol,
        base_asset=symbol, quote_asset=str(raw.get("quoteSymbol") or "USDC"),
        tick_size=tick / multiplier, step_size=step * multiplier, min_size=min_qty * multiplier,
        min_notional=Decimal(0),  # Backpack lists no minimum notional
        max_leverage=max_leverage(imf), maker_fee=maker_fee, taker_fee=taker_fee,
        funding_interval_hours=interval_hours(raw.get("fundingInterval")), multiplier=multiplier,
        tradeable=raw.get("orderBookState") == "Open",
        price_decimals=decimals_of(tick / multiplier), size_decimals=decimals_of(step * multiplier))
    base = opt_dec(imf.get("base")) if isinstance(imf, dict) else None
    return MarketEntry(info, BackpackMarket(venue_symbol, tick, step, multiplier, base))


def _client_id(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def order_info(raw: dict[str, Any], entry: MarketEntry[BackpackMarket]) -> OrderInfo:
    """An order object of ``/api/v1/order(s)`` (``createdAt`` ms) or a ``/wapi`` history row
    (``createdAt`` ISO, with ``expiryReason``)."""
    market = entry.venue_data
    filled = quantity_from_venue(raw.get("executedQuantity"), market)
    quote = dec(raw.get("executedQuoteQuantity"))
    post_only = raw.get("postOnly") is True
    status = order_status(raw.get("status"), filled, post_only=post_only)
    quantity = quantity_from_venue(raw.get("quantity"), market) if raw.get("quantity") is not None \
        else filled  # a reverse (quote-quantity) market order has no base quantity
    price = opt_dec(raw.get("price"))
    created = from_venue_ms(raw.get("createdAt"))
    return OrderInfo(
        venue=VENUE, symbol=entry.info.symbol, order_id=str(raw["id"]),
        client_order_id=_client_id(raw.get("clientId")), side=side_from_venue(raw.get("side")),
        order_type=OrderType.MARKET if raw.get("orderType") == "Market" else OrderType.LIMIT,
        price=price_from_venue(price, market) if price is not None else None,
        quantity=quantity, filled_quantity=filled,
        average_fill_price=(quote / filled) if filled > 0 else None, status=status,
        time_in_force=tif_from_venue(raw.get("timeInForce"), post_only),
        reduce_only=raw.get("reduceOnly") is True, created_at=created,
        updated_at=utc_now(), cancel_reason=raw.get("expiryReason") or None)


def order_from_update(data: dict[str, Any], entry: MarketEntry[BackpackMarket]) -> OrderInfo:
    """An ``account.orderUpdate`` payload (``o`` LIMIT/MARKET upper case, E/T in µs)."""
    market = entry.venue_data
    filled = quantity_from_venue(data.get("z"), market)
    quote = dec(data.get("Z"))
    post_only = data.get("y") is True
    quantity = quantity_from_venue(data["q"], market) if data.get("q") is not None else filled
    price = opt_dec(data.get("p"))
    event_time = from_venue_us(data.get("E")) or utc_now()
    return OrderInfo(
        venue=VENUE, symbol=entry.info.symbol, order_id=str(data["i"]),
        client_order_id=_client_id(data.get("c")), side=side_from_venue(data.get("S")),
        order_type=OrderType.MARKET if str(data.get("o")).upper() == "MARKET" else OrderType.LIMIT,
        price=price_from_venue(price, market) if price is not None else None,
        quantity=quantity, filled_quantity=filled,
        average_fill_price=(quote / filled) if filled > 0 else None,
        status=order_status(data.get("X"), filled, post_only=post_only),
        time_in_force=tif_from_venue(data.get("f"), post_only),
        reduce_only=data.get("r") is True, updated_at=event_time,
        cancel_reason=data.get("R") or None)


def _fee_in_quote(fee: Decimal, fee_symbol: Any, price: Decimal, base_symbol: str) -> Decimal:
    """Perp fees are USDC; a fee in the base asset (spot-style) is valued at the fill price."""
    if fee_symbol in (None, "", "USDC", "USD") or fee_symbol != base_symbol:
        return fee
    return fee * price


def fill_from_update(data: dict[str, Any], entry: MarketEntry[BackpackMarket]) -> Fill | None:
    """The fill carried by an ``orderFill`` event (``l``/``L`` this fill, ``t`` trade id)."""
    if data.get("e") != "orderFill" or data.get("l") is None:
        return None
    market = entry.venue_data
    venue_price = dec(data.get("L"))
    trade_id = data.get("t")
    base = market.venue_symbol.split("_", 1)[0]
    return Fill(
        venue=VENUE, symbol=entry.info.symbol,
        trade_id=str(trade_id) if trade_id is not None else f"{data['i']}:{data.get('z')}",
        order_id=str(data["i"]), client_order_id=_client_id(data.get("c")),
        side=side_from_venue(data.get("S")), price=price_from_venue(venue_price, market),
        quantity=quantity_from_venue(data.get("l"), market),
        fee=_fee_in_quote(dec(data.get("n")), data.get("N"), venue_price, base),
        liquidity=Liquidity.MAKER if data.get("m") is True else Liquidity.TAKER,
        timestamp=from_venue_us(data.get("T") or data.get("E")) or utc_now())


def fill_from_history(row: dict[str, Any], entry: MarketEntry[BackpackMarket]) -> Fill:
    """A ``/wapi/v1/history/fills`` row (naive ISO ``timestamp``, ``clientId`` a string)."""
    market = entry.venue_data
    venue_price = dec(row.get("price"))
    trade_id = row.get("tradeId")
    timestamp = naive_utc(row.get("timestamp")) or utc_now()
    base = market.venue_symbol.split("_", 1)[0]
    return Fill(
        venue=VENUE, symbol=entry.info.symbol,
        trade_id=str(trade_id) if trade_id is not None else f"{row.get('orderId')}:{row.get('timestamp')}",
        order_id=str(row.get("orderId")), client_order_id=_client_id(row.get("clientId")),
        side=side_from_venue(row.get("side")), price=price_from_venue(venue_price, market),
        quantity=quantity_from_venue(row.get("quantity"), market),
        fee=_fee_in_quote(dec(row.get("fee")), row.get("feeSymbol"), venue_price, base),
        liquidity=Liquidity.MAKER if row.get("isMaker") is True else Liquidity.TAKER,
        timestamp=timestamp)


def _leverage(imf: Decimal | None) -> Decimal | None:
    return (_ONE / imf).quantize(_CENT).normalize() if imf is not None and imf > 0 else None


def position_snapshot(raw: dict[str, Any], entry: MarketEntry[BackpackMarket]) -> PositionSnapshot:
    """A ``/api/v1/position`` row: ``netQuantity`` signed, every number a decimal string."""
    market = entry.venue_data
    quantity = quantity_from_venue(raw.get("netQuantity"), market)
    entry_px = opt_dec(raw.get("entryPrice"))
    mark = opt_dec(raw.get("markPrice"))
    liquidation = opt_dec(raw.get("estLiquidationPrice"))
    imf = opt_dec(raw.get("imf"))
    return PositionSnapshot(
        venue=VENUE, symbol=entry.info.symbol, quantity=quantity,
        entry_price=price_from_venue(entry_px, market) if entry_px else None,
        mark_price=price_from_venue(mark, market) if mark else None,
        unrealized_pnl=dec(raw.get("pnlUnrealized")), realized_pnl=dec(raw.get("pnlRealized")),
        # positive received, negative paid (a long paying a positive rate is negative)
        funding_accrued=dec(raw.get("cumulativeFundingPayment")),
        liquidation_price=price_from_venue(liquidation, market) if liquidation else None,
        leverage=_leverage(imf),
        margin=abs(dec(raw.get("netExposureNotional"))) * imf if imf is not None else None)


def position_from_update(data: dict[str, Any], entry: MarketEntry[BackpackMarket]) -> PositionSnapshot:
    """An ``account.positionUpdate`` payload (``q`` signed; the subscribe snapshot has no ``e``)."""
    market = entry.venue_data
    quantity = quantity_from_venue(data.get("q"), market)
    entry_px, mark = opt_dec(data.get("B")), opt_dec(data.get("M"))
    imf = opt_dec(data.get("f"))
    return PositionSnapshot(
        venue=VENUE, symbol=entry.info.symbol, quantity=quantity,
        entry_price=price_from_venue(entry_px, market) if entry_px and quantity else None,
        mark_price=price_from_venue(mark, market) if mark else None,
        unrealized_pnl=dec(data.get("P")), realized_pnl=dec(data.get("p")),
        leverage=_leverage(imf),
        timestamp=from_venue_us(data.get("E")) or utc_now())


def funding_payment(row: dict[str, Any], entry: MarketEntry[BackpackMarket]) -> FundingPayment:
    """A ``/wapi/v1/history/funding`` row: ``quantity`` is the USDC payment, positive received."""
    when = naive_utc(row.get("intervalEndTimestamp")) or from_ms(0)
    return FundingPayment(venue=VENUE, symbol=entry.info.symbol, amount=dec(row.get("quantity")),
                          rate=opt_dec(row.get("fundingRate")), timestamp=when)


def book_side(levels: Sequence[Sequence[Any]], market: BackpackMarket, *, bids: bool,
              limit: int) -> tuple[OrderBookLevel, ...]:
    """One side of a REST depth (both sides ascending: best bid last) → best first, normalised."""
    parsed = [(dec(price), dec(size)) for price, size in levels]
    parsed = [level for level in parsed if level[1] > 0]
    parsed.sort(key=lambda level: level[0], reverse=bids)
    return tuple(OrderBookLevel(price=price_from_venue(price, market),
                                size=quantity_from_venue(size, market)) for price, size in parsed[:limit])
