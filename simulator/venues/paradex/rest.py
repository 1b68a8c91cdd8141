"""Paradex REST under ``/v1``: public market data, onboarding and auth, and the private
(JWT-authenticated) trading and account endpoints."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from aiohttp import web

from simulator.engine.orders import EngineError
from simulator.venues.hub import dumps
from simulator.venues.paradex import keys
from simulator.venues.paradex.errors import ApiError, error_response, rejection
from simulator.venues.paradex.formats import account_summary, balance_of, funding_index, position_row

if TYPE_CHECKING:
    from simulator.engine.accounts import Account
    from simulator.venues.paradex.venue import ParadexVenue, PdxIdentity

__all__ = ["ParadexRest", "json_response", "paginate"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PrivateHandler = Callable[[web.Request, "PdxIdentity"], Awaitable[web.StreamResponse]]
_MAX_SIGNATURE_LIFETIME_S = 7 * 24 * 3600
_MAX_CLOCK_SKEW_S = 300


def json_response(payload: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, text=dumps(payload), content_type="application/json")


def _handled(fn: Handler) -> Handler:
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await fn(request)
        except ApiError as exc:
            return error_response(exc.status, exc.code, exc.message)
        except EngineError as exc:
            err = rejection(exc.reason, exc.message)
            return error_response(err.status, err.code, err.message)
    return wrapper


def _int_param(request: web.Request, name: str, default: int | None, lo: int = 0,
               hi: int = 2**63) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "INVALID_REQUEST_PARAMETER", f"{name} must be an integer") from None
    if not lo <= value <= hi:
        raise ApiError(400, "INVALID_REQUEST_PARAMETER", f"{name} must be in {lo}..{hi}")
    return value


def paginate(request: web.Request, rows: Iterable[dict[str, Any]],
             time_key: str = "created_at") -> dict[str, Any]:
    """Paradex's paginated envelope over rows given newest first: ``start_at``/``end_at`` (ms)
    filter, ``page_size`` (default 100) and an opaque ``cursor``."""
    start = _int_param(request, "start_at", None)
    end = _int_param(request, "end_at", None)
    size = _int_param(request, "page_size", 100, 1, 5000) or 100
    offset = 0
    cursor = request.query.get("cursor")
    if cursor:
        try:
            offset = int(json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["o"])
        except (ValueError, KeyError, TypeError):
            raise ApiError(400, "INVALID_REQUEST_PARAMETER", "invalid cursor") from None
    selected = [r for r in rows
                if (start is None or r[time_key] >= start) and (end is None or r[time_key] <= end)]

    def encode(o: int) -> str:
        return base64.urlsafe_b64encode(json.dumps({"o": o}).encode()).rstrip(b"=").decode()

    return {"next": encode(offset + size) if offset + size < len(selected) else None,
            "prev": encode(max(0, offset - size)) if offset > 0 else None,
            "results": selected[offset:offset + size]}


async def _json_body(request: web.Request) -> Any:
    try:
        return await request.json()
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "BINDING_ERROR", "request body is not valid JSON") from None


class ParadexRest:
    def __init__(self, venue: ParadexVenue) -> None:
        self.venue = venue
        self.data = venue.data
        self.desk = venue.desk
        self.engine = venue.engine

    def add_routes(self, app: web.Application) -> None:
        r = app.router
        public: list[tuple[str, str, Handler]] = [
            ("GET", "/system/config", self.system_config), ("GET", "/system/time", self.system_time),
            ("GET", "/system/state", self.system_state), ("GET", "/markets", self.markets),
            ("GET", "/markets/summary", self.markets_summary), ("GET", "/bbo/{market}", self.bbo),
            ("GET", "/orderbook/{market}", self.orderbook), ("GET", "/funding/data", self.funding_data),
            ("GET", "/trades", self.trades), ("GET", "/onboarding", self.onboarding_info),
            ("POST", "/onboarding", self.onboarding), ("POST", "/auth", self.auth),
            ("POST", "/auth/{public_key}", self.auth),
        ]
        private: list[tuple[str, str, PrivateHandler]] = [
            ("POST", "/orders/batch", self.create_batch), ("DELETE", "/orders/batch", self.cancel_batch),
            ("POST", "/orders", self.create_order), ("GET", "/orders", self.open_orders),
            ("DELETE", "/orders", self.cancel_all), ("GET", "/orders-history", self.orders_history),
            ("GET", "/orders/by_client_id/{client_id}", self.order_by_client_id),
            ("DELETE", "/orders/by_client_id/{client_id}", self.cancel_by_client_id),
            ("GET", "/orders/{order_id}", self.order), ("DELETE", "/orders/{order_id}", self.cancel_order),
            ("GET", "/positions", self.positions), ("GET", "/balance", self.balance),
            ("GET", "/account", self.account), ("GET", "/fills", self.fills),
            ("GET", "/funding/payments", self.funding_payments), ("GET", "/account/margin", self.margin),
            ("GET", "/account/margin/{market}", self.margin),
            ("POST", "/account/margin/{market}", self.set_margin),
        ]
        for method, path, handler in public:
            r.add_route(method, f"/v1{path}", _handled(handler))
        for method, path, private_handler in private:
            r.add_route(method, f"/v1{path}", _handled(self._private(private_handler)))

    def _private(self, fn: PrivateHandler) -> Handler:
        async def wrapper(request: web.Request) -> web.StreamResponse:
            header = request.headers.get("Authorization", "")
            if not header.lower().startswith("bearer "):
                raise ApiError(401, "INVALID_TOKEN", "missing bearer token")
            return await fn(request, self.venue.identity_for_token(header[7:].strip()))
        return wrapper

    def _acct(self, ident: PdxIdentity) -> Account:
        return self.engine.account(ident.account_id)

    # -- public -------------------------------------------------------------------------------------
    async def system_config(self, request: web.Request) -> web.Response:
        base = self.venue.ctx.rest_url.removesuffix("/v1")
        return json_response(keys.system_config(base))

    async def system_time(self, request: web.Request) -> web.Response:
        return json_response({"server_time": self.venue.ctx.wall_ms()})

    async def system_state(self, request: web.Request) -> web.Response:
        return json_response({"status": self.venue.system_status})

    async def markets(self, request: web.Request) -> web.Response:
        markets = self.data.markets(request.query.get("market"))
        return json_response({"results": [self.data.listing(m) for m in markets]})

    async def markets_summary(self, request: web.Request) -> web.Response:
        market = request.query.get("market")
        if not market:
            raise ApiError(400, "VALIDATION_ERROR", "market is required (a symbol or ALL)")
        return json_response({"results": [self.data.summary(m) for m in self.data.markets(market)]})

    async def bbo(self, request: web.Request) -> web.Response:
        return json_response(self.data.bbo(self.data.market(request.match_info["market"])))

    async def orderbook(self, request: web.Request) -> web.Response:
        m = self.data.market(request.match_info["market"])
        depth = _int_param(request, "depth", 20, 1, 1000) or 20
        tick = None
        raw = request.query.get("price_tick")
        if raw:
            try:
                tick = Decimal(raw.replace("_", "."))
            except InvalidOperation:
                raise ApiError(400, "INVALID_REQUEST_PARAMETER", "invalid price_tick") from None
            if not tick.is_finite() or tick <= 0 or tick % m.tick:
                raise ApiError(400, "INVALID_REQUEST_PARAMETER", "price_tick must be a multiple of the tick")
        return json_response(self.data.orderbook(m, depth, tick))

    async def funding_data(self, request: web.Request) -> web.Response:
        market = request.query.get("market")
        if not market:
            raise ApiError(400, "VALIDATION_ERROR", "market is required")
        m = self.data.market(market)
        return json_response(paginate(request, self.data.funding_history(m)))

    async def trades(self, request: web.Request) -> web.Response:
        m = self.data.market(request.query.get("market"))
        return json_response(paginate(request, self.data.recent_trades(m)))

    async def onboarding_info(self, request: web.Request) -> web.Response:
        if request.query.get("account_signer_type", "starknet") != "starknet":
            raise ApiError(400, "INVALID_REQUEST_PARAMETER", "only starknet accounts are simulated")
        try:
            public_key = int(request.query.get("public_key", ""), 16)
        except ValueError:
            raise ApiError(400, "INVALID_REQUEST_PARAMETER", "public_key must be 0x hex") from None
        address = keys.l2_address(public_key)
        ident = self.venue.identities.get(address)
        cfg = keys.system_config("")
        return json_response({"address": hex(address), "exists": bool(ident and ident.onboarded),
                              "account_signer_type": "starknet",
                              "derivation_info": {"class_hash": cfg["paraclear_account_hash"],
                                                  "proxy_class_hash": cfg["paraclear_account_proxy_hash"]}})

    # -- onboarding and auth ------------------------------------------------------------------------
    @staticmethod
    def _hex_header(request: web.Request, name: str) -> int:
        raw = request.headers.get(name)
        if not raw:
            raise ApiError(400, "VALIDATION_ERROR", f"missing {name} header")
        try:
            return int(raw, 16)
        except ValueError:
            raise ApiError(400, "INVALID_STARKNET_ADDRESS", f"{name} is not a hex address") from None

    async def onboarding(self, request: web.Request) -> web.Response:
        address = self._hex_header(request, "PARADEX-STARKNET-ACCOUNT")
        l1_address = request.headers.get("PARADEX-ETHEREUM-ACCOUNT", "")
        signature = request.headers.get("PARADEX-STARKNET-SIGNATURE", "")
        body = await _json_body(request)
        try:
            public_key = int(str(body["public_key"]), 16)
        except (KeyError, ValueError, TypeError):
            raise ApiError(400, "VALIDATION_ERROR", "body must carry public_key (0x hex)") from None
        if keys.l2_address(public_key) != address:
            raise ApiError(400, "INVALID_STARKNET_ADDRESS", "account address does not match public_key")
        if not keys.verify_signature(keys.onboarding_typed_data(), address, signature, public_key):
            raise ApiError(400, "INVALID_STARKNET_SIGNATURE", "invalid onboarding signature")
        self.venue.onboard(address, public_key, l1_address)
        return web.Response(status=200)

    async def auth(self, request: web.Request) -> web.Response:
        address = self._hex_header(request, "PARADEX-STARKNET-ACCOUNT")
        ident = self.venue.identities.get(address)
        if ident is None or not ident.onboarded:
            raise ApiError(400, "NOT_ONBOARDED", "User has never called /onboarding endpoint")
        try:
            timestamp = int(request.headers.get("PARADEX-TIMESTAMP", ""))
            expiration = int(request.headers.get("PARADEX-SIGNATURE-EXPIRATION", ""))
        except ValueError:
            raise ApiError(400, "INVALID_TIMESTAMP", "PARADEX-TIMESTAMP and -SIGNATURE-EXPIRATION "
                                                     "must be unix seconds") from None
        now_s = self.venue.ctx.wall_ms() / 1000
        if timestamp > now_s + _MAX_CLOCK_SKEW_S:
            raise ApiError(400, "INVALID_TIMESTAMP", "timestamp is in the future")
        if expiration <= now_s:
            raise ApiError(400, "INVALID_TIMESTAMP", "signature has expired")
        if expiration - timestamp > _MAX_SIGNATURE_LIFETIME_S:
            raise ApiError(400, "INVALID_TIMESTAMP", "signature expiration is more than a week away")
        signature = request.headers.get("PARADEX-STARKNET-SIGNATURE", "")
        if not keys.verify_signature(keys.auth_typed_data(timestamp, expiration), address, signature,
                                     ident.public_key):
            raise ApiError(401, "STARKNET_SIGNATURE_VERIFICATION_FAILED", "invalid auth signature")
        return json_response({"jwt_token": self.venue.issue_jwt(ident)})

    # -- orders -------------------------------------------------------------------------------------
    def _verifier(self, ident: PdxIdentity) -> Callable[[dict[str, Any]], bool]:
        def verify(body: dict[str, Any]) -> bool:
            typed = keys.order_typed_data(body)
            return keys.verify_signature(typed, ident.address, str(body["signature"]), ident.public_key)
        return verify

    async def create_order(self, request: web.Request, ident: PdxIdentity) -> web.Response:
        body = await _json_body(request)
        rec = self.desk.accept(self._acct(ident), ident.address_hex, body, self._verifier(ident))
        return json_response(self.desk.resp(rec), status=201)

    async def create_batch(self, request: web.Request, ident: PdxIdentity) -> web.Response:
        body = await _json_body(request)
        if not isinstance(body, list) or not 1 <= len(body) <= 10:
            raise ApiError(400, "BATCH_SIZE_OUT_OF_RANGE", "a batch holds 1 to 10 orders")
        orders, errors = [], []
        for item in body:
            try:
                rec = self.desk.accept(self._acct(ident), ident.address_hex, item, self._verifier(ident))
            except ApiError as exc:
                errors.append({"error": exc.code, "message": exc.message})
                continue
            orders.append(self.desk.resp(rec))
        return json_response({"orders": orders, "errors": errors}, status=201)

    async def open_orders(self, request: web.Request, ident: PdxIdentity) -> web.Response:
        recs = self.desk.open_orders(self._acct(ident), request.query.get("market"))
        return json_response({"results": [self.desk.resp(r) for r in recs]})

    async def orders_history(self, request: web.Request, ident: PdxIdentity) -> web.Response:
        q = request.query
        wanted = {k: q[k] for k in ("market", "status", "side", "type", "client_id") if q.get(k)}
        rows = (self.desk.resp(r) for r in self.desk.history(self._acct(ident)))
        matching = [r for r in rows if all(r[k] == v for k, v in wanted.items())]
        return json_response(paginate(request, matching))

    async def order(self, request: web.Request, ident: PdxIdentity) -> web.Response:
        rec = self.desk.get(self._acct(ident), request.match_info["order_id"])
        return json_response(self.desk.resp(rec))

    async def order_by_client_id(self, request: web.Request, ident: PdxIdentity) -> web.Response:
        rec = self.desk.by_client_id(self._acct(ident), request.match_info["client_id"])
        return json_response(self.desk.resp(rec))

    async def cancel_order(self, request: web.Request, ident: PdxIdentity) -> web.Response:
        self.desk.cancel(self._acct(ident), request.match_info["order_id"])
        return web.Response(status=204)

    async def cancel_by_client_id(self, request: web.Request, ident: PdxIdentity) -> web.Response:
        self.desk.cancel_by_client_id(self._acct(ident), request.match_info["client_id"],
                                      request.query.get("market") or None)
        return web.Response(status=204)

    async def cancel_all(self, request: web.Request, ident: PdxIdentity) -> web.Response:
        market = request.query.get("market") or None
        if market is not None:
            self.data.market(market)
        self.desk.cancel_all(self._acct(ident), market)
        return web.Response(status=200)

    async def cancel_batch(self, request: web.Request, ident: PdxIdentity) -> web.Response:
        body = await _json_body(request)
        if not isinstance(body, dict):
            raise ApiError(400, "BINDING_ERROR", "body must be an object")
        acct = self._acct(ident)
        results = []
        for key, by_cid in (("order_ids", False), ("client_order_ids", True)):
            for ref in body.get(key) or []:
                row = {"id": "" if by_cid else str(ref), "client_id": str(ref) if by_cid else "",
                       "account": ident.address_hex, "market": "", "status": "QUEUED_FOR_CANCELLATION"}
                try:
                    rec = (self.desk.cancel_by_client_id(acct, str(ref)) if by_cid
                           else self.desk.cancel(acct, str(ref)))
                    row.update(id=rec.id, client_id=rec.client_id, market=rec.market.venue_symbol)
                except ApiError as exc:
                    row["status"] = "ALREADY_CLOSED" if exc.code == "ORDER_IS_CLOSED" else "NOT_FOUND"
                results.append(row)
        if not 1 <= len(results) <= 100:
            raise ApiError(400, "BATCH_SIZE_OUT_OF_RANGE", "a batch cancels 1 to 100 orders")
        return json_response({"results": results})

    # -- account ------------------------------------------------------------------------------------
    async def positions(self, request: web.Request, ident: PdxIdentity) -> web.Response:
        acct = self._acct(ident)
        return json_response({"results": self.positions_of(acct, ident.address_hex)})

    def positions_of(self, acct: Account, address: str,
                     market_id: int | None = None) -> list[dict[str, Any]]:
        views = {v.market_id: v for v in self.engine.account_state(acct.id).positions}
        last = acct.meta.get("pdx_last_fill", {})
        rows = []
        for mid, pos in acct.positions.items():
            view = views.get(mid)
            if view is None or (market_id is not None and mid != market_id):
                continue
            m = pos.market
            rows.append(position_row(m, pos, view, address, funding_index(m), last.get(mid, ""),
                                     self.desk.next_seq()))
        return rows

    async def balance(self, request: web.Request, ident: PdxIdentity) -> web.Response:
        acct = self._acct(ident)
        return json_response({"results": [{"token": "USDC", "size": str(balance_of(acct)),
                                           "last_updated_at": self.venue.ctx.wall_ms()}]})

    async def account(self, request: web.Request, ident: PdxIdentity) -> web.Response:
        return json_response(account_summary(self.engine, self._acct(ident), ident.address_hex,
                                             self.venue.ctx.wall_ms(), self.desk.next_seq()))

    async def fills(self, request: web.Request, ident: PdxIdentity) -> web.Response:
        market = request.query.get("market")
        rows = reversed(self._acct(ident).meta.get("pdx_fills", ()))
        return json_response(paginate(request, [r for r in rows if not market or r["market"] == market]))

    async def funding_payments(self, request: web.Request, ident: PdxIdentity) -> web.Response:
        market = request.query.get("market")
        rows = reversed(self._acct(ident).meta.get("pdx_funding", ()))
        return json_response(paginate(request, [r for r in rows if not market or r["market"] == market]))

    async def margin(self, request: web.Request, ident: PdxIdentity) -> web.Response:
        market = request.match_info.get("market") or request.query.get("market")
        markets = self.data.markets(market)
        configs = [{"market": m.venue_symbol, "leverage": self.engine.leverage_of(ident.account_id, m.id),
                    "margin_type": "CROSS", "isolated_margin_leverage": None} for m in markets]
        return json_response({"account": ident.address_hex, "margin_methodology": "cross_margin",
                              "configs": configs})

    async def set_margin(self, request: web.Request, ident: PdxIdentity) -> web.Response:
        m = self.data.market(request.match_info["market"])
        body = await _json_body(request)
        leverage = body.get("leverage") if isinstance(body, dict) else None
        if not isinstance(leverage, int) or isinstance(leverage, bool):
            raise ApiError(400, "VALIDATION_ERROR", "leverage must be an integer")
        margin_type = body.get("margin_type") or "CROSS"
        if margin_type != "CROSS":
            raise ApiError(400, "VALIDATION_ERROR", "only CROSS margin is simulated")
        self.engine.set_leverage(ident.account_id, m.id, leverage)
        return json_response({"account": ident.address_hex, "market": m.venue_symbol, "leverage": leverage,
                              "margin_type": "CROSS"})
