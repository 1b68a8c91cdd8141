"""Grid fixtures: one simulated venue per module (manual clock, calm prices), a database per
test on the module's event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from database import Database
from simulator.testing import RunningSimulator, running_simulator
from tests.strategies.grid.kit import calm_scenario


@pytest_asyncio.fixture(loop_scope="module")
async def grid_db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(f"sqlite+aiosqlite:///{tmp_path / 'grid.db'}") as database:
        yield database


async def start_simulator(venue: str) -> AsyncIterator[RunningSimulator]:
    async with running_simulator([venue], calm_scenario()) as sim:
        sim.advance(5)
        yield sim
