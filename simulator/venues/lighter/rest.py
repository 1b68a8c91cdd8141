"""Lighter's REST API at the host root: ``GET /``, ``/info`` and ``/api/v1/...``.

Success bodies carry ``"code": 200`` (the Go signer rejects ``apikeys``/``nextNonce`` answers
without it); errors are ``{"code", "message"}`` with HTTP 400 (401 for bad auth tokens). Private
reads take the auth token in the ``Authorization`` header or the ``auth`` query parameter.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from simulator.engine.accounts import Account
from simulator.engine.market import Market
from simulator.venues.hub import dumps
from simulator.venues.lighter.accounts import account_json, funding_row, short_account
from simulator.venues.lighter.errors import Code, LighterError, auth_error, bad_param
from simulator.venues.lighter.formats import ORDER_BASE, MarketFmt, trade_json
from simulator.venues.lighter.keys import ApiKey
from simulator.venues.lighter.orders import OrderRecord

if TYPE_CHECKING:
    from simulator.venues.lighter.venue import LighterVenue

__all__ = ["Rest", "json_response"]

Body = dict[str, Any]
_ALL = 255
_EXPIRY_28D_MS = 28 * 86_400_000


def json_response(body: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, text=dumps(body), content_type="application/json")


def _handler(fn: Callable[[web.Request], Awaitable[Body]]
             ) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def wrapped(request: web.Request) -> web.Response:
        try:
            return json_response(await fn(request))
        except LighterError as exc:
            return json_response(exc.body(), exc.status)
    return wrapped


def q_int(request: web.Request, name: str, default: int | None = None, lo: int | None = None,
          hi: int | None = None) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        if default is None:
            raise bad_param(name)
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_param(name) from None
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise bad_param(name)
    return value


def q_choice(request: web.Request, name: str, choices: tuple[str, ...], default: str | None = None) -> str:
    value = request.query.get(name) or default
    if value not in choices:
        raise bad_param(name)
    return value


def to_ms(value: int) -> int:
    """Lighter's timestamps filters accept seconds or milliseconds [?]: tell them apart."""
    return value if value >= 100_000_000_000 else value * 1000


