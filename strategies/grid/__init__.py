"""Single-venue grid for perpetuals (issue #12; docs/STRATEGIES.md, "Grid").

Post-only opens near the touch in one direction, a reduce-only take-profit for every fill,
up to N take-profits spaced by the grid step; stop price, stop-loss and pause price checked
every cycle before anything else; restart-safe through the database.
"""

from strategies.grid.config import GridConfig, GridSimConfig, load_grid_config
from strategies.grid.ledger import Ledger
from strategies.grid.strategy import GridStrategy, Observation

__all__ = ["GridConfig", "GridSimConfig", "GridStrategy", "Ledger", "Observation", "load_grid_config"]
