"""The dashboard in a real headless browser (Debian ``chromium``): the page loads its script,
fetches the live API, renders the opportunity table and draws the history chart.

Chromium is driven over the DevTools protocol (remote debugging on a free port, one WebSocket,
``Runtime.evaluate`` polled until the page says it is ready), so the test waits for the page
instead of guessing how long rendering takes. Nothing is installed here; the test is skipped
only when chromium is absent (``.ci/run`` installs it).
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from database import Database
from database.repositories import FundingRateInput
from funding_rate_service import FundingService
from funding_rate_service.api import create_app
from helpers.time import utc_now
from tests.funding_rate_service.fakes import FakeAdapter

CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed "
                                                          "(apt-get install chromium; .ci/run does)")]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0"]


class DevTools:
    """The smallest DevTools-protocol client: one page, evaluate expressions in it."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws, self.ids, self.session_id = ws, itertools.count(1), None

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self.ids)
        payload: dict[str, Any] = {"id": message_id, "method": method, "params": params}
        if self.session_id is not None and not method.startswith(("Target.", "Browser.")):
            payload["sessionId"] = self.session_id
        await self.ws.send_json(payload)
        while True:
            message = await asyncio.wait_for(self.ws.receive_json(), 30)
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result

    async def open(self, url: str) -> None:
        target = await self.call("Target.createTarget", url=url)
        attached = await self.call("Target.attachToTarget", targetId=target["targetId"], flatten=True)
        self.session_id = attached["sessionId"]

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    async def wait_for(self, expression: str, timeout: float = 45) -> Any:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = await self.evaluate(expression)
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"page never satisfied {expression!r}; body: "
                                     f"{await self.evaluate('document.body.innerText')!r}")
            await asyncio.sleep(0.2)


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[DevTools]:
    assert CHROMIUM is not None
    profile = tmp_path / "chromium-profile"
    log = (tmp_path / "chromium.log").open("wb")
    process = await asyncio.create_subprocess_exec(CHROMIUM, *FLAGS, f"--user-data-dir={profile}",
                                                   "about:blank", stdout=log, stderr=log)
    try:
        port_file = profile / "DevToolsActivePort"
        for _ in range(300):
            if port_file.exists() and len(port_file.read_text().splitlines()) >= 2:
                break
            if process.returncode is not None:
                raise AssertionError(f"chromium exited: {(tmp_path / 'chromium.log').read_text()[-2000:]}")
            await asyncio.sleep(0.1)
        port, path = port_file.read_text().splitlines()[:2]
        async with aiohttp.ClientSession() as session, \
                session.ws_connect(f"ws://127.0.0.1:{port}{path}", max_msg_size=0) as ws:
            tools = DevTools(ws)
            yield tools
            await tools.call("Browser.close")
    finally:
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()
        log.close()


async def test_dashboard_renders_live_opportunities_and_history(browser: DevTools, db: Database) -> None:
    fakes = {"lighter": FakeAdapter("lighter", {"BTC": "0.0012", "ETH": "0.0001"}, interval="1", taker="0"),
             "aster": FakeAdapter("aster", {"BTC": "-0.0003", "ETH": "0.0002"}, taker="0.00035")}
    now = utc_now()
    await db.funding.record([FundingRateInput(
        venue=v, symbol="BTC", sampled_at=now - timedelta(hours=h), raw_rate=Decimal("0.0001"),
        normalized_rate=Decimal("0.0001") * (1 if v == "aster" else 8), interval_hours=Decimal(8))
        for v in fakes for h in range(1, 6)])
    service = await FundingService.create(dict.fromkeys(fakes), database=db,
                                          adapter_factory=lambda venue, _c: fakes[venue])
    async with service, TestServer(create_app(service), host="127.0.0.1") as server:
        await service.refresh()
        await browser.open(str(server.make_url("/?refresh=2")))
        await browser.wait_for("document.body.dataset.state === 'ready' && "
                               "document.querySelectorAll('#opportunities tbody tr').length > 0")
        rows = await browser.evaluate(
            "[...document.querySelectorAll('#opportunities tbody tr')]"
            ".map(tr => [...tr.cells].map(td => td.textContent))")
        assert len(rows) == 4
        assert rows[0][1:4] == ["BTC", "aster", "lighter"]          # symbol, long, short
        assert rows[0][4] == "0.1500 %" and rows[0][7] == "138.70 %"
        assert await browser.evaluate("[...document.querySelectorAll('#venues .pill.ok')].length") == 2
        lines = await browser.wait_for(
            "(() => { const l = [...document.querySelectorAll('#chart polyline')];"
            " return l.length === 2 && l.map(p => p.dataset.venue).sort().join(','); })()")
        assert lines == "aster,lighter"
        assert "BTC" in await browser.evaluate("document.getElementById('chart-title').textContent")
        # live: a new quote shows up on the next refresh without reloading the page
        fakes["aster"].rates["BTC"] = "-0.0013"
        await service.refresh()
        await browser.wait_for("[...document.querySelectorAll('#opportunities tbody tr')]"
                               ".some(tr => tr.cells[4].textContent === '0.2500 %')")
        assert await browser.evaluate("document.getElementById('error').textContent") == ""
