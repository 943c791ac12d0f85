"""Login, refresh rotation with theft detection, logout, and what anonymous callers get."""

import pytest

ME = "{ me { id username displayName roles department lastLoginAt } }"
REFRESH = """
mutation ($input: RefreshSessionInput!) {
  refreshSession(input: $input) {
    accessToken refreshToken expiresAt user { username } userErrors { field code message }
  }
}
"""
LOGOUT = """
mutation ($input: LogoutInput!) {
  logout(input: $input) { endedSessions userErrors { field code message } }
}
"""
GENERIC = "invalid username or password"


async def refresh(staff, refresh_token: str) -> dict:
    data = await staff.data(REFRESH, {"input": {"refreshToken": refresh_token}})
    return data["refreshSession"]


async def test_login_returns_tokens_and_the_user_and_me_answers(staff) -> None:
    await staff.add_user("ioana", ["press_office"], display_name="Ioana Popescu-Mureșan")
    payload = await staff.login("Ioana")  # usernames are case-insensitive
    assert payload["userErrors"] == []
    assert payload["accessToken"]
    assert payload["refreshToken"]
    assert payload["expiresAt"]
    assert payload["user"]["username"] == "ioana"
    assert payload["user"]["roles"] == ["press_office"]
    me = (await staff.data(ME, token=payload["accessToken"]))["me"]
    assert me["displayName"] == "Ioana Popescu-Mureșan"
    assert me["department"] == "relatii-comunitare"
    assert me["lastLoginAt"] is not None


async def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(staff) -> None:
    await staff.add_user("radu", ["viewer"])
    wrong = await staff.login("radu", "not-the-password-at-all")
    unknown = await staff.login("nobody", "not-the-password-at-all")
    for payload in (wrong, unknown):
        assert payload["accessToken"] is None
        assert payload["refreshToken"] is None
        assert payload["user"] is None
        assert payload["userErrors"] == [
            {"field": None, "code": "invalid_credentials", "message": GENERIC}
        ]


async def test_a_success_resets_the_failure_count(staff_gateway_factory) -> None:
    async with staff_gateway_factory(login_free_failures_per_username=3) as staff:
        await staff.add_user("sorin", ["tourism"])
        for _ in range(2):
            await staff.login("sorin", "wrong-password-guess")
        assert (await staff.login("sorin"))["userErrors"] == []
        for _ in range(2):
            await staff.login("sorin", "wrong-password-guess")
        assert (await staff.login("sorin"))["userErrors"] == []


async def test_logins_and_failed_logins_are_audited(staff) -> None:
    user = await staff.add_user("mihai", ["viewer"])
    await staff.login("mihai")
    await staff.login("mihai", "wrong-password-guess")
    await staff.login("someone-else", "wrong-password-guess")
    entries = await staff.audit("auth.login")
    assert [(e.outcome, e.target_ids) for e in entries] == [
        ("ok", [str(user.id)]),
        ("failed", [str(user.id)]),
        ("failed", []),
    ]
    assert entries[0].actor == f"user:{user.id}"
    assert entries[0].actor_name == "mihai"
    assert entries[1].actor is None
    assert "wrong password" in entries[1].detail
    # The attempted name is not kept (people type passwords into the username field).
    assert "someone-else" not in entries[2].detail


async def test_refresh_rotates_and_the_rotated_token_is_spent(staff) -> None:
    await staff.add_user("irina", ["culture"])
    first = await staff.login("irina")
    second = await refresh(staff, first["refreshToken"])
    assert second["userErrors"] == []
    assert second["user"]["username"] == "irina"
    assert second["refreshToken"] != first["refreshToken"]
    assert second["accessToken"] != first["accessToken"]
    assert (await staff.data(ME, token=second["accessToken"]))["me"]["username"] == "irina"
    third = await refresh(staff, second["refreshToken"])
    assert third["userErrors"] == []
    entries = await staff.audit("auth.refresh")
    assert [e.outcome for e in entries] == ["ok", "ok"]


