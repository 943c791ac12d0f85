"""Access tokens of the city's OpenID Connect provider, with a key set served on loopback."""

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from punte_gateway.auth.oidc import is_id_token

ISSUER = "https://login.primaria.example/realms/staff"
AUDIENCE = "punte-api"
ME = "{ me { id username roles department } }"
USERS = "{ users(first: 5) { totalCount } }"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass
class Provider:
    """A fake identity provider: an RSA key, its JWKS on loopback, and a token signer."""

    jwks_url: str
    key: rsa.RSAPrivateKey
    kid: str = "key-1"
    requests: list[str] = field(default_factory=list)

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        values: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "f3b0c1de-0000-4000-8000-000000000001",
            "iat": now,
            "exp": now + 300,
            "typ": "Bearer",
            "preferred_username": "maria.ionescu",
            "roles": ["press_office", "janitor"],
            "department": "biroul-de-presa",
        }
        values.update(overrides)
        return {k: v for k, v in values.items() if v is not None}

    def sign(
        self, claims: dict[str, Any], key: rsa.RSAPrivateKey | None = None, **headers: Any
    ) -> str:
        return jwt.encode(
            claims, key or self.key, algorithm="RS256", headers={"kid": self.kid, **headers}
        )

    def token(self, **overrides: Any) -> str:
        return self.sign(self.claims(**overrides))

    def public_pem(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    """A JWKS endpoint on 127.0.0.1 and a free port, in a thread."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    document = json.dumps({"keys": [{**jwk, "kid": "key-1", "use": "sig", "alg": "RS256"}]})
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            if self.path != "/jwks":
                self.send_error(404)
                return
            body = document.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    yield Provider(jwks_url=f"http://127.0.0.1:{port}/jwks", key=key, requests=requests)
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
async def oidc(staff_gateway_factory, provider: Provider) -> AsyncIterator[Any]:
    """A gateway that accepts the provider's access tokens."""
    async with staff_gateway_factory(
        oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks_url=provider.jwks_url
    ) as staff:
        yield staff


async def assert_refused(staff, token: str, reason: str) -> None:
    body = await staff.post(ME, token=token)
    assert staff.error_codes(body) == ["UNAUTHENTICATED"], body
    assert reason in body["errors"][0]["message"], body


async def test_a_valid_access_token_is_accepted_with_roles_from_the_claim(
    oidc, provider: Provider
) -> None:
    me = (await oidc.data(ME, token=provider.token()))["me"]
    assert me["username"] == "maria.ionescu"
    assert me["roles"] == ["press_office"]  # "janitor" is no role of ours: it grants nothing
    assert me["department"] == "biroul-de-presa"
    # A stable id per provider subject, so the same person is the same actor every time.
    again = (await oidc.data(ME, token=provider.token(iat=int(time.time()) - 5)))["me"]
    assert again["id"] == me["id"]
    # press_office may not manage users; the refusal is a permission error, not a login one.
    assert oidc.error_codes(await oidc.post(USERS, token=provider.token())) == ["FORBIDDEN"]


async def test_an_admin_role_from_the_provider_grants_admin_rights(
    oidc, provider: Provider
) -> None:
    token = provider.token(roles=["admin"])
    assert (await oidc.data(USERS, token=token))["users"]["totalCount"] == 0


async def test_a_token_without_a_known_role_may_only_ask_who_it_is(
    oidc, provider: Provider
) -> None:
    token = provider.token(roles=["janitor"])
    assert (await oidc.data(ME, token=token))["me"]["roles"] == []
    assert oidc.error_codes(await oidc.post(USERS, token=token)) == ["FORBIDDEN"]


async def test_roles_may_sit_in_a_nested_claim(staff_gateway_factory, provider: Provider) -> None:
    async with staff_gateway_factory(
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks_url=provider.jwks_url,
        oidc_roles_claim="realm_access.roles",
    ) as staff:
        token = provider.token(roles=None, realm_access={"roles": ["culture", "offline_access"]})
        assert (await staff.data(ME, token=token))["me"]["roles"] == ["culture"]


async def test_an_expired_token_is_refused(oidc, provider: Provider) -> None:
    past = int(time.time()) - 3600
    await assert_refused(oidc, provider.token(iat=past - 300, exp=past), "expired")


async def test_a_token_for_another_audience_is_refused(oidc, provider: Provider) -> None:
    await assert_refused(oidc, provider.token(aud="another-api"), "audience")


async def test_a_token_of_another_issuer_is_refused(oidc, provider: Provider) -> None:
    await assert_refused(
        oidc, provider.token(iss="https://login.evil.example/realms/staff"), "unknown issuer"
    )


async def test_a_token_signed_by_another_key_is_refused(oidc, provider: Provider) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = provider.sign(provider.claims(roles=["admin"]), key=other)
    await assert_refused(oidc, forged, "invalid token")


async def test_an_alg_none_token_is_refused(oidc, provider: Provider) -> None:
    header = b64(json.dumps({"alg": "none", "typ": "JWT", "kid": provider.kid}).encode())
    payload = b64(json.dumps(provider.claims(roles=["admin"])).encode())
    await assert_refused(oidc, f"{header}.{payload}.", "refused algorithm")


async def test_an_hs256_token_keyed_with_the_public_key_is_refused(
    oidc, provider: Provider
) -> None:
    # Algorithm confusion: the public key is public, so anyone could make this signature.
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": provider.kid}).encode())
    payload = b64(json.dumps(provider.claims(roles=["admin"])).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = b64(hmac.new(provider.public_pem(), signing_input, hashlib.sha256).digest())
    await assert_refused(oidc, f"{header}.{payload}.{signature}", "refused algorithm")


async def test_hmac_and_none_never_verify_provider_tokens_whatever_the_settings(
    staff_gateway_factory, provider: Provider
) -> None:
    async with staff_gateway_factory(
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks_url=provider.jwks_url,
        oidc_algorithms=["HS256", "none"],
    ) as staff:
        await assert_refused(staff, provider.token(), "not configured")


@pytest.mark.parametrize(
    "marks",
    [
        {"typ": "ID"},
        {"typ": None, "token_use": "id"},
        {"at_hash": "x8dQXo6vGq5OZ0lAmW6qVg"},
        {"typ": None, "nonce": "n-0S6_WzA2Mj"},
    ],
    ids=["keycloak-typ-ID", "cognito-token_use", "at_hash", "nonce"],
)
async def test_an_id_token_is_refused(oidc, provider: Provider, marks: dict[str, Any]) -> None:
    await assert_refused(oidc, provider.token(**marks), "ID tokens are not accepted")


async def test_nonce_in_a_token_marked_as_an_access_token_is_tolerated(
    oidc, provider: Provider
) -> None:
    # Keycloak before 25 put the nonce into access tokens too, which it marks typ=Bearer.
    assert (await oidc.data(ME, token=provider.token(nonce="abc")))["me"] is not None
    at_jwt = provider.sign(provider.claims(typ=None, nonce="abc"), typ="at+jwt")
    assert (await oidc.data(ME, token=at_jwt))["me"] is not None


def test_the_id_token_rule() -> None:
    assert is_id_token({}, {"typ": "ID"})
    assert is_id_token({}, {"token_use": "id"})
    assert is_id_token({}, {"c_hash": "x"})
    assert is_id_token({}, {"nonce": "x"})
    assert not is_id_token({"typ": "at+jwt"}, {"nonce": "x"})
    assert not is_id_token({}, {"typ": "Bearer", "nonce": "x"})
    assert not is_id_token({}, {"token_use": "access"})
    assert not is_id_token({}, {})


async def test_provider_keys_are_cached(oidc, provider: Provider) -> None:
    before = len(provider.requests)
    for _ in range(3):
        await oidc.data(ME, token=provider.token())
    assert len(provider.requests) - before <= 1


async def test_an_unreachable_key_set_is_unauthenticated_not_a_crash(
    staff_gateway_factory, provider: Provider
) -> None:
    async with staff_gateway_factory(
        oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks_url="http://127.0.0.1:9/jwks"
    ) as staff:
        await assert_refused(staff, provider.token(), "unavailable")
        assert "errors" not in await staff.post("{ health { service } }")


async def test_local_logins_still_work_beside_the_provider(oidc) -> None:
    await oidc.add_user("ioana", ["admin"])
    token = await oidc.token("ioana")
    assert (await oidc.data(ME, token=token))["me"]["username"] == "ioana"
