"""Base shapes of request and reply bodies: a request knows its subject, reply and permission."""

from typing import Any, ClassVar, Final, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from punte_contracts.errors import ServiceErrorBody


class Contract(BaseModel):
    """Base of every request and reply body: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ReadModel(Contract):
    """A reply body that mirrors a stored record: `Thing.model_validate(row)` reads it from
    the row's attributes (nested read models too), so no field is mapped by hand."""

    model_config = ConfigDict(from_attributes=True)


class Empty(Contract):
    """A body with nothing in it."""


# Covariant: a request for a `Thing` is a request for a `BaseModel`, too.
ReplyT_co = TypeVar("ReplyT_co", bound=BaseModel, covariant=True)
ItemT = TypeVar("ItemT", bound=BaseModel)

# What a request needs: one permission, or alternatives of which the caller must hold one.
Permission = str | tuple[str, ...]
# Declared by the endpoints every caller on the bus may reach (health): a decision, spelled out.
NO_PERMISSION: Final[tuple[str, ...]] = ()


class Request(Contract, Generic[ReplyT_co]):
    """A request body: `class CreateThing(Request[Thing])` with class-level `request_subject`
    and `request_permission` (and `request_read_only = True` for an endpoint answered in a
    read-only transaction). Prefixed like a message's `message_type` parts, so a contract may
    still have a field named `subject`.

    The reply contract is the generic argument. A concrete subclass that declares no subject
    or no permission fails at import; generic bases (`GetMany[ItemT]`) are exempt."""

    request_subject: ClassVar[str]
    request_permission: ClassVar[Permission]
    request_read_only: ClassVar[bool] = False
    _reply_model: ClassVar[type[BaseModel]]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        generic = cls.__pydantic_generic_metadata__
        if generic["origin"] is not None or generic["parameters"]:
            return
        missing = [
            name for name in ("request_subject", "request_permission") if name not in cls.__dict__
        ]
        if missing:
            raise TypeError(f"request {cls.__name__} declares no {' and no '.join(missing)}")
        cls._reply_model = cls._resolve_reply_model()

    @classmethod
    def _resolve_reply_model(cls) -> type[BaseModel]:
        return _generic_argument(cls, Request)

    @classmethod
    def reply_model(cls) -> type[ReplyT_co]:
        """The contract the reply is checked against."""
        return cls._reply_model  # type: ignore[return-value]

    @classmethod
    def permissions(cls) -> tuple[str, ...]:
        """The permissions of which the caller must hold one; empty when open to all."""
        needed = cls.request_permission
        return (needed,) if isinstance(needed, str) else needed


def _generic_argument(cls: type[BaseModel], origin: type[BaseModel]) -> type[BaseModel]:
    for base in cls.__mro__:
        generic = getattr(base, "__pydantic_generic_metadata__", None)
        if generic and generic["origin"] is origin:
            argument: type[BaseModel] = generic["args"][0]
            return argument
    raise TypeError(f"{cls.__name__} names no reply: subclass {origin.__name__}[Reply]")


class GetManyReply(Contract, Generic[ItemT]):
    """The entities found; ids that matched nothing are listed in `missing`."""

    items: list[ItemT]
    missing: list[UUID] = Field(default_factory=list)


class GetMany(Request[GetManyReply[ItemT]], Generic[ItemT]):
    """Fetch several entities by id in one round trip (the DataLoader shape):
    `class GetThings(GetMany[Thing])` with its subject and permission (read-only)."""

    request_read_only: ClassVar[bool] = True

    ids: list[UUID] = Field(max_length=1000)

    @classmethod
    def _resolve_reply_model(cls) -> type[BaseModel]:
        return GetManyReply[_generic_argument(cls, GetMany)]  # type: ignore[misc, return-value]


class ReplyEnvelope(BaseModel):
    """What travels back on the wire: exactly one of result or error."""

    model_config = ConfigDict(extra="forbid")

    result: object | None = None
    error: ServiceErrorBody | None = None
