"""Hyperliquid's error texts, and the one table mapping engine rejections onto them.

The venue answers business errors with HTTP 200: per order/cancel as ``{"error": "<text>"}``
inside ``statuses`` (live texts end with ``" asset=<index>"``), or for the whole request as
``{"status": "err", "response": "<text>"}``. Texts marked [?] in docs/venues/hyperliquid.md are
the simulator's choice where the venue's exact wording is unknown.
"""

from __future__ import annotations

from typing import Any

from simulator.engine.orders import RejectReason
from simulator.venues.hyperliquid.rules import INVALID_PRICE, TICK_PRICE

__all__ = ["REJECT_TEXT", "order_error", "top_error", "ok", "Texts"]


class Texts:
    INVALID_SIZE = "Order has invalid size."
    ZERO_SIZE = "Order has zero size."
    INVALID_PRICE = INVALID_PRICE
    TICK = TICK_PRICE
    MIN_VALUE = "Order must have minimum value of $10."
    MARGIN = "Insufficient margin to place order."
    REDUCE_ONLY = "Reduce only order would increase position."
    IOC_NO_MATCH = "Order could not immediately match against any resting orders."
    POST_ONLY = "Post only order would have immediately matched, bbo was {bid}@{ask}."
    PRICE_BAND = "Order price cannot be more than 80% away from the reference price."
    CANCEL_MISSING = "Order was never placed, already canceled, or filled."
    MODIFY_CLOSED = "Cannot modify canceled or filled order"
    UNKNOWN_ASSET = "Invalid asset."                                   # [?]
    HALTED = "Trading is halted."                                      # [?]
    DUPLICATE_CLOID = "Duplicate cloid."                               # [?]
    TRIGGER = "Trigger orders are not supported by the simulator."     # deviation
    LEVERAGE = "Invalid leverage value"
    LEVERAGE_MARGIN = "Insufficient margin to update leverage."       # [?]
    SWITCH_MARGIN_MODE = "Cannot switch leverage type with open position."
    UNKNOWN_USER = "User or API Wallet {address} does not exist."
    NO_DEPOSIT = "Must deposit before performing actions. User: {address}"
    NO_SIGNER = "Unable to recover signer."
    EXPIRED = "Action already expired"
    VAULT = "Vault not registered: {address}"                          # [?]
    CHAIN = "Invalid hyperliquidChain: {chain}"                        # [?]
    EMPTY_BATCH = "Empty batch."                                       # [?]
    OVER_WEIGHT = "Signed action over weight limit of 200."
    SCHEDULE_VOLUME = ("Cannot set scheduled cancel time until enough volume traded. "
                       "Required: $1000000. Traded: ${traded}.")
    SCHEDULE_TIME = "Scheduled cancel time too early, must be at least 5 seconds from now."  # [?]
    AGENT_LIMIT = "Too many extra agents for cumulative volume traded. Current limit is 3"


#: engine rejection -> the venue's text (per order/cancel unless the caller says otherwise)
REJECT_TEXT: dict[RejectReason, str] = {
    RejectReason.UNKNOWN_ACCOUNT: Texts.UNKNOWN_USER,
    RejectReason.UNKNOWN_MARKET: Texts.UNKNOWN_ASSET,
    RejectReason.MARKET_NOT_OPEN: Texts.HALTED,
    RejectReason.INVALID_SIZE: Texts.INVALID_SIZE,
    RejectReason.INVALID_PRICE: Texts.INVALID_PRICE,
    RejectReason.BELOW_MIN_SIZE: Texts.INVALID_SIZE,
    RejectReason.BELOW_MIN_NOTIONAL: Texts.MIN_VALUE,
    RejectReason.POST_ONLY_WOULD_CROSS: Texts.POST_ONLY,
    RejectReason.REDUCE_ONLY_WOULD_INCREASE: Texts.REDUCE_ONLY,
    RejectReason.INSUFFICIENT_MARGIN: Texts.MARGIN,
    RejectReason.DUPLICATE_CLIENT_ID: Texts.DUPLICATE_CLOID,
    RejectReason.ORDER_NOT_FOUND: Texts.CANCEL_MISSING,
    RejectReason.ORDER_CLOSED: Texts.CANCEL_MISSING,
    RejectReason.INVALID_LEVERAGE: Texts.LEVERAGE,
    RejectReason.INSUFFICIENT_BALANCE: Texts.MARGIN,
    RejectReason.INVALID_REQUEST: Texts.INVALID_SIZE,
}

#: texts the venue sends without the " asset=N" suffix
_UNSUFFIXED = frozenset({Texts.INVALID_SIZE, Texts.ZERO_SIZE, Texts.INVALID_PRICE, Texts.MODIFY_CLOSED,
                         Texts.LEVERAGE})


def order_error(text: str, asset: int) -> dict[str, str]:
    """A per-order/cancel status entry."""
    return {"error": text if text in _UNSUFFIXED else f"{text} asset={asset}"}


def top_error(text: str) -> dict[str, Any]:
    return {"status": "err", "response": text}


def ok(response: Any) -> dict[str, Any]:
    return {"status": "ok", "response": response}
