"""Pages of a list and their keyset cursors, one codec for services and the gateway.

A cursor is opaque to clients: base64url JSON of the codec's version, the name of the list's
order and the sort key of one item (its sort values, the unique id last). Every item of a
page carries its own cursor, so a client may resume after any of them; resuming reads the
rows after that sort key (`WHERE (key, id) > (:key, :id)`), so rows written meanwhile
before the cursor neither repeat nor shift the next page. A cursor given under another order
is refused, as is one this codec did not make.
"""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, Self, TypeVar
from uuid import UUID

from pydantic import StringConstraints

from punte_contracts.rpc import Contract

CURSOR_VERSION = 1
MAX_CURSOR = 1000

Cursor = Annotated[str, StringConstraints(max_length=MAX_CURSOR)]

ItemT = TypeVar("ItemT")
RowT = TypeVar("RowT")


class Page(Contract, Generic[ItemT]):
    """One page of a list: its items, each item's cursor, and the cursor of the last item
    when more follow (None on the last page)."""

    items: list[ItemT]
    cursors: list[str] = []
    next_cursor: str | None = None

    @classmethod
    def of(
        cls,
        rows: Sequence[RowT],
        size: int,
        item: Callable[[RowT], ItemT],
        cursor: Callable[[RowT], str],
        **fields: Any,
    ) -> Self:
        """The page of the first `size` of `rows` (read `size + 1` to learn whether more
        follow), each row made an item with its cursor; `fields` are the page's others."""
        shown = rows[:size]
        cursors = [cursor(row) for row in shown]
        more = len(rows) > size
        return cls(
            items=[item(row) for row in shown],
            cursors=cursors,
            next_cursor=cursors[-1] if more else None,
            **fields,
        )


class CursorError(ValueError):
    """A cursor this list did not give."""


class OtherOrderError(CursorError):
    """A cursor given under another order of the same list."""


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


def encode_cursor(order: str, values: Sequence[Any]) -> str:
    """The cursor of the item whose sort key under `order` is `values` (datetimes and UUIDs
    become strings)."""
    body = [CURSOR_VERSION, order, [_json_value(v) for v in values]]
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _typed(value: Any, kind: type) -> Any:
    if kind is datetime:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        if moment is None or moment.tzinfo is None:
            raise CursorError("not a cursor this list gave")
        return moment
    if kind is UUID and isinstance(value, str):
        return UUID(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise CursorError("not a cursor this list gave")
    return value


def _parts(cursor: str) -> tuple[str, list[Any]]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        version, order, values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise CursorError("not a cursor this list gave") from None
    valid = version == CURSOR_VERSION and isinstance(order, str) and isinstance(values, list)
    if not valid or not values:
        raise CursorError("not a cursor this list gave")
    return order, values


def check_order(cursor: str, order: str) -> None:
    """`OtherOrderError` if the cursor was given under another order, `CursorError` if it
    is no cursor at all (for a caller that passes cursors on without reading them)."""
    if _parts(cursor)[0] != order:
        raise OtherOrderError(
            "this cursor belongs to another order: start again from the first page"
        )


def decode_cursor(cursor: str, order: str, types: Sequence[type]) -> list[Any]:
    """The sort key in a cursor given under `order`, its values read as `types` (str, int,
    float, datetime, UUID); `OtherOrderError` or `CursorError` if it is not one."""
    check_order(cursor, order)
    values = _parts(cursor)[1]
    if len(values) != len(types):
        raise CursorError("not a cursor this list gave")
    try:
        return [_typed(value, kind) for value, kind in zip(values, types, strict=True)]
    except (ValueError, TypeError):
        raise CursorError("not a cursor this list gave") from None