async def test_reusing_a_rotated_refresh_token_ends_the_whole_session(staff) -> None:
    await staff.add_user("andrei", ["business_liaison"])
    first = await staff.login("andrei")
    second = await refresh(staff, first["refreshToken"])
    # Someone replays the first (already rotated) token: theft suspected.
    replay = await refresh(staff, first["refreshToken"])
    assert replay["accessToken"] is None
    assert replay["userErrors"] == [
        {
            "field": ["input", "refreshToken"],
            "code": "invalid_token",
            "message": "the refresh token is invalid, expired or revoked",
        }
    ]
    # The legitimate successor is revoked too, and so are the session's access tokens.
    assert (await refresh(staff, second["refreshToken"]))["userErrors"][0]["code"] == (
        "invalid_token"
    )
    body = await staff.post(ME, token=second["accessToken"])
    assert staff.error_codes(body) == ["UNAUTHENTICATED"]
    outcomes = [e.outcome for e in await staff.audit("auth.refresh")]
    assert "reuse_detected" in outcomes
    # Another session of the same user is untouched.
    assert (await staff.login("andrei"))["userErrors"] == []


async def test_an_unknown_refresh_token_is_refused(staff) -> None:
    result = await refresh(staff, "not-a-token")
    assert result["userErrors"][0]["code"] == "invalid_token"


async def test_logout_ends_the_session_and_its_access_token(staff) -> None:
    await staff.add_user("catalin", ["viewer"])
    session = await staff.login("catalin")
    other = await staff.login("catalin")
    token = session["accessToken"]
    data = await staff.data(LOGOUT, {"input": {"refreshToken": session["refreshToken"]}}, token)
    assert data["logout"] == {"endedSessions": 1, "userErrors": []}
    assert staff.error_codes(await staff.post(ME, token=token)) == ["UNAUTHENTICATED"]
    assert (await refresh(staff, session["refreshToken"]))["userErrors"][0]["code"] == (
        "invalid_token"
    )
    # The other session lives on.
    assert (await staff.data(ME, token=other["accessToken"]))["me"]["username"] == "catalin"
    assert [e.outcome for e in await staff.audit("auth.logout")] == ["ok"]


async def test_logout_of_all_sessions(staff) -> None:
    await staff.add_user("vlad", ["viewer"])
    sessions = [await staff.login("vlad") for _ in range(3)]
    token = sessions[0]["accessToken"]
    data = await staff.data(
        LOGOUT, {"input": {"refreshToken": sessions[0]["refreshToken"], "allSessions": True}}, token
    )
    assert data["logout"] == {"endedSessions": 3, "userErrors": []}
    for session in sessions:
        body = await staff.post(ME, token=session["accessToken"])
        assert staff.error_codes(body) == ["UNAUTHENTICATED"]


async def test_logout_refuses_someone_elses_refresh_token(staff) -> None:
    await staff.add_user("ana", ["viewer"])
    await staff.add_user("dan", ["viewer"])
    ana = await staff.login("ana")
    dan = await staff.login("dan")
    data = await staff.data(
        LOGOUT, {"input": {"refreshToken": dan["refreshToken"]}}, ana["accessToken"]
    )
    assert data["logout"]["endedSessions"] == 0
    assert data["logout"]["userErrors"][0]["code"] == "invalid_token"
    assert (await refresh(staff, dan["refreshToken"]))["userErrors"] == []


@pytest.mark.parametrize(
    ("operation", "field"),
    [
        ("{ me { id } }", "me"),
        ("{ users(first: 5) { totalCount } }", "users"),
        (
            'mutation { logout(input: {refreshToken: "x"}) { endedSessions } }',
            "logout",
        ),
        (
            'mutation { createUser(input: {username: "x", displayName: "X", roles: [], '
            'password: "long-enough-password"}) { user { id } } }',
            "createUser",
        ),
        (
            'mutation { updateUser(input: {id: "VXNlcjox", displayName: "X"}) { user { id } } }',
            "updateUser",
        ),
        (
            'mutation { setUserPassword(input: {id: "VXNlcjox", password: "long-enough-pw"}) '
            "{ user { id } } }",
            "setUserPassword",
        ),
    ],
)
async def test_anonymous_callers_are_refused(staff, operation: str, field: str) -> None:
    body = await staff.post(operation)
    assert staff.error_codes(body) == ["UNAUTHENTICATED"], body
    assert body["data"] is None or body["data"].get(field) is None


async def test_anonymous_callers_may_log_in_and_ask_for_health(staff) -> None:
    await staff.add_user("gabriela", ["viewer"])
    assert (await staff.login("gabriela"))["userErrors"] == []
    body = await staff.post("{ health { service } }")
    assert "errors" not in body


async def test_a_malformed_token_is_unauthenticated(staff) -> None:
    body = await staff.post(ME, token="not.a.jwt")
    assert staff.error_codes(body) == ["UNAUTHENTICATED"]
    assert "authentication failed" in body["errors"][0]["message"]
