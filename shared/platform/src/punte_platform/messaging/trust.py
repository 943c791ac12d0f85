"""The caller's context signed by the gateway (ed25519 NKEYs) and verified by every service.

NATS credentials say which process is talking; they do not say for whom. Only the gateway
authenticates people, so only it holds the private key that vouches for a context: a service
refuses any request whose context is unsigned, altered, expired, or signed for another subject
or another body, so a process that reaches NATS (with valid credentials or not) cannot act as
a user, nor replay what it overheard with a body of its own.
"""

import base64
import binascii
import hashlib
import json
import time
from collections.abc import Callable, Mapping

import nacl.exceptions
import nacl.signing
import nkeys  # type: ignore[import-untyped]
from punte_contracts.errors import ErrorCode

from punte_platform.context import (
    ACTOR_HEADER,
    DEPARTMENT_HEADER,
    IDEMPOTENCY_KEY_HEADER,
    PERMISSIONS_HEADER,
    REQUEST_ID_HEADER,
    CallContext,
)
from punte_platform.errors import ServiceError

EXPIRES_HEADER = "Punte-Context-Expires"
SIGNATURE_HEADER = "Punte-Context-Signature"
SIGNATURE_BYTES = 64


def generate_seed() -> str:
    """A new NKEY user seed (`SU...`): a NATS identity or the gateway's signing key."""
    raw = nacl.signing.SigningKey.generate().encode()
    seed: bytes = nkeys.encode_seed(raw, nkeys.PREFIX_BYTE_USER)
    return seed.decode()


def public_key(seed: str) -> str:
    """The public NKEY (`U...`) of a seed."""
    key: bytes = nkeys.from_seed(seed.strip().encode()).public_key
    return key.decode()


def _signing_key(seed: str) -> nacl.signing.SigningKey:
    try:
        _prefix, raw = nkeys.decode_seed(seed.strip().encode())
    except nkeys.NkeysError as error:
        raise ValueError(f"not an NKEY seed: {type(error).__name__}") from None
    return nacl.signing.SigningKey(bytes(raw))


def _verify_key(key: str) -> nacl.signing.VerifyKey:
    """The ed25519 key inside a public NKEY (prefix byte, 32 key bytes, CRC16)."""
    text = key.strip()
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except binascii.Error:
        raise ValueError("not a public NKEY: bad base32") from None
    body, crc = raw[:-2], int.from_bytes(raw[-2:], "little")
    if len(body) != 33 or body[0] != nkeys.PREFIX_BYTE_USER or nkeys.crc16(body) != crc:
        raise ValueError("not a public user NKEY (U...)")
    return nacl.signing.VerifyKey(bytes(body[1:]))


SIGNED_HEADERS = (
    ACTOR_HEADER,
    REQUEST_ID_HEADER,
    PERMISSIONS_HEADER,
    DEPARTMENT_HEADER,
    IDEMPOTENCY_KEY_HEADER,
)


def _signed_bytes(subject: str, payload: bytes, headers: Mapping[str, str], expires: str) -> bytes:
    # A JSON list cannot be read two ways, whatever the values hold.
    body = hashlib.sha256(payload).hexdigest()
    fields = [subject, body, *(headers.get(name) for name in SIGNED_HEADERS), expires]
    return json.dumps(fields, separators=(",", ":")).encode()


class ContextSigner:
    """The gateway's half: signs the context of each request for the subject it is sent to."""

    def __init__(
        self, seed: str, *, ttl_seconds: float, now: Callable[[], float] = time.time
    ) -> None:
        self._key = _signing_key(seed)
        self.ttl_seconds = ttl_seconds
        self._now = now

    def headers(self, subject: str, payload: bytes, context: CallContext) -> dict[str, str]:
        """The context's headers plus its expiry and the signature over them and the body."""
        headers = context.headers()
        expires = str(int(self._now() + self.ttl_seconds))
        signature = self._key.sign(_signed_bytes(subject, payload, headers, expires)).signature
        return {
            **headers,
            EXPIRES_HEADER: expires,
            SIGNATURE_HEADER: base64.urlsafe_b64encode(signature).decode(),
        }


class ContextVerifier:
    """A service's half: the context of a request, only if the gateway signed it."""

    def __init__(self, verify_key: str, *, now: Callable[[], float] = time.time) -> None:
        self._key = _verify_key(verify_key)
        self._now = now

    def verify(
        self, subject: str, payload: bytes, headers: Mapping[str, str] | None
    ) -> CallContext:
        """The signed context, or an `unauthenticated` error saying what is wrong with it."""
        headers = headers or {}
        signature, expires = headers.get(SIGNATURE_HEADER), headers.get(EXPIRES_HEADER)
        if not signature or not expires:
            raise _refused(f"{subject}: the request carries no signed caller context")
        try:
            expiry = int(expires)
            raw_signature = base64.b64decode(signature, altchars=b"-_", validate=True)
            if len(raw_signature) != SIGNATURE_BYTES:
                raise ValueError("not an ed25519 signature")
        except (ValueError, binascii.Error):
            raise _refused(f"{subject}: the caller context's signature is malformed") from None
        try:
            self._key.verify(_signed_bytes(subject, payload, headers, expires), raw_signature)
        except (nacl.exceptions.BadSignatureError, ValueError):
            raise _refused(
                f"{subject}: the caller context is not signed by the gateway "
                "(forged, altered, or sent to another subject or with another body)"
            ) from None
        if expiry < self._now():
            raise _refused(f"{subject}: the caller context expired")
        return CallContext.from_headers(headers)


def _refused(message: str) -> ServiceError:
    return ServiceError.of(ErrorCode.UNAUTHENTICATED, message)
