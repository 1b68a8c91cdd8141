"""Fixtures for strategy tests: an isolated data directory and SQLite database per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from database import Database


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("PERPDEX_DATA_DIR", str(data))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return data


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(f"sqlite+aiosqlite:///{tmp_path / 'strategy.db'}") as database:
        yield database
