"""The token buckets: bursts up to the limit, steady refill, separate callers, bounded memory."""

import pytest
from punte_gateway import ratelimit
from punte_gateway.auth.permissions import Role
from punte_gateway.auth.principal import Principal, PrincipalKind
from punte_gateway.ratelimit import RateLimiter, limit_for
from punte_gateway.settings import GatewaySettings
from punte_platform.ids import new_id


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def settings() -> GatewaySettings:
    return GatewaySettings(
        _env_file=None,  # type: ignore[call-arg]
        rate_limit_user_per_minute=600,
        rate_limit_api_key_per_minute=120,
        rate_limit_anonymous_per_minute=60,
    )


def test_a_burst_up_to_the_limit_passes_then_calls_wait(settings: GatewaySettings) -> None:
    clock = Clock()
    limiter = RateLimiter(settings, clock)
    assert all(limiter.hit("k", 6) is None for _ in range(6))
    wait = limiter.hit("k", 6)
    assert wait == pytest.approx(10.0)  # 6 a minute: one every 10 s
    clock.now += 5
    assert limiter.hit("k", 6) == pytest.approx(5.0)
    clock.now += 5
    assert limiter.hit("k", 6) is None
    assert limiter.hit("k", 6) is not None


def test_callers_have_separate_buckets(settings: GatewaySettings) -> None:
    limiter = RateLimiter(settings, Clock())
    assert limiter.hit("a", 1) is None
    assert limiter.hit("a", 1) is not None
    assert limiter.hit("b", 1) is None


def test_an_idle_bucket_refills_to_the_limit_and_no_further(settings: GatewaySettings) -> None:
    clock = Clock()
    limiter = RateLimiter(settings, clock)
    for _ in range(3):
        limiter.hit("k", 3)
    clock.now += 3600
    assert [limiter.hit("k", 3) for _ in range(4)][:3] == [None, None, None]
    assert limiter.hit("k", 3) is not None


def test_memory_stays_bounded(settings: GatewaySettings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "MAX_BUCKETS", 50)
    clock = Clock()
    limiter = RateLimiter(settings, clock)
    for i in range(500):
        limiter.hit(f"ip:{i}", 60)
    assert len(limiter) <= 51
    clock.now += ratelimit.WINDOW_SECONDS + 1
    for _ in range(1000):
        limiter.hit("steady", 100_000)
    assert len(limiter) == 1


def test_limits_follow_the_kind_of_caller(settings: GatewaySettings) -> None:
    key = Principal(kind=PrincipalKind.API_KEY, id=new_id(), name="cci")
    user = Principal(
        kind=PrincipalKind.USER, id=new_id(), name="ana", roles=frozenset({Role.VIEWER})
    )
    assert limit_for(key, settings) == (f"apikey:{key.id}", 120)
    assert limit_for(user, settings) == (f"user:{user.id}", 600)
    assert limit_for(None, settings, "10.0.0.7") == ("ip:10.0.0.7", 60)
