"""Identifiers: UUIDv7, time-ordered, for every entity and message."""

from uuid import UUID

from uuid_utils.compat import uuid7 as _uuid7


def new_id() -> UUID:
    """A fresh UUIDv7."""
    return _uuid7()
