"""Password hashing with argon2id, off the event loop (the hash is deliberately slow)."""

import asyncio
import unicodedata
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 12
# Long enough for any passphrase, short enough that nobody makes us hash megabytes.
MAX_PASSWORD_LENGTH = 256

_hasher = PasswordHasher()


def normalise_password(password: str) -> str:
    """NFKC, so the same passphrase typed on different keyboards hashes the same (NIST 800-63B)."""
    return unicodedata.normalize("NFKC", password)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None when it is acceptable."""
    length = len(normalise_password(password))
    if length < MIN_PASSWORD_LENGTH:
        return f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
    if length > MAX_PASSWORD_LENGTH:
        return f"the password must have at most {MAX_PASSWORD_LENGTH} characters"
    return None


async def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return await asyncio.to_thread(_hasher.hash, normalise_password(password))


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; without a hash, a dummy one is checked to even out timing."""
    candidate = normalise_password(password)[: MAX_PASSWORD_LENGTH * 4]
    target = password_hash if password_hash is not None else await asyncio.to_thread(_dummy_hash)
    try:
        ok = await asyncio.to_thread(_hasher.verify, target, candidate)
    except (VerificationError, InvalidHashError):
        return False
    return bool(ok) and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("punte-dummy-password-for-unknown-users")
