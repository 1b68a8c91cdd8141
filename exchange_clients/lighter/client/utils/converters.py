"""Pure functions from Lighter's JSON (REST bodies, WS frames) to perpdex models.

No I/O here: every function takes the venue's dict and the market it belongs to and returns
a model, so each is tested on recorded payload shapes. Quantities and prices are converted
from venue contracts to normalised underlying units by the market's multiplier.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from exchange_clients.common.markets import MarketEntry
from exchange_clients.common.symbols import normalize
from exchange_clients.lighter.client.utils.caching import LighterMarket
from exchange_clients.lighter.client.utils.helpers import (
    STATUS_MAP,
    order_type_from_lighter,
    price_from_venue,
    size_from_venue,
    tif_from_lighter,
)
from exchange_clients.models import (
    Fill,
    FundingPayment,
    Liquidity,
    MarketInfo,
    OrderInfo,
    OrderStatus,
    PositionSnapshot,
    Side,
)
from helpers.time import from_ms, from_seconds

__all__ = ["market_entry", "order_status", "order_info", "position_snapshot", "fill_from_trade",
           "funding_payment", "is_tradeable"]

VENUE = "lighter"
_PERCENT = Decimal(100)
_BPS_UNITS = Decimal(10_000)
# canceled-* reasons that mean the order was refused, not cancelled after resting
_REFUSED = {"canceled-post-only", "canceled-reduce-only", "canceled-margin-not-allowed",
            "canceled-position-not-allowed", "canceled-invalid-balance", "canceled-self-trade"}
_EXPIRED = {"canceled-not-enough-liquidity", "canceled-too-much-slippage", "canceled-expired"}


def is_tradeable(detail: dict[str, Any]) -> bool:
    return detail.get("status") == "active" and not detail.get("is_frozen", False)


def market_entry(detail: dict[str, Any]) -> MarketEntry[LighterMarket]:
    """One ``orderBookDetails`` perp entry → our market rules + Lighter's scaling."""
    symbol, multiplier = normalize(str(detail["symbol"]))
    size_decimals, price_decimals = int(detail["size_decimals"]), int(detail["price_decimals"])
    tick = Decimal(1).scaleb(-price_decimals) / multiplier
    step = Decimal(1).scaleb(-size_decimals) * multiplier
    imf = Decimal(str(detail.get("min_initial_margin_fraction") or 0))
    info = MarketInfo(
        venue=VENUE, symbol=symbol, venue_symbol=str(detail["symbol"]),
        market_id=str(detail["market_id"]), base_asset=symbol, quote_asset="USDC",
        tick_size=tick, step_size=step,
        min_size=Decimal(str(detail["min_base_amount"])) * multiplier,
        min_notional=Decimal(str(detail["min_quote_amount"])),
        max_leverage=(_BPS_UNITS / imf) if imf > 0 else Decimal(1),
        # fees are quoted in percent ("0.0280" = 2.8 bps)
        maker_fee=Decimal(str(detail.get("maker_fee") or 0)) / _PERCENT,
        taker_fee=Decimal(str(detail.get("taker_fee") or 0)) / _PERCENT,
        funding_interval_hours=Decimal(1), multiplier=multiplier, tradeable=is_tradeable(detail),
        price_decimals=price_decimals, size_decimals=size_decimals)
    return MarketEntry(info, LighterMarket(int(detail["market_id"]), size_decimals,
                                           price_decimals, multiplier))


def order_status(status: str, filled: Decimal) -> OrderStatus:
    """Lighter's status strings → ours. A ``canceled-*`` that refused the order outright
    (post-only would cross, reduce-only would increase, margin) is ``REJECTED``; an IOC's
    unfilled remainder is ``EXPIRED``; a partially filled open order ``PARTIALLY_FILLED``."""
    if status == "open" and filled > 0:
        return OrderStatus.PARTIALLY_FILLED
    if status in _REFUSED:
        return OrderStatus.REJECTED if filled == 0 else OrderStatus.CANCELLED
    if status in _EXPIRED:
        return OrderStatus.EXPIRED
    mapped = STATUS_MAP.get(status)
    if mapped is not None:
        return mapped
    return OrderStatus.CANCELLED if status.startswith("canceled") else OrderStatus.PENDING


