"""The grid's realised PnL, from fills only (average-cost accounting), each trade once.

Built at start-up from every journaled fill of the grid (``orders.position_fills``), then fed
the fills the order watcher sees; a trade id is applied once whichever way it arrived (feed,
REST history, journal). Fees are the venues' own (negative: rebate).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

__all__ = ["Ledger"]

ZERO = Decimal(0)


@dataclass
class Ledger:
    quantity: Decimal = ZERO            # signed position built from the grid's own fills
    average_price: Decimal = ZERO
    realized: Decimal = ZERO            # price PnL of the closed part, before fees
    fees: Decimal = ZERO
    volume: Decimal = ZERO              # traded notional
    fills: int = 0
    _seen: set[str] = field(default_factory=set, repr=False)

    @property
    def net(self) -> Decimal:
        return self.realized - self.fees

    def apply(self, trade_id: str, side: str, quantity: Decimal, price: Decimal, fee: Decimal) -> bool:
        """Apply one fill (``side`` ``"buy"``/``"sell"``); False if the trade was seen before."""
        if trade_id in self._seen:
            return False
        self._seen.add(trade_id)
        signed = quantity if side == "buy" else -quantity
        self.fees += fee
        self.volume += quantity * price
        self.fills += 1
        held = self.quantity
        if held == 0 or (held > 0) == (signed > 0):
            total = abs(held) + quantity
            self.average_price = (self.average_price * abs(held) + price * quantity) / total
            self.quantity = held + signed
            return True
        closing = min(quantity, abs(held))
        self.realized += closing * (price - self.average_price) * (1 if held > 0 else -1)
        self.quantity = held + signed
        if self.quantity == 0:
            self.average_price = ZERO
        elif (self.quantity > 0) != (held > 0):          # flipped: the rest opens at this price
            self.average_price = price
        return True
