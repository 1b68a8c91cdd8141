"""Pure functions from Paradex's JSON (REST bodies, WS payloads) to perpdex models.

No I/O here: every function takes the venue's dict (and the market it belongs to) and returns
a model, so each is tested on recorded payload shapes. Numbers arrive as decimal strings (or,
on some live payloads, JSON numbers); both are parsed exactly. Quantities and prices are
converted from venue contracts to normalised underlying units by the market's multiplier.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from exchange_clients.common.markets import MarketEntry
from exchange_clients.common.precision import decimals_of
from exchange_clients.common.symbols import normalize
from exchange_clients.models import (
    BBO,
    Fill,
    FundingPayment,
    Liquidity,
    MarketInfo,
    OrderBookLevel,
    OrderBookSnapshot,
    OrderInfo,
    OrderType,
    PositionSnapshot,
    Side,
)
from exchange_clients.paradex.client.utils.caching import ParadexMarket
from exchange_clients.paradex.client.utils.helpers import (
    dec,
    dec_or_none,
    order_status,
    price_from_venue,
    size_from_venue,
    tif_from_instruction,
)
from helpers.time import from_ms

__all__ = ["market_entry", "order_info", "fill_from_row", "position_snapshot", "funding_payment",
           "book_snapshot", "bbo_from_rest", "perp_entries", "is_tradeable"]

VENUE = "paradex"
_ONE = Decimal(1)


def is_tradeable(raw: dict[str, Any], now_ms: int) -> bool:
    """Open (``open_at`` passed), not expired, tradeable through the API (not RFQ-only)."""
    open_at = int(dec(raw.get("open_at")))
    expiry = int(dec(raw.get("expiry_at")))
    mode = str(raw.get("trading_mode") or "STANDARD")
    return open_at <= now_ms and (expiry == 0 or expiry > now_ms) and mode == "STANDARD"


def _fee(raw: dict[str, Any], side: str) -> Decimal:
    fees = (raw.get("fee_config") or {}).get("api_fee") or {}
    return dec((fees.get(side) or {}).get("fee"))


def market_entry(raw: dict[str, Any], now_ms: int) -> MarketEntry[ParadexMarket] | None:
    """One ``GET /markets`` row → our market rules + Paradex's units; ``None`` for anything
    that is not a perpetual future (options, spot, dated futures)."""
    if raw.get("asset_kind") != "PERP":
        return None
    venue_symbol = str(raw["symbol"])
    symbol, multiplier = normalize(venue_symbol)
    venue_tick = dec(raw.get("price_tick_size"))
    venue_step = dec(raw.get("order_size_increment"))
    if venue_tick <= 0 or venue_step <= 0:
        return None
    imf = dec((raw.get("delta1_cross_margin_params") or {}).get("imf_base"))
    info = MarketInfo(
        venue=VENUE, symbol=symbol, venue_symbol=venue_symbol, market_id=venue_symbol,
        base_asset=symbol, quote_asset=str(raw.get("quote_currency") or "USD"),
        tick_size=venue_tick / multiplier, step_size=venue_step * multiplier,
        # Paradex has no minimum size beyond one increment; min_notional is in USD
        min_size=venue_step * multiplier, min_notional=dec(raw.get("min_notional")),
        max_leverage=(_ONE / imf) if imf > 0 else _ONE,
        maker_fee=_fee(raw, "maker_fee"), taker_fee=_fee(raw, "taker_fee"),
        # funding accrues continuously; funding_period_hours is only the unit its rate is quoted in
        funding_interval_hours=Decimal(0), multiplier=multiplier,
        tradeable=is_tradeable(raw, now_ms),
        price_decimals=decimals_of(venue_tick), size_decimals=decimals_of(venue_step))
    period = dec(raw.get("funding_period_hours"), Decimal(8))
    return MarketEntry(info, ParadexMarket(venue_symbol, multiplier,
                                           period if period > 0 else Decimal(8)))


def perp_entries(rows: Any, now_ms: int) -> list[MarketEntry[ParadexMarket]]:
    """``/markets`` results → one entry per perpetual. Should a multiplier market and a plain
    one share an underlying, the plain one keeps the normalised symbol."""
    entries: dict[str, MarketEntry[ParadexMarket]] = {}
    for raw in rows if isinstance(rows, list) else []:
        entry = market_entry(raw, now_ms)
        if entry is None:
            continue
        known = entries.get(entry.info.symbol)
        if known is None or known.info.multiplier > entry.info.multiplier:
            entries[entry.info.symbol] = entry
    return list(entries.values())


def order_info(raw: dict[str, Any], entry: MarketEntry[ParadexMarket]) -> OrderInfo:
    """An ``OrderResp`` (REST or the ``orders`` channel)."""
    market = entry.venue_data
    size = size_from_venue(raw.get("size"), market)
    remaining = raw.get("remaining_size")
    filled = size - size_from_venue(remaining, market) if remaining not in (None, "") \
        else Decimal(0)
    filled = max(filled, Decimal(0))
    reason = str(raw.get("cancel_reason") or "")
    created = raw.get("created_at")
    updated = raw.get("last_updated_at") or created
    cid = str(raw.get("client_id") or "")
    return OrderInfo(
        venue=VENUE, symbol=entry.info.symbol, order_id=str(raw["id"]),
        client_order_id=cid or None,
        side=Side.BUY if raw.get("side") == "BUY" else Side.SELL,
        order_type=OrderType.MARKET if raw.get("type") == "MARKET" else OrderType.LIMIT,
        price=price_from_venue(raw.get("price"), market), quantity=size,
        filled_quantity=filled,
        average_fill_price=price_from_venue(raw.get("avg_fill_price"), market) if filled else None,
        status=order_status(str(raw.get("status") or ""), reason, filled),
        time_in_force=tif_from_instruction(raw.get("instruction")),
        reduce_only="REDUCE_ONLY" in (raw.get("flags") or []),
        created_at=from_ms(int(created)) if created else None,
        updated_at=from_ms(int(updated)) if updated else from_ms(0),
        cancel_reason=reason or None)


def fill_from_row(raw: dict[str, Any], entry: MarketEntry[ParadexMarket]) -> Fill:
    """A ``FillResult`` (REST ``/fills`` or the ``fills`` channel): ``side`` is the account's
    own side, ``fee`` positive when paid (negative: a rebate), ``liquidity`` MAKER/TAKER."""
    market = entry.venue_data
    liquidity = str(raw.get("liquidity") or "")
    price = price_from_venue(raw.get("price"), market) or Decimal(0)
    cid = str(raw.get("client_id") or "")
    return Fill(
        venue=VENUE, symbol=entry.info.symbol, trade_id=str(raw["id"]),
        order_id=str(raw.get("order_id") or ""), client_order_id=cid or None,
        side=Side.BUY if raw.get("side") == "BUY" else Side.SELL, price=price,
        quantity=size_from_venue(raw.get("size"), market), fee=dec(raw.get("fee")),
        liquidity=Liquidity.MAKER if liquidity == "MAKER" else
        Liquidity.TAKER if liquidity == "TAKER" else None,
        timestamp=from_ms(int(dec(raw.get("created_at")))))


def position_snapshot(raw: dict[str, Any], entry: MarketEntry[ParadexMarket]) -> PositionSnapshot:
    """A ``PositionResp``: ``size`` is signed (negative short); ``unrealized_pnl`` includes the
    funding accrued since the last fill (``unrealized_funding_pnl``)."""
    market = entry.venue_data
    size = size_from_venue(raw.get("size"), market)
    if raw.get("status") == "CLOSED":
        size = Decimal(0)
    leverage = dec_or_none(raw.get("leverage"))
    funding = dec(raw.get("realized_positional_funding_pnl")) + \
        dec(raw.get("unrealized_funding_pnl"))
    return PositionSnapshot(
        venue=VENUE, symbol=entry.info.symbol, quantity=size,
        entry_price=price_from_venue(raw.get("average_entry_price"), market),
        unrealized_pnl=dec(raw.get("unrealized_pnl")),
        realized_pnl=dec(raw.get("realized_positional_pnl")), funding_accrued=funding,
        liquidation_price=price_from_venue(raw.get("liquidation_price"), market),
        leverage=leverage if leverage else None,
        timestamp=from_ms(int(dec(raw.get("last_updated_at")))) if raw.get("last_updated_at")
        else from_ms(0))


def funding_payment(raw: dict[str, Any], entry: MarketEntry[ParadexMarket]) -> FundingPayment:
    """A ``FundingPayment`` row: ``payment`` in USDC, positive when received."""
    return FundingPayment(venue=VENUE, symbol=entry.info.symbol, amount=dec(raw.get("payment")),
                          timestamp=from_ms(int(dec(raw.get("created_at")))))


def _levels(raw: Any, market: ParadexMarket, levels: int, descending: bool
            ) -> tuple[OrderBookLevel, ...]:
    out: dict[Decimal, Decimal] = {}
    for level in raw if isinstance(raw, list) else []:
        price = price_from_venue(level[0], market)
        size = size_from_venue(level[1], market)
        if price is not None and size > 0:
            out[price] = out.get(price, Decimal(0)) + size
    prices = sorted(out, reverse=descending)[:levels]
    return tuple(OrderBookLevel(price=p, size=out[p]) for p in prices)


def book_snapshot(body: dict[str, Any], entry: MarketEntry[ParadexMarket],
                  levels: int) -> OrderBookSnapshot:
    """``GET /orderbook/{market}``: ``[price, size]`` string pairs, asks ascending, bids
    descending (sorted again here: the order is not relied upon)."""
    market = entry.venue_data
    updated = body.get("last_updated_at")
    return OrderBookSnapshot(
        venue=VENUE, symbol=entry.info.symbol, source="rest",
        bids=_levels(body.get("bids"), market, levels, descending=True),
        asks=_levels(body.get("asks"), market, levels, descending=False),
        sequence=int(body["seq_no"]) if body.get("seq_no") is not None else None,
        **({"timestamp": from_ms(int(updated))} if updated else {}))


def bbo_from_rest(body: dict[str, Any], entry: MarketEntry[ParadexMarket]) -> BBO:
    """``GET /bbo/{market}``; an empty side is ``""``."""
    market = entry.venue_data
    bid = price_from_venue(body.get("bid"), market)
    ask = price_from_venue(body.get("ask"), market)
    return BBO(venue=VENUE, symbol=entry.info.symbol, source="rest",
               bid=bid, bid_size=size_from_venue(body.get("bid_size"), market) if bid else None,
               ask=ask, ask_size=size_from_venue(body.get("ask_size"), market) if ask else None)
