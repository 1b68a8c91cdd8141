"""Paradex error bodies, and the one table from engine outcomes to Paradex's codes.

REST errors are ``{"error": <ErrorCode>, "message": <text>}`` (paradex-py's ApiError requires
both strings). Order outcomes that Paradex decides after acceptance (margin, post-only,
reduce-only, self-trade, IOC remainders) are not HTTP errors: the order was answered 201 NEW and
is then CLOSED with a ``cancel_reason``.
"""

from __future__ import annotations

from aiohttp import web

from simulator.engine.orders import CloseReason, RejectReason
from simulator.venues.hub import dumps

__all__ = ["ApiError", "error_body", "error_response", "REJECTIONS", "rejection", "CLOSE_REASONS",
           "WS_PARSE_ERROR", "WS_INVALID_REQUEST", "WS_METHOD_NOT_FOUND", "WS_INVALID_PARAMS",
           "WS_MALFORMED_BEARER", "WS_INVALID_BEARER", "WS_PERMISSION_DENIED"]


class ApiError(Exception):
    """Raised by a handler; answered as a Paradex error body with ``status``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def error_body(code: str, message: str) -> dict[str, str]:
    return {"error": code, "message": message}


def error_response(status: int, code: str, message: str,
                   headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, text=dumps(error_body(code, message)),
                        content_type="application/json", headers=headers)


#: engine rejection -> (HTTP status, ErrorCode when refused synchronously, cancel_reason when the
#: order had already been accepted NEW and the engine refused it while processing)
REJECTIONS: dict[RejectReason, tuple[int, str, str]] = {
    RejectReason.UNKNOWN_ACCOUNT: (400, "ACCOUNT_NOT_FOUND", "ACCOUNT_NOT_FOUND"),
    RejectReason.UNKNOWN_MARKET: (400, "MARKET_NOT_FOUND", "MARKET_NOT_FOUND"),
    RejectReason.MARKET_NOT_OPEN: (400, "MARKET_NOT_OPEN", "MARKET_NOT_OPEN"),
    RejectReason.INVALID_SIZE: (400, "VALIDATION_ERROR", "INVALID_ORDER_SIZE"),
    RejectReason.INVALID_PRICE: (400, "VALIDATION_ERROR", "INVALID_PRICE"),
    RejectReason.BELOW_MIN_SIZE: (400, "VALIDATION_ERROR", "INVALID_ORDER_SIZE"),
    RejectReason.BELOW_MIN_NOTIONAL: (400, "VALIDATION_ERROR", "ORDER_VALUE_BELOW_MIN_NOTIONAL"),
    RejectReason.POST_ONLY_WOULD_CROSS: (400, "VALIDATION_ERROR", "POST_ONLY_WOULD_CROSS"),
    RejectReason.REDUCE_ONLY_WOULD_INCREASE: (400, "VALIDATION_ERROR", "REDUCE_ONLY_WOULD_INCREASE"),
    RejectReason.INSUFFICIENT_MARGIN: (400, "VALIDATION_ERROR", "NOT_ENOUGH_MARGIN"),
    RejectReason.DUPLICATE_CLIENT_ID: (400, "DUPLICATED_CLIENT_ID", "DUPLICATED_CLIENT_ID"),
    RejectReason.ORDER_NOT_FOUND: (400, "ORDER_ID_NOT_FOUND", "ORDER_ID_NOT_FOUND"),
    RejectReason.ORDER_CLOSED: (400, "ORDER_IS_CLOSED", "ORDER_IS_CLOSED"),
    RejectReason.INVALID_LEVERAGE: (400, "VALIDATION_ERROR", "INVALID_LEVERAGE"),
    RejectReason.INSUFFICIENT_BALANCE: (400, "VALIDATION_ERROR", "NOT_ENOUGH_MARGIN"),
    RejectReason.INVALID_REQUEST: (400, "VALIDATION_ERROR", "VALIDATION_ERROR"),
}


def rejection(reason: RejectReason, message: str) -> ApiError:
    status, code, _ = REJECTIONS[reason]
    return ApiError(status, code, message)


#: why an order left the book (engine) -> Paradex cancel_reason ("" for a complete fill)
CLOSE_REASONS: dict[CloseReason, str] = {
    CloseReason.USER: "USER_CANCELED",
    CloseReason.SELF_TRADE: "SELF_TRADE",
    CloseReason.IOC_REMAINDER: "REMAINING_IOC_CANCEL",
    CloseReason.NO_LIQUIDITY: "REMAINING_IOC_CANCEL",
    CloseReason.FOK_UNFILLED: "REMAINING_IOC_CANCEL",
    CloseReason.REDUCE_ONLY: "REDUCE_ONLY_WOULD_INCREASE",
    CloseReason.LIQUIDATION: "LIQUIDATION",
    CloseReason.EXPIRED: "EXPIRED",
    CloseReason.MARKET_CLOSED: "MARKET_NOT_OPEN",
    CloseReason.REPLACED: "USER_CANCELED",
}

# JSON-RPC error codes of the WebSocket API
WS_PARSE_ERROR = -32700
WS_INVALID_REQUEST = -32600
WS_METHOD_NOT_FOUND = -32601
WS_INVALID_PARAMS = -32602
WS_MALFORMED_BEARER = 40110
WS_INVALID_BEARER = 40111
WS_PERMISSION_DENIED = 40300
