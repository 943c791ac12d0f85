"""Field-name types derived from contracts: what a patch may clear, what a merge may take.

They are `Literal`s of field names, so pydantic validates them and the gateway derives its
GraphQL enums from them; a field added to the contract joins them with no edit. mypy cannot
follow a literal built at run time: declare one under `TYPE_CHECKING` as `str`.

    if TYPE_CHECKING:
        EventClearable = str
    else:
        EventClearable = names_literal(optional_fields(Event))
"""

import types
from collections.abc import Collection, Iterable
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

# What a patch carries besides the record's fields.
PATCH_CONTROLS = frozenset({"id", "expected_version", "clear"})
# A record's bookkeeping, never set or cleared by a caller.
BOOKKEEPING = frozenset({"id", "version", "created_at", "updated_at", "merged_into_id"})


def names_literal(names: Iterable[str]) -> Any:
    """A `Literal` of these field names."""
    return Literal[tuple(names)]


def optional_fields(read: type[BaseModel], *, besides: Collection[str] = ()) -> tuple[str, ...]:
    """The read contract's fields that may be empty (None) but bookkeeping and `besides`,
    in the contract's order: what a patch's `clear` may empty."""
    return tuple(
        name
        for name, field in read.model_fields.items()
        if name not in BOOKKEEPING and name not in besides and _accepts_none(field.annotation)
    )


def patched_fields(update: type[BaseModel], *, besides: Collection[str] = ()) -> tuple[str, ...]:
    """The fields a patch contract sets but `besides`, in the contract's order."""
    return tuple(
        name for name in update.model_fields if name not in PATCH_CONTROLS and name not in besides
    )


def _accepts_none(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(annotation)
