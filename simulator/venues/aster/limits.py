"""Aster's rate limits: request weight per IP, order counts per account, 429 → 418 bans.

* REQUEST_WEIGHT: ``weight_limit`` (2400) per IP per calendar minute; every response carries
  ``X-MBX-USED-WEIGHT-1M``. Past the limit a request is answered 429 ``-1003`` with ``Retry-After``
  (seconds to the next minute) and its weight is not counted.
* 418 ban — the trigger (Aster documents only "failing to back off after receiving 429s"): an IP
  that sends more than ``ban_after`` further requests in the same minute window after its first
  429 is banned. Bans last 2 minutes, doubling for each repeat offence up to 3 days; while banned
  every request is answered 418 ``-1003`` "Way too many requests; IP(...) banned until ..." with
  ``Retry-After`` = the rest of the ban.
* ORDERS: ``orders_per_minute`` (1200) and ``orders_per_10s`` (300) new orders per account; order
  responses carry ``X-MBX-ORDER-COUNT-1M``/``-10S``; past either limit ``-1015`` with HTTP 429.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.venues.aster.errors import TOO_MANY_REQUESTS, AsterError

__all__ = ["RateLimits"]

_MINUTE_MS = 60_000
_TEN_S_MS = 10_000


@dataclass
class _IpState:
    window: int = -1
    used: int = 0
    strikes: int = 0
    ban_until: int = 0
    bans: int = 0


@dataclass
class _OrderState:
    minute: int = -1
    per_minute: int = 0
    ten_s: int = -1
    per_10s: int = 0


class RateLimits:
    def __init__(self) -> None:
        self.weight_limit = 2400
        self.orders_per_minute = 1200
        self.orders_per_10s = 300
        self.ban_after = 10
        self.ban_base_ms = 120_000
        self.ban_max_ms = 3 * 86_400_000
        self._ips: dict[str, _IpState] = {}
        self._orders: dict[int, _OrderState] = {}

    def used(self, ip: str, now_ms: int) -> int:
        state = self._ips.get(ip)
        return state.used if state is not None and state.window == now_ms // _MINUTE_MS else 0

    def charge(self, ip: str, weight: int, now_ms: int) -> int:
        """Count ``weight`` for ``ip``; raises the 429/418 error instead when over the limit."""
        state = self._ips.setdefault(ip, _IpState())
        if state.ban_until > now_ms:
            raise self._banned(ip, state, now_ms)
        window = now_ms // _MINUTE_MS
        if state.window != window:
            state.window, state.used, state.strikes = window, 0, 0
        if state.used + weight <= self.weight_limit:
            state.used += weight
            return state.used
        state.strikes += 1
        if state.strikes > self.ban_after:
            state.bans += 1
            state.ban_until = now_ms + min(self.ban_base_ms << (state.bans - 1), self.ban_max_ms)
            raise self._banned(ip, state, now_ms)
        retry = math.ceil(((window + 1) * _MINUTE_MS - now_ms) / 1000)
        raise AsterError(TOO_MANY_REQUESTS,
                         f"Too many requests; current limit of IP({ip}) is {self.weight_limit} requests per "
                         "minute. Please use the websocket for live updates to avoid polling the API.",
                         429, {"Retry-After": str(max(1, retry))})

    def _banned(self, ip: str, state: _IpState, now_ms: int) -> AsterError:
        retry = math.ceil((state.ban_until - now_ms) / 1000)
        return AsterError(TOO_MANY_REQUESTS,
                          f"Way too many requests; IP({ip}) banned until {state.ban_until}. Please use the "
                          "websocket for live updates to avoid bans.", 418,
                          {"Retry-After": str(max(1, retry))})

    def count_order(self, account_id: int, now_ms: int) -> dict[str, str]:
        """Count one new order; returns the order-count headers or raises ``-1015``."""
        state = self._orders.setdefault(account_id, _OrderState())
        minute, ten_s = now_ms // _MINUTE_MS, now_ms // _TEN_S_MS
        if state.minute != minute:
            state.minute, state.per_minute = minute, 0
        if state.ten_s != ten_s:
            state.ten_s, state.per_10s = ten_s, 0
        if state.per_minute >= self.orders_per_minute:
            raise AsterError(-1015, f"Too many new orders; current limit is {self.orders_per_minute} orders "
                                    "per MINUTE.", 429, self._order_headers(state))
        if state.per_10s >= self.orders_per_10s:
            raise AsterError(-1015, f"Too many new orders; current limit is {self.orders_per_10s} orders "
                                    "per 10 SECOND.", 429, self._order_headers(state))
        state.per_minute += 1
        state.per_10s += 1
        return self._order_headers(state)

    @staticmethod
    def _order_headers(state: _OrderState) -> dict[str, str]:
        return {"X-MBX-ORDER-COUNT-1M": str(state.per_minute), "X-MBX-ORDER-COUNT-10S": str(state.per_10s)}
