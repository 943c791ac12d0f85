"""Local access tokens: only our own, unexpired, HS256-signed tokens of live sessions pass."""

import base64
import json
from datetime import timedelta
from typing import Any
from uuid import UUID

import jwt
from punte_gateway.auth.tokens import AUDIENCE, ISSUER, issue_access_token, signing_key
from punte_gateway.users.repository import find_by_username
from punte_platform.db import utcnow
from strawberry.relay import GlobalID

ME = "{ me { username roles } }"
USERS = "{ users(first: 5) { totalCount } }"


def claims_of(staff, token: str) -> dict[str, Any]:
    return jwt.decode(token, signing_key(staff.settings), algorithms=["HS256"], audience=AUDIENCE)


def unsigned(claims: dict[str, Any]) -> str:
    """A token with `alg: none` and no signature."""

    def part(value: dict[str, Any]) -> str:
        raw = json.dumps(value, default=str).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


async def assert_refused(staff, token: str, reason: str) -> None:
    body = await staff.post(ME, token=token)
    assert staff.error_codes(body) == ["UNAUTHENTICATED"], body
    assert reason in body["errors"][0]["message"], body
    assert body["data"] is None or body["data"]["me"] is None


async def test_an_access_token_carries_the_documented_claims(staff) -> None:
    user = await staff.add_user("ioana", ["admin", "press_office"])
    token = await staff.token("ioana")
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = claims_of(staff, token)
    assert claims["iss"] == ISSUER == "punte"
    assert claims["aud"] == AUDIENCE == "punte-gateway"
    assert claims["sub"] == str(user.id)
    assert claims["typ"] == "access"
    assert claims["roles"] == ["admin", "press_office"]
    assert claims["department"] == "relatii-comunitare"
    assert claims["exp"] - claims["iat"] == staff.settings.access_token_ttl_seconds
    assert claims["jti"]
    assert claims["sid"]


async def test_an_expired_access_token_is_unauthenticated(staff) -> None:
    user = await staff.add_user("radu", ["viewer"])
    live = claims_of(staff, await staff.token("radu"))
    past = utcnow() - timedelta(seconds=staff.settings.access_token_ttl_seconds + 5)
    expired = issue_access_token(staff.settings, user, UUID(live["sid"]), now=past)
    await assert_refused(staff, expired.token, "expired")


async def test_a_forged_signature_is_unauthenticated(staff) -> None:
    await staff.add_user("elena", ["viewer"])
    claims = claims_of(staff, await staff.token("elena"))
    claims["roles"] = ["admin"]
    forged = jwt.encode(claims, "x" * 64, algorithm="HS256")
    await assert_refused(staff, forged, "invalid token")
    # The raw secret_key is not the signing key either (a derived key is).
    raw = jwt.encode(claims, staff.settings.secret_key.get_secret_value() * 2, algorithm="HS256")
    await assert_refused(staff, raw, "invalid token")


async def test_an_alg_none_token_is_unauthenticated(staff) -> None:
    await staff.add_user("sorin", ["viewer"])
    claims = claims_of(staff, await staff.token("sorin"))
    await assert_refused(staff, unsigned(claims), "invalid token")


async def test_a_token_for_another_audience_is_unauthenticated(staff) -> None:
    await staff.add_user("irina", ["viewer"])
    claims = claims_of(staff, await staff.token("irina"))
    claims["aud"] = "another-service"
    other = jwt.encode(claims, signing_key(staff.settings), algorithm="HS256")
    await assert_refused(staff, other, "audience")


async def test_a_token_of_another_type_or_issuer_is_unauthenticated(staff) -> None:
    await staff.add_user("mihai", ["viewer"])
    claims = claims_of(staff, await staff.token("mihai"))
    key = signing_key(staff.settings)
    await assert_refused(staff, jwt.encode({**claims, "typ": "refresh"}, key), "not an access")
    await assert_refused(staff, jwt.encode({**claims, "iss": "elsewhere"}, key), "unknown issuer")
    without_sub = {k: v for k, v in claims.items() if k != "sub"}
    await assert_refused(staff, jwt.encode(without_sub, key), "invalid token")


async def test_deactivated_users_lose_access_at_once(staff) -> None:
    await staff.add_user("dana", ["viewer"])
    dana = await staff.token("dana")
    async with staff.runtime.uow.transaction() as session:
        (await find_by_username(session, "dana")).active = False
    await assert_refused(staff, dana, "disabled")


async def test_roles_are_read_from_the_account_on_every_request(staff) -> None:
    await staff.add_user("admin", ["admin"])
    user = await staff.add_user("laura", ["viewer"])
    token = await staff.token("laura")
    body = await staff.post(USERS, token=token)
    assert staff.error_codes(body) == ["FORBIDDEN"]
    admin = await staff.token("admin")
    granted = await staff.data(
        """
        mutation ($input: UpdateUserInput!) {
          updateUser(input: $input) { user { roles } userErrors { code } }
        }
        """,
        {"input": {"id": str(GlobalID("User", str(user.id))), "roles": ["viewer", "admin"]}},
        admin,
    )
    assert granted["updateUser"]["userErrors"] == []
    # The same token, issued while laura was a viewer, now carries admin rights.
    assert (await staff.data(USERS, token=token))["users"]["totalCount"] == 2
