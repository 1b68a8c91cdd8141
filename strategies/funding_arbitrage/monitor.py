"""Per-position monitoring and the exit rules.

:func:`build_view` reads each leg's position, mark and liquidation price from its venue, the
funding the venue paid or charged within the position's window, and the fills journaled for
the position, and puts them in one :class:`PositionView`: funding per leg, fees, price PnL,
net PnL (= funding − fees + price), the current funding spread against the entry, the
liquidation distance per leg and the leg imbalance.

:func:`decide_exit` applies the rules in order of urgency: a leg near liquidation first
(an *emergency* exit, taker on both legs), then the spread flipping, the spread staying below
the exit threshold for N checks, and the position's maximum age.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from database.models import StrategyPosition
from exchange_clients.base_client import BaseExchangeClient
from exchange_clients.models import PositionSnapshot
from strategies.funding_arbitrage.config import ExitConfig
from strategies.funding_arbitrage.store import LEG_LONG, LEG_SHORT, LegFills, window

__all__ = ["LegView", "PositionView", "ExitReason", "ExitDecision", "build_view", "decide_exit",
           "liquidation_distance", "funding_total"]

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class LegView:
    venue: str
    side: str                              # "long" | "short"
    quantity: Decimal                      # signed, as the venue reports it
    entry_price: Decimal | None
    mark_price: Decimal | None
    liquidation_price: Decimal | None
    liquidation_distance: Decimal | None   # fraction of the mark; None: no liquidation price
    funding: Decimal                       # + received
    fees: Decimal                          # paid
    price_pnl: Decimal


@dataclass(frozen=True, slots=True)
class PositionView:
    id: str
    symbol: str
    status: str
    long: LegView
    short: LegView
    entry_spread_8h: Decimal | None
    current_spread_8h: Decimal | None
    age_hours: Decimal
    below_threshold_checks: int

    @property
    def imbalance(self) -> Decimal:
        """Long quantity + short quantity (signed): zero when hedged."""
        return self.long.quantity + self.short.quantity

    @property
    def funding(self) -> Decimal:
        return self.long.funding + self.short.funding

    @property
    def fees(self) -> Decimal:
        return self.long.fees + self.short.fees

    @property
    def price_pnl(self) -> Decimal:
        return self.long.price_pnl + self.short.price_pnl

    @property
    def net_pnl(self) -> Decimal:
        return self.funding - self.fees + self.price_pnl

    @property
    def flat(self) -> bool:
        return self.long.quantity == 0 and self.short.quantity == 0


class ExitReason(StrEnum):
    LIQUIDATION_RISK = "liquidation_risk"
    SPREAD_FLIPPED = "spread_flipped"
    SPREAD_BELOW_THRESHOLD = "spread_below_threshold"
    MAX_AGE = "max_age"
    ROTATION = "rotation"
    SHUTDOWN = "shutdown"


@dataclass(frozen=True, slots=True)
class ExitDecision:
    reason: ExitReason
    emergency: bool
    detail: str


def liquidation_distance(snapshot: PositionSnapshot) -> Decimal | None:
    """How far (fraction of the mark) the price may move against the leg before liquidation."""
    mark, liq = snapshot.mark_price, snapshot.liquidation_price
    if mark is None or liq is None or mark <= 0 or snapshot.quantity == 0:
        return None
    distance = (mark - liq) / mark if snapshot.quantity > 0 else (liq - mark) / mark
    return max(distance, ZERO)


async def funding_total(client: BaseExchangeClient, symbol: str, opened: datetime | None,
                        closed: datetime | None) -> Decimal:
    """Funding the venue paid (+) or charged (−) on ``symbol`` within [opened, closed]."""
    if opened is None:
        return ZERO
    since = opened - timedelta(seconds=1)
    payments = await client.get_funding_payments(symbol, since=since)
    return sum((p.amount for p in payments
                if p.timestamp >= since and (closed is None or p.timestamp <= closed)), ZERO)


async def build_view(position: StrategyPosition, clients: dict[str, BaseExchangeClient],
                     fills: dict[int, LegFills], spread_8h: Decimal | None,
                     now: datetime) -> PositionView:
    opened, closed = window(position)
    legs = {leg.leg_index: leg for leg in position.legs}
    views = []
    for index, side in ((LEG_LONG, "long"), (LEG_SHORT, "short")):
        leg = legs[index]
        client = clients[leg.venue]
        snapshot = await client.get_position_snapshot(position.symbol)
        leg_fills = fills.get(index, LegFills(ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO))
        views.append(LegView(
            venue=leg.venue, side=side, quantity=snapshot.quantity,
            entry_price=snapshot.entry_price or leg_fills.entry_price, mark_price=snapshot.mark_price,
            liquidation_price=snapshot.liquidation_price,
            liquidation_distance=liquidation_distance(snapshot),
            funding=await funding_total(client, position.symbol, opened, closed),
            fees=leg_fills.fees, price_pnl=leg_fills.price_pnl(snapshot.mark_price)))
    age = (now - opened) if opened is not None else timedelta(0)
    return PositionView(
        id=position.id, symbol=position.symbol, status=position.status, long=views[0], short=views[1],
        entry_spread_8h=position.entry_spread, current_spread_8h=spread_8h,
        age_hours=Decimal(int(age.total_seconds())) / Decimal(3600),
        below_threshold_checks=int(position.extra.get("below_threshold_checks", 0)))


def decide_exit(view: PositionView, rules: ExitConfig) -> ExitDecision | None:
    """The first exit rule that fires, most urgent first; ``None`` to keep holding."""
    for leg in (view.long, view.short):
        if leg.liquidation_distance is not None and leg.liquidation_distance < rules.liquidation_buffer:
            return ExitDecision(ExitReason.LIQUIDATION_RISK, True,
                                f"{leg.side} leg on {leg.venue} is {leg.liquidation_distance:.2%} from "
                                f"liquidation (buffer {rules.liquidation_buffer:.0%})")
    spread = view.current_spread_8h
    if spread is not None and rules.exit_on_flip and spread < 0:
        return ExitDecision(ExitReason.SPREAD_FLIPPED, False, f"spread {spread} per 8h is negative")
    if view.below_threshold_checks >= rules.below_threshold_checks:
        return ExitDecision(ExitReason.SPREAD_BELOW_THRESHOLD, False,
                            f"spread below {rules.min_spread_8h} for {view.below_threshold_checks} checks")
    if view.age_hours >= rules.max_age_hours:
        return ExitDecision(ExitReason.MAX_AGE, False, f"held {view.age_hours:.1f} h")
    return None
