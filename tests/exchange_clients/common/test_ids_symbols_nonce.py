from __future__ import annotations

import asyncio
from decimal import Decimal as D

import pytest

from exchange_clients.common.ids import HexIds, StringIds, TimeOrderedIntIds
from exchange_clients.common.nonce import SequentialNonces, TimestampNonces
from exchange_clients.common.symbols import (
    from_venue_price,
    from_venue_quantity,
    normalize,
    split_multiplier,
    to_venue_price,
    to_venue_quantity,
    with_multiplier,
)


class FrozenClock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


class TestClientOrderIds:
    def test_lighter_ids_fit_48_bits_and_are_unique_within_one_millisecond(self) -> None:
        clock = FrozenClock(1_800_000_000.0)
        ids = TimeOrderedIntIds(bits=48, tick_seconds=0.001, per_tick=100, clock=clock)
        values = [ids.next() for _ in range(10_000)]  # all in one frozen millisecond
        assert len(set(values)) == len(values)
        assert all(1 <= v < 2**48 for v in values)
        assert values == sorted(values)

    def test_ids_never_go_backwards_when_the_clock_does(self) -> None:
        clock = FrozenClock(1_800_000_000.0)
        ids = TimeOrderedIntIds(bits=48, tick_seconds=0.001, per_tick=100, clock=clock)
        first = ids.next()
        clock.t -= 5
        assert ids.next() > first

    def test_restart_starts_above_a_previous_process(self) -> None:
        clock = FrozenClock(1_800_000_000.0)
        before = TimeOrderedIntIds(bits=48, tick_seconds=0.001, per_tick=100, clock=clock)
        issued = [before.next() for _ in range(50)]
        clock.t += 0.01  # restart 10 ms later
        after = TimeOrderedIntIds(bits=48, tick_seconds=0.001, per_tick=100, clock=clock)
        assert after.next() > max(issued)

    def test_no_wraparound_like_the_modulo_trap(self) -> None:
        clock = FrozenClock(1_800_000_000.0)
        ids = TimeOrderedIntIds(bits=48, tick_seconds=0.001, per_tick=100, clock=clock)
        a = ids.next()
        clock.t += 1000.0  # `ms % 1_000_000` would wrap here
        assert ids.next() > a

    def test_uint32_space_and_exhaustion_is_an_error(self) -> None:
        clock = FrozenClock(1_735_689_600.0 + 10)
        ids = TimeOrderedIntIds(bits=32, tick_seconds=1, per_tick=32, epoch=1_735_689_600.0, clock=clock)
        assert 0 < ids.next() < 2**32
        clock.t += 2**32  # far beyond the space
        with pytest.raises(OverflowError):
            ids.next()

    async def test_concurrent_coroutines_get_unique_ids(self) -> None:
        ids = TimeOrderedIntIds(bits=48, tick_seconds=0.001, per_tick=100)

        async def take() -> list[int]:
            out = []
            for _ in range(200):
                out.append(ids.next())
                await asyncio.sleep(0)
            return out

        results = await asyncio.gather(*(take() for _ in range(20)))
        flat = [v for r in results for v in r]
        assert len(set(flat)) == len(flat) == 4000

    def test_string_ids_meet_the_aster_format(self) -> None:
        ids = StringIds()
        values = {ids.next() for _ in range(5000)}
        assert len(values) == 5000
        assert all(ids.is_valid(v) and len(v) <= 36 for v in values)

    def test_hex_ids_are_128_bit_cloids(self) -> None:
        ids = HexIds()
        values = {ids.next() for _ in range(2000)}
        assert len(values) == 2000
        assert all(HexIds.is_valid(v) for v in values)
        assert not HexIds.is_valid("0x1234")


class TestSymbols:
    @pytest.mark.parametrize(("venue_symbol", "expected"), [
        ("BTC-USD-PERP", ("BTC", D(1))),
        ("SOL_USDC_PERP", ("SOL", D(1))),
        ("kPEPE_USDC_PERP", ("PEPE", D(1000))),
        ("kPEPE", ("PEPE", D(1000))),
        ("1000PEPEUSDT", ("PEPE", D(1000))),
        ("1000000MOGUSDT", ("MOG", D(1_000_000))),
        ("ETHUSDT", ("ETH", D(1))),
        ("XRP", ("XRP", D(1))),
        ("XRPUSDT", ("XRP", D(1))),
        ("KAS", ("KAS", D(1))),
        ("1INCH", ("1INCH", D(1))),
        ("BTC-PERP", ("BTC", D(1))),
    ])
    def test_normalize(self, venue_symbol: str, expected: tuple[str, D]) -> None:
        assert normalize(venue_symbol) == expected

    def test_round_trip_of_multiplier_prefix(self) -> None:
        assert split_multiplier(with_multiplier("PEPE", D(1000))) == ("PEPE", D(1000))
        assert with_multiplier("PEPE", D(1000), style="1000") == "1000PEPE"
        with pytest.raises(ValueError):
            with_multiplier("PEPE", D(7))

    def test_quantity_and_price_conversion_are_exact_inverses(self) -> None:
        assert to_venue_quantity(D(5000), D(1000)) == D(5)
        assert from_venue_quantity(D(5), D(1000)) == D(5000)
        assert to_venue_price(D("0.0000123"), D(1000)) == D("0.0123")
        assert from_venue_price(D("0.0123"), D(1000)) == D("0.0000123")


class TestSequentialNonces:
    async def test_concurrent_slots_are_serialised_and_consecutive(self) -> None:
        venue_next = 100
        sent: list[int] = []

        async def fetch() -> int:
            return venue_next

        nonces = SequentialNonces(fetch)

        async def submit() -> None:
            async with nonces.slot() as slot:
                await asyncio.sleep(0)  # the "network"
                sent.append(slot.nonce)
                slot.consumed()

        await asyncio.gather(*(submit() for _ in range(50)))
        assert sent == list(range(100, 150))
        assert nonces.resyncs == 1

    async def test_failure_inside_the_slot_forces_a_resync(self) -> None:
        calls = 0

        async def fetch() -> int:
            nonlocal calls
            calls += 1
            return 7 if calls == 1 else 42

        nonces = SequentialNonces(fetch)
        with pytest.raises(TimeoutError):
            async with nonces.slot() as slot:
                assert slot.nonce == 7
                raise TimeoutError
        async with nonces.slot() as slot:
            assert slot.nonce == 42  # re-read from the venue, not guessed
            slot.consumed()
        assert calls == 2

    async def test_unused_nonce_is_reused_without_resync(self) -> None:
        async def fetch() -> int:
            return 5

        nonces = SequentialNonces(fetch)
        async with nonces.slot() as slot:
            slot.unused()
        async with nonces.slot() as slot:
            assert slot.nonce == 5
            slot.consumed()
        async with nonces.slot() as slot:
            assert slot.nonce == 6
            slot.consumed()
        assert nonces.resyncs == 1

    def test_timestamp_nonces_are_unique_in_one_millisecond(self) -> None:
        nonces = TimestampNonces(clock=FrozenClock(1_800_000_000.0))
        values = [nonces.next() for _ in range(1000)]
        assert len(set(values)) == 1000 and values == sorted(values)

    def test_timestamp_nonces_advance_past_a_venue_floor(self) -> None:
        nonces = TimestampNonces(clock=FrozenClock(1_800_000_000.0))
        first = nonces.next()
        nonces.advance_past(first + 5_000)
        assert nonces.next() == first + 5_001
        nonces.advance_past(first)  # never moves backwards
        assert nonces.next() == first + 5_002
