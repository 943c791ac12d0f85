"""The time a service reads: the system's, or one a test moves forward instead of sleeping."""

import time
from datetime import datetime
from typing import Protocol

from punte_platform.db import utcnow


class Clock(Protocol):
    """Wall time for what is stored and compared with stored times; monotonic for intervals."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary start that never goes back."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        return utcnow()

    def monotonic(self) -> float:
        """`time.monotonic()`."""
        return time.monotonic()


SYSTEM_CLOCK = SystemClock()
