"""Lighter's error codes and bodies, and the one table mapping engine rejections onto them.

Every error reply is ``{"code": <int>, "message": "<text>"}`` with ``Content-Type:
application/json``: HTTP 400 for request/tx errors, 401 (code 20013) for bad auth tokens, 429
(code 23000) when rate limited. lighter-sdk's nonce manager resyncs only when the text contains
``invalid nonce``, so that message is exact. Codes/texts marked [?] in docs/venues/lighter.md
are the simulator's choice where the venue's exact answer is unknown.
"""

from __future__ import annotations

from simulator.engine.orders import RejectReason

__all__ = ["LighterError", "Code", "REJECTS", "reject_error", "bad_param", "auth_error"]


class Code:
    """(code, message) pairs the simulator answers with."""

    INVALID_PARAM = (20001, "invalid param ")
    INVALID_AUTH = (20013, "invalid auth: ")
    ACCOUNT_NOT_FOUND = (21100, "account not found")
    INVALID_NONCE = (21104, "invalid nonce")
    NONCE_NOT_CONSECUTIVE = (21105, "invalid nonce, nonces in a batch must be consecutive")
    API_KEY_NOT_FOUND = (21109, "api key not found")
    INVALID_API_KEY_INDEX = (21110, "invalid api key index")
    INVALID_SIGNATURE = (21120, "invalid signature")
    INVALID_TX_INFO = (21501, "invalid tx info")
    UNSUPPORTED_TX_TYPE = (21505, "unsupported tx type")
    BELOW_INITIAL_MARGIN = (21508, "account is below initial margin, can't execute transaction")
    INVALID_MARKET = (21602, "invalid market index")
    NO_POSITION = (21614, "no position found")
    INVALID_BASE_AMOUNT = (21701, "invalid base amount")
    INVALID_PRICE = (21702, "invalid price")
    INVALID_IS_ASK = (21703, "invalid isAsk")
    INVALID_ORDER_TYPE = (21704, "invalid OrderType")
    INVALID_TIME_IN_FORCE = (21705, "invalid OrderTimeInForce")
    INVALID_AMOUNTS = (21706, "invalid order base or quote amount")
    INVALID_EXPIRY = (21711, "invalid expiry")
    INVALID_CANCEL_ALL_TIF = (21713, "invalid cancel all time in force")
    INVALID_CANCEL_ALL_TIME = (21714, "invalid cancel all time")
    NOT_ACTIVE_ORDER = (21715, "given order is not an active order")
    INVALID_CLIENT_ORDER_INDEX = (21727, "invalid client order index")
    DUPLICATE_CLIENT_ORDER_INDEX = (21728, "client order index already exists")
    INVALID_TRIGGER_PRICE = (21729, "invalid order trigger price")
    REDUCE_ONLY_INCREASES = (21732, "reduce only increases position")
    PRICE_TOO_FAR = (21734, "limit order price is too far from the mark price")
    NOT_ENOUGH_MARGIN = (21739, "not enough margin to create the order")
    INVALID_REDUCE_ONLY = (21740, "invalid reduce only mode")
    TOO_MANY_REQUESTS = (23000, "Too Many Requests!")
    NOT_FOUND = (29404, "not found")


class LighterError(Exception):
    """An error answer: HTTP ``status`` with body ``{"code", "message"}``."""

    def __init__(self, code: tuple[int, str], detail: str = "", status: int = 400) -> None:
        self.code = code[0]
        self.message = code[1] + detail
        self.status = status
        super().__init__(f"{self.code}: {self.message}")

    def body(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message}


#: engine rejection -> Lighter (code, message) — the one mapping table. Post-only crosses,
#: reduce-only increases and taker margin shortfalls are *accepted* txs whose order ends
#: ``canceled-*`` (see txs.py); their codes here serve the synchronous contexts (modify).
REJECTS: dict[RejectReason, tuple[int, str]] = {
    RejectReason.UNKNOWN_ACCOUNT: Code.ACCOUNT_NOT_FOUND,
    RejectReason.UNKNOWN_MARKET: Code.INVALID_MARKET,
    RejectReason.MARKET_NOT_OPEN: Code.INVALID_MARKET,                        # [?]
    RejectReason.INVALID_SIZE: Code.INVALID_BASE_AMOUNT,
    RejectReason.INVALID_PRICE: Code.INVALID_PRICE,
    RejectReason.BELOW_MIN_SIZE: Code.INVALID_AMOUNTS,
    RejectReason.BELOW_MIN_NOTIONAL: Code.INVALID_AMOUNTS,
    RejectReason.POST_ONLY_WOULD_CROSS: Code.INVALID_PRICE,                    # [?] modify only
    RejectReason.REDUCE_ONLY_WOULD_INCREASE: Code.REDUCE_ONLY_INCREASES,
    RejectReason.INSUFFICIENT_MARGIN: Code.NOT_ENOUGH_MARGIN,
    RejectReason.DUPLICATE_CLIENT_ID: Code.DUPLICATE_CLIENT_ORDER_INDEX,
    RejectReason.ORDER_NOT_FOUND: Code.NOT_ACTIVE_ORDER,
    RejectReason.ORDER_CLOSED: Code.NOT_ACTIVE_ORDER,
    RejectReason.INVALID_LEVERAGE: Code.INVALID_TX_INFO,                       # [?]
    RejectReason.INSUFFICIENT_BALANCE: Code.BELOW_INITIAL_MARGIN,              # [?]
    RejectReason.INVALID_REQUEST: Code.INVALID_TX_INFO,
}


def reject_error(reason: RejectReason) -> LighterError:
    return LighterError(REJECTS[reason])


def bad_param(detail: str) -> LighterError:
    """The venue's query-parameter error: ``invalid param : <detail>``."""
    return LighterError(Code.INVALID_PARAM, f": {detail}")


def auth_error(detail: str) -> LighterError:
    return LighterError(Code.INVALID_AUTH, detail, status=401)
