"""Signed caller contexts: what the gateway signs, a service believes; nothing else."""

import pytest
from punte_contracts.errors import ErrorCode
from punte_platform.context import ACTOR_HEADER, PERMISSIONS_HEADER, CallContext
from punte_platform.errors import ServiceError
from punte_platform.messaging.trust import (
    EXPIRES_HEADER,
    SIGNATURE_HEADER,
    ContextSigner,
    ContextVerifier,
    generate_seed,
    public_key,
)

SUBJECT = "punte.contacts.person.export_data"
BODY = b'{"id":"0190f0e0-0000-7000-8000-000000000007"}'
NOW = 1_800_000_000.0
CALLER = CallContext(
    actor="user:7",
    request_id="req-7",
    permissions=frozenset({"contacts:read"}),
    department="press",
    idempotency_key="key-7",
)


@pytest.fixture(scope="module")
def seed() -> str:
    return generate_seed()


def signer(seed: str, now: float = NOW) -> ContextSigner:
    return ContextSigner(seed, ttl_seconds=60, now=lambda: now)


def refusal(
    verifier: ContextVerifier, headers: dict[str, str], subject: str = SUBJECT, body: bytes = BODY
) -> str:
    with pytest.raises(ServiceError) as refused:
        verifier.verify(subject, body, headers)
    assert refused.value.code is ErrorCode.UNAUTHENTICATED
    return refused.value.body.message


def test_a_signed_context_is_believed_whole(seed: str) -> None:
    verifier = ContextVerifier(public_key(seed), now=lambda: NOW + 59)
    assert verifier.verify(SUBJECT, BODY, signer(seed).headers(SUBJECT, BODY, CALLER)) == CALLER


def test_an_unsigned_context_is_refused_even_with_caller_headers(seed: str) -> None:
    verifier = ContextVerifier(public_key(seed), now=lambda: NOW)
    forged = {ACTOR_HEADER: "user:admin", PERMISSIONS_HEADER: "contacts:read,contacts:write"}
    assert "no signed caller context" in refusal(verifier, forged)
    assert "no signed caller context" in refusal(verifier, {})


def test_a_context_signed_with_another_key_is_refused(seed: str) -> None:
    verifier = ContextVerifier(public_key(seed), now=lambda: NOW)
    forged = signer(generate_seed()).headers(SUBJECT, BODY, CALLER)
    assert "not signed by the gateway" in refusal(verifier, forged)


@pytest.mark.parametrize(
    ("header", "value"),
    [
        (ACTOR_HEADER, "user:admin"),
        (PERMISSIONS_HEADER, "contacts:read,contacts:write"),
        ("Punte-Department", "mayor"),
        ("Punte-Request-Id", "other"),
        ("Punte-Idempotency-Key", "other"),
        (EXPIRES_HEADER, str(int(NOW + 86400))),
    ],
)
def test_a_changed_signed_value_is_refused(seed: str, header: str, value: str) -> None:
    verifier = ContextVerifier(public_key(seed), now=lambda: NOW)
    tampered = {**signer(seed).headers(SUBJECT, BODY, CALLER), header: value}
    assert "not signed by the gateway" in refusal(verifier, tampered)


def test_a_context_signed_for_one_subject_is_refused_on_another(seed: str) -> None:
    verifier = ContextVerifier(public_key(seed), now=lambda: NOW)
    headers = signer(seed).headers("punte.contacts.person.get", BODY, CALLER)
    assert "not signed by the gateway" in refusal(verifier, headers)


def test_a_signed_context_is_refused_with_another_body(seed: str) -> None:
    verifier = ContextVerifier(public_key(seed), now=lambda: NOW)
    headers = signer(seed).headers(SUBJECT, BODY, CALLER)
    other = b'{"id":"0190f0e0-0000-7000-8000-000000000008"}'
    assert "another body" in refusal(verifier, headers, body=other)


def test_an_expired_context_is_refused(seed: str) -> None:
    verifier = ContextVerifier(public_key(seed), now=lambda: NOW + 61)
    assert "expired" in refusal(verifier, signer(seed).headers(SUBJECT, BODY, CALLER))


def test_a_malformed_signature_is_refused(seed: str) -> None:
    verifier = ContextVerifier(public_key(seed), now=lambda: NOW)
    headers = {**signer(seed).headers(SUBJECT, BODY, CALLER), SIGNATURE_HEADER: "%%%"}
    assert "malformed" in refusal(verifier, headers)


def test_a_verify_key_must_be_a_public_user_nkey(seed: str) -> None:
    with pytest.raises(ValueError, match="public"):
        ContextVerifier(seed)
    with pytest.raises(ValueError, match="public"):
        ContextVerifier(public_key(seed)[:-1] + "A")
