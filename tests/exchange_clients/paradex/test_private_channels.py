"""The private-channel authentication of the Paradex WebSocket, against a fake connection:
a refused token is dropped, ``auth`` is re-sent with a fresh one (backing off), and a connection
that keeps refusing is replaced."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from exchange_clients.errors import AuthenticationError
from exchange_clients.paradex.websocket import connection
from exchange_clients.paradex.websocket.connection import PrivateChannels
from exchange_clients.paradex.websocket.manager import ParadexFeed


class FakeConn:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.connected = True
        self.reconnects = 0

    async def send_json(self, payload: dict[str, Any]) -> None:
        self.sent.append(payload)

    async def force_reconnect(self, reason: str) -> None:
        self.reconnects += 1


class Tokens:
    def __init__(self) -> None:
        self.issued = 0
        self.invalidated: list[str] = []
        self.fail = False

    async def get(self) -> str:
        if self.fail:
            raise AuthenticationError("paradex", "auth refused", code="INVALID_TIMESTAMP")
        self.issued += 1
        return f"token-{self.issued}"

    def invalidate(self, token: str) -> None:
        self.invalidated.append(token)


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "_RETRY_INITIAL", 0.01)


def _auths(conn: FakeConn) -> list[dict[str, Any]]:
    return [p for p in conn.sent if p["method"] == "auth"]


async def _until(predicate: Any) -> None:
    for _ in range(200):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met")


async def test_auth_then_private_subscriptions_and_the_reply_marks_it_authenticated() -> None:
    tokens = Tokens()
    private = PrivateChannels(tokens.get, tokens.invalidate)
    conn = FakeConn()
    await private.subscribe(conn)  # type: ignore[arg-type]
    assert [p["method"] for p in conn.sent] == ["auth", "subscribe", "subscribe", "subscribe"]
    assert conn.sent[0]["params"] == {"bearer": "token-1"}
    assert {p["params"]["channel"] for p in conn.sent[1:]} == {"orders.ALL", "fills.ALL", "positions"}
    feed = ParadexFeed("ws://x", private)
    reply = orjson.dumps({"jsonrpc": "2.0", "result": {"node_id": "n"}, "id": conn.sent[0]["id"]})
    assert list(feed.parse(reply)) == []          # consumed: our own auth reply
    assert private.authenticated.is_set() and private.auths == 1
    await private.close()


async def test_a_refused_token_is_renewed_then_the_connection_replaced() -> None:
    tokens = Tokens()
    private = PrivateChannels(tokens.get, tokens.invalidate)
    feed = ParadexFeed("ws://x", private)
    conn = FakeConn()
    await private.subscribe(conn)  # type: ignore[arg-type]
    refusal = orjson.dumps({"jsonrpc": "2.0", "id": conn.sent[0]["id"], "error": {
        "code": 40111, "message": "invalid bearer token", "data": "token is expired"}})
    for attempt in range(1, 3):
        (error,) = feed.parse(refusal)
        assert error.code == "40111"            # still reported to the manager
        await _until(lambda n=attempt: len(_auths(conn)) == n + 1)
        assert _auths(conn)[-1]["params"] == {"bearer": f"token-{attempt + 1}"}
    assert tokens.invalidated == ["token-1", "token-2"]
    feed.parse(refusal)                           # a third refusal on the same connection
    await _until(lambda: conn.reconnects == 1)
    assert len(_auths(conn)) == 3
    await private.close()


async def test_no_token_keeps_the_public_feed_and_retries_later() -> None:
    tokens = Tokens()
    tokens.fail = True
    private = PrivateChannels(tokens.get, tokens.invalidate)
    conn = FakeConn()
    await private.subscribe(conn)  # type: ignore[arg-type]
    assert conn.sent == []                        # nothing private sent; no exception either
    tokens.fail = False
    await _until(lambda: len(_auths(conn)) == 1)
    await private.close()
