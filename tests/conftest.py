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


@pytest.fixture(autouse=True)
def _restore_perpdex_logging() -> Generator[None, None, None]:
    """A CLI test runs the app's callback, which configures the ``perpdex`` logger tree for the
    command's console (stopping propagation, a handler on a stream CliRunner then closes).
    Put it back after every test so log capture in later tests sees our records."""
    import logging

    root = logging.getLogger("perpdex")
    saved = (list(root.handlers), root.level, root.propagate)
    yield
    for handler in list(root.handlers):
        if handler not in saved[0]:
            root.removeHandler(handler)
            handler.close()
    for handler in saved[0]:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(saved[1])
    root.propagate = saved[2]