def order_info(order: dict[str, Any], entry: MarketEntry[LighterMarket]) -> OrderInfo:
    market = entry.venue_data
    initial = size_from_venue(order.get("initial_base_amount") or "0", market)
    filled = size_from_venue(order.get("filled_base_amount") or "0", market)
    quote = Decimal(str(order.get("filled_quote_amount") or "0"))
    status = str(order.get("status") or "pending")
    coi = order.get("client_order_index")
    created = order.get("created_at") or order.get("timestamp")
    updated = order.get("updated_at") or order.get("timestamp")
    return OrderInfo(
        venue=VENUE, symbol=entry.info.symbol, order_id=str(order["order_index"]),
        client_order_id=str(coi) if coi else None,
        side=Side.SELL if order.get("is_ask") else Side.BUY,
        order_type=order_type_from_lighter(order.get("type")),
        price=price_from_venue(str(order.get("price") or "0"), market) or None,
        quantity=initial, filled_quantity=filled,
        average_fill_price=(quote / filled) if filled > 0 else None,
        status=order_status(status, filled),
        time_in_force=tif_from_lighter(order.get("time_in_force")),
        reduce_only=bool(order.get("reduce_only")),
        created_at=from_ms(created) if created else None,
        updated_at=from_ms(updated) if updated else from_ms(0),
        cancel_reason=status if status.startswith("canceled") else None)


def position_snapshot(position: dict[str, Any], entry: MarketEntry[LighterMarket],
                      mark_price: Decimal | None = None) -> PositionSnapshot:
    """``position`` is an unsigned magnitude with ``sign`` ±1; we sign the quantity."""
    market = entry.venue_data
    sign = -1 if int(position.get("sign") or 1) < 0 else 1
    size = size_from_venue(str(position.get("position") or "0"), market) * sign
    entry_px = Decimal(str(position.get("avg_entry_price") or "0"))
    value = Decimal(str(position.get("position_value") or "0"))
    liquidation = Decimal(str(position.get("liquidation_price") or "0"))
    imf = Decimal(str(position.get("initial_margin_fraction") or "0"))
    if mark_price is None and size:
        mark_price = value / abs(size)
    return PositionSnapshot(
        venue=VENUE, symbol=entry.info.symbol, quantity=size,
        entry_price=price_from_venue(entry_px, market) if entry_px else None,
        mark_price=mark_price, unrealized_pnl=Decimal(str(position.get("unrealized_pnl") or "0")),
        realized_pnl=Decimal(str(position.get("realized_pnl") or "0")),
        funding_accrued=-Decimal(str(position.get("total_funding_paid_out") or "0")),
        liquidation_price=price_from_venue(liquidation, market) if liquidation > 0 else None,
        # initial_margin_fraction is quoted in percent ("20.00" → 5x)
        leverage=(_PERCENT / imf) if imf > 0 else None,
        margin=Decimal(str(position.get("allocated_margin") or "0")) or None)


def fill_from_trade(trade: dict[str, Any], account_index: int,
                    entry: MarketEntry[LighterMarket]) -> Fill | None:
    """A public/private ``Trade`` seen from ``account_index``; ``None`` if it is not ours."""
    market = entry.venue_data
    is_ask_side = trade.get("ask_account_id") == account_index
    is_bid_side = trade.get("bid_account_id") == account_index
    if not (is_ask_side or is_bid_side):
        return None
    maker_is_ask = bool(trade.get("is_maker_ask"))
    we_are_maker = maker_is_ask if is_ask_side else not maker_is_ask
    order_id = trade.get("ask_id") if is_ask_side else trade.get("bid_id")
    client_id = trade.get("ask_client_id") if is_ask_side else trade.get("bid_client_id")
    size = size_from_venue(str(trade["size"]), market)
    price = price_from_venue(str(trade["price"]), market)
    # fees are integers in 1e-6 USDC per side
    fee_units = trade.get("maker_fee" if we_are_maker else "taker_fee") or 0
    return Fill(
        venue=VENUE, symbol=entry.info.symbol, trade_id=str(trade.get("trade_id")),
        order_id=str(order_id), client_order_id=str(client_id) if client_id else None,
        side=Side.SELL if is_ask_side else Side.BUY, price=price, quantity=size,
        fee=Decimal(int(fee_units)).scaleb(-6),
        liquidity=Liquidity.MAKER if we_are_maker else Liquidity.TAKER,
        timestamp=from_ms(int(trade.get("timestamp") or 0)))


def funding_payment(row: dict[str, Any], entry: MarketEntry[LighterMarket]) -> FundingPayment:
    """A ``positionFunding`` row: ``change`` is USDC, positive when received."""
    market = entry.venue_data
    sign = -1 if row.get("position_side") == "short" else 1
    size = row.get("position_size")
    rate = row.get("rate")
    return FundingPayment(
        venue=VENUE, symbol=entry.info.symbol, amount=Decimal(str(row.get("change") or "0")),
        # positionFunding rates are percent per hour
        rate=Decimal(str(rate)) / _PERCENT if rate not in (None, "") else None,
        position_quantity=size_from_venue(str(size), market) * sign if size else None,
        timestamp=from_seconds(int(row.get("timestamp") or 0)))
