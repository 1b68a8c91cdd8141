"""Order execution shared by the strategies (docs/STRATEGIES.md).

* :class:`OrderExecutor` — write-ahead placement, unknown-outcome resolution by client order
  id, IOC/bounded-market taking, limit with timeout, cancellation with final state.
* :class:`TwoLegExecutor` — a hedged pair entered or exited with bounded unhedged exposure.
* journals: :class:`DatabaseJournal` (orders/fills tables) and :class:`MemoryJournal`.
"""

from strategies.execution.errors import ExecutionConfigError, ExecutionError, SubmissionUnknownError
from strategies.execution.journal import DatabaseJournal, JournalEntry, MemoryJournal, OrderJournal
from strategies.execution.models import (
    ExecutionOutcome,
    FirstLegStyle,
    LegReport,
    LegSpec,
    TakeResult,
    TwoLegParams,
    TwoLegResult,
    UnwindReport,
)
from strategies.execution.orders import OrderExecutor, Placed, new_client_order_id
from strategies.execution.two_leg import TwoLegExecutor
from strategies.execution.watcher import OrderWatcher

__all__ = [
    "ExecutionConfigError", "ExecutionError", "SubmissionUnknownError", "DatabaseJournal",
    "JournalEntry", "MemoryJournal", "OrderJournal", "ExecutionOutcome", "FirstLegStyle",
    "LegReport", "LegSpec", "TakeResult", "TwoLegParams", "TwoLegResult", "UnwindReport",
    "OrderExecutor", "Placed", "new_client_order_id", "TwoLegExecutor", "OrderWatcher",
]
