"""Rate limits per API key, per user and per client address: token buckets in process memory."""

# The buckets live in this process. With N gateway replicas a caller may get up to N times
# its limit (less in practice, as a load balancer spreads its calls). Accepted for now: the
# limit protects each replica and stops runaway integrations; it is not billing. An exact
# limit across replicas needs a shared store (NATS KV, the database) and a round trip per call.

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from fastapi import FastAPI, Request

from punte_gateway.auth.principal import Principal, PrincipalKind
from punte_gateway.settings import GatewaySettings

# A bucket idle this long is full again, so forgetting it changes nothing.
WINDOW_SECONDS = 60.0
# Beyond this many tracked callers the least recently seen are forgotten (memory bound).
MAX_BUCKETS = 100_000
_PRUNE_EVERY = 1000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets holding a minute's allowance each, refilled evenly."""

    # Bursts up to the per-minute limit pass at once, then calls pass at the refill rate.
    # No locks: `hit` never awaits, and the gateway runs one event loop per process.

    def __init__(
        self, settings: GatewaySettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings
        self.clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._hits = 0

    def hit(self, key: str, limit_per_minute: int) -> float | None:
        """Take one call from `key`'s allowance: None if allowed, else seconds to wait."""
        now = self.clock()
        rate = limit_per_minute / WINDOW_SECONDS
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(tokens=float(limit_per_minute), updated=now)
            self._buckets[key] = bucket
        else:
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(float(limit_per_minute), bucket.tokens + elapsed * rate)
            bucket.updated = now
            self._buckets.move_to_end(key)
        self._hits += 1
        if self._hits % _PRUNE_EVERY == 0 or len(self._buckets) > MAX_BUCKETS:
            self._prune(now)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return (1.0 - bucket.tokens) / rate

    def _prune(self, now: float) -> None:
        """Forget buckets idle for a full window, then the oldest beyond the cap."""
        while self._buckets:
            key, bucket = next(iter(self._buckets.items()))
            if now - bucket.updated < WINDOW_SECONDS and len(self._buckets) <= MAX_BUCKETS:
                break
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


@cache
def _networks(entries: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(entry, strict=False) for entry in entries)


def _trusted(address: str, networks: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def is_trusted_proxy(address: str, settings: GatewaySettings) -> bool:
    """Whether a peer is one of the configured reverse proxies."""
    return _trusted(address, _networks(tuple(settings.trusted_proxies)))


def client_address(request: Request, settings: GatewaySettings) -> str:
    """The caller's address: the peer's, unless the peer is a trusted proxy; then the last
    X-Forwarded-For entry that is not a trusted proxy (entries left of it are the caller's
    to forge)."""
    peer = request.client.host if request.client else "unknown"
    networks = _networks(tuple(settings.trusted_proxies))
    if not _trusted(peer, networks):
        return peer
    forwarded = [
        entry.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for entry in header.split(",")
    ]
    for entry in reversed(forwarded):
        if not _trusted(entry, networks):
            try:
                return str(ip_address(entry))
            except ValueError:
                return peer
    return peer


def limit_for(
    principal: Principal | None, settings: GatewaySettings, client: str = "unknown"
) -> tuple[str, int]:
    """The bucket and per-minute limit of a caller: per key, per user, else per address."""
    if principal is None:
        return f"ip:{client}", settings.rate_limit_anonymous_per_minute
    if principal.kind is PrincipalKind.API_KEY:
        return principal.actor, settings.rate_limit_api_key_per_minute
    return principal.actor, settings.rate_limit_user_per_minute


def limiter_of(app: FastAPI, settings: GatewaySettings) -> RateLimiter:
    """The app's limiter (GraphQL and REST share it, so a key has one allowance)."""
    limiter = getattr(app.state, "rate_limiter", None)
    if not isinstance(limiter, RateLimiter):
        limiter = RateLimiter(settings)
        app.state.rate_limiter = limiter
    return limiter


def check_request(
    request: Request, principal: Principal | None, settings: GatewaySettings
) -> int | None:
    """Count one call of this request's caller: None if allowed, else whole seconds to wait."""
    key, limit = limit_for(principal, settings, client_address(request, settings))
    wait = limiter_of(request.app, settings).hit(key, limit)
    return None if wait is None else max(1, math.ceil(wait))
