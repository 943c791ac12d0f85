"""Shared pieces of the contacts contracts: permissions, bounds and field types (the generic
ones come from `punte_contracts.fields`, re-exported here)."""

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import StringConstraints

from punte_contracts.fields import MAX_NAME as MAX_NAME
from punte_contracts.fields import MAX_NOTES as MAX_NOTES
from punte_contracts.fields import MAX_SHORT_TEXT as MAX_SHORT_TEXT
from punte_contracts.fields import Email
from punte_contracts.fields import Name as Name
from punte_contracts.fields import Notes as Notes
from punte_contracts.fields import ShortText as ShortText
from punte_contracts.fields import Tag as Tag
from punte_contracts.paging import Cursor as Cursor
from punte_contracts.rpc import Contract, ReadModel

SERVICE = "contacts"

WRITE_PERMISSION = "contacts:write"
READ_PERMISSION = "contacts:read"
IMPORT_PERMISSION = "contacts:import"
# Imports need contacts:import or contacts:write; readers may follow one too.
IMPORTERS = (IMPORT_PERMISSION, WRITE_PERMISSION)
IMPORT_VIEWERS = (*IMPORTERS, READ_PERMISSION)

MAX_LIST = 50
MAX_PAGE = 100

OptionalShortText = ShortText | None
EmailText = Email
PhoneText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
SearchText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_SHORT_TEXT)]


class CaenCode(ReadModel):
    """A CAEN activity code with its revision (Rev.2 and Rev.3 share shapes, not meanings)."""

    code: Annotated[str, StringConstraints(pattern=r"^\d{4}$")]
    revision: Literal["rev2", "rev3"]


class Address(ReadModel):
    """A postal address; the country is an ISO 3166-1 alpha-2 code."""

    street: OptionalShortText = None
    locality: OptionalShortText = None
    county: OptionalShortText = None
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = (
        None
    )
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "RO"


def _given_and_cleared(model: Contract, clear: Sequence[str]) -> None:
    both = sorted(name for name in clear if getattr(model, name) is not None)
    if both:
        raise ValueError(f"given and cleared at once: {', '.join(both)}")
