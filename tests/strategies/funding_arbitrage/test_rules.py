"""The exit rules, liquidation distance, configuration, and a dry run."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from database import Database
from exchange_clients.models import PositionSnapshot
from funding_rate_service import FeeMode, Opportunity, OpportunityLeg, price_pair
from helpers.config import ConfigError
from strategies.funding_arbitrage import (
    ExitReason,
    FundingArbStrategy,
    decide_exit,
    load_funding_arb_config,
)
from strategies.funding_arbitrage.config import ExitConfig, FundingArbConfig
from strategies.funding_arbitrage.monitor import LegView, PositionView, liquidation_distance
from strategies.funding_arbitrage.scanner import Candidate, ScanReport
from tests.strategies.funding_arbitrage.harness import LONG, SHORT, harness, make_config
from tests.strategies.simkit import client_venues

D = Decimal
EXAMPLE = Path(__file__).resolve().parents[3] / "configs" / "funding_arb.example.yaml"
RULES = ExitConfig(min_spread_8h=D("0.0002"), below_threshold_checks=3, max_age_hours=D(48),
                   liquidation_buffer=D("0.1"))


def leg(side: str, distance: str | None = None) -> LegView:
    return LegView(venue="v", side=side, quantity=D(1) if side == "long" else D(-1), entry_price=D(100),
                   mark_price=D(100), liquidation_price=None,
                   liquidation_distance=None if distance is None else D(distance),
                   funding=D(0), fees=D(0), price_pnl=D(0))


def view(spread: str | None = "0.001", checks: int = 0, age: str = "1", long_distance: str | None = None,
         short_distance: str | None = None) -> PositionView:
    return PositionView(id="p", symbol="BTC", status="open", long=leg("long", long_distance),
                        short=leg("short", short_distance), entry_spread_8h=D("0.0015"),
                        current_spread_8h=None if spread is None else D(spread), age_hours=D(age),
                        below_threshold_checks=checks)


def test_hold_while_the_spread_pays() -> None:
    assert decide_exit(view(), RULES) is None
    assert decide_exit(view(spread=None), RULES) is None        # no data: never exit on a guess


def test_liquidation_risk_wins_over_everything_and_is_an_emergency() -> None:
    decision = decide_exit(view(spread="-0.01", checks=9, age="100", short_distance="0.05"), RULES)
    assert decision is not None and decision.reason is ExitReason.LIQUIDATION_RISK and decision.emergency


def test_flip_threshold_and_age() -> None:
    flipped = decide_exit(view(spread="-0.0001"), RULES)
    assert flipped is not None and flipped.reason is ExitReason.SPREAD_FLIPPED and not flipped.emergency
    assert decide_exit(view(spread="0.0001", checks=2), RULES) is None
    below = decide_exit(view(spread="0.0001", checks=3), RULES)
    assert below is not None and below.reason is ExitReason.SPREAD_BELOW_THRESHOLD
    old = decide_exit(view(age="48"), RULES)
    assert old is not None and old.reason is ExitReason.MAX_AGE
    assert decide_exit(view(spread="-0.0001"), replace_rules(exit_on_flip=False)) is None


def replace_rules(**changes: object) -> ExitConfig:
    return RULES.model_copy(update=changes)


def test_liquidation_distance_per_side() -> None:
    long = PositionSnapshot(venue="v", symbol="BTC", quantity=D(1), entry_price=D(100), mark_price=D(100),
                            liquidation_price=D(80))
    short = replace_snapshot(long, quantity=D(-1), liquidation_price=D(125))
    assert liquidation_distance(long) == D("0.2") and liquidation_distance(short) == D("0.25")
    assert liquidation_distance(replace_snapshot(long, liquidation_price=None)) is None
    assert liquidation_distance(replace_snapshot(long, liquidation_price=D(101))) == 0   # past it


def replace_snapshot(snapshot: PositionSnapshot, **changes: object) -> PositionSnapshot:
    return snapshot.model_copy(update=changes)


def test_net_pnl_identity_of_a_view() -> None:
    v = view()
    v = replace(v, long=replace(v.long, funding=D(3), fees=D("0.5"), price_pnl=D(-2)),
                short=replace(v.short, funding=D(1), fees=D("0.25"), price_pnl=D("2.5")))
    assert v.net_pnl == v.funding - v.fees + v.price_pnl == D("3.75")


def test_example_config_loads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    config = load_funding_arb_config(EXAMPLE)   # runs as shipped: no environment needed
    assert isinstance(config, FundingArbConfig) and len(config.venues) >= 2
    assert config.notifications.telegram is None
    # the commented Telegram block, switched on, reads its token from the environment
    text = EXAMPLE.read_text().replace("notifications: {}", "notifications:")
    for key in ("telegram:", "bot_token:", "chat_id:"):
        text = text.replace(f"#  {key}", f"  {key}").replace(f"#    {key}", f"    {key}")
    with_telegram = tmp_path / "telegram.yaml"
    with_telegram.write_text(text)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:abc")
    monkeypatch.setenv("TELEGRAM_CHAT_ID", "7")
    config = load_funding_arb_config(with_telegram)
    assert config.notifications.telegram is not None
    assert "1:abc" not in repr(config)


def test_bad_configs_name_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("venues: {lighter: {account: main}}\nlimits: {position_notional_usd: 10, "
                   "total_notional_usd: 5, max_unhedged_notional_usd: 20}\n")
    with pytest.raises(ConfigError) as error:
        load_funding_arb_config(bad)
    assert "venues" in str(error.value) and "limits" in str(error.value)


@pytest.mark.skipif(not {LONG, SHORT} <= set(client_venues()),
                    reason="needs the Lighter and Aster simulator modules and clients")
async def test_dry_run_places_no_order(db: Database) -> None:
    async with harness() as h:
        strategy = h.strategy(db, make_config(dry_run=True))
        await strategy.reconcile()
        await strategy.step()
        assert h.position(LONG) == 0 and h.position(SHORT) == 0
        assert not await db.orders.unresolved() and not await db.positions.find()
        notes = await db.notifications.list()
        assert any("dry run" in n.title and "would enter" in n.body for n in notes)


def _opportunity(spread: str, fee: str = "0.0005", horizon: str = "24") -> Opportunity:
    figures = price_pair(D(0), D(spread), D(fee), D(fee), D(horizon))
    now = datetime.now(UTC)
    legs = {side: OpportunityLeg(venue=venue, side=side, rate_8h=D(rate), raw_rate=D(rate),
                                 interval_hours=D(8), fee=D(fee), sampled_at=now)
            for side, venue, rate in (("long", "aster", "0"), ("short", "lighter", spread))}
    return Opportunity(symbol="ETH", long=legs["long"], short=legs["short"], spread_8h=figures.spread_8h,
                       gross_apr=figures.gross_apr, round_trip_fee=figures.round_trip_fee,
                       horizon_hours=D(horizon), funding_return=figures.funding_return,
                       net_return=figures.net_return, net_apr=figures.net_apr,
                       breakeven_hours=figures.breakeven_hours, fee_mode=FeeMode.TAKER, as_of=now)


async def test_rotation_only_when_the_gain_covers_the_round_trip(db: Database) -> None:
    config = make_config(rotation={"enabled": True, "min_gain": "0.001"})
    strategy = FundingArbStrategy(config, clients={LONG: object(), SHORT: object()},  # type: ignore[dict-item]
                                  db=db, service=None)  # type: ignore[arg-type]
    current = view(spread="0.0005")              # earns 0.0015 over 24 h
    strategy.last_scan = None
    assert await strategy._rotation(None, current) is None  # type: ignore[arg-type]
    for spread, rotates in (("0.0012", False),   # 0.0036 − 0.002 fees = 0.0016: +0.0001, not enough
                            ("0.0025", True)):   # 0.0075 − 0.002 = 0.0055: +0.004
        candidate = Candidate(_opportunity(spread), None, None, None, None, D(0))  # type: ignore[arg-type]
        strategy.last_scan = ScanReport((candidate,), 1, {})
        decision = await strategy._rotation(None, current)  # type: ignore[arg-type]
        assert (decision is not None and decision.reason is ExitReason.ROTATION) is rotates
