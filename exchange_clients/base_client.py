"""``BaseExchangeClient``: the trading contract every venue implements.

Public methods take the *normalised* symbol (``"BTC"``); a venue resolves it to its own
market id and caches the mapping. No method reads a "current market": one client trades any
number of markets at once.

Order placement is a template method. The public ``place_limit_order`` /
``place_market_order`` resolve the market, validate every input (finite, positive, on tick,
on step, ≥ min size, ≥ min notional unless reduce-only, known and tradeable symbol) and pick
a client order id **before any network call**, then call the venue's ``_submit_*`` hook. So
bad input raises :class:`~exchange_clients.errors.InvalidOrderError` (or
``MarketNotFoundError``) and no request is sent.
"""

from __future__ import annotations

import abc
import asyncio
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Self

from exchange_clients.common.events import EventStream
from exchange_clients.common.precision import (
    check_min_notional,
    round_price,
    round_significant,
    validate_number,
    validate_order,
)
from exchange_clients.errors import InvalidOrderError, MarketNotFoundError, OrderNotFoundError
from exchange_clients.models import (
    BBO,
    AccountPnL,
    Fill,
    FundingPayment,
    LeverageInfo,
    MarketInfo,
    OrderBookSnapshot,
    OrderInfo,
    OrderResult,
    OrderType,
    PositionSnapshot,
    Side,
    TimeInForce,
)
from helpers.unified_logger import register_secret
from helpers.venue_config import VenueConfig

__all__ = ["BaseExchangeClient", "OrderRequest"]


class OrderRequest:
    """A validated order, handed to a venue's ``_submit_order`` hook.

    ``quantity`` and ``price`` are in normalised units, already checked against the market;
    ``price`` is the limit (for market orders: the worst acceptable price derived from the
    book and ``max_slippage_bps``). ``client_order_id`` is final: it is what the order will be
    looked up by if the submission's outcome is unknown.
    """

    __slots__ = (
        "client_order_id",
        "market",
        "order_type",
        "price",
        "quantity",
        "reduce_only",
        "side",
        "time_in_force",
    )

    def __init__(self, market: MarketInfo, side: Side, quantity: Decimal, price: Decimal | None,
                 order_type: OrderType, time_in_force: TimeInForce, reduce_only: bool,
                 client_order_id: str) -> None:
        self.market = market
        self.side = side
        self.quantity = quantity
        self.price = price
        self.order_type = order_type
        self.time_in_force = time_in_force
        self.reduce_only = reduce_only
        self.client_order_id = client_order_id

    @property
    def symbol(self) -> str:
        return self.market.symbol

    @property
    def post_only(self) -> bool:
        return self.time_in_force is TimeInForce.POST_ONLY

    def __repr__(self) -> str:
        return (f"OrderRequest({self.market.venue}:{self.symbol} {self.side} {self.quantity} @ "
                f"{self.price} {self.order_type}/{self.time_in_force} ro={self.reduce_only} "
                f"cid={self.client_order_id})")


