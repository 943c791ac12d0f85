"""Opaque keyset cursors: the sort key of the last row of a page, base64url JSON."""

import base64
import binascii
import json
from typing import Any

from punte_platform.errors import ServiceError


def encode_cursor(values: list[Any]) -> str:
    """A cursor for the row whose sort key is `values` (JSON-ready)."""
    raw = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, length: int | None) -> list[Any]:
    """The sort key in a cursor (of `length` values, or any non-empty list when None);
    `validation_failed` at `["after"]` if it is not ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ServiceError.invalid(["after"], "not a cursor this list gave") from None
    if not isinstance(values, list) or len(values) != (length or len(values)) or not values:
        raise ServiceError.invalid(["after"], "not a cursor this list gave")
    return values
