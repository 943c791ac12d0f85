"""Base shapes of request and reply bodies."""

from typing import Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from punte_contracts.errors import ServiceErrorBody


class Contract(BaseModel):
    """Base of every request and reply body: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Empty(Contract):
    """A body with nothing in it."""


ItemT = TypeVar("ItemT", bound=BaseModel)


class GetManyRequest(Contract):
    """Fetch several entities by id in one round trip (the DataLoader shape)."""

    ids: list[UUID] = Field(max_length=1000)


class GetManyReply(Contract, Generic[ItemT]):
    """The entities found; ids that matched nothing are listed in `missing`."""

    items: list[ItemT]
    missing: list[UUID] = Field(default_factory=list)


class ReplyEnvelope(BaseModel):
    """What travels back on the wire: exactly one of result or error."""

    model_config = ConfigDict(extra="forbid")

    result: object | None = None
    error: ServiceErrorBody | None = None