class BaseExchangeClient(abc.ABC):
    """Contract of a venue client. Subclasses implement the abstract methods; they must not
    override the public placement methods (validation lives here, written once)."""

    #: default slippage bound for market orders, in basis points
    DEFAULT_MAX_SLIPPAGE_BPS = Decimal(50)

    def __init__(self, config: VenueConfig) -> None:
        self.config = config
        self.events = EventStream(self.get_exchange_name())
        for value in config.__dict__.values():
            secret = getattr(value, "get_secret_value", None)
            if callable(secret):
                register_secret(secret())

    # ---- lifecycle -----------------------------------------------------------------------

    @abc.abstractmethod
    def get_exchange_name(self) -> str:
        """The venue's registry name (``"lighter"``)."""

    @abc.abstractmethod
    async def connect(self) -> None:
        """Open the HTTP session, load markets, authenticate and start private feeds.

        Raises ``AuthenticationError`` for rejected credentials, ``NetworkError`` /
        ``ExchangeUnavailableError`` when the venue cannot be reached. Idempotent."""

    @abc.abstractmethod
    async def disconnect(self) -> None:
        """Stop every feed and task and close the session. Leaves nothing running; idempotent."""

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.disconnect()

    # ---- markets -------------------------------------------------------------------------

    @abc.abstractmethod
    async def get_markets(self) -> dict[str, MarketInfo]:
        """Every market the venue lists, keyed by normalised symbol (cached after first load)."""

    async def get_contract_attributes(self, symbol: str) -> MarketInfo:
        """Trading rules of ``symbol``.

        Raises ``MarketNotFoundError`` if the venue does not list it or it is not tradeable."""
        markets = await self.get_markets()
        market = markets.get(symbol.upper()) or markets.get(symbol)
        if market is None:
            raise MarketNotFoundError(self.get_exchange_name(), f"unknown symbol {symbol!r}",
                                      code="UNKNOWN_SYMBOL")
        if not market.tradeable:
            raise MarketNotFoundError(self.get_exchange_name(), f"{symbol} is not tradeable now",
                                      code="NOT_TRADEABLE")
        return market

    @abc.abstractmethod
    async def fetch_bbo_prices(self, symbol: str) -> BBO:
        """Best bid/ask: from the live WebSocket book when in sync, else from REST."""

    @abc.abstractmethod
    async def get_order_book_depth(self, symbol: str, levels: int = 10) -> OrderBookSnapshot:
        """Top ``levels`` per side: the WebSocket book when live and in sync, REST otherwise.
        Never returns a book known to be stale or crossed."""

    async def get_min_order_notional(self, symbol: str) -> Decimal:
        """Minimum notional (quote currency) of an order that is not reduce-only."""
        return (await self.get_contract_attributes(symbol)).min_notional

    # ---- orders --------------------------------------------------------------------------

    async def place_limit_order(self, symbol: str, quantity: Decimal, price: Decimal, side: Side,
                                *, reduce_only: bool = False, post_only: bool = False,
                                time_in_force: TimeInForce | None = None,
                                client_order_id: str | None = None) -> OrderResult:
        """Place a limit order.

        ``post_only=True`` is ``time_in_force=POST_ONLY``; a post-only order that would cross is
        rejected (``InvalidOrderError``), never executed as taker. Validation (tick, step, min
        size, min notional unless reduce-only, finite positive numbers, known tradeable symbol)
        runs before the network. Returns the venue's acknowledgement; on an unknown outcome
        (timeout) the order is looked up by its client id before anything is reported."""
        tif = TimeInForce.POST_ONLY if post_only else (time_in_force or TimeInForce.GTC)
        if post_only and time_in_force not in (None, TimeInForce.POST_ONLY):
            raise InvalidOrderError(self.get_exchange_name(),
                                    "post_only conflicts with time_in_force", code="TIF")
        market = await self.get_contract_attributes(symbol)
        qty, px = validate_order(market, quantity, price, reduce_only=reduce_only)
        assert px is not None
        cid = self._client_order_id(client_order_id)
        request = OrderRequest(market, Side(side), qty, px, OrderType.LIMIT, tif, reduce_only, cid)
        return await self._submit_order(request)

    async def place_market_order(self, symbol: str, quantity: Decimal, side: Side, *,
                                 reduce_only: bool = False,
                                 max_slippage_bps: Decimal | None = None,
                                 client_order_id: str | None = None) -> OrderResult:
        """Place a market order bounded by a worst price: the touch ± ``max_slippage_bps``
        (default 50 bps), rounded passively to tick. Validation as for limit orders, with the
        touch as the reference price for min notional. Unfilled remainder is cancelled (IOC)."""
        venue = self.get_exchange_name()
        market = await self.get_contract_attributes(symbol)
        slippage = validate_number(
            self.DEFAULT_MAX_SLIPPAGE_BPS if max_slippage_bps is None else max_slippage_bps,
            "max_slippage_bps", venue, allow_zero=True)
        # everything checkable without a price is checked before the BBO read
        qty, _ = validate_order(market, quantity, None, reduce_only=reduce_only)
        cid = self._client_order_id(client_order_id)
        bbo = await self.fetch_bbo_prices(symbol)
        touch = bbo.ask if Side(side) is Side.BUY else bbo.bid
        if touch is None:
            raise InvalidOrderError(venue, f"{symbol}: no {'asks' if side is Side.BUY else 'bids'} "
                                    "to execute a market order against", code="NO_LIQUIDITY")
        if not reduce_only:
            check_min_notional(market, qty, touch)
        worst = self._worst_price(market, Side(side), touch, slippage)
        request = OrderRequest(market, Side(side), qty, worst, OrderType.MARKET, TimeInForce.IOC,
                               reduce_only, cid)
        return await self._submit_order(request)

    @staticmethod
    def _worst_price(market: MarketInfo, side: Side, touch: Decimal, slippage_bps: Decimal) -> Decimal:
        factor = slippage_bps / Decimal(10_000)
        raw = touch * (1 + factor) if side is Side.BUY else touch * (1 - factor)
        # passive rounding keeps the bound inside the slippage the caller accepted
        price = round_price(raw, market.tick_size, side, passive=True)
        if market.max_price_significant_figures is not None and price != price.to_integral_value():
            price = round_significant(price, market.max_price_significant_figures, side)
        return max(price, market.tick_size)

    def _client_order_id(self, given: str | None) -> str:
        if given is None:
            return self._new_client_order_id()
        self._check_client_order_id(given)
        return given

    @abc.abstractmethod
    def _new_client_order_id(self) -> str:
        """A fresh client order id meeting the venue's constraint, unique under concurrency."""

    @abc.abstractmethod
    def _check_client_order_id(self, client_order_id: str) -> None:
        """Raise ``InvalidOrderError`` if a caller-supplied id violates the venue's format."""

    @abc.abstractmethod
    async def _submit_order(self, request: OrderRequest) -> OrderResult:
        """Send a validated order. Implementations must resolve an unknown outcome (timeout,
        dropped connection) by looking the order up by ``request.client_order_id`` — see
        ``exchange_clients.common.submission`` — and never resend blindly."""

    @abc.abstractmethod
    async def cancel_order(self, order_id: str, symbol: str) -> OrderInfo:
        """Cancel one order; returns its final state. ``OrderNotFoundError`` if unknown."""

    @abc.abstractmethod
    async def cancel_all_orders(self, symbol: str | None = None) -> int:
        """Cancel every open order (of ``symbol``, or of all markets); returns how many."""

    @abc.abstractmethod
    async def get_order_info(self, order_id: str, symbol: str, *,
                             force_refresh: bool = False) -> OrderInfo:
        """Current state of an order: from the live order feed unless ``force_refresh``.
        ``OrderNotFoundError`` if the venue does not know it."""

    @abc.abstractmethod
    async def get_order_by_client_id(self, client_order_id: str, symbol: str) -> OrderInfo | None:
        """Look an order up by its client id (open or recently closed); ``None`` if absent."""

    @abc.abstractmethod
    async def get_active_orders(self, symbol: str | None = None) -> list[OrderInfo]:
        """Open orders (of ``symbol``, or of all markets), from the venue."""

    async def await_order_update(self, order_id: str, timeout: float, *,
                                 symbol: str | None = None) -> OrderInfo:
        """Wait up to ``timeout`` s for the next update of ``order_id`` on the event stream and
        return it. Raises ``asyncio.TimeoutError`` if none arrives."""
        async with self.events.subscribe(kinds={"order"}) as stream:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError(f"no update for order {order_id} within {timeout}s")
                event = await stream.get(remaining)
                order = event.order  # type: ignore[union-attr]
                if order.order_id == order_id and (symbol is None or order.symbol == symbol):
                    return order

    # ---- account -------------------------------------------------------------------------

    @abc.abstractmethod
    async def get_account_balance(self) -> Decimal:
        """Available collateral (equity minus margin in use), in the quote currency."""

    @abc.abstractmethod
    async def get_total_asset_value(self) -> Decimal:
        """Account equity: collateral plus unrealised PnL."""

    @abc.abstractmethod
    async def get_account_pnl(self) -> AccountPnL:
        """Unrealised (and where the venue reports them, realised/funding/fee) PnL."""

    @abc.abstractmethod
    async def get_account_positions(self) -> list[PositionSnapshot]:
        """Every non-flat position."""

    async def get_position_snapshot(self, symbol: str) -> PositionSnapshot:
        """Position in ``symbol``; a flat snapshot (quantity 0) if none."""
        market = await self.get_contract_attributes(symbol)
        for position in await self.get_account_positions():
            if position.symbol == market.symbol:
                return position
        return PositionSnapshot(venue=self.get_exchange_name(), symbol=market.symbol,
                                quantity=Decimal(0), entry_price=None)

    @abc.abstractmethod
    async def get_leverage_info(self, symbol: str) -> LeverageInfo:
        """Current and maximum leverage for ``symbol``."""

    @abc.abstractmethod
    async def set_leverage(self, symbol: str, leverage: Decimal) -> LeverageInfo:
        """Set leverage; ``InvalidOrderError`` (code ``LEVERAGE``) above the market maximum,
        checked before the network."""

    def _check_leverage(self, market: MarketInfo, leverage: Decimal) -> Decimal:
        value = validate_number(leverage, "leverage", market.venue)
        if value > market.max_leverage:
            raise InvalidOrderError(market.venue, f"{market.symbol}: leverage {value} exceeds "
                                    f"the maximum {market.max_leverage}", code="LEVERAGE",
                                    field="leverage")
        return value

    @abc.abstractmethod
    async def get_funding_payments(self, symbol: str | None = None,
                                   since: datetime | None = None) -> list[FundingPayment]:
        """Funding paid/received, oldest first."""

    @abc.abstractmethod
    async def get_user_trade_history(self, symbol: str | None = None, since: datetime | None = None,
                                     until: datetime | None = None) -> list[Fill]:
        """The account's fills, oldest first."""

    # ---- helpers for subclasses ----------------------------------------------------------

    def _order_not_found(self, order_id: str) -> OrderNotFoundError:
        return OrderNotFoundError(self.get_exchange_name(), f"order {order_id} not found",
                                  code="NOT_FOUND")

    def __repr__(self) -> str:
        # the config repr shows SecretStr as '**********'
        return f"{type(self).__name__}({self.config!r})"
