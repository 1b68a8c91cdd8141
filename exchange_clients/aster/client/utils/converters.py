"""Pure functions from Aster's JSON (REST bodies, user-stream events) to perpdex models.

No I/O here: every function takes the venue's dict (and the market it belongs to) and returns
a model, so each is tested on recorded payload shapes. Quantities and prices are converted from
venue contracts to normalised underlying units by the market's multiplier (``1000PEPEUSDT``:
one contract is 1000 PEPE, its price is per 1000 PEPE).

Shapes (asterdex/api-docs V3; real captures in the notes): numbers are JSON strings
(``"0.010"``), ids and times JSON integers (ms); a flat symbol may be absent from
``positionRisk``; ``rateLimits`` sits at the top of exchangeInfo.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from exchange_clients.aster.client.utils.caching import AsterMarket
from exchange_clients.aster.client.utils.helpers import (
    DEFAULT_FUNDING_HOURS,
    DEFAULT_MAKER_FEE,
    DEFAULT_TAKER_FEE,
    POST_ONLY_REJECTED,
    TIF_FROM_ASTER,
    dec,
    interval_seconds,
    opt_dec,
    order_status,
    order_type_from_aster,
    price_from_venue,
    side_from_aster,
    size_from_venue,
)
from exchange_clients.common.markets import MarketEntry
from exchange_clients.common.precision import decimals_of
from exchange_clients.common.symbols import split_multiplier, strip_quote
from exchange_clients.models import (
    Fill,
    FundingPayment,
    Liquidity,
    MarketInfo,
    OrderBookLevel,
    OrderBookSnapshot,
    OrderInfo,
    OrderStatus,
    PositionSnapshot,
    TimeInForce,
)
from helpers.time import from_ms, utc_now

__all__ = ["market_entry", "filters_of", "rate_limit_windows", "leverage_brackets",
           "funding_intervals", "order_info", "order_from_update", "fill_from_update",
           "fill_from_trade", "position_from_risk", "position_from_update", "funding_payment",
           "depth_snapshot", "base_and_multiplier", "market_entries"]

VENUE = "aster"
_HUNDRED = Decimal(100)
RateWindows = list[tuple[float, float]]


def filters_of(symbol: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(f.get("filterType")): f for f in symbol.get("filters") or []}


def base_and_multiplier(symbol: Mapping[str, Any]) -> tuple[str, Decimal]:
    """``BTCUSDT`` → (``BTC``, 1); ``1000PEPEUSDT`` → (``PEPE``, 1000). The quote asset named by
    the listing is stripped first, so unusual quotes are handled too."""
    venue_symbol, quote = str(symbol["symbol"]), str(symbol.get("quoteAsset") or "")
    if quote and venue_symbol.endswith(quote) and len(venue_symbol) > len(quote):
        base = venue_symbol[: -len(quote)]
    else:
        base = strip_quote(venue_symbol)
    name, multiplier = split_multiplier(base)
    return name.upper(), multiplier


def market_entry(symbol: Mapping[str, Any], *, funding_hours: Decimal | None = None,
                 max_leverage: Decimal | None = None, maker_fee: Decimal = DEFAULT_MAKER_FEE,
                 taker_fee: Decimal = DEFAULT_TAKER_FEE) -> MarketEntry[AsterMarket] | None:
    """One exchangeInfo ``symbols[]`` entry → our rules + Aster's wire metadata; ``None`` for
    anything but a perpetual. Tick and step come from the filters, never from
    ``pricePrecision``/``quantityPrecision`` ("please do not use it as tickSize").
    ``max_leverage``: from the account's leverage brackets when known, else derived from
    ``requiredMarginPercent``."""
    if symbol.get("contractType") != "PERPETUAL":
        return None
    filters = filters_of(symbol)
    price_f, lot_f = filters.get("PRICE_FILTER", {}), filters.get("LOT_SIZE", {})
    tick, step = dec(price_f.get("tickSize")), dec(lot_f.get("stepSize"))
    if tick <= 0 or step <= 0:
        return None
    name, multiplier = base_and_multiplier(symbol)
    venue_symbol = str(symbol["symbol"])
    notional_f = filters.get("MIN_NOTIONAL", {})
    percent_f = filters.get("PERCENT_PRICE", {})
    market = AsterMarket(
        symbol=venue_symbol, stream=venue_symbol.lower(), multiplier=multiplier, tick_size=tick,
        step_size=step, price_precision=int(symbol.get("pricePrecision", decimals_of(tick))),
        quantity_precision=int(symbol.get("quantityPrecision", decimals_of(step))),
        min_qty=dec(lot_f.get("minQty")), max_qty=opt_dec(lot_f.get("maxQty")),
        market_max_qty=opt_dec(filters.get("MARKET_LOT_SIZE", {}).get("maxQty")),
        multiplier_up=opt_dec(percent_f.get("multiplierUp")) or None,
        multiplier_down=opt_dec(percent_f.get("multiplierDown")) or None)
    required = dec(symbol.get("requiredMarginPercent"))
    leverage = max_leverage or ((_HUNDRED / required).to_integral_value() if required > 0
                                else Decimal(1))
    info = MarketInfo(
        venue=VENUE, symbol=name, venue_symbol=venue_symbol, market_id=venue_symbol,
        base_asset=name, quote_asset=str(symbol.get("quoteAsset") or "USDT"),
        tick_size=tick / multiplier, step_size=step * multiplier,
        min_size=dec(lot_f.get("minQty")) * multiplier,
        min_notional=dec(notional_f.get("notional", notional_f.get("minNotional"))),
        max_leverage=max(leverage, Decimal(1)), maker_fee=maker_fee, taker_fee=taker_fee,
        funding_interval_hours=funding_hours or DEFAULT_FUNDING_HOURS, multiplier=multiplier,
        tradeable=symbol.get("status") == "TRADING",
        price_decimals=decimals_of(tick / multiplier), size_decimals=decimals_of(step * multiplier))
    return MarketEntry(info, market)


def market_entries(symbols: Iterable[Mapping[str, Any]], *, intervals: Mapping[str, Decimal],
                   leverages: Mapping[str, Decimal] | None = None,
                   fees: tuple[Decimal, Decimal] = (DEFAULT_MAKER_FEE, DEFAULT_TAKER_FEE)
                   ) -> list[MarketEntry[AsterMarket]]:
    """Every perpetual of exchangeInfo; where two listings normalise to one symbol (a USDT and
    a USDC contract of one asset), the tradeable USDT one wins."""
    chosen: dict[str, MarketEntry[AsterMarket]] = {}
    for raw in symbols:
        venue_symbol = str(raw.get("symbol", ""))
        entry = market_entry(raw, funding_hours=intervals.get(venue_symbol),
                             max_leverage=(leverages or {}).get(venue_symbol),
                             maker_fee=fees[0], taker_fee=fees[1])
        if entry is None:
            continue
        known = chosen.get(entry.info.symbol)
        if known is None or _rank(entry) > _rank(known):
            chosen[entry.info.symbol] = entry
    return list(chosen.values())


def _rank(entry: MarketEntry[AsterMarket]) -> tuple[bool, bool]:
    return entry.info.tradeable, entry.info.quote_asset == "USDT"


def rate_limit_windows(rate_limits: Iterable[Mapping[str, Any]]) -> tuple[RateWindows, RateWindows]:
    """exchangeInfo ``rateLimits`` → (REQUEST_WEIGHT windows, ORDERS windows) as
    ``(capacity, seconds)``. Real: 2400 weight / 1 min; 1200 orders / 1 min and 300 / 10 s."""
    weight: RateWindows = []
    orders: RateWindows = []
    for rule in rate_limits:
        kind = rule.get("rateLimitType")
        limit = rule.get("limit")
        if kind not in ("REQUEST_WEIGHT", "ORDERS") or not isinstance(limit, int | float) or limit <= 0:
            continue
        window = (float(limit), interval_seconds(str(rule.get("interval")),
                                                 int(rule.get("intervalNum") or 1)))
        (weight if kind == "REQUEST_WEIGHT" else orders).append(window)
    return weight, orders


def leverage_brackets(body: Any) -> dict[str, Decimal]:
    """``leverageBracket`` (one object or a list) → the highest leverage per venue symbol."""
    rows = body if isinstance(body, list) else [body] if isinstance(body, dict) else []
    out: dict[str, Decimal] = {}
    for row in rows:
        levels = [dec(b.get("initialLeverage")) for b in row.get("brackets") or []]
        if row.get("symbol") and levels and max(levels) > 0:
            out[str(row["symbol"])] = max(levels)
    return out


def funding_intervals(rows: Any) -> dict[str, Decimal]:
    """``fundingInfo`` → hours per venue symbol (``fundingIntervalHours``, a JSON integer)."""
    out: dict[str, Decimal] = {}
    for row in rows if isinstance(rows, list) else []:
        hours = row.get("fundingIntervalHours")
        if row.get("symbol") and isinstance(hours, int | float | str) and Decimal(str(hours)) > 0:
            out[str(row["symbol"])] = Decimal(str(hours))
    return out


def _time(value: object) -> datetime | None:
    return from_ms(int(value)) if isinstance(value, int | str) and str(value).isdigit() else None


def order_info(raw: Mapping[str, Any], entry: MarketEntry[AsterMarket]) -> OrderInfo:
    """A REST order object (POST/GET/DELETE ``order``, ``openOrders``, ``allOrders``)."""
    market = entry.venue_data
    executed = dec(raw.get("executedQty"))
    tif = str(raw.get("timeInForce") or "GTC")
    status = order_status(str(raw.get("status")), tif, executed)
    price = price_from_venue(raw.get("price"), market)
    avg = price_from_venue(raw.get("avgPrice"), market)
    created = _time(raw.get("time"))
    return OrderInfo(
        venue=VENUE, symbol=entry.info.symbol, order_id=str(raw["orderId"]),
        client_order_id=str(raw["clientOrderId"]) if raw.get("clientOrderId") else None,
        side=side_from_aster(raw.get("side")),
        order_type=order_type_from_aster(raw.get("origType") or raw.get("type")),
        price=price or None, quantity=size_from_venue(raw.get("origQty"), market),
        filled_quantity=size_from_venue(executed, market), average_fill_price=avg or None,
        status=status, time_in_force=TIF_FROM_ASTER.get(tif, TimeInForce.GTC),
        reduce_only=bool(raw.get("reduceOnly")), created_at=created,
        updated_at=_time(raw.get("updateTime")) or created or from_ms(0),
        cancel_reason=_reason(status, str(raw.get("status"))))


def _reason(status: OrderStatus, venue_status: str) -> str | None:
    if status is OrderStatus.REJECTED and venue_status == "EXPIRED":
        return POST_ONLY_REJECTED
    return venue_status.lower() if status in (OrderStatus.CANCELLED, OrderStatus.EXPIRED,
                                               OrderStatus.REJECTED) else None


def order_from_update(o: Mapping[str, Any], entry: MarketEntry[AsterMarket]) -> OrderInfo:
    """The ``o`` object of an ``ORDER_TRADE_UPDATE`` (``z`` is the cumulative filled quantity)."""
    market = entry.venue_data
    executed = dec(o.get("z"))
    tif = str(o.get("f") or "GTC")
    status = order_status(str(o.get("X")), tif, executed)
    price = price_from_venue(o.get("p"), market)
    avg = price_from_venue(o.get("ap"), market)
    return OrderInfo(
        venue=VENUE, symbol=entry.info.symbol, order_id=str(o["i"]),
        client_order_id=str(o["c"]) if o.get("c") else None, side=side_from_aster(o.get("S")),
        order_type=order_type_from_aster(o.get("ot") or o.get("o")), price=price or None,
        quantity=size_from_venue(o.get("q"), market),
        filled_quantity=size_from_venue(executed, market), average_fill_price=avg or None,
        status=status, time_in_force=TIF_FROM_ASTER.get(tif, TimeInForce.GTC),
        reduce_only=bool(o.get("R")), updated_at=_time(o.get("T")) or from_ms(0),
        cancel_reason=_reason(status, str(o.get("X"))))


def fill_from_update(o: Mapping[str, Any], entry: MarketEntry[AsterMarket]) -> Fill | None:
    """Our fill from an ``ORDER_TRADE_UPDATE`` with ``x == "TRADE"``; ``None`` otherwise.
    ``n`` (commission) is absent when nothing was charged."""
    if o.get("x") != "TRADE" or not o.get("t"):
        return None
    market = entry.venue_data
    return Fill(
        venue=VENUE, symbol=entry.info.symbol, trade_id=str(o["t"]), order_id=str(o["i"]),
        client_order_id=str(o["c"]) if o.get("c") else None, side=side_from_aster(o.get("S")),
        price=price_from_venue(o.get("L"), market), quantity=size_from_venue(o.get("l"), market),
        fee=dec(o.get("n")), liquidity=Liquidity.MAKER if o.get("m") else Liquidity.TAKER,
        timestamp=_time(o.get("T")) or from_ms(0))


def fill_from_trade(row: Mapping[str, Any], entry: MarketEntry[AsterMarket]) -> Fill:
    """A ``userTrades`` row. ``commission`` is paid when positive; it is reported in
    ``commissionAsset``, which can be other than USDT (ASTER on testnet) — see docs."""
    market = entry.venue_data
    return Fill(
        venue=VENUE, symbol=entry.info.symbol, trade_id=str(row["id"]), order_id=str(row["orderId"]),
        side=side_from_aster(row.get("side")), price=price_from_venue(row.get("price"), market),
        quantity=size_from_venue(row.get("qty"), market), fee=dec(row.get("commission")),
        liquidity=Liquidity.MAKER if row.get("maker") else Liquidity.TAKER,
        timestamp=_time(row.get("time")) or from_ms(0))


def position_from_risk(row: Mapping[str, Any], entry: MarketEntry[AsterMarket]) -> PositionSnapshot:
    """A ``positionRisk`` row: ``positionAmt`` is signed (one-way mode)."""
    market = entry.venue_data
    quantity = size_from_venue(row.get("positionAmt"), market)
    entry_px = price_from_venue(row.get("entryPrice"), market)
    mark = price_from_venue(row.get("markPrice"), market)
    liquidation = price_from_venue(row.get("liquidationPrice"), market)
    leverage = dec(row.get("leverage"))
    isolated = str(row.get("marginType", "")).lower() == "isolated"
    return PositionSnapshot(
        venue=VENUE, symbol=entry.info.symbol, quantity=quantity,
        entry_price=entry_px if entry_px > 0 and quantity else None, mark_price=mark or None,
        unrealized_pnl=dec(row.get("unRealizedProfit")),
        liquidation_price=liquidation if liquidation > 0 else None,
        leverage=leverage or None,
        margin=dec(row.get("isolatedMargin")) if isolated else None,
        timestamp=_time(row.get("updateTime")) or utc_now())


def position_from_update(row: Mapping[str, Any], entry: MarketEntry[AsterMarket]) -> PositionSnapshot:
    """A ``P`` row of ``ACCOUNT_UPDATE`` (``pa`` signed amount, ``ep`` entry, ``up`` unrealised
    PnL, ``cr`` accumulated realised PnL)."""
    market = entry.venue_data
    quantity = size_from_venue(row.get("pa"), market)
    entry_px = price_from_venue(row.get("ep"), market)
    return PositionSnapshot(
        venue=VENUE, symbol=entry.info.symbol, quantity=quantity,
        entry_price=entry_px if entry_px > 0 and quantity else None,
        unrealized_pnl=dec(row.get("up")), realized_pnl=dec(row.get("cr")))


def funding_payment(row: Mapping[str, Any], entry: MarketEntry[AsterMarket]) -> FundingPayment:
    """An ``income`` row of type ``FUNDING_FEE``: ``income`` positive when received."""
    return FundingPayment(venue=VENUE, symbol=entry.info.symbol, amount=dec(row.get("income")),
                          timestamp=_time(row.get("time")) or from_ms(0))


def depth_snapshot(body: Mapping[str, Any], entry: MarketEntry[AsterMarket],
                   levels: int) -> OrderBookSnapshot:
    """A REST ``depth`` body → the top ``levels`` in normalised units (empty levels dropped)."""
    market = entry.venue_data

    def side(rows: Any, descending: bool) -> tuple[OrderBookLevel, ...]:
        parsed = [(price_from_venue(p, market), size_from_venue(q, market)) for p, q in rows or []]
        parsed = sorted((lv for lv in parsed if lv[1] > 0), key=lambda lv: lv[0], reverse=descending)
        return tuple(OrderBookLevel(price=p, size=q) for p, q in parsed[:levels])

    last = body.get("lastUpdateId")
    return OrderBookSnapshot(venue=VENUE, symbol=entry.info.symbol, source="rest",
                             bids=side(body.get("bids"), True), asks=side(body.get("asks"), False),
                             sequence=int(last) if isinstance(last, int) else None,
                             timestamp=_time(body.get("E")) or utc_now())
