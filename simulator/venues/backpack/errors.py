"""Backpack error responses: the JSON ``{"code","message"}`` bodies, the plain-text parse errors,
and the one table mapping every engine ``RejectReason`` to Backpack's status/code/message.

Backpack answers JSON errors as ``{"code": <ApiErrorCode>, "message": <text>}`` (since the
2024-10-15 changelog) but request/parameter parse failures as ``400`` plain text (its HTTP
framework's messages), and unknown paths as ``404`` plain text ``not found``. Auth failures all use
``INVALID_CLIENT_REQUEST`` (never ``INVALID_SIGNATURE``); we answer them with HTTP 401.
"""

from __future__ import annotations

import orjson
from aiohttp import web

from simulator.engine.orders import EngineError, RejectReason

__all__ = ["ApiError", "PlainError", "reject_error", "json_response", "text_response", "REJECTS",
           "payload_error", "symbol_payload_error", "param_error", "auth_error"]


class ApiError(Exception):
    """A Backpack JSON error: HTTP ``status`` with ``{"code", "message"}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> web.Response:
        return json_response({"code": self.code, "message": self.message}, self.status)


class PlainError(Exception):
    """A plain-text error body (parse failures, unknown paths)."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(f"{status} {text}")
        self.status = status
        self.text = text

    def response(self) -> web.Response:
        return text_response(self.text, self.status)


def json_response(body: object, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON with sorted keys, as Backpack's bodies come out."""
    return web.Response(status=status, body=orjson.dumps(body, option=orjson.OPT_SORT_KEYS),
                        content_type="application/json", charset="utf-8", headers=headers)


def text_response(text: str, status: int = 200) -> web.Response:
    return web.Response(status=status, text=text, content_type="text/plain", charset="utf-8")


def payload_error(payload: str, detail: str) -> PlainError:
    """A body that does not deserialise into ``payload`` (e.g. ``OrderExecutePayload``)."""
    return PlainError(400, f'parse request payload error: failed to parse "{payload}": {detail}')


def symbol_payload_error(payload: str) -> PlainError:
    """An unknown market symbol in a JSON body (the real wording, via ccxt's captured comment)."""
    return PlainError(400, 'parse request payload error: failed to parse "MarketSymbol": Invalid market '
                           f'symbol (occurred while parsing "{payload}")')


def param_error(name: str, detail: str) -> PlainError:
    """A query parameter that does not parse (the real wording of ``/depth?limit=``)."""
    return PlainError(400, f"failed to parse parameter `{name}`: {detail}")


def auth_error(message: str) -> ApiError:
    """Signature/expiry/key failures: ``INVALID_CLIENT_REQUEST`` with the FAQ's messages, HTTP 401."""
    return ApiError(401, "INVALID_CLIENT_REQUEST", message)


#: engine rejection -> (HTTP status, Backpack code, message). The one mapping table.
REJECTS: dict[RejectReason, tuple[int, str, str]] = {
    RejectReason.UNKNOWN_ACCOUNT: (401, "INVALID_CLIENT_REQUEST", "Invalid X-API-Key header"),
    RejectReason.UNKNOWN_MARKET: (400, "INVALID_CLIENT_REQUEST", "Invalid market symbol"),
    RejectReason.MARKET_NOT_OPEN: (400, "TRADING_PAUSED", "Trading is paused on this market"),
    RejectReason.INVALID_SIZE: (400, "INVALID_QUANTITY", "Invalid quantity"),
    RejectReason.INVALID_PRICE: (400, "INVALID_PRICE", "Invalid price"),
    RejectReason.BELOW_MIN_SIZE: (400, "INVALID_QUANTITY", "Quantity is below the minimum allowed"),
    RejectReason.BELOW_MIN_NOTIONAL: (400, "INVALID_QUANTITY", "Quantity is below the minimum allowed"),
    RejectReason.POST_ONLY_WOULD_CROSS: (400, "INVALID_ORDER", "Order would immediately match and take"),
    RejectReason.REDUCE_ONLY_WOULD_INCREASE: (400, "INVALID_ORDER", "Reduce only order not reduced"),
    RejectReason.INSUFFICIENT_MARGIN: (400, "INSUFFICIENT_MARGIN", "Insufficient margin"),
    RejectReason.DUPLICATE_CLIENT_ID: (400, "INVALID_ORDER", "Duplicate client id"),
    RejectReason.ORDER_NOT_FOUND: (404, "RESOURCE_NOT_FOUND", "Order not found"),
    RejectReason.ORDER_CLOSED: (404, "RESOURCE_NOT_FOUND", "Order not found"),
    RejectReason.INVALID_LEVERAGE: (400, "INVALID_CLIENT_REQUEST", "Invalid leverage limit"),
    RejectReason.INSUFFICIENT_BALANCE: (400, "INSUFFICIENT_FUNDS", "Insufficient funds"),
    RejectReason.INVALID_REQUEST: (400, "INVALID_ORDER", "Invalid order"),
}


def reject_error(exc: EngineError) -> ApiError:
    status, code, message = REJECTS[exc.reason]
    return ApiError(status, code, message)
