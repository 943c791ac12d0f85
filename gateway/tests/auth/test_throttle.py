"""Attacks on logins: guessing makes a name or an address wait growing delays, never locks an
account or ends its sessions, answers alike for every refusal, and alerts admins."""

import asyncio
import time
from typing import Any

from punte_contracts.gateway import LoginThrottled
from punte_platform.testing.clock import StoppedClock
from punte_platform.testing.waiting import eventually

from .conftest import LOGIN, PASSWORD, StaffGateway

ME = "{ me { username } }"
REFRESH = """
mutation ($input: RefreshSessionInput!) {
  refreshSession(input: $input) { accessToken userErrors { code } }
}
"""
WRONG = "wrong-password-guess"


async def attempt(
    staff: StaffGateway, username: str, password: str = PASSWORD, via: str | None = None
) -> dict[str, Any]:
    """One login (as forwarded for `via` by a proxy, when given); the whole JSON answer."""
    headers = {"X-Forwarded-For": via} if via else {}
    response = await staff.client.post(
        "/graphql",
        json={"query": LOGIN, "variables": {"input": {"username": username, "password": password}}},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refused(body: dict[str, Any]) -> bool:
    return body["data"]["login"]["accessToken"] is None


async def outcomes(staff: StaffGateway) -> list[str]:
    return [e.outcome for e in await staff.audit("auth.login")]


async def test_guessing_makes_the_name_wait_growing_delays_then_the_owner_gets_in(
    staff_gateway_factory,
) -> None:
    clock = StoppedClock()
    async with staff_gateway_factory(
        clock=clock, login_free_failures_per_username=3, login_max_delay_per_username_seconds=60
    ) as staff:
        await staff.add_user("admin", ["admin"])
        for _ in range(3):
            assert refused(await attempt(staff, "admin", WRONG))
        # Three free failures used: the next attempt waits 1 s, then 2 s after one more.
        assert refused(await attempt(staff, "admin"))
        clock.advance(1.1)
        assert refused(await attempt(staff, "admin", WRONG))
        clock.advance(1.1)
        assert refused(await attempt(staff, "admin"))
        clock.advance(1.0)
        assert not refused(await attempt(staff, "admin"))
        assert await outcomes(staff) == [
            "failed",
            "failed",
            "failed",
            "throttled",
            "failed",
            "throttled",
            "ok",
        ]
        # The success starts the name over: three free failures again.
        for _ in range(3):
            await attempt(staff, "admin", WRONG)
        assert (await outcomes(staff))[-3:] == ["failed"] * 3


async def test_the_delay_for_a_name_is_capped_so_its_owner_waits_a_minute_at_most(
    staff_gateway_factory,
) -> None:
    clock = StoppedClock()
    async with staff_gateway_factory(
        clock=clock, login_free_failures_per_username=2, login_max_delay_per_username_seconds=60
    ) as staff:
        await staff.add_user("admin", ["admin"])
        for _ in range(20):
            await attempt(staff, "admin", WRONG)
            clock.advance(61)
        assert (await outcomes(staff)).count("failed") == 20
        assert not refused(await attempt(staff, "admin"))


async def test_an_attack_on_a_name_never_ends_its_sessions(staff_gateway_factory) -> None:
    async with staff_gateway_factory(login_free_failures_per_username=3) as staff:
        await staff.add_user("admin", ["admin"])
        payload = await staff.login("admin")
        for _ in range(30):
            await attempt(staff, "admin", WRONG)
        assert (await staff.data(ME, token=payload["accessToken"]))["me"]["username"] == "admin"
        renewed = (await staff.data(REFRESH, {"input": {"refreshToken": payload["refreshToken"]}}))[
            "refreshSession"
        ]
        assert renewed["userErrors"] == []
        assert renewed["accessToken"]


async def test_unknown_wrong_and_throttled_names_get_one_answer_in_similar_time(
    staff_gateway_factory,
) -> None:
    async with staff_gateway_factory(
        clock=StoppedClock(), login_free_failures_per_username=2
    ) as staff:
        await staff.add_user("radu", ["viewer"])
        await staff.add_user("ana", ["viewer"])
        for name in ("ana", "ghost"):
            for _ in range(2):
                await attempt(staff, name, WRONG)
        timings: dict[str, list[float]] = {}
        answers: dict[str, dict[str, Any]] = {}
        cases = {
            "wrong password": ("radu", WRONG),
            "unknown name": ("nobody", WRONG),
            "throttled, right password": ("ana", PASSWORD),
            "throttled unknown name": ("ghost", WRONG),
        }
        for _ in range(3):
            for case, (name, password) in cases.items():
                started = time.perf_counter()
                answers[case] = await attempt(staff, name, password)
                timings.setdefault(case, []).append(time.perf_counter() - started)
        first = answers["wrong password"]
        assert first["data"]["login"]["userErrors"] == [
            {
                "field": None,
                "code": "invalid_credentials",
                "message": "invalid username or password",
            }
        ]
        for case, answer in answers.items():
            assert answer == first, (case, answer, first)
        # Each refusal hashes one password: none is several times faster than another.
        fastest = {case: min(times) for case, times in timings.items()}
        reference = fastest["wrong password"]
        for case, seconds in fastest.items():
            assert 0.3 < seconds / reference < 3, (case, fastest)


async def test_parallel_guesses_count_before_their_passwords_are_checked(
    staff_gateway_factory,
) -> None:
    async with staff_gateway_factory(
        clock=StoppedClock(), login_free_failures_per_username=3
    ) as staff:
        await staff.add_user("admin", ["admin"])
        answers = await asyncio.gather(*(attempt(staff, "admin", WRONG) for _ in range(12)))
        assert all(refused(a) for a in answers)
        checked = await outcomes(staff)
        assert checked.count("failed") == 3
        assert checked.count("throttled") == 9


async def test_spraying_names_from_one_address_makes_that_address_wait_not_others(
    staff_gateway_factory,
) -> None:
    async with staff_gateway_factory(
        clock=StoppedClock(), login_free_failures_per_address=4, trusted_proxies=["127.0.0.0/8"]
    ) as staff:
        await staff.add_user("carmen", ["viewer"])
        for name in ("a1", "a2", "a3", "a4"):
            await attempt(staff, name, WRONG, via="203.0.113.9")
        assert refused(await attempt(staff, "carmen", via="203.0.113.9"))
        assert not refused(await attempt(staff, "carmen", via="198.51.100.7"))
        # Entries left of the proxy's own are the caller's to forge: they change nothing.
        assert refused(await attempt(staff, "carmen", via="198.51.100.7, 203.0.113.9"))


async def test_forwarded_addresses_count_only_from_a_trusted_proxy(staff_gateway_factory) -> None:
    async with staff_gateway_factory(
        clock=StoppedClock(), login_free_failures_per_address=4
    ) as staff:
        await staff.add_user("carmen", ["viewer"])
        for index in range(4):
            await attempt(staff, f"a{index}", WRONG, via=f"203.0.113.{index}")
        # The test client is not a trusted proxy: every attempt counted against its own address.
        assert refused(await attempt(staff, "carmen", via="198.51.100.7"))


async def test_a_burst_alerts_admins_with_an_audit_entry_and_a_message(
    staff_gateway_factory,
) -> None:
    async with staff_gateway_factory(login_free_failures_per_username=3) as staff:
        admin = await staff.add_user("admin", ["admin"])
        for _ in range(5):
            await attempt(staff, "admin", WRONG)
        alerts = await staff.audit("auth.login_throttled")
        assert len(alerts) == 1
        assert alerts[0].target_ids == [str(admin.id)]
        assert "3 failed logins for one username" in alerts[0].detail
        # The message goes out through the outbox; the audit consumer records it from NATS.
        message_type = LoginThrottled.message_type()
        entries = await eventually(lambda: staff.audit(message_type), bool)
        assert entries[0].source == "gateway"
