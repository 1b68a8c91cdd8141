"""Funding-rate arbitrage: delta-neutral two-venue positions, entered, held and exited safely.

See docs/STRATEGIES.md. Entry points: :class:`FundingArbStrategy` (one check per ``step``),
:func:`run_lifecycle` (enter → hold → exit with a summary), :func:`load_funding_arb_config`.
"""

from strategies.funding_arbitrage.config import FundingArbConfig, load_funding_arb_config
from strategies.funding_arbitrage.lifecycle import (
    LifecycleIncompleteError,
    LifecycleSummary,
    run_lifecycle,
)
from strategies.funding_arbitrage.monitor import ExitDecision, ExitReason, PositionView, decide_exit
from strategies.funding_arbitrage.sizing import SizingInputs, SizingResult, common_step, size_position
from strategies.funding_arbitrage.strategy import FundingArbStrategy
from strategies.funding_arbitrage.trading import ClosedPosition

__all__ = [
    "FundingArbConfig", "load_funding_arb_config", "LifecycleIncompleteError", "LifecycleSummary",
    "run_lifecycle", "ExitDecision", "ExitReason", "PositionView", "decide_exit", "SizingInputs",
    "SizingResult", "common_step", "size_position", "FundingArbStrategy", "ClosedPosition",
]
