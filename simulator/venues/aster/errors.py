"""Aster's error bodies: ``{"code": -2019, "msg": "Margin is insufficient."}`` with an HTTP status.

``REJECTS`` is the one table mapping every engine ``RejectReason`` to Aster's code, message and
status; ``AsterError`` carries a code to the route wrapper, which answers it. Codes and messages
are Aster's published list (asterdex/api-docs V3 "Error Codes"); the statuses follow Binance
USDⓈ-M, whose server Aster's is derived from: 400 for request/order errors, 401 for API-key and
permission errors, 429/418 for rate limits, 5xx for server faults.
"""

from __future__ import annotations

from typing import Any

from simulator.engine.orders import EngineError, RejectReason

__all__ = ["AsterError", "REJECTS", "from_engine", "mandatory", "invalid_param", "body",
           "BAD_SIGNATURE", "NONCE_EXPIRED", "UNKNOWN_SIGNER", "UNAUTHORIZED", "BAD_API_KEY_FORMAT",
           "POST_ONLY_REJECTED", "UNKNOWN_ORDER_SENT", "NO_SUCH_ORDER", "TOO_MANY_REQUESTS",
           "SERVER_ERRORS", "UNSUPPORTED"]


class AsterError(Exception):
    """An error answered as Aster's body; ``status`` is the HTTP status."""

    def __init__(self, code: int, msg: str, status: int = 400,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
        self.status = status
        self.headers = headers or {}


def body(code: int, msg: str) -> dict[str, Any]:
    return {"code": code, "msg": msg}


#: engine rejection -> (code, message, HTTP status); ``{0}`` in a message is filled by the caller
REJECTS: dict[RejectReason, tuple[int, str, int]] = {
    RejectReason.UNKNOWN_ACCOUNT: (-2015, "Invalid API-key, IP, or permissions for action.", 401),
    RejectReason.UNKNOWN_MARKET: (-1121, "Invalid symbol.", 400),
    RejectReason.MARKET_NOT_OPEN: (-4140, "Invalid symbol status for opening position", 400),
    RejectReason.INVALID_SIZE: (-4023, "Qty not increased by step size.", 400),
    RejectReason.INVALID_PRICE: (-4014, "Price not increased by tick size.", 400),
    RejectReason.BELOW_MIN_SIZE: (-4004, "Quantity less than min quantity.", 400),
    RejectReason.BELOW_MIN_NOTIONAL: (
        -4164, "Order's notional must be no smaller than {0} (unless you choose reduce only)", 400),
    RejectReason.POST_ONLY_WOULD_CROSS: (
        -5022, "Due to the order could not be executed as maker, the Post Only order will be rejected. "
               "The order will not be recorded in the order history", 400),
    RejectReason.REDUCE_ONLY_WOULD_INCREASE: (-2022, "ReduceOnly Order is rejected.", 400),
    RejectReason.INSUFFICIENT_MARGIN: (-2019, "Margin is insufficient.", 400),
    RejectReason.DUPLICATE_CLIENT_ID: (-4116, "ClientOrderId is duplicated.", 400),
    RejectReason.ORDER_NOT_FOUND: (-2013, "Order does not exist.", 400),
    RejectReason.ORDER_CLOSED: (-2011, "Unknown order sent.", 400),
    RejectReason.INVALID_LEVERAGE: (-4028, "Leverage {0} is not valid", 400),
    RejectReason.INSUFFICIENT_BALANCE: (-2018, "Balance is insufficient.", 400),
    RejectReason.INVALID_REQUEST: (-1130, "Invalid data sent for a parameter.", 400),
}

BAD_SIGNATURE = (-1022, "Signature for this request is not valid.")
NONCE_EXPIRED = (-4225, "Nonce Expired")
UNKNOWN_SIGNER = (-2015, "Invalid API-key, IP, or permissions for action.")
UNAUTHORIZED = (-1002, "You are not authorized to execute this request.")
BAD_API_KEY_FORMAT = (-2014, "API-key format invalid.")
POST_ONLY_REJECTED = REJECTS[RejectReason.POST_ONLY_WOULD_CROSS][:2]
UNKNOWN_ORDER_SENT = (-2011, "Unknown order sent.")
NO_SUCH_ORDER = (-2013, "Order does not exist.")
TOO_MANY_REQUESTS = -1003
UNSUPPORTED = (-1020, "This operation is not supported.")
#: 5xx status -> body of a server-side failure ("execution status unknown" for 503/504)
SERVER_ERRORS: dict[int, tuple[int, str]] = {
    500: (-1000, "An unknown error occured while processing the request."),
    502: (-1001, "Internal error; unable to process your request. Please try again."),
    503: (-1007, "Timeout waiting for response from backend server. Send status unknown; "
                 "execution status unknown."),
    504: (-1007, "Timeout waiting for response from backend server. Send status unknown; "
                 "execution status unknown."),
}


def from_engine(exc: EngineError, *fill: object, override: dict[RejectReason, tuple[int, str]] | None = None
                ) -> AsterError:
    """The Aster error for an engine rejection (``override``: context-specific codes, e.g. a
    cancel of an unknown order is -2011 rather than -2013)."""
    code, msg, status = REJECTS[exc.reason]
    if override and exc.reason in override:
        code, msg = override[exc.reason]
    return AsterError(code, msg.format(*fill) if fill else msg.replace(" {0}", ""), status)


def mandatory(name: str) -> AsterError:
    return AsterError(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")


def invalid_param(name: str) -> AsterError:
    return AsterError(-1130, f"Data sent for parameter '{name}' is not valid.")
