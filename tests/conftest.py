"""Suite-wide guards: a test fails when it leaks what an async trading process must not.

* an unclosed aiohttp session or connector (ResourceWarning → error, via filterwarnings);
* a coroutine never awaited (RuntimeWarning → error);
* a task whose exception was never retrieved, or any other error reported to the event loop's
  exception handler — recorded by the policy below and raised at the test's teardown, after
  a garbage collection so that abandoned tasks are found.
"""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Generator
from typing import Any

import pytest

_LOOP_ERRORS: list[dict[str, Any]] = []


def _record(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    _LOOP_ERRORS.append(context)
    loop.default_exception_handler(context)


def _recording_loop() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(_record)
    return loop


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Any]:
    return {"asyncio": _recording_loop}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    yield
    gc.collect()
    errors = list(_LOOP_ERRORS)
    _LOOP_ERRORS.clear()
    if errors:
        lines = [f"- {c.get('message')}: {c.get('exception')!r}" for c in errors]
        pytest.fail("the event loop reported unhandled errors:\n" + "\n".join(lines),
                    pytrace=False)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("PERPDEX_LIVE") == "1":
        return
    skip_live = pytest.mark.skip(reason="live venue test: set PERPDEX_LIVE=1 and credentials")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip_live)
