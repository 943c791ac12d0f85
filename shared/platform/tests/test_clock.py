"""The system clock and the clock tests advance instead of sleeping."""

from datetime import UTC, timedelta

from punte_platform.clock import SYSTEM_CLOCK
from punte_platform.testing.clock import AdvancingClock


def test_the_system_clock_is_utc_and_its_monotonic_time_never_goes_back() -> None:
    assert SYSTEM_CLOCK.now().tzinfo is UTC
    first = SYSTEM_CLOCK.monotonic()
    assert SYSTEM_CLOCK.monotonic() >= first


def test_advancing_moves_both_times_ahead_and_time_still_runs(clock: AdvancingClock) -> None:
    before, before_monotonic = SYSTEM_CLOCK.now(), SYSTEM_CLOCK.monotonic()
    clock.advance(3600)
    clock.advance(60)
    assert clock.now() - before >= timedelta(seconds=3660)
    assert clock.now() - SYSTEM_CLOCK.now() <= timedelta(seconds=3660)
    assert clock.monotonic() - before_monotonic >= 3660
    assert clock.now().tzinfo is UTC