class Rest:
    def __init__(self, venue: LighterVenue) -> None:
        self.v = venue
        self.engine = venue.engine

    def add_routes(self, app: web.Application) -> None:
        routes: dict[str, Callable[[web.Request], Awaitable[Body]]] = {
            "orderBookDetails": self.order_book_details, "orderBooks": self.order_books,
            "orderBookOrders": self.order_book_orders, "recentTrades": self.recent_trades,
            "trades": self.trades, "exchangeStats": self.exchange_stats, "funding-rates": self.funding_rates,
            "fundings": self.fundings, "account": self.account, "accountsByL1Address": self.accounts_by_l1,
            "apikeys": self.apikeys, "nextNonce": self.next_nonce, "accountActiveOrders": self.active_orders,
            "accountInactiveOrders": self.inactive_orders, "accountOrders": self.account_orders,
            "positionFunding": self.position_funding,
        }
        for name, fn in routes.items():
            app.router.add_get(f"/api/v1/{name}", _handler(fn))
        app.router.add_post("/api/v1/sendTx", _handler(self.send_tx))
        app.router.add_post("/api/v1/sendTxBatch", _handler(self.send_tx_batch))
        app.router.add_get("/", _handler(self.status))
        app.router.add_get("/info", _handler(self.info))

    # -- helpers --------------------------------------------------------------------------------------
    def _now_s(self) -> int:
        return self.v.ctx.wall_ms() // 1000

    def _auth(self, request: web.Request, account: int | None) -> ApiKey:
        token = request.headers.get("Authorization") or request.query.get("auth")
        key = self.v.keys.check_token(token, self._now_s())
        if account is not None and account != key.account:
            raise auth_error("the token belongs to another account")
        return key

    def _market(self, market_id: int) -> Market:
        m = self.engine.markets.get(market_id)
        if m is None:
            raise LighterError(Code.INVALID_MARKET)
        return m

    def _client_account(self, account: int) -> Account:
        acct = self.engine.accounts.get(account)
        if acct is None or acct.agent:
            raise LighterError(Code.ACCOUNT_NOT_FOUND)
        return acct

    def _orders(self, records: list[OrderRecord]) -> list[Body]:
        return [r.json(self.v.data.fmt(r.market_id)) for r in records]

    # -- public ---------------------------------------------------------------------------------------
    async def status(self, request: web.Request) -> Body:
        return {"status": 1, "network_id": 1, "timestamp": self._now_s()}

    async def info(self, request: web.Request) -> Body:
        return {"contract_address": "0x3b4d794a66304f130a4db8f2551b0070dfcf5ca7"}

    def _listed(self, request: web.Request) -> list[Market]:
        market_id = q_int(request, "market_id", _ALL, 0)
        kind = q_choice(request, "filter", ("all", "spot", "perp"), "all")
        markets = self.v.data.markets_for(None if market_id == _ALL else market_id)
        if market_id != _ALL and not markets:
            raise LighterError(Code.INVALID_MARKET)
        return [] if kind == "spot" else markets

    async def order_book_details(self, request: web.Request) -> Body:
        markets = self._listed(request)
        return {"code": 200, "order_book_details": [self.v.data.detail(m) for m in markets],
                "spot_order_book_details": []}

    async def order_books(self, request: web.Request) -> Body:
        return {"code": 200, "order_books": [self.v.data.order_book(m) for m in self._listed(request)]}

    async def order_book_orders(self, request: web.Request) -> Body:
        m = self._market(q_int(request, "market_id", lo=0))
        limit = q_int(request, "limit", lo=1, hi=250)
        self.engine.book(m.id, 1)                 # re-quotes a market nobody watched
        fmt = self.v.data.fmt(m.id)
        asks, bids = _simple_orders(m.asks, fmt, limit), _simple_orders(m.bids, fmt, limit)
        return {"code": 200, "total_asks": len(asks), "asks": asks, "total_bids": len(bids), "bids": bids}

    async def recent_trades(self, request: web.Request) -> Body:
        m = self._market(q_int(request, "market_id", lo=0))
        limit = q_int(request, "limit", lo=1, hi=100)
        fmt = self.v.data.fmt(m.id)
        records = list(self.v.activity.recent[m.id])[-limit:]
        return {"code": 200, "trades": [trade_json(r, fmt) for r in reversed(records)]}

    async def trades(self, request: web.Request) -> Body:
        q_choice(request, "sort_by", ("block_height", "timestamp", "trade_id"))
        limit = q_int(request, "limit", lo=1, hi=100)
        account = q_int(request, "account_index", -1)
        self._auth(request, account if account >= 0 else None)
        market_id = q_int(request, "market_id", _ALL, 0)
        if account >= 0:
            records = [r for r in self.v.activity.by_account.get(account, ())
                       if market_id == _ALL or r.fill.market.id == market_id]
        elif market_id != _ALL:
            records = list(self.v.activity.recent[self._market(market_id).id])
        else:
            raise bad_param("market_id or account_index")
        chosen = list(reversed(records))[:limit]
        return {"code": 200, "trades": [trade_json(r, self.v.data.fmt(r.fill.market.id)) for r in chosen]}

    async def exchange_stats(self, request: web.Request) -> Body:
        return self.v.data.exchange_stats()

    async def funding_rates(self, request: web.Request) -> Body:
        return self.v.data.funding_rates()

    async def fundings(self, request: web.Request) -> Body:
        m = self._market(q_int(request, "market_id", lo=0))
        resolution = q_choice(request, "resolution", ("1h", "1d"))
        start = to_ms(q_int(request, "start_timestamp", lo=0, hi=5_000_000_000_000))
        end = to_ms(q_int(request, "end_timestamp", lo=0, hi=5_000_000_000_000))
        count_back = q_int(request, "count_back", lo=0)
        return {"code": 200, "resolution": resolution,
                "fundings": self.v.data.fundings(m, resolution, start, end, count_back)}

    # -- accounts and keys -----------------------------------------------------------------------------
    async def account(self, request: web.Request) -> Body:
        by = q_choice(request, "by", ("index", "l1_address"))
        value = request.query.get("value", "")
        if by == "index":
            try:
                found = [self.engine.accounts[int(value)]]
            except (ValueError, KeyError):
                raise LighterError(Code.NOT_FOUND) from None
        else:
            found = self.v.accounts_of(value)
            if not found:
                raise LighterError(Code.NOT_FOUND)
        accounts = [account_json(self.engine, a, self.v.data, self.v.orders.counts(a.id)) for a in found]
        return {"code": 200, "total": len(accounts), "accounts": accounts, "next_cursor": ""}

    async def accounts_by_l1(self, request: web.Request) -> Body:
        address = request.query.get("l1_address", "")
        found = self.v.accounts_of(address)
        if not found:
            raise LighterError(Code.ACCOUNT_NOT_FOUND)
        return {"code": 200, "l1_address": address,
                "sub_accounts": [short_account(self.engine, a) for a in found]}

    async def apikeys(self, request: web.Request) -> Body:
        account = self._client_account(q_int(request, "account_index", lo=0)).id
        index = q_int(request, "api_key_index", _ALL, 0, 255)
        keys = [k for k in self.v.keys.of(account) if index == _ALL or k.index == index]
        return {"code": 200, "api_keys": [k.json() for k in keys]}

    async def next_nonce(self, request: web.Request) -> Body:
        account = self._client_account(q_int(request, "account_index", lo=0)).id
        key = self.v.keys.get(account, q_int(request, "api_key_index", lo=0, hi=254))
        if key is None:
            raise LighterError(Code.API_KEY_NOT_FOUND)
        return {"code": 200, "nonce": key.nonce}

    # -- transactions ---------------------------------------------------------------------------------
    async def _form(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_param("body") from None
            return body if isinstance(body, dict) else {}
        form = await request.post()
        return {**request.query, **{k: v for k, v in form.items() if isinstance(v, str)}}

    async def send_tx(self, request: web.Request) -> Body:
        form = await self._form(request)
        if "tx_type" not in form or "tx_info" not in form:
            raise bad_param("tx_type and tx_info are required")
        return self.v.txs.send(form["tx_type"], form["tx_info"], request.path)

    async def send_tx_batch(self, request: web.Request) -> Body:
        form = await self._form(request)
        if "tx_types" not in form or "tx_infos" not in form:
            raise bad_param("tx_types and tx_infos are required")
        return self.v.txs.send_batch(form["tx_types"], form["tx_infos"], request.path)

    # -- private reads --------------------------------------------------------------------------------
    async def active_orders(self, request: web.Request) -> Body:
        account = q_int(request, "account_index", lo=0)
        self._auth(request, account)
        market_id = q_int(request, "market_id", _ALL, 0)
        records = self.v.orders.active(account, None if market_id == _ALL else market_id)
        return {"code": 200, "orders": self._orders(records)}

    async def inactive_orders(self, request: web.Request) -> Body:
        account = q_int(request, "account_index", lo=0)
        self._auth(request, account)
        limit = q_int(request, "limit", lo=1, hi=100)
        market_id = q_int(request, "market_id", _ALL, 0)
        ask_filter = q_int(request, "ask_filter", -1, -1, 1)
        start, end = _between(request.query.get("between_timestamps"))
        offset = q_int(request, "cursor", 0, 0)
        records = [r for r in self.v.orders.inactive(account)
                   if (market_id == _ALL or r.market_id == market_id)
                   and (ask_filter == -1 or r.is_ask == bool(ask_filter))
                   and start <= r.updated_ms <= end]
        page = records[offset:offset + limit]
        body: Body = {"code": 200, "orders": self._orders(page)}
        if offset + limit < len(records):
            body["next_cursor"] = str(offset + limit)
        return body

    async def account_orders(self, request: web.Request) -> Body:
        key = self._auth(request, None)
        account = q_int(request, "account_index", key.account, 0)
        if account != key.account:
            raise auth_error("the token belongs to another account")
        try:
            indexes = [int(x) for x in request.query.get("client_order_indexes", "").split(",") if x.strip()]
        except ValueError:
            raise bad_param("client_order_indexes") from None
        if not indexes or len(indexes) > 20:
            raise bad_param("client_order_indexes")
        found = [r for coi in indexes if (r := self.v.orders.by_client_index(account, coi)) is not None]
        return {"code": 200, "orders": self._orders(found)}

    async def position_funding(self, request: web.Request) -> Body:
        account = q_int(request, "account_index", lo=0)
        self._auth(request, account)
        limit = q_int(request, "limit", lo=1, hi=100)
        side = q_choice(request, "side", ("long", "short", "all"), "all")
        start = to_ms(q_int(request, "start_timestamp", 0, 0))
        end = to_ms(q_int(request, "end_timestamp", 5_000_000_000_000, 0))
        offset = q_int(request, "cursor", 0, 0)
        markets = _market_ids(request)
        payments = [p for p in reversed(self.engine.funding_payments(self._client_account(account).id))
                    if (not markets or p.market.id in markets) and start <= p.market_ms <= end
                    and (side == "all" or (p.size_lots > 0) == (side == "long"))]
        page = payments[offset:offset + limit]
        rows = [funding_row(p, self.v.data.fmt(p.market.id)) for p in page]
        return {"code": 200, "position_fundings": rows,
                "next_cursor": str(offset + limit) if offset + limit < len(payments) else ""}


def _simple_orders(side: Any, fmt: MarketFmt, limit: int) -> list[Body]:
    out: list[Body] = []
    for level in side.iter_levels():
        for order in level.live_orders():
            expiry = order.expires_ms or order.created_ms + _EXPIRY_28D_MS
            out.append({"order_index": ORDER_BASE + order.id, "order_id": str(ORDER_BASE + order.id),
                        "owner_account_index": order.account.id, "initial_base_amount": fmt.size(order.lots),
                        "remaining_base_amount": fmt.size(order.remaining_lots),
                        "price": fmt.price(order.price_ticks), "order_expiry": expiry, "transaction_time": 0})
            if len(out) >= limit:
                return out
    return out


def _between(raw: str | None) -> tuple[int, int]:
    """``between_timestamps=<start>-<end>`` (seconds or ms) [?]; absent: everything."""
    if not raw:
        return 0, 1 << 62
    try:
        start, end = (int(x) for x in raw.split("-", 1))
    except ValueError:
        raise bad_param("between_timestamps") from None
    return to_ms(start), to_ms(end)


def _market_ids(request: web.Request) -> set[int]:
    raw = request.query.getall("market_ids", []) + request.query.getall("market_id", [])
    try:
        return {int(x) for item in raw for x in item.split(",") if x.strip() and int(x) != _ALL}
    except ValueError:
        raise bad_param("market_ids") from None
