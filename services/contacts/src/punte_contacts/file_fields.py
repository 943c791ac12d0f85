"""The columns of export files and the fields of import files, derived from the contracts.

A plain field added to a read contract becomes an export column, and one added to a create
contract an import field, with no edit here. What is not a plain field is listed here, once:

- `address` is a nested value: files carry its parts (`street`, ... `country`) as columns;
- `caen_codes` are exported as `code/revision` cells and not imported (no cell format for
  a list of pairs is agreed with users yet);
- `owner_id` is exported but not imported (a staff id is not something a file should set);
- `source` is set by the import itself; `status`, `id` and the people's `organizations` and
  `roles` are read-only columns; bookkeeping (`version`, timestamps, merges) is not exported;
- column order: the layout users know (name first; owner, status, notes and id last).
"""

import types
from collections.abc import Iterable, Sequence
from typing import Union, get_args, get_origin

from punte_contracts import contacts as c
from pydantic import BaseModel

ADDRESS_PARTS: tuple[str, ...] = tuple(c.Address.model_fields)
NOT_EXPORTED = frozenset({"source", "version", "created_at", "updated_at", "merged_into_id"})
NOT_IMPORTED = frozenset({"caen_codes", "owner_id", "source"})


def _flat(names: Iterable[str]) -> list[str]:
    return [part for name in names for part in (ADDRESS_PARTS if name == "address" else (name,))]


def export_columns(
    read: type[BaseModel], *, first: Sequence[str] = (), last: Sequence[str] = ()
) -> tuple[str, ...]:
    """`first`, then the read contract's other fields in their order, then `last` (which may
    name computed columns)."""
    placed = {*first, *last, *NOT_EXPORTED}
    middle = [name for name in read.model_fields if name not in placed]
    return tuple(_flat([*first, *middle, *last]))


def import_fields(create: type[BaseModel]) -> tuple[str, ...]:
    """The create contract's fields a file may fill, the address as its parts."""
    return tuple(_flat(name for name in create.model_fields if name not in NOT_IMPORTED))


def list_fields(create: type[BaseModel]) -> frozenset[str]:
    """The create contract's list fields: a cell holds several values."""
    return frozenset(
        name for name, field in create.model_fields.items() if _is_list(field.annotation)
    )


def _is_list(annotation: object) -> bool:
    if get_origin(annotation) in (Union, types.UnionType):
        return any(_is_list(arg) for arg in get_args(annotation))
    return get_origin(annotation) is list


ORGANIZATION_COLUMNS = export_columns(
    c.Organization, first=("legal_name", "short_name"), last=("owner_id", "status", "notes", "id")
)
PERSON_COLUMNS = export_columns(
    c.Person, last=("notes", "organizations", "roles", "owner_id", "id")
)
ORGANIZATION_IMPORT_FIELDS = import_fields(c.CreateOrganization)
PERSON_IMPORT_FIELDS = import_fields(c.CreatePerson)
LIST_FIELDS = list_fields(c.CreateOrganization) | list_fields(c.CreatePerson)


def contract_fields(contract: type[BaseModel], columns: Iterable[str]) -> list[str]:
    """The read contract's fields that changed columns belong to, as messages name them:
    address parts are `address`; derived columns (search and locality keys) are no field."""
    names = {"address" if column in ADDRESS_PARTS else column for column in columns}
    return sorted(names & set(contract.model_fields))
