"""Keyset paging in queries: a sort key's ORDER BY and its "after this row" condition, and
the cursors of `punte_contracts.paging` read as a service's validation errors."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from punte_contracts.paging import CursorError, decode_cursor
from sqlalchemy import ColumnElement, and_, or_

from punte_platform.errors import ServiceError


@dataclass(frozen=True)
class SortKey:
    """The columns a list orders by (the last one unique), all in one direction."""

    columns: Sequence[Any]  # columns or SQL expressions
    descending: bool = False

    def order_by(self, *, reverse: bool = False) -> list[ColumnElement[Any]]:
        """The ORDER BY clauses (`reverse`: the other way round)."""
        down = self.descending != reverse
        return [c.desc() if down else c.asc() for c in self.columns]

    def after(self, values: Sequence[Any], *, reverse: bool = False) -> ColumnElement[bool]:
        """Rows strictly after (`reverse`: before) the row whose sort key is `values`, as
        `(a, b) > (:a, :b)` spelled out, which SQLite and PostgreSQL both read."""
        down = self.descending != reverse
        clauses = []
        for i, column in enumerate(self.columns):
            equal = [self.columns[j] == values[j] for j in range(i)]
            beyond = column < values[i] if down else column > values[i]
            clauses.append(and_(*equal, beyond))
        return or_(*clauses)


def read_after(cursor: str, order: str, types: Sequence[type]) -> list[Any]:
    """The sort key in a request's `after` cursor (see `decode_cursor`); one this list did
    not give under `order` is `validation_failed` at `["after"]`."""
    try:
        return decode_cursor(cursor, order, types)
    except CursorError as error:
        raise ServiceError.invalid(["after"], str(error)) from None
