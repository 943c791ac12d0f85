"""A clock tests move forward: the system's time plus what the test has advanced it by."""

from datetime import datetime, timedelta

from punte_platform.clock import SYSTEM_CLOCK


class AdvancingClock:
    """Runs with the system clock, and jumps ahead when a test calls `advance`."""

    def __init__(self) -> None:
        self.offset = 0.0

    def advance(self, seconds: float) -> None:
        """Move the clock `seconds` ahead, as if that much time had passed."""
        self.offset += seconds

    def now(self) -> datetime:
        """The system's time plus the offset."""
        return SYSTEM_CLOCK.now() + timedelta(seconds=self.offset)

    def monotonic(self) -> float:
        """The system's monotonic time plus the offset."""
        return SYSTEM_CLOCK.monotonic() + self.offset


class StoppedClock(AdvancingClock):
    """Stands still until a test calls `advance`: for rules measured in seconds, which the
    real seconds a slow step takes (a password hash) would otherwise race."""

    def __init__(self) -> None:
        super().__init__()
        self._wall = SYSTEM_CLOCK.now()
        self._monotonic = SYSTEM_CLOCK.monotonic()

    def now(self) -> datetime:
        """The time of creation plus the offset."""
        return self._wall + timedelta(seconds=self.offset)

    def monotonic(self) -> float:
        """The monotonic time of creation plus the offset."""
        return self._monotonic + self.offset
