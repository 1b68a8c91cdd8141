"""Lighter's number formats and the JSON shapes shared by REST and WebSocket.

Prices carry exactly ``price_decimals`` fractional digits and sizes ``size_decimals`` (the SDK
turns ``"2999.90"`` into the integer ``299990`` by deleting the point, and matches WS book
levels by exact string), USDC amounts 6, percentages 4. Since the engine's tick is
``10^-price_decimals`` and its step ``10^-size_decimals``, a tx's ``Price``/``BaseAmount``
integers are engine ticks/lots and every string is exact.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from simulator.engine.market import Market
from simulator.engine.orders import Fill
from simulator.engine.units import FRACTION_SCALE, RATE_SCALE, cash_to_decimal

__all__ = ["ORDER_BASE", "GHOST_BASE", "USDC_ASSET_ID", "fixed", "usd", "decimals_of", "MarketFmt",
           "TradeRecord", "trade_json", "tx_hash", "percent", "fraction_ppm"]

D = Decimal
#: Lighter order indexes are >= 2^48; anything below is a client order index
ORDER_BASE = 1 << 48
#: orders the simulator answers as accepted-then-canceled without an engine order
GHOST_BASE = ORDER_BASE + (1 << 44)
USDC_ASSET_ID = 3


def fixed(value: Decimal, places: int) -> str:
    """``value`` with exactly ``places`` fractional digits, never an exponent."""
    return format(value.quantize(D(1).scaleb(-places), rounding=ROUND_HALF_EVEN), "f")


def usd(cash: int) -> str:
    """Engine cash units as a 6-decimal USDC string."""
    return fixed(cash_to_decimal(cash), 6)


def percent(rate_num: int, places: int = 4) -> str:
    """An engine funding rate (over RATE_SCALE) as a percentage string."""
    return fixed(D(rate_num) * 100 / RATE_SCALE, places)


def fraction_ppm(fraction_num: int) -> int:
    """An engine fee fraction (over FRACTION_SCALE) in millionths (Lighter's integer fee unit)."""
    return fraction_num * 1_000_000 // FRACTION_SCALE


def decimals_of(step: Decimal) -> int:
    """Fractional digits of a power-of-ten step (0.01 -> 2, 1 -> 0)."""
    return max(0, -int(step.normalize().as_tuple().exponent))


def tx_hash(seed: str) -> str:
    """A 40-byte hex hash (Lighter's Poseidon2 tx hashes are 80 hex digits; the simulator cannot
    recompute them, so it derives unique ones)."""
    return hashlib.blake2b(seed.encode(), digest_size=40).hexdigest()


class MarketFmt:
    """Formatting of one market's prices and sizes."""

    __slots__ = ("market", "pd", "sd", "zero_price", "zero_size")

    def __init__(self, market: Market) -> None:
        self.market = market
        self.pd = decimals_of(market.tick)
        self.sd = decimals_of(market.step)
        self.zero_price = fixed(D(0), self.pd)
        self.zero_size = fixed(D(0), self.sd)

    def price(self, ticks: int) -> str:
        return fixed(self.market.price(ticks), self.pd)

    def price_dec(self, value: Decimal | None) -> str:
        return fixed(value, self.pd) if value is not None else self.zero_price

    def size(self, lots: int) -> str:
        return fixed(self.market.size(lots), self.sd)

    def size_dec(self, value: Decimal) -> str:
        return fixed(value, self.sd)


@dataclass(frozen=True, slots=True)
class TradeRecord:
    """A trade as the venue reports it, captured when its taker fill happened."""

    fill: Fill                    # the taker's fill
    maker_client_id: int
    taker_before_lots: int        # signed positions before the trade (0 for unknown/agents)
    maker_before_lots: int
    tx_hash: str
    height: int


def _sign_changed(before: int, lots: int, side: int) -> bool:
    after = before + side * lots
    return before != 0 and after != 0 and (before > 0) != (after > 0)


def trade_json(rec: TradeRecord, fmt: MarketFmt) -> dict[str, Any]:
    f = rec.fill
    m = f.market
    taker_is_ask = f.side < 0
    taker_id, maker_id = ORDER_BASE + f.order_id, ORDER_BASE + f.other_order_id
    taker_cid = f.client_id if isinstance(f.client_id, int) else 0
    ask_id, bid_id = (taker_id, maker_id) if taker_is_ask else (maker_id, taker_id)
    ask_acct, bid_acct = ((f.account_id, f.other_account_id) if taker_is_ask
                          else (f.other_account_id, f.account_id))
    ask_cid, bid_cid = ((taker_cid, rec.maker_client_id) if taker_is_ask
                        else (rec.maker_client_id, taker_cid))
    imf = m.imf_num * 10_000 // FRACTION_SCALE
    return {
        "trade_id": f.trade_id, "trade_id_str": str(f.trade_id), "tx_hash": rec.tx_hash,
        "type": "liquidation" if f.liquidation else "trade", "market_id": m.id,
        "size": fmt.size(f.lots), "price": fmt.price(f.price_ticks),
        "usd_amount": usd(f.price_ticks * f.lots * m.unit),
        "ask_id": ask_id, "ask_id_str": str(ask_id), "bid_id": bid_id, "bid_id_str": str(bid_id),
        "ask_client_id": ask_cid, "ask_client_id_str": str(ask_cid),
        "bid_client_id": bid_cid, "bid_client_id_str": str(bid_cid),
        "ask_account_id": ask_acct, "bid_account_id": bid_acct, "is_maker_ask": not taker_is_ask,
        "block_height": rec.height, "timestamp": f.ts_ms, "transaction_time": f.ts_ms * 1000,
        "taker_fee": fraction_ppm(m.taker_num), "maker_fee": fraction_ppm(m.maker_num),
        "taker_position_size_before": fmt.size(abs(rec.taker_before_lots)),
        "taker_entry_quote_before": "0.000000",
        "taker_initial_margin_fraction_before": imf,
        "taker_position_sign_changed": _sign_changed(rec.taker_before_lots, f.lots, f.side),
        "maker_position_size_before": fmt.size(abs(rec.maker_before_lots)),
        "maker_entry_quote_before": "0.000000",
        "maker_initial_margin_fraction_before": imf,
        "maker_position_sign_changed": _sign_changed(rec.maker_before_lots, f.lots, -f.side),
        # realised PnL is known for the taker's side only (the maker's is in its own fill)
        "bid_account_pnl": usd(f.realized_cash) if not taker_is_ask else "0.000000",
        "ask_account_pnl": usd(f.realized_cash) if taker_is_ask else "0.000000",
        "integrator_maker_fee": 0, "integrator_maker_fee_collector_index": 0,
        "integrator_taker_fee": 0, "integrator_taker_fee_collector_index": 0,
        "taker_allocated_margin_usdc_before": 0, "taker_allocated_margin_usdc_after": 0,
        "maker_allocated_margin_usdc_before": 0, "maker_allocated_margin_usdc_after": 0,
        "bid_order_version": 0, "ask_order_version": 0,
        "market_symbol": m.venue_symbol, "market_kind": "perps",
    }
