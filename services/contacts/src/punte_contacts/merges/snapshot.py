"""Rows as JSON and back, column by column, so a snapshot restores values exactly."""

from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from sqlalchemy import Table, TypeDecorator
from sqlalchemy.types import TypeEngine


def encode_value(value: Any) -> Any:
    """A column value in a JSON-safe form (ids, dates and enums as text)."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def encode_row(table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
    """Every column of a row as JSON-safe values."""
    return {column.key: encode_value(row[column.key]) for column in table.columns}


def encode_object(table: Table, obj: object) -> dict[str, Any]:
    """Every column of an ORM object (attributes named as columns) as JSON-safe values."""
    return encode_row(table, {column.key: getattr(obj, column.key) for column in table.columns})


def decode_row(table: Table, data: Mapping[str, Any]) -> dict[str, Any]:
    """A snapshot's values back in their column types."""
    return {key: _decode(table.columns[key].type, value) for key, value in data.items()}


def _decode(column_type: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    # Types that keep TypeEngine's python_type (JSON and the like) have no Python type to
    # restore: their JSON value is the value.
    if type(column_type).python_type is TypeEngine.python_type:
        return value
    python_type = column_type.python_type
    if python_type is UUID:
        return UUID(value)
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    if isinstance(python_type, type) and issubclass(python_type, Enum):
        return python_type(value)
    return value
