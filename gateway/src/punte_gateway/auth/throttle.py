"""Login throttling: growing delays per username and per client address, never a lockout.

Failed logins are counted per attempted username (known or not, so throttling tells nothing
about which accounts exist) and per client address. Past a number of free failures each key
must wait a delay that doubles with every further failure, up to a cap: the cap per username
is short, so a stranger guessing at `admin` from many addresses slows the real admin down by
at most that much, while the cap per address is long. Sessions already open are untouched.

The counts live in this process's memory: with N gateway replicas behind a load balancer an
attacker gets up to N times the attempts (see README, "Limits"); a restart forgets them.
"""

import hashlib
import hmac
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum

from fastapi import FastAPI
from punte_platform.clock import Clock
from punte_platform.runtime import ServiceRuntime

from punte_gateway.settings import GatewaySettings

# Beyond this many tracked keys the least recently failed are forgotten (memory bound).
MAX_KEYS = 100_000


class ThrottleScope(StrEnum):
    """What a throttle counts failures of."""

    USERNAME = "username"
    ADDRESS = "address"


@dataclass(frozen=True)
class Policy:
    """Free failures, then a delay of 1 s doubling per further failure up to `max_delay`."""

    free_failures: int
    max_delay: float

    def delay(self, failures: int) -> float:
        """Seconds a key with this many failures waits after its last one."""
        if failures < self.free_failures:
            return 0.0
        # Bounded exponent: 2**64 would overflow a float long before anyone waits that long.
        return min(self.max_delay, 2.0 ** min(failures - self.free_failures, 64))


@dataclass
class _Failures:
    count: int
    last: float


@dataclass(frozen=True)
class Burst:
    """A key that has just used up its free failures: worth an alert to admins."""

    scope: ThrottleScope
    failures: int


class LoginThrottle:
    """Counts failed logins per username and per address; says how long each must wait."""

    def __init__(self, settings: GatewaySettings, clock: Clock) -> None:
        self.clock = clock
        self.window = float(settings.login_failure_window_seconds)
        self.policies = {
            ThrottleScope.USERNAME: Policy(
                settings.login_free_failures_per_username,
                float(settings.login_max_delay_per_username_seconds),
            ),
            ThrottleScope.ADDRESS: Policy(
                settings.login_free_failures_per_address,
                float(settings.login_max_delay_per_address_seconds),
            ),
        }
        self._failures: OrderedDict[str, _Failures] = OrderedDict()
        # Attempted names are kept as keyed hashes: people type passwords into the name field.
        self._salt = secrets.token_bytes(16)

    def _keys(self, username: str, address: str) -> dict[ThrottleScope, str]:
        digest = hmac.new(self._salt, username.encode(), hashlib.sha256).hexdigest()
        return {ThrottleScope.USERNAME: f"u:{digest}", ThrottleScope.ADDRESS: f"a:{address}"}

    def _current(self, key: str, now: float) -> _Failures | None:
        failures = self._failures.get(key)
        if failures is not None and now - failures.last >= self.window:
            del self._failures[key]
            return None
        return failures

    def wait(self, username: str, address: str) -> float:
        """Seconds before this name from this address may try again; 0 when it may now."""
        now = self.clock.monotonic()
        longest = 0.0
        for scope, key in self._keys(username, address).items():
            failures = self._current(key, now)
            if failures is not None:
                delay = self.policies[scope].delay(failures.count)
                longest = max(longest, failures.last + delay - now)
        return longest

    def attempted(self, username: str, address: str) -> list[Burst]:
        """Count an attempt as a failure against both keys (until it succeeds); the keys it
        has just made throttled."""
        now = self.clock.monotonic()
        bursts: list[Burst] = []
        for scope, key in self._keys(username, address).items():
            failures = self._current(key, now) or _Failures(count=0, last=now)
            failures.count += 1
            failures.last = now
            self._failures[key] = failures
            self._failures.move_to_end(key)
            if failures.count == self.policies[scope].free_failures:
                bursts.append(Burst(scope, failures.count))
        while len(self._failures) > MAX_KEYS:
            self._failures.popitem(last=False)
        return bursts

    def succeeded(self, username: str, address: str) -> None:
        """Undo a successful attempt's count: its name starts over, its address loses the one
        (not more: a sprayer may own an account)."""
        keys = self._keys(username, address)
        self._failures.pop(keys[ThrottleScope.USERNAME], None)
        failures = self._failures.get(keys[ThrottleScope.ADDRESS])
        if failures is not None:
            failures.count = max(0, failures.count - 1)


def login_throttle_of(app: FastAPI, runtime: ServiceRuntime) -> LoginThrottle:
    """The app's login throttle, made on first use with the runtime's clock."""
    throttle = getattr(app.state, "login_throttle", None)
    if not isinstance(throttle, LoginThrottle):
        settings = runtime.settings
        assert isinstance(settings, GatewaySettings)
        throttle = LoginThrottle(settings, runtime.clock)
        app.state.login_throttle = throttle
    return throttle
